/**
 * The k-means core: kernels, seeding, Lloyd, metrics, PCA and preprocessing, checked against
 * independent computations in this file and, where Debian's python3-sklearn is installed, against
 * scikit-learn on the same numbers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/process';
import { createRng } from '../../workers/gbdt/rng';
import { createWasmKmeansKernel, kmeansWasmBytes, referenceKmeansKernel, type KmeansData } from '../../workers/cluster/kernel';
import { ClusterSums } from '../../workers/cluster/exact-sums';
import { kmeansPlusPlus, runKmeans } from '../../workers/cluster/kmeans';
import { calinskiHarabaszOf, clusterMetrics, daviesBouldinOf, silhouetteOf } from '../../workers/cluster/metrics';
import { fitPca2d } from '../../workers/cluster/pca';
import { applyPreprocessor, fitPreprocessor, toOriginalUnits, type RawColumn } from '../../workers/cluster/preprocess';
import { EngineError } from '../../workers/api';
import { repoRoot, tempDir } from '../helpers/paths';

const PYTHON = '/usr/bin/python3';
const sklearnMissing = (() => {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is not installed`;
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn, numpy'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `python3 has no scikit-learn/numpy (${probe.stderr.trim().split('\n').pop() ?? ''})`;
})();
if (sklearnMissing) console.warn(`cluster-kmeans: scikit-learn comparisons skipped: ${sklearnMissing}`);

/** Runs a Python snippet with `data` (JSON) on stdin and returns its JSON stdout. */
async function python<T>(code: string, data: unknown): Promise<T> {
  const dir = tempDir('cluster-py');
  const input = path.join(dir, 'in.json');
  fs.writeFileSync(input, JSON.stringify(data));
  const result = await runProcess(PYTHON, ['-c', `import json, sys\nimport numpy as np\ndata = json.load(open(${JSON.stringify(input)}))\n${code}`], {
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  if (result.code !== 0) throw new Error(`python failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Seeded isotropic blobs: `k` centres in [-range, range]^d, unit spread; returns data and truth. */
function blobs(n: number, d: number, k: number, seed: number, range = 20, spread = 1): { data: KmeansData; truth: Int32Array } {
  const rng = createRng(seed);
  const centres = Array.from({ length: k * d }, () => (rng() * 2 - 1) * range);
  const x = new Float32Array(n * d);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = (centres[c * d + j] as number) + gaussian(rng) * spread;
  }
  return { data: { x, n, d }, truth };
}

function uniform(n: number, d: number, seed: number): KmeansData {
  const rng = createRng(seed);
  return { x: Float32Array.from({ length: n * d }, () => rng() * 2 - 1), n, d };
}

/** Adjusted Rand index (Hubert & Arabie), from the contingency table. */
function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const table = new Map<string, number>();
  const rowSums = new Map<number, number>();
  const colSums = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]},${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rowSums.set(a[i] as number, (rowSums.get(a[i] as number) ?? 0) + 1);
    colSums.set(b[i] as number, (colSums.get(b[i] as number) ?? 0) + 1);
  }
  const pairs = (m: number): number => (m * (m - 1)) / 2;
  let index = 0;
  for (const v of table.values()) index += pairs(v);
  let rows = 0;
  for (const v of rowSums.values()) rows += pairs(v);
  let cols = 0;
  for (const v of colSums.values()) cols += pairs(v);
  const expected = (rows * cols) / pairs(n);
  const max = (rows + cols) / 2;
  return (index - expected) / (max - expected);
}

describe('kernels', () => {
  it('the WASM kernel gives the float64 labels exactly, near-ties included', async () => {
    const wasm = createWasmKmeansKernel();
    for (const [n, d, k, seed] of [[5000, 16, 8, 1], [3001, 5, 13, 2], [2000, 3, 32, 3], [999, 1, 2, 4]] as const) {
      const data = uniform(n, d, seed);
      const centroids = Float64Array.from({ length: k * d }, (_, i) => data.x[(i * 7) % (n * d)] as number);
      const a = new Int32Array(n);
      const b = new Int32Array(n);
      await wasm.assign(data, centroids, k, a);
      await referenceKmeansKernel.assign(data, centroids, k, b);
      expect(Array.from(a)).toEqual(Array.from(b));
    }
    // Far from the origin float32 cancels badly: most rows go to float64, labels stay exact.
    const far = uniform(2003, 4, 5);
    for (let i = 0; i < far.x.length; i++) far.x[i] = 10_000 + (far.x[i] as number);
    const farCentroids = Float64Array.from({ length: 9 * 4 }, (_, i) => far.x[(i * 13) % far.x.length] as number);
    const fa = new Int32Array(2003);
    const fb = new Int32Array(2003);
    expect(await wasm.assign(far, farCentroids, 9, fa)).toBeGreaterThan(100);
    await referenceKmeansKernel.assign(far, farCentroids, 9, fb);
    expect(Array.from(fa)).toEqual(Array.from(fb));
    // Exact ties: every row equidistant from two centroids goes to the lower index.
    const tie: KmeansData = { x: Float32Array.from([0, 0, 1, 1, -1, 2]), n: 3, d: 2 };
    const labels = new Int32Array(3);
    const flagged = await wasm.assign(tie, Float64Array.from([1, 0, 0, 1, 5, 5, 0, 1]), 4, labels);
    expect(flagged).toBeGreaterThan(0);
    expect(Array.from(labels)).toEqual([0, 0, 1]);
  });

  it('the WASM update gives the same exact sums as the JS loop, bit for bit', async () => {
    const data = uniform(4096, 7, 9);
    // Values 2^40 times smaller in every other row of the last column: the sums need several parts.
    for (let i = 1; i < 4096; i += 2) data.x[i * 7 + 6] = (data.x[i * 7 + 6] as number) * 2 ** -40;
    const labels = Int32Array.from({ length: 4096 }, (_, i) => (i * 31) % 5);
    const s1 = new ClusterSums();
    const c1 = new Float64Array(5);
    const s2 = new ClusterSums();
    const c2 = new Float64Array(5);
    await createWasmKmeansKernel().update(data, labels, 5, s1, c1);
    await referenceKmeansKernel.update(data, labels, 5, s2, c2);
    expect(s1.terms).toBeGreaterThan(1);
    for (let c = 0; c < 5; c++) for (let j = 0; j < 7; j++) expect(Object.is(s1.rounded(c, j), s2.rounded(c, j)), `cluster ${c} column ${j}`).toBe(true);
    expect(Array.from(c1)).toEqual(Array.from(c2));
  });

  it('the embedded WASM is kmeans.wat compiled', async (ctx) => {
    const probe = spawnSync('wat2wasm', ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0) ctx.skip('wat2wasm (wabt) is not installed');
    const out = path.join(tempDir('kmeans-wat'), 'kmeans.wasm');
    const result = spawnSync('wat2wasm', [path.join(repoRoot, 'workers/cluster/kmeans.wat'), '-o', out], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(Buffer.from(kmeansWasmBytes()).equals(fs.readFileSync(out))).toBe(true);
  });
});

describe('k-means', () => {
  it('recovers well-separated seeded blobs (adjusted Rand index >= 0.99)', async () => {
    const { data, truth } = blobs(6000, 5, 6, 11);
    const result = await runKmeans(createWasmKmeansKernel(), data, { k: 6, nInit: 3, seed: 5 });
    expect(adjustedRandIndex(result.labels, truth)).toBeGreaterThanOrEqual(0.99);
    expect(result.converged).toBe(true);
    expect(result.sizes.reduce((s, v) => s + v, 0)).toBe(6000);
    expect([...result.sizes]).toEqual([...result.sizes].sort((a, b) => b - a));
  });

  it('is reproducible for a seed and changes with it; backends agree on every step', async () => {
    const { data } = blobs(3000, 4, 5, 12, 3, 1.5);
    const a = await runKmeans(createWasmKmeansKernel(), data, { k: 5, seed: 7, nInit: 2 });
    const b = await runKmeans(createWasmKmeansKernel(), data, { k: 5, seed: 7, nInit: 2 });
    const ref = await runKmeans(referenceKmeansKernel, data, { k: 5, seed: 7, nInit: 2 });
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.labels)).toEqual(Array.from(ref.labels));
    expect(a.inertia).toBe(ref.inertia);
    const seedA = kmeansPlusPlus(data, 5, createRng(1));
    expect(Array.from(kmeansPlusPlus(data, 5, createRng(1)))).toEqual(Array.from(seedA));
    expect(Array.from(kmeansPlusPlus(data, 5, createRng(2)))).not.toEqual(Array.from(seedA));
  });

  it('matches scikit-learn Lloyd from the same initial centroids (labels, inertia, iterations)', async (ctx) => {
    if (sklearnMissing) ctx.skip(sklearnMissing);
    const data = uniform(3000, 4, 21);
    const k = 7;
    const init = Float64Array.from(data.x.subarray(0, k * 4));
    const ours = await runKmeans(createWasmKmeansKernel(), data, { k, init, maxIter: 300, tol: 1e-4, orderBySize: false });
    const theirs = await python<{ labels: number[]; inertia: number; iter: number }>(
      `from sklearn.cluster import KMeans
X = np.array(data['x'], dtype=np.float32).astype(np.float64).reshape(-1, 4)
init = np.array(data['init'], dtype=np.float64).reshape(-1, 4)
km = KMeans(n_clusters=${k}, init=init, n_init=1, max_iter=300, tol=1e-4, algorithm='lloyd').fit(X)
print(json.dumps({'labels': km.labels_.tolist(), 'inertia': float(km.inertia_), 'iter': int(km.n_iter_)}))`,
      { x: Array.from(data.x), init: Array.from(init) },
    );
    expect(Array.from(ours.labels)).toEqual(theirs.labels);
    expect(Math.abs(ours.inertia - theirs.inertia) / theirs.inertia).toBeLessThan(1e-9);
    expect(ours.iterations).toBe(theirs.iter);
  });

  it('mini-batch mode finds the blobs too', async () => {
    const { data, truth } = blobs(20000, 4, 4, 13);
    const result = await runKmeans(createWasmKmeansKernel(), data, { k: 4, seed: 3, nInit: 2, miniBatch: { batchSize: 512 }, maxIter: 20 });
    expect(adjustedRandIndex(result.labels, truth)).toBeGreaterThanOrEqual(0.99);
  });

  it('rejects bad input with clear errors', async () => {
    const kernel = createWasmKmeansKernel();
    const data = uniform(5, 2, 1);
    await expect(runKmeans(kernel, data, { k: 6 })).rejects.toThrow(/k = 6 is more than the 5 rows/);
    await expect(runKmeans(kernel, data, { k: 0 })).rejects.toThrow(/at least 1/);
    await expect(runKmeans(kernel, { x: Float32Array.from([1, Number.NaN, 2, 3]), n: 2, d: 2 }, { k: 1 })).rejects.toThrow(/Row 0 has a missing/);
    await expect(runKmeans(kernel, data, { k: 2, init: new Float64Array(3) })).rejects.toBeInstanceOf(EngineError);
  });

  it('cancels between iterations', async () => {
    const data = uniform(20000, 8, 3);
    const controller = new AbortController();
    let iterations = 0;
    const run = runKmeans(createWasmKmeansKernel(), data, {
      k: 16,
      tol: 0,
      maxIter: 10_000,
      signal: controller.signal,
      onProgress: (_f, phase) => {
        if (phase.startsWith('iteration') && ++iterations === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('metrics', () => {
  const { data } = blobs(600, 3, 4, 31, 4, 1.2);
  const labels = Int32Array.from({ length: 600 }, (_, i) => i % 4);
  // A mislabelled share so the metrics are not trivially perfect.
  for (let i = 0; i < 600; i += 7) labels[i] = (labels[i]! + 1) % 4;
  const k = 4;
  const d = 3;
  const centroids = new Float64Array(k * d);
  const sizes = new Float64Array(k);
  for (let i = 0; i < 600; i++) {
    sizes[labels[i]!]! += 1;
    for (let j = 0; j < d; j++) centroids[labels[i]! * d + j]! += data.x[i * d + j]!;
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) centroids[c * d + j]! /= sizes[c]!;
  const dist = (a: number, b: number): number => Math.hypot(...Array.from({ length: d }, (_, j) => data.x[a * d + j]! - data.x[b * d + j]!));
  const toCentroid = (a: number, c: number): number => Math.hypot(...Array.from({ length: d }, (_, j) => data.x[a * d + j]! - centroids[c * d + j]!));

  it('silhouette, Davies-Bouldin and Calinski-Harabasz match the textbook formulas computed here', () => {
    // Silhouette, directly from its definition.
    let sil = 0;
    for (let i = 0; i < 600; i++) {
      const mean = new Array<number>(k).fill(0);
      for (let j = 0; j < 600; j++) if (j !== i) mean[labels[j]!]! += dist(i, j);
      const own = labels[i]!;
      const a = mean[own]! / (sizes[own]! - 1);
      const b = Math.min(...mean.map((s, c) => (c === own ? Infinity : s / sizes[c]!)));
      sil += (b - a) / Math.max(a, b);
    }
    sil /= 600;
    const all = Int32Array.from({ length: 600 }, (_, i) => i);
    expect(silhouetteOf(data, labels, k, all)).toBeCloseTo(sil, 10);
    // Davies-Bouldin.
    const s = Array.from({ length: k }, (_, c) => {
      let t = 0;
      for (let i = 0; i < 600; i++) if (labels[i] === c) t += toCentroid(i, c);
      return t / sizes[c]!;
    });
    const cdist = (a: number, b: number): number => Math.hypot(...Array.from({ length: d }, (_, j) => centroids[a * d + j]! - centroids[b * d + j]!));
    const db = s.reduce((acc, si, a) => acc + Math.max(...s.map((sj, b) => (a === b ? 0 : (si + sj) / cdist(a, b)))), 0) / k;
    expect(daviesBouldinOf(data, centroids, labels, k)).toBeCloseTo(db, 10);
    // Calinski-Harabasz, via the total = within + between decomposition.
    const mean = Array.from({ length: d }, (_, j) => Array.from({ length: 600 }, (_, i) => data.x[i * d + j]!).reduce((x, y) => x + y, 0) / 600);
    let total = 0;
    let within = 0;
    for (let i = 0; i < 600; i++) {
      for (let j = 0; j < d; j++) total += (data.x[i * d + j]! - mean[j]!) ** 2;
      within += toCentroid(i, labels[i]!) ** 2;
    }
    const ch = ((total - within) / (k - 1)) / (within / (600 - k));
    expect(calinskiHarabaszOf(data, centroids, labels, k, within)).toBeCloseTo(ch, 6);
  });

  it('agrees with scikit-learn (exact silhouette, DB, CH)', async (ctx) => {
    if (sklearnMissing) ctx.skip(sklearnMissing);
    const ours = clusterMetrics(data, centroids, labels, k, { silhouetteSample: 10_000 });
    const theirs = await python<{ s: number; db: number; ch: number }>(
      `from sklearn.metrics import silhouette_score, davies_bouldin_score, calinski_harabasz_score
X = np.array(data['x'], dtype=np.float32).astype(np.float64).reshape(-1, 3)
y = np.array(data['y'])
print(json.dumps({'s': float(silhouette_score(X, y)), 'db': float(davies_bouldin_score(X, y)), 'ch': float(calinski_harabasz_score(X, y))}))`,
      { x: Array.from(data.x), y: Array.from(labels) },
    );
    expect(ours.silhouetteSampled).toBe(false);
    expect(ours.silhouette).toBeCloseTo(theirs.s, 10);
    expect(ours.daviesBouldin).toBeCloseTo(theirs.db, 10);
    expect(ours.calinskiHarabasz! / theirs.ch).toBeCloseTo(1, 10);
  });

  it('samples the silhouette above the limit, deterministically for a seed', () => {
    const a = clusterMetrics(data, centroids, labels, k, { silhouetteSample: 200, seed: 4 });
    const b = clusterMetrics(data, centroids, labels, k, { silhouetteSample: 200, seed: 4 });
    const exact = clusterMetrics(data, centroids, labels, k, { silhouetteSample: 1000 });
    expect(a.silhouetteSampled).toBe(true);
    expect(a.silhouetteRows).toBe(200);
    expect(a.silhouette).toBe(b.silhouette);
    expect(Math.abs(a.silhouette! - exact.silhouette!)).toBeLessThan(0.05);
  });
});

describe('PCA', () => {
  it('finds the principal axes of a known covariance, deterministically', () => {
    // x = 3 * a + noise along (1, 1, 0)/sqrt2; y = a along (1, -1, 0)/sqrt2; z small.
    const rng = createRng(8);
    const n = 4000;
    const x = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = gaussian(rng) * 3;
      const b = gaussian(rng);
      x[i * 3] = (a + b) / Math.SQRT2 + 5;
      x[i * 3 + 1] = (a - b) / Math.SQRT2 - 2;
      x[i * 3 + 2] = gaussian(rng) * 0.1;
    }
    const pca = fitPca2d({ x, n, d: 3 });
    expect(Math.abs(pca.components[0][0]!)).toBeCloseTo(Math.SQRT1_2, 1);
    expect(Math.abs(pca.components[0][1]!)).toBeCloseTo(Math.SQRT1_2, 1);
    expect(pca.components[0][0]! * pca.components[0][1]!).toBeGreaterThan(0);
    expect(pca.components[1][0]! * pca.components[1][1]!).toBeLessThan(0);
    const dot = pca.components[0].reduce((s, v, j) => s + v * pca.components[1][j]!, 0);
    expect(Math.abs(dot)).toBeLessThan(1e-9);
    expect(pca.explained[0]).toBeCloseTo(9 / 10.01, 1);
    expect(fitPca2d({ x, n, d: 3 })).toEqual(pca);
  });
});

describe('preprocessing', () => {
  const n = 8;
  const income = Float64Array.from([1, 2, 2, 3, 4, 1000, Number.NaN, 5]);
  const age = Float64Array.from([20, 30, 40, 50, 60, 70, 80, -5]);
  const city: RawColumn = { name: 'city', kind: 'text', values: ['a', 'b', 'a', null, 'c', 'a', 'b', 'a'] };
  const columns: RawColumn[] = [
    { name: 'income', kind: 'numeric', values: income },
    { name: 'age', kind: 'numeric', values: age },
    city,
  ];

  it('imputes, log1p-transforms skewed non-negative columns, standardises and one-hot encodes; round-trips through JSON', () => {
    const { preprocessor, warnings } = fitPreprocessor(columns, { maxLevels: 2 });
    expect(preprocessor.features).toEqual(['income', 'age', 'city=a', 'city=b']);
    const incomeT = preprocessor.columns[0]!;
    const ageT = preprocessor.columns[1]!;
    expect(incomeT.kind === 'numeric' && incomeT.log1p).toBe(true);
    expect(ageT.kind === 'numeric' && ageT.log1p).toBe(false); // has a negative value
    expect(incomeT.kind === 'numeric' && incomeT.impute).toBe(3); // median of the 7 present values
    expect(warnings.some((w) => w.includes('"income": 1 missing value replaced by the median (3)'))).toBe(true);
    expect(warnings.some((w) => w.includes('"city" has 3 levels'))).toBe(true);
    const again = JSON.parse(JSON.stringify(preprocessor)) as typeof preprocessor;
    const x = applyPreprocessor(again, columns, n);
    // Independent: log1p then population z-score.
    const logged = Array.from(income, (v) => Math.log1p(Number.isNaN(v) ? 3 : v));
    const mean = logged.reduce((s, v) => s + v, 0) / n;
    const std = Math.sqrt(logged.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    for (let i = 0; i < n; i++) expect(x[i * 4]).toBeCloseTo((logged[i]! - mean) / std, 5);
    const ageMean = Array.from(age).reduce((s, v) => s + v, 0) / n;
    const ageStd = Math.sqrt(Array.from(age).reduce((s, v) => s + (v - ageMean) ** 2, 0) / n);
    for (let i = 0; i < n; i++) expect(x[i * 4 + 1]).toBeCloseTo((age[i]! - ageMean) / ageStd, 5);
    expect(Array.from({ length: n }, (_, i) => [x[i * 4 + 2], x[i * 4 + 3]])).toEqual([[1, 0], [0, 1], [1, 0], [1, 0], [0, 0], [1, 0], [0, 1], [1, 0]]);
    // Back to original units: the population centre of income is exp(mean) - 1.
    const centre = toOriginalUnits(preprocessor, [0, 0, 0.5, 0.25]);
    expect(centre.income).toBeCloseTo(Math.expm1(mean), 8);
    expect(centre.age).toBeCloseTo(ageMean, 8);
    expect(centre['city=a']).toBe(0.5);
  });

  it('robust scaling uses the median and the interquartile range (numpy percentiles)', () => {
    const { preprocessor } = fitPreprocessor([{ name: 'v', kind: 'numeric', values: Float64Array.from([1, 2, 3, 4, 100]) }], { scaling: 'robust', log1p: 'none' });
    const t = preprocessor.columns[0]!;
    expect(t.kind === 'numeric' && [t.center, t.scale]).toEqual([3, 2]);
  });

  it('fails clearly on all-constant features, empty columns and missing values without imputation', () => {
    expect(() => fitPreprocessor([{ name: 'a', kind: 'numeric', values: Float64Array.from([2, 2, 2]) }])).toThrow(/all constant/);
    expect(() => fitPreprocessor([{ name: 'a', kind: 'numeric', values: Float64Array.from([Number.NaN, Number.NaN]) }])).toThrow(/"a" has no values/);
    expect(() => fitPreprocessor([{ name: 'a', kind: 'numeric', values: Float64Array.from([1, Number.NaN, 3]) }], { impute: 'none' })).toThrow(/1 missing or non-finite value/);
    expect(() => fitPreprocessor([])).toThrow(/no feature columns/);
    expect(() => fitPreprocessor(columns, { log1p: ['age'] })).toThrow(/log1p needs values >= 0/);
  });
});
