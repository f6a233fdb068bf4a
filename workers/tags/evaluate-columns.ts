/**
 * Arrow columns as the evaluator reads them: each column a rule reads is extracted once per table
 * (numbers and dates as a Float64Array in microseconds, text as a dictionary + codes, booleans and
 * validity as bitsets) and kept in the table's ColumnStore while the table is alive.
 */
import { DataType, TimeUnit, type Data, type Table, type Vector } from 'apache-arrow';
import { EngineError } from '../protocol/errors';
import type { Bits } from './bitsets';
import { kindOfDuckdbType, type ColumnKind } from './rule-types';

/** Row values of one column, extracted once per table. `valid` holds the rows with a value. */
export type ColumnData =
  | { kind: 'number' | 'date' | 'timestamp'; values: Float64Array; valid: Bits; hasNaN: boolean }
  | { kind: 'boolean'; bits: Bits; valid: Bits }
  /** Codes index `dict`; rows without a value have the code dict.length. `byCode` is built on first use for small dictionaries. */
  | { kind: 'string'; dict: string[]; codes: Int32Array; valid: Bits; byCode?: Bits[] }
  | { kind: 'other'; valid: Bits };

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

/** The rows of each dictionary value, built once per column when the dictionary is small. */
export function rowsByCode(c: Extract<ColumnData, { kind: 'string' }>, rows: number, words: number): Bits[] {
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
export class ColumnStore {
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

export function storeOf(table: Table): ColumnStore {
  let s = stores.get(table);
  if (!s) {
    s = new ColumnStore(table);
    stores.set(table, s);
  }
  return s;
}

/** A number or boolean column's values as doubles (booleans 0/1), for comparing two columns. */
export function numbersOf(c: Extract<ColumnData, { kind: 'number' | 'date' | 'timestamp' | 'boolean' }>, rows: number): Float64Array {
  if (c.kind !== 'boolean') return c.values;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = ((c.bits[i >>> 5] as number) >>> (i & 31)) & 1;
  return out;
}
