/**
 * Honest backend choice (issue 16): software renderers are told apart from GPUs by name as well
 * as by the fallback flag, kernels ask for the workgroup size they are built for (falling back to
 * a smaller power of two), and both hold on a real software adapter: Dawn's OpenGL compatibility
 * adapter on Mesa's llvmpipe in Node (npm `webgpu`). Before, both kernels failed to build their
 * pipelines there (256-invocation workgroups against a default limit of 128) and `auto` took it.
 * Without such an adapter the adapter tests are skipped, saying why.
 */
import { describe, expect, test } from 'vitest';
import { classifyAdapterInfo } from '../../workers/compute/adapter-kind';
import { chooseBackend } from '../../workers/compute/backend-choice';
import { computeLimitsFor, workgroupSizeFor } from '../../workers/compute/compute-device';
import { cpuHistogramKernel, HIST_STRIDE } from '../../workers/gbdt/histogram';
import { createWebGpuHistogramKernelOnAdapter, fixedPointScale, writeFixedPoint, type GpuAdapterLike, type GpuLike } from '../../workers/gbdt/webgpu-histogram';
import { createWasmKmeansKernel } from '../../workers/cluster/kernel';
import { createWebGpuKmeansKernelOnAdapter } from '../../workers/cluster/webgpu-kmeans';
import { dawnSkipReason, gpu } from '../helpers/dawn-adapter';
import { createRng } from '../../workers/gbdt/rng';

/** Adapter info as real adapters report it (Dawn and Chromium, 2025-2026). */
const ADAPTERS = {
  swiftshader: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true },
  llvmpipeGl: { vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6', isFallbackAdapter: false },
  lavapipe: { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: 'Mesa 22.3.6 (LLVM 15.0.6) lavapipe', isFallbackAdapter: false },
  warp: { vendor: 'microsoft', architecture: '', device: 'Microsoft Basic Render Driver', description: '', isFallbackAdapter: false },
  h200: { vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'NVIDIA H200', isFallbackAdapter: false },
  appleM2: { vendor: 'apple', architecture: 'metal-3', device: '', description: 'Apple M2', isFallbackAdapter: false },
  intelMesa: { vendor: 'intel', architecture: 'gen-12lp', device: 'Mesa Intel(R) Xe Graphics (TGL GT2)', description: 'Mesa 23.2.1', isFallbackAdapter: false },
};

describe('adapter kind', () => {
  test.each([
    ['swiftshader', true, /fallback/],
    ['llvmpipeGl', true, /llvmpipe/],
    ['lavapipe', true, /llvmpipe|lavapipe/],
    ['warp', true, /WARP/],
    ['h200', false, /hardware/],
    ['appleM2', false, /hardware/],
    ['intelMesa', false, /hardware/],
  ] as const)('%s: software %s', (name, software, why) => {
    const kind = classifyAdapterInfo(ADAPTERS[name]);
    expect(kind.software).toBe(software);
    expect(kind.why).toMatch(why);
  });
});

/** An adapter made of recorded info and limits: chooseBackend only reads them before calling the maker. */
function recordedAdapter(info: (typeof ADAPTERS)[keyof typeof ADAPTERS]): GpuAdapterLike {
  return {
    info,
    limits: { maxStorageBufferBindingSize: 134217728, maxBufferSize: 268435456, maxComputeWorkgroupsPerDimension: 65535 },
    requestDevice: () => Promise.reject(new Error('recorded adapters have no device')),
  };
}

function recordedGpu(info: (typeof ADAPTERS)[keyof typeof ADAPTERS]): GpuLike {
  return { requestAdapter: () => Promise.resolve(recordedAdapter(info)) };
}

describe('backend choice on recorded adapters', () => {
  const makers = (built: string[]) => ({
    cpu: () => ({ kernel: 'cpu-kernel', detail: '4 threads' }),
    webgpu: (adapter: GpuAdapterLike) => {
      built.push(adapter.info?.device ?? '');
      return Promise.resolve('gpu-kernel');
    },
  });

  test('auto refuses a software renderer that does not call itself a fallback, and says why', async () => {
    for (const name of ['llvmpipeGl', 'lavapipe', 'swiftshader', 'warp'] as const) {
      const built: string[] = [];
      const choice = await chooseBackend('auto', recordedGpu(ADAPTERS[name]), makers(built));
      expect(choice.backend, name).toBe('cpu');
      expect(built, name).toEqual([]);
      expect(choice.reason, name).toMatch(/software|fallback/);
      expect(choice.reason, name).toMatch(/4 threads/);
    }
  });

  test('auto takes a hardware adapter; webgpu takes a software one when asked by name', async () => {
    const built: string[] = [];
    const auto = await chooseBackend('auto', recordedGpu(ADAPTERS.h200), makers(built));
    expect(auto).toMatchObject({ backend: 'webgpu', kernel: 'gpu-kernel' });
    expect(auto.reason).toMatch(/hardware.*nvidia/);
    const forced = await chooseBackend('webgpu', recordedGpu(ADAPTERS.llvmpipeGl), makers(built));
    expect(forced.backend).toBe('webgpu');
    expect(forced.reason).toMatch(/llvmpipe/);
    expect(built).toEqual(['nvidia-h200', 'llvmpipe-llvm-15-0-6-256-bits-']);
  });

  test('no adapter: auto falls back with the reason, webgpu is a plain error', async () => {
    const none: GpuLike = { requestAdapter: () => Promise.resolve(null) };
    expect((await chooseBackend('auto', none, makers([]))).reason).toMatch(/no WebGPU adapter/);
    await expect(chooseBackend('webgpu', none, makers([]))).rejects.toThrow(/WebGPU backend requested, but no WebGPU adapter was found/);
  });
});

describe('requested limits', () => {
  const base = { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32, maxComputeWorkgroupsPerDimension: 65535 };
  test('256 invocations asked for explicitly where the adapter allows it (compatibility defaults to 128)', () => {
    const limits = { ...base, maxComputeWorkgroupSizeX: 1024, maxComputeInvocationsPerWorkgroup: 1024 };
    expect(workgroupSizeFor(limits)).toBe(256);
    expect(computeLimitsFor(limits, 256)).toEqual({
      maxComputeWorkgroupSizeX: 256,
      maxComputeInvocationsPerWorkgroup: 256,
      maxStorageBufferBindingSize: 256 * 1024 * 1024,
      maxBufferSize: 256 * 1024 * 1024,
    });
  });
  test('a smaller adapter gets the largest power of two it allows; unknown limits are not asked for', () => {
    expect(workgroupSizeFor({ ...base, maxComputeWorkgroupSizeX: 256, maxComputeInvocationsPerWorkgroup: 192 })).toBe(128);
    expect(workgroupSizeFor({ ...base, maxComputeWorkgroupSizeX: 64, maxComputeInvocationsPerWorkgroup: 1024 })).toBe(64);
    const small = { maxStorageBufferBindingSize: 134217728, maxBufferSize: 268435456, maxComputeWorkgroupsPerDimension: 65535 };
    expect(computeLimitsFor(small, 256, { maxComputeWorkgroupStorageSize: 16384 })).toEqual({ maxStorageBufferBindingSize: 134217728, maxBufferSize: 256 * 1024 * 1024 });
  });
});

// --- On the real software adapter. ---

/** Why the adapter tests cannot run here ('' when they can). */
const skipReason = await dawnSkipReason('webgpu-backend adapter tests');

/** A fresh software adapter (an adapter gives one device) reporting lower workgroup limits: the kernels must build for `size`. */
async function withWorkgroupLimit(size: number): Promise<GpuAdapterLike> {
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  if (!adapter) throw new Error('the software adapter went away');
  const limits = { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize, maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension, maxComputeWorkgroupSizeX: size, maxComputeInvocationsPerWorkgroup: size };
  return { info: adapter.info, limits, requestDevice: (descriptor) => adapter.requestDevice(descriptor) };
}

function histogramInput(nRows: number, nFeatures: number) {
  const random = createRng(16);
  const bins = new Uint8Array(nRows * nFeatures);
  for (let i = 0; i < bins.length; i++) bins[i] = Math.floor(random() * 256);
  const gh = new Float32Array(nRows * 2);
  for (let r = 0; r < nRows; r++) {
    gh[r * 2] = random() * 2 - 1;
    gh[r * 2 + 1] = random() * 0.25;
  }
  const rows = Uint32Array.from({ length: nRows }, (_, r) => r);
  const features = Int32Array.from({ length: nFeatures }, (_, f) => f);
  return { bins, nFeatures, rows, begin: 0, end: nRows, gh, features };
}

describe.skipIf(skipReason !== '')('on the software adapter (Dawn, OpenGL compatibility, llvmpipe)', () => {
  test('auto refuses it and webgpu takes it, with the reason', async () => {
    const makers = { cpu: () => ({ kernel: 'cpu' }), webgpu: () => Promise.resolve('gpu') };
    const compatOnly: GpuLike = { requestAdapter: (options) => (options?.featureLevel === 'compatibility' ? gpu.requestAdapter(options) : Promise.resolve(null)) };
    const realAdapter: GpuLike = { requestAdapter: () => gpu.requestAdapter({ featureLevel: 'compatibility' }) };
    const auto = await chooseBackend('auto', realAdapter, makers);
    expect(auto.backend).toBe('cpu');
    expect(auto.reason).toMatch(/software renderer/);
    const forced = await chooseBackend('webgpu', compatOnly, makers);
    expect(forced.backend).toBe('webgpu');
  });

  test.each([256, 64])('histogram kernel builds for %i invocations and gives the CPU sums', async (size) => {
    const kernel = await createWebGpuHistogramKernelOnAdapter(await withWorkgroupLimit(size));
    try {
      expect(kernel.workgroupSize).toBe(size);
      const request = histogramInput(3000, 5);
      const gpuOut = new Float64Array(5 * HIST_STRIDE);
      const cpuOut = new Float64Array(5 * HIST_STRIDE);
      await kernel.build(request, gpuOut);
      cpuHistogramKernel.build(request, cpuOut);
      let worst = 0;
      for (let i = 0; i < cpuOut.length; i++) worst = Math.max(worst, Math.abs((gpuOut[i] as number) - (cpuOut[i] as number)));
      expect(cpuOut.some((v) => v !== 0)).toBe(true);
      expect(worst).toBeLessThan(1e-9);
    } finally {
      kernel.dispose();
    }
  });

  test.each([256, 64])('k-means kernel builds for %i invocations and gives the WASM labels', async (size) => {
    const kernel = await createWebGpuKmeansKernelOnAdapter(await withWorkgroupLimit(size));
    const wasm = createWasmKmeansKernel();
    try {
      const random = createRng(5);
      const n = 2000;
      const d = 6;
      const k = 7;
      const x = Float32Array.from({ length: n * d }, () => random() * 10);
      const centroids = Float64Array.from({ length: k * d }, () => random() * 10);
      const gpuLabels = new Int32Array(n);
      const cpuLabels = new Int32Array(n);
      await kernel.assign({ x, n, d }, centroids, k, gpuLabels);
      await wasm.assign({ x, n, d }, centroids, k, cpuLabels);
      expect(new Set(cpuLabels).size).toBe(k);
      expect(Array.from(gpuLabels)).toEqual(Array.from(cpuLabels));
    } finally {
      kernel.dispose();
      wasm.dispose();
    }
  });
});

describe.skipIf(skipReason !== '')('fixed point on the device', () => {
  /** The exact sum of writeFixedPoint's integers, as the CPU would quantise them. */
  function exactSum(values: number[], scale: number): number {
    const words = new Uint32Array(2);
    let total = 0n;
    for (const v of values) {
      writeFixedPoint(v, scale, words, 0);
      total += BigInt.asIntN(64, (BigInt(words[1] as number) << 32n) | BigInt(words[0] as number));
    }
    return Number(total) / scale;
  }

  test('gradients quantised by the shader equal writeFixedPoint bit for bit (halves, negative halves, tiny and large values)', async () => {
    // One row per bin, so every bin holds one value: its quantisation is seen alone. The mass is
    // held in (512, 1024] by one large value, so the scale is 2^51 and t / 2^51 lands on t exactly.
    const scale = 2 ** 51;
    const exact = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997, 0.50000006, -0.50000006, 3, -3, 1e-30, -1e-30, 2 ** 23 + 1, -(2 ** 40) - 2 ** 17];
    const random = createRng(11);
    const values = [700, -100.25, ...exact.map((t) => Math.fround(t) / scale)];
    while (values.length < 256) values.push(Math.fround((random() - 0.5) * 2 ** Math.floor(random() * 30 - 25)));
    const nRows = values.length;
    const gh = new Float32Array(nRows * 2);
    values.forEach((v, r) => {
      gh[r * 2] = v;
      gh[r * 2 + 1] = Math.abs(v);
    });
    const halves = Array.from(gh.filter((_, i) => i % 2 === 0));
    expect(fixedPointScale(halves.reduce((sum, v) => sum + Math.abs(v), 0))).toBe(scale);
    const bins = Uint8Array.from({ length: nRows }, (_, r) => r);
    const kernel = await createWebGpuHistogramKernelOnAdapter(await withWorkgroupLimit(256));
    try {
      const out = new Float64Array(HIST_STRIDE);
      await kernel.build({ bins, nFeatures: 1, rows: Uint32Array.from({ length: nRows }, (_, r) => r), begin: 0, end: nRows, gh, features: Int32Array.of(0) }, out);
      for (let r = 0; r < nRows; r++) {
        expect(out[r * 2], `row ${r}: ${halves[r]}`).toBe(exactSum([halves[r] as number], scale));
      }
    } finally {
      kernel.dispose();
    }
  });
});

// The k-means update on the device: test/unit/webgpu-kmeans-update.test.ts.
describe.skipIf(skipReason !== '')('k-means assignment on the device', () => {
  test('more thin-margin rows than the device lists: every row is rechecked, labels still exact', async () => {
    const kernel = await createWebGpuKmeansKernelOnAdapter(await withWorkgroupLimit(256));
    try {
      const x = new Float32Array(70_000).fill(0.5);
      const labels = new Int32Array(x.length);
      expect(await kernel.assign({ x, n: x.length, d: 1 }, Float64Array.of(1 + 1e-9, 0), 2, labels)).toBe(x.length);
      expect(labels.every((label) => label === 1)).toBe(true);
    } finally {
      kernel.dispose();
    }
  });
});
