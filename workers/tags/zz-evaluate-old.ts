/**
 * The JS evaluator: runs a rule over an Arrow table, column-wise. Each column the rule reads is
 * extracted once (numbers and dates as Float64Array, text as a dictionary + codes, a validity mask),
 * then every node yields a three-valued Uint8Array (0 false, 1 true, 2 NULL) under SQL semantics;
 * a row is tagged where the rule is TRUE. Matches ruleToDuckdbSql row for row (the property test
 * checks it), including DuckDB's NaN order (NaN equals NaN and sorts above every number) and
 * byte-wise (code point) text order.
 *
 * Known limits: integers beyond 2^53 and DECIMALs wider than a double are compared as doubles;
 * TIMESTAMP_NS is compared at double precision of microseconds; TIMESTAMP WITH TIME ZONE columns
 * can only be tested with IS [NOT] NULL.
 */
import { DataType, TimeUnit, type Data, type Table, type Vector } from 'apache-arrow';
import { EngineError } from '../protocol/errors';
import type { ComparisonOp, Operand, RuleExpr, RuleLiteral } from './ast';
import { ruleColumns } from './ast';
import { findColumnInText } from './parser';
import { compileLike, compileRegex } from './regex';
import { checkRuleTypes, kindOfDuckdbType, parseTemporalLiteral, suggestColumn, UnknownColumnError, type ColumnKind } from './rule-types';

const FALSE = 0;
const TRUE = 1;
const NULL = 2;

/** Row values of one column, extracted once. `valid[i]` is 1 where the value is present. */
type ColumnData =
  | { kind: 'number' | 'date' | 'timestamp'; values: Float64Array; valid: Uint8Array }
  | { kind: 'boolean'; values: Uint8Array; valid: Uint8Array }
  | { kind: 'string'; dict: string[]; codes: Int32Array; valid: Uint8Array }
  | { kind: 'other'; valid: Uint8Array };

/** The rule kind of an Arrow type (and why, when it cannot be used). */
export function kindOfArrowType(type: DataType): { kind: ColumnKind; note?: string } {
  if (DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type)) return { kind: 'number' };
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return { kind: 'string' };
  if (DataType.isDictionary(type)) return kindOfArrowType(type.dictionary).kind === 'string' ? { kind: 'string' } : { kind: 'other', note: 'dictionary columns of non-text values can only be tested with IS NULL / IS NOT NULL' };
  if (DataType.isBool(type)) return { kind: 'boolean' };
  if (DataType.isDate(type)) return { kind: 'date' };
  if (DataType.isTimestamp(type)) {
    return type.timezone ? kindOfDuckdbType('TIMESTAMP WITH TIME ZONE') : { kind: 'timestamp' };
  }
  return { kind: 'other', note: `${String(type)} columns can only be tested with IS NULL / IS NOT NULL` };
}

function validityOf(data: Data, into: Uint8Array, at: number): void {
  const n = data.length;
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) {
    into.fill(1, at, at + n);
    return;
  }
  const off = data.offset;
  for (let i = 0; i < n; i++) {
    const b = off + i;
    into[at + i] = ((bitmap[b >> 3] as number) >> (b & 7)) & 1;
  }
}

function decimalToNumber(words: Uint32Array, index: number, stride: number, scale: number): number {
  let big = 0n;
  for (let w = stride - 1; w >= 0; w--) big = (big << 32n) | BigInt(words[index * stride + w] as number);
  const bits = BigInt(stride * 32);
  if (big >> (bits - 1n)) big -= 1n << bits;
  return scale > 0 ? Number(big) / 10 ** scale : Number(big);
}

function extractNumbers(vector: Vector, kind: 'number' | 'date' | 'timestamp'): { values: Float64Array; valid: Uint8Array } {
  const values = new Float64Array(vector.length);
  const valid = new Uint8Array(vector.length);
  let at = 0;
  for (const data of vector.data as Data[]) {
    validityOf(data, valid, at);
    const n = data.length;
    // Arrow JS slices value and offset buffers with the Data (index them from 0); only bitmaps keep data.offset.
    const type = data.type as DataType;
    const raw = data.values as unknown;
    if (DataType.isDecimal(type)) {
      const stride = type.bitWidth / 32;
      for (let i = 0; i < n; i++) values[at + i] = decimalToNumber(raw as Uint32Array, i, stride, type.scale);
    } else if (DataType.isTimestamp(type) && raw instanceof BigInt64Array) {
      const unit = type.unit;
      for (let i = 0; i < n; i++) {
        const v = raw[i] as bigint;
        values[at + i] =
          unit === TimeUnit.SECOND ? Number(v) * 1e6 : unit === TimeUnit.MILLISECOND ? Number(v) * 1e3 : unit === TimeUnit.MICROSECOND ? Number(v) : Number(v / 1000n) + Number(v % 1000n) / 1000;
      }
    } else if (DataType.isDate(type) && raw instanceof Int32Array) {
      for (let i = 0; i < n; i++) values[at + i] = (raw[i] as number) * 86_400_000_000;
    } else if (DataType.isDate(type) && raw instanceof BigInt64Array) {
      for (let i = 0; i < n; i++) values[at + i] = Number(raw[i] as bigint) * 1000;
    } else if (kind === 'number' && (raw instanceof BigInt64Array || raw instanceof BigUint64Array)) {
      for (let i = 0; i < n; i++) values[at + i] = Number(raw[i] as bigint);
    } else if (kind === 'number' && !(DataType.isFloat(type) && raw instanceof Uint16Array) && ArrayBuffer.isView(raw)) {
      const arr = raw as unknown as ArrayLike<number>;
      for (let i = 0; i < n; i++) values[at + i] = arr[i] as number;
    } else {
      // Rare layouts (half floats, ...): go through Arrow's own accessor.
      const chunk = vector.slice(at, at + n);
      for (let i = 0; i < n; i++) {
        const v: unknown = chunk.get(i);
        values[at + i] = v === null || v === undefined ? 0 : v instanceof Date ? v.getTime() * 1000 : Number(v);
      }
    }
    at += n;
  }
  return { values, valid };
}

function extractBooleans(vector: Vector): { values: Uint8Array; valid: Uint8Array } {
  const values = new Uint8Array(vector.length);
  const valid = new Uint8Array(vector.length);
  let at = 0;
  for (const data of vector.data as Data[]) {
    validityOf(data, valid, at);
    const bits = data.values as Uint8Array;
    const off = data.offset;
    for (let i = 0; i < data.length; i++) {
      const b = off + i;
      values[at + i] = ((bits[b >> 3] as number) >> (b & 7)) & 1;
    }
    at += data.length;
  }
  return { values, valid };
}

function extractStrings(vector: Vector): { dict: string[]; codes: Int32Array; valid: Uint8Array } {
  const codes = new Int32Array(vector.length);
  const valid = new Uint8Array(vector.length);
  const dict: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string): number => {
    let c = index.get(s);
    if (c === undefined) {
      c = dict.length;
      dict.push(s);
      index.set(s, c);
    }
    return c;
  };
  const decoder = new TextDecoder();
  let at = 0;
  for (const data of vector.data as Data[]) {
    validityOf(data, valid, at);
    const n = data.length;
    const type = data.type as DataType;
    if (DataType.isDictionary(type) && data.dictionary) {
      const inner = extractStrings(data.dictionary);
      const innerCodes = inner.dict.map(intern);
      const keys = data.values as unknown as ArrayLike<number | bigint>;
      for (let i = 0; i < n; i++) {
        if (!valid[at + i]) continue;
        const k = Number(keys[i]);
        if (k >= inner.valid.length) {
          // DuckDB-WASM's Arrow output of ENUM columns can arrive without its dictionary.
          throw new EngineError('BAD_INPUT', 'A dictionary-encoded (ENUM) text column arrived without its dictionary; cast it to VARCHAR before evaluating rules on it.');
        }
        codes[at + i] = inner.valid[k] ? (innerCodes[inner.codes[k] as number] as number) : -1;
        if (!inner.valid[k]) valid[at + i] = 0;
      }
    } else {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        if (!valid[at + i]) {
          codes[at + i] = -1;
          continue;
        }
        const s = Number(offsets[i]);
        const e = Number(offsets[i + 1]);
        codes[at + i] = intern(decoder.decode(bytes.subarray(s, e)));
      }
    }
    at += n;
  }
  for (let i = 0; i < codes.length; i++) if (!valid[i]) codes[i] = -1;
  return { dict, codes, valid };
}

function extractColumn(vector: Vector, kind: ColumnKind): ColumnData {
  switch (kind) {
    case 'number':
    case 'date':
    case 'timestamp':
      return { kind, ...extractNumbers(vector, kind) };
    case 'boolean':
      return { kind, ...extractBooleans(vector) };
    case 'string':
      return { kind, ...extractStrings(vector) };
    case 'other': {
      const valid = new Uint8Array(vector.length);
      let at = 0;
      for (const data of vector.data as Data[]) {
        validityOf(data, valid, at);
        at += data.length;
      }
      return { kind, valid };
    }
  }
}

/** Compares two strings by Unicode code point (= UTF-8 byte order, as DuckDB does). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 order differs from code point order only for surrogates vs U+E000..U+FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** DuckDB's number order: NaN equals NaN and is above every other number. */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  return an && bn ? 0 : an ? 1 : -1;
}

function holds(op: ComparisonOp, sign: number): boolean {
  switch (op) {
    case '=':
      return sign === 0;
    case '!=':
      return sign !== 0;
    case '<':
      return sign < 0;
    case '<=':
      return sign <= 0;
    case '>':
      return sign > 0;
    case '>=':
      return sign >= 0;
  }
}

/** A literal as a number on the column's scale (numbers, booleans 0/1, dates in microseconds). */
function literalNumber(lit: RuleLiteral, kind: ColumnKind): number {
  if (lit.kind === 'number') return lit.value;
  if (lit.kind === 'boolean') return lit.value ? 1 : 0;
  if (lit.kind === 'string' && (kind === 'date' || kind === 'timestamp')) return parseTemporalLiteral(lit.value, kind) as number;
  throw new EngineError('INTERNAL', 'A literal reached the evaluator with the wrong type.');
}

class Evaluator {
  private readonly columns = new Map<string, ColumnData>();

  constructor(
    private readonly table: Table,
    private readonly rows: number,
    private readonly kinds: Map<string, ColumnKind>,
  ) {}

  private column(name: string): ColumnData {
    let c = this.columns.get(name);
    if (!c) {
      const vector = this.table.getChild(name) as Vector;
      c = extractColumn(vector, this.kinds.get(name) as ColumnKind);
      this.columns.set(name, c);
    }
    return c;
  }

  private filled(v: number): Uint8Array {
    return new Uint8Array(this.rows).fill(v);
  }

  /** A three-valued result per row from a per-value predicate (NULL rows stay NULL). */
  private perValue(c: ColumnData, test: (i: number) => boolean): Uint8Array {
    const out = new Uint8Array(this.rows);
    const valid = c.valid;
    for (let i = 0; i < this.rows; i++) out[i] = valid[i] ? (test(i) ? TRUE : FALSE) : NULL;
    return out;
  }

  /** For text columns: decide once per distinct value (three-valued), then map the codes. */
  private perString(c: Extract<ColumnData, { kind: 'string' }>, decide: (s: string) => number): Uint8Array {
    const perCode = new Uint8Array(c.dict.length);
    for (let k = 0; k < c.dict.length; k++) perCode[k] = decide(c.dict[k] as string);
    const out = new Uint8Array(this.rows);
    for (let i = 0; i < this.rows; i++) {
      const code = c.codes[i] as number;
      out[i] = code < 0 ? NULL : (perCode[code] as number);
    }
    return out;
  }

  private compareLiteral(name: string, op: ComparisonOp, lit: RuleLiteral): Uint8Array {
    if (lit.kind === 'null') return this.filled(NULL);
    const c = this.column(name);
    if (c.kind === 'string') {
      const v = lit.value as string;
      return this.perString(c, (s) => (holds(op, compareCodePoints(s, v)) ? TRUE : FALSE));
    }
    if (c.kind === 'other') throw new EngineError('INTERNAL', `"${name}" cannot be compared.`);
    return compareNumberLiteral(c.values, c.valid, op, literalNumber(lit, c.kind), this.rows);
  }

  private compareColumns(left: string, op: ComparisonOp, right: string): Uint8Array {
    const a = this.column(left);
    const b = this.column(right);
    const out = new Uint8Array(this.rows);
    for (let i = 0; i < this.rows; i++) {
      if (!a.valid[i] || !b.valid[i]) {
        out[i] = NULL;
        continue;
      }
      let sign: number;
      if (a.kind === 'string' && b.kind === 'string') sign = compareCodePoints(a.dict[a.codes[i] as number] as string, b.dict[b.codes[i] as number] as string);
      else if (a.kind !== 'string' && a.kind !== 'other' && b.kind !== 'string' && b.kind !== 'other') sign = compareNumbers(a.values[i] as number, b.values[i] as number);
      else throw new EngineError('INTERNAL', `"${left}" and "${right}" cannot be compared.`);
      out[i] = holds(op, sign) ? TRUE : FALSE;
    }
    return out;
  }

  private compare(name: string, op: ComparisonOp, right: Operand): Uint8Array {
    return right.kind === 'column' ? this.compareColumns(name, op, right.name) : this.compareLiteral(name, op, right);
  }

  private inList(name: string, values: RuleLiteral[]): Uint8Array {
    const c = this.column(name);
    const hasNull = values.some((v) => v.kind === 'null');
    const miss = hasNull ? NULL : FALSE;
    const present = values.filter((v) => v.kind !== 'null');
    if (c.kind === 'string') {
      const set = new Set(present.map((v) => v.value as string));
      return this.perString(c, (s) => (set.has(s) ? TRUE : miss));
    }
    if (c.kind === 'other') throw new EngineError('INTERNAL', `"${name}" cannot be used in IN.`);
    // Set uses SameValueZero: NaN finds NaN and 0 finds -0, as in DuckDB.
    const set = new Set(present.map((v) => literalNumber(v, c.kind)));
    const out = new Uint8Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = c.valid[i] ? (set.has(c.values[i] as number) ? TRUE : miss) : NULL;
    return out;
  }

  run(e: RuleExpr): Uint8Array {
    switch (e.type) {
      case 'and':
      case 'or': {
        if (e.args.length === 0) return this.filled(e.type === 'and' ? TRUE : FALSE);
        const out = this.run(e.args[0] as RuleExpr);
        for (let k = 1; k < e.args.length; k++) {
          const next = this.run(e.args[k] as RuleExpr);
          if (e.type === 'and') {
            for (let i = 0; i < this.rows; i++) {
              const x = out[i] as number;
              const y = next[i] as number;
              out[i] = x === FALSE || y === FALSE ? FALSE : x === NULL || y === NULL ? NULL : TRUE;
            }
          } else {
            for (let i = 0; i < this.rows; i++) {
              const x = out[i] as number;
              const y = next[i] as number;
              out[i] = x === TRUE || y === TRUE ? TRUE : x === NULL || y === NULL ? NULL : FALSE;
            }
          }
        }
        return out;
      }
      case 'not':
        return negate(this.run(e.arg));
      case 'literal':
        return this.filled(e.value ? TRUE : FALSE);
      case 'compare':
        return this.compare(e.left.name, e.op, e.right);
      case 'in': {
        const r = this.inList(e.column.name, e.values);
        return e.negated ? negate(r) : r;
      }
      case 'between': {
        const low = this.compareLiteral(e.column.name, '>=', e.low);
        const high = this.compareLiteral(e.column.name, '<=', e.high);
        for (let i = 0; i < this.rows; i++) {
          const x = low[i] as number;
          const y = high[i] as number;
          low[i] = x === FALSE || y === FALSE ? FALSE : x === NULL || y === NULL ? NULL : TRUE;
        }
        return e.negated ? negate(low) : low;
      }
      case 'isNull': {
        const valid = this.column(e.column.name).valid;
        const out = new Uint8Array(this.rows);
        for (let i = 0; i < this.rows; i++) out[i] = (valid[i] ? 1 : 0) ^ (e.negated ? 0 : 1);
        return out;
      }
      case 'like':
      case 'regex': {
        const c = this.column(e.column.name);
        if (c.kind !== 'string') throw new EngineError('INTERNAL', `"${e.column.name}" is not text.`);
        const re = e.type === 'like' ? compileLike(e.pattern) : compileRegex(e.pattern);
        const yes = e.negated ? FALSE : TRUE;
        const no = e.negated ? TRUE : FALSE;
        return this.perString(c, (s) => (re.test(s) ? yes : no));
      }
      case 'column': {
        const c = this.column(e.column.name);
        if (c.kind !== 'boolean') throw new EngineError('INTERNAL', `"${e.column.name}" is not boolean.`);
        return this.perValue(c, (i) => c.values[i] === 1);
      }
    }
  }
}

/**
 * `column op v` for a finite v, one tight loop per operator (the evaluator's hot path). NaN sorts
 * above every number, so it is > and >= any finite v; JS comparisons already give the rest.
 */
function compareNumberLiteral(values: Float64Array | Uint8Array, valid: Uint8Array, op: ComparisonOp, v: number, rows: number): Uint8Array {
  const out = new Uint8Array(rows);
  switch (op) {
    case '=':
      for (let i = 0; i < rows; i++) out[i] = valid[i] ? (values[i] === v ? TRUE : FALSE) : NULL;
      break;
    case '!=':
      for (let i = 0; i < rows; i++) out[i] = valid[i] ? (values[i] !== v ? TRUE : FALSE) : NULL;
      break;
    case '<':
      for (let i = 0; i < rows; i++) out[i] = valid[i] ? ((values[i] as number) < v ? TRUE : FALSE) : NULL;
      break;
    case '<=':
      for (let i = 0; i < rows; i++) out[i] = valid[i] ? ((values[i] as number) <= v ? TRUE : FALSE) : NULL;
      break;
    case '>':
      for (let i = 0; i < rows; i++) {
        const x = values[i] as number;
        out[i] = valid[i] ? (x > v || x !== x ? TRUE : FALSE) : NULL;
      }
      break;
    case '>=':
      for (let i = 0; i < rows; i++) {
        const x = values[i] as number;
        out[i] = valid[i] ? (x >= v || x !== x ? TRUE : FALSE) : NULL;
      }
      break;
  }
  return out;
}

function negate(tri: Uint8Array): Uint8Array {
  for (let i = 0; i < tri.length; i++) tri[i] = tri[i] === NULL ? NULL : 1 - (tri[i] as number);
  return tri;
}

function unknownColumn(name: string, columns: readonly string[], text: string | undefined): never {
  const suggestion = suggestColumn(name, columns);
  const where = text === undefined ? undefined : findColumnInText(text, name);
  const place = where ? ` (line ${where.position.line}, column ${where.position.column})` : '';
  const message = `There is no column named "${name}"${place}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`;
  const err = new UnknownColumnError(name, message);
  if (err.detail) {
    if (where) {
      err.detail.position = where.position;
      err.detail.length = where.length;
    }
    if (suggestion) err.detail.suggestion = suggestion;
  }
  throw err;
}

/**
 * Checks a rule against a table schema without data (column names and DuckDB types, as DESCRIBE
 * gives them): unknown columns (with the name's position in `text` and a "did you mean"), type
 * mismatches naming the column, unsupported regexes. Throws EngineError('BAD_INPUT').
 */
export function checkRuleAgainstSchema(expr: RuleExpr, columns: ReadonlyArray<{ name: string; type: string }>, text?: string): void {
  const byName = new Map(columns.map((c) => [c.name, kindOfDuckdbType(c.type)]));
  checkRuleTypes(expr, (name) => byName.get(name), (name) => unknownColumn(name, columns.map((c) => c.name), text));
}

/** Checks a rule against an Arrow table's schema (see checkRuleAgainstSchema). */
export function checkRuleAgainstTable(expr: RuleExpr, table: Table, text?: string): Map<string, ColumnKind> {
  const kinds = new Map<string, ColumnKind>();
  const info = new Map(table.schema.fields.map((f) => [f.name, kindOfArrowType(f.type as DataType)]));
  checkRuleTypes(expr, (name) => info.get(name), (name) => unknownColumn(name, table.schema.fields.map((f) => f.name), text));
  for (const name of ruleColumns(expr)) kinds.set(name, (info.get(name) as { kind: ColumnKind }).kind);
  return kinds;
}

/**
 * Evaluates many rules over one table, extracting each column once for all of them (mining and
 * benchmarks run thousands of rules over the same rows).
 */
export class RuleEvaluator {
  private readonly kinds = new Map<string, ColumnKind>();
  private readonly evaluator: Evaluator;

  constructor(private readonly table: Table) {
    this.evaluator = new Evaluator(table, table.numRows, this.kinds);
  }

  /** 0 false, 1 true, 2 NULL per row. Throws EngineError('BAD_INPUT') for a rule that does not fit the table. */
  threeValued(expr: RuleExpr): Uint8Array {
    for (const [name, kind] of checkRuleAgainstTable(expr, this.table)) this.kinds.set(name, kind);
    return this.evaluator.run(expr);
  }

  /** 1 where the rule is TRUE, else 0. */
  evaluate(expr: RuleExpr): Uint8Array {
    const tri = this.threeValued(expr);
    for (let i = 0; i < tri.length; i++) tri[i] = tri[i] === TRUE ? 1 : 0;
    return tri;
  }
}

/**
 * Evaluates a rule over every row of an Arrow table: 1 where the rule is TRUE, 0 where it is
 * FALSE or NULL. Throws EngineError('BAD_INPUT') for unknown columns and type mismatches.
 */
export function evaluateRule(expr: RuleExpr, table: Table): Uint8Array {
  return new RuleEvaluator(table).evaluate(expr);
}

/** The three-valued result (0 false, 1 true, 2 NULL) per row, for tests and explanations. */
export function evaluateRuleThreeValued(expr: RuleExpr, table: Table): Uint8Array {
  return new RuleEvaluator(table).threeValued(expr);
}
