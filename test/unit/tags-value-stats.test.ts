/**
 * The value (GMV) figures of a tag and their analytic 95% intervals: an exact hand-computed case,
 * the delta-method standard errors against a jackknife, coverage of the true value over seeds on
 * generated lognormal data with a known answer, and the documented edge cases (net value ≤ 0, a
 * tag that never fires or fires everywhere).
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../workers/gbdt/rng';
import { valueStats, valueStatsByGroup, type ValueStats } from '../../workers/tags/value-stats';

function data(tagged: number[], rest: number[]): { values: Float64Array; fires: Uint8Array } {
  return { values: Float64Array.from([...tagged, ...rest]), fires: Uint8Array.from([...tagged.map(() => 1), ...rest.map(() => 0)]) };
}

function normalFrom(rng: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(rng() || Number.MIN_VALUE)) * Math.cos(2 * Math.PI * rng());
}

describe('value stats of a tag', () => {
  it('computes coverage, share, lift, means and difference exactly', () => {
    const { values, fires } = data([10, 20, 30], [0, 5, 5, 10]);
    const s = valueStats(values, fires);
    expect([s.entities, s.tagged, s.total, s.taggedTotal]).toEqual([7, 3, 80, 60]);
    expect(s.coverage.value).toBeCloseTo(3 / 7, 12);
    expect(s.share.value).toBeCloseTo(0.75, 12);
    expect(s.lift.value).toBeCloseTo(1.75, 12);
    expect(s.meanTagged.value).toBeCloseTo(20, 12);
    expect(s.meanRest.value).toBeCloseTo(5, 12);
    expect(s.difference.value).toBeCloseTo(15, 12);
    // Means: sample sd 10 over 3 tagged -> se 10/sqrt(3); Welch for the difference.
    expect((s.meanTagged.high as number) - 20).toBeCloseTo(1.959963984540054 * (10 / Math.sqrt(3)), 9);
    const seDiff = Math.sqrt(100 / 3 + 50 / 3 / 4);
    expect((s.difference.high as number) - 15).toBeCloseTo(1.959963984540054 * seDiff, 9);
    expect(s.warnings.some((w) => w.includes('only 3 tagged'))).toBe(true);
  });

  it('has delta-method standard errors for share and lift that agree with a jackknife', () => {
    const rng = createRng(7);
    const normal = normalFrom(rng);
    const n = 600;
    const values = new Float64Array(n);
    const fires = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      fires[i] = rng() < 0.3 ? 1 : 0;
      values[i] = Math.exp((fires[i] ? 1 : 0.2) + 0.7 * normal()) - (rng() < 0.05 ? 3 : 0);
    }
    const full = valueStats(values, fires);
    const jack = { share: [] as number[], lift: [] as number[] };
    for (let i = 0; i < n; i++) {
      const keep = new Uint8Array(n).fill(1);
      keep[i] = 0;
      const s = valueStats(values, fires, keep);
      jack.share.push(s.share.value as number);
      jack.lift.push(s.lift.value as number);
    }
    const jackSe = (xs: number[]): number => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return Math.sqrt(((xs.length - 1) / xs.length) * xs.reduce((a, b) => a + (b - m) ** 2, 0));
    };
    const se = (e: ValueStats['share']): number => ((e.high as number) - (e.low as number)) / (2 * 1.959963984540054);
    expect(se(full.share) / jackSe(jack.share)).toBeGreaterThan(0.97);
    expect(se(full.share) / jackSe(jack.share)).toBeLessThan(1.03);
    expect(se(full.lift) / jackSe(jack.lift)).toBeGreaterThan(0.97);
    expect(se(full.lift) / jackSe(jack.lift)).toBeLessThan(1.03);
  });

  it('covers the true share, lift, mean and difference about 95% of the time over seeds (lognormal GMV)', () => {
    // Entities are tagged with probability p; value | tagged ~ lognormal(1, 0.8), untagged ~ lognormal(0, 0.8).
    const p = 0.2;
    const sigma = 0.8;
    const meanT = Math.exp(1 + (sigma * sigma) / 2);
    const meanR = Math.exp(0 + (sigma * sigma) / 2);
    const meanAll = p * meanT + (1 - p) * meanR;
    const truth = { share: (p * meanT) / meanAll, lift: meanT / meanAll, meanTagged: meanT, difference: meanT - meanR };
    const seeds = 400;
    const n = 1500;
    const hits = { share: 0, lift: 0, meanTagged: 0, difference: 0 };
    const values = new Float64Array(n);
    const fires = new Uint8Array(n);
    for (let seed = 1; seed <= seeds; seed++) {
      const rng = createRng(seed * 7919);
      const normal = normalFrom(rng);
      for (let i = 0; i < n; i++) {
        fires[i] = rng() < p ? 1 : 0;
        values[i] = Math.exp((fires[i] ? 1 : 0) + sigma * normal());
      }
      const s = valueStats(values, fires);
      for (const key of Object.keys(hits) as Array<keyof typeof hits>) {
        const e = s[key];
        if ((e.low as number) <= truth[key] && truth[key] <= (e.high as number)) hits[key]++;
      }
    }
    for (const key of Object.keys(hits) as Array<keyof typeof hits>) {
      const rate = hits[key] / seeds;
      expect(rate, `${key} covered ${rate}`).toBeGreaterThan(0.92);
      expect(rate, `${key} covered ${rate}`).toBeLessThan(0.98);
    }
  });

  it('computes on net value with a warning when refunds make the total negative, and leaves share undefined at a total of 0', () => {
    const negative = valueStats(...Object.values(data([-50, 10], [5, -20, 15])) as [Float64Array, Uint8Array]);
    expect(negative.total).toBe(-40);
    expect(negative.share.value).toBeCloseTo(-40 / -40, 12);
    expect(negative.warnings.some((w) => w.includes('negative'))).toBe(true);
    const zero = valueStats(...Object.values(data([10], [-10])) as [Float64Array, Uint8Array]);
    expect(zero.share.value).toBeNull();
    expect(zero.lift.value).toBeNull();
    expect(zero.warnings.some((w) => w.includes('total value is 0'))).toBe(true);
  });

  it('reports a tag that never fires as share 0 with undefined lift, and one that always fires as lift 1 without a rest', () => {
    const never = valueStats(Float64Array.from([1, 2, 3]), Uint8Array.from([0, 0, 0]));
    expect(never.share.value).toBe(0);
    expect(never.lift.value).toBeNull();
    expect(never.meanTagged.value).toBeNull();
    expect(never.difference.value).toBeNull();
    expect(never.warnings[0]).toMatch(/fires on no entity/);
    const always = valueStats(Float64Array.from([1, 2, 3]), Uint8Array.from([1, 1, 1]));
    expect(always.share.value).toBe(1);
    expect(always.lift.value).toBeCloseTo(1, 12);
    expect(always.meanRest.value).toBeNull();
    expect(always.difference.value).toBeNull();
  });

  it('judges every class of a multi-class assignment at once, as each class alone (rows in no class count in every rest)', () => {
    const rng = createRng(11);
    const n = 500;
    const values = Float64Array.from({ length: n }, () => 100 * rng() - 10);
    const group = Int32Array.from({ length: n }, () => Math.floor(rng() * 5) - 1);
    const all = valueStatsByGroup(values, group, 4);
    for (let g = 0; g < 4; g++) {
      const alone = valueStats(values, Uint8Array.from(group, (x) => (x === g ? 1 : 0)));
      for (const key of ['share', 'lift', 'meanTagged', 'meanRest', 'difference'] as const) {
        expect(all[g]?.[key].value).toBeCloseTo(alone[key].value as number, 10);
        expect(all[g]?.[key].low).toBeCloseTo(alone[key].low as number, 8);
      }
      expect(all[g]?.tagged).toBe(alone.tagged);
    }
  });
});
