import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POINT_CAP, SVG_SCATTER_CAP, loadChart, ordinal } from '../../renderer/views/chart/chart-loader';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';

describe('loadChart against the engine', () => {
  let engine: NodeEngine;
  beforeAll(async () => {
    engine = await createInProcessEngine();
    await engine.client.run('sql.run', {
      sql: `CREATE TABLE visits AS SELECT i AS id, ['web', 'app', 'shop'][i % 3 + 1] AS "Channel ""main""", (i % 100)::DOUBLE AS amount FROM range(60000) r(i)`,
    });
  });
  afterAll(async () => {
    await engine.close();
  });

  async function query(sql: string) {
    return engine.client.run('sql.run', { sql, preview: 200 });
  }

  it('caps row charts at POINT_CAP rows and says so', async () => {
    const sql = 'SELECT * FROM visits';
    const result = await query(sql);
    const loaded = await loadChart(engine.client, { result, sql, type: 'histogram', axes: { x: 'amount', y: null, color: null } });
    expect(loaded.pointsDrawn).toBe(POINT_CAP);
    expect(loaded.figure.data[0]?.x).toHaveLength(POINT_CAP);
    expect(loaded.note).toBe('Using the first 50,000 of 60,000 rows.');
  });

  it('thins scatter points to SVG_SCATTER_CAP SVG markers and says so', async () => {
    const sql = 'SELECT * FROM visits';
    const result = await query(sql);
    const loaded = await loadChart(engine.client, { result, sql, type: 'scatter', axes: { x: 'id', y: 'amount', color: null } });
    expect(loaded.pointsDrawn).toBeLessThanOrEqual(SVG_SCATTER_CAP);
    expect(loaded.figure.data[0]?.type).toBe('scatter');
    expect(loaded.figure.data[0]?.x).toHaveLength(loaded.pointsDrawn);
    expect(loaded.note).toBe('Using the first 50,000 of 60,000 rows. Drawing every 5th of them, so the chart stays quick.');
  });

  it('thins a scatter of just over SVG_SCATTER_CAP rows to every 2nd row', async () => {
    const sql = `SELECT * FROM visits WHERE id < ${SVG_SCATTER_CAP + 500}`;
    const result = await query(sql);
    const loaded = await loadChart(engine.client, { result, sql, type: 'scatter', axes: { x: 'id', y: 'amount', color: null } });
    expect(loaded.pointsDrawn).toBe(Math.ceil((SVG_SCATTER_CAP + 500) / 2));
    expect(loaded.note).toBe('Drawing every 2nd of them, so the chart stays quick.');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 1002].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '101st', '111th', '1,002nd']);
  });

  it('aggregates bars over every row with a GROUP BY, awkward column names included', async () => {
    const sql = 'SELECT * FROM visits -- all of them\n;';
    const result = await query(sql);
    const loaded = await loadChart(engine.client, { result, sql, type: 'bar', axes: { x: 'Channel "main"', y: 'amount', color: null } });
    const trace = loaded.figure.data[0];
    // 20,000 rows per channel, amounts 0..99 repeating: each channel sums to 20,000 * 49.5.
    expect(trace?.x).toHaveLength(3);
    expect(trace?.y).toEqual([990_000, 990_000, 990_000]);
    expect(loaded.note).toBeNull();
  });

  it('falls back to client-side counting for a multi-statement script, and says so', async () => {
    const sql = 'CREATE OR REPLACE TEMP TABLE tmp_v AS SELECT * FROM visits; SELECT * FROM tmp_v';
    const result = await query(sql);
    const loaded = await loadChart(engine.client, { result, sql, type: 'bar', axes: { x: 'Channel "main"', y: null, color: null } });
    const total = (loaded.figure.data[0]?.y as number[]).reduce((a, b) => a + b, 0);
    expect(total).toBe(POINT_CAP);
    expect(loaded.note).toMatch(/first 50,000 of 60,000 rows .*several statements/);
  });

  it('draws a heatmap of counts', async () => {
    const sql = 'SELECT * FROM visits WHERE id < 300';
    const result = await query(sql);
    const loaded = await loadChart(engine.client, { result, sql, type: 'heatmap', axes: { x: 'Channel "main"', y: 'amount', color: null } });
    const z = loaded.figure.data[0]?.z ?? [];
    expect(z.flat().reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(300);
  });
});
