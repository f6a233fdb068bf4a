/**
 * The value (GMV) of a tag, segment or label: which share of the total value its entities hold,
 * against which share of the entities they are.
 *
 * Per tag, over N entities of which n_T are tagged, with values v (net: refunds may make v < 0):
 * - coverage  C = n_T / N                                      (95% Wilson interval)
 * - share     s = Σ_T v / Σ v                                   (GMV share of the tagged entities)
 * - lift      L = s / C = mean_T / mean_all                     (1 = as valuable as the average entity)
 * - meanTagged, meanRest: mean value per entity in and out of the tag, and difference = meanTagged - meanRest.
 *
 * Intervals are analytic (95%, normal approximation), not bootstrap: share and lift get the delta
 * method (the ratio's influence function over i.i.d. entities, which accounts for the tagged count
 * being random too), the means the standard error of a mean, the difference Welch's standard error.
 * Why analytic: every figure needs only three sums per group (count, sum, sum of squared deviations),
 * so the same numbers come from DuckDB aggregates on a million entities as from a JS loop, in one
 * pass, deterministic without a seed, and identical in the CLI, the app and a pack; a bootstrap by
 * entity would take ~1,000 passes. Its weakness is the bootstrap's too: with few tagged entities
 * and heavy-tailed values the interval is too narrow, so a tag with fewer than 30 tagged (or
 * untagged) entities carries a warning. Coverage of the true value over seeds is tested on
 * generated lognormal data (test/unit/tags-value-stats.test.ts).
 *
 * Net value: a total ≤ 0 (refunds exceed sales) leaves share and lift defined on net value but hard
 * to read (a larger "share" of a negative total is more loss), so they come with a warning, and
 * are null when the total is exactly 0.
 */
import { wilson, type Estimate } from './validation';

const Z95 = 1.959963984540054;
/** Below this many entities in a group the normal approximation is shaky: say so. */
export const FEW_ENTITIES = 30;

/** Count, sum and sum of squared deviations from the mean of the values of one group. */
export interface ValueMoments {
  n: number;
  sum: number;
  /** Σ (v - mean)²; 0 for n ≤ 1. */
  m2: number;
}

export interface ValueStats {
  /** Entities measured (rows of the tagged table). */
  entities: number;
  tagged: number;
  /** Net value of every entity, and of the tagged ones. */
  total: number;
  taggedTotal: number;
  coverage: Estimate;
  /** GMV share of the tagged entities: taggedTotal / total. */
  share: Estimate;
  /** share / coverage: how much more value a tagged entity brings than the average one. */
  lift: Estimate;
  meanTagged: Estimate;
  meanRest: Estimate;
  /** meanTagged - meanRest. */
  difference: Estimate;
  /** How the intervals were made. */
  interval: 'analytic: Wilson (coverage), delta method (share, lift), normal (means), Welch (difference)';
  /** Plain words: few entities, total ≤ 0, a tag that never fires. */
  warnings: string[];
}

export const VALUE_INTERVAL_METHOD: ValueStats['interval'] = 'analytic: Wilson (coverage), delta method (share, lift), normal (means), Welch (difference)';

const NONE: Estimate = { value: null, low: null, high: null };

function wald(value: number, se: number): Estimate {
  if (!Number.isFinite(value)) return NONE;
  if (!Number.isFinite(se)) return { value, low: null, high: null };
  return { value, low: value - Z95 * se, high: value + Z95 * se };
}

/** Welford's moments of the values where `fires` is `want` (and `rows` selects, when given); NaN values are skipped by the caller's choice of 0. */
export function valueMoments(values: Float64Array, fires: Uint8Array, want: 0 | 1, rows: Uint8Array | null = null): ValueMoments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if ((rows && rows[i] === 0) || (fires[i] ? 1 : 0) !== want) continue;
    const v = values[i] as number;
    n++;
    sum += v;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  return { n, sum, m2: n > 1 ? Math.max(0, m2) : 0 };
}

/** Σ (α v + β)² over a group, from its moments. */
function sumOfSquares(g: ValueMoments, alpha: number, beta: number): number {
  if (g.n === 0) return 0;
  const mean = g.sum / g.n;
  const centre = alpha * mean + beta;
  return g.n * centre * centre + alpha * alpha * g.m2;
}

function meanEstimate(g: ValueMoments): Estimate {
  if (g.n === 0) return NONE;
  const mean = g.sum / g.n;
  if (g.n < 2) return { value: mean, low: null, high: null };
  return wald(mean, Math.sqrt(g.m2 / (g.n - 1) / g.n));
}

/** Every figure of the file comment from the moments of the tagged and the untagged entities. */
export function valueStatsFromMoments(tagged: ValueMoments, rest: ValueMoments): ValueStats {
  const N = tagged.n + rest.n;
  const total = tagged.sum + rest.sum;
  const warnings: string[] = [];
  const base = {
    entities: N,
    tagged: tagged.n,
    total,
    taggedTotal: tagged.sum,
    coverage: wilson(tagged.n, N),
    interval: VALUE_INTERVAL_METHOD,
  };
  if (N === 0) return { ...base, share: NONE, lift: NONE, meanTagged: NONE, meanRest: NONE, difference: NONE, warnings: ['there are no entities to measure'] };
  const meanTagged = meanEstimate(tagged);
  const meanRest = meanEstimate(rest);
  let difference: Estimate = NONE;
  if (tagged.n > 0 && rest.n > 0) {
    const varT = tagged.n > 1 ? tagged.m2 / (tagged.n - 1) : Number.NaN;
    const varR = rest.n > 1 ? rest.m2 / (rest.n - 1) : Number.NaN;
    difference = wald(tagged.sum / tagged.n - rest.sum / rest.n, Math.sqrt(varT / tagged.n + varR / rest.n));
  }
  if (tagged.n === 0) warnings.push('the tag fires on no entity: its share is 0 and its lift and mean are undefined');
  else if (tagged.n < FEW_ENTITIES) warnings.push(`only ${tagged.n} tagged entit${tagged.n === 1 ? 'y' : 'ies'}: the intervals are rough`);
  if (rest.n > 0 && rest.n < FEW_ENTITIES) warnings.push(`only ${rest.n} untagged entit${rest.n === 1 ? 'y' : 'ies'}: the intervals are rough`);
  if (total === 0) {
    warnings.push('the total value is 0: share and lift are undefined');
    return { ...base, share: NONE, lift: NONE, meanTagged, meanRest, difference, warnings };
  }
  if (total < 0) warnings.push('the total net value is negative (refunds exceed sales): share and lift are computed on net value, and a larger share of a negative total means more loss');
  const B = total / N;
  const s = tagged.sum / total;
  // Influence of each entity on s: (f·v - s·v) / B, i.e. (1 - s)·v/B when tagged, -s·v/B otherwise.
  const varShare = (sumOfSquares(tagged, (1 - s) / B, 0) + sumOfSquares(rest, -s / B, 0)) / (N * N);
  const share = wald(s, Math.sqrt(varShare));
  let lift: Estimate = NONE;
  if (tagged.n > 0) {
    const C = tagged.n / N;
    const A = tagged.sum / N;
    const L = s / C;
    if (A === 0) lift = { value: L, low: null, high: null };
    else {
      // Influence of L = A / (B·C): L·[(f·v - A)/A - (v - B)/B - (f - C)/C], linear in v per group.
      const varLift = (sumOfSquares(tagged, L * (1 / A - 1 / B), L * (1 - 1 / C)) + sumOfSquares(rest, -L / B, L)) / (N * N);
      lift = wald(L, Math.sqrt(varLift));
    }
  }
  return { ...base, share, lift, meanTagged, meanRest, difference, warnings };
}

/** The value stats of one tag from per-row fires and values (rows: those measured, all when null). */
export function valueStats(values: Float64Array, fires: Uint8Array, rows: Uint8Array | null = null): ValueStats {
  return valueStatsFromMoments(valueMoments(values, fires, 1, rows), valueMoments(values, fires, 0, rows));
}

/** The moments of two groups together (Chan et al.'s parallel update of the sum of squared deviations). */
export function mergeMoments(a: ValueMoments, b: ValueMoments): ValueMoments {
  const n = a.n + b.n;
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const delta = b.sum / b.n - a.sum / a.n;
  return { n, sum: a.sum + b.sum, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n };
}

/**
 * Value stats of every class of a multi-class assignment at once (labels, segments), in one pass:
 * `group[i]` is row i's class (0..groups-1), or -1 for a row in no class (it counts in every
 * class's rest). For labels: the predicted label per row; each class is then judged as a tag.
 */
export function valueStatsByGroup(values: Float64Array, group: Int32Array, groups: number, rows: Uint8Array | null = null): ValueStats[] {
  const n = new Float64Array(groups + 1);
  const mean = new Float64Array(groups + 1);
  const m2 = new Float64Array(groups + 1);
  const sum = new Float64Array(groups + 1);
  for (let i = 0; i < values.length; i++) {
    if (rows && rows[i] === 0) continue;
    const raw = group[i] as number;
    const g = raw >= 0 && raw < groups ? raw : groups;
    const v = values[i] as number;
    n[g] = (n[g] as number) + 1;
    sum[g] = (sum[g] as number) + v;
    const d = v - (mean[g] as number);
    mean[g] = (mean[g] as number) + d / (n[g] as number);
    m2[g] = (m2[g] as number) + d * (v - (mean[g] as number));
  }
  const moments: ValueMoments[] = Array.from({ length: groups + 1 }, (_, g) => ({ n: n[g] as number, sum: sum[g] as number, m2: (n[g] as number) > 1 ? Math.max(0, m2[g] as number) : 0 }));
  // Prefix and suffix merges give each class's rest in O(groups).
  const prefix: ValueMoments[] = [{ n: 0, sum: 0, m2: 0 }];
  for (let g = 0; g <= groups; g++) prefix.push(mergeMoments(prefix[g] as ValueMoments, moments[g] as ValueMoments));
  const suffix: ValueMoments[] = new Array<ValueMoments>(groups + 2);
  suffix[groups + 1] = { n: 0, sum: 0, m2: 0 };
  for (let g = groups; g >= 0; g--) suffix[g] = mergeMoments(moments[g] as ValueMoments, suffix[g + 1] as ValueMoments);
  return Array.from({ length: groups }, (_, g) => valueStatsFromMoments(moments[g] as ValueMoments, mergeMoments(prefix[g] as ValueMoments, suffix[g + 1] as ValueMoments)));
}
