/**
 * The k-means caches keyed by the identity of `x` (column widths, the checked-data record, the
 * WASM kernel's copy of the data) notice a rewrite of `x` in place through a sampled fingerprint
 * (workers/cluster/fingerprint.ts) and compute again, rather than going on with stale values.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../workers/gbdt/rng';
import { columnBits } from '../../workers/cluster/exact-sums';
import { createWasmKmeansKernel, referenceKmeansKernel, type KmeansData } from '../../workers/cluster/kernel';
import { validateKmeansInput } from '../../workers/cluster/kmeans';
import { dataFingerprint, sameFingerprint } from '../../workers/cluster/fingerprint';

const n = 300;
const d = 3;

function randomData(seed: number): KmeansData {
  const rng = createRng(seed);
  return { x: Float32Array.from({ length: n * d }, () => rng() * 10 - 3), n, d };
}

describe('k-means caches after x is rewritten in place', () => {
  it('the fingerprint changes with the length, every value negated, or one sampled value', () => {
    const x = randomData(3).x;
    const first = dataFingerprint(x);
    expect(sameFingerprint(first, dataFingerprint(Float32Array.from(x)))).toBe(true);
    expect(sameFingerprint(first, dataFingerprint(x, x.length - 1))).toBe(false);
    expect(sameFingerprint(first, dataFingerprint(x.map((v) => -v)))).toBe(false);
    const last = Float32Array.from(x);
    last[last.length - 1] = (last[last.length - 1] as number) + 1;
    expect(sameFingerprint(first, dataFingerprint(last))).toBe(false);
  });

  it('column widths are computed again', () => {
    // Multiples of 4 (some odd multiples): every column's lowest set bit is 2^2.
    const data: KmeansData = { x: Float32Array.from({ length: n * d }, (_, i) => ((i % 17) + 1) * 4), n, d };
    expect(Array.from(columnBits(data).lowBit)).toEqual([2, 2, 2]);
    data.x.forEach((v, i) => (data.x[i] = v + 0.5));
    expect(Array.from(columnBits(data).lowBit)).toEqual([-1, -1, -1]);
  });

  it('the input is checked again: a NaN written after the first check is refused, naming its row', () => {
    const data = randomData(1);
    validateKmeansInput(data, 3);
    data.x[0] = Number.NaN;
    expect(() => validateKmeansInput(data, 3)).toThrow(/Row 0 has a missing or infinite value/);
    data.x[0] = 1;
    data.x[n * d - 1] = Number.POSITIVE_INFINITY;
    expect(() => validateKmeansInput(data, 3)).toThrow(new RegExp(`Row ${n - 1} has a missing or infinite value`));
  });

  it('the WASM kernel copies the data again: nearest centroids of the new values', async () => {
    const data = randomData(2);
    const k = 4;
    const centroids = Float64Array.from({ length: k * d }, (_, i) => (i % 5) * 2 - 3);
    const kernel = createWasmKmeansKernel();
    try {
      const before = new Int32Array(n);
      await kernel.assign(data, centroids, k, before);
      data.x.forEach((v, i) => (data.x[i] = -v));
      const after = new Int32Array(n);
      await kernel.assign(data, centroids, k, after);
      const expected = new Int32Array(n);
      await referenceKmeansKernel.assign({ ...data, x: Float32Array.from(data.x) }, centroids, k, expected);
      expect(Array.from(after)).not.toEqual(Array.from(before));
      expect(Array.from(after)).toEqual(Array.from(expected));
    } finally {
      kernel.dispose();
    }
  });
});
