import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TagMetrics, TagSetInput } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import { checkGates, metricsFromCounts, overlapMatrix, splitHoldout, stabilityOverTime, tagMetrics, wilson } from '../../workers/tags/validation';
import { failure } from '../helpers/engine';

let engine: NodeEngine;

// 20 rows: x = 1..20, y positive on x in {1..4} and {15..20} (10 positives). The rule x > 12
// fires on 13..20 (8 rows): TP = 6 (15..20), FP = 2 (13, 14), FN = 4 (1..4), TN = 8.
const SMALL = `CREATE OR REPLACE TABLE small AS
  SELECT x, CASE WHEN x <= 4 OR x >= 15 THEN 'yes' ELSE 'no' END AS y,
         DATE '2024-01-01' + INTERVAL (x) DAY AS day,
         CASE WHEN x % 2 = 0 THEN 'even' ELSE 'odd' END AS parity
  FROM range(1, 21) t(x)`;

function tagSet(rules: Array<[string, string]>): TagSetInput {
  return {
    tags: rules.map(([id, text]) => ({ id, name: id, group: 'basic', definition: { kind: 'rule', text, ast: parseRule(text) } })),
  };
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: SMALL });
  await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE one_class AS SELECT x, true AS y FROM range(5) t(x)' });
  await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE empty_t AS SELECT 1 AS x, true AS y WHERE false' });
});
afterAll(async () => {
  await engine.close();
});

describe('Wilson intervals (hand-computed)', () => {
  it('matches the textbook values', () => {
    // 6/8: centre (0.75 + 1.96²/16) / (1 + 1.96²/8) = 0.6689, half-width 0.2596.
    const p = wilson(6, 8);
    expect(p.value).toBe(0.75);
    expect(p.low).toBeCloseTo(0.4093, 4);
    expect(p.high).toBeCloseTo(0.9285, 4);
    const r = wilson(6, 10);
    expect(r.low).toBeCloseTo(0.3127, 4);
    expect(r.high).toBeCloseTo(0.8318, 4);
    const c = wilson(8, 20);
    expect(c.low).toBeCloseTo(0.2188, 4);
    expect(c.high).toBeCloseTo(0.6134, 4);
    expect(wilson(0, 10).low).toBe(0);
    expect(wilson(0, 10).high).toBeCloseTo(0.2775, 4);
    expect(wilson(3, 0)).toEqual({ value: null, low: null, high: null });
  });

  it('gives F1 and lift posterior intervals that hold the point value and repeat exactly', () => {
    const m = metricsFromCounts(6, 2, 4, 8);
    expect(m.f1.value).toBeCloseTo(12 / 18, 12);
    expect(m.lift.value).toBeCloseTo(0.75 / 0.5, 12);
    expect(m.f1.low as number).toBeLessThan(m.f1.value as number);
    expect(m.f1.high as number).toBeGreaterThan(m.f1.value as number);
    expect(m.lift.low as number).toBeLessThan(1.5);
    expect(m.lift.high as number).toBeGreaterThan(1.5);
    expect(metricsFromCounts(6, 2, 4, 8)).toEqual(m);
    // More data, narrower interval.
    const big = metricsFromCounts(600, 200, 400, 800);
    expect((big.f1.high as number) - (big.f1.low as number)).toBeLessThan(((m.f1.high as number) - (m.f1.low as number)) / 5);
    // A tag that never fires has no precision, F1 0 has an interval, and lift is undefined.
    const never = metricsFromCounts(0, 0, 10, 10);
    expect(never.precision.value).toBeNull();
    expect(never.lift.value).toBeNull();
    expect(never.f1.value).toBe(0);
  });
});

describe('tags.validate on a hand-counted table', () => {
  it('counts TP/FP/FN/TN, the metrics and their intervals, and explains a failed gate', async () => {
    const result = await engine.client.run('tags.validate', {
      tagSet: tagSet([['high_x', 'x > 12'], ['even', "parity = 'even'"]]),
      source: { table: 'small' },
      target: 'y',
      positive: 'yes',
      split: { kind: 'all' },
      gates: { perTag: [{ metric: 'precision', min: 0.8 }, { metric: 'coverage', min: 0.01 }] },
    });
    expect(result.rows).toEqual({ train: 0, holdout: 20 });
    const high = result.tags[0];
    const m = high?.holdout as TagMetrics;
    expect([m.rows, m.positives, m.support, m.tp, m.fp, m.fn, m.tn]).toEqual([20, 10, 8, 6, 2, 4, 8]);
    expect(m.precision.value).toBe(0.75);
    expect(m.recall.value).toBe(0.6);
    expect(m.coverage.value).toBe(0.4);
    expect(m.f1.value).toBeCloseTo(2 / 3, 12);
    expect(m.lift.value).toBeCloseTo(1.5, 12);
    expect(m.baseRate).toBe(0.5);
    expect(m.precision.low).toBeCloseTo(0.4093, 4);
    expect(m.recall.high).toBeCloseTo(0.8318, 4);
    expect(high?.gates.passed).toBe(false);
    expect(high?.gates.reasons).toEqual(['precision 0.75 < 0.80 on holdout (95% CI 0.41-0.93)']);
    expect(high?.status).toBe('draft');
    // even: x in {2, 4, ..., 20}: positives among them 2, 4, 16, 18, 20 -> TP 5, FP 5.
    const even = result.tags[1]?.holdout as TagMetrics;
    expect([even.tp, even.fp]).toEqual([5, 5]);
    // Jaccard(x > 12, even): both {14, 16, 18, 20} = 4; union 8 + 10 - 4 = 14.
    expect(result.overlap.jaccard[0]?.[1]).toBeCloseTo(4 / 14, 12);
    expect(result.overlap.jaccard[1]?.[0]).toBeCloseTo(4 / 14, 12);
    expect(result.overlap.jaccard[0]?.[0]).toBe(1);
    // The set (either fires): 8 + 10 - 4 = 14 rows, positives among them 6 + 5 - 3 (16, 18, 20) = 8.
    const set = result.set.holdout as TagMetrics;
    expect([set.support, set.tp]).toEqual([14, 8]);
  });

  it('validates a tag that passes its gates on holdout, and sends a failing validated tag back to draft', async () => {
    const input = tagSet([['top', 'x >= 15'], ['weak', 'x > 12']]);
    const tags = input.tags as Array<Record<string, unknown>>;
    (tags[1] as Record<string, unknown>).status = 'validated';
    const result = await engine.client.run('tags.validate', {
      tagSet: input,
      source: { table: 'small' },
      target: 'y',
      positive: 'yes',
      split: { kind: 'all' },
      gates: { perTag: [{ metric: 'precision', min: 0.8 }, { metric: 'coverage', min: 0.05 }] },
    });
    expect(result.tags.map((t) => [t.id, t.previousStatus, t.status])).toEqual([
      ['top', 'draft', 'validated'],
      ['weak', 'validated', 'draft'],
    ]);
    expect(result.tagSet.tags.map((t) => t.status)).toEqual(['validated', 'draft']);
    // A set gate that fails keeps every tag from validation, with the reason.
    const strict = await engine.client.run('tags.validate', {
      tagSet: tagSet([['top', 'x >= 15']]),
      source: { table: 'small' },
      target: 'y',
      positive: 'yes',
      split: { kind: 'all' },
      gates: { perTag: [{ metric: 'precision', min: 0.8 }], tagSet: [{ metric: 'recall', min: 0.9 }] },
    });
    expect(strict.tags[0]?.status).toBe('draft');
    expect(strict.tags[0]?.gates.reasons.join(' ')).toMatch(/the tag set fails: recall 0\.60 < 0\.90 on holdout \(95% CI 0\.31-0\.83\)/);
  });

  it('measures coverage only without a target, and reports stability per time window', async () => {
    const result = await engine.client.run('tags.validate', {
      tagSet: tagSet([['high_x', 'x > 12']]),
      source: { table: 'small' },
      split: { kind: 'all' },
      timeColumn: 'day',
      windows: 4,
      gates: { perTag: [{ metric: 'coverage', min: 0.5 }, { metric: 'precision', min: 0.5 }] },
    });
    const t = result.tags[0];
    expect(t?.holdout).toMatchObject({ rows: 20, support: 8 });
    expect(t?.gates.reasons).toEqual(['coverage 40.0% < 50.0% on holdout (95% CI 21.9%-61.3%)', 'precision needs a target, and none was given']);
    // Four windows of 5 days: x 1-5, 6-10, 11-15, 16-20 -> the rule fires on 0, 0, 3, 5 rows.
    expect(t?.stability?.windows.map((w) => w.support)).toEqual([0, 0, 3, 5]);
    expect(t?.stability?.spread.coverage).toBe(1);
  });

  it('holds out the same rows for the same seed, per class for a stratified split, and the latest rows for a time split', async () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const a = splitHoldout(1000, { kind: 'stratified', holdoutFraction: 0.3, seed: 7 }, labels, null);
    const b = splitHoldout(1000, { kind: 'stratified', holdoutFraction: 0.3, seed: 7 }, labels, null);
    const c = splitHoldout(1000, { kind: 'stratified', holdoutFraction: 0.3, seed: 8 }, labels, null);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    let heldPositives = 0;
    let held = 0;
    for (let i = 0; i < 1000; i++) {
      held += a[i] as number;
      if (labels[i]) heldPositives += a[i] as number;
    }
    expect([held, heldPositives]).toEqual([300, 30]);
    const times = Float64Array.from({ length: 10 }, (_, i) => 100 - i);
    const timeSplit = splitHoldout(10, { kind: 'time', holdoutFraction: 0.3 }, null, times);
    expect(Array.from(timeSplit)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    const random = splitHoldout(10, { kind: 'random', holdoutFraction: 0.5, seed: 1 }, null, null);
    expect(random.reduce((s, v) => s + v, 0)).toBe(5);
  });

  it('computes metrics, overlap and stability from flags directly', () => {
    const fires = Uint8Array.from([1, 1, 0, 0, 1]);
    const labels = Uint8Array.from([1, 0, 1, 0, 1]);
    const m = tagMetrics(fires, labels, Uint8Array.from([1, 1, 1, 1, 0]));
    expect([m.tp, m.fp, m.fn, m.tn]).toEqual([1, 1, 1, 1]);
    expect(overlapMatrix([fires, Uint8Array.from([0, 1, 0, 0, 1])])[0]?.[1]).toBeCloseTo(2 / 3, 12);
    const s = stabilityOverTime(fires, labels, Float64Array.from([5, 4, 3, 2, 1]), 5);
    expect(s.windows.map((w) => w.precision)).toEqual([1, null, null, 0, 1]);
    expect(s.spread.precision).toBe(1);
    expect(checkGates(m, [{ metric: 'lift', min: 2 }]).reasons[0]).toMatch(/^lift 1\.00 < 2\.00 on holdout \(95% CI \d\.\d\d-\d\.\d\d\)$/);
  });

  it('fails in plain words on bad input', async () => {
    const base = { tagSet: tagSet([['high_x', 'x > 12']]), split: { kind: 'all' as const } };
    expect((await failure(engine.client.run('tags.validate', { ...base, source: { table: 'small' }, target: 'nope' }))).message).toMatch(/The target "nope" is not a column/);
    expect((await failure(engine.client.run('tags.validate', { ...base, source: { table: 'small' }, target: 'y', positive: 'maybe' }))).message).toMatch(/"maybe" does not occur in "y"/);
    // Every row positive: coverage only, with a warning (allnull-inputs.test.ts); every row negative: the positive value does not occur.
    expect((await engine.client.run('tags.validate', { ...base, source: { table: 'one_class' }, target: 'y' })).warnings?.join(' ')).toMatch(/one value in every row \("true"\)/);
    expect((await failure(engine.client.run('tags.validate', { ...base, source: { sql: 'SELECT x, NOT y AS y FROM one_class' }, target: 'y' }))).message).toMatch(/"true" does not occur in "y"/);
    expect((await failure(engine.client.run('tags.validate', { ...base, source: { table: 'empty_t' }, target: 'y' }))).message).toMatch(/0 rows/);
    expect((await failure(engine.client.run('tags.validate', { ...base, source: { table: 'small' }, gates: { perTag: [{ metric: 'accuracy' as 'f1', min: 1 }] } }))).message).toMatch(/Unknown gate metric "accuracy"/);
    expect((await failure(engine.client.run('tags.validate', { ...base, tagSet: tagSet([['bad', 'z > 1']]), source: { table: 'small' } }))).code).toBe('BAD_INPUT');
  });
});
