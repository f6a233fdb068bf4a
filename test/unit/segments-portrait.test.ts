import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortraitResult } from '../../workers/api';
import type { RuleExpr } from '../../workers/tags/ast';
import { createRng } from '../../workers/gbdt/rng';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { printRule } from '../../workers/tags/printer';
import { failure } from '../helpers/engine';

let engine: NodeEngine;
beforeAll(async () => {
  engine = await createInProcessEngine();
});
afterAll(async () => {
  await engine.close();
});

type Row = Record<string, number | string | null>;

async function load(name: string, header: string[], rows: Array<Array<number | string | null>>): Promise<void> {
  const csv = [header.join(','), ...rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(','))].join('\n');
  await engine.client.run('data.open', { source: { kind: 'bytes', name: `${name}.csv`, bytes: new TextEncoder().encode(csv) }, tableName: name, replace: true });
}

/** The rule evaluated in plain JS, with the tag language's null policy (a condition on a missing value is false). */
function holds(expr: RuleExpr, row: Row): boolean {
  if (expr.type === 'and') return expr.args.every((a) => holds(a, row));
  if (expr.type === 'compare' && expr.right.kind === 'number') {
    const v = row[expr.left.name];
    if (v === null || v === undefined) return false;
    const x = Number(v);
    const t = expr.right.value;
    return expr.op === '<=' ? x <= t : expr.op === '>' ? x > t : expr.op === '<' ? x < t : expr.op === '>=' ? x >= t : expr.op === '=' ? x === t : x !== t;
  }
  throw new Error(`unexpected node ${expr.type}`);
}

function precisionRecall(expr: RuleExpr, rows: Row[], segment: string): { precision: number; recall: number; matched: number } {
  const matched = rows.filter((r) => r.segment !== null && holds(expr, r));
  const hit = matched.filter((r) => String(r.segment) === segment).length;
  const size = rows.filter((r) => String(r.segment) === segment).length;
  return { precision: hit / matched.length, recall: hit / size, matched: matched.length };
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const sdPop = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

describe('segments.portrait on a hand-made table', () => {
  const header = ['id', 'segment', 'spend', 'visits', 'city'];
  const data: Array<[number, string | null, number, number | null, string]> = [
    [1, 'a', 100, 2, 'Leeds'],
    [2, 'a', 120, 3, 'Leeds'],
    [3, 'a', 90, 1, 'Paris'],
    [4, 'a', 110, null, 'Leeds'],
    [5, 'b', 10, 10, 'Paris'],
    [6, 'b', 20, 12, 'Paris'],
    [7, 'b', 15, 11, 'Leeds'],
    [8, 'b', 5, 9, 'Paris'],
    [9, 'b', 95, 8, 'Paris'],
    [10, null, 1000, 1000, 'Oslo'],
  ];
  const rows: Row[] = data.map(([id, segment, spend, visits, city]) => ({ id, segment, spend, visits, city }));
  const assigned = rows.filter((r) => r.segment !== null);
  let result: PortraitResult;

  beforeAll(async () => {
    await load('people', header, data);
    result = await engine.client.run('segments.portrait', { table: 'people', segmentColumn: 'segment' });
  });

  it('sizes segments, leaves out rows without a segment and skips the identifier column', () => {
    expect(result.rowCount).toBe(10);
    expect(result.unassignedRows).toBe(1);
    expect(result.features).toEqual(['spend', 'visits']);
    expect(result.categorical).toEqual(['city']);
    expect(result.cards.map((c) => [c.segment, c.size, c.share])).toEqual([
      ['a', 4, 4 / 9],
      ['b', 5, 5 / 9],
    ]);
  });

  it('compares feature means with the population: lift and z-score by hand', () => {
    for (const card of result.cards) {
      for (const feature of ['spend', 'visits']) {
        const pop = assigned.map((r) => r[feature]).filter((v): v is number => typeof v === 'number');
        const seg = assigned.filter((r) => r.segment === card.segment).map((r) => r[feature]).filter((v): v is number => typeof v === 'number');
        const stat = card.features.find((f) => f.feature === feature);
        expect(stat?.segmentMean).toBeCloseTo(mean(seg), 10);
        expect(stat?.populationMean).toBeCloseTo(mean(pop), 10);
        expect(stat?.populationStd).toBeCloseTo(sdPop(pop), 10);
        expect(stat?.lift).toBeCloseTo(mean(seg) / mean(pop), 10);
        expect(stat?.z).toBeCloseTo((mean(seg) - mean(pop)) / sdPop(pop), 10);
      }
    }
    expect(result.cards[0]?.features.find((f) => f.feature === 'visits')?.missing).toBe(1);
    // spend: a = 105 vs 62.8 (sd ~44.5) -> z ~ 0.95; visits: a = 2 vs ~7 -> z ~ -1.2: visits first.
    expect(result.cards[0]?.distinguishing).toEqual(['visits', 'spend']);
    expect(result.cards[0]?.suggestedName).toBe('Low visits · High spend');
    expect(result.cards[1]?.suggestedName).toBe('High visits · Low spend');
  });

  it('lists top categories with their shares against the population', () => {
    const city = result.cards[1]?.topCategories.find((c) => c.column === 'city');
    expect(city?.values[0]).toEqual({ value: 'Paris', count: 4, share: 4 / 5, populationShare: 5 / 9, lift: 4 / 5 / (5 / 9) });
    expect(city?.values[1]?.value).toBe('Leeds');
  });

  it('gives each segment a short rule whose precision and recall hold on the rows', () => {
    for (const card of result.cards) {
      const rule = card.rule;
      expect(rule, `rule of ${card.segment}`).not.toBeNull();
      if (!rule) continue;
      const check = precisionRecall(rule.expr, rows, card.segment);
      expect(rule.precision).toBeCloseTo(check.precision, 12);
      expect(rule.recall).toBeCloseTo(check.recall, 12);
      expect(rule.matched).toBe(check.matched);
      expect(rule.text).toBe(printRule(rule.expr));
    }
    // spend <= 95 or visits > 3 style rules separate these two perfectly.
    expect(result.cards[1]?.rule?.precision).toBe(1);
    expect(result.cards[1]?.rule?.recall).toBe(1);
  });
});

describe('segments.portrait on a seeded table larger than the rule sample', () => {
  it('finds rules that separate blobs, measured on every row, deterministically', async () => {
    const rng = createRng(3);
    const rows: Row[] = [];
    const centres: Record<string, [number, number, number]> = { low: [0, 0, 5], mid: [5, 5, 5], high: [10, 0, 5] };
    for (let i = 0; i < 3000; i++) {
      const segment = (['low', 'mid', 'high'] as const)[i % 3] as string;
      const [cx, cy, cz] = centres[segment] as [number, number, number];
      rows.push({ segment, 'x value': cx + (rng() - 0.5) * 3, y: cy + (rng() - 0.5) * 3, noise: cz + rng() });
    }
    await load('blobs', ['segment', '"x value"', 'y', 'noise'], rows.map((r) => [r.segment, r['x value'], r.y, r.noise] as Array<number | string | null>));
    const params = { table: 'blobs', segmentColumn: 'segment', ruleSampleRows: 1000, ruleDepth: 2 };
    const first = await engine.client.run('segments.portrait', params);
    const again = await engine.client.run('segments.portrait', params);
    // A hash of the row id picks about 1,000 of the 3,000 rows, the same ones every time.
    expect(first.ruleSampleRows).toBeGreaterThan(850);
    expect(first.ruleSampleRows).toBeLessThan(1150);
    expect(again.ruleSampleRows).toBe(first.ruleSampleRows);
    expect(again.cards.map((c) => c.rule?.text)).toEqual(first.cards.map((c) => c.rule?.text));
    for (const card of first.cards) {
      const rule = card.rule;
      expect(rule).not.toBeNull();
      if (!rule) continue;
      const check = precisionRecall(rule.expr, rows, card.segment);
      expect(rule.precision).toBeCloseTo(check.precision, 12);
      expect(rule.recall).toBeCloseTo(check.recall, 12);
      expect(rule.precision).toBeGreaterThan(0.95);
      expect(rule.recall).toBeGreaterThan(0.95);
      expect(card.distinguishing).not.toContain('noise');
    }
    expect(first.cards.find((c) => c.segment === 'high')?.rule?.text).toMatch(/^"x value" > \d/);
  });
});

describe('segments.portrait bad input', () => {
  it('explains missing columns, empty tables, no numeric features and too many segments', async () => {
    await load('tiny', ['segment', 'v', 'label'], [['a', 1, 'x'], ['b', 2, 'y']]);
    const noColumn = await failure(engine.client.run('segments.portrait', { table: 'tiny', segmentColumn: 'cluster' }));
    expect(noColumn.code).toBe('BAD_INPUT');
    expect(noColumn.message).toMatch(/segment column "cluster" is not in table "tiny"/);
    const textFeature = await failure(engine.client.run('segments.portrait', { table: 'tiny', segmentColumn: 'segment', features: ['label'] }));
    expect(textFeature.message).toMatch(/"label" has type VARCHAR/);
    await engine.client.run('sql.run', { sql: 'CREATE TABLE nothing (segment INTEGER, v DOUBLE)' });
    const empty = await failure(engine.client.run('segments.portrait', { table: 'nothing', segmentColumn: 'segment' }));
    expect(empty.message).toMatch(/is empty/);
    await engine.client.run('sql.run', { sql: 'CREATE TABLE words (segment VARCHAR, w VARCHAR)' });
    await engine.client.run('sql.run', { sql: "INSERT INTO words VALUES ('a', 'x')" });
    const noNumbers = await failure(engine.client.run('segments.portrait', { table: 'words', segmentColumn: 'segment' }));
    expect(noNumbers.message).toMatch(/no numeric feature columns/);
    await engine.client.run('sql.run', { sql: 'CREATE TABLE many AS SELECT range AS segment, range * 2.5 AS v FROM range(500)' });
    const tooMany = await failure(engine.client.run('segments.portrait', { table: 'many', segmentColumn: 'segment' }));
    expect(tooMany.message).toMatch(/500 distinct values/);
    const badDepth = await failure(engine.client.run('segments.portrait', { table: 'tiny', segmentColumn: 'segment', ruleDepth: 5 }));
    expect(badDepth.message).toMatch(/ruleDepth must be a whole number from 1 to 3/);
    const preview = await engine.client.run('sql.run', { sql: 'SELECT count(*) AS n FROM tiny' });
    expect(Number(tableFromIPC(preview.preview).get(0)?.toJSON().n)).toBe(2);
  });
});
