/**
 * A tag's measured quality travels with it: `metrics` on a tag (holdout figures with their 95%
 * intervals, the rows counted, the split, the target, when and by which job) round-trips through
 * JSON, older tag sets without it still load, tags.validate replaces it, and an edit drops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTagSet as parseTagSetFromApi, parseTagSetJson as parseTagSetJsonFromApi, type TagMetrics, type TagSetInput } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import { parseTagSet, parseTagSetJson, redefineTag, ruleDefinition, type TagMeasurement } from '../../workers/tags/tag';
import { coverageOnly, metricsFromCounts } from '../../workers/tags/validation';

const rule = (text: string) => ({ kind: 'rule' as const, text, ast: parseRule(text) });

// x > 12 over x = 1..20 with y positive on 1..4 and 15..20: TP 6, FP 2, FN 4, TN 8 (as in tags-validation).
const measured: TagMeasurement = {
  measuredAt: '2026-11-24T01:00:00.000Z',
  by: 'rules.mine',
  text: 'x > 12',
  target: { column: 'y', positive: 'yes' },
  split: { kind: 'stratified', holdoutFraction: 0.3, seed: 42 },
  holdout: metricsFromCounts(6, 2, 4, 8),
};

function setWith(metrics: unknown): unknown {
  return { tags: [{ id: 'high_x', name: 'High x', group: 'basic', definition: rule('x > 12'), ...(metrics === undefined ? {} : { metrics }) }] };
}

describe('tag metrics in the tag set file', () => {
  it('round-trips holdout metrics (figures, intervals, counts, split, target, time) through JSON', () => {
    const set = parseTagSet(setWith(measured));
    const again = parseTagSetJson(JSON.stringify(set));
    expect(again).toEqual(set);
    const m = again.tags[0]?.metrics;
    expect(m).toEqual(measured);
    const h = m?.holdout as TagMetrics;
    expect([h.rows, h.support, h.tp, h.fp, h.fn, h.tn]).toEqual([20, 8, 6, 2, 4, 8]);
    expect(h.precision.value).toBe(0.75);
    expect(h.precision.low).toBeCloseTo(0.4093, 4);
    expect(h.f1.low).not.toBeNull();
    expect(h.lift.value).toBeCloseTo(1.5, 12);
    // Coverage only (no target) is a measurement too; undefined figures are null.
    const onlyCoverage = { ...measured, by: 'tags.validate', target: undefined, split: { kind: 'all' }, holdout: coverageOnly(new Uint8Array([1, 0, 0, 1])) };
    expect(parseTagSetJson(JSON.stringify(setWith(onlyCoverage))).tags[0]?.metrics?.holdout).toEqual({ rows: 4, support: 2, coverage: expect.objectContaining({ value: 0.5 }) });
    const never = { ...measured, holdout: metricsFromCounts(0, 0, 3, 7) };
    expect((parseTagSetJson(JSON.stringify(setWith(never))).tags[0]?.metrics?.holdout as TagMetrics).precision).toEqual({ value: null, low: null, high: null });
    // The same readers are public through workers/api.
    expect(parseTagSetJsonFromApi(JSON.stringify(set))).toEqual(set);
    expect(parseTagSetFromApi(set)).toEqual(set);
  });

  it('loads tag sets written before metrics existed', () => {
    const old = parseTagSetJson(JSON.stringify(setWith(undefined)));
    expect(old.tags[0]?.metrics).toBeUndefined();
    expect(JSON.parse(JSON.stringify(old)).tags[0]).not.toHaveProperty('metrics');
  });

  it('rejects malformed metrics in plain words', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ ...measured, holdout: { ...measured.holdout, tp: -1 } }, /tags\[0\]\.metrics\.holdout/],
      [{ ...measured, holdout: { ...measured.holdout, precision: { value: '0.75', low: null, high: null } } }, /tags\[0\]\.metrics\.holdout/],
      [{ ...measured, by: 'guess' }, /tags\[0\]\.metrics\.by/],
      [{ ...measured, measuredAt: undefined }, /tags\[0\]\.metrics\.measuredAt/],
      [{ ...measured, split: { kind: 'sometimes' } }, /tags\[0\]\.metrics\.split\.kind/],
      [{ ...measured, extra: 1 }, /tags\[0\]\.metrics/],
    ];
    for (const [metrics, message] of bad) expect(() => parseTagSet(setWith(metrics))).toThrow(message);
  });

  it('drops the figures when the rule is edited', () => {
    const tag = parseTagSet(setWith(measured)).tags[0];
    expect(tag?.metrics).toBeDefined();
    const edited = redefineTag(tag as NonNullable<typeof tag>, ruleDefinition('x > 14'));
    expect(edited.metrics).toBeUndefined();
    expect(edited.status).toBe('draft');
  });
});

describe('tags.validate records its measurement on each rule tag', () => {
  let engine: NodeEngine;
  beforeAll(async () => {
    engine = await createInProcessEngine();
    await engine.client.run('sql.run', { sql: "CREATE OR REPLACE TABLE small AS SELECT x, CASE WHEN x <= 4 OR x >= 15 THEN 'yes' ELSE 'no' END AS y FROM range(1, 21) t(x)" });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('replaces older metrics with the holdout figures, the target, the split and the time', async () => {
    const before = Date.now();
    const input = parseTagSet({
      tags: [
        { id: 'high_x', name: 'High x', group: 'basic', definition: rule('x > 12'), metrics: { ...measured, holdout: metricsFromCounts(1, 1, 1, 1) } },
        { id: 'low_x', name: 'Low x', group: 'basic', definition: rule('x <= 4') },
        { id: 'churn', name: 'Churn', group: 'predictive', definition: { kind: 'model', modelRef: 'm1', threshold: 0.5 }, metrics: measured },
      ],
    }) as TagSetInput;
    const result = await engine.client.run('tags.validate', { tagSet: input, source: { table: 'small' }, target: 'y', positive: 'yes', split: { kind: 'all' }, gates: {} });
    const [high, low, churn] = result.tagSet.tags;
    expect(high?.metrics).toMatchObject({ by: 'tags.validate', text: 'x > 12', target: { column: 'y', positive: 'yes' }, split: { kind: 'all' } });
    expect(high?.metrics?.holdout).toEqual(result.tags[0]?.holdout);
    expect([(high?.metrics?.holdout as TagMetrics).tp, (high?.metrics?.holdout as TagMetrics).fp]).toEqual([6, 2]);
    expect(Date.parse(high?.metrics?.measuredAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect((low?.metrics?.holdout as TagMetrics).precision.value).toBe(1);
    // Tags this job does not measure keep what they had.
    expect(churn?.metrics).toEqual(measured);
    // The result's tag set is a valid tag set, metrics and all.
    expect(parseTagSetJson(JSON.stringify(result.tagSet))).toEqual(result.tagSet);

    const noTarget = await engine.client.run('tags.validate', { tagSet: input, source: { table: 'small' }, split: { kind: 'random', holdoutFraction: 0.5, seed: 1 }, gates: {} });
    const m = noTarget.tagSet.tags[0]?.metrics;
    expect(m).not.toHaveProperty('target');
    expect(m?.split).toEqual({ kind: 'random', holdoutFraction: 0.5, seed: 1 });
    expect(m?.holdout).toEqual({ rows: 10, support: noTarget.tags[0]?.holdout.support, coverage: noTarget.tags[0]?.holdout.coverage });
  });
});
