import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateRowsFromIpc } from '../../renderer/views/chart/chart-data';
import { HEATMAP_BINS, asSubquerySource, buildBarQuery, buildHeatmapQuery, quoteIdent } from '../../renderer/views/chart/chart-sql';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';

describe('asSubquerySource', () => {
  it('accepts one query and strips comments and trailing semicolons', () => {
    expect(asSubquerySource('SELECT 1 -- one\n;  ')).toBe('SELECT 1');
    expect(asSubquerySource('/* head */ WITH a AS (SELECT 1) SELECT * FROM a;')).toBe('WITH a AS (SELECT 1) SELECT * FROM a');
    expect(asSubquerySource("SELECT ';' AS semi, 'it''s -- no comment' AS s")).toBe("SELECT ';' AS semi, 'it''s -- no comment' AS s");
    expect(asSubquerySource('FROM t')).toBe('FROM t');
  });

  it('refuses several statements and statements that are not queries', () => {
    expect(asSubquerySource('CREATE TABLE x AS SELECT 1; SELECT * FROM x')).toBeNull();
    expect(asSubquerySource('SELECT 1; SELECT 2')).toBeNull();
    expect(asSubquerySource('INSERT INTO t VALUES (1)')).toBeNull();
    expect(asSubquerySource('   -- only a comment')).toBeNull();
  });

  it('quotes identifiers by doubling embedded quotes', () => {
    expect(quoteIdent('plain')).toBe('"plain"');
    expect(quoteIdent('we"ird col')).toBe('"we""ird col"');
  });
});

describe('chart GROUP BY queries on DuckDB', () => {
  let engine: NodeEngine;
  const source = `SELECT * FROM (VALUES
      ('a', 'x', 1.0, 10), ('a', 'y', 2.0, 20), ('b', 'x', 3.0, 30), ('b', 'x', 4.0, 40), (NULL, 'y', 5.0, 50), ('c', NULL, NULL, 60)
    ) AS t("we""ird col", "select", "amount $", n)`;

  beforeAll(async () => {
    engine = await createInProcessEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  async function run(sql: string, second: 'color' | 'y' | null) {
    const result = await engine.client.run('sql.run', { sql, preview: 10_000 });
    if (result.resultId) await engine.client.run('sql.release', { resultId: result.resultId });
    return aggregateRowsFromIpc(result.preview, second);
  }

  it('counts rows per awkwardly named category, largest first', async () => {
    const sql = buildBarQuery({ source, x: { name: 'we"ird col', kind: 'categorical' }, y: null, color: null });
    const rows = await run(sql, null);
    expect(rows.x).toEqual(['a', 'b', 'c', null]);
    expect(rows.value).toEqual([2, 2, 1, 1]);
  });

  it('sums a column split by a keyword-named column', async () => {
    const sql = buildBarQuery({ source, x: { name: 'we"ird col', kind: 'categorical' }, y: { name: 'amount $', kind: 'numeric' }, color: { name: 'select', kind: 'categorical' } });
    const rows = await run(sql, 'color');
    const cells = rows.x.map((x, i) => [x, rows.key2?.[i], rows.value[i]]);
    // Categories by their total (b 7, NULL 5, a 3, c 0: a sum over only NULLs counts as 0).
    expect(cells).toEqual([
      ['b', 'x', 7],
      [null, 'y', 5],
      ['a', 'x', 1],
      ['a', 'y', 2],
      ['c', null, 0],
    ]);
  });

  it('orders a numeric x by value', async () => {
    const sql = buildBarQuery({ source, x: { name: 'n', kind: 'numeric' }, y: null, color: null });
    const rows = await run(sql, null);
    expect(rows.x).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('keeps only the 50 largest categories', async () => {
    const many = 'SELECT (i % 80)::VARCHAR AS k FROM range(8000) r(i) UNION ALL SELECT \'7\' FROM range(5)';
    const rows = await run(buildBarQuery({ source: many, x: { name: 'k', kind: 'categorical' }, y: null, color: null }), null);
    expect(rows.x).toHaveLength(50);
    expect(rows.x[0]).toBe('7');
    expect(rows.value[0]).toBe(105);
  });

  it('counts heatmap cells of two categorical columns', async () => {
    const sql = buildHeatmapQuery({ source, x: { name: 'we"ird col', kind: 'categorical' }, y: { name: 'select', kind: 'categorical' } });
    const rows = await run(sql, 'y');
    const cells = new Map(rows.x.map((x, i) => [`${String(x)}|${String(rows.key2?.[i])}`, rows.value[i]]));
    expect(Object.fromEntries(cells)).toEqual({ 'b|x': 2, 'a|x': 1, 'a|y': 1, 'null|y': 1, 'c|null': 1 });
  });

  it('bins numeric heatmap axes into equal-width bins that cover every row', async () => {
    const grid = 'SELECT i::DOUBLE AS u, (i % 7)::INTEGER AS v FROM range(1000) r(i)';
    const rows = await run(buildHeatmapQuery({ source: grid, x: { name: 'u', kind: 'numeric' }, y: { name: 'v', kind: 'numeric' } }), 'y');
    expect(rows.value.reduce((a, b) => a + b, 0)).toBe(1000);
    const xs = new Set(rows.x);
    expect(xs.size).toBe(HEATMAP_BINS);
    expect(Math.min(...(rows.x as number[]))).toBe(0);
    expect(Math.max(...(rows.x as number[]))).toBeCloseTo(999 - 999 / HEATMAP_BINS, 6);
    // A constant column (zero width) falls into one bin instead of failing.
    const flat = await run(buildHeatmapQuery({ source: 'SELECT 3.0 AS a, 1 AS b FROM range(5)', x: { name: 'a', kind: 'numeric' }, y: { name: 'b', kind: 'numeric' } }), 'y');
    expect(flat).toEqual({ x: [3], key2: [1], value: [5] });
  });
});
