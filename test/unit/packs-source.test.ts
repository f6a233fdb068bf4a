/**
 * Where a pack reads in production (a table name and a partition predicate, given apart and
 * printed per dialect), the CLI path from raw events to a pack and back (pack build --features,
 * pack export --source-table/--source-where, pack apply on the raw file), and the bad input of
 * that path: each a clear error naming the problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCommand } from '../../workers/cli/pack';
import { readPack } from '../../workers/packs/io';
import { parseSourceTable, parseSourceWhere } from '../../workers/packs/source';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import { failure } from '../helpers/engine';
import { samples, tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('packs-source');
const file = (name: string): string => path.join(dir, name);
let engine: NodeEngine;

async function pack(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await packCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'path', path: path.resolve(samples.retail) }, tableName: 'retail', replace: true });
}, 60_000);
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the production source', () => {
  it('a table name is checked (qualified names are fine) and the predicate parsed, each refusal naming the problem', () => {
    expect(parseSourceTable('events')).toEqual(['events']);
    expect(parseSourceTable('dw.events')).toEqual(['dw', 'events']);
    expect(parseSourceTable(' hive.dw.events_2024 ')).toEqual(['hive', 'dw', 'events_2024']);
    for (const bad of ['', 'dw..events', 'dw.events; DROP TABLE x', 'a.b.c.d', 'dw.1events', '"dw".events']) {
      expect(() => parseSourceTable(bad), bad).toThrow(/is not a table name: give one to three parts of letters, digits and _ joined by dots/);
    }
    expect(parseSourceWhere(`dt = '2024-01-01' AND region IN ('eu', 'us')`)).toEqual(parseRule(`dt = '2024-01-01' AND region IN ('eu', 'us')`));
    expect(() => parseSourceWhere(`dt = `)).toThrow(/^The source predicate "dt = " does not parse: .*line 1, column 6.*Write it in the rule language/);
    expect(() => parseSourceWhere(`WHERE dt = '2024-01-01'`)).toThrow(/does not parse/);
  });
});

describe('bad input on the way from raw events to a pack', { timeout: 60_000 }, () => {
  const form = { template: 'rfm' as const, table: 'retail', key: 'CustomerID', time: 'InvoiceDate', value: 'Quantity * UnitPrice' };

  it('an as_of after every event, or on or before the first, says so with the dates', async () => {
    const late = await failure(engine.client.run('features.generate', { ...form, asOf: '2012-06-01' }));
    expect(late.code).toBe('BAD_INPUT');
    expect(late.message).toBe("The as-of date 2012-06-01 is after every event (the latest is 2011-12-09 12:50:00): recency and tenure would count days the data does not cover. Use the data's snapshot 2011-12-10 (leave the date out) or an earlier date.");
    const early = await failure(engine.client.run('features.generate', { ...form, asOf: '2010-12-01' }));
    expect(early.message).toBe("The as-of date 2010-12-01 is on or before the first event (2010-12-01 08:26:00): no event falls before it, so every feature window is empty. Choose a later date (the data's snapshot is 2011-12-10).");
  });

  it('an empty window (a filter no event passes) is refused when the features are built', async () => {
    const generated = await engine.client.run('features.generate', { ...form, asOf: '', where: 'Quantity > 1000000' });
    const empty = await failure(engine.client.run('features.build', { sql: generated.sql, outputTable: 'nothing', step: generated.step }));
    expect(empty.message).toMatch(/returned no rows: no events before the as-of date pass the filter/);
  });

  it('a filter or value outside what every engine can run is named: the step cannot travel in a pack', async () => {
    const fn = await engine.client.run('features.generate', { ...form, asOf: '', where: `NOT starts_with("InvoiceNo", 'C')` });
    expect(fn.step).toBeNull();
    expect(fn.stepProblem).toMatch(/^A rule pack cannot carry this feature step: the filter "NOT starts_with\(\\"InvoiceNo\\", 'C'\)" is not in the rule language/);
    const value = await engine.client.run('features.generate', { ...form, asOf: '', value: 'abs(Quantity) * UnitPrice' });
    expect(value.stepProblem).toMatch(/Value expression "abs\(Quantity\) \* UnitPrice", at character 1: functions such as abs\(\.\.\.\) are not part of value expressions \(a pack can carry only columns, numbers, \+ - \* \/ and parentheses\)\.$/);
  });

  it('a raw table missing a column the feature step reads is refused, naming the column and what reads it', async () => {
    const generated = await engine.client.run('features.generate', { ...form, asOf: '' });
    await engine.client.run('features.build', { sql: generated.sql, outputTable: 'retail_rfm', replace: true, step: generated.step });
    const text = 'recency <= 30';
    const built = await engine.client.run('pack.build', { tagSet: { schema: 'assay.tagset/1', tags: [{ id: 'recent', name: 'Recent', group: 'basic', definition: { kind: 'rule', text, ast: parseRule(text) } }] }, table: 'retail_rfm', name: 'r', version: '1.0.0' });
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE retail_no_price AS SELECT * EXCLUDE (UnitPrice) FROM retail' });
    const err = await failure(engine.client.run('pack.apply', { text: built.text, table: 'retail_no_price', into: 'x' }));
    expect(err.message).toMatch(/^"retail_no_price" lacks column "UnitPrice" \(the value expression\) that the pack's feature step reads from the raw events; its columns are "InvoiceNo", /);
    // The raw events themselves are tagged as the feature table is.
    const fromRaw = await engine.client.run('pack.apply', { text: built.text, table: 'retail', into: 'tags_raw' });
    const fromFeatures = await engine.client.run('pack.apply', { text: built.text, table: 'retail_rfm', into: 'tags_features' });
    expect(fromRaw.counts).toEqual(fromFeatures.counts);
    expect(fromRaw.counts.recent).toBe(built.pack.tags[0]?.metrics?.support);
  });
});

describe('assay pack build --features, export --source-table, apply on the raw file', { timeout: 120_000 }, () => {
  it('goes from the raw Online Retail rows to a pack, its SQL per dialect, and tags on native DuckDB', async () => {
    const tags = writeFixture(dir, 'tags.json', JSON.stringify({
      schema: 'assay.tagset/1',
      tags: [
        { id: 'recent-buyer', name: 'Recent buyer', group: 'basic', definition: { kind: 'rule', text: 'recency <= 30', ast: parseRule('recency <= 30') } },
        { id: 'big-spender', name: 'Big spender', group: 'basic', definition: { kind: 'rule', text: 'monetary > 2000', ast: parseRule('monetary > 2000') } },
      ],
    }));
    const spec = `rfm --time InvoiceDate --order InvoiceNo --value 'Quantity * UnitPrice' --where "Quantity > 0 AND UnitPrice > 0"`;
    const built = await pack('build', tags, '--data', samples.retail, '--features', spec, '--key', 'CustomerID', '--name', 'retail', '--version', '1.0.0', '--out', file('retail.json'));
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain("features: rfm as of 2011-12-10 (the data's snapshot: the day after the latest event)");
    expect(built.stdout).toContain('  features: rfm from the raw events of online_retail_sample_cust_mod10, events before 2011-12-10 (the export starts from the raw events)');
    expect(built.stdout).toMatch(/^ {2}metrics: in-sample, measured on the \d+ rows of the build data$/m);
    const { pack: p } = await readPack(fs.readFileSync(file('retail.json'), 'utf8'));
    expect(p.asOf).toBe('2011-12-10');
    expect(p.features).toMatchObject({ template: 'rfm', table: 'online_retail_sample_cust_mod10', key: 'CustomerID', where: { text: 'Quantity > 0 AND UnitPrice > 0' } });

    const hive = await pack('export', file('retail.json'), '--target', 'hive', '--source-table', 'dw.retail_events', '--source-where', "dt = '2024-01-01'");
    expect(hive.code, hive.stderr).toBe(0);
    expect(hive.stdout).toContain('FROM `dw`.`retail_events`');
    expect(hive.stdout).toContain("WHERE COALESCE((`dt` = '2024-01-01'), FALSE)");
    expect(hive.stdout).toContain("CAST('${hivevar:as_of}' AS DATE)");
    expect(hive.stdout).toContain('-- as_of is a variable: run with --hivevar as_of=YYYY-MM-DD');
    const badWhere = await pack('export', file('retail.json'), '--target', 'spark', '--source-table', 'dw.events', '--source-where', "dt = '2024-01-01' AND");
    expect(badWhere.code).toBe(1);
    expect(badWhere.stderr).toMatch(/The source predicate "dt = '2024-01-01' AND" does not parse/);
    const badTable = await pack('export', file('retail.json'), '--target', 'trino', '--source-table', 'dw.events; DROP TABLE x');
    expect(badTable.code).toBe(1);
    expect(badTable.stderr).toMatch(/is not a table name/);

    // Validation on the raw rows: features first, then the tags; every metric where it was recorded.
    const validated = await pack('validate', file('retail.json'), '--data', samples.retail);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
    expect(validated.stdout).toMatch(/metrics: (\d+) of \1 within their recorded 95% intervals/);

    // Native DuckDB on the raw file computes the features, then the tags: the build's counts.
    const applied = await pack('apply', file('retail.json'), '--data', samples.retail, '--out', file('tags.parquet'));
    expect(applied.code, applied.stderr).toBe(0);
    for (const t of p.tags) expect(applied.stdout).toContain(`  ${t.id} (${t.name}): ${t.metrics?.support}`);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const columns = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file('tags.parquet').replaceAll("'", "''")}')`)).getRowObjectsJS().map((r) => r.column_name);
    conn.closeSync();
    instance.closeSync();
    expect(columns).toEqual(['CustomerID', 'recent_buyer', 'big_spender', 'tags']);
    const noPrice = writeFixture(dir, 'no_price.csv', 'InvoiceNo,Quantity,InvoiceDate,CustomerID\n1,2,2011-01-01 10:00:00,7\n');
    const refused = await pack('apply', file('retail.json'), '--data', noPrice, '--out', file('x.parquet'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no_price\.csv lacks column "UnitPrice" \(the value expression, the cleaning filter\) that the pack's feature step reads/);
  });
});
