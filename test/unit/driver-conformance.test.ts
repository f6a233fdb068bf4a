import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import type { DuckDriver } from '../../workers/data/driver';
import { openNodeDriver, type NodeDriverKind } from '../../workers/node/driver-choice';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { writeBadInputCorpus, type BadInputCase } from '../helpers/bad-input';
import { samples, tempDir } from '../helpers/paths';

/**
 * One conformance suite, run on both Node drivers: duckdb-wasm (the app's DuckDB) and native
 * DuckDB (the CLI's). Every sample and every file of the bad-input corpus goes through the same
 * engine jobs on each, and the answers must be the same: tables, types, profiles, query
 * results, warnings and refusals (code and message).
 */
const KINDS: NodeDriverKind[] = ['wasm', 'native'];
const dir = tempDir('driver-conformance');
let corpus: BadInputCase[] = [];
const engines = new Map<NodeDriverKind, NodeEngine>();

beforeAll(async () => {
  corpus = await writeBadInputCorpus(dir);
  for (const kind of KINDS) engines.set(kind, await createInProcessEngine(kind));
}, 120_000);
afterAll(async () => {
  for (const engine of engines.values()) await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Plain JSON of a job's answer, without what legitimately differs between runs (timings). */
function normalise(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => {
      if (/elapsed|Ms$|duration/i.test(key)) return undefined;
      if (typeof v === 'bigint') return `${v}n`;
      // Sums in another order (native DuckDB runs threads) differ in the last bits only.
      if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) return Number(v.toPrecision(12));
      if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array) return Array.from(v);
      // Arrow IPC bytes (query previews): compare what they hold, not their padding.
      if (v instanceof Uint8Array) return arrowContent(tableFromIPC(v));
      return v;
    }),
  );
}

function arrowContent(table: Table): unknown {
  return { types: table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`), rows: table.toArray().map((r) => (r as { toJSON(): unknown }).toJSON()) };
}

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return { ok: normalise(await promise) };
  } catch (err) {
    if (!(err instanceof EngineError)) throw err;
    return { err: { code: err.code, message: err.message } };
  }
}

/** What a file gives through the engine: the table, its profile and a few queries. */
async function fileAnswers(engine: NodeEngine, file: string): Promise<unknown> {
  const opened = await outcome(engine.client.run('data.open', { source: { kind: 'path', path: file } }));
  const answers: Record<string, unknown> = { opened };
  const table = (opened as { ok?: { name: string; columns: Array<{ name: string }> } }).ok;
  if (!table) return answers;
  const q = `"${table.name.replaceAll('"', '""')}"`;
  answers.profile = await outcome(engine.client.run('data.profile', { table: table.name }));
  if (table.columns.length <= 100) {
    answers.head = await outcome(engine.client.run('sql.run', { sql: `SELECT * FROM ${q} ORDER BY ALL LIMIT 25`, preview: 25 }));
    answers.counts = await outcome(engine.client.run('sql.run', { sql: `SELECT count(*) AS n, count(DISTINCT COLUMNS(*)) FROM ${q}`, preview: 5 }));
  }
  await engine.client.run('data.drop', { table: table.name });
  return answers;
}

describe('native DuckDB and duckdb-wasm answer alike', { timeout: 240_000 }, () => {
  it('on every sample: load, profile, queries', async () => {
    for (const file of [samples.shoppers, samples.retail, samples.bank, samples.olistProducts, samples.retailFull]) {
      const [wasm, native] = await Promise.all(KINDS.map((k) => fileAnswers(engines.get(k) as NodeEngine, file)));
      expect(native, path.basename(file)).toEqual(wasm);
    }
  });

  it('on a Parquet file of every flat type (native DuckDB reads it with read_parquet, duckdb-wasm inserts the decoded groups)', async () => {
    const file = path.join(dir, 'types.parquet');
    const writer = await openNodeDriver('native');
    try {
      const select = `SELECT (i % 100)::TINYINT i8, i::SMALLINT i16, (i * 7)::INTEGER i32, (9007199254740993 + i)::BIGINT i64, i::UINTEGER u32,
        (i / 3)::FLOAT f32, (i / 7)::DOUBLE f64, (i / 100)::DECIMAL(10,2) d, (i * 1e15)::DECIMAL(38,2) dw, DATE '2020-02-29' + i dt,
        TIMESTAMP '2020-01-02 03:04:05.123456' + i * INTERVAL 1 HOUR ts,
        CASE WHEN i % 5 = 0 THEN NULL ELSE 'é中"x' || (i % 3) END s, ('b' || i)::BLOB bl, i % 2 = 0 b, CASE WHEN i % 4 = 0 THEN NULL ELSE i * 0.5 END nul
        FROM (SELECT range::INTEGER AS i FROM range(3000))`;
      await writer.copyTo(select, "FORMAT parquet, ROW_GROUP_SIZE 1000", file);
    } finally {
      await writer.close();
    }
    const [wasm, native] = await Promise.all(KINDS.map((k) => fileAnswers(engines.get(k) as NodeEngine, file)));
    expect((native as { opened: { ok?: unknown } }).opened.ok, 'loads').toBeTruthy();
    expect(native).toEqual(wasm);
  });

  it('on every file of the bad-input corpus: the same tables, warnings and refusals', async () => {
    for (const c of corpus) {
      const [wasm, native] = await Promise.all(KINDS.map((k) => fileAnswers(engines.get(k) as NodeEngine, path.join(dir, c.file))));
      expect(native, `${c.file} (${c.problem})`).toEqual(wasm);
    }
  });
});

describe('each driver on its own', () => {
  const drivers = new Map<NodeDriverKind, DuckDriver>();
  beforeAll(async () => {
    for (const kind of KINDS) drivers.set(kind, await openNodeDriver(kind));
  });
  afterAll(async () => {
    for (const d of drivers.values()) await d.close();
  });

  it('gives every DuckDB type the same Arrow type and values', async () => {
    const sql = `SELECT 1::TINYINT i8, 1::SMALLINT i16, 1::INTEGER i32, 9007199254740993::BIGINT i64, 1::UBIGINT u64, 1.5::FLOAT f32, 2.25::DOUBLE f64,
      -12.34::DECIMAL(10,2) d, 12345678901234567890.12::DECIMAL(38,2) dw, 7::HUGEINT h, DATE '2020-02-29' dt, TIMESTAMP '2020-01-02 03:04:05.123456' ts,
      TIMESTAMPTZ '2020-01-02 03:04:05+00' tz, TIME '01:02:03' tm, 'é中"x' s, 'ab'::BLOB bl, true b, [1, NULL, 3] l, {'a': 1, 'b': 'x'} st,
      MAP {'k': 1} m, [{'x': 'y'}] ls, NULL::DOUBLE nul
      UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 3`;
    const [wasm, native] = await Promise.all(
      KINDS.map(async (k) => {
        const table = await (drivers.get(k) as DuckDriver).query(sql);
        return normalise(arrowContent(table));
      }),
    );
    expect(native).toEqual(wasm);
  });

  it('native DuckDB spills into its own temp folder (not ./.tmp), removed on close; cancelling one query never interrupts the next', async () => {
    const native = drivers.get('native') as DuckDriver;
    const setting = (await native.query("SELECT current_setting('temp_directory') AS t")).toArray()[0] as { t: string };
    expect(setting.t.startsWith(os.tmpdir())).toBe(true);
    const other = await openNodeDriver('native');
    const folder = path.dirname(String(((await other.query("SELECT current_setting('temp_directory') AS t")).toArray()[0] as { t: string }).t));
    expect(fs.existsSync(folder)).toBe(true);
    await other.close();
    expect(fs.existsSync(folder)).toBe(false);
    // Two jobs' queries on the one connection: cancelling the first never interrupts the second.
    const first = new AbortController();
    const slow = native.query('SELECT count(*) FROM range(3000000000) a, range(3) b WHERE a.range % 7 = b.range', first.signal);
    const second = native.query('SELECT count(*) AS n FROM range(2000000)');
    setTimeout(() => first.abort(), 200);
    await expect(slow).rejects.toMatchObject({ code: 'CANCELLED' });
    const rows = (await second).toArray() as Array<{ n: bigint }>;
    expect(Number(rows[0]?.n)).toBe(2000000);
  });

  it('round-trips Arrow IPC inserts, and cancels a running query', async () => {
    const { tableFromArrays, tableToIPC } = await import('apache-arrow');
    const ipc = tableToIPC(tableFromArrays({ id: Int32Array.from([1, 2, 3]), score: Float64Array.from([0.5, NaN, 2]), name: ['a', 'b', null] }), 'stream');
    for (const [kind, driver] of drivers) {
      await driver.insertArrowIPC('ipc_in', ipc, true);
      await driver.insertArrowIPC('ipc_in', ipc, false);
      const back = await driver.query('SELECT count(*)::INTEGER AS n, sum(id)::INTEGER AS s, count(name)::INTEGER AS named FROM ipc_in');
      expect(back.toArray().map((r) => (r as { toJSON(): unknown }).toJSON()), kind).toEqual([{ n: 6, s: 12, named: 4 }]);
      const controller = new AbortController();
      const slow = driver.query('SELECT count(*) FROM range(3000000000) a, range(3) b WHERE a.range % 7 = b.range', controller.signal);
      setTimeout(() => controller.abort(), 200);
      await expect(slow, kind).rejects.toMatchObject({ code: 'CANCELLED' });
      await driver.query('DROP TABLE ipc_in');
    }
  });
});
