/**
 * Prediction on the device (webgpu-predict.ts) on Dawn's software adapter in Node (llvmpipe,
 * OpenGL compatibility): margins equal the CPU's bit for bit (Object.is on every value) for
 * binary, multi-class and regression models trained by the project's trainer on seeded data with
 * missing values, with a tree limit, over several blocks of rows, and for hand-made forests with
 * the edge cases (infinite, NaN, -0 and subnormal thresholds; rows exactly on thresholds;
 * infinite, -0 and subnormal feature values; subnormal leaves); the shader's float32 addition on
 * its own against the CPU's; a cancel between blocks; a lost device. Skipped, saying why, without
 * the adapter; the checks that need no device run everywhere.
 */
import { describe, expect, test } from 'vitest';
import { requestComputeDevice } from '../../workers/compute/compute-device';
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE } from '../../workers/compute/webgpu-constants';
import type { GpuAdapterLike, GpuDeviceLike } from '../../workers/compute/webgpu-types';
import type { BoostedModel, Tree } from '../../workers/gbdt/model';
import { resolveParams, type Objective } from '../../workers/gbdt/params';
import { predictMargins, predictMarginsReference } from '../../workers/gbdt/predict';
import { compileForest } from '../../workers/gbdt/predict-forest';
import { createRng } from '../../workers/gbdt/rng';
import { trainGbdt } from '../../workers/gbdt/train';
import { createWebGpuPredictor, createWebGpuPredictorOnAdapter, flattenForDevice } from '../../workers/gbdt/webgpu-predict';
import { addTestWgsl, thresholdKey } from '../../workers/gbdt/webgpu-predict-wgsl';
import { EngineError } from '../../workers/protocol/errors';
import { dawnSkipReason, gpu } from '../helpers/dawn-adapter';
import { seededFeatures } from '../helpers/gbdt-features';
import { naiveMargins } from '../helpers/naive-margins';

const skipReason = await dawnSkipReason('gbdt-webgpu-predict');

async function adapter(): Promise<GpuAdapterLike> {
  const found = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  if (!found) throw new Error('the software adapter went away');
  return found;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (bits: number): number => {
  u32[0] = bits;
  return f32[0] as number;
};

/** Seeded columns (test/helpers/gbdt-features.ts) with labels per objective. */
function data(n: number, f: number, seed: number, objective: Objective) {
  const { columns, scores } = seededFeatures(n, f, seed);
  const labels = Float32Array.from(scores, (noisy) =>
    objective === 'binary:logistic' ? (noisy > 0 ? 1 : 0) : objective === 'multi:softprob' ? (noisy < -0.7 ? 0 : noisy < 0.7 ? 1 : 2) : noisy * 3,
  );
  return { columns, labels };
}

/** Scoring columns: fresh rows, plus rows set exactly to the model's thresholds and to edge values. */
function scoringColumns(model: BoostedModel, n: number, f: number, seed: number): Float32Array[] {
  const { columns } = data(n, f, seed, 'reg:squarederror');
  const random = createRng(seed + 1);
  const edges = [0, -0, Infinity, -Infinity, Number.NaN, fromBits(1), fromBits(0x80000001), fromBits(0x00800000)];
  for (let i = 0; i < n; i += 3) {
    const tree = model.trees[Math.floor(random() * model.trees.length)] as Tree;
    const k = Math.floor(random() * tree.left.length);
    if (tree.left[k] !== -1) (columns[tree.feature[k] as number] as Float32Array)[i] = tree.threshold[k] as number;
    else (columns[Math.floor(random() * f)] as Float32Array)[i] = edges[Math.floor(random() * edges.length)] as number;
  }
  return columns;
}

/** Values that are not the same float (Object.is: NaN equals NaN, -0 differs from +0). */
function mismatches(actual: Float64Array, expected: Float64Array): number {
  expect(actual.length).toBe(expected.length);
  let count = 0;
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) count++;
  return count;
}

async function trained(objective: Objective, rounds: number, depth: number): Promise<BoostedModel> {
  const train = data(3000, 6, 41, objective);
  const params = resolveParams({ objective, seed: 3, max_depth: depth, num_boost_round: rounds, eta: 0.3, ...(objective === 'multi:softprob' ? { num_class: 3 } : {}) });
  const { model } = await trainGbdt(train, { params, featureNames: train.columns.map((_, j) => `f${j}`), evaluateTrain: false });
  return model;
}

/** A model with a copy of `model`'s trees whose thresholds include the awkward values. */
function withEdgeThresholds(model: BoostedModel, seed: number): BoostedModel {
  const random = createRng(seed);
  const awkward = [Infinity, -Infinity, Number.NaN, -0, 0, fromBits(1), fromBits(0x80000001)];
  const trees = model.trees.map((tree) => {
    const copy: Tree = { ...tree, threshold: tree.threshold.slice(), defaultLeft: tree.defaultLeft.slice() };
    for (let k = 0; k < copy.left.length; k++) {
      if (random() >= 0.25) continue;
      // Split thresholds and leaf values alike (a subnormal or -0 leaf exercises the addition).
      copy.threshold[k] = awkward[Math.floor(random() * awkward.length)] as number;
      if (copy.left[k] !== -1) copy.defaultLeft[k] = random() < 0.5 ? 1 : 0;
      else if (!Number.isFinite(copy.threshold[k] as number)) copy.threshold[k] = -0;
    }
    return copy;
  });
  return { ...model, trees };
}

describe('device prediction without a device', () => {
  test('asking for it with no WebGPU or no adapter is a typed error', async () => {
    await expect(createWebGpuPredictor(undefined)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/no navigator\.gpu/) });
    await expect(createWebGpuPredictor({ requestAdapter: () => Promise.resolve(null) })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/no WebGPU adapter/) });
  });

  test('threshold keys order like float32 comparisons, -0 = +0, NaN below everything', () => {
    const values = [-Infinity, -3.5, -fromBits(0x00800000), fromBits(0x80000001), -0, 0, fromBits(1), fromBits(0x00800000), 1e-30, 2, 3.4e38, Infinity];
    const bitsOf = (v: number): number => {
      f32[0] = v;
      return u32[0] as number;
    };
    for (const a of values) {
      for (const b of values) expect(thresholdKey(bitsOf(a)) < thresholdKey(bitsOf(b)), `${a} < ${b}`).toBe(Math.fround(a) < Math.fround(b));
      expect(thresholdKey(bitsOf(a))).toBeGreaterThan(thresholdKey(bitsOf(Number.NaN)));
    }
  });

  test('a tree whose children point backwards is refused, not walked', () => {
    const tree: Tree = {
      left: Int32Array.of(1, 0, -1),
      right: Int32Array.of(2, 2, -1),
      parent: new Int32Array(3),
      feature: new Int32Array(3),
      threshold: new Float32Array(3),
      defaultLeft: new Uint8Array(3),
      lossChange: new Float32Array(3),
      sumHessian: new Float32Array(3),
      baseWeight: new Float32Array(3),
    };
    const model: BoostedModel = { objective: 'reg:squarederror', numClass: 0, baseScore: 0, numFeature: 1, featureNames: ['a'], trees: [tree], treeInfo: [0], bestIteration: null };
    expect(() => flattenForDevice(model, 1)).toThrow(/reaches node \d+ twice \(its links loop\)/);
  });

  test('a tree whose children come before their parent (XGBoost reuses pruned ids) is walked like any other', async (ctx) => {
    // 0 splits into 3 and 4; 3 splits into 1 and 2: node 3's children have lower ids.
    const tree: Tree = {
      left: Int32Array.of(3, -1, -1, 1, -1),
      right: Int32Array.of(4, -1, -1, 2, -1),
      parent: Int32Array.of(-1, 3, 3, 0, 0),
      feature: Int32Array.of(0, 0, 0, 1, 0),
      threshold: Float32Array.of(0.5, 0.25, -0.75, 0.1, 2),
      defaultLeft: Uint8Array.of(1, 0, 0, 0, 0),
      lossChange: new Float32Array(5),
      sumHessian: new Float32Array(5),
      baseWeight: new Float32Array(5),
    };
    const model: BoostedModel = { objective: 'reg:squarederror', numClass: 0, baseScore: 0, numFeature: 2, featureNames: ['a', 'b'], trees: [tree], treeInfo: [0], bestIteration: null };
    expect(flattenForDevice(model, 1).maxDepth).toBe(2);
    // The flattening above needs no device; the walk below does: skipped, saying why, without a Dawn adapter.
    if (skipReason) ctx.skip(skipReason);
    const columns = [Float32Array.of(0, 1, Number.NaN, 0.2, 0.7), Float32Array.of(0, 0, 0.5, Number.NaN, 0.3)];
    const predictor = await createWebGpuPredictorOnAdapter(await adapter());
    try {
      const device = await predictor.predictMargins(model, columns, 5);
      expect(mismatches(device, predictMarginsReference(model, columns, 5))).toBe(0);
      expect(new Set(device).size).toBe(3);
    } finally {
      predictor.dispose();
    }
  });
});

describe.skipIf(skipReason !== '')('prediction on the WebGPU device (Dawn, llvmpipe)', () => {
  test('the shader adds float32 exactly as the CPU does: subnormals, infinities, signed zeros, ties', async () => {
    const { device, workgroupSize } = await requestComputeDevice(await adapter(), 'add-test');
    try {
      const random = createRng(77);
      const word = (): number => Math.floor(random() * 2 ** 32) >>> 0;
      const special = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 1, 0x80000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x33800000];
      const a: number[] = [];
      const b: number[] = [];
      for (const x of special) {
        for (const y of special) {
          a.push(x);
          b.push(y);
        }
      }
      for (let i = 0; i < 72_000; i++) {
        const x = word();
        const kind = i % 6;
        a.push(x);
        if (kind === 0) b.push(word());
        else if (kind === 1) b.push((((x ^ 0x80000000) >>> 0) + Math.floor(random() * 64) - 32) >>> 0); // near cancellation
        else if (kind === 2) b.push(((x & 0x7f800000) - Math.floor(random() * 30) * 2 ** 23 + (word() & 0x807fffff)) >>> 0); // close exponents, ties
        else if (kind === 3) {
          a[a.length - 1] = (x % 0x01000000) | (word() & 0x80000000); // subnormal and tiny normal operands
          b.push((word() % 0x01000000) | (word() & 0x80000000));
        } else if (kind === 4) b.push((0x7f7fffff - (word() % 0x01000000)) >>> 0); // overflow to infinity
        else {
          // A power of two (or nearly) minus a value 20-31 binades below: the sticky bit decides the rounding.
          const e = 40 + Math.floor(random() * 180);
          a[a.length - 1] = ((x & 0x80000000) | (e << 23) | (random() < 0.25 ? 0 : x % 4)) >>> 0;
          b.push((((x & 0x80000000) ^ (random() < 0.67 ? 0x80000000 : 0)) | ((e - 20 - Math.floor(random() * 12)) << 23) | (word() & 0x7fffff)) >>> 0);
        }
      }
      const n = a.length;
      const upload = (values: number[]): ReturnType<GpuDeviceLike['createBuffer']> => {
        const buffer = device.createBuffer({ size: n * 4, usage: USAGE_STORAGE | USAGE_COPY_DST });
        device.queue.writeBuffer(buffer, 0, Uint32Array.from(values));
        return buffer;
      };
      const out = device.createBuffer({ size: n * 4, usage: USAGE_STORAGE | USAGE_COPY_SRC });
      const read = device.createBuffer({ size: n * 4, usage: USAGE_MAP_READ | USAGE_COPY_DST });
      const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code: addTestWgsl(workgroupSize) }), entryPoint: 'main' } });
      const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [upload(a), upload(b), out].map((buffer, binding) => ({ binding, resource: { buffer } })) });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(Math.ceil(n / workgroupSize));
      pass.end();
      encoder.copyBufferToBuffer(out, 0, read, 0, n * 4);
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(MAP_MODE_READ);
      const sums = new Float32Array(read.getMappedRange().slice(0));
      read.unmap();
      let wrong = 0;
      let subnormalResults = 0;
      for (let i = 0; i < n; i++) {
        const expected = Math.fround(fromBits(a[i] as number) + fromBits(b[i] as number));
        if (!Object.is(sums[i], expected)) wrong++;
        if (expected !== 0 && Math.abs(expected) < 2 ** -126) subnormalResults++;
      }
      expect(subnormalResults).toBeGreaterThan(1000);
      expect(wrong).toBe(0);
    } finally {
      device.destroy();
    }
  });

  test.each([
    ['binary:logistic', 12, 5],
    ['multi:softprob', 8, 4],
    ['reg:squarederror', 15, 6],
  ] as const)('%s: trained model, margins equal the CPU\'s bit for bit', async (objective, rounds, depth) => {
    const model = await trained(objective, rounds, depth);
    expect(model.trees.length).toBe(rounds * (objective === 'multi:softprob' ? 3 : 1));
    const n = 4000;
    const columns = scoringColumns(model, n, 6, 90);
    expect(columns.some((c) => c.some((v) => Number.isNaN(v)))).toBe(true);
    const predictor = await createWebGpuPredictorOnAdapter(await adapter());
    try {
      const device = await predictor.predictMargins(model, columns, n);
      const cpu = predictMargins(model, columns, n);
      expect(mismatches(device, cpu)).toBe(0);
      expect(mismatches(device, naiveMargins(model, columns, n))).toBe(0);
      // Not trivially equal: the rows' margins spread.
      expect(new Set(device).size).toBeGreaterThan(100);
    } finally {
      predictor.dispose();
    }
  });

  test('a tree limit, rows in several blocks (last one partial), and a forest reused across calls', async () => {
    const model = await trained('multi:softprob', 10, 4);
    const n = 5003;
    const columns = scoringColumns(model, n, 6, 91);
    const predictor = await createWebGpuPredictorOnAdapter(await adapter(), { maxBlockRows: 1024 });
    try {
      const limited = await predictor.predictMargins(model, columns, n, { treeLimit: 7 });
      expect(predictor.lastBlocks).toBe(5);
      expect(mismatches(limited, predictMargins(model, columns, n, 7))).toBe(0);
      const full = await predictor.predictMargins(model, columns, n);
      expect(mismatches(full, predictMargins(model, columns, n))).toBe(0);
      // The limit matters: the limited margins are not the full ones.
      expect(mismatches(limited, full)).toBeGreaterThan(n);
      const again = await predictor.predictMargins(model, columns, n, { treeLimit: 7 });
      expect(mismatches(again, limited)).toBe(0);
    } finally {
      predictor.dispose();
    }
  });

  test('edge thresholds (infinities, NaN, -0, subnormals) and leaves, and features the columns lack', async () => {
    const base = await trained('binary:logistic', 10, 5);
    const model = withEdgeThresholds(base, 5);
    // NaN thresholds send the CPU to its reference walk: both CPU paths are compared.
    expect(compileForest(model, model.trees.length)).toBeNull();
    const n = 3000;
    const columns = scoringColumns(base, n, 6, 92);
    const predictor = await createWebGpuPredictorOnAdapter(await adapter(), { maxBlockRows: 700 });
    try {
      const device = await predictor.predictMargins(model, columns, n);
      expect(mismatches(device, predictMarginsReference(model, columns, n))).toBe(0);
      expect(mismatches(device, naiveMargins(model, columns, n))).toBe(0);
      // Two columns short: the compiled forest reads them as missing, and so does the device.
      const fewer = columns.slice(0, 4);
      const short = await predictor.predictMargins(base, fewer, n);
      expect(mismatches(short, predictMargins(base, fewer, n))).toBe(0);
      expect(mismatches(short, await predictor.predictMargins(base, columns, n))).toBeGreaterThan(0);
    } finally {
      predictor.dispose();
    }
  });

  test('a cancel between blocks stops the job with CANCELLED, and the predictor still works after it', async () => {
    const model = await trained('binary:logistic', 6, 4);
    const n = 6000;
    const columns = scoringColumns(model, n, 6, 93);
    const found = await adapter();
    const controller = new AbortController();
    // The real Dawn device, its queue's submit wrapped: cancel as the second block goes in.
    const requestDevice = found.requestDevice.bind(found);
    let submits = 0;
    found.requestDevice = async (descriptor) => {
      const device = await requestDevice(descriptor);
      const submit = device.queue.submit.bind(device.queue);
      device.queue.submit = (buffers) => {
        submit(buffers);
        if (++submits === 2) controller.abort();
      };
      return device;
    };
    const predictor = await createWebGpuPredictorOnAdapter(found, { maxBlockRows: 1000 });
    try {
      await expect(predictor.predictMargins(model, columns, n, { signal: controller.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(predictor.lastBlocks).toBe(2);
      const after = await predictor.predictMargins(model, columns, n);
      expect(predictor.lastBlocks).toBe(6);
      expect(mismatches(after, predictMargins(model, columns, n))).toBe(0);
    } finally {
      predictor.dispose();
    }
  });

  test('a lost device is a typed error naming the loss', async () => {
    const model = await trained('reg:squarederror', 3, 3);
    const columns = scoringColumns(model, 500, 6, 94);
    const found = await adapter();
    let captured: GpuDeviceLike | null = null;
    const requestDevice = found.requestDevice.bind(found);
    found.requestDevice = async (descriptor) => {
      const device = await requestDevice(descriptor);
      captured = device;
      return device;
    };
    const predictor = await createWebGpuPredictorOnAdapter(found);
    try {
      expect(mismatches(await predictor.predictMargins(model, columns, 500), predictMargins(model, columns, 500))).toBe(0);
      (captured as GpuDeviceLike | null)?.destroy();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const failure = await predictor.predictMargins(model, columns, 500).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(EngineError);
      expect(failure).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/device was lost/) });
    } finally {
      predictor.dispose();
    }
  });
});
