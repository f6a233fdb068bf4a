/**
 * PCA to 2D for display: the covariance of a seeded row sample (all rows up to `sampleSize`),
 * eigenvectors by cyclic Jacobi rotations on the d x d matrix (deterministic), each component's
 * sign fixed so its largest-magnitude loading is positive.
 */
import { createRng } from '../gbdt/rng';
import { sampleRows } from './kmeans';
import type { KmeansData } from './kernel';

export interface Pca2d {
  /** Column means the projection subtracts. */
  mean: number[];
  /** Two unit vectors of length d. */
  components: [number[], number[]];
  /** Share of the total variance each component explains. */
  explained: [number, number];
  sampleRows: number;
}

/** Eigen-decomposition of a symmetric matrix (row-major, size m): values descending, vectors as rows. */
export function symmetricEigen(matrix: Float64Array, m: number): { values: number[]; vectors: number[][] } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += (a[p * m + q] as number) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * m + p] as number;
        const aqq = a[q * m + q] as number;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < m; r++) {
          const arp = a[r * m + p] as number;
          const arq = a[r * m + q] as number;
          a[r * m + p] = c * arp - s * arq;
          a[r * m + q] = s * arp + c * arq;
        }
        for (let r = 0; r < m; r++) {
          const apr = a[p * m + r] as number;
          const aqr = a[q * m + r] as number;
          a[p * m + r] = c * apr - s * aqr;
          a[q * m + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < m; r++) {
          const vrp = v[r * m + p] as number;
          const vrq = v[r * m + q] as number;
          v[r * m + p] = c * vrp - s * vrq;
          v[r * m + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => (a[y * m + y] as number) - (a[x * m + x] as number) || x - y);
  return {
    values: order.map((i) => a[i * m + i] as number),
    vectors: order.map((i) => {
      const vec = Array.from({ length: m }, (_, r) => v[r * m + i] as number);
      let big = 0;
      for (const value of vec) if (Math.abs(value) > Math.abs(big)) big = value;
      return big < 0 ? vec.map((value) => -value) : vec;
    }),
  };
}

export function fitPca2d(data: KmeansData, sampleSize = 20_000, seed = 0): Pca2d {
  const { x, d } = data;
  const rows = sampleRows(data.n, sampleSize, createRng(seed));
  const m = rows.length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (x[r * d + j] as number);
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / m;
  const cov = new Float64Array(d * d);
  const centered = new Float64Array(d);
  for (const r of rows) {
    for (let j = 0; j < d; j++) centered[j] = (x[r * d + j] as number) - (mean[j] as number);
    for (let p = 0; p < d; p++) {
      const cp = centered[p] as number;
      for (let q = p; q < d; q++) cov[p * d + q] = (cov[p * d + q] as number) + cp * (centered[q] as number);
    }
  }
  for (let p = 0; p < d; p++) {
    for (let q = p; q < d; q++) {
      const value = (cov[p * d + q] as number) / Math.max(1, m - 1);
      cov[p * d + q] = value;
      cov[q * d + p] = value;
    }
  }
  const { values, vectors } = symmetricEigen(cov, d);
  const total = values.reduce((s, value) => s + Math.max(0, value), 0);
  const first = vectors[0] ?? new Array<number>(d).fill(0);
  const second = vectors[1] ?? new Array<number>(d).fill(0);
  return {
    mean: Array.from(mean),
    components: [first, second],
    explained: [total > 0 ? Math.max(0, values[0] ?? 0) / total : 0, total > 0 ? Math.max(0, values[1] ?? 0) / total : 0],
    sampleRows: m,
  };
}

/** Projects a point (length d) onto the two components. */
export function project(pca: Pca2d, point: ArrayLike<number>, offset = 0): [number, number] {
  let a = 0;
  let b = 0;
  for (let j = 0; j < pca.mean.length; j++) {
    const centered = (point[offset + j] as number) - (pca.mean[j] as number);
    a += centered * (pca.components[0][j] as number);
    b += centered * (pca.components[1][j] as number);
  }
  return [a, b];
}
