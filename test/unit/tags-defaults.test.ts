/**
 * Defaults that work together: rules mined with the default settings can pass validation with its
 * default gates (measured on online shoppers), and a failed gate always reads as a failure (the
 * figure and its bound never print the same).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { DEFAULT_MINE_OPTIONS } from '../../workers/tags/mining';
import { checkGates, DEFAULT_GATES, DEFAULT_PRECISION_GATE, formatGateFigures, metricsFromCounts, type GateMetric } from '../../workers/tags/validation';
import { samples } from '../helpers/paths';

describe('gate reasons', () => {
  it('show enough digits that a failed comparison never reads "0.80 < 0.80"', () => {
    // 1,599 of 2,000 right: precision 0.7995, which two decimals round to the gate's 0.80.
    const m = metricsFromCounts(1599, 401, 100, 7900);
    const outcome = checkGates(m, [{ metric: 'precision', min: 0.8 }]);
    expect(outcome.passed).toBe(false);
    expect(outcome.reasons[0]).toMatch(/^precision 0\.799 < 0\.800 on holdout \(95% CI 0\.\d{3}-0\.\d{3}\)$/);
    // Coverage 0.995% against a 1% gate; a max gate the same way.
    const c = checkGates(metricsFromCounts(199, 0, 0, 19801), [{ metric: 'coverage', min: 0.01 }, { metric: 'precision', max: 0.9999 }]);
    expect(c.reasons).toEqual([expect.stringMatching(/^coverage 0\.995% < 1\.000% on holdout/), expect.stringMatching(/^precision 1\.0000 > 0\.9999 on holdout/)]);
    // A clear failure keeps the short form.
    expect(checkGates(metricsFromCounts(50, 50, 10, 890), [{ metric: 'precision', min: 0.8 }]).reasons[0]).toMatch(/^precision 0\.50 < 0\.80 on holdout/);
  });

  it('never print a failed figure equal to its bound (property)', () => {
    const metrics: GateMetric[] = ['precision', 'recall', 'f1', 'lift', 'coverage'];
    fc.assert(
      fc.property(fc.constantFrom(...metrics), fc.double({ min: 0.001, max: 5, noNaN: true }), fc.double({ min: 1e-9, max: 0.01, noNaN: true }), (metric, bound, gap) => {
        const value = bound - gap * bound;
        if (!(value < bound)) return;
        const shown = formatGateFigures(metric, value, bound);
        expect(shown.value).not.toBe(shown.bound);
        expect(parseFloat(shown.value)).toBeLessThanOrEqual(parseFloat(shown.bound));
      }),
      { numRuns: 500 },
    );
  });
});

describe('mining defaults and the validation gate', { timeout: 120_000 }, () => {
  let engine: NodeEngine;
  beforeAll(async () => {
    engine = await createInProcessEngine();
    await engine.client.run('data.open', { source: { kind: 'path', path: samples.shoppers } });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('mines above the default precision gate', () => {
    expect(DEFAULT_GATES.perTag?.find((g) => g.metric === 'precision')?.min).toBe(DEFAULT_PRECISION_GATE);
    expect(DEFAULT_MINE_OPTIONS.minPrecision).toBeGreaterThan(DEFAULT_PRECISION_GATE);
  });

  it('on online shoppers, freshly mined rules with every default pass validation with every default', async () => {
    const source = { table: 'online_shoppers_intention' };
    const mined = await engine.client.run('rules.mine', { source, target: 'Revenue' });
    expect(mined.rules.length).toBeGreaterThan(0);
    // The mined tags remember their table.
    expect(mined.tagSet.tags.every((t) => t.entity?.table === 'online_shoppers_intention')).toBe(true);
    const validated = await engine.client.run('tags.validate', { tagSet: mined.tagSet, source, target: 'Revenue' });
    const passed = validated.tags.filter((t) => t.gates.passed);
    console.log(`defaults: ${passed.length} of ${validated.tags.length} freshly mined rules pass the default gates; holdout precision ${validated.tags.map((t) => ('precision' in t.holdout ? t.holdout.precision.value?.toFixed(3) : '-')).join(', ')}`);
    expect(passed.length).toBeGreaterThan(0);
    expect(validated.tagSet.tags.filter((t) => t.status === 'validated')).toHaveLength(passed.length);
  });
});
