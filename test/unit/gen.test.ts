import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { generate, parseArgs, Rng, TABLE_COLUMNS, TABLE_NAMES, type GenResult } from '../../scripts/gen';

const USERS = 2000;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-gen-'));
const dirA = path.join(root, 'seed7-a');
const dirB = path.join(root, 'seed7-b');
const dirC = path.join(root, 'seed8');
const quiet = (): void => {};

let resultA: GenResult;
let resultC: GenResult;
let instance: DuckDBInstance;
let db: DuckDBConnection;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}
async function scalar(sql: string): Promise<number> {
  const [row] = await rows(sql);
  return Number(Object.values(row!)[0]);
}
const sha = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const parquetA = (table: string): string => `'${path.join(dirA, `${table}.parquet`)}'`;

beforeAll(async () => {
  resultA = await generate({ users: USERS, seed: 7, outDir: dirA, log: quiet });
  await generate({ users: USERS, seed: 7, outDir: dirB, log: quiet });
  resultC = await generate({ users: USERS, seed: 8, outDir: dirC, log: quiet });
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  for (const table of TABLE_NAMES) await db.run(`CREATE VIEW ${table} AS SELECT * FROM ${parquetA(table)}`);
});

afterAll(() => {
  db?.closeSync();
  instance?.closeSync();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('synthetic dataset generator', () => {
  it('writes Parquet for every table and CSV for features', () => {
    const written = resultA.files.map((f) => `${path.basename(f.path)}`).sort();
    expect(written).toEqual(
      ['events.parquet', 'features.csv', 'features.parquet', 'orders.parquet', 'sessions.parquet', 'users.parquet'],
    );
    for (const file of resultA.files) expect(fs.statSync(file.path).size).toBe(file.bytes);
    // The temporary CSVs of the Parquet-only tables are removed.
    expect(fs.readdirSync(dirA).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('is deterministic: the same seed gives identical bytes, another seed different ones', () => {
    for (const file of resultA.files) {
      const name = path.basename(file.path);
      expect(sha(path.join(dirB, name)), name).toBe(sha(file.path));
    }
    expect(sha(path.join(dirC, 'features.csv'))).not.toBe(sha(path.join(dirA, 'features.csv')));
    expect(sha(path.join(dirC, 'events.parquet'))).not.toBe(sha(path.join(dirA, 'events.parquet')));
    expect(resultC.rows.events).not.toBe(resultA.rows.events);
  });

  it('has one row per user in users and features, and the reported counts in every file', async () => {
    expect(resultA.rows.users).toBe(USERS);
    expect(resultA.rows.features).toBe(USERS);
    for (const table of TABLE_NAMES) {
      expect(await scalar(`SELECT count(*) FROM ${table}`), table).toBe(resultA.rows[table]);
    }
    expect(await scalar(`SELECT count(*) FROM read_csv('${path.join(dirA, 'features.csv')}')`)).toBe(USERS);
    expect(await scalar('SELECT count(DISTINCT user_id) FROM features')).toBe(USERS);
    // Activity exists and is larger than the user base, as in a real shop.
    expect(resultA.rows.sessions).toBeGreaterThan(USERS);
    expect(resultA.rows.events).toBeGreaterThan(resultA.rows.sessions);
    expect(resultA.rows.orders).toBeGreaterThan(USERS / 10);
  });

  it('has the documented column names and types (features: 34 columns)', async () => {
    expect(TABLE_COLUMNS.features).toHaveLength(34);
    for (const table of TABLE_NAMES) {
      const described = await rows(`DESCRIBE ${table}`);
      expect(described.map((r) => [r.column_name, r.column_type]), table).toEqual(TABLE_COLUMNS[table]);
    }
  });

  it('writes a features CSV whose sniffed types match the schema (integers widen to BIGINT)', async () => {
    const described = await rows(`DESCRIBE SELECT * FROM read_csv('${path.join(dirA, 'features.csv')}')`);
    const expected = TABLE_COLUMNS.features.map(([name, type]) => [name, type === 'INTEGER' ? 'BIGINT' : type]);
    expect(described.map((r) => [r.column_name, r.column_type])).toEqual(expected);
  });

  it('has a two-class label with a plausible positive rate that activity explains in part', async () => {
    const positiveRate = await scalar('SELECT avg(converted) FROM features');
    expect(positiveRate).toBeGreaterThan(0.05);
    expect(positiveRate).toBeLessThan(0.4);
    const [split] = await rows(`SELECT avg(converted) FILTER (WHERE sessions_30d > 0) AS active,
                                       avg(converted) FILTER (WHERE sessions_90d = 0) AS dormant FROM features`);
    expect(Number(split!.active)).toBeGreaterThan(Number(split!.dormant) * 2);
  });

  it('leaves values missing where documented and nowhere else in keys', async () => {
    const nulls = async (table: string, column: string): Promise<number> =>
      scalar(`SELECT count(*) FILTER (WHERE ${column} IS NULL) FROM ${table}`);
    for (const [table, column] of [
      ['users', 'city_tier'], ['users', 'age_band'], ['sessions', 'duration_s'], ['sessions', 'traffic_source'],
      ['events', 'price'], ['orders', 'payment'], ['features', 'avg_order_value'], ['features', 'email_open_rate'],
      ['features', 'days_since_last_session'], ['features', 'top_category'],
    ] as const) {
      expect(await nulls(table, column), `${table}.${column}`).toBeGreaterThan(0);
    }
    for (const [table, column] of [['users', 'user_id'], ['sessions', 'start_ts'], ['events', 'event_type'], ['orders', 'amount'], ['features', 'converted']] as const) {
      expect(await nulls(table, column), `${table}.${column}`).toBe(0);
    }
  });

  it('keeps the tables consistent: keys join, the funnel narrows, features aggregate the activity', async () => {
    expect(await scalar('SELECT count(*) FROM events e ANTI JOIN sessions s USING (session_id)')).toBe(0);
    expect(await scalar('SELECT count(*) FROM sessions s ANTI JOIN users u USING (user_id)')).toBe(0);
    expect(await scalar('SELECT count(*) FROM orders o ANTI JOIN sessions s USING (session_id)')).toBe(0);
    const funnel = Object.fromEntries(
      (await rows('SELECT event_type, count(*)::INTEGER AS n FROM events GROUP BY 1')).map((r) => [r.event_type, r.n]),
    );
    expect(Object.keys(funnel).sort()).toEqual(['cart', 'fav', 'purchase', 'view']);
    expect(funnel.view).toBeGreaterThan(funnel.cart * 3);
    expect(funnel.cart).toBeGreaterThan(funnel.purchase);
    // Each order holds exactly the purchase events of its session.
    expect(await scalar(`SELECT count(*) FROM orders o JOIN (SELECT session_id, count(*) AS n FROM events
                          WHERE event_type = 'purchase' GROUP BY 1) p USING (session_id) WHERE p.n <> o.n_items`)).toBe(0);
    expect(await scalar(`SELECT count(*) FROM orders`)).toBe(
      await scalar(`SELECT count(DISTINCT session_id) FROM events WHERE event_type = 'purchase'`),
    );
    expect(await scalar(`SELECT count(DISTINCT status) FROM orders`)).toBe(3);
    // Features are aggregates of the activity tables as of 2025-06-30.
    expect(await scalar(`SELECT count(*) FROM features f LEFT JOIN (SELECT user_id, count(*) AS n FROM sessions
                          WHERE start_ts >= DATE '2025-04-02' GROUP BY 1) s USING (user_id)
                          WHERE f.sessions_90d <> coalesce(s.n, 0)`)).toBe(0);
    expect(await scalar(`SELECT count(*) FROM features f LEFT JOIN (SELECT user_id, count(*) AS n, sum(amount) AS spend
                          FROM orders GROUP BY 1) o USING (user_id)
                          WHERE f.orders_180d <> coalesce(o.n, 0) OR abs(f.spend_180d - coalesce(o.spend, 0)) > 0.005`)).toBe(0);
    expect(await scalar(`SELECT max(start_ts) < TIMESTAMP '2025-07-01' AND min(start_ts) >= TIMESTAMP '2025-01-02' FROM sessions`)).toBe(1);
  });

  it('has heavy-tailed activity: the top 1% of users hold over 10% of sessions', async () => {
    const share = await scalar(`WITH per_user AS (SELECT user_id, count(*) AS n FROM sessions GROUP BY 1)
      SELECT (SELECT sum(n) FROM (SELECT n FROM per_user ORDER BY n DESC LIMIT ${USERS / 100})) / sum(n) FROM per_user`);
    expect(share).toBeGreaterThan(0.1);
  });

  it('writes only the tables asked for', async () => {
    const dir = path.join(root, 'features-only');
    const result = await generate({ users: 300, seed: 7, outDir: dir, tables: ['features'], log: quiet });
    expect(fs.readdirSync(dir).sort()).toEqual(['features.csv', 'features.parquet', 'gen-info.json']);
    // The simulation runs in full either way, so the features rows equal those of a full run's prefix.
    const full = await generate({ users: 300, seed: 7, outDir: path.join(root, 'full-300'), log: quiet });
    expect(sha(path.join(dir, 'features.csv'))).toBe(sha(path.join(root, 'full-300', 'features.csv')));
    expect(result.rows).toEqual(full.rows);
  });
});

describe('generator building blocks', () => {
  it('Rng repeats for a seed and spreads uniformly', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const seqA = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(seqA);
    const rng = new Rng(3);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(rng.next() * 10)]!++;
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('parses the command line and rejects bad arguments', () => {
    expect(parseArgs(['--users', '500', '--seed', '3', '--out', 'x'])).toMatchObject({ users: 500, seed: 3, outDir: 'x' });
    expect(parseArgs([])).toMatchObject({ users: 10_000, seed: 42, outDir: '.generated' });
    expect(() => parseArgs(['--users', '0'])).toThrow('--users must be a positive integer');
    expect(() => parseArgs(['--tables', 'users,nope'])).toThrow('unknown table nope');
    expect(() => parseArgs(['--bogus'])).toThrow('unknown argument --bogus');
  });
});
