/**
 * Training with the WebGPU kernel's row-parallel path (webgpu-train.ts): a level's node
 * histograms in one submission and one read-back (buildMany). On Dawn's software adapter in Node
 * (llvmpipe, OpenGL compatibility): buildMany equals one build per range, and whole models equal
 * the CPU kernel's (same shape, split features, thresholds and default directions; leaves within
 * 1e-6 relative: the device sums are fixed point). Skipped, saying why, without the adapter.
 */
import { describe, expect, test } from 'vitest';
import { HIST_STRIDE, type HistogramKernel } from '../../workers/gbdt/histogram';
import { createNodeHistogramKernel } from '../../workers/node/histogram-threads';
import type { Tree } from '../../workers/gbdt/model';
import { createParallelHistogramKernel } from '../../workers/gbdt/parallel-histogram';
import { resolveParams } from '../../workers/gbdt/params';
import { createRng } from '../../workers/gbdt/rng';
import { trainGbdt, type FeatureData } from '../../workers/gbdt/train';
import { createWebGpuHistogramKernelOnAdapter } from '../../workers/gbdt/webgpu-histogram';
import { dawnSkipReason, gpu } from '../helpers/dawn-adapter';

/** Why the adapter tests cannot run here ('' when they can). */
const skipReason = await dawnSkipReason('webgpu-train');

async function kernel(rowThreads?: () => HistogramKernel, maxBindingBytes?: number) {
  const adapter = await gpu.requestAdapter({ featureLevel: 'compatibility' });
  if (!adapter) throw new Error('the software adapter went away');
  return createWebGpuHistogramKernelOnAdapter(adapter, { maxChunkBytes: 16 * 1024, ...(rowThreads ? { rowThreads } : {}), ...(maxBindingBytes ? { maxBindingBytes } : {}) });
}

function data(n: number, f: number, seed: number, classes = 2): FeatureData {
  const random = createRng(seed);
  const columns = Array.from({ length: f }, () => new Float32Array(n));
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < f; j++) {
      const v = random() * 2 - 1;
      (columns[j] as Float32Array)[i] = j === 2 && random() < 0.1 ? Number.NaN : v;
      if (j < 4) z += v * (j % 2 ? -1 : 1.5);
    }
    labels[i] = classes === 2 ? (z + (random() - 0.5) > 0 ? 1 : 0) : Math.max(0, Math.min(classes - 1, Math.floor(((z + 3) / 6) * classes)));
  }
  return { columns, labels };
}

function expectSameTrees(a: Tree[], b: Tree[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, t) => {
    const y = b[t] as Tree;
    expect(Array.from(x.left), `tree ${t}`).toEqual(Array.from(y.left));
    expect(Array.from(x.right), `tree ${t}`).toEqual(Array.from(y.right));
    for (let k = 0; k < x.left.length; k++) {
      if (x.left[k] === -1) {
        const u = x.threshold[k] as number;
        const v = y.threshold[k] as number;
        expect(Math.abs(u - v), `tree ${t} leaf ${k}`).toBeLessThanOrEqual(1e-7 + 1e-6 * Math.max(Math.abs(u), Math.abs(v)));
      } else {
        expect([x.feature[k], x.threshold[k], x.defaultLeft[k]], `tree ${t} node ${k}`).toEqual([y.feature[k], y.threshold[k], y.defaultLeft[k]]);
      }
    }
  });
}

describe.skipIf(skipReason !== '')('WebGPU training by levels', () => {
  test('ranges over one binding go in batches (and a range whose rows alone exceed it to the CPU): the same sums', async () => {
    // 2 features of 4 KiB per range and a 16 KiB binding: two ranges per submission, 4,096 rows at most.
    const small = await kernel(undefined, 16 * 1024);
    const plain = createParallelHistogramKernel(1);
    try {
      const n = 5000;
      const f = 4;
      const random = createRng(9);
      const bins = Uint8Array.from({ length: n * f }, () => Math.floor(random() * 256));
      // On a 2^-20 grid: device fixed point and CPU float64 sums are both exact, so equal.
      const gh = Float32Array.from({ length: n * 2 }, (_, i) => Math.round((i % 2 ? random() : random() - 0.5) * 2 ** 20) / 2 ** 20);
      const rows = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % n);
      const features = Int32Array.of(0, 3);
      const ranges: Array<[number, number]> = [[0, 1200], [1200, 1200], [1200, 4999], [0, 5000], [4999, 5000], [0, 100], [100, 300]];
      const many = ranges.map(() => new Float64Array(f * HIST_STRIDE).fill(7));
      await small.buildMany({ bins, nFeatures: f, rows, gh, features }, ranges, many);
      for (const [i, [begin, end]] of ranges.entries()) {
        const one = new Float64Array(f * HIST_STRIDE);
        plain.build({ bins, nFeatures: f, rows, gh, features, begin, end }, one);
        // Only the requested features' histograms are defined.
        for (const feature of features) {
          const at = feature * HIST_STRIDE;
          expect(Array.from((many[i] as Float64Array).subarray(at, at + HIST_STRIDE)), `range ${i} feature ${feature}`).toEqual(Array.from(one.subarray(at, at + HIST_STRIDE)));
        }
      }
    } finally {
      small.dispose();
      plain.dispose?.();
    }
  });

  test('buildMany gives what one build per range gives, across row chunks', async () => {
    const k = await kernel();
    try {
      const n = 5000;
      const f = 4;
      const random = createRng(4);
      const bins = Uint8Array.from({ length: n * f }, () => Math.floor(random() * 256));
      const gh = Float32Array.from({ length: n * 2 }, (_, i) => (i % 2 ? random() : random() - 0.5));
      const rows = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % n);
      const features = Int32Array.of(0, 2, 3);
      const ranges: Array<[number, number]> = [[0, 1200], [1200, 1200], [1200, 4999], [4999, 5000]];
      const many = ranges.map(() => new Float64Array(f * HIST_STRIDE).fill(7));
      await k.buildMany({ bins, nFeatures: f, rows, gh, features }, ranges, many);
      for (const [i, [begin, end]] of ranges.entries()) {
        const one = new Float64Array(f * HIST_STRIDE);
        await k.build({ bins, nFeatures: f, rows, gh, features, begin, end }, one);
        expect(Array.from(many[i] as Float64Array), `range ${i}`).toEqual(Array.from(one));
      }
      expect((many[1] as Float64Array).every((v) => v === 0)).toBe(true);
    } finally {
      k.dispose();
    }
  });

  test.each([
    ['binary:logistic', 2, 'this thread'],
    ['multi:softprob', 3, 'this thread'],
    ['binary:logistic', 2, 'helper threads'],
    ['multi:softprob', 3, 'helper threads'],
  ] as const)('%s (%i classes), row steps on %s: the trees equal the CPU kernel\'s', async (objective, classes, where) => {
    const train = data(4000, 6, 21, classes);
    const params = resolveParams({ objective, ...(classes > 2 ? { num_class: classes } : {}), max_depth: 4, num_boost_round: 4, eta: 0.3, seed: 1 });
    const names = train.columns.map((_, j) => `f${j}`);
    const cpu = await trainGbdt(train, { params, featureNames: names, kernel: createParallelHistogramKernel(1) });
    const k = await kernel(where === 'helper threads' ? () => createNodeHistogramKernel(2) : undefined);
    try {
      const webgpu = await trainGbdt(train, { params, featureNames: names, kernel: k });
      expect(webgpu.backend).toBe('webgpu');
      expect(cpu.model.trees.every((t) => t.left.length >= 7)).toBe(true);
      expectSameTrees(webgpu.model.trees, cpu.model.trees);
    } finally {
      k.dispose();
    }
  });
});
