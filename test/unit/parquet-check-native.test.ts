import fs from 'node:fs';
import path from 'node:path';
import { tableToIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import type { DuckDriver } from '../../workers/data/driver';
import { checkChunkPages, checkChunkPagesInBlob, crc32, parquetFacts, readThriftStruct } from '../../workers/data/parquet-check';
import { groupIndexSql, planSqlValueCheck } from '../../workers/data/parquet-check-sql';
import { openNodeDriver } from '../../workers/node/driver-choice';
import { createInProcessEngine, loadParquetNode, type NodeEngine } from '../../workers/node/engine-node';
import { tempDir } from '../helpers/paths';
import { varint, zigzag32 } from '../helpers/thrift-bytes';

/**
 * The Parquet damage check where native DuckDB reads the file itself (the CLI): pages are walked
 * by their headers, and the loaded values are compared with the footer by one DuckDB query
 * (parquet-check-sql.ts) instead of decoding the file again with parquet-wasm. Files are written
 * here by parquet-wasm (plain encoding, no compression, 2,000-row groups), then damaged in place.
 */
const dir = tempDir('parquet-native');
let native: NodeEngine;
let wasm: NodeEngine;
let writer: DuckDriver;

beforeAll(async () => {
  [native, wasm, writer] = await Promise.all([createInProcessEngine('native'), createInProcessEngine('wasm'), openNodeDriver('native')]);
}, 120_000);
afterAll(async () => {
  await Promise.all([native?.close(), wasm?.close(), writer?.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

type Options = { statistics?: boolean; groupRows?: number; groupBytes?: number };

/** The rows of `select` (typed by DuckDB) as a plain, uncompressed Parquet file. */
async function parquetOf(select: string, options: Options = {}): Promise<Uint8Array> {
  const parquet = await loadParquetNode();
  const arrow: Table = await writer.query(select);
  let props = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.UNCOMPRESSED)
    .setDictionaryEnabled(false)
    .setMaxRowGroupSize(options.groupRows ?? 2000);
  if (options.statistics === false) props = props.setStatisticsEnabled(parquet.EnabledStatistics.None);
  if (options.groupBytes) props = props.setMaxRowGroupBytes(options.groupBytes);
  return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(arrow, 'stream')), props.build());
}

function footerOf(bytes: Uint8Array): ReturnType<typeof parquetFacts> {
  const length = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 4).getUint32(0, true);
  return parquetFacts(bytes.subarray(bytes.length - 8 - length, bytes.length - 8));
}

function chunkOf(bytes: Uint8Array, rowGroup: number, column: string): { start: number; end: number; physicalType: number } {
  const chunk = footerOf(bytes).rowGroups[rowGroup]?.chunks.find((c) => c.column === column);
  if (!chunk) throw new Error(`no chunk ${column} in row group ${rowGroup}`);
  return { start: chunk.start, end: chunk.start + chunk.length, physicalType: chunk.physicalType };
}

/**
 * A copy with the last value of a column's chunk (plain-encoded, one page: the chunk's last bytes)
 * raised far above the group's maximum, as a flipped high byte would: it still decodes.
 */
function raiseLastValue(bytes: Uint8Array, rowGroup: number, column: string): Uint8Array {
  const out = Uint8Array.from(bytes);
  const { end, physicalType } = chunkOf(bytes, rowGroup, column);
  const view = new DataView(out.buffer);
  // Low bits too: a SMALLINT stored as INT32 is narrowed by both decoders, which drops high bits.
  if (physicalType === 1) view.setInt32(end - 4, view.getInt32(end - 4, true) + (1 << 28) + (1 << 14), true);
  else if (physicalType === 2) view.setBigInt64(end - 8, view.getBigInt64(end - 8, true) + (1n << 44n), true);
  else if (physicalType === 4) view.setFloat32(end - 4, 3e30, true);
  else if (physicalType === 5) view.setFloat64(end - 8, 3e30, true);
  else throw new Error(`physical type ${physicalType}`);
  return out;
}

async function open(engine: NodeEngine, name: string, bytes: Uint8Array): Promise<{ rows: number; types: string[] } | EngineError> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  try {
    const table = await engine.client.run('data.open', { source: { kind: 'path', path: file } });
    await engine.client.run('data.drop', { table: table.name });
    return { rows: table.rowCount, types: table.columns.map((c) => c.type) };
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  }
}

const message = (outcome: unknown): string => (outcome instanceof EngineError ? `${outcome.code}: ${outcome.message}` : `loaded ${JSON.stringify(outcome)}`);

const TYPED = `SELECT (i * 1000)::BIGINT i64, (i * 3)::INTEGER i32, (i % 30000)::SMALLINT i16, (i * 11)::UINTEGER u32, (i * 13)::UBIGINT u64,
  (i / 4)::FLOAT f32, CASE WHEN i % 7 = 3 THEN NULL ELSE i * 0.5 END::DOUBLE f64, CASE WHEN i % 5 = 0 THEN 'nan'::DOUBLE ELSE i END nan,
  (TIMESTAMP '2024-01-01' + i * INTERVAL 1 SECOND)::TIMESTAMP_MS ts_ms, TIMESTAMP '2024-01-01 00:00:00.000007' + i * INTERVAL 1 SECOND ts_us,
  make_timestamp_ns(1704067200000007000 + i::BIGINT * 1000000000 + CASE WHEN i % 2 = 0 THEN 400 ELSE 600 END) ts_ns,
  make_timestamp_ns(-(6000 - i::BIGINT) * 1000000000 - 600) old_ns, TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL 1 MINUTE tz,
  DATE '2020-01-01' + i AS day, 'v' || i AS s
  FROM (SELECT range::INTEGER AS i FROM range(6000))`;
// ts_ns and old_ns (before 1970) have sub-microsecond digits: DuckDB keeps microseconds, so the
// footer's nanosecond bounds must be rounded outward (down for the min, up for the max) to compare.
const RANGE_CHECKED = ['i64', 'i32', 'i16', 'u32', 'u64', 'f32', 'f64', 'ts_ms', 'ts_us', 'ts_ns', 'old_ns', 'tz', 'day'];

describe('Parquet damage check on native DuckDB', { timeout: 120_000 }, () => {
  let typed: Uint8Array;
  beforeAll(async () => {
    typed = await parquetOf(TYPED);
  });

  it('plans the check in SQL for every flat type the decoded check compares, and loads a good file (NaN, nulls) as duckdb-wasm does', async () => {
    const facts = footerOf(typed);
    const units = Object.fromEntries(facts.rowGroups[0]?.chunks.map((c) => [c.column, c.timestampUnit]) ?? []);
    expect(units).toMatchObject({ ts_ms: 'ms', ts_us: 'us', ts_ns: 'ns', tz: 'us', i64: null });
    const schema = (await writer.query(`${TYPED} LIMIT 0`)).schema;
    const plan = planSqlValueCheck('t', schema, facts);
    expect(plan?.sql).toMatch(/^SELECT LEAST\(rowid \/\/ 2000, 2\) AS g, count\(\*\) AS n/);
    // (Column types on both drivers: parquet-nested-types.test.ts.)
    expect(await open(native, 'typed.parquet', typed)).toMatchObject({ rows: 6000 });
    expect(await open(wasm, 'typed.parquet', typed)).toMatchObject({ rows: 6000 });
  });

  it('refuses a value raised inside a plain-encoded page (no CRC), of every compared type, with the plain message duckdb-wasm gives', async () => {
    for (const column of RANGE_CHECKED) {
      const damaged = raiseLastValue(typed, 1, column);
      const outcome = await open(native, `raised-${column}.parquet`, damaged);
      expect(outcome, column).toBeInstanceOf(EngineError);
      const text = message(outcome);
      expect(text, column).toMatch(new RegExp(`^CORRUPT_FILE: raised-${column}\\.parquet is damaged: row group 2: column "${column}" holds values from .* outside the range its footer recorded \\(.*\\)\\. Nothing was loaded`));
      // Integers and floats read alike in both decoders; timestamps are shown in the file's unit from DuckDB's microseconds.
      if (!['ts_ms', 'ts_us', 'ts_ns', 'old_ns', 'tz'].includes(column)) expect(text, column).toBe(message(await open(wasm, `raised-${column}.parquet`, damaged)));
    }
    expect((await native.client.run('data.catalog', {})).map((t) => t.name)).toEqual([]);
  });

  it('refuses a row group whose definition levels lost a value (more missing values than the footer says), as duckdb-wasm does', async () => {
    const bytes = await parquetOf(`SELECT CASE WHEN range % 2 = 1 THEN NULL ELSE range * 1.5 END x FROM range(6000)`);
    const { start } = chunkOf(bytes, 1, 'x');
    const payload = readThriftStruct(bytes, start).end;
    // Data page v1: a 4-byte length, then the RLE/bit-packed levels (header byte, then 0x55 0x55 ...).
    expect(bytes[payload + 4 + 2 + 3]).toBe(0x55);
    const fewer = Uint8Array.from(bytes);
    fewer[payload + 4 + 2 + 3] = 0x54;
    const outcome = await open(native, 'nulls-fewer.parquet', fewer);
    expect(message(outcome)).toBe('CORRUPT_FILE: nulls-fewer.parquet is damaged: row group 2: column "x" has 1001 missing values where its footer says 1000. Nothing was loaded; copy or export the file again.');
    expect(message(outcome)).toBe(message(await open(wasm, 'nulls-fewer.parquet', fewer)));
  });

  it('refuses in plain words, without crashing, a page whose levels ask for more values than it holds (parquet-wasm panics on it)', async () => {
    const bytes = await parquetOf(`SELECT CASE WHEN range % 2 = 1 THEN NULL ELSE range * 1.5 END x FROM range(6000)`);
    const payload = readThriftStruct(bytes, chunkOf(bytes, 1, 'x').start).end;
    const more = Uint8Array.from(bytes);
    more[payload + 4 + 2 + 3] = 0x57;
    const outcome = await open(native, 'nulls-more.parquet', more);
    expect(outcome).toBeInstanceOf(EngineError);
    expect(message(outcome)).toMatch(/^CORRUPT_FILE: nulls-more\.parquet cannot be read as Parquet \(.+\); it may be damaged\. Nothing was loaded\.$/);
    expect(message(outcome)).not.toMatch(/assay-files|Error:/);
  });

  it('loads a file without statistics (nothing to compare), and finds the damaged group among uneven row groups', async () => {
    const bare = await parquetOf(TYPED, { statistics: false });
    expect(footerOf(bare).rowGroups[0]?.chunks.every((c) => c.min === null && c.nullCount === null)).toBe(true);
    expect(await open(native, 'no-stats.parquet', bare)).toMatchObject({ rows: 6000 });
    // Row groups cut by size: 2,048 rows of long strings, then 6,144 mostly short ones, then the rest.
    const uneven = await parquetOf(
      `SELECT range AS id, repeat('x', CASE WHEN range < 2048 OR range BETWEEN 6144 AND 8191 THEN 1000 ELSE 1 END) AS s FROM range(10000)`,
      { groupRows: 100_000, groupBytes: 1_500_000 },
    );
    expect(footerOf(uneven).rowGroups.map((g) => g.numRows)).toEqual([2048, 6144, 1808]);
    expect(await open(native, 'groups.parquet', uneven)).toMatchObject({ rows: 10000 });
    for (const g of [0, 1, 2]) {
      expect(message(await open(native, `groups-raised-${g}.parquet`, raiseLastValue(uneven, g, 'id')))).toMatch(new RegExp(`is damaged: row group ${g + 1}: column "id" holds values from`));
    }
  });

  it('falls back to decoding and checking in JS where SQL cannot find the row groups (a column named rowid)', async () => {
    const bytes = await parquetOf(`SELECT range AS rowid, range * 2 AS v FROM range(6000)`);
    expect(planSqlValueCheck('t', (await writer.query(`SELECT range AS rowid, range * 2 AS v FROM range(0)`)).schema, footerOf(bytes))).toBeNull();
    expect(await open(native, 'rowid.parquet', bytes)).toMatchObject({ rows: 6000 });
    expect(message(await open(native, 'rowid-raised.parquet', raiseLastValue(bytes, 2, 'v')))).toMatch(/is damaged: row group 3: column "v" holds values from/);
  });
});

describe('row group of a row, in SQL', () => {
  it('maps every rowid to its group for equal and uneven groups (rows past the footer fall in the last group)', async () => {
    await writer.query('CREATE OR REPLACE TABLE rg AS SELECT range AS x FROM range(40)');
    for (const counts of [[10, 10, 10, 7], [40], [3, 0, 7, 1, 20, 2], [5, 5, 5], [1, 2, 3, 4, 5, 6, 7, 8, 3]]) {
      const result = await writer.query(`SELECT rowid AS r, ${groupIndexSql(counts)} AS g FROM rg ORDER BY rowid`);
      const got = result.toArray().map((row: { g: number | bigint }) => Number(row.g));
      const expected: number[] = [];
      counts.forEach((n, g) => expected.push(...Array<number>(n).fill(g)));
      while (expected.length < 40) expected.push(counts.length - 1);
      expect(got, counts.join(',')).toEqual(expected);
    }
  });
});

// ------------------------------------------------------------ page walk by headers


/** A PageHeader (compact Thrift) with an optional CRC and an optional large extra field, then the payload. */
function page(payload: Uint8Array, options: { crc?: boolean; claimed?: number; padHeader?: number } = {}): number[] {
  const i32 = (delta: number, value: number): number[] => [(delta << 4) | 5, ...varint(zigzag32(value))];
  const header = [...i32(1, 0), ...i32(1, payload.length), ...i32(1, options.claimed ?? payload.length)];
  if (options.crc) header.push(...i32(1, crc32(payload) | 0));
  // An unknown binary field (id 20): headers larger than the first read window.
  if (options.padHeader) header.push(0x08, ...varint(zigzag32(20)), ...varint(options.padHeader), ...new Array<number>(options.padHeader).fill(7));
  return [...header, 0, ...payload];
}

const payload = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('Parquet page walk from a blob, by headers', () => {
  const lead = new Uint8Array(100).fill(1);
  const walk = (chunk: number[]): Promise<string | null> => checkChunkPagesInBlob(new Blob([lead, Uint8Array.from(chunk), lead]), lead.length, chunk.length);

  it('gives the same verdicts as walking the whole chunk in memory, for chunks larger than one read', async () => {
    const big = [...page(payload(40_000, 1), { crc: true }), ...page(payload(50_000, 2)), ...page(payload(30_000, 3), { crc: true, padHeader: 40_000 })];
    expect(big.length).toBeGreaterThan(64 * 1024);
    expect(await walk(big)).toBeNull();
    expect(checkChunkPages(Uint8Array.from(big))).toBeNull();

    const flipped = (at: number): number[] => big.map((b, i) => (i === at ? b ^ 1 : b));
    expect(await walk(flipped(big.length - 1))).toBe('page 3 fails its checksum');
    expect(await walk(flipped(30))).toBe('page 1 fails its checksum'); // inside page 1's payload
    // Page 2 has no CRC: a damaged payload byte is left to the value check.
    expect(await walk(flipped(45_000))).toBeNull();

    const overlong = [...page(payload(70_000, 1)), ...page(payload(10, 2), { claimed: 5000 })];
    expect(await walk(overlong)).toBe('page 2 claims more bytes than its column chunk holds');
    expect(checkChunkPages(Uint8Array.from(overlong))).toBe('page 2 claims more bytes than its column chunk holds');
    const unreadable = [...page(payload(70_000, 1)), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    expect(await walk(unreadable)).toBe('page 2 has an unreadable header');
    expect(checkChunkPages(Uint8Array.from(unreadable))).toBe('page 2 has an unreadable header');
  });

  it('computes CRC-32 eight bytes at a time exactly as one byte at a time', () => {
    const bitwise = (bytes: Uint8Array): number => {
      let c = 0xffffffff;
      for (const b of bytes) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    for (let n = 0; n < 40; n++) {
      const bytes = payload(n * 7 + (n % 3), n);
      expect(crc32(bytes), `length ${bytes.length}`).toBe(bitwise(bytes));
    }
    expect(crc32(payload(100_003, 9).subarray(5))).toBe(bitwise(payload(100_003, 9).subarray(5)));
  });
});
