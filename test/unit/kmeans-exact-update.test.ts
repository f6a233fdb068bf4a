/**
 * The exact k-means update (workers/cluster/exact-sums.ts) on the CPU: every per-cluster sum the
 * WASM and JS kernels give, once rounded, is the exact sum of the float32 values rounded once to
 * float64, checked against BigInt arithmetic on data that stresses the split (large offsets with
 * small spreads, signs, values from 1e-40 to 1e30, duplicates, empty clusters); the rounding of
 * a list of float64 terms is correctly rounded (ties included); and whole runs differ from the
 * previous update (float64 adds in row order) only by that rounding.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../workers/gbdt/rng';
import { ClusterSums, columnBits, limbCount, roundedSum, splitPlan } from '../../workers/cluster/exact-sums';
import { createWasmKmeansKernel, referenceKmeansKernel, type KmeansData, type KmeansKernel } from '../../workers/cluster/kernel';
import { runKmeans } from '../../workers/cluster/kmeans';

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
}

/** The exact sum of float32 values (each an integer multiple of 2^-149), rounded once to float64. */
function exactRounded(values: number[]): number {
  let total = 0n;
  for (const v of values) total += BigInt(v * 2 ** 149);
  return Number(total) * 2 ** -149;
}

/** Columns that make the split work: offsets, spreads, signs, subnormals, huge ranges, zeros. */
function awkwardData(n: number, seed: number): KmeansData {
  const rng = createRng(seed);
  const columns: Array<(i: number) => number> = [
    () => gaussian(rng), // standard normal: tiny values near 0 have low bits far down
    () => 1e6 + gaussian(rng) * 3, // a large offset with a small spread
    () => -1e6 + gaussian(rng) * 1e-3, // float32 keeps little of the spread: duplicates
    () => (rng() < 0.5 ? -1 : 1) * 10 ** (rng() * 60 - 30), // 1e-30 .. 1e30, both signs
    () => (rng() < 0.3 ? 1e-40 * rng() : rng() - 0.5), // float32 subnormals
    () => 0, // all zero
    (i) => (i % 7 === 0 ? -0 : Math.floor(rng() * 5) - 2), // small integers and negative zeros
  ];
  const d = columns.length;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (columns[j] as (i: number) => number)(i);
  // Duplicated rows.
  for (let i = 0; i < n; i += 11) x.copyWithin(i * d, 0, d);
  return { x, n, d };
}

function expectExact(data: KmeansData, labels: Int32Array, k: number, sums: ClusterSums, counts: Float64Array, name: string): void {
  const { n, d, x } = data;
  for (let c = 0; c < k; c++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (labels[i] === c) rows.push(i);
    expect(counts[c], `${name}: count of ${c}`).toBe(rows.length);
    for (let j = 0; j < d; j++) {
      const want = exactRounded(rows.map((i) => x[i * d + j] as number));
      expect(Object.is(sums.rounded(c, j), want), `${name}: cluster ${c} column ${j}: ${sums.rounded(c, j)} vs ${want}`).toBe(true);
    }
  }
}

describe('exact update on the CPU', () => {
  it('rounds a list of float64 terms correctly, ties to even', () => {
    expect(roundedSum([2 ** 53, 1])).toBe(2 ** 53); // a tie: to even
    expect(roundedSum([2 ** 53, 3])).toBe(2 ** 53 + 4);
    expect(roundedSum([2 ** 53, 1, 2 ** -60])).toBe(2 ** 53 + 2); // just above the tie
    expect(roundedSum([2 ** 53, 1, -(2 ** -60)])).toBe(2 ** 53);
    expect(roundedSum([1e16, 1, 1e-16])).toBe(10000000000000002);
    expect(Object.is(roundedSum([]), 0)).toBe(true);
    expect(Object.is(roundedSum([5, -5]), 0)).toBe(true);
    const rng = createRng(3);
    for (let trial = 0; trial < 2000; trial++) {
      const terms = Array.from({ length: 1 + Math.floor(rng() * 8) }, () => {
        const mantissa = Math.floor(rng() * 2 ** 53) * (rng() < 0.5 ? -1 : 1);
        return mantissa * 2 ** (Math.floor(rng() * (trial % 2 === 0 ? 120 : 20)) - 100);
      });
      let total = 0n;
      for (const t of terms) total += BigInt(t * 2 ** 200);
      expect(roundedSum(terms), terms.join(', ')).toBe(Number(total) * 2 ** -200);
    }
  });

  it('WASM and JS sums are the exact sums rounded once, on offsets, signs, subnormals and 1e-30..1e30', async () => {
    const data = awkwardData(3001, 4);
    const plan = splitPlan(columnBits(data), data.n);
    expect(plan.parts).toBeGreaterThanOrEqual(5); // the 1e-30..1e30 column needs many parts
    const k = 6;
    // Cluster 5 stays empty.
    const labels = Int32Array.from({ length: data.n }, (_, i) => (i * 7919) % 5);
    for (const [name, kernel] of [['wasm', createWasmKmeansKernel()], ['js', referenceKmeansKernel]] as const) {
      const sums = new ClusterSums();
      const counts = new Float64Array(k);
      await kernel.update(data, labels, k, sums, counts);
      expectExact(data, labels, k, sums, counts, name);
      expect(counts[5]).toBe(0);
    }
  });

  it('both ways of the WASM update are exact: a rounded copy with rests (normal data), running sums flushed every few rows (many rests)', async () => {
    const rng = createRng(12);
    const n = 6000;
    const labels = Int32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : i % 3) + (i % 7 === 0 ? 3 : 0));
    // Normal values and a few near 1e-6: part 0's unit is 2^-39, and few values have bits below it.
    // (Five columns: the rounding runs four at a time, then one.)
    const normal = Float32Array.from({ length: n * 5 }, () => gaussian(rng));
    for (let j = 0; j < 5; j++) normal[50 + j] = 1.2345e-6 * (j + 1);
    // 24-bit mantissas scaled from 2^-24 down to 2^-47: a fifth of them have bits below part 0's unit.
    const spread = Float32Array.from({ length: n * 4 }, () => (rng() < 0.5 ? -1 : 1) * (1 + Math.floor(rng() * (2 ** 24 - 1))) * 2 ** -(24 + Math.floor(rng() * 24)));
    for (const [x, method] of [[normal, 'rounded copy'], [spread, 'running sums']] as const) {
      const data = { x, n, d: x.length / n };
      const kernel = createWasmKmeansKernel();
      const sums = new ClusterSums();
      const counts = new Float64Array(6);
      await kernel.update(data, labels, 6, sums, counts);
      expect(kernel.summing).toMatchObject({ method, parts: 2 });
      if (method === 'rounded copy') expect(kernel.summing?.rests).toBeGreaterThan(3);
      else {
        // Several flushes per cluster, and a remainder flushed at the end.
        expect(kernel.summing?.rowsPerFlush).toBeGreaterThan(1);
        expect(kernel.summing?.rowsPerFlush).toBeLessThan(n / 6);
      }
      expectExact(data, labels, 6, sums, counts, method);
    }
  });

  it('columns whose magnitudes sum to at most 2^(53 + lowest bit) are one part: plain float64 sums', async () => {
    const x = Float32Array.from({ length: 4000 }, (_, i) => (i % 17) - 8 + 0.25 * (i % 3));
    const data = { x, n: 2000, d: 2 };
    expect(splitPlan(columnBits(data), data.n).parts).toBe(1);
    const labels = Int32Array.from({ length: 2000 }, (_, i) => i % 3);
    const sums = new ClusterSums();
    const counts = new Float64Array(3);
    const kernel = createWasmKmeansKernel();
    await kernel.update(data, labels, 3, sums, counts);
    expect(kernel.summing?.method).toBe('plain sums');
    expectExact(data, labels, 3, sums, counts, 'one part');
  });

  it('chooses widths from the data: bits per column, limbs for the device', () => {
    const data = { x: Float32Array.from([1, 0.5, -3, 2 ** -20, 1e6, 0, 1.5, -0]), n: 4, d: 2 };
    const bits = columnBits(data);
    // Column 0: 1, -3, 1e6 (= 15625 * 2^6), 1.5: lowest bit 2^-1, below 2^20.
    expect(Array.from(bits.lowBit)).toEqual([-1, -20]);
    expect(Array.from(bits.topBit)).toEqual([20, 0]);
    // Magnitudes bounded by their exponents: 2 + 4 + 2^20 + 2 and 1 + 2^-19, so below 2^21 and 2^1.
    expect(Array.from(bits.massBit)).toEqual([21, 1]);
    // 21 bits + log2(4) + sign = 24 bits: one limb.
    expect(limbCount(bits, 4)).toBe(1);
    expect(limbCount(bits, 2 ** 20)).toBe(2);
    // Subnormals only: 1e-45 is 2^-149, 1e-40 is 71362 * 2^-149 (17 bits); zeros do not count.
    const tiny = columnBits({ x: Float32Array.from([1e-45, 0, 1e-40, -0, 0, 0]), n: 3, d: 2 });
    expect(Array.from(tiny.lowBit)).toEqual([-149, 0]);
    expect(Array.from(tiny.topBit)).toEqual([-132, 0]);
    expect(() => columnBits({ x: Float32Array.from([1, 2, Number.POSITIVE_INFINITY, 0]), n: 2, d: 2 })).toThrow(/Row 1 has a missing or infinite value/);
    expect(() => columnBits({ x: Float32Array.from([1, 2, 0, Number.NaN]), n: 2, d: 2 })).toThrow(/Row 1 has a missing or infinite value/);
  });
});

/** The previous CPU update: float64 adds in row order (one term per sum). */
function rowOrderKernel(): KmeansKernel {
  const wasm = createWasmKmeansKernel();
  return {
    backend: 'cpu',
    assign: (data, centroids, k, labels) => wasm.assign(data, centroids, k, labels),
    async update(data, labels, k, sums, counts) {
      const values = sums.reset(k, data.d, 1);
      counts.fill(0, 0, k);
      for (let i = 0; i < data.n; i++) {
        const l = labels[i] as number;
        counts[l] = (counts[l] as number) + 1;
        for (let j = 0; j < data.d; j++) values[l * data.d + j] = (values[l * data.d + j] as number) + (data.x[i * data.d + j] as number);
      }
    },
    dispose: () => wasm.dispose(),
  };
}

describe('whole runs against the previous update', () => {
  it('same labels and iterations; centroids differ by the row-order rounding only (within n * 2^-52 of the mean |x|)', async () => {
    const rng = createRng(8);
    const n = 4000;
    const d = 5;
    const x = new Float32Array(n * d);
    // Four blobs, and a few values near 1e-9: the sums then need more than 53 bits, and adding
    // them in row order rounds.
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = i % 97 === 0 ? gaussian(rng) * 1e-9 : 10 * (i % 4) + gaussian(rng);
    const data = { x, n, d };
    const exact = await runKmeans(createWasmKmeansKernel(), data, { k: 4, seed: 2, nInit: 2 });
    const previous = await runKmeans(rowOrderKernel(), data, { k: 4, seed: 2, nInit: 2 });
    expect(Array.from(exact.labels)).toEqual(Array.from(previous.labels));
    expect(exact.iterations).toBe(previous.iterations);
    let worstUlps = 0;
    for (let c = 0; c < 4; c++) {
      let meanAbs = 0;
      for (let i = 0; i < n; i++) if (exact.labels[i] === c) for (let j = 0; j < d; j++) meanAbs += Math.abs(x[i * d + j] as number);
      meanAbs /= (exact.sizes[c] as number) * d;
      for (let j = 0; j < d; j++) {
        const a = exact.centroids[c * d + j] as number;
        const b = previous.centroids[c * d + j] as number;
        expect(Math.abs(a - b), `cluster ${c} column ${j}`).toBeLessThanOrEqual((exact.sizes[c] as number) * 2 ** -52 * meanAbs);
        worstUlps = Math.max(worstUlps, Math.abs(a - b) / (Math.abs(a) * 2 ** -52));
      }
    }
    console.log(`[kmeans-exact-update] centroids vs the row-order update: at most ${worstUlps.toFixed(1)} ulps apart; inertia ${exact.inertia} vs ${previous.inertia}`);
    expect(Math.abs(exact.inertia - previous.inertia) / previous.inertia).toBeLessThan(1e-12);
  });
});
