/**
 * Measuring tags: how often a tag fires (coverage), how often it is right (precision), how much of
 * the target it finds (recall), F1 and lift over the base rate, with 95% intervals; holdout splits;
 * stability across time windows; overlap between tags; and gates that decide whether a tag may be
 * called validated.
 *
 * Intervals:
 * - coverage, precision and recall are proportions: Wilson score intervals (z = 1.96).
 * - F1 and lift are not proportions of one sample, so they get a Bayesian interval instead: the four
 *   confusion cells (TP, FP, FN, TN) are multinomial, their probabilities get a Jeffreys
 *   Dirichlet(0.5, 0.5, 0.5, 0.5) prior, and the interval is the 2.5% and 97.5% percentiles of F1
 *   (2·TP / (2·TP + FP + FN)) and lift (precision / base rate) over 2,000 posterior draws from a
 *   fixed-seed generator, so the same counts always give the same interval.
 */
import { createRng } from '../gbdt/rng';
import { EngineError } from '../protocol/errors';
import { jaccardBits, toBitset } from './bitsets';

const Z95 = 1.959963984540054;

/** A measured figure with its 95% interval; all null when it is undefined (e.g. precision of a tag that never fires). */
export interface Estimate {
  value: number | null;
  low: number | null;
  high: number | null;
}

/** Counts and metrics of one tag (or tag set) against a binary target on a set of rows. */
export interface TagMetrics {
  rows: number;
  /** Rows where the target is positive. */
  positives: number;
  /** Rows where the tag fires. */
  support: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  baseRate: number | null;
  coverage: Estimate;
  precision: Estimate;
  recall: Estimate;
  f1: Estimate;
  lift: Estimate;
}

/** Coverage only: for data without a target. */
export interface CoverageOnly {
  rows: number;
  support: number;
  coverage: Estimate;
}

/** The 95% Wilson score interval of k successes in n trials. */
export function wilson(k: number, n: number, z = Z95): Estimate {
  if (!(n > 0)) return { value: null, low: null, high: null };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Marsaglia–Tsang gamma(shape, 1) variate; shapes below 1 use the u^(1/shape) boost. */
function gammaVariate(shape: number, rng: () => number, normal: () => number): number {
  if (shape < 1) return gammaVariate(shape + 1, rng, normal) * Math.pow(rng() || Number.MIN_VALUE, 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u || Number.MIN_VALUE) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function percentile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

const POSTERIOR_DRAWS = 2000;

/** Posterior 95% intervals of F1 and lift from the confusion counts (see the file comment). */
export function f1AndLiftIntervals(tp: number, fp: number, fn: number, tn: number, seed = 20240601): { f1: [number, number]; lift: [number, number] } {
  const rng = createRng(seed ^ (tp * 31 + fp * 17 + fn * 7 + tn));
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = rng() || Number.MIN_VALUE;
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const f1s = new Float64Array(POSTERIOR_DRAWS);
  const lifts = new Float64Array(POSTERIOR_DRAWS);
  for (let i = 0; i < POSTERIOR_DRAWS; i++) {
    const a = gammaVariate(tp + 0.5, rng, normal);
    const b = gammaVariate(fp + 0.5, rng, normal);
    const c = gammaVariate(fn + 0.5, rng, normal);
    const d = gammaVariate(tn + 0.5, rng, normal);
    const total = a + b + c + d;
    f1s[i] = (2 * a) / (2 * a + b + c);
    lifts[i] = (a / (a + b)) / ((a + c) / total);
  }
  f1s.sort();
  lifts.sort();
  return { f1: [percentile(f1s, 0.025), percentile(f1s, 0.975)], lift: [percentile(lifts, 0.025), percentile(lifts, 0.975)] };
}

/** Metrics from confusion counts. */
export function metricsFromCounts(tp: number, fp: number, fn: number, tn: number): TagMetrics {
  const rows = tp + fp + fn + tn;
  const positives = tp + fn;
  const support = tp + fp;
  const baseRate = rows > 0 ? positives / rows : null;
  const precision = wilson(tp, support);
  const recall = wilson(tp, positives);
  let f1: Estimate = { value: null, low: null, high: null };
  let lift: Estimate = { value: null, low: null, high: null };
  if (rows > 0) {
    const intervals = f1AndLiftIntervals(tp, fp, fn, tn);
    if (2 * tp + fp + fn > 0) f1 = { value: (2 * tp) / (2 * tp + fp + fn), low: intervals.f1[0], high: intervals.f1[1] };
    if (support > 0 && positives > 0) lift = { value: tp / support / (positives / rows), low: intervals.lift[0], high: intervals.lift[1] };
  }
  return { rows, positives, support, tp, fp, fn, tn, baseRate, coverage: wilson(support, rows), precision, recall, f1, lift };
}

/**
 * Confusion counts of a tag over some rows. `fires[i]` and `labels[i]` are 0/1; `rows` selects
 * the rows to count (all when null).
 */
export function countConfusion(fires: Uint8Array, labels: Uint8Array, rows: Uint8Array | null): { tp: number; fp: number; fn: number; tn: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < fires.length; i++) {
    if (rows && rows[i] === 0) continue;
    const f = fires[i] as number;
    const y = labels[i] as number;
    if (f) {
      if (y) tp++;
      else fp++;
    } else if (y) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

export function tagMetrics(fires: Uint8Array, labels: Uint8Array, rows: Uint8Array | null = null): TagMetrics {
  const c = countConfusion(fires, labels, rows);
  return metricsFromCounts(c.tp, c.fp, c.fn, c.tn);
}

export function coverageOnly(fires: Uint8Array, rows: Uint8Array | null = null): CoverageOnly {
  let n = 0;
  let support = 0;
  for (let i = 0; i < fires.length; i++) {
    if (rows && rows[i] === 0) continue;
    n++;
    support += fires[i] as number;
  }
  return { rows: n, support, coverage: wilson(support, n) };
}

/** Any rule fires -> the tag fires. */
export function unionOf(fires: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (const f of fires) for (let i = 0; i < length; i++) out[i] = (out[i] as number) | (f[i] as number);
  return out;
}

// ---------------------------------------------------------------- splits

export interface TagSplit {
  /** 'all' measures on every row (no training happened on this data). */
  kind: 'random' | 'stratified' | 'time' | 'all';
  /** Share of rows held out (default 0.3). */
  holdoutFraction?: number;
  /** For 'time': the latest rows by this column are held out. */
  timeColumn?: string;
  seed?: number;
}

function shuffleInPlace(a: Uint32Array, rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}

/**
 * Marks holdout rows (1) and training rows (0). Random and stratified splits are seeded; a time
 * split holds out the latest rows (rows without a time stay in training; ties keep row order).
 */
export function splitHoldout(n: number, split: TagSplit, labels: Uint8Array | null, times: Float64Array | null): Uint8Array {
  const holdout = new Uint8Array(n);
  if (split.kind === 'all') return holdout.fill(1);
  const fraction = split.holdoutFraction ?? 0.3;
  if (!(fraction > 0 && fraction < 1)) throw new EngineError('BAD_INPUT', `The holdout share must be between 0 and 1 (got ${fraction}).`);
  const rng = createRng(split.seed ?? 42);
  if (split.kind === 'time') {
    if (!times) throw new EngineError('BAD_INPUT', 'A time split needs a time column.');
    const order = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(times[i] as number));
    order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
    const take = Math.round(n * fraction);
    for (let k = Math.max(0, order.length - take); k < order.length; k++) holdout[order[k] as number] = 1;
    return holdout;
  }
  if (split.kind === 'stratified') {
    if (!labels) throw new EngineError('BAD_INPUT', 'A stratified split needs a target.');
    for (const cls of [0, 1]) {
      const members = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => labels[i] === cls);
      shuffleInPlace(members, rng);
      const take = Math.round(members.length * fraction);
      for (let k = 0; k < take; k++) holdout[members[k] as number] = 1;
    }
    return holdout;
  }
  if (split.kind !== 'random') throw new EngineError('BAD_INPUT', `Unknown split kind "${String(split.kind)}"; use random, stratified, time or all.`);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, rng);
  const take = Math.round(n * fraction);
  for (let k = 0; k < take; k++) holdout[order[k] as number] = 1;
  return holdout;
}

// ---------------------------------------------------------------- stability

export interface WindowMetrics {
  /** Time range of the window (the time column's values, as numbers: epoch seconds for dates). */
  from: number;
  to: number;
  rows: number;
  support: number;
  coverage: number | null;
  precision: number | null;
  recall: number | null;
}

export interface Stability {
  windows: WindowMetrics[];
  /** Max minus min over windows with a defined value. */
  spread: { coverage: number | null; precision: number | null; recall: number | null };
}

function spreadOf(values: Array<number | null>): number | null {
  const defined = values.filter((v): v is number => v !== null);
  if (defined.length === 0) return null;
  return Math.max(...defined) - Math.min(...defined);
}

/**
 * The tag's metrics in `windowCount` consecutive time windows of equal row counts (rows sorted by
 * time; rows without a time are left out), and how far they spread.
 */
export function stabilityOverTime(fires: Uint8Array, labels: Uint8Array | null, times: Float64Array, windowCount: number, rows: Uint8Array | null = null): Stability {
  const order = Uint32Array.from({ length: fires.length }, (_, i) => i).filter((i) => !Number.isNaN(times[i] as number) && (!rows || rows[i] === 1));
  order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
  const k = Math.max(1, Math.min(windowCount, order.length));
  const windows: WindowMetrics[] = [];
  for (let w = 0; w < k && order.length > 0; w++) {
    const start = Math.floor((w * order.length) / k);
    const end = Math.floor(((w + 1) * order.length) / k);
    let support = 0;
    let tp = 0;
    let positives = 0;
    for (let j = start; j < end; j++) {
      const i = order[j] as number;
      const f = fires[i] as number;
      support += f;
      if (labels && labels[i]) {
        positives++;
        tp += f;
      }
    }
    const n = end - start;
    windows.push({
      from: times[order[start] as number] as number,
      to: times[order[end - 1] as number] as number,
      rows: n,
      support,
      coverage: n > 0 ? support / n : null,
      precision: labels && support > 0 ? tp / support : null,
      recall: labels && positives > 0 ? tp / positives : null,
    });
  }
  return {
    windows,
    spread: { coverage: spreadOf(windows.map((w) => w.coverage)), precision: spreadOf(windows.map((w) => w.precision)), recall: spreadOf(windows.map((w) => w.recall)) },
  };
}

// ---------------------------------------------------------------- overlap

/** Jaccard similarity of the rows each pair of tags fires on (symmetric, 1 on the diagonal). */
export function overlapMatrix(fires: Uint8Array[], rows: Uint8Array | null = null): number[][] {
  const bits = fires.map((f) => toBitset(f, rows));
  const m = bits.map(() => new Array<number>(bits.length).fill(1));
  for (let a = 0; a < bits.length; a++) {
    for (let b = a + 1; b < bits.length; b++) {
      const j = jaccardBits(bits[a] as Uint32Array, bits[b] as Uint32Array);
      (m[a] as number[])[b] = j;
      (m[b] as number[])[a] = j;
    }
  }
  return m;
}

// ---------------------------------------------------------------- gates

/** valueLift / valueShare: GMV lift and GMV share of the tagged entities (value-stats.ts); they need a value expression. */
export type GateMetric = 'precision' | 'recall' | 'f1' | 'lift' | 'coverage' | 'support' | 'valueLift' | 'valueShare';

/** The value figures a value gate reads (value-stats.ts ValueStats; structural, so this file does not import it). */
export interface GateValueFigures {
  lift: Estimate;
  share: Estimate;
}

export interface Gate {
  metric: GateMetric;
  /** The figure must be at least this (shares as fractions: coverage 1% is 0.01). */
  min?: number;
  /** The figure must be at most this. */
  max?: number;
}

export interface GateSpec {
  /** Every tag must pass these on holdout. */
  perTag?: Gate[];
  /** The tag set (any tag fires) must pass these on holdout. */
  tagSet?: Gate[];
}

export interface GateOutcome {
  passed: boolean;
  /** Plain words, one per failed gate. */
  reasons: string[];
}

/** The default precision gate: a tag must be right 80% of the time on holdout rows. */
export const DEFAULT_PRECISION_GATE = 0.8;

/** Common default: a tag must be right 80% of the time and reach at least 1% of rows. */
export const DEFAULT_GATES: GateSpec = { perTag: [{ metric: 'precision', min: DEFAULT_PRECISION_GATE }, { metric: 'coverage', min: 0.01 }] };

/**
 * How far above the precision gate mining aims by default. A rule is chosen because it scored well
 * on the rows it was chosen on, so on rows it never saw its precision is usually a few points
 * lower: mined at the gate itself, fresh rules on online shoppers measured 0.68-0.80 on holdout
 * and nearly all failed a 0.80 gate; mined 0.05 above it, 14 of 17 rules over six seeds passed.
 */
export const MINING_PRECISION_MARGIN = 0.05;

/** Mining's default minimum precision: the default gate plus the margin (0.85). */
export const DEFAULT_MINING_PRECISION = Math.round((DEFAULT_PRECISION_GATE + MINING_PRECISION_MARGIN) * 100) / 100;

const PERCENT_METRICS = new Set<GateMetric>(['coverage', 'valueShare']);

function formatFigure(metric: GateMetric, v: number, digits?: number): string {
  if (metric === 'support') return Math.round(v).toLocaleString('en-US');
  if (PERCENT_METRICS.has(metric)) return `${(v * 100).toFixed(digits ?? (v < 0.1 ? 2 : 1))}%`;
  return v.toFixed(digits ?? 2);
}

/**
 * A figure and the bound it failed, with enough digits that they read differently: 0.799 against
 * 0.8 is "0.799 < 0.800", never "0.80 < 0.80". The 95% interval is shown at the same precision.
 */
export function formatGateFigures(metric: GateMetric, value: number, bound: number): { value: string; bound: string; digits: number | undefined } {
  if (metric === 'support') return { value: formatFigure(metric, value), bound: formatFigure(metric, bound), digits: undefined };
  const base = PERCENT_METRICS.has(metric) ? (value < 0.1 ? 2 : 1) : 2;
  for (let digits = base; digits <= 12; digits++) {
    const a = formatFigure(metric, value, digits);
    const b = formatFigure(metric, bound, digits);
    if (a !== b || value === bound) return { value: a, bound: b, digits };
  }
  return { value: String(PERCENT_METRICS.has(metric) ? value * 100 : value), bound: String(PERCENT_METRICS.has(metric) ? bound * 100 : bound), digits: undefined };
}

export function checkGates(metrics: TagMetrics | CoverageOnly, gates: Gate[], where = 'holdout', valueFigures?: GateValueFigures | null): GateOutcome {
  const reasons: string[] = [];
  for (const gate of gates) {
    let estimate: Estimate | null;
    if (gate.metric === 'valueLift' || gate.metric === 'valueShare') {
      if (!valueFigures) {
        reasons.push(`${gate.metric} needs a value expression (e.g. Quantity * UnitPrice), and none was given`);
        continue;
      }
      estimate = gate.metric === 'valueLift' ? valueFigures.lift : valueFigures.share;
      if (estimate.value === null) {
        reasons.push(`${gate.metric} is undefined on ${where} (${metrics.support === 0 ? 'the tag never fires' : 'the total value is 0'})`);
        continue;
      }
    } else if (gate.metric === 'support') estimate = { value: metrics.support, low: null, high: null };
    else if (gate.metric === 'coverage') estimate = metrics.coverage;
    else estimate = 'precision' in metrics ? metrics[gate.metric] : null;
    const name = gate.metric;
    if (!estimate || estimate.value === null) {
      reasons.push(estimate ? `${name} is undefined on ${where} (${metrics.support === 0 ? 'the tag never fires' : 'no positive rows'})` : `${name} needs a target, and none was given`);
      continue;
    }
    const value = estimate.value;
    const fail = (op: '<' | '>', bound: number): void => {
      const shown = formatGateFigures(name, value, bound);
      const ci = estimate.low !== null && estimate.high !== null ? ` (95% CI ${formatFigure(name, estimate.low, shown.digits)}-${formatFigure(name, estimate.high, shown.digits)})` : '';
      reasons.push(`${name} ${shown.value} ${op} ${shown.bound} on ${where}${ci}`);
    };
    if (gate.min !== undefined && !(value >= gate.min)) fail('<', gate.min);
    if (gate.max !== undefined && !(value <= gate.max)) fail('>', gate.max);
  }
  return { passed: reasons.length === 0, reasons };
}

/** Checks a gate list's shape (job parameters come from outside). */
export function checkGateSpec(spec: GateSpec | undefined): GateSpec {
  if (spec === undefined) return DEFAULT_GATES;
  if (spec === null || typeof spec !== 'object') throw new EngineError('BAD_INPUT', 'Gates must be an object with perTag and/or tagSet lists.');
  const metrics: GateMetric[] = ['precision', 'recall', 'f1', 'lift', 'coverage', 'support', 'valueLift', 'valueShare'];
  for (const list of [spec.perTag, spec.tagSet]) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new EngineError('BAD_INPUT', 'perTag and tagSet gates must be lists.');
    for (const g of list) {
      if (!g || !metrics.includes(g.metric)) throw new EngineError('BAD_INPUT', `Unknown gate metric "${String(g?.metric)}"; use one of ${metrics.join(', ')}.`);
      if (g.min === undefined && g.max === undefined) throw new EngineError('BAD_INPUT', `The ${g.metric} gate needs a min or a max.`);
      for (const bound of [g.min, g.max]) if (bound !== undefined && !Number.isFinite(bound)) throw new EngineError('BAD_INPUT', `The ${g.metric} gate's bound must be a number.`);
    }
  }
  return spec;
}
