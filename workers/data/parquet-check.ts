/**
 * Checks a Parquet file against itself, because a damaged page can decode without any error:
 * a flipped byte in a plain-encoded number is just another number (a file profiled with
 * `min -6.1e18`). From the footer (Thrift compact protocol, read here without a library):
 * - every column chunk must be exactly a run of pages whose headers parse, and each page whose
 *   header carries a CRC must match it;
 * - after decoding, each row group's values must lie inside the min/max its footer recorded, and
 *   its null counts must match.
 * Any mismatch means the file is damaged; the caller loads nothing. Where native DuckDB reads the
 * file itself, the values are compared by a DuckDB query instead (parquet-check-sql.ts).
 */
import { type DataType, type Table, type Vector, Type } from 'apache-arrow';
import { EngineError } from '../protocol/errors';

// ------------------------------------------------------------ Thrift compact protocol (read)

type ThriftValue = boolean | number | bigint | Uint8Array | ThriftStruct | ThriftValue[];
/** A struct as field id -> value. */
export type ThriftStruct = Map<number, ThriftValue>;

class CompactReader {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new RangeError('Thrift data ends early');
    return this.bytes[this.pos++] as number;
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new RangeError('Thrift varint too long');
  }

  private zigzag(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  private value(type: number): ThriftValue {
    switch (type) {
      case 1:
        return true;
      case 2:
        return false;
      case 3:
        return ((this.byte() << 24) >> 24);
      case 4:
      case 5:
        return Number(this.zigzag());
      case 6:
        return this.zigzag();
      case 7: {
        if (this.pos + 8 > this.bytes.length) throw new RangeError('Thrift data ends early');
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case 8: {
        const length = Number(this.varint());
        if (length < 0 || this.pos + length > this.bytes.length) throw new RangeError('Thrift binary runs past the end');
        const v = this.bytes.subarray(this.pos, this.pos + length);
        this.pos += length;
        return v;
      }
      case 9:
      case 10: {
        const head = this.byte();
        let size = head >> 4;
        const elementType = head & 0x0f;
        if (size === 15) size = Number(this.varint());
        if (size > this.bytes.length) throw new RangeError('Thrift list too long');
        const out: ThriftValue[] = [];
        for (let i = 0; i < size; i++) out.push(elementType === 1 || elementType === 2 ? this.byte() === 1 : this.value(elementType));
        return out;
      }
      case 11:
        throw new RangeError('Thrift maps are not expected in Parquet metadata');
      case 12:
        return this.struct();
      default:
        throw new RangeError(`Unknown Thrift type ${type}`);
    }
  }

  struct(): ThriftStruct {
    const out: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return out;
      const type = head & 0x0f;
      const delta = head >> 4;
      const id = delta === 0 ? Number(this.zigzag()) : lastId + delta;
      lastId = id;
      out.set(id, this.value(type));
    }
  }
}

/** Parses one Thrift compact struct at `offset`; returns it and where it ended. */
export function readThriftStruct(bytes: Uint8Array, offset = 0): { value: ThriftStruct; end: number } {
  const reader = new CompactReader(bytes);
  reader.pos = offset;
  const value = reader.struct();
  return { value, end: reader.pos };
}

const num = (v: ThriftValue | undefined): number | undefined => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);
const bin = (v: ThriftValue | undefined): Uint8Array | undefined => (v instanceof Uint8Array ? v : undefined);
const struct = (v: ThriftValue | undefined): ThriftStruct | undefined => (v instanceof Map ? v : undefined);
const list = (v: ThriftValue | undefined): ThriftValue[] => (Array.isArray(v) ? v : []);

// ------------------------------------------------------------ footer model

/** Parquet physical types. */
export const PHYSICAL = { INT32: 1, INT64: 2, FLOAT: 4, DOUBLE: 5 } as const;
/** Converted types that make an integer unsigned (UINT_8..UINT_64). */
const UNSIGNED_CONVERTED = new Set([11, 12, 13, 14]);
/** Converted types DATE, TIMESTAMP_MILLIS, TIMESTAMP_MICROS. */
const CONVERTED = { DATE: 6, TIMESTAMP_MILLIS: 9, TIMESTAMP_MICROS: 10 } as const;

export type TimestampUnit = 'ms' | 'us' | 'ns';

interface LeafFacts {
  unsigned: boolean;
  timestampUnit: TimestampUnit | null;
  date: boolean;
}

/** What a schema leaf's annotations say about how its stored numbers read (LogicalType first, as the spec says). */
function leafFacts(element: ThriftStruct): LeafFacts {
  const converted = num(element.get(6));
  const logical = struct(element.get(10));
  const intType = struct(logical?.get(10));
  const unsigned = (converted !== undefined && UNSIGNED_CONVERTED.has(converted)) || intType?.get(2) === false;
  const timestamp = struct(logical?.get(8));
  const unit = struct(timestamp?.get(2));
  let timestampUnit: TimestampUnit | null = null;
  if (unit) timestampUnit = unit.has(1) ? 'ms' : unit.has(2) ? 'us' : unit.has(3) ? 'ns' : null;
  else if (!logical && converted === CONVERTED.TIMESTAMP_MILLIS) timestampUnit = 'ms';
  else if (!logical && converted === CONVERTED.TIMESTAMP_MICROS) timestampUnit = 'us';
  const date = logical ? logical.has(6) : converted === CONVERTED.DATE;
  return { unsigned, timestampUnit, date };
}

export interface ChunkFacts {
  /** The top-level column name, or null for nested columns (not value-checked). */
  column: string | null;
  physicalType: number;
  unsigned: boolean;
  /** The unit of an INT64 TIMESTAMP column, as its footer annotates it (null: not a timestamp). */
  timestampUnit: TimestampUnit | null;
  /** True for an INT32 DATE column (days since 1970-01-01). */
  date: boolean;
  start: number;
  length: number;
  nullCount: number | null;
  min: Uint8Array | null;
  max: Uint8Array | null;
}

export interface ParquetFacts {
  rowGroups: Array<{ numRows: number; chunks: ChunkFacts[] }>;
}

/** The footer as the facts the checks need. Throws RangeError when it cannot be parsed. */
export function parquetFacts(footer: Uint8Array): ParquetFacts {
  const meta = readThriftStruct(footer).value;
  const schema = list(meta.get(2)).map((s) => struct(s) ?? new Map<number, ThriftValue>());
  // Top-level leaves: schema[0] is the root; a child with no children is a flat column.
  const leaves = new Map<string, LeafFacts>();
  let flat = true;
  for (const element of schema.slice(1)) {
    if ((num(element.get(5)) ?? 0) > 0) flat = false;
    const name = new TextDecoder().decode(bin(element.get(4)) ?? new Uint8Array());
    leaves.set(name, leafFacts(element));
  }
  const rowGroups = list(meta.get(4)).map((rg) => {
    const group = struct(rg) ?? new Map<number, ThriftValue>();
    const chunks = list(group.get(1)).map((cc): ChunkFacts => {
      const chunk = struct(cc) ?? new Map<number, ThriftValue>();
      const md = struct(chunk.get(3));
      if (!md) throw new RangeError('a column chunk has no metadata');
      const pathParts = list(md.get(3)).map((p) => new TextDecoder().decode(bin(p) ?? new Uint8Array()));
      const dictionary = num(md.get(11));
      const data = num(md.get(9)) ?? 0;
      const start = dictionary !== undefined && dictionary > 0 && dictionary < data ? dictionary : data;
      const stats = struct(md.get(12));
      const column = flat && pathParts.length === 1 ? (pathParts[0] ?? null) : null;
      const leaf = column !== null ? leaves.get(column) : undefined;
      return {
        column,
        physicalType: num(md.get(1)) ?? -1,
        unsigned: leaf?.unsigned ?? false,
        timestampUnit: leaf?.timestampUnit ?? null,
        date: leaf?.date ?? false,
        start,
        length: num(md.get(7)) ?? 0,
        nullCount: num(stats?.get(3)) ?? null,
        // min_value/max_value (5, 6) have a defined order; the legacy min/max (2, 1) are signed.
        min: bin(stats?.get(6)) ?? bin(stats?.get(2)) ?? null,
        max: bin(stats?.get(5)) ?? bin(stats?.get(1)) ?? null,
      };
    });
    return { numRows: num(group.get(3)) ?? 0, chunks };
  });
  return { rowGroups };
}

// ------------------------------------------------------------ page walk with CRCs

let crcTables: Uint32Array[] | null = null;

/** The eight 256-entry tables of slice-by-8 CRC-32 (table 0 is the classic byte table). */
function crcTablesOnce(): Uint32Array[] {
  if (crcTables) return crcTables;
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  const t0 = tables[0] as Uint32Array;
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t0[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t0[c & 0xff] as number) ^ (c >>> 8);
      (tables[k] as Uint32Array)[n] = c >>> 0;
    }
  }
  crcTables = tables;
  return tables;
}

/**
 * CRC-32 (the zlib/gzip polynomial), as Parquet page checksums use. Slice-by-8: eight bytes per
 * step, several times faster than a byte at a time (zlib.crc32 is Node >= 22.2 only, and not in
 * browsers).
 */
export function crc32(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crcTablesOnce() as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = 0xffffffff;
  let i = 0;
  const n = bytes.length;
  const whole = n - (n % 8);
  while (i < whole) {
    const a = crc ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
    crc =
      (t7[a & 0xff] as number) ^
      (t6[(a >>> 8) & 0xff] as number) ^
      (t5[(a >>> 16) & 0xff] as number) ^
      (t4[a >>> 24] as number) ^
      (t3[bytes[i + 4] as number] as number) ^
      (t2[bytes[i + 5] as number] as number) ^
      (t1[bytes[i + 6] as number] as number) ^
      (t0[bytes[i + 7] as number] as number);
    i += 8;
  }
  for (; i < n; i++) crc = (t0[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Walks the pages of one column chunk: each header must parse, sizes must stay inside the
 * chunk and add up to it exactly, and a page with a CRC must match it. Returns a problem or null.
 */
export function checkChunkPages(chunk: Uint8Array): string | null {
  let at = 0;
  let page = 0;
  while (at < chunk.length) {
    page++;
    let header: ThriftStruct;
    let end: number;
    try {
      ({ value: header, end } = readThriftStruct(chunk, at));
    } catch {
      return `page ${page} has an unreadable header`;
    }
    const size = num(header.get(3));
    if (size === undefined || size < 0 || end + size > chunk.length) return `page ${page} claims more bytes than its column chunk holds`;
    const crc = num(header.get(4));
    if (crc !== undefined && (crc >>> 0) !== crc32(chunk.subarray(end, end + size))) return `page ${page} fails its checksum`;
    at = end + size;
  }
  return null;
}

// ------------------------------------------------------------ decoded values vs statistics

export type Bound = number | bigint;

/** A footer min/max as the number it stores (null: a type not compared). */
export function decodeStat(bytes: Uint8Array, physical: number, unsigned: boolean): Bound | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (physical === PHYSICAL.INT32 && bytes.length >= 4) return unsigned ? view.getUint32(0, true) : view.getInt32(0, true);
  if (physical === PHYSICAL.INT64 && bytes.length >= 8) return unsigned ? view.getBigUint64(0, true) : view.getBigInt64(0, true);
  if (physical === PHYSICAL.FLOAT && bytes.length >= 4) return view.getFloat32(0, true);
  if (physical === PHYSICAL.DOUBLE && bytes.length >= 8) return view.getFloat64(0, true);
  return null;
}

/** True when a column decoded to this Arrow type holds the Parquet values themselves (so they compare with the statistics). */
export function storesParquetValues(arrowType: DataType, physical: number, unsigned: boolean): boolean {
  const type = arrowType as { typeId: Type; isSigned?: boolean; bitWidth?: number; precision?: number };
  switch (type.typeId) {
    case Type.Int:
      if (type.isSigned === unsigned) return false;
      return physical === PHYSICAL.INT32 || physical === PHYSICAL.INT64;
    case Type.Float:
      // Precision 0 is half floats, stored as raw Uint16 bits.
      return (type.precision ?? 0) > 0 && (physical === PHYSICAL.FLOAT || physical === PHYSICAL.DOUBLE);
    case Type.Timestamp:
      return physical === PHYSICAL.INT64;
    case Type.Date:
      return physical === PHYSICAL.INT32 && (type as { unit?: number }).unit === 0; // DateUnit.DAY
    default:
      return false;
  }
}

/** Min/max of the non-null, non-NaN values of a vector, read from its raw buffers. */
function rangeOf(vector: Vector): { min: Bound; max: Bound } | null {
  let min: Bound | null = null;
  let max: Bound | null = null;
  for (const data of vector.data) {
    const values = data.values as ArrayLike<number | bigint>;
    const valid = data.nullBitmap;
    const offset = data.offset;
    for (let i = 0; i < data.length; i++) {
      const bit = offset + i;
      if (valid && valid.length > 0 && ((valid[bit >> 3] as number) & (1 << (bit & 7))) === 0) continue;
      const v = values[bit] as number | bigint;
      if (typeof v === 'number' && Number.isNaN(v)) continue;
      if (min === null || v < min) min = v;
      if (max === null || v > max) max = v;
    }
  }
  return min === null || max === null ? null : { min, max };
}

const show = (v: Bound): string => (typeof v === 'bigint' ? v.toString() : Number.isInteger(v) ? String(v) : v.toPrecision(6));

/** The words for a column whose values [min, max] stray outside its footer's [lo, hi]. */
export function rangeMessage(column: string, min: Bound, max: Bound, lo: Bound, hi: Bound): string {
  return `column "${column}" holds values from ${show(min)} to ${show(max)}, outside the range its footer recorded (${show(lo)} to ${show(hi)})`;
}

/** The problem when a column's values [min, max] stray outside its footer's [lo, hi], else null. */
export function outsideRange(column: string, min: Bound, max: Bound, lo: Bound, hi: Bound): string | null {
  // Compare as the same kind of number (a Date32/Int32 stat is a number, an Int64 one a bigint).
  const same = (a: Bound, b: Bound): [Bound, Bound] => (typeof a === typeof b ? [a, b] : [Number(a), Number(b)]);
  const [minValue, minStat] = same(min, lo);
  const [maxValue, maxStat] = same(max, hi);
  return minValue < minStat || maxValue > maxStat ? rangeMessage(column, min, max, lo, hi) : null;
}

/**
 * Compares a decoded row group with its footer statistics. Returns a problem or null.
 * Columns whose decoded form is not the stored number (decimals, strings, unsigned as signed,
 * nested) are not compared.
 */
export function checkRowGroupValues(table: Table, group: ParquetFacts['rowGroups'][number]): string | null {
  if (table.numRows !== group.numRows) return `it holds ${table.numRows} rows where its footer says ${group.numRows}`;
  for (const chunk of group.chunks) {
    if (chunk.column === null) continue;
    const vector = table.getChild(chunk.column);
    if (!vector) continue;
    if (chunk.nullCount !== null && vector.nullCount !== chunk.nullCount) {
      return `column "${chunk.column}" has ${vector.nullCount} missing values where its footer says ${chunk.nullCount}`;
    }
    if (!chunk.min || !chunk.max || !storesParquetValues(vector.type, chunk.physicalType, chunk.unsigned)) continue;
    const lo = decodeStat(chunk.min, chunk.physicalType, chunk.unsigned);
    const hi = decodeStat(chunk.max, chunk.physicalType, chunk.unsigned);
    const range = rangeOf(vector);
    if (lo === null || hi === null || range === null) continue;
    const problem = outsideRange(chunk.column, range.min, range.max, lo, hi);
    if (problem) return problem;
  }
  return null;
}

// ------------------------------------------------------------ entry points for the loader

/** The plain message for a damaged file; nothing of it is loaded. */
export function damagedParquet(fileName: string, where: string, problem: string): EngineError {
  return new EngineError('CORRUPT_FILE', `${fileName} is damaged: ${where} ${problem}. Nothing was loaded; copy or export the file again.`);
}

/** Reads and parses the footer of a Parquet file (after the PAR1 markers were checked). */
export async function readParquetFacts(blob: Blob, fileName: string): Promise<ParquetFacts> {
  const tail = new Uint8Array(await blob.slice(Math.max(0, blob.size - 8)).arrayBuffer());
  const length = new DataView(tail.buffer, tail.byteOffset, tail.byteLength).getUint32(0, true);
  if (tail.length < 8 || length <= 0 || length > blob.size - 12) throw damagedParquet(fileName, 'its footer', 'has an impossible length (the file is probably truncated)');
  const footer = new Uint8Array(await blob.slice(blob.size - 8 - length, blob.size - 8).arrayBuffer());
  try {
    return parquetFacts(footer);
  } catch {
    throw damagedParquet(fileName, 'its footer', 'cannot be read');
  }
}

/** A chunk up to this size is read whole; a larger one page header by page header. */
const WHOLE_CHUNK_BYTES = 64 * 1024;
/** The first guess at a page header's size (headers with page statistics can be larger: the window grows). */
const HEADER_WINDOW_BYTES = 16 * 1024;

/**
 * checkChunkPages for a column chunk inside a blob, reading only what it needs: the page headers,
 * and the payload of a page only where its header carries a CRC. A large file's pages are then
 * walked without reading the file (most writers, DuckDB and parquet-wasm included, write no CRCs).
 */
export async function checkChunkPagesInBlob(blob: Blob, start: number, length: number): Promise<string | null> {
  const end = start + length;
  if (length <= WHOLE_CHUNK_BYTES) return checkChunkPages(new Uint8Array(await blob.slice(start, end).arrayBuffer()));
  const read = async (from: number, to: number): Promise<Uint8Array> => new Uint8Array(await blob.slice(from, to).arrayBuffer());
  let window: Uint8Array = new Uint8Array(0);
  let windowStart = start;
  let at = start;
  let page = 0;
  while (at < end) {
    page++;
    let header: ThriftStruct | null = null;
    let headerEnd = 0;
    for (let want = HEADER_WINDOW_BYTES; ; want *= 4) {
      const to = Math.min(end, at + want);
      if (at < windowStart || to > windowStart + window.length) {
        window = await read(at, to);
        windowStart = at;
      }
      try {
        const parsed = readThriftStruct(window, at - windowStart);
        header = parsed.value;
        headerEnd = windowStart + parsed.end;
        break;
      } catch {
        // Too short a window looks like a damaged header: only the whole rest of the chunk decides.
        if (to >= end) return `page ${page} has an unreadable header`;
      }
    }
    const size = num(header.get(3));
    if (size === undefined || size < 0 || headerEnd + size > end) return `page ${page} claims more bytes than its column chunk holds`;
    const crc = num(header.get(4));
    if (crc !== undefined) {
      const inWindow = headerEnd + size <= windowStart + window.length;
      const payload = inWindow ? window.subarray(headerEnd - windowStart, headerEnd - windowStart + size) : await read(headerEnd, headerEnd + size);
      if ((crc >>> 0) !== crc32(payload)) return `page ${page} fails its checksum`;
    }
    at = headerEnd + size;
  }
  return null;
}

/** Checks the page structure (and CRCs where present) of every column chunk of one row group. */
export async function checkRowGroupPages(blob: Blob, group: ParquetFacts['rowGroups'][number]): Promise<string | null> {
  for (const chunk of group.chunks) {
    if (chunk.start < 4 || chunk.length < 0 || chunk.start + chunk.length > blob.size - 8) {
      return `column ${chunk.column ? `"${chunk.column}" ` : ''}points outside the file`;
    }
    const problem = await checkChunkPagesInBlob(blob, chunk.start, chunk.length);
    if (problem) return `column ${chunk.column ? `"${chunk.column}": ` : ''}${problem}`;
  }
  return null;
}
