/**
 * The JS evaluator: runs a rule over an Arrow table, column-wise. Each column a rule reads is
 * extracted once per table and kept for every later rule (numbers and dates as a Float64Array, text
 * as a dictionary + codes, booleans and validity as bitsets). Every node then yields two bitsets,
 * the rows where it is TRUE and the rows where it is FALSE (rows in neither are NULL), 32 rows per
 * word: leaves fill them in tight typed loops, AND/OR/NOT are word operations, and the buffers come
 * from a pool, so a simple rule over 1M rows takes a few milliseconds. A row is tagged where the
 * rule is TRUE. Matches ruleToDuckdbSql row for row (the property test checks it), including
 * DuckDB's NaN order (NaN equals NaN and sorts above every number) and byte-wise (code point) text
 * order.
 *
 * Known limits: integers beyond 2^53 and DECIMALs wider than a double are compared as doubles;
 * TIMESTAMP_NS is compared at double precision of microseconds; TIMESTAMP WITH TIME ZONE columns
 * can only be tested with IS [NOT] NULL.
 */
import { DataType, TimeUnit, type Data, type Table, type Vector } from 'apache-arrow';
import { EngineError } from '../protocol/errors';
import type { ComparisonOp, RuleExpr, RuleLiteral } from './ast';
import { ruleColumns } from './ast';
import { findColumnInText } from './parser';
import { compileLike, compileRegex } from './regex';
import { checkRuleTypes, kindOfDuckdbType, parseTemporalLiteral, suggestColumn, UnknownColumnError, type ColumnKind } from './rule-types';

/** A set of rows: bit (i & 31) of word (i >>> 5) is row i. Bits past the last row are always 0. */
type Bits = Uint32Array;

/** A node's three-valued result: the rows where it is TRUE and where it is FALSE; the rest are NULL. */
interface Tri {
  t: Bits;
  f: Bits;
}

/** Row values of one column, extracted once per table. `valid` holds the rows with a value. */
type ColumnData =
  | { kind: 'number' | 'date' | 'timestamp'; values: Float64Array; valid: Bits; hasNaN: boolean }
  | { kind: 'boolean'; bits: Bits; valid: Bits }
  /** Codes index `dict`; rows without a value have the code dict.length. `byCode` is built on first use for small dictionaries. */
  | { kind: 'string'; dict: string[]; codes: Int32Array; valid: Bits; byCode?: Bits[] }
  | { kind: 'other'; valid: Bits };

/** Dictionaries up to this size keep one bitset per value, so a text condition is a few word ORs. */
const BITSETS_PER_VALUE_UP_TO = 64;

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

/** The bytes from..to decoded at once when they are all ASCII, else null. */
function asciiText(bytes: Uint8Array, from: number, to: number, decoder: TextDecoder): string | null {
  for (let i = from; i < to; i++) if ((bytes[i] as number) >= 0x80) return null;
  return decoder.decode(bytes.subarray(from, to));
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
      const ascii = offsets instanceof Int32Array && n > 0 ? asciiText(bytes, offsets[0] as number, offsets[n] as number, decoder) : null;
      if (ascii !== null) {
        // One decode for the whole chunk; each value is then a cheap substring (bytes = characters).
        const base = (offsets as Int32Array)[0] as number;
        for (let i = 0; i < n; i++) {
          if (!valid[at + i]) {
            codes[at + i] = -1;
            continue;
          }
          const s = offsets[i] as number;
          const e = offsets[i + 1] as number;
          const c = index.get(ascii.substring(s - base, e - base));
          // A new value gets its own copy, so the dictionary does not keep the chunk's text alive.
          codes[at + i] = c ?? intern(decoder.decode(bytes.subarray(s, e)));
        }
      } else {
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
    }
    at += n;
  }
  for (let i = 0; i < codes.length; i++) if (!valid[i]) codes[i] = -1;
  return { dict, codes, valid };
}

/** Packs 0/1 flags into a bitset. */
function packFlags(flags: Uint8Array, words: number): Bits {
  const out = new Uint32Array(words);
  const rows = flags.length;
  for (let w = 0; w < words; w++) {
    const base = w << 5;
    const end = Math.min(32, rows - base);
    let bits = 0;
    for (let j = end - 1; j >= 0; j--) bits = (bits << 1) | (flags[base + j] as number);
    out[w] = bits;
  }
  return out;
}

function extractColumn(vector: Vector, kind: ColumnKind, words: number): ColumnData {
  switch (kind) {
    case 'number':
    case 'date':
    case 'timestamp': {
      const { values, valid } = extractNumbers(vector, kind);
      let hasNaN = false;
      for (let i = 0; i < values.length && !hasNaN; i++) hasNaN = valid[i] === 1 && Number.isNaN(values[i]);
      return { kind, values, valid: packFlags(valid, words), hasNaN };
    }
    case 'boolean': {
      const { values, valid } = extractBooleans(vector);
      const validBits = packFlags(valid, words);
      const bits = packFlags(values, words);
      for (let w = 0; w < words; w++) bits[w] = (bits[w] as number) & (validBits[w] as number);
      return { kind, bits, valid: validBits };
    }
    case 'string': {
      const { dict, codes, valid } = extractStrings(vector);
      const none = dict.length;
      for (let i = 0; i < codes.length; i++) if ((codes[i] as number) < 0) codes[i] = none;
      return { kind, dict, codes, valid: packFlags(valid, words) };
    }
    case 'other': {
      const valid = new Uint8Array(vector.length);
      let at = 0;
      for (const data of vector.data as Data[]) {
        validityOf(data, valid, at);
        at += data.length;
      }
      return { kind, valid: packFlags(valid, words) };
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

/** Which comparison outcomes make `op` true: bit 0 less, bit 1 equal, bit 2 greater. */
const OUTCOMES: Readonly<Record<ComparisonOp, number>> = { '<': 0b001, '<=': 0b011, '=': 0b010, '!=': 0b101, '>=': 0b110, '>': 0b100 };

function holds(op: ComparisonOp, sign: number): boolean {
  return ((OUTCOMES[op] >> (sign + 1)) & 1) === 1;
}

/** A literal as a number on the column's scale (numbers, booleans 0/1, dates in microseconds). */
function literalNumber(lit: RuleLiteral, kind: ColumnKind): number {
  if (lit.kind === 'number') return lit.value;
  if (lit.kind === 'boolean') return lit.value ? 1 : 0;
  if (lit.kind === 'string' && (kind === 'date' || kind === 'timestamp')) return parseTemporalLiteral(lit.value, kind) as number;
  throw new EngineError('INTERNAL', 'A literal reached the evaluator with the wrong type.');
}

/*
 * Number kernels: `out` gets, per 32 rows, the bits where `values[i] op v` holds (v finite), built
 * with shifts and no branches. NaN sorts above every number, so `>` is written !(x <= v) and `>=`
 * !(x < v), which NaN satisfies; the other operators are false (or, for !=, true) for NaN as they
 * should be. Bits of rows without a value are garbage: callers mask them with the validity bitset.
 */
function numberKernel(values: Float64Array, rows: number, op: ComparisonOp, v: number, out: Bits): void {
  const words = out.length;
  for (let w = 0; w < words; w++) {
    const base = w << 5;
    const last = Math.min(32, rows - base) - 1;
    let bits = 0;
    switch (op) {
      case '<':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((values[base + j] as number) < v);
        break;
      case '<=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((values[base + j] as number) <= v);
        break;
      case '>':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +!((values[base + j] as number) <= v);
        break;
      case '>=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +!((values[base + j] as number) < v);
        break;
      case '=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((values[base + j] as number) === v);
        break;
      case '!=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((values[base + j] as number) !== v);
        break;
    }
    out[w] = bits;
  }
}

/** Bits where low <= values[i] <= high (NaN is above every number, so never inside). */
function betweenKernel(values: Float64Array, rows: number, low: number, high: number, out: Bits): void {
  const words = out.length;
  for (let w = 0; w < words; w++) {
    const base = w << 5;
    let bits = 0;
    for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
      const x = values[base + j] as number;
      bits = (bits << 1) | (+!(x < low) & +(x <= high));
    }
    out[w] = bits;
  }
}

/** ORs into `out` the bits where values[i] equals any of `list` (-0 equals 0). */
function inKernel(values: Float64Array, rows: number, list: readonly number[], out: Bits): void {
  const words = out.length;
  if (list.length > 8) {
    const set = new Set(list); // SameValueZero: 0 finds -0, as in DuckDB
    for (let w = 0; w < words; w++) {
      const base = w << 5;
      let bits = 0;
      for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) bits = (bits << 1) | +set.has(values[base + j] as number);
      out[w] = bits;
    }
    return;
  }
  out.fill(0);
  // Up to four values per pass (a short list repeats its first value).
  for (let from = 0; from < list.length; from += 4) {
    const [a, b, c, d] = [0, 1, 2, 3].map((k) => (list[from + k] ?? list[from]) as number) as [number, number, number, number];
    for (let w = 0; w < words; w++) {
      const base = w << 5;
      let bits = 0;
      for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
        const x = values[base + j] as number;
        bits = (bits << 1) | +(x === a) | +(x === b) | +(x === c) | +(x === d);
      }
      out[w] = (out[w] as number) | bits;
    }
  }
}

/** Bits where `xs[i] op ys[i]` holds, for columns without NaN (plain JS comparisons are then DuckDB's). */
function columnsKernel(xs: Float64Array, ys: Float64Array, rows: number, op: ComparisonOp, out: Bits): void {
  const words = out.length;
  for (let w = 0; w < words; w++) {
    const base = w << 5;
    const last = Math.min(32, rows - base) - 1;
    let bits = 0;
    switch (op) {
      case '<':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) < (ys[base + j] as number));
        break;
      case '<=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) <= (ys[base + j] as number));
        break;
      case '>':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) > (ys[base + j] as number));
        break;
      case '>=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) >= (ys[base + j] as number));
        break;
      case '=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) === (ys[base + j] as number));
        break;
      case '!=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) !== (ys[base + j] as number));
        break;
    }
    out[w] = bits;
  }
}

/** The rows of each dictionary value, built once per column when the dictionary is small. */
function rowsByCode(c: Extract<ColumnData, { kind: 'string' }>, rows: number, words: number): Bits[] {
  if (c.byCode) return c.byCode;
  const byCode = c.dict.map(() => new Uint32Array(words));
  const codes = c.codes;
  const none = c.dict.length;
  for (let i = 0; i < rows; i++) {
    const code = codes[i] as number;
    if (code !== none) {
      const bits = byCode[code] as Bits;
      bits[i >>> 5] = (bits[i >>> 5] as number) | (1 << (i & 31));
    }
  }
  c.byCode = byCode;
  return byCode;
}

/** Column data of one table, extracted on first use and shared by every rule evaluated on it. */
class ColumnStore {
  readonly rows: number;
  readonly words: number;
  /** Every row. */
  readonly all: Bits;
  readonly fields: Map<string, { kind: ColumnKind; note?: string }>;
  readonly fieldNames: string[];
  private readonly columns = new Map<string, ColumnData>();
  private readonly pool: Bits[] = [];

  constructor(private readonly table: Table) {
    this.rows = table.numRows;
    this.words = (this.rows + 31) >>> 5;
    this.all = new Uint32Array(this.words).fill(0xffffffff);
    if (this.rows & 31) this.all[this.words - 1] = (1 << (this.rows & 31)) - 1;
    this.fields = new Map(table.schema.fields.map((f) => [f.name, kindOfArrowType(f.type as DataType)]));
    this.fieldNames = table.schema.fields.map((f) => f.name);
  }

  column(name: string): ColumnData {
    let c = this.columns.get(name);
    if (!c) {
      const kind = this.fields.get(name)?.kind;
      if (kind === undefined) throw new EngineError('INTERNAL', `"${name}" is not a column of the table.`);
      c = extractColumn(this.table.getChild(name) as Vector, kind, this.words);
      this.columns.set(name, c);
    }
    return c;
  }

  /** A bitset of `words` words with unspecified contents; give it back with release(). */
  acquire(): Bits {
    return this.pool.pop() ?? new Uint32Array(this.words);
  }

  release(bits: Bits): void {
    if (this.pool.length < 64) this.pool.push(bits);
  }
}

/** Tables already seen, with their extracted columns: evaluating many rules reads each column once. */
const stores = new WeakMap<Table, ColumnStore>();

function storeOf(table: Table): ColumnStore {
  let s = stores.get(table);
  if (!s) {
    s = new ColumnStore(table);
    stores.set(table, s);
  }
  return s;
}

/** Runs rule nodes over one table's columns. Every Tri it returns is the caller's to release. */
class Evaluator {
  private readonly words: number;

  constructor(private readonly store: ColumnStore) {
    this.words = store.words;
  }

  release(r: Tri): void {
    this.store.release(r.t);
    this.store.release(r.f);
  }

  /** TRUE on `yes` rows, FALSE on `no` rows (callers pass disjoint row sets). */
  private fromSets(yes: Bits | null, no: Bits | null): Tri {
    const t = this.store.acquire();
    const f = this.store.acquire();
    if (yes) t.set(yes);
    else t.fill(0);
    if (no) f.set(no);
    else f.fill(0);
    return { t, f };
  }

  /** From bits where a test holds (garbage outside `valid`): TRUE where it holds, FALSE where not, NULL where invalid. `falseAsNull` turns the FALSE rows into NULL (IN lists holding NULL). */
  private fromTest(test: Bits, valid: Bits, falseAsNull = false): Tri {
    const f = this.store.acquire();
    for (let w = 0; w < this.words; w++) {
      const v = valid[w] as number;
      const x = test[w] as number;
      f[w] = falseAsNull ? 0 : ~x & v;
      test[w] = x & v;
    }
    return { t: test, f };
  }

  /**
   * A text condition decided once per distinct value: `decide` gives TRUE (1), FALSE (0) or NULL (2)
   * for a value, and the rows follow their value's verdict (rows without a value are NULL).
   */
  private perString(c: Extract<ColumnData, { kind: 'string' }>, decide: (s: string) => number): Tri {
    const n = c.dict.length;
    const isTrue = new Uint8Array(n + 1);
    const isFalse = new Uint8Array(n + 1);
    let trues = 0;
    let falses = 0;
    for (let k = 0; k < n; k++) {
      const d = decide(c.dict[k] as string);
      if (d === 1) {
        isTrue[k] = 1;
        trues++;
      } else if (d === 0) {
        isFalse[k] = 1;
        falses++;
      }
    }
    if (trues === 0 && falses === 0) return this.fromSets(null, null);
    if (trues === n) return this.fromSets(c.valid, null);
    if (falses === n) return this.fromSets(null, c.valid);
    const rows = this.store.rows;
    const t = this.store.acquire();
    const f = this.store.acquire();
    if (n <= BITSETS_PER_VALUE_UP_TO) {
      const byCode = rowsByCode(c, rows, this.words);
      // Without NULL verdicts one side is the complement of the other within valid rows: OR the smaller side's values.
      const complement = trues + falses === n;
      const orTrues = !complement || trues <= falses;
      const orFalses = !complement || !orTrues;
      t.fill(0);
      f.fill(0);
      for (let k = 0; k < n; k++) {
        const target = isTrue[k] && orTrues ? t : isFalse[k] && orFalses ? f : null;
        if (!target) continue;
        const bits = byCode[k] as Bits;
        for (let w = 0; w < this.words; w++) target[w] = (target[w] as number) | (bits[w] as number);
      }
      if (complement) {
        const [done, other] = orTrues ? [t, f] : [f, t];
        for (let w = 0; w < this.words; w++) other[w] = ~(done[w] as number) & (c.valid[w] as number);
      }
      return { t, f };
    }
    const codes = c.codes;
    for (let w = 0; w < this.words; w++) {
      const base = w << 5;
      let bt = 0;
      let bf = 0;
      for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
        const code = codes[base + j] as number;
        bt = (bt << 1) | (isTrue[code] as number);
        bf = (bf << 1) | (isFalse[code] as number);
      }
      t[w] = bt;
      f[w] = bf;
    }
    return { t, f };
  }

  /** A boolean condition decided for FALSE and for TRUE values: `decide(0)`, `decide(1)` as in perString. */
  private perBoolean(c: Extract<ColumnData, { kind: 'boolean' }>, decide: (v: number) => number): Tri {
    const onFalse = decide(0);
    const onTrue = decide(1);
    const t = this.store.acquire();
    const f = this.store.acquire();
    const maskOf = (d: number, want: number): number => (d === want ? 0xffffffff : 0);
    const tOnTrue = maskOf(onTrue, 1);
    const tOnFalse = maskOf(onFalse, 1);
    const fOnTrue = maskOf(onTrue, 0);
    const fOnFalse = maskOf(onFalse, 0);
    for (let w = 0; w < this.words; w++) {
      const v = c.valid[w] as number;
      const b = c.bits[w] as number;
      const nb = ~b & v;
      t[w] = (b & tOnTrue) | (nb & tOnFalse);
      f[w] = (b & fOnTrue) | (nb & fOnFalse);
    }
    return { t, f };
  }

  private compareLiteral(name: string, op: ComparisonOp, lit: RuleLiteral): Tri {
    if (lit.kind === 'null') return this.fromSets(null, null);
    const c = this.store.column(name);
    switch (c.kind) {
      case 'string': {
        const v = lit.value as string;
        return this.perString(c, (s) => +holds(op, compareCodePoints(s, v)));
      }
      case 'boolean': {
        const v = literalNumber(lit, 'boolean');
        return this.perBoolean(c, (x) => +holds(op, compareNumbers(x, v)));
      }
      case 'other':
        throw new EngineError('INTERNAL', `"${name}" cannot be compared.`);
      default: {
        const test = this.store.acquire();
        numberKernel(c.values, this.store.rows, op, literalNumber(lit, c.kind), test);
        return this.fromTest(test, c.valid);
      }
    }
  }

  /** Text columns compared by rank: both dictionaries are ranked together once, then rows compare integers. */
  private compareColumns(left: string, op: ComparisonOp, right: string): Tri {
    const a = this.store.column(left);
    const b = this.store.column(right);
    const rows = this.store.rows;
    const valid = this.store.acquire();
    for (let w = 0; w < this.words; w++) valid[w] = (a.valid[w] as number) & (b.valid[w] as number);
    const test = this.store.acquire();
    const outcomes = OUTCOMES[op];
    if (a.kind === 'string' && b.kind === 'string') {
      const all = [...new Set([...a.dict, ...b.dict])].sort(compareCodePoints);
      const rank = new Map(all.map((s, k) => [s, k]));
      const ra = Int32Array.from([...a.dict.map((s) => rank.get(s) as number), 0]);
      const rb = Int32Array.from([...b.dict.map((s) => rank.get(s) as number), 0]);
      for (let w = 0; w < this.words; w++) {
        const base = w << 5;
        let bits = 0;
        for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
          const x = ra[a.codes[base + j] as number] as number;
          const y = rb[b.codes[base + j] as number] as number;
          bits = (bits << 1) | ((outcomes >> (x < y ? 0 : x === y ? 1 : 2)) & 1);
        }
        test[w] = bits;
      }
    } else if (a.kind !== 'string' && a.kind !== 'other' && b.kind !== 'string' && b.kind !== 'other') {
      const xs = numbersOf(a, rows);
      const ys = numbersOf(b, rows);
      if (!(a.kind !== 'boolean' && a.hasNaN) && !(b.kind !== 'boolean' && b.hasNaN)) columnsKernel(xs, ys, rows, op, test);
      else for (let w = 0; w < this.words; w++) {
        const base = w << 5;
        let bits = 0;
        for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
          bits = (bits << 1) | ((outcomes >> (compareNumbers(xs[base + j] as number, ys[base + j] as number) + 1)) & 1);
        }
        test[w] = bits;
      }
    } else {
      throw new EngineError('INTERNAL', `"${left}" and "${right}" cannot be compared.`);
    }
    const r = this.fromTest(test, valid);
    this.store.release(valid);
    return r;
  }

  private inList(name: string, values: RuleLiteral[]): Tri {
    const c = this.store.column(name);
    // `x IN (..., NULL)` is NULL, not FALSE, where x matches none of the other values.
    const miss = values.some((v) => v.kind === 'null') ? 2 : 0;
    const present = values.filter((v) => v.kind !== 'null');
    switch (c.kind) {
      case 'string': {
        const set = new Set(present.map((v) => v.value as string));
        return this.perString(c, (s) => (set.has(s) ? 1 : miss));
      }
      case 'boolean': {
        const set = new Set(present.map((v) => literalNumber(v, 'boolean')));
        return this.perBoolean(c, (x) => (set.has(x) ? 1 : miss));
      }
      case 'other':
        throw new EngineError('INTERNAL', `"${name}" cannot be used in IN.`);
      default: {
        if (present.length === 0) return this.fromSets(null, null);
        const test = this.store.acquire();
        inKernel(c.values, this.store.rows, present.map((v) => literalNumber(v, c.kind)), test);
        return this.fromTest(test, c.valid, miss === 2);
      }
    }
  }

  private between(name: string, low: RuleLiteral, high: RuleLiteral): Tri {
    const c = this.store.column(name);
    if (low.kind !== 'null' && high.kind !== 'null' && (c.kind === 'number' || c.kind === 'date' || c.kind === 'timestamp')) {
      const test = this.store.acquire();
      betweenKernel(c.values, this.store.rows, literalNumber(low, c.kind), literalNumber(high, c.kind), test);
      return this.fromTest(test, c.valid);
    }
    // NULL bounds, text and booleans: x >= low AND x <= high, in three-valued logic.
    const r = this.compareLiteral(name, '>=', low);
    const s = this.compareLiteral(name, '<=', high);
    this.andInto(r, s);
    this.release(s);
    return r;
  }

  private andInto(r: Tri, s: Tri): void {
    const { t, f } = r;
    for (let w = 0; w < this.words; w++) {
      t[w] = (t[w] as number) & (s.t[w] as number);
      f[w] = (f[w] as number) | (s.f[w] as number);
    }
  }

  private orInto(r: Tri, s: Tri): void {
    const { t, f } = r;
    for (let w = 0; w < this.words; w++) {
      t[w] = (t[w] as number) | (s.t[w] as number);
      f[w] = (f[w] as number) & (s.f[w] as number);
    }
  }

  run(e: RuleExpr): Tri {
    switch (e.type) {
      case 'and':
      case 'or': {
        if (e.args.length === 0) return e.type === 'and' ? this.fromSets(this.store.all, null) : this.fromSets(null, this.store.all);
        const r = this.run(e.args[0] as RuleExpr);
        for (let k = 1; k < e.args.length; k++) {
          const s = this.run(e.args[k] as RuleExpr);
          if (e.type === 'and') this.andInto(r, s);
          else this.orInto(r, s);
          this.release(s);
        }
        return r;
      }
      case 'not': {
        const r = this.run(e.arg);
        return { t: r.f, f: r.t };
      }
      case 'literal':
        return e.value ? this.fromSets(this.store.all, null) : this.fromSets(null, this.store.all);
      case 'compare':
        return e.right.kind === 'column' ? this.compareColumns(e.left.name, e.op, e.right.name) : this.compareLiteral(e.left.name, e.op, e.right);
      case 'in': {
        const r = this.inList(e.column.name, e.values);
        return e.negated ? { t: r.f, f: r.t } : r;
      }
      case 'between': {
        const r = this.between(e.column.name, e.low, e.high);
        return e.negated ? { t: r.f, f: r.t } : r;
      }
      case 'isNull': {
        const valid = this.store.column(e.column.name).valid;
        const present = this.store.acquire();
        const missing = this.store.acquire();
        present.set(valid);
        for (let w = 0; w < this.words; w++) missing[w] = ~(valid[w] as number) & (this.store.all[w] as number);
        return e.negated ? { t: present, f: missing } : { t: missing, f: present };
      }
      case 'like':
      case 'regex': {
        const c = this.store.column(e.column.name);
        if (c.kind !== 'string') throw new EngineError('INTERNAL', `"${e.column.name}" is not text.`);
        const re = e.type === 'like' ? compileLike(e.pattern) : compileRegex(e.pattern);
        const yes = e.negated ? 0 : 1;
        return this.perString(c, (s) => (re.test(s) ? yes : 1 - yes));
      }
      case 'column': {
        const c = this.store.column(e.column.name);
        if (c.kind !== 'boolean') throw new EngineError('INTERNAL', `"${e.column.name}" is not boolean.`);
        return this.perBoolean(c, (x) => x);
      }
    }
  }
}

/** A number or boolean column's values as doubles (booleans 0/1), for comparing two columns. */
function numbersOf(c: Extract<ColumnData, { kind: 'number' | 'date' | 'timestamp' | 'boolean' }>, rows: number): Float64Array {
  if (c.kind !== 'boolean') return c.values;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = ((c.bits[i >>> 5] as number) >>> (i & 31)) & 1;
  return out;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
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

/** Checks a rule against an Arrow table's schema (see checkRuleAgainstSchema); returns the kinds of the columns it reads. */
export function checkRuleAgainstTable(expr: RuleExpr, table: Table, text?: string): Map<string, ColumnKind> {
  const store = storeOf(table);
  checkRuleTypes(expr, (name) => store.fields.get(name), (name) => unknownColumn(name, store.fieldNames, text));
  return new Map(ruleColumns(expr).map((name) => [name, (store.fields.get(name) as { kind: ColumnKind }).kind]));
}

/**
 * Evaluates many rules over one table. Each column is extracted on first use and kept (per table,
 * so separate evaluators and evaluateRule calls over the same Table share the work) while the
 * table is alive.
 */
export class RuleEvaluator {
  private readonly store: ColumnStore;
  private readonly evaluator: Evaluator;

  constructor(table: Table) {
    this.store = storeOf(table);
    this.evaluator = new Evaluator(this.store);
  }

  get rows(): number {
    return this.store.rows;
  }

  /** Extracts these columns now (all of the table's when absent), so later rules only compute. */
  prepare(columns: readonly string[] = this.store.fieldNames): void {
    for (const name of columns) this.store.column(name);
  }

  private run(expr: RuleExpr): Tri {
    checkRuleTypes(expr, (name) => this.store.fields.get(name), (name) => unknownColumn(name, this.store.fieldNames, undefined));
    return this.evaluator.run(expr);
  }

  /** 0 false, 1 true, 2 NULL per row. Throws EngineError('BAD_INPUT') for a rule that does not fit the table. */
  threeValued(expr: RuleExpr): Uint8Array {
    const r = this.run(expr);
    const out = new Uint8Array(this.store.rows);
    for (let i = 0; i < out.length; i++) {
      const w = i >>> 5;
      const b = i & 31;
      out[i] = ((r.t[w] as number) >>> b) & 1 ? 1 : ((r.f[w] as number) >>> b) & 1 ? 0 : 2;
    }
    this.evaluator.release(r);
    return out;
  }

  /** 1 where the rule is TRUE, else 0. */
  evaluate(expr: RuleExpr): Uint8Array {
    const r = this.run(expr);
    const out = new Uint8Array(this.store.rows);
    const t = r.t;
    for (let w = 0; w < t.length; w++) {
      const bits = t[w] as number;
      if (bits === 0) continue;
      const base = w << 5;
      const end = Math.min(32, out.length - base);
      for (let j = 0; j < end; j++) out[base + j] = (bits >>> j) & 1;
    }
    this.evaluator.release(r);
    return out;
  }

  /** The rows where the rule is TRUE as a bitset (bit i & 31 of word i >>> 5), owned by the caller. */
  evaluateBits(expr: RuleExpr): Uint32Array {
    const r = this.run(expr);
    this.store.release(r.f);
    return r.t;
  }

  /** How many rows the rule is TRUE on. */
  count(expr: RuleExpr): number {
    const r = this.run(expr);
    let n = 0;
    for (let w = 0; w < r.t.length; w++) n += popcount32(r.t[w] as number);
    this.evaluator.release(r);
    return n;
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
