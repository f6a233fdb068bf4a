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
  // Converged when the off-diagonal mass is negligible against the whole matrix. An absolute bound
  // is never reached on rank-deficient covariances (more columns than sample rows), whose rounding
  // noise kept all 100 sweeps running: 31 s for 400 columns.
  let norm = 0;
  for (let i = 0; i < m * m; i++) norm += (a[i] as number) ** 2;
  const tolerance = Math.max(1e-300, norm * 1e-28);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += (a[p * m + q] as number) ** 2;
    if (off < tolerance) break;
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

/** Up to this many columns the whole eigen-decomposition (Jacobi) is cheap; wider tables take the top components only. */
export const JACOBI_MAX_COLUMNS = 64;

/** Orthonormalises the columns of a block (d x k, column j at j*d) in place, modified Gram-Schmidt. */
function orthonormalise(block: Float64Array, d: number, k: number): void {
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += (block[j * d + r] as number) * (block[i * d + r] as number);
      for (let r = 0; r < d; r++) block[j * d + r] = (block[j * d + r] as number) - dot * (block[i * d + r] as number);
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += (block[j * d + r] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-150) {
      // A vector the others span (rank-deficient data): restart it on a unit axis, then orthogonalise again.
      for (let r = 0; r < d; r++) block[j * d + r] = r === (j * 7919) % d ? 1 : 0;
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += (block[j * d + r] as number) * (block[i * d + r] as number);
        for (let r = 0; r < d; r++) block[j * d + r] = (block[j * d + r] as number) - dot * (block[i * d + r] as number);
      }
      norm = Math.sqrt(block.subarray(j * d, j * d + d).reduce((sum, value) => sum + value * value, 0)) || 1;
    }
    for (let r = 0; r < d; r++) block[j * d + r] = (block[j * d + r] as number) / norm;
  }
}

/**
 * The `count` largest eigenpairs of a symmetric positive semi-definite matrix by subspace iteration
 * with Rayleigh-Ritz (a block of count + 2 vectors, deterministic start on the largest diagonal
 * entries): O(d² · block) per step instead of Jacobi's O(d³) per sweep, which took 45 s on 1,000
 * columns. Same output shape as `symmetricEigen`, truncated to `count`.
 */
export function topEigen(matrix: Float64Array, d: number, count: number): { values: number[]; vectors: number[][] } {
  const k = Math.min(d, count + 2);
  const block = new Float64Array(d * k);
  const byVariance = Array.from({ length: d }, (_, j) => j).sort((x, y) => (matrix[y * d + y] as number) - (matrix[x * d + x] as number) || x - y);
  for (let j = 0; j < k; j++) {
    // A spread start: the j-th largest-variance axis plus a small fixed share of every axis.
    for (let r = 0; r < d; r++) block[j * d + r] = 1e-3 * Math.cos((r + 1) * (j + 1));
    block[j * d + (byVariance[j] as number)] = 1;
  }
  orthonormalise(block, d, k);
  const product = new Float64Array(d * k);
  const small = new Float64Array(k * k);
  let values: number[] = new Array<number>(k).fill(0);
  for (let step = 0; step < 1000; step++) {
    for (let j = 0; j < k; j++) {
      for (let r = 0; r < d; r++) {
        let sum = 0;
        for (let c = 0; c < d; c++) sum += (matrix[r * d + c] as number) * (block[j * d + c] as number);
        product[j * d + r] = sum;
      }
    }
    // Rayleigh-Ritz: the block's projection of the matrix, diagonalised, rotates the block.
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += (block[i * d + r] as number) * (product[j * d + r] as number);
        small[i * k + j] = dot;
      }
    }
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) small[i * k + j] = small[j * k + i] = ((small[i * k + j] as number) + (small[j * k + i] as number)) / 2;
    const ritz = symmetricEigen(small, k);
    const previous = values;
    values = ritz.values;
    block.fill(0);
    for (let j = 0; j < k; j++) {
      const weights = ritz.vectors[j] as number[];
      for (let i = 0; i < k; i++) {
        const w = weights[i] as number;
        if (w === 0) continue;
        for (let r = 0; r < d; r++) block[j * d + r] = (block[j * d + r] as number) + w * (product[i * d + r] as number);
      }
    }
    orthonormalise(block, d, k);
    const scale = Math.max(Math.abs(values[0] ?? 0), 1e-300);
    let change = 0;
    for (let j = 0; j < count; j++) change = Math.max(change, Math.abs((values[j] ?? 0) - (previous[j] ?? 0)) / scale);
    if (step > 2 && change < 1e-13) break;
  }
  return {
    values: values.slice(0, count),
    vectors: Array.from({ length: Math.min(count, k) }, (_, j) => {
      const vec = Array.from(block.subarray(j * d, j * d + d));
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
  const { values, vectors } = d <= JACOBI_MAX_COLUMNS ? symmetricEigen(cov, d) : topEigen(cov, d, 2);
  let total = 0;
  for (let j = 0; j < d; j++) total += Math.max(0, cov[j * d + j] as number);
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
