/**
 * The value (GMV) of tags in tag validation and `assay tags eval --value`: figures equal to the
 * same sums done directly in DuckDB (per row, and per entity summed over event rows of another
 * table), segment tags included; the valueLift gate; and bad input (not numeric, unknown column,
 * does not parse, NULL everywhere, refunds making the total negative, a half-given command line).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagsCommand } from '../../workers/cli/tags';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseTagSet, ruleDefinition, type TagSet } from '../../workers/tags/tag';
import { addSegmentTags } from '../../workers/tags/tag-set-edit';
import { checkValueExpr, parseValueExpr, printValueExpr } from '../../workers/tags/value-expr';
import { failure } from '../helpers/engine';
import { queryRows } from '../helpers/packs';
import { tempDir, writeFixture } from '../helpers/paths';

let engine: NodeEngine;
const dir = tempDir('tags-value');

// 300 order lines: qty 1..5, price from a seeded-looking formula, a few refunds (negative qty), some NULL prices.
const ORDERS_SQL = `CREATE OR REPLACE TABLE orders AS SELECT i AS line_id, i % 60 AS customer_id, CASE WHEN i % 37 = 0 THEN -2 ELSE 1 + i % 5 END AS qty,
  CASE WHEN i % 50 = 7 THEN NULL ELSE ((i * 7919) % 1000) / 10.0 END AS price, CASE WHEN i % 3 = 0 THEN 'UK' ELSE 'FR' END AS country FROM range(300) t(i)`;
// 80 customers (20 without orders), with RFM-like figures.
const CUSTOMERS_SQL = `CREATE OR REPLACE TABLE customers AS SELECT i AS customer_id, (i * 37) % 365 AS recency, 1 + (i * 13) % 20 AS frequency, ((i * 7919) % 1000) / 4.0 AS monetary, 'c' || i AS label FROM range(80) t(i)`;

const tagSet = (rules: Array<[string, string]>): TagSet => parseTagSet({ tags: rules.map(([name, text]) => ({ id: name.toLowerCase().replace(/\W+/g, '_'), name, group: 'basic', definition: ruleDefinition(text) })) });
const num = (v: unknown): number => Number(v);

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: ORDERS_SQL });
  await engine.client.run('sql.run', { sql: CUSTOMERS_SQL });
});

afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('value expressions', () => {
  it('parse with precedence, print canonically, and resolve columns ignoring case', () => {
    expect(printValueExpr(parseValueExpr('a + b * (c - d) / -e'))).toBe('a + b * (c - d) / -e');
    expect(printValueExpr(parseValueExpr('(a - b) - (c - d)'))).toBe('a - b - (c - d)');
    const checked = checkValueExpr('QTY * "price"', [{ name: 'qty', type: 'INTEGER', kind: 'numeric' }, { name: 'price', type: 'DOUBLE', kind: 'numeric' }], 'orders');
    expect(checked.canonical).toBe('qty * price');
    expect(checked.sql).toBe('(CAST("qty" AS DOUBLE) * CAST("price" AS DOUBLE))');
  });

  it('refuse what is not arithmetic over numeric columns, saying where', () => {
    const columns = [{ name: 'qty', type: 'INTEGER', kind: 'numeric' }, { name: 'country', type: 'VARCHAR', kind: 'text' }];
    expect(() => checkValueExpr('qty * country', columns, 'orders')).toThrow('Value expression "qty * country", at character 7: "country" is VARCHAR, not a number; a value must be numeric.');
    expect(() => checkValueExpr('qty * prize', columns, 'orders')).toThrow('"prize" is not a column of orders (its numeric columns: qty)');
    expect(() => checkValueExpr('qty *', columns, 'orders')).toThrow('Value expression "qty *", at character 6: the expression ends where a number or column was expected.');
    expect(() => checkValueExpr("qty * 'x'", columns, 'orders')).toThrow(/text in quotes is not a number/);
    expect(() => checkValueExpr('sum(qty)', columns, 'orders')).toThrow(/functions such as sum\(\.\.\.\) are not part/);
    expect(() => checkValueExpr('qty; DROP TABLE orders', columns, 'orders')).toThrow(/";" is not allowed/);
    expect(() => checkValueExpr('   ', columns, 'orders')).toThrow(/The value expression is empty/);
    expect(() => parseValueExpr('-'.repeat(500) + 'qty')).toThrow(/nests too deep/);
  });
});

describe('tags.validate with a value', { timeout: 60_000 }, () => {
  it('gives each tag the GMV share, lift and means of the same sums in DuckDB (per row; NULL counts as 0)', async () => {
    const set = tagSet([['UK', "country = 'UK'"], ['Big', 'qty >= 4']]);
    const result = await engine.client.run('tags.validate', { tagSet: set, source: { table: 'orders' }, split: { kind: 'all' }, gates: {}, value: { expression: 'qty * price' } });
    const [direct] = await queryRows(engine.client, `SELECT sum(coalesce(qty * price, 0)) AS total, sum(coalesce(qty * price, 0)) FILTER (WHERE country = 'UK') AS uk, count(*) FILTER (WHERE country = 'UK') AS n_uk,
      avg(coalesce(qty * price, 0)) FILTER (WHERE country <> 'UK') AS rest_mean, count(*) FILTER (WHERE price IS NULL) AS missing FROM orders`);
    const d = direct as Record<string, unknown>;
    const uk = result.tags[0]?.value;
    expect(result.value).toMatchObject({ expression: 'qty * price', per: 'row', entities: 300, missing: num(d.missing) });
    expect(result.value?.total).toBeCloseTo(num(d.total), 6);
    expect(result.value?.warnings.some((w) => w.includes('have no value (NULL'))).toBe(true);
    expect(uk?.tagged).toBe(num(d.n_uk));
    expect(uk?.share.value).toBeCloseTo(num(d.uk) / num(d.total), 12);
    expect(uk?.lift.value).toBeCloseTo(num(d.uk) / num(d.total) / (num(d.n_uk) / 300), 12);
    expect(uk?.meanRest.value).toBeCloseTo(num(d.rest_mean), 9);
    expect(uk?.difference.value).toBeCloseTo(num(d.uk) / num(d.n_uk) - num(d.rest_mean), 9);
    for (const e of [uk?.share, uk?.lift, uk?.meanTagged, uk?.difference]) expect((e?.low as number) < (e?.value as number) && (e?.value as number) < (e?.high as number)).toBe(true);
    expect(result.set.value?.tagged).toBe(result.set.holdout.support);
  });

  it('sums the value of event rows per entity for tags on an entity table, segment tags included', async () => {
    const clustered = await engine.client.run('cluster.run', { source: { table: 'customers' }, features: ['recency', 'frequency', 'monetary'], k: 3, seed: 1 });
    const segments = await engine.client.run('cluster.tags', { clusterId: clustered.cluster.clusterId, names: { 0: 'A', 1: 'B', 2: 'C' }, ref: 'customers_k3' });
    const set = parseTagSet(JSON.parse(JSON.stringify(addSegmentTags(tagSet([['Frequent', 'frequency > 10']]), segments, { table: 'customers' }).set)));
    const result = await engine.client.run('tags.validate', { tagSet: set, source: { table: 'customers' }, split: { kind: 'all' }, gates: {}, value: { expression: 'qty * price', source: { table: 'orders' }, key: 'customer_id' } });
    const [direct] = await queryRows(engine.client, `WITH v AS (SELECT customer_id, sum(qty * price) AS v FROM orders GROUP BY 1)
      SELECT sum(coalesce(v.v, 0)) AS total, sum(coalesce(v.v, 0)) FILTER (WHERE frequency > 10) AS tagged, count(*) FILTER (WHERE frequency > 10) AS n, count(*) FILTER (WHERE v.v IS NULL) AS without
      FROM customers c LEFT JOIN v USING (customer_id)`);
    const d = direct as Record<string, unknown>;
    expect(result.value).toMatchObject({ per: 'entity', key: 'customer_id', entities: 80, entitiesWithoutEvents: num(d.without), unmatchedEventRows: 0 });
    expect(num(d.without)).toBe(20);
    expect(result.value?.warnings).toContain('20 of 80 entities have no rows in the value data; their value is 0');
    const frequent = result.tags.find((t) => t.name === 'Frequent')?.value;
    expect(frequent?.tagged).toBe(num(d.n));
    expect(frequent?.share.value).toBeCloseTo(num(d.tagged) / num(d.total), 12);
    // Segment tags get their figures too, and the three segments' shares add up to the whole.
    const segmentShares = result.tags.filter((t) => ['A', 'B', 'C'].includes(t.name)).map((t) => t.value?.share.value as number);
    expect(segmentShares).toHaveLength(3);
    expect(segmentShares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('gates on GMV lift, and says a value gate needs a value', async () => {
    const set = tagSet([['Big', 'qty >= 4'], ['Small', 'qty <= 1']]);
    const gated = await engine.client.run('tags.validate', { tagSet: set, source: { table: 'orders' }, split: { kind: 'all' }, gates: { perTag: [{ metric: 'valueLift', min: 1.2 }] }, value: { expression: 'qty * price' } });
    expect(gated.tags.map((t) => t.gates.passed)).toEqual([true, false]);
    expect(gated.tags[1]?.gates.reasons[0]).toMatch(/^valueLift 0\.\d+ < 1\.20 on holdout \(95% CI /);
    const without = await engine.client.run('tags.validate', { tagSet: set, source: { table: 'orders' }, split: { kind: 'all' }, gates: { perTag: [{ metric: 'valueShare', min: 0.1 }] } });
    expect(without.tags[0]?.gates.reasons).toEqual(['valueShare needs a value expression (e.g. Quantity * UnitPrice), and none was given']);
  });

  it('fails in words on a value that is not numeric, NULL everywhere, or keyed by a missing column; warns on a negative net total', async () => {
    const set = tagSet([['UK', "country = 'UK'"]]);
    const run = (value: unknown) => engine.client.run('tags.validate', { tagSet: set, source: { table: 'orders' }, split: { kind: 'all' }, gates: {}, value: value as { expression: string } });
    expect((await failure(run({ expression: 'qty * country' }))).message).toMatch(/"country" is VARCHAR, not a number/);
    expect((await failure(run({ expression: 'qty / 0' }))).message).toBe('The value qty / 0 is NULL on every row (300 rows); every figure would be 0.');
    expect((await failure(run({ expression: 'qty', source: { table: 'customers' } }))).message).toMatch(/needs the key column/);
    expect((await failure(run({ expression: 'monetary', source: { table: 'customers' }, key: 'client' }))).message).toBe('The key column "client" is not in the tagged data.');
    const refunds = await run({ expression: '-qty * price' });
    expect(refunds.value?.total).toBeLessThan(0);
    expect(refunds.value?.warnings.some((w) => w.startsWith('the total net value is negative'))).toBe(true);
    expect(refunds.tags[0]?.value?.share.value).toBeGreaterThan(0);
  });
});

describe('value data keyed to tagged rows that repeat the key', { timeout: 60_000 }, () => {
  const set = tagSet([['UK', "country = 'UK'"]]);
  const byCustomer = { expression: 'qty * price', source: { table: 'orders' }, key: 'customer_id' };

  it('is refused, naming the key, a repeated value and its count, since each row would get the whole sum', async () => {
    // orders has 300 rows over 60 customers: 5 rows each.
    const refused = await failure(engine.client.run('tags.validate', { tagSet: set, source: { table: 'orders' }, split: { kind: 'all' }, gates: {}, value: byCustomer }));
    expect(refused.code).toBe('BAD_INPUT');
    expect(refused.message).toBe(
      'The key column "customer_id" repeats in the tagged data (customer_id = "0" is on 5 rows; 60 keys repeat, on 300 rows): the value summed per entity from the value data would be counted once for each such row, inflating GMV share and lift. Tag a table with one row per customer_id, or give the value as an expression over the tagged rows\' own columns.',
    );
  });

  it('names the most repeated key, and lets rows without a key repeat (they match no value rows)', async () => {
    await engine.client.run('sql.run', { sql: `CREATE OR REPLACE TABLE customers_dup AS SELECT * FROM customers UNION ALL SELECT * FROM customers WHERE customer_id = 42 UNION ALL SELECT * FROM customers WHERE customer_id = 42` });
    const refused = await failure(engine.client.run('tags.validate', { tagSet: tagSet([['Frequent', 'frequency > 10']]), source: { table: 'customers_dup' }, split: { kind: 'all' }, gates: {}, value: byCustomer }));
    expect(refused.message).toMatch(/^The key column "customer_id" repeats in the tagged data \(customer_id = "42" is on 3 rows\): /);
    await engine.client.run('sql.run', { sql: `CREATE OR REPLACE TABLE customers_nokey AS SELECT * FROM customers UNION ALL SELECT NULL AS customer_id, 1, 15, 1.0, 'x' FROM range(2)` });
    const result = await engine.client.run('tags.validate', { tagSet: tagSet([['Frequent', 'frequency > 10']]), source: { table: 'customers_nokey' }, split: { kind: 'all' }, gates: {}, value: byCustomer });
    expect(result.value).toMatchObject({ per: 'entity', entities: 82, entitiesWithoutEvents: 22 });
  });
});

describe('assay tags eval --value', { timeout: 60_000 }, () => {
  function capture(): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
  }
  const deps = { startEngine: async (): Promise<NodeEngine> => ({ ...engine, close: async () => undefined }) };

  it('prints GMV share, lift and mean value per tag, gates on lift with exit 1, and refuses half-given options', async () => {
    const tagsFile = writeFixture(dir, 'tags.json', JSON.stringify(tagSet([['Big', 'qty >= 4'], ['Small', 'qty <= 1']])));
    const rows = Array.from({ length: 60 }, (_, i) => `${i},${i % 7},${1 + (i % 5)},${(i * 37) % 100}`);
    const lines = writeFixture(dir, 'lines.csv', `line_id,customer_id,qty,price\n${rows.join('\n')}\n`);
    const shown = capture();
    expect(await tagsCommand(['eval', tagsFile, lines, '--value', 'qty * price'], shown.io, deps)).toBe(0);
    const text = shown.out.join('\n');
    expect(text).toMatch(/Value: qty \* price \(per row\); 60 rows, total [\d,]+\. Intervals: 95%, analytic \(delta method\)\./);
    expect(text).toMatch(/GMV share \[95% CI\]\s+│ GMV lift \[95% CI\]/);
    expect(text).toMatch(/Big\s+│ 24\s+│ 40\.0% \[/);
    const json = capture();
    expect(await tagsCommand(['eval', tagsFile, lines, '--value', 'qty * price', '--json'], json.io, deps)).toBe(0);
    const parsed = JSON.parse(json.out.join('\n')) as { tags: Array<{ value: { lift: { value: number } } }>; value: { per: string } };
    expect(parsed.value.per).toBe('row');
    expect(parsed.tags[0]?.value.lift.value).toBeGreaterThan(1);
    const gated = capture();
    expect(await tagsCommand(['eval', tagsFile, lines, '--value', 'qty * price', '--gate-value-lift', '1.2'], gated.io, deps)).toBe(1);
    expect(gated.out.join('\n')).toMatch(/gate failed: Small: valueLift 0\.\d+ < 1\.20/);
    const usage = capture();
    expect(await tagsCommand(['eval', tagsFile, lines, '--gate-value-lift', '1.2'], usage.io, deps)).toBe(2);
    expect(usage.err.join('\n')).toMatch(/need --value EXPR/);
    expect(await tagsCommand(['eval', tagsFile, lines, '--value', 'qty', '--value-key', 'customer_id'], capture().io, deps)).toBe(2);
    // --value-data summed per key: refused when the tagged file repeats the key (lines.csv: customer_id = i % 7).
    const repeated = capture();
    expect(await tagsCommand(['eval', tagsFile, lines, '--value', 'qty * price', '--value-data', lines, '--value-key', 'customer_id'], repeated.io, deps)).toBe(1);
    expect(repeated.err.join('\n')).toMatch(/^error: The key column "customer_id" repeats in the tagged data \(customer_id = "0" is on 9 rows; 7 keys repeat, on 60 rows\): the value summed per entity/m);
    expect(repeated.out.join('\n')).not.toMatch(/GMV share/);
    // ... and accepted on a file with one row per key.
    const people = writeFixture(dir, 'people.csv', `customer_id,qty\n${Array.from({ length: 7 }, (_, i) => `${i},${1 + (i % 5)}`).join('\n')}\n`);
    const perEntity = capture();
    expect(await tagsCommand(['eval', tagsFile, people, '--value', 'qty * price', '--value-data', lines, '--value-key', 'customer_id'], perEntity.io, deps)).toBe(0);
    expect(perEntity.out.join('\n')).toMatch(/Value: qty \* price \(summed per customer_id over the value data\); 7 entities, total [\d,]+\./);
    const bad = capture();
    expect(await tagsCommand(['eval', tagsFile, lines, '--value', 'qty * nope'], bad.io, deps)).toBe(1);
    expect(bad.err.join('\n')).toMatch(/^error: Value expression "qty \* nope", at character 7: "nope" is not a column of the tagged data \(its numeric columns: line_id, customer_id, qty, price\)\.$/m);
  });
});
