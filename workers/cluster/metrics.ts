/**
 * Clustering quality on the scaled data: inertia, silhouette (exact up to `sampleSize` rows, else
 * on a seeded sample of that many rows, as scikit-learn's silhouette_score(sample_size=...)),
 * Davies-Bouldin and Calinski-Harabasz (both exact, O(n d)). Euclidean distances, float64.
 */
import { createRng } from '../gbdt/rng';
import { inertiaOf, sampleRows } from './kmeans';
import type { KmeansData } from './kernel';

export interface ClusterMetrics {
  inertia: number;
  /** Mean silhouette in [-1, 1]; null when undefined (k < 2 or k = n). */
  silhouette: number | null;
  /** Rows the silhouette was computed on (= n when exact). */
  silhouetteRows: number;
  silhouetteSampled: boolean;
  /** Lower is better; null for k < 2. */
  daviesBouldin: number | null;
  /** Higher is better; null for k < 2 or k = n. */
  calinskiHarabasz: number | null;
}

/** Mean silhouette over `rows` (indices into data), among those rows only. Singletons score 0. */
export function silhouetteOf(data: KmeansData, labels: Int32Array, k: number, rows: Int32Array): number | null {
  const m = rows.length;
  const { x, d } = data;
  const sub = new Int32Array(m);
  const sizes = new Float64Array(k);
  for (let a = 0; a < m; a++) {
    sub[a] = labels[rows[a] as number] as number;
    sizes[sub[a] as number] = (sizes[sub[a] as number] as number) + 1;
  }
  let used = 0;
  for (let c = 0; c < k; c++) if ((sizes[c] as number) > 0) used++;
  if (used < 2 || used >= m) return null;
  // Sum of distances from each row to every cluster, each pair computed once.
  const toCluster = new Float64Array(m * k);
  for (let a = 0; a < m; a++) {
    const ra = (rows[a] as number) * d;
    const la = sub[a] as number;
    for (let b = a + 1; b < m; b++) {
      const rb = (rows[b] as number) * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = (x[ra + j] as number) - (x[rb + j] as number);
        s += t * t;
      }
      const dist = Math.sqrt(s);
      const ab = a * k + (sub[b] as number);
      const ba = b * k + la;
      toCluster[ab] = (toCluster[ab] as number) + dist;
      toCluster[ba] = (toCluster[ba] as number) + dist;
    }
  }
  let total = 0;
  for (let a = 0; a < m; a++) {
    const own = sub[a] as number;
    const ownSize = sizes[own] as number;
    if (ownSize <= 1) continue; // scikit-learn: 0 for a singleton
    const within = (toCluster[a * k + own] as number) / (ownSize - 1);
    let nearest = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      if (c === own || (sizes[c] as number) === 0) continue;
      nearest = Math.min(nearest, (toCluster[a * k + c] as number) / (sizes[c] as number));
    }
    const denom = Math.max(within, nearest);
    total += denom > 0 ? (nearest - within) / denom : 0;
  }
  return total / m;
}

/** Davies-Bouldin: mean over clusters of the worst (s_i + s_j) / |c_i - c_j|, s = mean distance to the centroid (as scikit-learn). */
export function daviesBouldinOf(data: KmeansData, centroids: Float64Array, labels: Int32Array, k: number): number | null {
  if (k < 2) return null;
  const { x, n, d } = data;
  const spread = new Float64Array(k);
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const l = labels[i] as number;
    let s = 0;
    for (let j = 0; j < d; j++) s += ((x[i * d + j] as number) - (centroids[l * d + j] as number)) ** 2;
    spread[l] = (spread[l] as number) + Math.sqrt(s);
    sizes[l] = (sizes[l] as number) + 1;
  }
  for (let c = 0; c < k; c++) spread[c] = (sizes[c] as number) > 0 ? (spread[c] as number) / (sizes[c] as number) : 0;
  let total = 0;
  for (let a = 0; a < k; a++) {
    let worst = 0;
    for (let b = 0; b < k; b++) {
      if (a === b) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += ((centroids[a * d + j] as number) - (centroids[b * d + j] as number)) ** 2;
      const separation = Math.sqrt(s);
      // As scikit-learn: coinciding centroids (distance 0) do not count.
      const ratio = separation > 0 ? ((spread[a] as number) + (spread[b] as number)) / separation : 0;
      worst = Math.max(worst, ratio);
    }
    total += worst;
  }
  return total / k;
}

/** Calinski-Harabasz: (between-cluster dispersion / (k - 1)) / (within-cluster dispersion / (n - k)). */
export function calinskiHarabaszOf(data: KmeansData, centroids: Float64Array, labels: Int32Array, k: number, inertia: number): number | null {
  const { x, n, d } = data;
  if (k < 2 || n <= k) return null;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x[i * d + j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / n;
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) sizes[labels[i] as number] = (sizes[labels[i] as number] as number) + 1;
  let between = 0;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += ((centroids[c * d + j] as number) - (mean[j] as number)) ** 2;
    between += (sizes[c] as number) * s;
  }
  if (inertia === 0) return 1; // scikit-learn's value when every row sits on its centroid
  return (between / (k - 1)) / (inertia / (n - k));
}

export interface MetricOptions {
  /** Silhouette is exact up to this many rows, sampled above (default 4000). */
  silhouetteSample?: number;
  seed?: number;
  /** Pass the inertia when already known. */
  inertia?: number;
}

export function clusterMetrics(data: KmeansData, centroids: Float64Array, labels: Int32Array, k: number, options: MetricOptions = {}): ClusterMetrics {
  const inertia = options.inertia ?? inertiaOf(data, centroids, labels);
  const limit = Math.max(2, Math.floor(options.silhouetteSample ?? 4000));
  const rows = sampleRows(data.n, limit, createRng(options.seed ?? 0));
  return {
    inertia,
    silhouette: silhouetteOf(data, labels, k, rows),
    silhouetteRows: rows.length,
    silhouetteSampled: rows.length < data.n,
    daviesBouldin: daviesBouldinOf(data, centroids, labels, k),
    calinskiHarabasz: calinskiHarabaszOf(data, centroids, labels, k, inertia),
  };
}
