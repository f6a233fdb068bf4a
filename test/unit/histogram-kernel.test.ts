/**
 * The histogram kernels in Node: the CPU kernel against a naive reference (exact equality), the
 * WebGPU kernel's fixed-point arithmetic (simulated here word for word as the shader does it,
 * against the documented bound), and backend selection with fake GPU objects. The WebGPU kernel
 * itself runs in Chromium: test/e2e/webgpu-histogram.test.ts.
 */
import { describe, expect, it, test } from 'vitest';
import { pickHistogramKernel } from '../../workers/gbdt/backend-select';
import { HIST_STRIDE, cpuHistogramKernel, type HistogramRequest } from '../../workers/gbdt/histogram';
import { fixedPointScale, readFixedPoint, writeFixedPoint } from '../../workers/gbdt/webgpu-histogram';
import { EngineError } from '../../workers/protocol/errors';
import { createRng } from '../../workers/gbdt/rng';

interface RandomData {
  bins: Uint8Array;
  gh: Float32Array;
  nRows: number;
  nFeatures: number;
}

/** Random bins (~15% missing = bin 255) and gradients of mixed sign and scale. */
function randomData(nRows: number, nFeatures: number, seed: number): RandomData {
  const rng = createRng(seed);
  const bins = new Uint8Array(nRows * nFeatures);
  for (let i = 0; i < bins.length; i++) bins[i] = rng() < 0.15 ? 255 : Math.floor(rng() * (1 + (i % nFeatures) * 37));
  const gh = new Float32Array(nRows * 2);
  for (let r = 0; r < nRows; r++) {
    gh[r * 2] = (rng() - 0.5) * (r % 13 === 0 ? 1000 : 1);
    gh[r * 2 + 1] = rng() * 0.25;
  }
  return { bins, gh, nRows, nFeatures };
}

function shuffledRows(n: number, rng: () => number): Uint32Array {
  const rows = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = rows[i] as number;
    rows[i] = rows[j] as number;
    rows[j] = t;
  }
  return rows;
}

/** The definition, feature by feature: same per-bin addition order as any row-order kernel. */
function naiveHistogram(request: HistogramRequest): Float64Array {
  const out = new Float64Array(request.nFeatures * HIST_STRIDE);
  for (const f of request.features) {
    for (let p = request.begin; p < request.end; p++) {
      const r = request.rows[p] as number;
      const bin = request.bins[r * request.nFeatures + f] as number;
      out[f * HIST_STRIDE + bin * 2] = (out[f * HIST_STRIDE + bin * 2] as number) + (request.gh[r * 2] as number);
      out[f * HIST_STRIDE + bin * 2 + 1] = (out[f * HIST_STRIDE + bin * 2 + 1] as number) + (request.gh[r * 2 + 1] as number);
    }
  }
  return out;
}

describe('CPU histogram kernel', () => {
  const data = randomData(3000, 7, 11);
  const rng = createRng(5);
  const rows = shuffledRows(data.nRows, rng);
  const all = Int32Array.from({ length: data.nFeatures }, (_, f) => f);
  const cases: { name: string; begin: number; end: number; features: Int32Array }[] = [
    { name: 'all rows, all features', begin: 0, end: data.nRows, features: all },
    { name: 'row subset, all features', begin: 250, end: 1999, features: all },
    { name: 'row subset, feature subset', begin: 17, end: 2222, features: Int32Array.from([0, 3, 6]) },
    { name: 'one feature, one row', begin: 1500, end: 1501, features: Int32Array.from([5]) },
    { name: 'empty row range', begin: 40, end: 40, features: all },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const request: HistogramRequest = { bins: data.bins, nFeatures: data.nFeatures, rows, begin: c.begin, end: c.end, gh: data.gh, features: c.features };
      const out = new Float64Array(data.nFeatures * HIST_STRIDE).fill(-3); // the kernel must clear it
      cpuHistogramKernel.build(request, out);
      expect(Array.from(out)).toEqual(Array.from(naiveHistogram(request)));
      // The missing bin (255) is populated when rows are present.
      if (c.end - c.begin > 100) expect(out[(c.features[0] as number) * HIST_STRIDE + 255 * 2 + 1]).toBeGreaterThan(0);
    });
  }

  test('NaN gradients propagate into their bins only', () => {
    const gh = data.gh.slice();
    gh[2 * 9] = Number.NaN;
    const request: HistogramRequest = { bins: data.bins, nFeatures: data.nFeatures, rows, begin: 0, end: data.nRows, gh, features: Int32Array.from([2]) };
    const out = new Float64Array(data.nFeatures * HIST_STRIDE);
    cpuHistogramKernel.build(request, out);
    const nanBin = data.bins[9 * data.nFeatures + 2] as number;
    expect(Number.isNaN(out[2 * HIST_STRIDE + nanBin * 2])).toBe(true);
    expect(out.filter((v) => Number.isNaN(v)).length).toBe(1);
  });
});

describe('WebGPU kernel fixed point (simulated as the shader adds)', () => {
  /** Adds a 64-bit value held as two u32 words into an accumulator, as addLocal/addGlobal do. */
  function addWithCarry(acc: Uint32Array, at: number, lo: number, hi: number): void {
    const old = acc[at] as number;
    const sum = (old + lo) >>> 0;
    acc[at] = sum;
    acc[at + 1] = ((acc[at + 1] as number) + hi + (sum < old ? 1 : 0)) >>> 0;
  }

  test('the scale is the power of two that puts the mass in (2^60, 2^61]', () => {
    for (const mass of [1, 2, 3, 0.75, 1e-30, 1.4e-45, 1e38 * 1e6, 2 ** 40, 2 ** 40 + 1, 123456.789]) {
      const scale = fixedPointScale(mass);
      expect(Number.isInteger(Math.log2(scale))).toBe(true);
      expect(mass * scale).toBeLessThanOrEqual(2 ** 61);
      expect(mass * scale).toBeGreaterThan(2 ** 60);
    }
    expect(fixedPointScale(0)).toBe(1);
  });

  test('values round-trip through the two words within half a unit', () => {
    const words = new Uint32Array(2);
    const scale = fixedPointScale(10);
    for (const value of [0, 1, -1, 9.999, -10, 1e-9, -1e-9, 3.14159, -2.5e-3]) {
      writeFixedPoint(value, scale, words, 0);
      expect(Math.abs(readFixedPoint(words[0] as number, words[1] as number, scale) - value)).toBeLessThanOrEqual(0.5 / scale);
    }
  });

  test('sums in any order equal the CPU kernel within rows * 2^-52 * mass, bit-identically across orders', () => {
    const { gh, nRows } = randomData(20_000, 1, 3);
    gh[2 * 5] = -4e4; // one large negative value: exercises the two's complement carries
    let gradientMass = 0;
    let cpuSum = 0;
    for (let r = 0; r < nRows; r++) {
      gradientMass += Math.abs(gh[r * 2] as number);
      cpuSum += gh[r * 2] as number;
    }
    const scale = fixedPointScale(gradientMass);
    const words = new Uint32Array(2);
    const sums: number[] = [];
    for (const order of [Uint32Array.from({ length: nRows }, (_, i) => i), shuffledRows(nRows, createRng(9))]) {
      const acc = new Uint32Array(2);
      for (const r of order) {
        writeFixedPoint(gh[r * 2] as number, scale, words, 0);
        addWithCarry(acc, 0, words[0] as number, words[1] as number);
      }
      sums.push(readFixedPoint(acc[0] as number, acc[1] as number, scale));
    }
    expect(Object.is(sums[0], sums[1])).toBe(true);
    expect(Math.abs((sums[0] as number) - cpuSum)).toBeLessThanOrEqual(nRows * 2 ** -52 * gradientMass);
    expect(Math.abs((sums[0] as number) - cpuSum)).toBeLessThanOrEqual(1e-6 * gradientMass);
  });
});

describe('backend selection', () => {
  interface FakeAdapterOptions {
    fallback?: boolean;
    legacyFallbackFlag?: boolean;
    deviceError?: string;
  }

  /** A GPU object whose adapter records device requests; devices always fail (no GPU in Node). */
  function fakeGpu(adapter: FakeAdapterOptions | null | 'throws') {
    const calls = { requestAdapter: 0, requestDevice: 0 };
    const gpu = {
      async requestAdapter() {
        calls.requestAdapter++;
        if (adapter === 'throws') throw new Error('adapter request blew up');
        if (adapter === null) return null;
        return {
          limits: { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30, maxComputeWorkgroupsPerDimension: 65535 },
          info: { vendor: 'acme', architecture: 'test', ...(adapter.legacyFallbackFlag ? {} : { isFallbackAdapter: adapter.fallback ?? false }) },
          ...(adapter.legacyFallbackFlag ? { isFallbackAdapter: adapter.fallback ?? false } : {}),
          async requestDevice() {
            calls.requestDevice++;
            throw new Error(adapter.deviceError ?? 'no device');
          },
        };
      },
    };
    return { gpu, calls };
  }

  test("'cpu' never asks for an adapter", async () => {
    const { gpu, calls } = fakeGpu({});
    const choice = await pickHistogramKernel('cpu', gpu);
    expect(choice.backend).toBe('cpu');
    expect(choice.kernel.backend).toBe('cpu'); // the WASM build of the CPU kernel
    expect(choice.reason).toBe('CPU backend requested.');
    expect(calls.requestAdapter).toBe(0);
  });

  test("'auto' without navigator.gpu picks the CPU and says why", async () => {
    for (const gpu of [undefined, null, {}, { requestAdapter: 'not a function' }]) {
      const choice = await pickHistogramKernel('auto', gpu);
      expect(choice.backend).toBe('cpu');
      expect(choice.kernel.backend).toBe('cpu');
      expect(choice.reason).toBe('CPU: WebGPU is not available in this runtime (no navigator.gpu).');
    }
  });

  test("'auto' with no adapter, or a failing adapter request, picks the CPU", async () => {
    const none = await pickHistogramKernel('auto', fakeGpu(null).gpu);
    expect(none.backend).toBe('cpu');
    expect(none.reason).toBe('CPU: no WebGPU adapter was found (no usable GPU or driver).');
    const failing = await pickHistogramKernel('auto', fakeGpu('throws').gpu);
    expect(failing.backend).toBe('cpu');
    expect(failing.reason).toContain('adapter request blew up');
  });

  test("'auto' refuses a fallback adapter without creating a device (both flag locations)", async () => {
    for (const options of [{ fallback: true }, { fallback: true, legacyFallbackFlag: true }]) {
      const { gpu, calls } = fakeGpu(options);
      const choice = await pickHistogramKernel('auto', gpu);
      expect(choice.backend).toBe('cpu');
      expect(choice.reason).toBe('CPU: the only WebGPU adapter is a software fallback (acme test (fallback adapter)), slower than the CPU kernel.');
      expect(calls.requestDevice).toBe(0);
    }
  });

  test("'auto' takes a hardware adapter, and falls back to the CPU when its device fails", async () => {
    const { gpu, calls } = fakeGpu({ fallback: false, deviceError: 'device limits refused' });
    const choice = await pickHistogramKernel('auto', gpu);
    expect(calls.requestDevice).toBe(1);
    expect(choice.backend).toBe('cpu');
    expect(choice.reason).toBe('CPU: the WebGPU device could not be set up on acme test (device limits refused).');
  });

  test("'webgpu' errors clearly without WebGPU or an adapter", async () => {
    await expect(pickHistogramKernel('webgpu', undefined)).rejects.toThrow(
      'WebGPU backend requested, but WebGPU is not available in this runtime (no navigator.gpu). Choose the CPU or auto backend.',
    );
    const error = await pickHistogramKernel('webgpu', fakeGpu(null).gpu).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('BAD_INPUT');
    expect((error as EngineError).message).toContain('no WebGPU adapter was found');
  });

  test("'webgpu' accepts a fallback adapter (it goes on to create the device)", async () => {
    const { gpu, calls } = fakeGpu({ fallback: true, deviceError: 'fake device' });
    await expect(pickHistogramKernel('webgpu', gpu)).rejects.toThrow(
      'WebGPU backend requested, but the WebGPU device could not be set up on acme test (fallback adapter) (fake device).',
    );
    expect(calls.requestDevice).toBe(1);
  });
});

describe('WASM histogram kernel', () => {
  it('gives exactly the JS kernel sums, across trees, row subsets and a new dataset', async () => {
    const { createWasmHistogramKernel } = await import('../../workers/gbdt/wasm-histogram');
    const kernel = createWasmHistogramKernel();
    for (const [n, F, seed] of [[5000, 7, 1], [3001, 12, 2]] as const) {
      const rng = createRng(seed);
      const bins = Uint8Array.from({ length: n * F }, () => (rng() < 0.1 ? 255 : Math.floor(rng() * 40)));
      const gh = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 === 0 ? rng() * 2 - 1 : rng() * 0.25));
      const all = Int32Array.from({ length: F }, (_, f) => f);
      for (let tree = 0; tree < 2; tree++) {
        // A new tree: fresh rows array and new gradients in the same buffer, as the trainer does.
        for (let i = 0; i < gh.length; i++) gh[i] = (gh[i] as number) * 0.5 + (i % 2 === 0 ? 0.1 : 0.01);
        const rows = Uint32Array.from({ length: n }, (_, i) => i).sort(() => 0);
        for (const [begin, end] of [[0, n], [10, 2000], [1999, 2000], [n, n]] as const) {
          const expected = new Float64Array(F * 512);
          const actual = new Float64Array(F * 512).fill(7);
          cpuHistogramKernel.build({ bins, nFeatures: F, rows, begin, end, gh, features: all }, expected);
          kernel.build({ bins, nFeatures: F, rows, begin, end, gh, features: all }, actual);
          expect(Array.from(actual)).toEqual(Array.from(expected));
        }
        // A feature subset (the WASM buildSubset loop) equals the JS loop and leaves other features at 0.
        const subset = Int32Array.from([1, 3]);
        const a = new Float64Array(F * 512);
        const b = new Float64Array(F * 512);
        cpuHistogramKernel.build({ bins, nFeatures: F, rows, begin: 0, end: n, gh, features: subset }, a);
        kernel.build({ bins, nFeatures: F, rows, begin: 0, end: n, gh, features: subset }, b);
        expect(Array.from(b)).toEqual(Array.from(a));
      }
    }
  });
});
