import { describe, expect, it } from 'vitest';
import { createRng } from '../../workers/gbdt/rng';
import { fitPca2d, JACOBI_MAX_COLUMNS, symmetricEigen, topEigen } from '../../workers/cluster/pca';

/** Rows with a planted two-dimensional structure plus noise, d columns. */
function plantedRows(n: number, d: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = rng() * 10 - 5;
    const b = rng() * 4 - 2;
    for (let j = 0; j < d; j++) x[i * d + j] = a * Math.sin(j + 1) + b * Math.cos(2 * j + 1) + (rng() - 0.5) * 0.3;
  }
  return x;
}

function covariance(x: Float64Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) cov[p * d + q]! += ((x[i * d + p]! - mean[p]!) * (x[i * d + q]! - mean[q]!)) / (n - 1);
  return cov;
}

describe('PCA on wide tables', () => {
  it('the top-two subspace iteration gives the Jacobi eigenpairs', () => {
    const n = 300;
    const d = 80;
    const cov = covariance(plantedRows(n, d, 7), n, d);
    const full = symmetricEigen(cov, d);
    const top = topEigen(cov, d, 2);
    for (let c = 0; c < 2; c++) {
      expect(Math.abs(top.values[c]! - full.values[c]!) / full.values[0]!).toBeLessThan(1e-9);
      const dot = top.vectors[c]!.reduce((s, v, j) => s + v * full.vectors[c]![j]!, 0);
      expect(Math.abs(dot)).toBeGreaterThan(1 - 1e-9);
      expect(dot).toBeGreaterThan(0); // same sign convention
    }
  });

  it('handles more columns than sample rows (rank-deficient) in well under a second per hundred columns', () => {
    const n = 6;
    const d = 1000;
    const started = performance.now();
    const pca = fitPca2d({ x: Float32Array.from(plantedRows(n, d, 3)), n, d });
    const elapsed = performance.now() - started;
    expect(d).toBeGreaterThan(JACOBI_MAX_COLUMNS);
    const norm = (v: number[]): number => Math.sqrt(v.reduce((s, value) => s + value * value, 0));
    expect(norm(pca.components[0])).toBeCloseTo(1, 9);
    expect(norm(pca.components[1])).toBeCloseTo(1, 9);
    expect(Math.abs(pca.components[0].reduce((s, v, j) => s + v * pca.components[1][j]!, 0))).toBeLessThan(1e-9);
    expect(pca.explained[0] + pca.explained[1]).toBeGreaterThan(0.95);
    expect(pca.explained[0]).toBeGreaterThanOrEqual(pca.explained[1]);
    // Jacobi on this matrix ran all 100 sweeps (tens of seconds); generous for a loaded 2-core machine.
    expect(elapsed).toBeLessThan(20_000);
  });
});
