/**
 * Value expressions: the per-row value (GMV) that tags, segments and labels are judged by, e.g.
 * `Quantity * UnitPrice` or a column such as `monetary`, and the feature builder's value that a rule
 * pack records (packs/schema.ts) and prints per SQL dialect (packs/dialects/feature-sql.ts). A small
 * arithmetic language of its own rather than raw SQL, so that it is checked before anything runs
 * (columns exist and are numeric, errors point at the text), cannot carry anything but arithmetic into
 * the query, and means the same in DuckDB, Spark, Hive, Flink and Trino:
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | primary
 *   primary := number | column | '"quoted column"' | '`quoted column`' | '(' expr ')'
 *
 * Columns are read as DOUBLE (no integer overflow or integer division); a NULL operand makes the
 * row's value NULL, and so does a division by zero (DuckDB's rule).
 */
import { z } from 'zod';
import { quoteIdent } from '../data/sql-text';
import { EngineError } from '../protocol/errors';
import { positionAt } from './parser';

/**
 * The parsed tree; `assay.rulepack/2` packs record it (valueExprSchema). A column's `at` is where the
 * parser found it (for error messages), never recorded: mapValueColumns returns the tree without it.
 */
export type ValueExpr =
  | { type: 'number'; value: number }
  | { type: 'column'; name: string; at?: number }
  | { type: 'negate'; arg: ValueExpr }
  | { type: 'binary'; op: '+' | '-' | '*' | '/'; left: ValueExpr; right: ValueExpr };

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** The tree as a pack file records it (strict: a column is its name, nothing else). */
export const valueExprSchema: z.ZodType<ValueExpr> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('column'), name: z.string().min(1) }).strict(),
    z.object({ type: z.literal('number'), value: finite }).strict(),
    z.object({ type: z.literal('negate'), arg: valueExprSchema }).strict(),
    z.object({ type: z.literal('binary'), op: z.enum(['+', '-', '*', '/']), left: valueExprSchema, right: valueExprSchema }).strict(),
  ]),
);

interface Token {
  kind: 'number' | 'ident' | 'op' | 'lparen' | 'rparen' | 'end';
  text: string;
  at: number;
}

function fail(text: string, at: number, message: string): never {
  const position = positionAt(text, at);
  const where = text.includes('\n') ? `at line ${position.line}, column ${position.column}` : `at character ${at + 1}`;
  throw new EngineError('BAD_INPUT', `Value expression ${JSON.stringify(text)}, ${where}: ${message}.`, { position });
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ kind: 'number', text: number[0], at: i });
      i += number[0].length;
      continue;
    }
    const ident = /^[\p{L}_][\p{L}\p{N}_$]*/u.exec(text.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], at: i });
      i += ident[0].length;
      continue;
    }
    // "name" as in DuckDB and the SQL standard, `name` as in Spark and Hive; doubling escapes the quote.
    if (c === '"' || c === '`') {
      let name = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) fail(text, i, 'a quoted column name is not closed');
        if (text[j] === c) {
          if (text[j + 1] === c) {
            name += c;
            j += 2;
            continue;
          }
          break;
        }
        name += text[j];
        j++;
      }
      if (name === '') fail(text, i, 'an empty quoted column name');
      tokens.push({ kind: 'ident', text: name, at: i });
      i = j + 1;
      continue;
    }
    if ('+-*/'.includes(c)) tokens.push({ kind: 'op', text: c, at: i });
    else if (c === '(') tokens.push({ kind: 'lparen', text: c, at: i });
    else if (c === ')') tokens.push({ kind: 'rparen', text: c, at: i });
    else if (c === "'") fail(text, i, "text in quotes is not a number (a value must be numeric; quote column names with \" not ')");
    else fail(text, i, `"${c}" is not allowed; a value is numbers and columns with + - * / and parentheses`);
    i++;
  }
  tokens.push({ kind: 'end', text: '', at: text.length });
  return tokens;
}

/** Parses a value expression; a clear error (with its position) when it does not parse. */
export function parseValueExpr(text: string): ValueExpr {
  if (typeof text !== 'string' || text.trim() === '') throw new EngineError('BAD_INPUT', 'The value expression is empty; give a numeric column or an expression such as Quantity * UnitPrice.');
  if (text.length > 2000) throw new EngineError('BAD_INPUT', `The value expression is ${text.length} characters long; at most 2,000 are accepted.`);
  const tokens = tokenize(text);
  let k = 0;
  let depth = 0;
  const peek = (): Token => tokens[k] as Token;
  const next = (): Token => tokens[k++] as Token;
  const primary = (): ValueExpr => {
    const t = next();
    if (t.kind === 'number') {
      const value = Number(t.text);
      if (!Number.isFinite(value)) fail(text, t.at, `the number ${t.text} is too large`);
      return { type: 'number', value };
    }
    if (t.kind === 'ident') {
      if (peek().kind === 'lparen') fail(text, t.at, `functions such as ${t.text}(...) are not part of value expressions`);
      return { type: 'column', name: t.text, at: t.at };
    }
    if (t.kind === 'lparen') {
      if (++depth > 100) fail(text, t.at, 'parentheses nest too deep');
      const inner = sum();
      const close = next();
      if (close.kind !== 'rparen') fail(text, close.at, 'a ")" is missing');
      depth--;
      return inner;
    }
    if (t.kind === 'end') fail(text, t.at, 'the expression ends where a number or column was expected');
    return fail(text, t.at, `"${t.text}" where a number or column was expected`);
  };
  const unary = (): ValueExpr => {
    const sign = peek();
    if (sign.kind === 'op' && (sign.text === '-' || sign.text === '+')) {
      next();
      if (++depth > 100) fail(text, peek().at, 'the expression nests too deep');
      const arg = unary();
      depth--;
      // A leading '+' changes nothing and leaves no node (the tree packs record has none).
      return sign.text === '-' ? { type: 'negate', arg } : arg;
    }
    return primary();
  };
  const term = (): ValueExpr => {
    let left = unary();
    while (peek().kind === 'op' && (peek().text === '*' || peek().text === '/')) {
      const op = next().text as '*' | '/';
      left = { type: 'binary', op, left, right: unary() };
    }
    return left;
  };
  const sum = (): ValueExpr => {
    let left = term();
    while (peek().kind === 'op' && (peek().text === '+' || peek().text === '-')) {
      const op = next().text as '+' | '-';
      left = { type: 'binary', op, left, right: term() };
    }
    return left;
  };
  const expr = sum();
  const rest = peek();
  if (rest.kind !== 'end') fail(text, rest.at, rest.kind === 'rparen' ? 'a ")" without its "("' : `"${rest.text}" after a complete expression`);
  return expr;
}

/** Every column a value expression reads, each once, in the order they appear. */
export function valueColumns(expr: ValueExpr): string[] {
  const out = new Set<string>();
  const walk = (e: ValueExpr): void => {
    if (e.type === 'column') out.add(e.name);
    else if (e.type === 'negate') walk(e.arg);
    else if (e.type === 'binary') {
      walk(e.left);
      walk(e.right);
    }
  };
  walk(expr);
  return [...out];
}

/** A value expression with its columns renamed (e.g. to the table's spelling of each name), without parse positions. */
export function mapValueColumns(expr: ValueExpr, rename: (name: string) => string): ValueExpr {
  if (expr.type === 'column') return { type: 'column', name: rename(expr.name) };
  if (expr.type === 'number') return expr;
  if (expr.type === 'negate') return { type: 'negate', arg: mapValueColumns(expr.arg, rename) };
  return { ...expr, left: mapValueColumns(expr.left, rename), right: mapValueColumns(expr.right, rename) };
}

const PRECEDENCE = { '+': 1, '-': 1, '*': 2, '/': 2 } as const;

function printName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Canonical text (only the parentheses that matter). */
export function printValueExpr(expr: ValueExpr, parent = 0, right = false): string {
  if (expr.type === 'number') return String(expr.value);
  if (expr.type === 'column') return printName(expr.name);
  if (expr.type === 'negate') return `-${printValueExpr(expr.arg, 3)}`;
  const p = PRECEDENCE[expr.op];
  const text = `${printValueExpr(expr.left, p)} ${expr.op} ${printValueExpr(expr.right, p, true)}`;
  return p < parent || (p === parent && right) ? `(${text})` : text;
}

/** DuckDB SQL for the expression, every column cast to DOUBLE. */
export function valueExprToSql(expr: ValueExpr): string {
  if (expr.type === 'number') return `CAST(${String(expr.value)} AS DOUBLE)`;
  if (expr.type === 'column') return `CAST(${quoteIdent(expr.name)} AS DOUBLE)`;
  if (expr.type === 'negate') return `(-${valueExprToSql(expr.arg)})`;
  return `(${valueExprToSql(expr.left)} ${expr.op} ${valueExprToSql(expr.right)})`;
}

export interface ValueColumn {
  name: string;
  type: string;
  /** 'numeric' for numbers (see gbdt/encoding sourceKind). */
  kind: string;
}

/**
 * Parses the expression and resolves its columns against a table's (exact name first, then
 * ignoring case as DuckDB does): every column must exist and be numeric. Returns the expression
 * with the table's spelling of each column.
 */
export function checkValueExpr(text: string, columns: ReadonlyArray<ValueColumn>, where: string): { expr: ValueExpr; canonical: string; sql: string } {
  const parsed = parseValueExpr(text);
  const resolve = (e: ValueExpr): ValueExpr => {
    if (e.type === 'number') return e;
    if (e.type === 'negate') return { type: 'negate', arg: resolve(e.arg) };
    if (e.type === 'binary') return { ...e, left: resolve(e.left), right: resolve(e.right) };
    const exact = columns.find((c) => c.name === e.name);
    const folded = columns.filter((c) => c.name.toLowerCase() === e.name.toLowerCase());
    const column = exact ?? (folded.length === 1 ? folded[0] : undefined);
    const at = e.at ?? 0;
    if (!column) {
      const listed = columns.filter((c) => c.kind === 'numeric').map((c) => c.name);
      fail(text, at, `"${e.name}" is not a column of ${where}${listed.length > 0 ? ` (its numeric columns: ${listed.slice(0, 10).join(', ')}${listed.length > 10 ? ', ...' : ''})` : ' (it has no numeric columns)'}`);
    }
    if (column.kind !== 'numeric') fail(text, at, `"${column.name}" is ${column.type}, not a number; a value must be numeric`);
    return { type: 'column', name: column.name, at };
  };
  const expr = resolve(parsed);
  return { expr, canonical: printValueExpr(expr), sql: valueExprToSql(expr) };
}
