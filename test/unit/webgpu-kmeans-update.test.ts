/**
 * The k-means update on the device (workers/cluster/webgpu-kmeans-update.ts) against the CPU's,
 * on a real software adapter (Dawn's OpenGL compatibility adapter on Mesa's llvmpipe, through the
 * npm `webgpu` package): the per-cluster sums, once rounded, are bit for bit the CPU kernels' and
 * the exact sums (BigInt), and whole Lloyd runs with the update on the device give the CPU's
 * centroids, labels and inertia bit for bit, iteration after iteration: seeded blobs, large
 * offsets with small spreads, negative values, subnormals, duplicate points, empty clusters,
 * chunked buffers and column passes. Without such an adapter the tests are skipped, saying why.
 */
import { describe, expect, test } from 'vitest';
import { createRng } from '../../workers/gbdt/rng';
import type { GpuAdapterLike } from '../../workers/gbdt/webgpu-histogram';
import { ClusterSums, columnBits, limbCount } from '../../workers/cluster/exact-sums';
import { createWasmKmeansKernel, type KmeansData } from '../../workers/cluster/kernel';
import { runKmeans, type KmeansOptions } from '../../workers/cluster/kmeans';
import { createWebGpuKmeansKernelOnAdapter, type WebGpuKmeansOptions } from '../../workers/cluster/webgpu-kmeans';
import { columnsPerPass } from '../../workers/cluster/webgpu-kmeans-update';
import { dawnSkipReason, gpu } from '../helpers/dawn-adapter';

/** The device's list of rows to recheck: a count and up to 65,536 row numbers (webgpu-kmeans.ts). */
const FLAG_BYTES = (65536 + 1) * 4;

/** Why the adapter tests cannot run here ('' when they can). */
const skipReason = await dawnSkipReason('webgpu-kmeans-update device tests');

/** A fresh software adapter (one device each) reporting `size` invocations per workgroup at most. */
async function adapterFor(size: number): Promise<GpuAdapterLike> {
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  if (!adapter) throw new Error('the software adapter went away');
  const limits = { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize, maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension, maxComputeWorkgroupSizeX: size, maxComputeInvocationsPerWorkgroup: size };
  return { info: adapter.info, limits, requestDevice: (descriptor) => adapter.requestDevice(descriptor) };
}

async function deviceKernel(size: number, options: WebGpuKmeansOptions = {}) {
  return createWebGpuKmeansKernelOnAdapter(await adapterFor(size), options);
}

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
}

/** Seeded blobs around `k` centres, with column-wise offsets and spreads. */
function blobs(n: number, d: number, k: number, seed: number, offset = 0, spread = 1): KmeansData {
  const rng = createRng(seed);
  const centres = Array.from({ length: k * d }, () => (rng() * 2 - 1) * 5 * spread);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = offset + (centres[(i % k) * d + j] as number) + gaussian(rng) * spread;
  return { x, n, d };
}

/** Offsets, tiny spreads, signs, subnormals, 1e-30..1e30, zeros and duplicated rows. */
function awkward(n: number, seed: number): KmeansData {
  const rng = createRng(seed);
  const columns: Array<(i: number) => number> = [
    (i) => 3 * (i % 3) + gaussian(rng),
    () => 1e6 + gaussian(rng) * 3,
    () => -1e6 + gaussian(rng) * 1e-3,
    () => (rng() < 0.5 ? -1 : 1) * 10 ** (rng() * 60 - 30),
    () => (rng() < 0.3 ? 1e-40 * rng() : rng() - 0.5),
    () => 0,
    (i) => (i % 7 === 0 ? -0 : Math.floor(rng() * 5) - 2),
  ];
  const d = columns.length;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (columns[j] as (i: number) => number)(i);
  for (let i = 0; i < n; i += 11) x.copyWithin(i * d, 0, d);
  return { x, n, d };
}

function exactRounded(values: number[]): number {
  let total = 0n;
  for (const v of values) total += BigInt(v * 2 ** 149);
  return Number(total) * 2 ** -149;
}

describe.skipIf(skipReason !== '')('k-means update on the device (software adapter)', () => {
  test.each([
    ['awkward columns, 64 invocations, chunked', awkward(2500, 1), 6, 64, 4096],
    ['blobs, k = 300 (column passes), 256 invocations', blobs(3000, 7, 20, 2), 300, 256, undefined],
  ] as const)('%s: sums are the exact sums and the CPU\'s, bit for bit; empty clusters count 0', async (_name, data, k, size, maxChunkBytes) => {
    const kernel = await deviceKernel(size, { maxChunkBytes });
    const wasm = createWasmKmeansKernel();
    try {
      const rng = createRng(7);
      // Centroids on rows, and the last one far away: its cluster is empty.
      const centroids = Float64Array.from({ length: k * data.d }, (_, i) => data.x[Math.floor(rng() * data.n) * data.d + (i % data.d)] as number);
      for (let j = 0; j < data.d; j++) centroids[(k - 1) * data.d + j] = 1e35;
      const labels = new Int32Array(data.n);
      await kernel.assign(data, centroids, k, labels);
      const gpuSums = new ClusterSums();
      const gpuCounts = new Float64Array(k);
      expect(await kernel.updateOnDevice(data, labels, k, gpuSums, gpuCounts)).toBe(true);
      const cpuSums = new ClusterSums();
      const cpuCounts = new Float64Array(k);
      await wasm.update(data, labels, k, cpuSums, cpuCounts);
      expect(Array.from(gpuCounts)).toEqual(Array.from(cpuCounts));
      expect(gpuCounts[k - 1]).toBe(0);
      const bits = columnBits(data);
      expect(gpuSums.terms).toBe(limbCount(bits, data.n));
      if (k === 300) expect(columnsPerPass(k, data.d, gpuSums.terms)).toBeLessThan(data.d);
      const rows: number[][] = Array.from({ length: k }, () => []);
      labels.forEach((c, i) => rows[c]?.push(i));
      for (let c = 0; c < k; c++) {
        for (let j = 0; j < data.d; j++) {
          const device = gpuSums.rounded(c, j);
          const want = exactRounded((rows[c] as number[]).map((i) => data.x[i * data.d + j] as number));
          expect(Object.is(device, cpuSums.rounded(c, j)), `cluster ${c} column ${j}: ${device} vs CPU ${cpuSums.rounded(c, j)}`).toBe(true);
          expect(Object.is(device, want), `cluster ${c} column ${j}: ${device} vs exact ${want}`).toBe(true);
        }
      }
      // Labels the device does not hold (changed on the CPU after the assignment): it declines.
      expect(await kernel.updateOnDevice(data, new Int32Array(data.n), k, gpuSums, gpuCounts)).toBe(false);
    } finally {
      kernel.dispose();
      wasm.dispose();
    }
  });

  test('rows the float64 check moves are moved on the device too', async () => {
    // Centroid 0 is 1 + 1e-9, which float32 rounds to 1: rows at 0.5 tie in float32 (the shader
    // keeps centroid 0) but are nearer centroid 1 (at 0) in float64.
    const kernel = await deviceKernel(64);
    try {
      const x = Float32Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 0.5 : i % 4 === 1 ? 0.9 : 0.1));
      const data = { x, n: x.length, d: 1 };
      const labels = new Int32Array(data.n);
      expect(await kernel.assign(data, Float64Array.of(1 + 1e-9, 0), 2, labels)).toBeGreaterThanOrEqual(100);
      expect(labels[0]).toBe(1);
      const sums = new ClusterSums();
      const counts = new Float64Array(2);
      expect(await kernel.updateOnDevice(data, labels, 2, sums, counts)).toBe(true);
      expect(Array.from(counts)).toEqual([100, 300]);
      expect(sums.rounded(0, 0)).toBe(Math.fround(0.9) * 100);
      expect(sums.rounded(1, 0)).toBe(exactRounded([...Array(100).fill(0.5), ...Array(200).fill(Math.fround(0.1))]));
    } finally {
      kernel.dispose();
    }
  });

  const runs: Array<[string, KmeansData, KmeansOptions, WebGpuKmeansOptions]> = [
    ['blobs with a large offset and a small spread', blobs(4000, 5, 6, 3, 1e6, 0.01), { k: 6, seed: 1, nInit: 2 }, {}],
    ['negative blobs, chunked buffers', blobs(3001, 4, 5, 4, -40, 2), { k: 5, seed: 2, nInit: 2 }, { maxChunkBytes: 8192 }],
    ['awkward columns', awkward(2000, 5), { k: 4, seed: 3 }, {}],
    // The label read-back in windows (as over 64M rows on a real device): two chunks a window here.
    ['labels read back in windows', blobs(3001, 4, 5, 4, -40, 2), { k: 5, seed: 2, nInit: 2 }, { maxChunkBytes: 8192, maxReadBytes: FLAG_BYTES + 5000 }],
    // Each chunk a window of its own (the flagged rows' list then goes in a read of its own).
    ['labels read back a chunk at a time', blobs(3072, 4, 5, 7, 3, 1), { k: 5, seed: 4, nInit: 2 }, { maxChunkBytes: 8192, maxReadBytes: FLAG_BYTES + 2000 }],
  ];
  // Duplicate points (8 distinct rows) and a start with two far centroids: clusters empty out and take rows over.
  const points = blobs(8, 3, 8, 6).x;
  const duplicates = { x: Float32Array.from({ length: 1600 * 3 }, (_, i) => points[i % 24] as number), n: 1600, d: 3 };
  const far = Float64Array.from({ length: 10 * 3 }, (_, i) => (i >= 8 * 3 ? 1e4 : (points[i] as number)));
  runs.push(['duplicate points and empty clusters', duplicates, { k: 10, init: far, maxIter: 20 }, {}]);

  test.each(runs)('%s: Lloyd with the device update gives the CPU\'s centroids, labels and inertia bit for bit', async (_name, data, options, kernelOptions) => {
    const kernel = await deviceKernel(64, kernelOptions);
    try {
      const cpu = await runKmeans(createWasmKmeansKernel(), data, options);
      const device = await runKmeans(kernel, data, options);
      expect(kernel.lastUpdate).toBe('device');
      expect(device.iterations).toBe(cpu.iterations);
      expect(Array.from(device.shifts)).toEqual(Array.from(cpu.shifts));
      expect(Array.from(device.centroids).map(String)).toEqual(Array.from(cpu.centroids).map(String));
      expect(device.centroids.every((v, i) => Object.is(v, cpu.centroids[i]))).toBe(true);
      expect(Array.from(device.labels)).toEqual(Array.from(cpu.labels));
      expect(device.inertia).toBe(cpu.inertia);
      expect(cpu.iterations).toBeGreaterThan(1);
    } finally {
      kernel.dispose();
    }
  });
});
