/**
 * A pack measured with a value (GMV): metrics.value per tag (equal to the same sums in DuckDB),
 * the valueLift gate beside the precision and coverage gates (evaluated, failed in words, or "not
 * evaluated" without a value), the HTML report's value section, older packs without value still
 * loading, and `assay pack build --value ... --gate-value-lift X` end to end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCommand } from '../../workers/cli/pack';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { gateSummary } from '../../workers/packs/gates';
import { readPack } from '../../workers/packs/io';
import { packReportHtml } from '../../workers/packs/report';
import { ruleDefinition } from '../../workers/tags/tag';
import { failure } from '../helpers/engine';
import { queryRows } from '../helpers/packs';
import { tempDir, writeFixture } from '../helpers/paths';

let engine: NodeEngine;
const dir = tempDir('packs-value');

// 200 customers keyed by id, with a GMV column and a few refund-only customers (negative value).
const CUSTOMERS_SQL = `CREATE OR REPLACE TABLE customers AS SELECT 'c' || i AS customer_id, 1 + (i * 13) % 20 AS frequency, (i * 37) % 365 AS recency,
  CASE WHEN i % 41 = 0 THEN -25.0 ELSE ((i * 7919) % 1000) / 4.0 + 20 * (1 + (i * 13) % 20) END AS gmv FROM range(200) t(i)`;
const EVENTS_SQL = `CREATE OR REPLACE TABLE events AS SELECT 'c' || (i % 150) AS customer_id, 1 + i % 4 AS qty, ((i * 31) % 50) + 0.5 AS price FROM range(900) t(i)`;

const tagSet = {
  schema: 'assay.tagset/1',
  tags: [
    { id: 'frequent', name: 'frequent', group: 'behaviour', definition: ruleDefinition('frequency > 12') },
    { id: 'recent', name: 'recent', group: 'behaviour', definition: ruleDefinition('recency < 60') },
  ],
};

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: CUSTOMERS_SQL });
  await engine.client.run('sql.run', { sql: EVENTS_SQL });
});

afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const build = (extra: Record<string, unknown>) =>
  engine.client.run('pack.build', { tagSet, table: 'customers', key: 'customer_id', name: 'customers', version: '1.0.0', createdAt: '2026-12-01T00:00:00.000Z', ...extra });

describe('pack.build with a value', { timeout: 60_000 }, () => {
  it('records GMV share, lift and means per tag (the same sums as DuckDB) and gates on GMV lift', async () => {
    const info = await build({ value: { expression: 'gmv' }, gates: [{ metric: 'valueLift', min: 1.2 }] });
    const [direct] = await queryRows(engine.client, `SELECT sum(gmv) AS total, sum(gmv) FILTER (WHERE frequency > 12) AS tagged, count(*) FILTER (WHERE frequency > 12) AS n FROM customers`);
    const d = direct as Record<string, number>;
    const frequent = info.pack.tags[0];
    const v = frequent?.metrics?.value;
    expect(v).toMatchObject({ expression: 'gmv', per: 'row' });
    expect(v?.total).toBeCloseTo(Number(d.total), 9);
    expect(v?.share?.value).toBeCloseTo(Number(d.tagged) / Number(d.total), 12);
    expect(v?.lift?.value).toBeCloseTo(Number(d.tagged) / Number(d.total) / (Number(d.n) / 200), 12);
    expect(frequent?.gates.map((g) => g.metric)).toEqual(['precision', 'coverage', 'valueLift']);
    // Frequent customers carry more GMV (gmv grows with frequency); recent ones do not.
    expect(gateSummary(frequent as NonNullable<typeof frequent>).text).toBe('gates passed: coverage ≥ 1%; valueLift ≥ 1.20; not evaluated: precision ≥ 0.80 (needs a label; the pack was measured without one)');
    const recent = info.pack.tags[1] as NonNullable<typeof frequent>;
    expect(gateSummary(recent).state).toBe('failed');
    expect(gateSummary(recent).reasons[0]).toMatch(/^valueLift 0\.\d+ < 1\.20 on the build data \(95% CI 0\.\d+-\d\.\d+\)$/);
    // The pack reads back (schema, hash) with its value figures.
    const again = await readPack(info.text);
    expect(again.pack.tags[0]?.metrics?.value?.share?.value).toBe(v?.share?.value);
  });

  it('sums event rows per entity, and says a value gate was not evaluated without a value', async () => {
    const info = await build({ value: { expression: 'qty * price', source: { table: 'events' }, key: 'customer_id' } });
    const [direct] = await queryRows(engine.client, `WITH v AS (SELECT customer_id, sum(qty * price) AS v FROM events GROUP BY 1)
      SELECT sum(coalesce(v, 0)) AS total, sum(coalesce(v, 0)) FILTER (WHERE frequency > 12) AS tagged FROM customers LEFT JOIN v USING (customer_id)`);
    const d = direct as Record<string, number>;
    const v = info.pack.tags[0]?.metrics?.value;
    expect(v).toMatchObject({ expression: 'qty * price', per: 'entity', key: 'customer_id' });
    expect(v?.share?.value).toBeCloseTo(Number(d.tagged) / Number(d.total), 12);
    const unvalued = await build({ gates: [{ metric: 'valueLift', min: 1.2 }] });
    const tag = unvalued.pack.tags[0] as NonNullable<(typeof unvalued.pack.tags)[number]>;
    expect(tag.metrics?.value).toBeUndefined();
    expect(tag.gateOutcome?.notEvaluated).toEqual(['precision ≥ 0.80 (needs a label; the pack was measured without one)', 'valueLift ≥ 1.20 (needs a value expression (--value); the pack was measured without one)']);
    expect(gateSummary(tag).state).toBe('partial');
    expect((await failure(build({ value: { expression: 'customer_id * 2' } }))).message).toMatch(/"customer_id" is VARCHAR, not a number/);
  });

  it('re-measures GMV share and lift on other data (pack validate --data) and flags drift outside the recorded interval', async () => {
    const info = await build({ value: { expression: 'gmv' } });
    const same = await engine.client.run('pack.validate', { text: info.text, table: 'customers' });
    const sameValue = same.drift.filter((d) => d.metric.startsWith('value '));
    expect(sameValue.map((d) => `${d.tag} ${d.metric}`)).toEqual(['frequent value share', 'frequent value lift', 'recent value share', 'recent value lift']);
    expect(sameValue.every((d) => !d.outside && d.recorded === d.measured)).toBe(true);
    // The same customers with the frequent ones' GMV cut to a tenth: their share and lift fall out of their intervals.
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE customers_later AS SELECT * REPLACE (CASE WHEN frequency > 12 THEN gmv / 10 ELSE gmv END AS gmv) FROM customers' });
    const later = await engine.client.run('pack.validate', { text: info.text, table: 'customers_later' });
    expect(later.drift.find((d) => d.tag === 'frequent' && d.metric === 'value lift')?.outside).toBe(true);
    expect(later.ok).toBe(false);
    // Data without the value's column is validated without value figures.
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE customers_no_gmv AS SELECT * EXCLUDE (gmv) FROM customers' });
    const without = await engine.client.run('pack.validate', { text: info.text, table: 'customers_no_gmv' });
    expect(without.drift.some((d) => d.metric.startsWith('value '))).toBe(false);
  });

  it('shows the value figures in the HTML report, and a pack without them has no value section', async () => {
    const valued = await build({ value: { expression: 'gmv' } });
    const html = packReportHtml(valued.pack);
    expect(html).toContain('<h2>Value (GMV)</h2>');
    expect(html).toMatch(/Value <code>gmv<\/code>, each row’s own value; total [\d,]+\./);
    expect(html).toMatch(/<tr class="value-row" data-tag="frequent">.*GMV|<tr class="value-row" data-tag="frequent"><td><b>frequent<\/b>/);
    expect(html).toMatch(/GMV lift \d\.\d\d <span class="ci">\[\d\.\d\d, \d\.\d\d\]<\/span>/);
    const plain = await build({});
    expect(packReportHtml(plain.pack)).not.toContain('Value (GMV)');
  });
});

describe('assay pack build --value', { timeout: 120_000 }, () => {
  it('measures GMV, prints share and lift per tag, records the lift gate, and refuses a half-given value', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => `u${i},${1 + ((i * 13) % 20)},${(i * 37) % 365},${(((i * 7919) % 1000) / 4 + 20 * (1 + ((i * 13) % 20))).toFixed(2)}`);
    const data = writeFixture(dir, 'users.csv', `user_id,frequency,recency,gmv\n${rows.join('\n')}\n`);
    const tags = writeFixture(dir, 'tags.json', JSON.stringify(tagSet));
    const out = path.join(dir, 'pack.json');
    const lines: string[] = [];
    const errors: string[] = [];
    const io = { out: (t: string) => lines.push(t), err: (t: string) => errors.push(t) };
    const code = await packCommand(['build', tags, '--data', data, '--name', 'users', '--version', '1.0.0', '--value', 'gmv', '--gate-value-lift', '1.1', '--out', out], io);
    expect(errors.join('\n')).not.toMatch(/^error/m);
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/frequent \(rule\): coverage [\d.]+%, GMV share [\d.]+%, GMV lift \d\.\d\d \[gates passed: coverage ≥ 1%; valueLift ≥ 1\.10/);
    const pack = (await readPack(fs.readFileSync(out, 'utf8'))).pack;
    expect(pack.tags[0]?.metrics?.value?.per).toBe('row');
    const usage: string[] = [];
    expect(await packCommand(['build', tags, '--data', data, '--name', 'users', '--version', '1.0.0', '--gate-value-lift', '1.1', '--out', out], { out: () => undefined, err: (t) => usage.push(t) })).toBe(2);
    expect(usage.join('\n')).toMatch(/need --value EXPR/);
  });
});
