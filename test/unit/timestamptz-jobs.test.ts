/**
 * A TIMESTAMPTZ time column through the jobs a user runs: the feature builder (and the view's
 * as-of default), pack builds (snapshot date, model time features), clustering and
 * tag validation over time. duckdb-wasm has no ICU, so epoch(), CAST(… AS DATE) and TIMESTAMP
 * arithmetic on a TIMESTAMPTZ fail there; native DuckDB has ICU, and a plain CAST(… AS TIMESTAMP)
 * there follows the session's time zone. Both drivers must read the instants in UTC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterResult, FeatureForm, PackInfo, TagsValidateResult } from '../../workers/api';
import { utcWallClock } from '../../workers/data/zoned-time';
import { DIALECTS } from '../../workers/packs/dialects/dialect';
import { featureStepCtes } from '../../workers/packs/dialects/feature-sql';
import { packToSql } from '../../workers/packs/dialects/pack-sql';
import { readPack, writePack } from '../../workers/packs/io';
import { SQL_DIALECTS, type SqlDialect } from '../../workers/packs/schema';
import { splitRowIndices, splitValueExpression, type RowSplitSpec } from '../../workers/gbdt/row-split';
import type { FeatureStep } from '../../workers/segments/types';
import type { NodeDriverKind } from '../../workers/node/driver-choice';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import type { TagInput } from '../../workers/tags/tag';
import { asOfDefaultSql } from '../../renderer/views/segments/segment-data';
import { grammarCompatible, grammarErrors, queryRows } from '../helpers/packs';

const KINDS: NodeDriverKind[] = ['wasm', 'native'];
const engines = new Map<NodeDriverKind, NodeEngine>();
const engine = (kind: NodeDriverKind): NodeEngine => engines.get(kind) as NodeEngine;

/** Epoch seconds of a UTC wall clock in March 2021. */
const utc = (day: number, hours: number, minutes = 0): number => Date.UTC(2021, 2, day, hours, minutes) / 1000;

// Written with offsets other than UTC. The latest event, 2021-03-06 01:30 UTC, is still 2021-03-05
// in New York: a reading in that zone moves the snapshot day and every hour of day.
const EVENTS = `CREATE OR REPLACE TABLE ev AS SELECT k, CAST(ts AS TIMESTAMPTZ) AS t, amount FROM (VALUES
  ('a', '2021-03-04 05:30:00+05:30', 10.0),
  ('a', '2021-03-03 20:15:00-05', 5.0),
  ('a', '2021-03-05 02:00:00+01', 8.0),
  ('b', '2021-03-05 23:30:00-02', 7.0),
  ('c', '2021-03-02 12:00:00+00', 1.0)) AS v(k, ts, amount)`;
const EVENT_TIMES = [utc(4, 0), utc(4, 1, 15), utc(5, 1), utc(6, 1, 30), utc(2, 12)];
// One row per person; the latest last_seen is 2021-03-09 03:00 UTC (2021-03-08 in New York).
const PEOPLE = `CREATE OR REPLACE TABLE people AS SELECT id, CAST(seen AS TIMESTAMPTZ) AS last_seen, spend FROM (VALUES
  ('p1', '2021-03-08 22:00:00-05', 120.0),
  ('p2', '2021-03-01 09:00:00+09', 15.0),
  ('p3', '2021-03-05 00:00:00+00', 300.0),
  ('p4', '2021-03-07 18:00:00-08', 60.0)) AS v(id, seen, spend)`;

beforeAll(async () => {
  for (const kind of KINDS) {
    const e = await createInProcessEngine(kind);
    engines.set(kind, e);
    await e.client.run('sql.run', { sql: EVENTS });
    await e.client.run('sql.run', { sql: PEOPLE });
  }
  // Native DuckDB has ICU: in this zone a plain CAST(t AS TIMESTAMP) reads New York wall clocks.
  await engine('native').client.run('sql.run', { sql: "SET TimeZone = 'America/New_York'" });
  const [check] = await queryRows(engine('native').client, "SELECT CAST(CAST(TIMESTAMPTZ '2021-03-06 01:30:00+00' AS TIMESTAMP) AS VARCHAR) AS v");
  expect(check?.v).toBe('2021-03-05 20:30:00');
}, 120_000);
afterAll(async () => {
  for (const e of engines.values()) await e.close();
});

function ruleTag(id: string, text: string): TagInput {
  return { id, name: id, group: 'basic', definition: { kind: 'rule', text, ast: parseRule(text) } };
}

const numbers = (rows: Array<Record<string, unknown>>, column: string): number[] => rows.map((r) => Number(r[column]));

describe('the feature builder on a TIMESTAMPTZ time column', { timeout: 60_000 }, () => {
  const form: FeatureForm = { template: 'all', table: 'ev', key: 'k', time: 't', value: 'amount', asOf: '' };

  async function build(kind: NodeDriverKind): Promise<{ asOf: string; rows: Array<Record<string, unknown>> }> {
    const client = engine(kind).client;
    const generated = await client.run('features.generate', form);
    await client.run('features.build', { sql: generated.sql, outputTable: 'ev_features', replace: true, step: generated.step });
    return { asOf: generated.asOf, rows: await queryRows(client, 'SELECT * FROM ev_features ORDER BY k') };
  }

  it.each(KINDS)('on %s: as-of is the day after the last UTC event; recency, days and hours in UTC', async (kind) => {
    const { asOf, rows } = await build(kind);
    expect(asOf).toBe('2021-03-07');
    expect(rows.map((r) => r.k)).toEqual(['a', 'b', 'c']);
    // Whole days before 2021-03-07 00:00 UTC: a's last event 03-05 01:00, b's 03-06 01:30, c's 03-02 12:00.
    expect(numbers(rows, 'recency')).toEqual([1, 0, 4]);
    expect(numbers(rows, 'tenure_days')).toEqual([3, 0, 4]);
    expect(numbers(rows, 'active_days')).toEqual([2, 1, 1]);
    // a's events are at 00:00, 01:15 and 01:00 UTC.
    expect(numbers(rows, 'hour_00')).toEqual([1 / 3, 0, 0]);
    expect(numbers(rows, 'hour_01')).toEqual([2 / 3, 1, 0]);
    expect(numbers(rows, 'hour_12')).toEqual([0, 0, 1]);
    // 2021-03-06 is a Saturday in UTC (a Friday evening in New York).
    expect(numbers(rows, 'weekday_sat')).toEqual([0, 1, 0]);
    expect(numbers(rows, 'monetary')).toEqual([23, 7, 1]);
  });

  it('the same feature table on native DuckDB in New York time as on duckdb-wasm', async () => {
    const [wasm, native] = [await build('wasm'), await build('native')];
    expect(native).toEqual(wasm);
  });

  it.each(KINDS)("on %s: the view's as-of default is the day after the last UTC event", async (kind) => {
    const sql = asOfDefaultSql('ev', { name: 't', type: 'TIMESTAMP WITH TIME ZONE' }, 'seconds');
    // The view spells the engine's UTC form itself (it may import only workers/api).
    expect(sql).toContain(utcWallClock('"t"'));
    expect(asOfDefaultSql('ev', { name: 't', type: 'TIMESTAMPTZ' }, 'seconds')).toBe(sql);
    expect(await queryRows(engine(kind).client, sql)).toEqual([{ as_of: '2021-03-07' }]);
    // With a UTC offset of -3 h the last event is 2021-03-05 22:30.
    const shifted = asOfDefaultSql('ev', { name: 't', type: 'TIMESTAMP WITH TIME ZONE' }, 'seconds', -3);
    expect(await queryRows(engine(kind).client, shifted)).toEqual([{ as_of: '2021-03-06' }]);
  });
});

describe('pack builds on a table with a TIMESTAMPTZ column', { timeout: 60_000 }, () => {
  async function build(kind: NodeDriverKind): Promise<PackInfo> {
    return engine(kind).client.run('pack.build', {
      tagSet: { schema: 'assay.tagset/1', tags: [ruleTag('big', 'spend > 100')] },
      table: 'people',
      key: 'id',
      name: 'people tags',
      version: '1.0.0',
      createdAt: '2026-12-04T12:00:00.000Z',
    });
  }

  it.each(KINDS)('on %s: the snapshot (the default as-of) is the day after the latest UTC time', async (kind) => {
    const { pack } = await build(kind);
    expect(pack.asOf).toBe('2021-03-10');
  });

  it('the same pack (content hash included) on native DuckDB in New York time as on duckdb-wasm', async () => {
    const [wasm, native] = [await build('wasm'), await build('native')];
    expect(native.pack.contentHash).toBe(wasm.pack.contentHash);
    expect(native.pack).toEqual(wasm.pack);
  });

  it.each(KINDS)("on %s: the DuckDB dialect's epoch seconds of a TIMESTAMPTZ are the UTC instants, and epoch()'s of a TIMESTAMP", async (kind) => {
    const client = engine(kind).client;
    const seconds = DIALECTS.duckdb.secondsSinceEpoch('t');
    const rows = await queryRows(client, `SELECT ${seconds} AS s FROM ev`);
    expect(numbers(rows, 's')).toEqual(EVENT_TIMES);
    // Model tags trained in the app read TIMESTAMP features with epoch(): the pack's SQL gives the same doubles.
    const [same] = await queryRows(
      client,
      `SELECT count(*) FILTER (WHERE ${DIALECTS.duckdb.secondsSinceEpoch('ts')} IS DISTINCT FROM epoch(ts)) AS differ, count(*) AS n
       FROM (SELECT make_timestamp(i * 7919000003 + i * i - 900000000000000) AS ts FROM range(20000) r(i)
             UNION ALL SELECT TIMESTAMP 'infinity' UNION ALL SELECT NULL)`,
    );
    expect(same).toEqual({ differ: 0n, n: 20002n });
  });
});

describe('clustering on a TIMESTAMPTZ feature', { timeout: 60_000 }, () => {
  async function cluster(kind: NodeDriverKind): Promise<ClusterResult> {
    return engine(kind).client.run('cluster.run', { source: { table: 'ev' }, features: ['t', 'amount'], k: 2, seed: 1, preprocessing: { log1p: 'none' } });
  }

  it.each(KINDS)('on %s: the time feature is UTC days since the epoch', async (kind) => {
    const result = await cluster(kind);
    const t = result.preprocessor.columns.find((c) => c.column === 't');
    if (t?.kind !== 'numeric') throw new Error('no numeric transform for "t"');
    const days = EVENT_TIMES.map((s) => s / 86400);
    expect(t.center).toBeCloseTo(days.reduce((a, b) => a + b, 0) / days.length, 9);
  });

  it('the same clustering on native DuckDB in New York time as on duckdb-wasm', async () => {
    const strip = (r: ClusterResult): unknown => ({ ...r, cluster: { ...r.cluster, createdAt: '' }, elapsedMs: 0, backend: null });
    expect(strip(await cluster('native'))).toEqual(strip(await cluster('wasm')));
  });
});

describe('tag validation over a TIMESTAMPTZ time column', { timeout: 60_000 }, () => {
  async function validate(kind: NodeDriverKind): Promise<TagsValidateResult> {
    return engine(kind).client.run('tags.validate', {
      tagSet: { schema: 'assay.tagset/1', tags: [ruleTag('big', 'amount > 6')] },
      source: { table: 'ev' },
      split: { kind: 'all' },
      timeColumn: 't',
      windows: 2,
    });
  }

  it.each(KINDS)('on %s: the stability windows span the UTC instants', async (kind) => {
    const result = await validate(kind);
    const windows = result.tags[0]?.stability?.windows ?? [];
    expect(windows.map((w) => [w.from, w.to, w.rows])).toEqual([
      [utc(2, 12), utc(4, 0), 2],
      [utc(4, 1, 15), utc(6, 1, 30), 3],
    ]);
  });

  it('the same windows on native DuckDB in New York time as on duckdb-wasm', async () => {
    const windows = async (kind: NodeDriverKind): Promise<unknown> => (await validate(kind)).tags.map((t) => t.stability);
    expect(await windows('native')).toEqual(await windows('wasm'));
  });
});

describe('boosted trees on a TIMESTAMPTZ feature', { timeout: 60_000 }, () => {
  // 120 rows; the label is 1 from 2021-03-15 12:00 UTC on, so the one split the trees need sits on a UTC instant.
  const TABLE = `CREATE OR REPLACE TABLE visits AS SELECT CAST(printf('2021-03-%02d %02d:00:00%s', 1 + i % 28, i % 24, CASE i % 3 WHEN 0 THEN '+05:30' WHEN 1 THEN '-05' ELSE '+00' END) AS TIMESTAMPTZ) AS seen, i FROM range(120) r(i)`;

  async function trainAndScore(kind: NodeDriverKind): Promise<{ predictions: number[]; seen: number[] }> {
    const client = engine(kind).client;
    await client.run('sql.run', { sql: TABLE });
    await client.run('sql.run', { sql: "CREATE OR REPLACE TABLE visits_y AS SELECT seen, CASE WHEN epoch_us(seen) >= epoch_us(TIMESTAMPTZ '2021-03-15 12:00:00+00') THEN 1 ELSE 0 END AS y FROM visits" });
    const trained = await client.run('model.train', { source: { table: 'visits_y' }, target: 'y', features: ['seen'], params: { num_boost_round: 5, max_depth: 2 }, split: { kind: 'random', validFraction: 0.25, seed: 3 } } as never);
    await client.run('model.predict', { modelId: trained.model.modelId, source: { sql: 'SELECT * FROM visits_y ORDER BY seen' }, outputTable: 'visits_p' });
    const rows = await queryRows(client, 'SELECT epoch_us(seen) AS us, prediction FROM visits_p ORDER BY seen');
    return { predictions: numbers(rows, 'prediction'), seen: numbers(rows, 'us') };
  }

  it.each(KINDS)('on %s: trains (the feature is the instant, epoch seconds) and separates the classes', async (kind) => {
    const { predictions, seen } = await trainAndScore(kind);
    const cut = Date.UTC(2021, 2, 15, 12) * 1000;
    const low = Math.max(...predictions.filter((_, i) => (seen[i] as number) < cut));
    const high = Math.min(...predictions.filter((_, i) => (seen[i] as number) >= cut));
    expect(low).toBeLessThan(high);
  });

  it('the same predictions on native DuckDB in New York time as on duckdb-wasm', async () => {
    expect((await trainAndScore('native')).predictions).toEqual((await trainAndScore('wasm')).predictions);
  });

  it("a pack with the model as a tag: golden rows print the TIMESTAMPTZ in UTC, the same pack on both drivers", async () => {
    // One model (trained on wasm) tags the same table on both drivers; only the golden rows' text could differ.
    const wasm = engine('wasm').client;
    await trainAndScore('native');
    await trainAndScore('wasm');
    const models = await wasm.run('model.list', {});
    const modelId = models[models.length - 1]?.modelId as string;
    const { json } = await wasm.run('model.export', { modelId });
    const build = (kind: NodeDriverKind): Promise<PackInfo> =>
      engine(kind).client.run('pack.build', {
        tagSet: { schema: 'assay.tagset/1', tags: [{ id: 'late', name: 'late visit', group: 'predictive', definition: { kind: 'model', modelJson: JSON.parse(json) as unknown, threshold: 0.5 } }] },
        table: 'visits_y',
        name: 'visit tags',
        version: '1.0.0',
        createdAt: '2026-12-04T12:00:00.000Z',
      });
    const [w, n] = [await build('wasm'), await build('native')];
    const seen = w.pack.golden.rows.map((r) => r.values.seen);
    expect(seen.length).toBeGreaterThan(0);
    for (const v of seen) expect(v).toMatch(/^2021-0[23]-\d\d \d\d:[03]0:00\+00$/);
    expect(n.pack.golden).toEqual(w.pack.golden);
    expect(n.pack.contentHash).toBe(w.pack.contentHash);
    // The golden rows read back (text to TIMESTAMPTZ) and tag as recorded on both drivers.
    for (const kind of KINDS) {
      const checked = await engine(kind).client.run('pack.validate', { text: writePack(w.pack) });
      expect(checked.golden.mismatches).toEqual([]);
      expect(checked.ok).toBe(true);
    }
  });
});

describe('exported feature SQL on a TIMESTAMPTZ time column', { timeout: 120_000 }, () => {
  const form: FeatureForm = { template: 'all', table: 'ev', key: 'k', time: 't', value: 'amount', windows: [1, 3], asOf: '' };
  const tags = [ruleTag('recent', 'recency <= 0'), ruleTag('night', 'hour_01 > 0.5')];

  /** The app's features and a pack on them, built on duckdb-wasm. */
  async function appPack(): Promise<{ step: FeatureStep; rows: Array<Record<string, unknown>>; info: PackInfo }> {
    const client = engine('wasm').client;
    const generated = await client.run('features.generate', form);
    if (!generated.step) throw new Error('the feature step cannot travel in a pack');
    await client.run('features.build', { sql: generated.sql, outputTable: 'ev_features', replace: true, step: generated.step });
    const rows = await queryRows(client, 'SELECT * FROM ev_features ORDER BY k');
    const info = await client.run('pack.build', { tagSet: { schema: 'assay.tagset/1', tags }, table: 'ev_features', name: 'ev tags', version: '1.0.0', createdAt: '2026-12-04T12:00:00.000Z' });
    return { step: generated.step, rows, info };
  }

  // Counts differ in type between the two texts (the export's sums are HUGEINT, which Arrow gives
  // as a big-number array): compare them as numbers.
  const count = (v: unknown): unknown => (typeof v === 'bigint' || ArrayBuffer.isView(v) ? Number(String(v)) : v);
  const plain = (rows: Array<Record<string, unknown>>): Array<Record<string, unknown>> => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, count(v)])));

  it("the step records the zoned kind, and the pack (read back through the schema) carries it", async () => {
    const { step, info } = await appPack();
    expect(step.timeKind).toBe('timestamptz');
    const { pack } = await readPack(writePack(info.pack));
    expect(pack.features?.timeKind).toBe('timestamptz');
    // A pack written before the kind existed recorded the column as 'text': it still reads.
    const older = JSON.parse(writePack(info.pack)) as { features: { timeKind: string } };
    older.features.timeKind = 'text';
    await expect(readPack(JSON.stringify(older), { verifyHash: false })).resolves.toMatchObject({ pack: { features: { timeKind: 'text' } } });
  });

  it.each(KINDS)("the DuckDB export run on %s (native in New York time) gives the app's features and tags", async (kind) => {
    const { step, rows, info } = await appPack();
    const client = engine(kind).client;
    const { ctes } = featureStepCtes(step, DIALECTS.duckdb, { table: ['ev'] });
    const exported = await queryRows(client, `WITH ${ctes.join(',\n')}\nSELECT * FROM assay_features ORDER BY k`);
    expect(plain(exported)).toEqual(plain(rows));
    // The UTC hours and days moved nothing (b's event is 01:30 UTC on a Saturday, 20:30 on Friday in New York).
    expect(numbers(exported, 'hour_01')).toEqual([2 / 3, 1, 0]);
    expect(numbers(exported, 'weekday_sat')).toEqual([0, 1, 0]);
    expect(plain(exported).map((r) => r.event_count_1d)).toEqual([0, 1, 0]);
    const fired = await queryRows(client, `SELECT k, recent, night FROM (${packToSql(info.pack, 'duckdb', { header: false })}) ORDER BY k`);
    expect(fired).toEqual([
      { k: 'a', recent: false, night: true },
      { k: 'b', recent: true, night: true },
      { k: 'c', recent: false, night: false },
    ]);
  });

  it('Trino reads the zoned column at UTC; every other dialect parses', async () => {
    const { info } = await appPack();
    const sql = Object.fromEntries(SQL_DIALECTS.map((d) => [d, packToSql(info.pack, d)])) as Record<SqlDialect, string>;
    expect(sql.trino).toContain(`CAST("t" AT TIME ZONE 'UTC' AS TIMESTAMP) AS event_time`);
    expect(sql.duckdb).toContain(`${utcWallClock('"t"')} AS event_time`);
    const dialects = SQL_DIALECTS.filter((d) => d !== 'duckdb') as Array<Exclude<SqlDialect, 'duckdb'>>;
    const errors = await Promise.all(dialects.map((d) => grammarErrors(d, [grammarCompatible(d, sql[d])])));
    dialects.forEach((d, i) => expect(errors[i], `${d}:\n${sql[d]}`).toEqual([[]]));
  });
});

describe('a time split on a TIMESTAMPTZ column', { timeout: 60_000 }, () => {
  // 48 rows 5 minutes apart from 2021-11-07 04:00 UTC, across New York's repeated hour (01:00-01:59
  // EDT, then EST): wall clocks there reorder the rows. y is 1 at 04:xx and 06:xx UTC.
  const start = Date.UTC(2021, 10, 7, 4) / 1000;
  const TABLE = `CREATE OR REPLACE TABLE fallback AS SELECT to_timestamp(${start} + i * 300) AS seen, i AS x,
    CASE WHEN i // 12 IN (0, 2) THEN 1 ELSE 0 END AS y FROM range(48) r(i)`;
  const split: RowSplitSpec = { kind: 'time', timeColumn: 'seen', validFraction: 0.375 };

  it.each(KINDS)('on %s: split values are the UTC instants, and the latest 18 (from 06:30 UTC) validate', async (kind) => {
    const client = engine(kind).client;
    await client.run('sql.run', { sql: TABLE });
    const expression = splitValueExpression(split, [{ name: 'seen', type: 'TIMESTAMP WITH TIME ZONE' }]);
    const values = numbers(await queryRows(client, `SELECT ${expression} AS s FROM fallback ORDER BY x`), 's');
    expect(values).toEqual(Array.from({ length: 48 }, (_, i) => start + i * 300));
    const { valid } = splitRowIndices(48, new Float32Array(48), split, values);
    expect([...valid]).toEqual(Array.from({ length: 18 }, (_, i) => 30 + i));
    // The cut: the earliest validation instant.
    expect(Math.min(...[...valid].map((i) => values[i] as number))).toBe(Date.UTC(2021, 10, 7, 6, 30) / 1000);
  });

  async function train(kind: NodeDriverKind): Promise<unknown> {
    const client = engine(kind).client;
    await client.run('sql.run', { sql: TABLE });
    const trained = await client.run('model.train', { source: { table: 'fallback' }, target: 'y', features: ['x'], params: { num_boost_round: 3, max_depth: 2 }, split } as never);
    return { rows: trained.model.rows, valid: trained.evaluation.valid };
  }

  it.each(KINDS)('on %s: the model validates on the latest UTC rows', async (kind) => {
    // 06:30-06:55 (y = 1) and 07:xx (y = 0); New York wall clocks would hold out 01:45-01:55 of both hours.
    expect(await train(kind)).toMatchObject({ rows: { train: 30, valid: 18 }, valid: { binary: { rows: 18, positives: 6 } } });
  });

  it('the same split and validation on native DuckDB in New York time as on duckdb-wasm', async () => {
    expect(await train('native')).toEqual(await train('wasm'));
  });
});
