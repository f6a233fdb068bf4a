/**
 * k-means: greedy k-means++ seeding, Lloyd iterations (as scikit-learn's `lloyd`: stop on
 * unchanged labels or when the total squared centroid shift is within tol * mean feature
 * variance), n_init restarts keeping the lowest inertia, and a mini-batch mode for large N.
 * Deterministic for a seed. The heavy loops run in a `KmeansKernel` (kernel.ts).
 */
import { EngineError, throwIfAborted } from '../protocol/errors';
import { createRng } from '../gbdt/rng';
import { ClusterSums, clusterMeans, columnBits, type Relocation } from './exact-sums';
import { dataFingerprint, sameFingerprint, type DataFingerprint } from './fingerprint';
import { nearestExact, squaredDistance, type KmeansData, type KmeansKernel } from './kernel';

export interface MiniBatchOptions {
  /** Rows per step (default 1024, as scikit-learn). */
  batchSize?: number;
}

export interface KmeansOptions {
  k: number;
  /** Restarts with different seeds; the lowest inertia wins (default 1). */
  nInit?: number;
  /** Lloyd iterations per restart (default 300); for mini-batch, passes over the data. */
  maxIter?: number;
  /** Relative tolerance on the centroid shift, scaled by the mean feature variance (default 1e-4). */
  tol?: number;
  seed?: number;
  miniBatch?: MiniBatchOptions | null;
  /** Initial centroids (k x d); then nInit must be 1. */
  init?: Float64Array;
  /** Rows drawn for k-means++ seeding when N is larger (default 50,000). */
  seedSample?: number;
  /** Renumber clusters by size, largest first (default true). */
  orderBySize?: boolean;
  signal?: AbortSignal;
  onProgress?: (fraction: number, phase: string) => void;
}

export interface KmeansRun {
  inertia: number;
  iterations: number;
  converged: boolean;
}

export interface KmeansResult {
  k: number;
  /** k x d, in the scaled space. */
  centroids: Float64Array;
  labels: Int32Array;
  sizes: number[];
  inertia: number;
  iterations: number;
  converged: boolean;
  /** Total squared centroid shift per iteration of the kept run. */
  shifts: number[];
  restarts: KmeansRun[];
  /** Rows decided in float64 because float32 could not tell their two nearest centroids apart (last assignment). */
  refinedRows: number;
}

const YIELD_EVERY_MS = 40;

function yieldNow(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Cancellation and responsiveness: yields to the event loop at most every 40 ms. */
class Pacer {
  private last = Date.now();
  constructor(private readonly signal: AbortSignal | undefined) {}
  async tick(): Promise<void> {
    throwIfAborted(this.signal);
    if (Date.now() - this.last >= YIELD_EVERY_MS) {
      await yieldNow();
      this.last = Date.now();
      throwIfAborted(this.signal);
    }
  }
}

/**
 * Data arrays already checked, with their mean feature variance once known (a sweep reuses one
 * array for every k). Keyed by identity: `x` must not change after the first call (pass a new
 * array); a sampled fingerprint (fingerprint.ts) catches most rewrites and checks again.
 */
const checkedData = new WeakMap<Float32Array, { n: number; d: number; fingerprint: DataFingerprint; meanVariance?: number }>();

function checkedEntry(data: KmeansData): { meanVariance?: number } | undefined {
  const seen = checkedData.get(data.x);
  return seen && seen.n === data.n && seen.d === data.d && sameFingerprint(seen.fingerprint, dataFingerprint(data.x, data.n * data.d)) ? seen : undefined;
}

export function validateKmeansInput(data: KmeansData, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new EngineError('BAD_INPUT', `The number of segments k must be a whole number of at least 1 (got ${k}).`);
  if (data.n === 0) throw new EngineError('BAD_INPUT', 'There are no rows to cluster.');
  if (data.d === 0) throw new EngineError('BAD_INPUT', 'There are no feature columns to cluster on.');
  if (k > data.n) throw new EngineError('BAD_INPUT', `k = ${k} is more than the ${data.n} row${data.n === 1 ? '' : 's'}; each segment needs at least one row.`);
  if (checkedEntry(data)) return;
  columnBits(data); // rejects NaN and infinities, naming the row; the exact update needs the widths anyway
  checkedData.set(data.x, { n: data.n, d: data.d, fingerprint: dataFingerprint(data.x, data.n * data.d) });
}

/** scikit-learn's tolerance: tol times the mean per-feature variance. */
export function absoluteTolerance(data: KmeansData, tol: number): number {
  if (tol === 0) return 0;
  const seen = checkedEntry(data);
  if (seen?.meanVariance !== undefined) return seen.meanVariance * tol;
  const meanVariance = meanFeatureVariance(data);
  if (seen) seen.meanVariance = meanVariance;
  return meanVariance * tol;
}

function meanFeatureVariance(data: KmeansData): number {
  const { x, n, d } = data;
  let total = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * d + j] as number;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((x[i * d + j] as number) - mean) ** 2;
    total += v / n;
  }
  return total / d;
}

/** Distinct row indices, a seeded sample of `m` of `n` (sorted), or all rows. */
export function sampleRows(n: number, m: number, rng: () => number): Int32Array {
  if (m >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  // Floyd's algorithm: m draws, each distinct.
  for (let j = n - m; j < n; j++) {
    const t = Math.floor(rng() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  return Int32Array.from([...picked].sort((a, b) => a - b));
}

/**
 * Greedy k-means++ (as scikit-learn: 2 + ln k candidates per step, the one lowering the potential
 * most is kept) on a seeded sample of at most `sampleSize` rows.
 */
export function kmeansPlusPlus(data: KmeansData, k: number, rng: () => number, sampleSize = 50_000): Float64Array {
  const { d } = data;
  const rows = sampleRows(data.n, sampleSize, rng);
  const m = rows.length;
  const centroids = new Float64Array(k * d);
  const setCentroid = (c: number, row: number): void => {
    for (let j = 0; j < d; j++) centroids[c * d + j] = data.x[row * d + j] as number;
  };
  const distTo = (row: number, c: number): number => squaredDistance(data, row, centroids, c);
  setCentroid(0, rows[Math.floor(rng() * m)] as number);
  const closest = new Float64Array(m);
  let potential = 0;
  for (let s = 0; s < m; s++) {
    closest[s] = distTo(rows[s] as number, 0);
    potential += closest[s] as number;
  }
  const trials = 2 + Math.floor(Math.log(k));
  const cumulative = new Float64Array(m);
  const candidateDist = new Float64Array(m);
  const bestDist = new Float64Array(m);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let s = 0; s < m; s++) {
      acc += closest[s] as number;
      cumulative[s] = acc;
    }
    let bestPotential = Number.POSITIVE_INFINITY;
    let bestRow = -1;
    for (let t = 0; t < trials; t++) {
      let pick: number;
      if (acc > 0) {
        const target = rng() * acc;
        let lo = 0;
        let hi = m - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if ((cumulative[mid] as number) > target) hi = mid;
          else lo = mid + 1;
        }
        pick = lo;
      } else {
        pick = Math.floor(rng() * m); // every sampled row sits on a centroid already
      }
      const row = rows[pick] as number;
      setCentroid(c, row);
      let pot = 0;
      for (let s = 0; s < m; s++) {
        const v = Math.min(closest[s] as number, distTo(rows[s] as number, c));
        candidateDist[s] = v;
        pot += v;
      }
      if (pot < bestPotential) {
        bestPotential = pot;
        bestRow = row;
        bestDist.set(candidateDist);
      }
    }
    setCentroid(c, bestRow);
    closest.set(bestDist);
    potential = bestPotential;
  }
  void potential;
  return centroids;
}

/** Sum of squared distances of rows to their centroid (float64). */
export function inertiaOf(data: KmeansData, centroids: Float64Array, labels: Int32Array): number {
  let total = 0;
  for (let i = 0; i < data.n; i++) total += squaredDistance(data, i, centroids, labels[i] as number);
  return total;
}

/**
 * Empty clusters take the rows farthest from their own centroid (as scikit-learn), one each;
 * `counts` follow, the sums are adjusted by `clusterMeans` (exact-sums.ts).
 */
function relocateEmpty(data: KmeansData, centroids: Float64Array, labels: Int32Array, k: number, counts: Float64Array): Relocation[] {
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length === 0) return [];
  const far: Array<{ row: number; dist: number }> = [];
  for (let i = 0; i < data.n; i++) {
    const dist = squaredDistance(data, i, centroids, labels[i] as number);
    if (far.length < empty.length || dist > (far[far.length - 1] as { dist: number }).dist) {
      far.push({ row: i, dist });
      far.sort((a, b) => b.dist - a.dist || a.row - b.row);
      if (far.length > empty.length) far.pop();
    }
  }
  const moves: Relocation[] = [];
  empty.forEach((c, e) => {
    const entry = far[e];
    if (!entry) return;
    const from = labels[entry.row] as number;
    if ((counts[from] as number) <= 1) return;
    moves.push({ row: entry.row, from, to: c });
    counts[from] = (counts[from] as number) - 1;
    counts[c] = 1;
  });
  return moves;
}

async function lloyd(
  kernel: KmeansKernel,
  data: KmeansData,
  init: Float64Array,
  k: number,
  maxIter: number,
  tolAbs: number,
  pacer: Pacer,
  report: (iteration: number) => void,
): Promise<{ centroids: Float64Array; labels: Int32Array; iterations: number; converged: boolean; shifts: number[]; refined: number }> {
  const { n, d } = data;
  let centroids = Float64Array.from(init);
  let next = new Float64Array(k * d);
  let labels = new Int32Array(n);
  let previous = new Int32Array(n).fill(-1);
  const sums = new ClusterSums();
  const counts = new Float64Array(k);
  const shifts: number[] = [];
  let strict = false;
  let converged = false;
  let iterations = 0;
  let refined = 0;
  for (let it = 0; it < maxIter; it++) {
    refined = await kernel.assign(data, centroids, k, labels);
    await kernel.update(data, labels, k, sums, counts);
    const relocations = relocateEmpty(data, centroids, labels, k, counts);
    clusterMeans(data, sums, counts, relocations, centroids, next);
    let shift = 0;
    for (let i = 0; i < k * d; i++) shift += ((next[i] as number) - (centroids[i] as number)) ** 2;
    iterations = it + 1;
    shifts.push(shift);
    [centroids, next] = [next, centroids];
    let same = true;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== previous[i]) {
        same = false;
        break;
      }
    }
    [labels, previous] = [previous, labels];
    report(iterations);
    if (same) {
      strict = true;
      converged = true;
      break;
    }
    if (shift <= tolAbs) {
      converged = true;
      break;
    }
    await pacer.tick();
  }
  // `previous` holds the last labels. Unless they were already stable, assign once more so the
  // labels belong to the final centroids (as scikit-learn).
  let final = previous;
  if (!strict) {
    final = labels;
    refined = await kernel.assign(data, centroids, k, final);
  }
  return { centroids, labels: final, iterations, converged, shifts, refined };
}

async function miniBatch(
  kernel: KmeansKernel,
  data: KmeansData,
  init: Float64Array,
  k: number,
  maxIter: number,
  tolAbs: number,
  batchSize: number,
  rng: () => number,
  pacer: Pacer,
  report: (fraction: number) => void,
): Promise<{ centroids: Float64Array; labels: Int32Array; iterations: number; converged: boolean; shifts: number[]; refined: number }> {
  const { n, d, x } = data;
  const centroids = Float64Array.from(init);
  const weights = new Float64Array(k);
  const steps = Math.max(1, Math.floor((maxIter * n) / batchSize));
  const batch = new Int32Array(batchSize);
  const batchLabels = new Int32Array(batchSize);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const old = new Float64Array(k * d);
  const shifts: number[] = [];
  let ewaInertia = Number.NaN;
  let bestEwa = Number.POSITIVE_INFINITY;
  let noImprovement = 0;
  let converged = false;
  let step = 0;
  const alpha = Math.min(1, (batchSize * 2) / (n + 1));
  for (; step < steps; step++) {
    for (let b = 0; b < batchSize; b++) batch[b] = Math.floor(rng() * n);
    sums.fill(0);
    counts.fill(0);
    let batchInertia = 0;
    for (let b = 0; b < batchSize; b++) {
      const i = batch[b] as number;
      const l = nearestExact(data, i, centroids, k);
      batchLabels[b] = l;
      batchInertia += squaredDistance(data, i, centroids, l);
      counts[l] = (counts[l] as number) + 1;
      for (let j = 0; j < d; j++) sums[l * d + j] = (sums[l * d + j] as number) + (x[i * d + j] as number);
    }
    old.set(centroids);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const count = counts[c] as number;
      if (count === 0) continue;
      const w = (weights[c] as number) + count;
      for (let j = 0; j < d; j++) {
        const v = ((centroids[c * d + j] as number) * (weights[c] as number) + (sums[c * d + j] as number)) / w;
        shift += (v - (old[c * d + j] as number)) ** 2;
        centroids[c * d + j] = v;
      }
      weights[c] = w;
    }
    shifts.push(shift);
    batchInertia /= batchSize;
    ewaInertia = Number.isNaN(ewaInertia) ? batchInertia : ewaInertia * (1 - alpha) + batchInertia * alpha;
    if (tolAbs > 0 && shift <= tolAbs && step > 0) {
      converged = true;
      step++;
      break;
    }
    if (ewaInertia < bestEwa) {
      bestEwa = ewaInertia;
      noImprovement = 0;
    } else if (++noImprovement >= 10) {
      converged = true;
      step++;
      break;
    }
    if (step % 16 === 0) report(step / steps);
    await pacer.tick();
  }
  const labels = new Int32Array(n);
  const refined = await kernel.assign(data, centroids, k, labels);
  return { centroids, labels, iterations: step, converged, shifts, refined };
}

/** Runs k-means with restarts on a kernel; the kept run has the lowest inertia (the first on ties). */
export async function runKmeans(kernel: KmeansKernel, data: KmeansData, options: KmeansOptions): Promise<KmeansResult> {
  const k = options.k;
  validateKmeansInput(data, k);
  const nInit = options.nInit ?? 1;
  const maxIter = options.maxIter ?? 300;
  const tol = options.tol ?? 1e-4;
  if (!Number.isInteger(nInit) || nInit < 1) throw new EngineError('BAD_INPUT', `nInit must be a whole number of at least 1 (got ${nInit}).`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new EngineError('BAD_INPUT', `maxIter must be a whole number of at least 1 (got ${maxIter}).`);
  if (!(tol >= 0)) throw new EngineError('BAD_INPUT', `tol must be 0 or more (got ${tol}).`);
  if (options.init && options.init.length !== k * data.d) throw new EngineError('BAD_INPUT', `Initial centroids must be k x d = ${k * data.d} numbers (got ${options.init.length}).`);
  if (options.init && nInit !== 1) throw new EngineError('BAD_INPUT', 'Given initial centroids, nInit must be 1.');
  const batchSize = options.miniBatch ? Math.floor(options.miniBatch.batchSize ?? 1024) : 0;
  if (options.miniBatch && !(batchSize >= 1)) throw new EngineError('BAD_INPUT', 'The mini-batch size must be at least 1.');
  const rng = createRng(options.seed ?? 0);
  const pacer = new Pacer(options.signal);
  const tolAbs = absoluteTolerance(data, tol);
  const progress = options.onProgress ?? (() => undefined);
  const restarts: KmeansRun[] = [];
  let best: (Awaited<ReturnType<typeof lloyd>> & { inertia: number }) | null = null;
  for (let r = 0; r < nInit; r++) {
    const base = r / nInit;
    const label = nInit > 1 ? `restart ${r + 1}/${nInit}: ` : '';
    progress(base, `${label}seeding (k-means++)`);
    const init = options.init ? options.init : kmeansPlusPlus(data, k, rng, options.seedSample);
    await pacer.tick();
    const run = options.miniBatch
      ? await miniBatch(kernel, data, init, k, maxIter, tolAbs, batchSize, rng, pacer, (f) => progress(base + f / nInit, `${label}mini-batch ${(f * 100).toFixed(0)}%`))
      : await lloyd(kernel, data, init, k, maxIter, tolAbs, pacer, (it) => progress(base + Math.min(it / maxIter, 1) / nInit, `${label}iteration ${it}`));
    const inertia = inertiaOf(data, run.centroids, run.labels);
    restarts.push({ inertia, iterations: run.iterations, converged: run.converged });
    if (!best || inertia < best.inertia) best = { ...run, inertia };
  }
  if (!best) throw new EngineError('INTERNAL', 'k-means produced no run.');
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < data.n; i++) sizes[best.labels[i] as number]! += 1;
  let { centroids, labels } = best;
  if (options.orderBySize ?? true) {
    const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
    const rank = new Int32Array(k);
    order.forEach((c, r) => (rank[c] = r));
    const d = data.d;
    const sorted = new Float64Array(k * d);
    order.forEach((c, r) => sorted.set(centroids.subarray(c * d, c * d + d), r * d));
    const relabeled = new Int32Array(data.n);
    for (let i = 0; i < data.n; i++) relabeled[i] = rank[labels[i] as number] as number;
    centroids = sorted;
    labels = relabeled;
    const sortedSizes = order.map((c) => sizes[c] as number);
    sizes.splice(0, k, ...sortedSizes);
  }
  progress(1, 'done');
  return {
    k,
    centroids,
    labels,
    sizes,
    inertia: best.inertia,
    iterations: best.iterations,
    converged: best.converged,
    shifts: best.shifts,
    restarts,
    refinedRows: best.refined,
  };
}
