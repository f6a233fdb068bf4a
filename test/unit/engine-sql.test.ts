import fs from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';
import { samples } from '../helpers/paths';

let engine: NodeEngine;

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'path', path: samples.shoppers } });
});
afterAll(async () => {
  await engine.close();
});


describe('profile', () => {
  it('gives exact counts on the online shoppers sample', async () => {
    const p = await engine.client.run('data.profile', { table: 'online_shoppers_intention' });
    expect(p.rowCount).toBe(12_330);
    expect(p.sampledRows).toBeNull();
    const revenue = p.columns.find((c) => c.name === 'Revenue');
    expect(revenue?.kind).toBe('boolean');
    expect(revenue?.topK).toEqual([{ value: 'false', count: 10_422 }, { value: 'true', count: 1_908 }]);
    const admin = p.columns.find((c) => c.name === 'Administrative');
    expect(admin).toMatchObject({ kind: 'numeric', min: 0, max: 27, nullCount: 0 });
    expect(admin?.histogram?.reduce((s, b) => s + b.count, 0)).toBe(12_330);
    expect(admin?.quantiles?.find((q) => q.q === 0.5)?.value).toBe(1);
    const month = p.columns.find((c) => c.name === 'Month');
    expect(month?.topK?.[0]).toEqual({ value: 'May', count: 3_364 });
    expect(month).toMatchObject({ distinct: 10, distinctExact: true });
    expect(month?.samples.length).toBeGreaterThan(0);
  });

  it('computes mean and std that match an independent computation', async () => {
    const p = await engine.client.run('data.profile', { table: 'online_shoppers_intention', columns: ['PageValues'] });
    const text = fs.readFileSync(samples.shoppers, 'utf8').trim().split('\n');
    const index = (text[0] ?? '').split(';').indexOf('PageValues');
    const values = text.slice(1).map((l) => Number(l.split(';')[index]));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
    expect(p.columns[0]?.mean).toBeCloseTo(mean, 9);
    expect(p.columns[0]?.std).toBeCloseTo(std, 9);
  });

  it('samples distributions on big tables and says so', async () => {
    await engine.client.run('sql.run', { sql: 'CREATE TABLE big AS SELECT range AS id, (range % 1000) / 10.0 AS x, NULL::INTEGER AS empty FROM range(300000)' });
    const p = await engine.client.run('data.profile', { table: 'big' });
    const sampled = p.sampledRows as number;
    expect(sampled).toBeGreaterThan(60_000);
    expect(sampled).toBeLessThan(140_000);
    const x = p.columns.find((c) => c.name === 'x');
    expect(x).toMatchObject({ min: 0, max: 99.9, nullCount: 0 });
    expect(x?.histogram?.reduce((s, b) => s + b.count, 0)).toBe(sampled);
    // Same seed, same sample.
    expect((await engine.client.run('data.profile', { table: 'big' })).sampledRows).toBe(sampled);
    const empty = p.columns.find((c) => c.name === 'empty');
    expect(empty).toMatchObject({ nullCount: 300_000, nullFraction: 1, min: null, histogram: null });
  });
});

describe('SQL', () => {
  it('keeps a result for windowed fetches', async () => {
    const r = await engine.client.run('sql.run', { sql: 'SELECT range AS i FROM range(1000000)', preview: 10 });
    expect(r.rowCount).toBe(1_000_000);
    expect(r.resultId).not.toBeNull();
    expect(tableFromIPC(r.preview).numRows).toBe(10);
    const w = await engine.client.run('sql.fetch', { resultId: r.resultId as string, offset: 999_990, limit: 500 });
    const t = tableFromIPC(w.ipc);
    expect(w.rowCount).toBe(10);
    expect(Number(t.getChild('i')?.get(0))).toBe(999_990);
    expect((await engine.client.run('sql.release', { resultId: r.resultId as string })).released).toBe(true);
    const gone = await failure(engine.client.run('sql.fetch', { resultId: r.resultId as string, offset: 0, limit: 1 }));
    expect(gone.code).toBe('NOT_FOUND');
  });

  it('reports the exact position of a syntax error, also after earlier statements', async () => {
    const e = await failure(engine.client.run('sql.run', { sql: 'SELECT 1;\nSELECT *\n  FORM online_shoppers_intention' }));
    expect(e.code).toBe('SQL_ERROR');
    expect(e.message).toMatch(/syntax error at or near/);
    expect(e.detail?.position).toMatchObject({ line: 3, column: 8 });
    const binder = await failure(engine.client.run('sql.run', { sql: 'SELECT nope FROM online_shoppers_intention' }));
    expect(binder.message).toMatch(/nope/);
    expect(binder.detail?.position).toMatchObject({ line: 1, column: 8 });
  });

  it('runs statements that change the catalog and says so', async () => {
    const r = await engine.client.run('sql.run', { sql: "CREATE TABLE t1 AS SELECT 1 AS a; INSERT INTO t1 VALUES (2); SELECT sum(a) AS s FROM t1" });
    expect(r.catalogChanged).toBe(true);
    expect(Number(tableFromIPC(r.preview).get(0)?.toJSON().s)).toBe(3);
    const d = await engine.client.run('sql.run', { sql: 'DESCRIBE t1' });
    expect(d.resultId).toBeNull();
    expect(d.rowCount).toBe(1);
  });

  it('rejects empty SQL', async () => {
    expect((await failure(engine.client.run('sql.run', { sql: '  -- nothing\n;' }))).code).toBe('BAD_INPUT');
  });

  it('exports CSV that round-trips', async () => {
    const r = await engine.client.run('sql.run', { sql: "SELECT 'a,b' AS s, 1 AS n UNION ALL SELECT 'say \"hi\"', NULL" });
    const e = await engine.client.run('data.export', { from: { resultId: r.resultId as string }, format: 'csv' });
    expect(e.rowCount).toBe(2);
    expect(new TextDecoder().decode(e.bytes as Uint8Array)).toBe('s,n\n"a,b",1\n"say ""hi""",\n');
  });
});

describe('catalog', () => {
  it('renames, changes types, refuses bad casts without changing the table, and drops', async () => {
    await engine.client.run('sql.run', { sql: "CREATE TABLE cat_t AS SELECT * FROM (VALUES ('1', 'x'), ('2', 'y')) v(num, word)" });
    const renamed = await engine.client.run('data.rename', { table: 'cat_t', newName: 'cat renamed' });
    expect(renamed.name).toBe('cat renamed');
    const typed = await engine.client.run('data.alterType', { table: 'cat renamed', column: 'num', type: 'INTEGER' });
    expect(typed.columns[0]?.type).toBe('INTEGER');
    const bad = await failure(engine.client.run('data.alterType', { table: 'cat renamed', column: 'word', type: 'INTEGER' }));
    expect(bad.code).toBe('BAD_INPUT');
    expect(bad.message).toMatch(/Cannot change "word" from VARCHAR to INTEGER.*unchanged/);
    const still = (await engine.client.run('data.catalog', {})).find((t) => t.name === 'cat renamed');
    expect(still?.columns[1]?.type).toBe('VARCHAR');
    const badType = await failure(engine.client.run('data.alterType', { table: 'cat renamed', column: 'num', type: 'INT; DROP TABLE x' as 'INTEGER' }));
    expect(badType.code).toBe('BAD_INPUT');
    await engine.client.run('data.drop', { table: 'cat renamed' });
    const missing = await failure(engine.client.run('data.drop', { table: 'cat renamed' }));
    expect(missing.code).toBe('NOT_FOUND');
  });
});
