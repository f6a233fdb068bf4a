/**
 * Type rules of the rule language, shared by the JS evaluator (Arrow types) and the schema check
 * (DuckDB type names): numbers with numbers, text with quoted strings, booleans with TRUE/FALSE,
 * dates and timestamps with quoted 'YYYY-MM-DD' / 'YYYY-MM-DD HH:MM[:SS[.ffffff]]' strings (read as
 * DuckDB casts them, in UTC-free local time). NULL fits every column. A mismatch is an
 * EngineError('BAD_INPUT') naming the column, never a silent false.
 */
import { EngineError } from '../protocol/errors';
import { forEachCondition, type Operand, type RuleExpr, type RuleLiteral } from './ast';
import { compileRegex } from './regex';
import { textArgumentProblem } from './text-match';

/** What a column holds, as far as rules care. 'other' columns can only be tested with IS NULL. */
export type ColumnKind = 'number' | 'string' | 'boolean' | 'date' | 'timestamp' | 'other';

/** The rule kind of a DuckDB type name (as DESCRIBE prints it). */
export function kindOfDuckdbType(type: string): { kind: ColumnKind; note?: string } {
  const t = type.trim().toUpperCase();
  if (/^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|INT1|INT2|INT4|INT8|FLOAT4|FLOAT8)$/.test(t)) return { kind: 'number' };
  if (/^(DECIMAL|NUMERIC)(\s*\(.*\))?$/.test(t)) return { kind: 'number' };
  if (t === 'VARCHAR' || t === 'TEXT' || t === 'STRING' || t.startsWith('ENUM(') || t.startsWith('VARCHAR(')) return { kind: 'string' };
  if (t === 'BOOLEAN' || t === 'BOOL') return { kind: 'boolean' };
  if (t === 'DATE') return { kind: 'date' };
  if (t === 'TIMESTAMP' || t === 'DATETIME' || t === 'TIMESTAMP_S' || t === 'TIMESTAMP_MS' || t === 'TIMESTAMP_NS' || t === 'TIMESTAMP_US') return { kind: 'timestamp' };
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') return { kind: 'other', note: 'timestamps with a time zone cannot be compared in rules yet (cast them to TIMESTAMP in the feature SQL)' };
  return { kind: 'other', note: `${type} columns can only be tested with IS NULL / IS NOT NULL` };
}

const KIND_WORDS: Record<ColumnKind, string> = {
  number: 'a numeric',
  string: 'a text',
  boolean: 'a boolean',
  date: 'a date',
  timestamp: 'a timestamp',
  other: 'an unsupported',
};

function showLiteral(lit: RuleLiteral): string {
  switch (lit.kind) {
    case 'number':
      return `the number ${lit.value}`;
    case 'string':
      return `the string '${lit.value.length > 30 ? `${lit.value.slice(0, 27)}...` : lit.value}'`;
    case 'boolean':
      return lit.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
  }
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

function daysFromCivil(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / 86_400_000);
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/**
 * A date/timestamp string as DuckDB's cast reads it, in microseconds since 1970-01-01 00:00.
 * Returns null when the text is not a date (or timestamp) this language accepts.
 */
export function parseTemporalLiteral(text: string, kind: 'date' | 'timestamp'): number | null {
  const m = (kind === 'date' ? DATE_RE : TIMESTAMP_RE).exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validDate(y, mo, d)) return null;
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (h > 23 || mi > 59 || s > 59) return null;
  const frac = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  return daysFromCivil(y, mo, d) * 86_400_000_000 + ((h * 60 + mi) * 60 + s) * 1_000_000 + frac;
}

/** Where a column's kind comes from: a lookup that returns undefined for an unknown column. */
export type KindLookup = (name: string) => { kind: ColumnKind; note?: string } | undefined;

/** Thrown for a column a rule names that the table lacks; the caller adds the position. */
export class UnknownColumnError extends EngineError {
  constructor(readonly column: string, message: string) {
    super('BAD_INPUT', message, { column });
    this.name = 'UnknownColumnError';
  }
}

function typeError(column: string, message: string): EngineError {
  return new EngineError('BAD_INPUT', message, { column });
}

/**
 * Checks every node of a rule against the columns' kinds; throws the first problem as
 * EngineError('BAD_INPUT') that names the column. Also checks regexes against the supported subset.
 */
export function checkRuleTypes(expr: RuleExpr, lookup: KindLookup, unknown: (name: string) => never): void {
  const kindOf = (name: string): { kind: ColumnKind; note?: string } => lookup(name) ?? unknown(name);
  const q = (name: string): string => `"${name}"`;
  const needUsable = (name: string, what: string): ColumnKind => {
    const k = kindOf(name);
    if (k.kind === 'other') throw typeError(name, `${q(name)} cannot be used in ${what}: ${k.note ?? 'its type is not supported'}.`);
    return k.kind;
  };
  const checkLiteral = (name: string, kind: ColumnKind, lit: RuleLiteral): void => {
    if (lit.kind === 'null') return;
    if (lit.kind === 'number') {
      if (!Number.isFinite(lit.value)) throw typeError(name, `The number compared with ${q(name)} is not finite.`);
      if (kind === 'number') return;
    } else if (lit.kind === 'string') {
      if (kind === 'string') return;
      if (kind === 'date' || kind === 'timestamp') {
        if (parseTemporalLiteral(lit.value, kind) === null) {
          const shape = kind === 'date' ? "'YYYY-MM-DD'" : "'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS'";
          throw typeError(name, `${q(name)} is ${KIND_WORDS[kind]} column; '${lit.value}' is not a valid ${kind} (write ${shape}).`);
        }
        return;
      }
    } else if (kind === 'boolean') {
      return;
    }
    const hint = kind === 'number' ? 'a number' : kind === 'string' ? "a quoted string such as 'UK'" : kind === 'boolean' ? 'TRUE or FALSE' : "a quoted date such as '2024-01-31'";
    throw typeError(name, `${q(name)} is ${KIND_WORDS[kind]} column; compare it with ${hint}, not ${showLiteral(lit)}.`);
  };
  const checkOperand = (name: string, kind: ColumnKind, right: Operand): void => {
    if (right.kind !== 'column') return checkLiteral(name, kind, right);
    const other = needUsable(right.name, 'a comparison');
    const temporal = (k: ColumnKind): boolean => k === 'date' || k === 'timestamp';
    if (other !== kind && !(temporal(other) && temporal(kind))) {
      throw typeError(name, `${q(name)} is ${KIND_WORDS[kind]} column and ${q(right.name)} is ${KIND_WORDS[other]} column; they cannot be compared.`);
    }
  };
  forEachCondition(expr, (e) => {
    switch (e.type) {
      case 'literal':
        return;
      case 'compare':
        checkOperand(e.left.name, needUsable(e.left.name, 'a comparison'), e.right);
        return;
      case 'in': {
        if (e.values.length === 0) throw typeError(e.column.name, `The IN list for ${q(e.column.name)} is empty.`);
        const k = needUsable(e.column.name, 'IN');
        e.values.forEach((v) => checkLiteral(e.column.name, k, v));
        return;
      }
      case 'between': {
        const k = needUsable(e.column.name, 'BETWEEN');
        checkLiteral(e.column.name, k, e.low);
        checkLiteral(e.column.name, k, e.high);
        return;
      }
      case 'isNull':
        kindOf(e.column.name);
        return;
      case 'like':
      case 'regex': {
        const k = needUsable(e.column.name, e.type === 'like' ? 'LIKE' : 'MATCHES');
        if (k !== 'string') throw typeError(e.column.name, `${q(e.column.name)} is ${KIND_WORDS[k]} column; ${e.type === 'like' ? 'LIKE' : 'MATCHES'} works on text columns only.`);
        if (e.type === 'regex') compileRegex(e.pattern);
        return;
      }
      case 'contains': {
        const k = needUsable(e.column.name, 'CONTAINS');
        if (k !== 'string') throw typeError(e.column.name, `${q(e.column.name)} is ${KIND_WORDS[k]} column; CONTAINS ${e.mode === 'word' ? 'WORD' : 'PHRASE'} works on text columns only.`);
        const problem = textArgumentProblem(e.mode, e.text);
        if (problem) throw typeError(e.column.name, `${problem[0]?.toUpperCase()}${problem.slice(1)}.`);
        return;
      }
      case 'column': {
        const k = needUsable(e.column.name, 'a condition');
        if (k !== 'boolean') throw typeError(e.column.name, `${q(e.column.name)} is ${KIND_WORDS[k]} column; on its own a column must be boolean (write a comparison such as ${q(e.column.name)} > 0).`);
        return;
      }
    }
  });
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min((prev[j] as number) + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

/** The closest column name to a misspelt one, if any is close enough to suggest. */
export function suggestColumn(name: string, columns: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const exactCase = columns.find((c) => c.toLowerCase() === lower);
  if (exactCase) return exactCase;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of columns) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
