import { createRng } from '../../workers/gbdt/rng';

/**
 * Seeded feature columns for the GBDT device tests: uniform values in [-1, 1), column 1 coarse
 * (quarters, so many rows sit exactly on thresholds), columns 2 and 4 with 15% missing values; and
 * per row a noisy score of the first four columns, which each test turns into its labels.
 */
export function seededFeatures(n: number, f: number, seed: number): { columns: Float32Array[]; scores: Float64Array } {
  const random = createRng(seed);
  const columns = Array.from({ length: f }, () => new Float32Array(n));
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < f; j++) {
      let v = random() * 2 - 1;
      if (j === 1) v = Math.floor(v * 4) / 4;
      (columns[j] as Float32Array)[i] = (j === 2 || j === 4) && random() < 0.15 ? Number.NaN : v;
      if (j < 4) z += v * (j % 2 ? -1 : 1.5);
    }
    scores[i] = z + (random() - 0.5) * 1.5;
  }
  return { columns, scores };
}
