/**
 * The value (GMV) of segments on the portrait cards: each card's share of the total value, lift
 * and means equal the same sums in DuckDB, the segments' shares add up to the whole, bad values
 * fail in words; and the view's helpers (which column is the GMV, how figures are written).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { formatValueDifference, formatValueLift, formatValueShare, valueLine } from '../../renderer/format-value';
import { portraitValueExpression } from '../../renderer/views/segments/portrait-value';
import { failure } from '../helpers/engine';
import { queryRows } from '../helpers/packs';

let engine: NodeEngine;

// 240 customers in 3 segments; monetary grows with the segment; a few NULLs.
const SQL = `CREATE OR REPLACE TABLE seg AS SELECT i AS customer_id, i % 3 AS segment, (i * 37) % 365 AS recency,
  CASE WHEN i % 53 = 0 THEN NULL ELSE 50.0 * (1 + i % 3) + (i * 7919) % 100 END AS monetary, 'x' || (i % 4) AS region FROM range(240) t(i)`;

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: SQL });
});

afterAll(async () => {
  await engine.close();
});

describe('portrait cards with a value', { timeout: 60_000 }, () => {
  it('give each segment its GMV share, lift and means, equal to DuckDB sums; shares add up to 1', async () => {
    const portrait = await engine.client.run('segments.portrait', { table: 'seg', segmentColumn: 'segment', features: ['recency', 'monetary'], value: 'monetary' });
    const direct = await queryRows(engine.client, `SELECT CAST(segment AS VARCHAR) AS segment, CAST(sum(coalesce(monetary, 0)) AS DOUBLE) AS s, count(*) AS n, CAST(sum(sum(coalesce(monetary, 0))) OVER () AS DOUBLE) AS total FROM seg GROUP BY 1 ORDER BY 1`);
    expect(portrait.value).toMatchObject({ expression: 'monetary', missing: 5 });
    expect(portrait.value?.warnings[0]).toMatch(/^5 of 240 rows have no value/);
    for (const row of direct) {
      const card = portrait.cards.find((c) => c.segment === row.segment);
      expect(card?.value?.share.value).toBeCloseTo(Number(row.s) / Number(row.total), 12);
      expect(card?.value?.lift.value).toBeCloseTo(Number(row.s) / Number(row.total) / (Number(row.n) / 240), 12);
      expect(card?.value?.meanTagged.value).toBeCloseTo(Number(row.s) / Number(row.n), 9);
    }
    expect(portrait.cards.reduce((a, c) => a + (c.value?.share.value as number), 0)).toBeCloseTo(1, 12);
    // Segment 2 holds the most valuable customers.
    expect(portrait.cards.find((c) => c.segment === '2')?.value?.lift.low).toBeGreaterThan(1);
  });

  it('refuses a value that is not numeric or NULL everywhere', async () => {
    expect((await failure(engine.client.run('segments.portrait', { table: 'seg', segmentColumn: 'segment', value: 'region * 2' }))).message).toMatch(/"region" is VARCHAR, not a number/);
    expect((await failure(engine.client.run('segments.portrait', { table: 'seg', segmentColumn: 'segment', value: 'monetary / 0' }))).message).toBe('The value monetary / 0 is NULL on every row of "seg"; every figure would be 0.');
  });
});

describe('value figures in the views', () => {
  it('takes a numeric monetary column as the portrait value, and nothing else', () => {
    expect(portraitValueExpression([{ name: 'recency', type: 'INTEGER' }, { name: 'Monetary', type: 'DOUBLE' }] as never)).toBe('"Monetary"');
    expect(portraitValueExpression([{ name: 'monetary', type: 'VARCHAR' }] as never)).toBeUndefined();
    expect(portraitValueExpression([{ name: 'gmv', type: 'DOUBLE' }] as never)).toBeUndefined();
  });

  it('writes share, lift and difference with their intervals', () => {
    expect(formatValueShare({ value: 0.342, low: 0.31, high: 0.375 })).toBe('34% [31%–38%]');
    expect(formatValueShare({ value: 0.0421, low: 0.031, high: 0.0532 })).toBe('4.2% [3.1%–5.3%]');
    expect(formatValueLift({ value: 2.1, low: 1.9, high: 2.3 })).toBe('2.10× [1.90–2.30]');
    expect(formatValueLift({ value: null, low: null, high: null })).toBe('—');
    expect(formatValueDifference({ value: 812.4, low: -40, high: 1664.8 })).toBe('+812.4 [-40–+1,665]');
    expect(valueLine({ share: { value: 0.5, low: 0.4, high: 0.6 }, lift: { value: 1.5, low: 1.2, high: 1.8 }, meanTagged: { value: 10, low: 8, high: 12 }, difference: { value: 4, low: 2, high: 6 } } as never)).toBe('50% [40%–60%] of value · lift 1.50× [1.20–1.80] · mean 10 [8–12] (+4 [+2–+6] vs the rest)');
  });
});
