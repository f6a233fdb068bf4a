/**
 * Packs that carry their features: a pack built on a feature table that features.build made from
 * raw events records the step, and its export goes from the raw events to the tags. The DuckDB
 * export must give exactly the in-app features and tags (every entity, every column, every tag),
 * and every other dialect must parse.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureForm, FeatureSqlResult, PackInfo } from '../../workers/api';
import { DIALECTS } from '../../workers/packs/dialects/dialect';
import { featureStepCtes } from '../../workers/packs/dialects/feature-sql';
import { packToSql } from '../../workers/packs/dialects/pack-sql';
import { SQL_DIALECTS, type RulePack, type SqlDialect } from '../../workers/packs/schema';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import { grammarCompatible, grammarErrors, queryRows } from '../helpers/packs';
import { samples } from '../helpers/paths';

let engine: NodeEngine;

function ruleTag(id: string, name: string, text: string): Record<string, unknown> {
  return { id, name, group: 'basic', definition: { kind: 'rule', text, ast: parseRule(text) } };
}

/** Features, then a pack on them, the way the app and the CLI do it. */
async function packOnFeatures(form: FeatureForm, tags: Array<Record<string, unknown>>): Promise<{ generated: FeatureSqlResult; info: PackInfo; featureTable: string }> {
  const generated = await engine.client.run('features.generate', form);
  const featureTable = `${form.table}_features`;
  await engine.client.run('features.build', { sql: generated.sql, outputTable: featureTable, replace: true, step: generated.step });
  const info = await engine.client.run('pack.build', {
    tagSet: { schema: 'assay.tagset/1', tags },
    table: featureTable,
    name: `${form.table} tags`,
    version: '1.0.0',
    createdAt: '2026-12-04T12:00:00.000Z',
    goldenRows: 5,
  });
  return { generated, info, featureTable };
}

function close(a: unknown, b: unknown): boolean {
  if (a === null || b === null || a === undefined || b === undefined) return a === b || (a ?? null) === (b ?? null);
  if (typeof a === 'bigint' || typeof b === 'bigint' || typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    return x === y || Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  }
  return String(a) === String(b);
}

/** Every entity, every column: the export's features equal the feature table the app built. */
async function expectSameFeatures(pack: RulePack, featureTable: string): Promise<number> {
  const step = pack.features;
  if (step === null) throw new Error('the pack records no feature step');
  const { ctes } = featureStepCtes(step, DIALECTS.duckdb, { table: [step.table] });
  const key = JSON.stringify(step.key);
  const exported = await queryRows(engine.client, `WITH ${ctes.join(',\n')}\nSELECT * FROM assay_features ORDER BY ${key}`);
  const app = await queryRows(engine.client, `SELECT * FROM "${featureTable}" ORDER BY ${key}`);
  expect(exported.length).toBe(app.length);
  expect(Object.keys(exported[0] ?? {})).toEqual(step.columns);
  expect(Object.keys(app[0] ?? {})).toEqual(step.columns);
  let nonNull = 0;
  app.forEach((row, i) => {
    for (const column of step.columns) {
      const got = exported[i]?.[column];
      if (!close(got, row[column])) expect(got, `${column} of ${String(row[step.key])}`).toEqual(row[column]);
      if (row[column] !== null) nonNull++;
    }
  });
  return nonNull;
}

/** Every entity, every tag: the export run on the raw events equals pack.apply on the app's feature table. */
async function expectSameTags(pack: RulePack, featureTable: string): Promise<Record<string, number>> {
  const key = JSON.stringify(pack.entity.key);
  await engine.client.run('pack.apply', { text: JSON.stringify(pack), table: featureTable, into: 'app_tags' });
  const app = await queryRows(engine.client, `SELECT * FROM app_tags ORDER BY ${key}`);
  const exported = await queryRows(engine.client, `SELECT * FROM (${packToSql(pack, 'duckdb', { header: false })}) ORDER BY ${key}`);
  expect(exported.length).toBe(app.length);
  const fired: Record<string, number> = {};
  app.forEach((row, i) => {
    const got = exported[i] as Record<string, unknown>;
    expect(got[pack.entity.key as string]).toEqual(row[pack.entity.key as string]);
    for (const tag of pack.tags) {
      expect(got[tag.id], `${tag.id} of ${String(row[pack.entity.key as string])}`).toBe(row[tag.id]);
      fired[tag.id] = (fired[tag.id] ?? 0) + (row[tag.id] === true ? 1 : 0);
    }
    expect([...(got.tags as Iterable<string>)]).toEqual([...(row.tags as Iterable<string>)]);
  });
  return fired;
}

/** Packs whose every dialect is parsed at the end, in one grammar process per dialect (each takes seconds to start). */
const toParse: RulePack[] = [];

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'path', path: path.resolve(samples.retail) }, tableName: 'retail', replace: true });
  // Taobao-like events: Unix seconds, a UTC offset, event types, categories and sessions (seeded, via hash()).
  await engine.client.run('sql.run', {
    sql: `CREATE TABLE clicks AS SELECT
      'u' || CAST(i % 97 AS VARCHAR) AS user_id,
      1700000000 + CAST(hash(i) % 2000000 AS BIGINT) AS ts,
      ['pv', 'pv', 'pv', 'cart', 'fav', 'buy'][CAST(hash(i * 3) % 6 AS INTEGER) + 1] AS behavior,
      'c' || CAST(hash(i * 7) % 12 AS VARCHAR) AS category_id,
      i // 5 AS session_id,
      'i' || CAST(hash(i * 11) % 60 AS VARCHAR) AS item_id,
      CAST(hash(i * 13) % 1000 AS DOUBLE) / 10 AS price
    FROM range(4000) t(i)`,
  });
}, 60_000);
afterAll(async () => {
  await engine.close();
});

describe('a pack carries the feature step that made its table', { timeout: 120_000 }, () => {
  it('Online Retail, every template but the funnel: the DuckDB export from the raw rows gives the in-app features and tags, as_of the data snapshot', async () => {
    const form: FeatureForm = {
      template: 'all',
      table: 'retail',
      key: 'CustomerID',
      time: 'InvoiceDate',
      order: 'InvoiceNo',
      value: '"Quantity" * "UnitPrice"',
      category: 'Country',
      topCategories: 4,
      where: `"InvoiceNo" NOT LIKE 'C%' AND "Quantity" > 0 AND "UnitPrice" > 0`,
      asOf: '',
    };
    const tags = [
      ruleTag('recent-buyer', 'Recent buyer', 'recency <= 30'),
      ruleTag('big.spender', 'Big spender', 'monetary > 2000 AND frequency >= 3'),
      ruleTag('loyal', 'Loyal', 'tenure_days >= 300 AND active_days >= 5'),
      ruleTag('afternoon', 'Afternoon shopper', 'hour_14 > 0.3'),
      ruleTag('abroad', 'Abroad', 'cat_united_kingdom < 0.5'),
      ruleTag('weekend', 'Sunday shopper', 'weekday_sun > 0.5'),
      ruleTag('high-aov', 'High order value', 'aov >= 400'),
    ];
    const { generated, info, featureTable } = await packOnFeatures(form, tags);
    // as_of defaults to the data's snapshot (the last invoice is on 2011-12-09), never the build date.
    expect(generated.asOf).toBe('2011-12-10');
    expect(generated.asOfBasis).toBe('snapshot');
    const pack = info.pack;
    expect(pack.asOf).toBe('2011-12-10');
    expect(pack.features).toMatchObject({ template: 'all', table: 'retail', key: 'CustomerID', timeKind: 'timestamp', asOf: '2011-12-10', categories: generated.categories });
    expect(pack.tags.map((t) => t.id)).toEqual(['recent_buyer', 'big_spender', 'loyal', 'afternoon', 'abroad', 'weekend', 'high_aov']);
    expect(await expectSameFeatures(pack, featureTable)).toBeGreaterThan(1000);
    const fired = await expectSameTags(pack, featureTable);
    // Every tag fires on some customers and not on others, so the comparison means something.
    for (const tag of pack.tags) expect(fired[tag.id], tag.id).toBeGreaterThan(0);
    const header = packToSql(pack, 'duckdb').split('\n').filter((l) => l.startsWith('--'));
    expect(header).toContain(`-- schema assay.rulepack/2; target duckdb; as of 2011-12-10`);
    expect(header.join('\n')).toMatch(/cleaning filter: "InvoiceNo" NOT LIKE 'C%' AND "Quantity" > 0 AND "UnitPrice" > 0/);
    toParse.push(pack);
  });

  it('Taobao-like clicks (Unix seconds, UTC+8, funnel, categories, sessions, windows, a lower bound): the DuckDB export equals the app', async () => {
    const form: FeatureForm = {
      template: 'all',
      table: 'clicks',
      key: 'user_id',
      time: 'ts',
      timeUnit: 'seconds',
      utcOffsetHours: 8,
      eventType: 'behavior',
      category: 'category_id',
      topCategories: 5,
      session: 'session_id',
      item: 'item_id',
      windows: [1, 3, 7],
      from: '2023-11-18',
      where: `category_id != 'c11'`,
      asOf: '2023-12-01',
    };
    const tags = [
      ruleTag('carts_a_lot', 'Carts a lot', 'view_to_cart_rate > 0.3'),
      ruleTag('buyer', 'Buyer', 'purchase_count >= 7'),
      ruleTag('recent', 'Recent', 'recency <= 3'),
      ruleTag('night', 'Night owl', 'hour_23 > 0.05'),
      ruleTag('many_sessions', 'Many sessions', 'sessions > 8'),
      ruleTag('weekly_carts', 'Carts this week', 'cart_count_7d >= 2 AND items_3d >= 2'),
    ];
    const { info, featureTable } = await packOnFeatures(form, tags);
    const pack = info.pack;
    expect(pack.features).toMatchObject({ timeKind: 'epoch_seconds', utcOffsetHours: 8, asOf: '2023-12-01', windows: [1, 3, 7], item: 'item_id', from: '2023-11-18' });
    expect(await expectSameFeatures(pack, featureTable)).toBeGreaterThan(500);
    const fired = await expectSameTags(pack, featureTable);
    for (const tag of pack.tags) expect(fired[tag.id], tag.id).toBeGreaterThan(0);
    toParse.push(pack);
  });

  it('every dialect parses (dt-sql-parser): the Online Retail pack (RFM, category and time shares) and a windowed pack on the clicks (Unix seconds, UTC-5:30, spend, items, a lower bound), read from a production table and partition', async () => {
    const form: FeatureForm = { template: 'windowed', table: 'clicks', key: 'user_id', time: 'ts', utcOffsetHours: -5.5, eventType: 'behavior', value: 'price', item: 'item_id', windows: [1, 7], from: '2023-11-18', session: 'session_id', where: `category_id != 'c11'`, asOf: '2023-12-01' };
    const { info } = await packOnFeatures(form, [ruleTag('spender', 'Spender', 'spend_7d > 50')]);
    expect(info.pack.features?.windows).toEqual([1, 7]);
    const packs = [toParse[0] as RulePack, info.pack];
    const from = { table: ['dw', 'events'], where: parseRule(`dt = '2024-01-01' AND region IN ('eu', 'us')`) };
    const dialects = SQL_DIALECTS.filter((d) => d !== 'duckdb') as Array<Exclude<SqlDialect, 'duckdb'>>;
    const texts = dialects.map((dialect) => packs.map((pack) => grammarCompatible(dialect, packToSql(pack, dialect, { from }))));
    for (const sql of texts.flat()) expect(sql).not.toMatch(/current_date|now\(\)/i);
    // One grammar process per dialect, side by side: each takes seconds to start and to learn the grammar on its first text.
    const errors = await Promise.all(dialects.map((dialect, i) => grammarErrors(dialect, texts[i] as string[])));
    dialects.forEach((dialect, i) => packs.forEach((_, j) => expect(errors[i]?.[j], `${dialect}:\n${texts[i]?.[j]}`).toEqual([])));
  });

  it('as_of is a parameter in each engine\'s convention, and the source table and its predicate are printed per dialect', async () => {
    const form: FeatureForm = { template: 'rfm', table: 'retail', key: 'CustomerID', time: 'InvoiceDate', value: '"Quantity" * "UnitPrice"', asOf: '2011-11-01' };
    const { info } = await packOnFeatures(form, [ruleTag('recent', 'Recent', 'recency <= 30')]);
    const pack = info.pack;
    const from = { table: ['dw', 'events'], where: parseRule(`dt = '2024-01-01'`) };
    const sql = Object.fromEntries(SQL_DIALECTS.map((d) => [d, packToSql(pack, d, { from })])) as Record<SqlDialect, string>;
    expect(sql.spark).toContain("CAST('${hivevar:as_of}' AS DATE)");
    expect(sql.hive).toContain("CAST('${hivevar:as_of}' AS DATE)");
    expect(sql.flink).toContain("CAST('${as_of}' AS DATE)");
    expect(sql.trino).toContain("assay_params AS (SELECT DATE '2011-11-01' AS as_of)");
    expect(sql.duckdb).toContain("assay_params AS (SELECT DATE '2011-11-01' AS as_of)");
    expect(sql.spark).toContain('FROM `dw`.`events`');
    expect(sql.spark).toContain("COALESCE((`dt` = '2024-01-01'), FALSE)");
    expect(sql.trino).toContain(`FROM "dw"."events"`);
    for (const text of Object.values(sql)) {
      expect(text).not.toMatch(/current_date/i);
      // The date appears once, where the engine's convention puts it (Spark/Hive/Flink: only in the header note).
      expect(text).toMatch(/-- .*as of 2011-11-01/);
    }
  });
});
