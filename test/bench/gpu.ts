/**
 * Benchmark `gpu` (issue 16): Assay's WebGPU kernels against its WASM kernels on one thread and on
 * every core, in the same run on the same data:
 *   1. histogram passes (all rows, every feature), sums compared;
 *   2. whole training (binary:logistic, depth 6, hist): WASM on every core, the whole loop on the
 *      device (webgpu-resident.ts; binning on the helper threads), WASM on one thread (unless
 *      --skip-single-train) and the per-level WebGPU path (--levels); trees compared (shape,
 *      features, thresholds, default directions equal; leaves bit for bit or within 1e-6
 *      relative), the device round-trip latency, and CPU prediction time for all rows;
 *   3. k-means iterations (assignment + update), labels, centroids and inertia compared: the update
 *      on the device (exact sums: centroids bit-identical to the CPU's), and the update on the CPU;
 *   4. prediction (margins) for all rows with a model of --gpu-rounds trees of depth --gpu-depth (trained on
 *      the first 100,000 rows): the device (webgpu-predict.ts) against the compiled WASM forest on
 *      one thread and on every core (predictMarginsParallel), margins compared bit for bit.
 * WebGPU comes from the host (Chromium) or, in Node, from Dawn (npm `webgpu`, or the module named
 * by WEBGPU_INDEX). Without an adapter, or with only a software renderer, it says so in one line
 * and stops (exit 0); --allow-software runs anyway (small sizes: a local end-to-end check).
 *
 *   npm run bench -- --only gpu [--gpu-rows N] [--gpu-features F] [--gpu-rounds R] [--runs R]
 *   node bin/run-ts.mjs test/bench/gpu.ts [same flags] [--allow-software] [--skip-single-train]
 *     [--levels] [--skip-histograms] [--skip-kmeans] [--skip-predict] [--predict-only]
 */
import os from 'node:os';
import { classifyAdapter, describeAdapter } from '../../workers/compute/adapter-kind';
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE } from '../../workers/compute/webgpu-constants';
import type { GpuAdapterLike, GpuLike } from '../../workers/compute/webgpu-types';
import { createWasmKmeansKernel, type KmeansData, type KmeansKernel } from '../../workers/cluster/kernel';
import { ClusterSums } from '../../workers/cluster/exact-sums';
import { kmeansPlusPlus } from '../../workers/cluster/kmeans';
import { createWebGpuKmeansKernelOnAdapter, type WebGpuKmeansKernel } from '../../workers/cluster/webgpu-kmeans';
import { HIST_STRIDE, type HistogramKernel } from '../../workers/gbdt/histogram';
import { auc } from '../../workers/gbdt/metrics';
import type { BoostedModel, Tree } from '../../workers/gbdt/model';
import { createParallelHistogramKernel } from '../../workers/gbdt/parallel-histogram';
import { resolveParams } from '../../workers/gbdt/params';
import { predict, predictMargins } from '../../workers/gbdt/predict';
import { predictMarginsParallel } from '../../workers/gbdt/predict-parallel';
import { createWebGpuPredictorOnAdapter } from '../../workers/gbdt/webgpu-predict';
import { createRng } from '../../workers/gbdt/rng';
import { trainGbdt, type FeatureData } from '../../workers/gbdt/train';
import { createWebGpuHistogramKernelOnAdapter } from '../../workers/gbdt/webgpu-histogram';
import { createNodeHistogramKernel, nodeHelperThreads } from '../../workers/node/histogram-threads';
import { nodeWebGpu } from '../../workers/node/webgpu-node';

export interface GpuBenchOptions {
  rows: number;
  features: number;
  rounds: number;
  depth: number;
  kmeansRows: number;
  kmeansDims: number;
  ks: number[];
  runs: number;
  threads: number;
  allowSoftware: boolean;
  skipSingleTrain: boolean;
  /** Also train with the per-level path (device histograms only). */
  levels: boolean;
  skipHistograms: boolean;
  skipKmeans: boolean;
  skipPredict: boolean;
  /** Only the prediction section (no histograms, k-means or whole training). */
  predictOnly: boolean;
  log: (line: string) => void;
}

export const DEFAULT_GPU_BENCH: Omit<GpuBenchOptions, 'log'> = {
  rows: 1_000_000,
  features: 32,
  rounds: 200,
  depth: 6,
  kmeansRows: 1_000_000,
  kmeansDims: 16,
  ks: [8, 32],
  runs: 5,
  threads: os.availableParallelism(),
  allowSoftware: false,
  skipSingleTrain: false,
  levels: false,
  skipHistograms: false,
  skipKmeans: false,
  skipPredict: false,
  predictOnly: false,
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const range = (values: number[]): string => `${ms(Math.min(...values))}-${ms(Math.max(...values))}`;

async function timed(runs: number, body: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    await body();
    times.push(performance.now() - started);
  }
  return times;
}

/** The host's WebGPU: Dawn from WEBGPU_INDEX (the device runner carries it) or the `webgpu` package. */
function hostGpu(): GpuLike {
  const index = process.env.WEBGPU_INDEX;
  return index ? nodeWebGpu(index) : nodeWebGpu();
}

/** Seeded columns with signal in the first features (NaN = missing in a few) and 0/1 labels. */
function trainingData(n: number, f: number): FeatureData {
  const rng = createRng(16);
  const columns = Array.from({ length: f }, () => new Float32Array(n));
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < f; j++) {
      const v = rng() * 2 - 1;
      (columns[j] as Float32Array)[i] = j % 7 === 3 && rng() < 0.05 ? Number.NaN : v;
      if (j < 8) z += (j % 2 === 0 ? 1 : -0.7) * v * (1 + j / 4);
    }
    z += 0.5 * Math.sin(3 * ((columns[0] as Float32Array)[i] as number)) + (rng() - 0.5);
    labels[i] = z > 0.3 ? 1 : 0;
  }
  return { columns, labels };
}

function treesEqual(a: BoostedModel, b: BoostedModel): { identical: boolean; bitIdentical: boolean; note: string } {
  if (a.trees.length !== b.trees.length) return { identical: false, bitIdentical: false, note: `${a.trees.length} vs ${b.trees.length} trees` };
  let worstLeaf = 0;
  for (let t = 0; t < a.trees.length; t++) {
    const x = a.trees[t] as Tree;
    const y = b.trees[t] as Tree;
    if (x.left.length !== y.left.length) return { identical: false, bitIdentical: false, note: `tree ${t}: ${x.left.length} vs ${y.left.length} nodes` };
    for (let k = 0; k < x.left.length; k++) {
      if (x.left[k] !== y.left[k] || x.right[k] !== y.right[k]) return { identical: false, bitIdentical: false, note: `tree ${t} node ${k}: shape differs` };
      if (x.left[k] === -1) {
        const u = x.threshold[k] as number;
        const v = y.threshold[k] as number;
        worstLeaf = Math.max(worstLeaf, Math.abs(u - v) / Math.max(1e-12, Math.abs(u), Math.abs(v)));
      } else if (x.feature[k] !== y.feature[k] || x.threshold[k] !== y.threshold[k] || x.defaultLeft[k] !== y.defaultLeft[k]) {
        return { identical: false, bitIdentical: false, note: `tree ${t} node ${k}: split differs (feature ${x.feature[k]}/${y.feature[k]}, threshold ${x.threshold[k]}/${y.threshold[k]})` };
      }
    }
  }
  return { identical: worstLeaf <= 1e-6, bitIdentical: worstLeaf === 0, note: `worst leaf difference ${worstLeaf.toExponential(1)} (relative)` };
}

/** Histogram passes over all rows: WebGPU, WASM 1 thread, WASM all threads (through the trainer's row-parallel path). */
async function histogramSection(adapter: GpuAdapterLike, o: GpuBenchOptions, data: FeatureData): Promise<Record<string, unknown>> {
  const n = data.labels.length;
  const f = data.columns.length;
  o.log(`histograms: ${n.toLocaleString('en-US')} rows x ${f} features, all rows, ${o.runs} runs`);
  const rng = createRng(3);
  const gh = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    gh[i * 2] = rng() * 2 - 1;
    gh[i * 2 + 1] = rng() * 0.25;
  }
  const allRows = Uint32Array.from({ length: n }, (_, i) => i);
  const features = Int32Array.from({ length: f }, (_, i) => i);
  const results: Record<string, unknown> = {};
  const outs: Record<string, Float64Array> = {};
  let bins: Uint8Array | null = null;
  for (const [name, make] of [
    ['wasm-1', () => createParallelHistogramKernel(1)],
    [`wasm-${o.threads}`, () => createNodeHistogramKernel(o.threads)],
  ] as const) {
    const kernel = make();
    const parallel = kernel.rowParallel?.({ columns: data.columns, labels: data.labels, groups: 1, maxBin: 256, seed: 0 });
    if (!parallel) throw new Error(`${name}: no row-parallel path`);
    try {
      const binned = await parallel.bin();
      bins ??= binned.bins.slice();
      parallel.gh.set(gh);
      parallel.rows[0].set(allRows);
      const out = new Float64Array(f * HIST_STRIDE);
      const times = await timed(o.runs, () => parallel.histograms(0, features, [[0, n]], [out]));
      outs[name] = out;
      results[name] = { medianMs: median(times), runsMs: times };
      o.log(`  ${name.padEnd(9)} ${ms(median(times))} ms (${range(times)})`);
    } finally {
      parallel.finish();
      kernel.dispose?.();
    }
  }
  const webgpu = await createWebGpuHistogramKernelOnAdapter(adapter);
  try {
    const out = new Float64Array(f * HIST_STRIDE);
    const request = { bins: bins as Uint8Array, nFeatures: f, rows: allRows, begin: 0, end: n, gh, features };
    await webgpu.build(request, out); // uploads the bins and gradients once, as training does
    const times = await timed(o.runs, () => webgpu.build(request, out));
    outs.webgpu = out;
    const reference = outs['wasm-1'] as Float64Array;
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < out.length; i++) {
      worst = Math.max(worst, Math.abs((out[i] as number) - (reference[i] as number)));
      scale = Math.max(scale, Math.abs(reference[i] as number));
    }
    const threadsSame = (outs[`wasm-${o.threads}`] as Float64Array).every((v, i) => v === reference[i]);
    results.webgpu = { medianMs: median(times), runsMs: times, workgroupSize: webgpu.workgroupSize, maxAbsDiffVsWasm: worst, largestSum: scale, wasmThreadsBitIdentical: threadsSame };
    o.log(`  webgpu    ${ms(median(times))} ms (${range(times)}), workgroup ${webgpu.workgroupSize}; vs WASM: max |diff| ${worst.toExponential(2)} of sums up to ${scale.toFixed(0)}; WASM 1 vs ${o.threads} threads bit-identical: ${threadsSame}`);
    const one = (results['wasm-1'] as { medianMs: number }).medianMs;
    const all = (results[`wasm-${o.threads}`] as { medianMs: number }).medianMs;
    o.log(`  ratio: WASM 1 thread / WebGPU ${(one / median(times)).toFixed(1)}x, WASM ${o.threads} threads / WebGPU ${(all / median(times)).toFixed(1)}x`);
  } finally {
    webgpu.dispose();
  }
  return results;
}

/** One device round trip (submit a 16-byte copy, map the result): what every tree level of the device trainer pays at least. */
async function roundTrip(adapter: GpuAdapterLike, o: GpuBenchOptions): Promise<number> {
  const device = await adapter.requestDevice();
  try {
    const source = device.createBuffer({ size: 16, usage: USAGE_STORAGE | USAGE_COPY_SRC });
    const target = device.createBuffer({ size: 16, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    const times = await timed(200, async () => {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(source, 0, target, 0, 16);
      device.queue.submit([encoder.finish()]);
      await target.mapAsync(MAP_MODE_READ, 0, 16);
      target.unmap();
    });
    o.log(`device round trip (submit a copy, map it): ${ms(median(times))} ms median (${range(times)}), 200 times`);
    return median(times);
  } finally {
    device.destroy();
  }
}

async function trainingSection(adapter: GpuAdapterLike, fresh: () => Promise<GpuAdapterLike | null>, o: GpuBenchOptions, data: FeatureData, holdout: FeatureData): Promise<Record<string, unknown>> {
  const params = resolveParams({ objective: 'binary:logistic', max_depth: o.depth, num_boost_round: o.rounds, eta: 0.1, max_bin: 256, seed: 0 });
  const names = data.columns.map((_, j) => `f${j}`);
  o.log(`whole training: ${data.labels.length.toLocaleString('en-US')} x ${data.columns.length}, ${o.rounds} rounds, depth ${o.depth} (binning included, train metrics off)`);
  const results: Record<string, unknown> = {};
  const models: Record<string, BoostedModel> = {};
  const makers: Array<[string, () => Promise<HistogramKernel>]> = [
    [`wasm-${o.threads}`, () => Promise.resolve(createNodeHistogramKernel(o.threads))],
    // The whole loop on the device (webgpu-resident.ts); binning on the helper threads.
    ['webgpu', () => createWebGpuHistogramKernelOnAdapter(adapter, { rowThreads: () => createNodeHistogramKernel(o.threads) })],
  ];
  // The per-level path (device histograms, row steps on the helper threads), for comparison.
  if (!o.skipSingleTrain) makers.push(['wasm-1', () => Promise.resolve(createParallelHistogramKernel(1))]);
  if (o.levels) makers.push([`webgpu-levels+${o.threads}`, async () => createWebGpuHistogramKernelOnAdapter((await fresh()) as GpuAdapterLike, { resident: false, rowThreads: () => createNodeHistogramKernel(o.threads) })]);
  results.roundTripMs = await roundTrip((await fresh()) as GpuAdapterLike, o);
  for (const [name, make] of makers) {
    const kernel = await make();
    try {
      const started = performance.now();
      const result = await trainGbdt(data, { params, featureNames: names, kernel, evaluateTrain: false });
      const wallMs = performance.now() - started;
      models[name] = result.model;
      const holdoutAuc = auc(predict(result.model, holdout.columns, holdout.labels.length), holdout.labels);
      results[name] = { wallMs, trees: result.model.trees.length, holdoutAuc, ...(result.backendDetail ? { detail: result.backendDetail } : {}) };
      o.log(`  ${name.padEnd(9)} ${(wallMs / 1000).toFixed(2)} s, ${result.model.trees.length} trees, holdout AUC ${holdoutAuc.toFixed(4)}${result.backendDetail ? `; ${result.backendDetail}` : ''}`);
    } finally {
      kernel.dispose?.();
    }
  }
  const reference = models[`wasm-${o.threads}`] as BoostedModel;
  for (const name of Object.keys(models)) {
    if (name === `wasm-${o.threads}`) continue;
    const same = treesEqual(models[name] as BoostedModel, reference);
    (results[name] as Record<string, unknown>).treesVsWasmThreads = same;
    o.log(`  ${name} vs wasm-${o.threads}: trees ${same.identical ? 'identical' : 'DIFFER'}${same.bitIdentical ? ' (leaf values bit for bit)' : ''} (${same.note})`);
  }
  const gpuMs = (results.webgpu as { wallMs: number }).wallMs;
  const allMs = (results[`wasm-${o.threads}`] as { wallMs: number }).wallMs;
  const levels = results[`webgpu-levels+${o.threads}`] as { wallMs: number } | undefined;
  o.log(`  ratio: WASM ${o.threads} threads / WebGPU resident ${(allMs / gpuMs).toFixed(2)}x${results['wasm-1'] ? `, WASM 1 thread / WebGPU resident ${((results['wasm-1'] as { wallMs: number }).wallMs / gpuMs).toFixed(2)}x` : ''}${levels ? `, per-level path / resident ${(levels.wallMs / gpuMs).toFixed(2)}x` : ''}`);
  // Prediction on the CPU (this thread) for all training rows: what a device predictor would have to beat.
  const model = models.webgpu as BoostedModel;
  const predictTimes = await timed(1, async () => {
    predict(model, data.columns, data.labels.length);
  });
  results.predictCpuMs = { medianMs: median(predictTimes), runsMs: predictTimes };
  o.log(`  prediction on the CPU, ${data.labels.length.toLocaleString('en-US')} rows x ${model.trees.length} trees: ${ms(median(predictTimes))} ms (${range(predictTimes)}), this thread`);
  return results;
}

/** Rows the prediction section's model is trained on (the trees' shape, not the row count, sets the scoring cost). */
const PREDICT_TRAIN_ROWS = 100_000;

/** Margins for all rows: the device against the compiled WASM forest on one thread and on every core, compared bit for bit. */
async function predictSection(adapter: GpuAdapterLike, o: GpuBenchOptions, data: FeatureData): Promise<Record<string, unknown>> {
  const n = data.labels.length;
  const trainRows = Math.min(n, PREDICT_TRAIN_ROWS);
  const params = resolveParams({ objective: 'binary:logistic', max_depth: o.depth, num_boost_round: o.rounds, eta: 0.1, max_bin: 256, seed: 0 });
  const kernel = createNodeHistogramKernel(o.threads);
  let model: BoostedModel;
  try {
    const subset = { columns: data.columns.map((c) => c.subarray(0, trainRows)), labels: data.labels.subarray(0, trainRows) };
    model = (await trainGbdt(subset, { params, featureNames: data.columns.map((_, j) => `f${j}`), kernel, evaluateTrain: false })).model;
  } finally {
    kernel.dispose?.();
  }
  const leaves = model.trees.reduce((sum, tree) => sum + tree.left.filter((l) => l === -1).length, 0);
  o.log(`prediction: ${n.toLocaleString('en-US')} rows x ${data.columns.length} features, ${model.trees.length} trees of depth <= ${o.depth} (${(leaves / model.trees.length).toFixed(1)} leaves per tree, trained on ${trainRows.toLocaleString('en-US')} rows), margins, ${o.runs} runs`);
  const results: Record<string, unknown> = { trees: model.trees.length, leavesPerTree: leaves / model.trees.length };
  const outs: Record<string, Float64Array> = {};
  const record = (name: string, times: number[], extra: Record<string, unknown> = {}): void => {
    results[name] = { medianMs: median(times), runsMs: times, rowsPerSecond: n / (median(times) / 1000), ...extra };
    o.log(`  ${name.padEnd(9)} ${ms(median(times))} ms (${range(times)})${extra.firstCallMs !== undefined ? `; ${String(extra.blocks)} blocks of rows; first call ${ms(extra.firstCallMs as number)} ms (forest upload, shader warm-up)` : ''}`);
  };
  record('wasm-1', await timed(o.runs, async () => {
    outs['wasm-1'] = predictMargins(model, data.columns, n);
  }));
  const helpers = nodeHelperThreads(o.threads);
  record(`wasm-${o.threads}`, await timed(o.runs, async () => {
    outs[`wasm-${o.threads}`] = await predictMarginsParallel(model, data.columns, n, { threads: helpers.count, spawn: helpers.spawn });
  }));
  const predictor = await createWebGpuPredictorOnAdapter(adapter);
  try {
    const first = await timed(1, async () => {
      outs.webgpu = await predictor.predictMargins(model, data.columns, n);
    });
    const times = await timed(o.runs, async () => {
      outs.webgpu = await predictor.predictMargins(model, data.columns, n);
    });
    record('webgpu', times, { firstCallMs: first[0], blocks: predictor.lastBlocks, workgroupSize: predictor.workgroupSize });
  } finally {
    predictor.dispose();
  }
  const reference = outs['wasm-1'] as Float64Array;
  const differing = (out: Float64Array): number => {
    let count = 0;
    for (let i = 0; i < out.length; i++) if (!Object.is(out[i], reference[i])) count++;
    return count;
  };
  const gpuDiffer = differing(outs.webgpu as Float64Array);
  const threadsDiffer = differing(outs[`wasm-${o.threads}`] as Float64Array);
  const gpuMs = (results.webgpu as { medianMs: number }).medianMs;
  const oneMs = (results['wasm-1'] as { medianMs: number }).medianMs;
  const allMs = (results[`wasm-${o.threads}`] as { medianMs: number }).medianMs;
  results.marginsDifferFromWasm1 = { webgpu: gpuDiffer, [`wasm-${o.threads}`]: threadsDiffer };
  results.ratio = { wasm1OverWebgpu: oneMs / gpuMs, wasmThreadsOverWebgpu: allMs / gpuMs };
  o.log(`  margins vs wasm-1: webgpu ${gpuDiffer === 0 ? 'bit for bit equal' : `DIFFER on ${gpuDiffer} values`}, wasm-${o.threads} ${threadsDiffer === 0 ? 'bit for bit equal' : `DIFFER on ${threadsDiffer} values`}`);
  o.log(`  ratio: WASM 1 thread / WebGPU ${(oneMs / gpuMs).toFixed(2)}x, WASM ${o.threads} threads / WebGPU ${(allMs / gpuMs).toFixed(2)}x`);
  return results;
}

function inertiaOf(data: KmeansData, centroids: Float64Array, labels: Int32Array): number {
  let total = 0;
  for (let i = 0; i < data.n; i++) {
    const c = labels[i] as number;
    for (let j = 0; j < data.d; j++) total += ((data.x[i * data.d + j] as number) - (centroids[c * data.d + j] as number)) ** 2;
  }
  return total;
}

/** Seeded standardised normal data, as the k-means bench uses. */
function kmeansData(n: number, d: number): KmeansData {
  const rng = createRng(42);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
  return { x, n, d };
}

async function kmeansSection(adapter: () => Promise<GpuAdapterLike | null>, o: GpuBenchOptions): Promise<Record<string, unknown>> {
  const data = kmeansData(o.kmeansRows, o.kmeansDims);
  const iterations = Math.max(3, o.runs * 2);
  o.log(`k-means: ${data.n.toLocaleString('en-US')} x ${data.d}, ${iterations} Lloyd iterations from the same k-means++ start; WASM is one thread (there is no threaded k-means kernel)`);
  const results: Record<string, unknown> = {};
  for (const k of o.ks) {
    const init = kmeansPlusPlus(data, k, createRng(k));
    const runs: Record<string, { assign: number[]; update: number[]; labels: Int32Array; centroids: Float64Array; flagged: number }> = {};
    // webgpu: assignment and the exact update on the device (what cluster jobs run);
    // webgpu-cpu-update: assignment on the device, the update on the CPU (WASM), as before.
    for (const name of ['wasm-1', 'webgpu', 'webgpu-cpu-update'] as const) {
      let kernel: KmeansKernel;
      let deviceKernel: WebGpuKmeansKernel | null = null;
      const cpuUpdate = createWasmKmeansKernel();
      if (name !== 'wasm-1') {
        const fresh = await adapter();
        if (!fresh) throw new Error('the adapter went away');
        deviceKernel = await createWebGpuKmeansKernelOnAdapter(fresh);
        kernel = deviceKernel;
      } else kernel = createWasmKmeansKernel();
      try {
        const centroids = Float64Array.from(init);
        const labels = new Int32Array(data.n);
        const sums = new ClusterSums();
        const counts = new Float64Array(k);
        const assign: number[] = [];
        const update: number[] = [];
        let flagged = 0;
        await kernel.assign(data, centroids, k, labels); // uploads the data once
        // The WASM update's once-per-data-set rounded copy (workers/cluster/exact-sums.ts) is made here, not timed.
        await (name === 'webgpu-cpu-update' ? cpuUpdate : kernel).update(data, labels, k, sums, counts);
        for (let it = 0; it < iterations; it++) {
          let t = performance.now();
          flagged += await kernel.assign(data, centroids, k, labels);
          assign.push(performance.now() - t);
          t = performance.now();
          if (name === 'webgpu-cpu-update') await cpuUpdate.update(data, labels, k, sums, counts);
          else await kernel.update(data, labels, k, sums, counts);
          // Rounding the exact sums is part of the update.
          for (let c = 0; c < k; c++) {
            const count = counts[c] as number;
            if (count > 0) for (let j = 0; j < data.d; j++) centroids[c * data.d + j] = sums.rounded(c, j) / count;
          }
          update.push(performance.now() - t);
          if (name === 'webgpu' && deviceKernel?.lastUpdate !== 'device') throw new Error('the device update declined');
        }
        runs[name] = { assign, update, labels: labels.slice(), centroids, flagged };
      } finally {
        kernel.dispose();
        cpuUpdate.dispose();
      }
    }
    const cpu = runs['wasm-1'] as NonNullable<(typeof runs)['wasm-1']>;
    const full = (r: typeof cpu): number => median(r.assign.map((a, i) => a + (r.update[i] as number)));
    const compare = (r: typeof cpu) => {
      let labelMismatches = 0;
      for (let i = 0; i < data.n; i++) if (cpu.labels[i] !== r.labels[i]) labelMismatches++;
      return { labelMismatches, centroidsBitIdentical: cpu.centroids.every((v, i) => Object.is(v, r.centroids[i])), inertia: inertiaOf(data, r.centroids, r.labels) };
    };
    const gpu = runs.webgpu as NonNullable<(typeof runs)['webgpu']>;
    const hybrid = runs['webgpu-cpu-update'] as NonNullable<(typeof runs)['webgpu']>;
    const gpuCheck = compare(gpu);
    const hybridCheck = compare(hybrid);
    const inertiaCpu = inertiaOf(data, cpu.centroids, cpu.labels);
    results[`k${k}`] = {
      wasm1: { assignMs: median(cpu.assign), updateMs: median(cpu.update), iterationMs: full(cpu), inertia: inertiaCpu },
      webgpu: { assignMs: median(gpu.assign), updateMs: median(gpu.update), iterationMs: full(gpu), float64Rechecks: gpu.flagged, ...gpuCheck },
      webgpuCpuUpdate: { assignMs: median(hybrid.assign), updateMs: median(hybrid.update), iterationMs: full(hybrid), ...hybridCheck },
    };
    o.log(`  k=${k}: iteration WASM ${ms(full(cpu))} ms (assign ${ms(median(cpu.assign))} + update ${ms(median(cpu.update))}), WebGPU ${ms(full(gpu))} ms (assign ${ms(median(gpu.assign))} + update on the device ${ms(median(gpu.update))}); ${(full(cpu) / full(gpu)).toFixed(1)}x; after ${iterations} iterations labels differ on ${gpuCheck.labelMismatches} rows, centroids bit-identical: ${gpuCheck.centroidsBitIdentical}, inertia ${inertiaCpu.toFixed(3)} vs ${gpuCheck.inertia.toFixed(3)}, ${gpu.flagged} float64 rechecks`);
    o.log(`  k=${k}: with the update on the CPU: ${ms(full(hybrid))} ms (assign ${ms(median(hybrid.assign))} + update ${ms(median(hybrid.update))}), ${(full(cpu) / full(hybrid)).toFixed(1)}x WASM; labels differ on ${hybridCheck.labelMismatches} rows, centroids bit-identical: ${hybridCheck.centroidsBitIdentical}`);
  }
  return results;
}

/** Runs the sections; returns null (after one line) where there is no usable adapter. */
export async function runGpuBench(given: Partial<GpuBenchOptions> = {}): Promise<Record<string, unknown> | null> {
  const o: GpuBenchOptions = { ...DEFAULT_GPU_BENCH, log: (line) => console.log(line), ...given };
  const gpu = hostGpu();
  const request = async (): Promise<GpuAdapterLike | null> =>
    (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ?? (o.allowSoftware ? gpu.requestAdapter({ featureLevel: 'compatibility' }) : null);
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await request();
  } catch (error) {
    o.log(`gpu bench skipped: WebGPU is not available here (${error instanceof Error ? error.message : String(error)}).`);
    return null;
  }
  if (!adapter) {
    o.log('gpu bench skipped: no WebGPU adapter here (no usable GPU or driver).');
    return null;
  }
  const kind = classifyAdapter(adapter);
  const description = describeAdapter(adapter);
  if (kind.software && !o.allowSoftware) {
    o.log(`gpu bench skipped: the only WebGPU adapter is ${kind.why} (${description}); figures need a hardware GPU.`);
    return null;
  }
  const limits = adapter.limits;
  const info = { description, software: kind.software, why: kind.why, maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize, maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX ?? null, maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup ?? null };
  o.log(`adapter: ${description} (${kind.why}); maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize}, workgroup up to ${limits.maxComputeInvocationsPerWorkgroup ?? '?'}; CPU: ${os.cpus()[0]?.model ?? '?'} x ${o.threads} threads`);
  const results: Record<string, unknown> = { adapter: info, threads: o.threads };
  const fresh = async (): Promise<GpuAdapterLike> => {
    const next = await request();
    if (!next) throw new Error('the WebGPU adapter went away');
    return next;
  };
  const data = trainingData(o.rows, o.features);
  if (o.predictOnly) {
    results.predict = await predictSection(adapter, o, data);
    return results;
  }
  if (!o.skipHistograms) results.histograms = await histogramSection(adapter, o, data);
  // k-means before whole training: the longest section goes last.
  if (!o.skipKmeans) results.kmeans = await kmeansSection(request, o);
  if (!o.skipPredict) results.predict = await predictSection(await fresh(), o, data);
  const holdout = trainingData(Math.max(1000, Math.floor(o.rows / 10)), o.features);
  results.training = await trainingSection(await fresh(), request, o, data, holdout);
  return results;
}

function parseArgs(argv: readonly string[]): Partial<GpuBenchOptions> {
  const o: Partial<GpuBenchOptions> = {};
  const num = (flag: string, value: string | undefined): number => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${flag} takes a whole number >= 1`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--gpu-rows') o.rows = num(flag, argv[++i]);
    else if (flag === '--gpu-features') o.features = num(flag, argv[++i]);
    else if (flag === '--gpu-rounds') o.rounds = num(flag, argv[++i]);
    else if (flag === '--gpu-depth') o.depth = num(flag, argv[++i]);
    else if (flag === '--kmeans-rows') o.kmeansRows = num(flag, argv[++i]);
    else if (flag === '--runs') o.runs = num(flag, argv[++i]);
    else if (flag === '--threads') o.threads = num(flag, argv[++i]);
    else if (flag === '--allow-software') o.allowSoftware = true;
    else if (flag === '--skip-single-train') o.skipSingleTrain = true;
    else if (flag === '--levels') o.levels = true;
    else if (flag === '--skip-histograms') o.skipHistograms = true;
    else if (flag === '--skip-kmeans') o.skipKmeans = true;
    else if (flag === '--skip-predict') o.skipPredict = true;
    else if (flag === '--predict-only') o.predictOnly = true;
    else throw new Error(`unknown argument ${flag}`);
  }
  return o;
}

// Run directly (node bin/run-ts.mjs test/bench/gpu.ts, or the bundle on the device machine).
if (process.argv[1] && /gpu(-bench)?\.(ts|mjs)$/.test(process.argv[1])) {
  const results = await runGpuBench(parseArgs(process.argv.slice(2)));
  if (results && process.env.GPU_BENCH_JSON) (await import('node:fs')).writeFileSync(process.env.GPU_BENCH_JSON, JSON.stringify(results, null, 2) + '\n');
  process.exit(0);
}
