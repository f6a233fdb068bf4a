import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureForm } from '../../workers/api';
import { createRng } from '../../workers/gbdt/rng';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { generateFeatureSql, parseAsOf } from '../../workers/segments/features';
import { failure } from '../helpers/engine';
import { samples, sharedDatasets, tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('segments-features');
const fullRetail = samples.retailFull;
const taobao = path.join(sharedDatasets, 'taobao_userbehavior_sample', 'UserBehavior_sample.csv');
const CLEANING = `NOT starts_with("InvoiceNo", 'C') AND "Quantity" > 0 AND "UnitPrice" > 0`;

let engine: NodeEngine;
beforeAll(async () => {
  engine = await createInProcessEngine();
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A plain CSV parser (quotes, doubled quotes), independent of DuckDB. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

interface Rfm {
  recency: number;
  frequency: number;
  monetary: number;
}

/** RFM the textbook way, in plain JS over the CSV rows: the independent reference. */
function rfmInJs(csv: string, asOf: string, only?: Set<string>): Map<string, Rfm> {
  const [header, ...rows] = parseCsv(csv);
  const col = (name: string): number => (header as string[]).indexOf(name);
  const [inv, qty, date, price, cust] = ['InvoiceNo', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID'].map(col) as [number, number, number, number, number];
  const snapshot = Date.parse(`${asOf}T00:00:00Z`);
  const acc = new Map<string, { last: number; invoices: Set<string>; money: number }>();
  for (const r of rows) {
    const id = r[cust] ?? '';
    if (id === '' || (only && !only.has(id))) continue;
    const invoice = r[inv] as string;
    const q = Number(r[qty]);
    const p = Number(r[price]);
    if (invoice.startsWith('C') || !(q > 0) || !(p > 0)) continue;
    const t = Date.parse(`${(r[date] as string).replace(' ', 'T')}Z`);
    if (t >= snapshot) continue;
    const a = acc.get(id) ?? { last: -Infinity, invoices: new Set<string>(), money: 0 };
    a.last = Math.max(a.last, t);
    a.invoices.add(invoice);
    a.money += q * p;
    acc.set(id, a);
  }
  return new Map([...acc].map(([id, a]) => [id, { recency: Math.floor((snapshot - a.last) / 86_400_000), frequency: a.invoices.size, monetary: a.money }]));
}

async function tableRows(sql: string): Promise<Array<Record<string, unknown>>> {
  const result = await engine.client.run('sql.run', { sql, preview: 10_000 });
  return tableFromIPC(result.preview).toArray().map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
}

const retailForm = (table: string): FeatureForm => ({
  template: 'rfm',
  table,
  key: 'CustomerID',
  time: 'InvoiceDate',
  order: 'InvoiceNo',
  value: '"Quantity" * "UnitPrice"',
  asOf: '2011-12-10',
  where: CLEANING,
});

describe('feature SQL generation (no engine)', () => {
  const columns = [
    { name: 'user', type: 'BIGINT' },
    { name: 'ts', type: 'TIMESTAMP' },
    { name: 'kind', type: 'VARCHAR' },
  ];

  it('checks the as-of date', () => {
    expect(parseAsOf('2011-12-10')).toBe('2011-12-10');
    expect(() => parseAsOf('2011-13-01')).toThrow(/YYYY-MM-DD|calendar/);
    expect(() => parseAsOf('2011-02-30')).toThrow(/not a calendar day/);
    expect(() => parseAsOf('10/12/2011')).toThrow(/YYYY-MM-DD/);
    expect(() => parseAsOf(undefined)).toThrow(/YYYY-MM-DD/);
  });

  it('names missing columns and the columns there are', () => {
    expect(() => generateFeatureSql({ template: 'rfm', table: 't', key: 'customer', time: 'ts', asOf: '2020-01-01' }, { columns })).toThrow(
      /entity key column "customer" is not in table "t" \(its columns: user, ts, kind\)/,
    );
    expect(() => generateFeatureSql({ template: 'funnel', table: 't', key: 'user', time: 'ts', asOf: '2020-01-01' }, { columns })).toThrow(/needs an event type column/);
    expect(() => generateFeatureSql({ template: 'rfm', table: 't', key: 'user', time: 'ts', asOf: '2020-01-01', value: 'a; DROP TABLE t' }, { columns })).toThrow(/without ";"/);
  });

  it('quotes hostile identifiers and literals and keeps comments on one line', () => {
    const hostile = [
      { name: 'id "x"', type: 'VARCHAR' },
      { name: 'when\nDROP', type: 'TIMESTAMP' },
      { name: "cat's", type: 'VARCHAR' },
    ];
    const { sql, columns: out } = generateFeatureSql(
      { template: 'all', table: 'my "table"', key: 'id "x"', time: 'when\nDROP', category: "cat's", asOf: '2020-01-01' },
      { columns: hostile, topCategories: ["O'Brien", 'a"b'] },
    );
    expect(sql).toContain('FROM "my ""table"""');
    expect(sql).toContain('"id ""x""" AS entity_key');
    expect(sql).toContain("category = 'O''Brien'");
    expect(sql).toContain('"cat_o_brien"');
    expect(out[0]).toBe('id "x"');
    // A line break in a name stays inside its quotes, and never ends the header comment early.
    const newlineKey = generateFeatureSql({ template: 'rfm', table: 't', key: 'a\nDROP TABLE t', time: 'ts', asOf: '2020-01-01' }, { columns: [{ name: 'a\nDROP TABLE t', type: 'VARCHAR' }, ...columns] });
    expect(newlineKey.sql.split('\n').slice(0, 2).every((l) => l.startsWith('--'))).toBe(true);
    expect(newlineKey.sql).toContain('"a\nDROP TABLE t" AS entity_key');
  });
});

describe('features.generate and features.build on Online Retail', () => {
  it('matches plain-JS RFM for every customer of the shipped sample', async () => {
    await engine.client.run('data.open', { source: { kind: 'path', path: samples.retail }, tableName: 'retail_sample' });
    const generated = await engine.client.run('features.generate', retailForm('retail_sample'));
    expect(generated.columns).toEqual(['CustomerID', 'recency', 'frequency', 'monetary', 'aov', 'active_days', 'tenure_days', 'event_count']);
    expect(generated.sql).toMatch(/^-- Assay feature table \(rfm\)/);
    const built = await engine.client.run('features.build', { sql: generated.sql, outputTable: 'retail_rfm' });
    const expected = rfmInJs(fs.readFileSync(samples.retail, 'utf8'), '2011-12-10');
    expect(built.rowCount).toBe(expected.size);
    expect(built.warnings).toEqual([]);
    const rows = await tableRows('SELECT * FROM retail_rfm');
    for (const row of rows) {
      const want = expected.get(String(row.CustomerID));
      expect(want, `customer ${String(row.CustomerID)}`).toBeDefined();
      expect(Number(row.recency)).toBe(want?.recency);
      expect(Number(row.frequency)).toBe(want?.frequency);
      expect(Number(row.monetary)).toBeCloseTo(want?.monetary ?? NaN, 6);
      expect(Number(row.aov)).toBeCloseTo((want?.monetary ?? NaN) / (want?.frequency ?? NaN), 6);
    }
  });

  it('gives 4,338 customers on the full Online Retail file', { timeout: 120_000 }, async () => {
    await engine.client.run('data.open', { source: { kind: 'path', path: fullRetail }, tableName: 'online_retail' });
    const generated = await engine.client.run('features.generate', retailForm('online_retail'));
    const built = await engine.client.run('features.build', { sql: generated.sql, outputTable: 'online_retail_rfm' });
    expect(built.rowCount).toBe(4_338);
    const [stats] = await tableRows('SELECT avg(recency) AS r, median(recency) AS rm, avg(frequency) AS f, max(frequency) AS fmax, sum(monetary) AS m FROM online_retail_rfm');
    // The published reference figures for this cleaning (SOURCE.md, computed in R).
    expect(Number(stats?.r)).toBeCloseTo(92.06, 2);
    expect(Number(stats?.rm)).toBe(50);
    expect(Number(stats?.f)).toBeCloseTo(4.27, 2);
    expect(Number(stats?.fmax)).toBe(209);
    expect(Number(stats?.m)).toBeCloseTo(8_911_407.9, 1);
    // A few customers, recomputed in plain JS from the raw lines.
    const ids = new Set(['12346', '12347', '14911', '17850', '18287']);
    const csv = zlib.gunzipSync(fs.readFileSync(fullRetail)).toString('utf8');
    const lines = csv.split('\n');
    const picked = [lines[0] as string, ...lines.filter((l) => [...ids].some((id) => l.includes(`,${id},`)))].join('\n');
    const expected = rfmInJs(picked, '2011-12-10', ids);
    const rows = await tableRows(`SELECT * FROM online_retail_rfm WHERE "CustomerID" IN (${[...ids].join(', ')}) ORDER BY 1`);
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      const want = expected.get(String(row.CustomerID)) as Rfm;
      expect([Number(row.recency), Number(row.frequency)]).toEqual([want.recency, want.frequency]);
      expect(Number(row.monetary)).toBeCloseTo(want.monetary, 6);
    }
  });
});

describe('funnel, category and time features', () => {
  it('counts a hand-made log and computes its rates, shares and RFM over purchases', async () => {
    const log = [
      'user,ts,kind,cat,price',
      'u1,2024-03-04 09:15:00,pv,shoes,0', // Monday
      'u1,2024-03-04 09:20:00,pv,shoes,0',
      'u1,2024-03-04 09:30:00,pv,hats,0',
      'u1,2024-03-04 09:31:00,cart,shoes,0',
      'u1,2024-03-05 21:00:00,buy,shoes,30', // Tuesday
      'u1,2024-03-05 21:05:00,fav,hats,0',
      'u2,2024-03-06 10:00:00,pv,hats,0',
      'u2,2024-03-06 10:01:00,pv,hats,0',
      'u3,2024-03-07 23:59:00,pv,socks,0',
      'u3,2024-03-09 00:00:00,pv,socks,0', // on the as-of day: left out
    ].join('\n');
    await engine.client.run('data.open', { source: { kind: 'bytes', name: 'log.csv', bytes: new TextEncoder().encode(log) }, tableName: 'log' });
    const generated = await engine.client.run('features.generate', {
      template: 'all',
      table: 'log',
      key: 'user',
      time: 'ts',
      eventType: 'kind',
      category: 'cat',
      value: 'price',
      topCategories: 2,
      asOf: '2024-03-09',
    });
    expect(generated.categories).toEqual(['hats', 'shoes']);
    await engine.client.run('features.build', { sql: generated.sql, outputTable: 'log_features' });
    const rows = await tableRows('SELECT * FROM log_features ORDER BY "user"');
    expect(rows.map((r) => r.user)).toEqual(['u1', 'u2', 'u3']);
    const [u1, u2, u3] = rows as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect([u1.view_count, u1.cart_count, u1.fav_count, u1.purchase_count].map(Number)).toEqual([3, 1, 1, 1]);
    expect(Number(u1.view_to_cart_rate)).toBeCloseTo(1 / 3, 12);
    expect(Number(u1.cart_to_purchase_rate)).toBe(1);
    expect(Number(u1.view_to_purchase_rate)).toBeCloseTo(1 / 3, 12);
    expect(Number(u1.view_to_fav_rate)).toBeCloseTo(1 / 3, 12);
    expect(u2.cart_to_purchase_rate).toBeNull(); // no cart: no rate
    expect(Number(u2.view_to_cart_rate)).toBe(0);
    // RFM over purchases: u1 bought once, 30, on 03-05 21:00 -> 3 whole days before 03-09.
    expect([Number(u1.recency), Number(u1.frequency), Number(u1.monetary)]).toEqual([3, 1, 30]);
    expect(u2.recency).toBeNull();
    expect(Number(u2.frequency)).toBe(0);
    expect(Number(u1.tenure_days)).toBe(4);
    expect(Number(u1.active_days)).toBe(2);
    expect(Number(u3.event_count)).toBe(1);
    // Shares: u1 has 6 events, 4 on shoes, 2 on hats; 4 at 09:xx, 2 at 21:xx; 4 on Monday, 2 on Tuesday.
    expect(Number(u1.cat_shoes)).toBeCloseTo(4 / 6, 12);
    expect(Number(u1.cat_hats)).toBeCloseTo(2 / 6, 12);
    expect(Number(u3.cat_other)).toBe(1);
    expect(Number(u1.hour_09)).toBeCloseTo(4 / 6, 12);
    expect(Number(u1.hour_21)).toBeCloseTo(2 / 6, 12);
    expect(Number(u1.weekday_mon)).toBeCloseTo(4 / 6, 12);
    expect(Number(u1.weekday_tue)).toBeCloseTo(2 / 6, 12);
    expect(Number(u3.hour_23)).toBe(1);
    expect(Number(u1.category_count)).toBe(2);
  });

  it('builds Taobao-style user tables from a seeded event log with Unix times, matching plain-JS counts', async () => {
    const rng = createRng(7);
    const types = ['pv', 'pv', 'pv', 'pv', 'pv', 'pv', 'pv', 'cart', 'fav', 'buy'];
    const lines = ['user_id,item_id,category_id,behavior_type,timestamp'];
    const expected = new Map<number, Record<string, number>>();
    const start = Date.UTC(2017, 10, 24, 16) / 1000; // 2017-11-25 00:00 in Asia/Shanghai
    for (let i = 0; i < 3000; i++) {
      const user = 1 + Math.floor(rng() * 40);
      const type = types[Math.floor(rng() * types.length)] as string;
      const ts = start + Math.floor(rng() * 9 * 86400);
      lines.push(`${user},${1000 + Math.floor(rng() * 500)},${Math.floor(rng() * 5)},${type},${ts}`);
      if (ts >= start + 8 * 86400) continue; // on or after 2017-12-03 in Shanghai
      const e = expected.get(user) ?? { pv: 0, cart: 0, fav: 0, buy: 0 };
      e[type] = (e[type] ?? 0) + 1;
      expected.set(user, e);
    }
    writeFixture(dir, 'events.csv', lines.join('\n'));
    await engine.client.run('data.open', { source: { kind: 'path', path: path.join(dir, 'events.csv') }, tableName: 'tb_events' });
    const generated = await engine.client.run('features.generate', { template: 'funnel', table: 'tb_events', key: 'user_id', time: 'timestamp', utcOffsetHours: 8, eventType: 'behavior_type', asOf: '2017-12-03' });
    expect(generated.sql).toContain('epoch_ms(CAST("timestamp" * 1000 AS BIGINT)) + INTERVAL 480 MINUTE');
    const built = await engine.client.run('features.build', { sql: generated.sql, outputTable: 'tb_users' });
    expect(built.rowCount).toBe(expected.size);
    for (const row of await tableRows('SELECT * FROM tb_users')) {
      const e = expected.get(Number(row.user_id)) as Record<string, number>;
      expect([row.view_count, row.cart_count, row.fav_count, row.purchase_count].map(Number)).toEqual([e.pv, e.cart, e.fav, e.buy]);
      if (e.cart) expect(Number(row.cart_to_purchase_rate)).toBeCloseTo((e.buy ?? 0) / e.cart, 12);
    }
  });

  it.skipIf(!fs.existsSync(taobao))('gives the published counts on the Taobao UserBehavior sample (research-only data in ../shared; skipped where absent)', async () => {
    await engine.client.run('data.open', { source: { kind: 'path', path: taobao }, tableName: 'taobao' });
    const generated = await engine.client.run('features.generate', { template: 'all', table: 'taobao', key: 'user_id', time: 'timestamp', utcOffsetHours: 8, eventType: 'behavior_type', category: 'category_id', asOf: '' });
    const built = await engine.client.run('features.build', { sql: generated.sql, outputTable: 'taobao_users' });
    expect(built.rowCount).toBe(814);
    const [s] = await tableRows('SELECT sum(view_count) AS pv, sum(cart_count) AS cart, sum(fav_count) AS fav, sum(purchase_count) AS buy, count(*) FILTER (WHERE purchase_count > 0) AS buyers FROM taobao_users');
    expect([s?.pv, s?.cart, s?.fav, s?.buy, s?.buyers].map(Number)).toEqual([75_693, 4_494, 2_351, 1_749, 558]);
  });
});

describe('bad input', () => {
  beforeAll(async () => {
    const csv = 'we"ird key,time of day,it\'s value\na,2024-01-01 10:00:00,1.5\na,2024-01-02 10:00:00,2\nb,2024-01-03 10:00:00,4\n';
    await engine.client.run('data.open', { source: { kind: 'bytes', name: 'hostile.csv', bytes: new TextEncoder().encode(csv) }, tableName: 'hostile table' });
    await engine.client.run('sql.run', { sql: 'CREATE TABLE empty_events (k VARCHAR, t TIMESTAMP)' });
  });

  it('works with quotes and spaces in table and column names', async () => {
    const generated = await engine.client.run('features.generate', { template: 'rfm', table: 'hostile table', key: 'we"ird key', time: 'time of day', value: `"it's value"`, asOf: '2024-01-04' });
    const built = await engine.client.run('features.build', { sql: generated.sql, outputTable: "out 'x'" });
    expect(built.columns[0]?.name).toBe('we"ird key');
    const rows = await tableRows(`SELECT * FROM "out 'x'" ORDER BY 1`);
    expect(rows.map((r) => [r['we"ird key'], Number(r.frequency), Number(r.monetary)])).toEqual([
      ['a', 2, 3.5],
      ['b', 1, 4],
    ]);
  });

  it('says which column is missing, which date is wrong, and that an empty table gives nothing', async () => {
    const missing = await failure(engine.client.run('features.generate', { template: 'rfm', table: 'hostile table', key: 'nope', time: 'time of day', asOf: '2024-01-04' }));
    expect(missing.code).toBe('BAD_INPUT');
    expect(missing.message).toMatch(/"nope" is not in table "hostile table"/);
    const badDate = await failure(engine.client.run('features.generate', { template: 'rfm', table: 'hostile table', key: 'we"ird key', time: 'time of day', asOf: '2024-02-31' }));
    expect(badDate.code).toBe('BAD_INPUT');
    expect(badDate.message).toMatch(/2024-02-31 is not a calendar day/);
    const noTable = await failure(engine.client.run('features.generate', { template: 'rfm', table: 'nowhere', key: 'k', time: 't', asOf: '2024-02-01' }));
    expect(noTable.code).toBe('NOT_FOUND');
    const generated = await engine.client.run('features.generate', { template: 'rfm', table: 'empty_events', key: 'k', time: 't', asOf: '2024-02-01' });
    const empty = await failure(engine.client.run('features.build', { sql: generated.sql, outputTable: 'empty_features' }));
    expect(empty.code).toBe('BAD_INPUT');
    expect(empty.message).toMatch(/returned no rows/);
    expect((await engine.client.run('data.catalog', {} as never)).map((t) => t.name)).not.toContain('empty_features');
  });

  it('points at the line and column of a mistake in edited SQL, and refuses several statements or a taken name', async () => {
    const generated = await engine.client.run('features.generate', { template: 'rfm', table: 'hostile table', key: 'we"ird key', time: 'time of day', asOf: '2024-01-04' });
    const lines = generated.sql.split('\n');
    const at = lines.findIndex((l) => l.includes('count(*) AS "event_count"'));
    lines[at] = '  count(*) AS "event_count", nosuchcolumn + 1 AS broken';
    const err = await failure(engine.client.run('features.build', { sql: lines.join('\n'), outputTable: 'broken' }));
    expect(err.code).toBe('SQL_ERROR');
    expect(err.detail?.position?.line).toBe(at + 1);
    expect(err.detail?.position?.column).toBe((lines[at] as string).indexOf('nosuchcolumn') + 1);
    const two = await failure(engine.client.run('features.build', { sql: 'SELECT 1; SELECT 2', outputTable: 'two' }));
    expect(two.message).toMatch(/one query/);
    const taken = await failure(engine.client.run('features.build', { sql: generated.sql, outputTable: 'hostile table' }));
    expect(taken.message).toMatch(/already exists/);
    const replaced = await engine.client.run('features.build', { sql: generated.sql, outputTable: 'hostile table', replace: true });
    expect(replaced.rowCount).toBe(2);
  });

  it('cancels a long build and leaves no table behind', async () => {
    const handle = engine.client.start('features.build', { sql: 'SELECT x % 1000 AS k, count(*) AS n FROM range(20000000000) t(x) GROUP BY 1', outputTable: 'never' });
    await new Promise((r) => setTimeout(r, 400));
    handle.cancel();
    const err = await failure(handle.result);
    expect(err.code).toBe('CANCELLED');
    const names = (await engine.client.run('data.catalog', {} as never)).map((t) => t.name);
    expect(names).not.toContain('never');
    const tables = await tableRows("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE '__assay_features_stage_%'");
    expect(Number(tables[0]?.n)).toBe(0);
  });
});
