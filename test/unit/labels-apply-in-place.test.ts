import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';

/**
 * labels.apply writing over the table it labels keeps every row (the output used to be dropped
 * before it was read), and two applies at once each get their own predictions.
 */
let engine: NodeEngine;
let labelerId = '';

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', {
    sql: `CREATE TABLE items AS SELECT i AS id,
            CASE i % 3 WHEN 0 THEN 'red cotton shirt ' || i WHEN 1 THEN 'steel kitchen knife ' || i ELSE 'garden hose reel ' || i END AS title,
            CASE i % 3 WHEN 0 THEN 'apparel' WHEN 1 THEN 'kitchen' ELSE 'garden' END AS category
          FROM range(600) t(i)`,
    preview: 0,
  });
  labelerId = (await engine.client.run('labels.train', { source: { table: 'items' }, textColumn: 'title', labelColumn: 'category', seed: 1, epochs: 3, keywordRules: false })).labelerId;
}, 120_000);
afterAll(async () => {
  await engine.close();
});

describe('labels.apply', { timeout: 60_000 }, () => {
  it('writes over its own input table without losing a row', async () => {
    const result = await engine.client.run('labels.apply', { labelerId, source: { table: 'items' }, outputTable: 'items' });
    expect(result.rows).toBe(600);
    const check = await engine.client.run('sql.run', { sql: "SELECT count(*) AS n, count(*) FILTER (WHERE label = category) AS right FROM items", preview: 1 });
    expect(check.rowCount).toBe(1);
    const catalog = await engine.client.run('data.catalog', {});
    const items = catalog.find((t) => t.name === 'items');
    expect(items?.rowCount).toBe(600);
    expect(items?.columns.map((c) => c.name)).toEqual(['id', 'title', 'category', 'label', 'confidence', 'label_source']);
    expect(catalog.some((t) => t.name.startsWith('__assay_labels'))).toBe(false);
  });

  it('runs two applies at once, each into its own table', async () => {
    const [a, b] = await Promise.all([
      engine.client.run('labels.apply', { labelerId, source: { sql: 'SELECT * FROM items WHERE id < 300' }, outputTable: 'first_half' }),
      engine.client.run('labels.apply', { labelerId, source: { sql: 'SELECT * FROM items WHERE id >= 300 AND id < 400' }, outputTable: 'second_part' }),
    ]);
    expect([a.rows, b.rows]).toEqual([300, 100]);
  });
});
