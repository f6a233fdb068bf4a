/**
 * Runs in a module Web Worker inside Chromium (bundled by the e2e test with esbuild): builds
 * histograms with the WebGPU kernel and the CPU kernel on the same seeded random data and posts
 * both back, so the test (in Node) compares them. No assertions here: the test decides.
 */
import { cpuHistogramKernel, HIST_STRIDE, type HistogramKernel, type HistogramRequest } from '../../../workers/gbdt/histogram';
import { createWebGpuHistogramKernel, type WebGpuHistogramKernel } from '../../../workers/gbdt/webgpu-histogram';
import { pickHistogramKernel } from '../../../workers/gbdt/backend-select';
import { createRng } from '../../../workers/gbdt/rng';
import { answerWith, NO_ADAPTER, NO_NAVIGATOR_GPU, workerGpu, type WebGpuWorkerReport } from './worker-report';

export interface HistogramCase {
  name: string;
  /** Rows in [begin, end) of the call. */
  rowCount: number;
  features: number[];
  nFeatures: number;
  /** Sum of |gradient| and |hessian| over all rows of gh (the fixed-point mass M). */
  gradientMass: number;
  hessianMass: number;
  cpu: number[];
  gpu: number[];
}

export interface HistogramResults {
  isFallbackAdapter: boolean;
  cases: HistogramCase[];
  /** The same call run twice gave bit-identical output. */
  repeatIdentical: boolean;
  /** What pickHistogramKernel chose here for each preference. */
  selection: Record<'auto' | 'webgpu', { backend: 'cpu' | 'webgpu'; reason: string }>;
  /** The error a build after dispose() gave. */
  afterDispose: string;
}
export type WorkerReport = WebGpuWorkerReport<HistogramResults>;

interface Dataset {
  bins: Uint8Array;
  nFeatures: number;
  nRows: number;
  gh: Float32Array;
}

/** Random bins with a different number of bins per feature and ~10% missing (bin 255). */
function makeDataset(nRows: number, nFeatures: number, seed: number): Dataset {
  const rng = createRng(seed);
  const binCounts = Array.from({ length: nFeatures }, (_, f) => [2, 16, 255, 64, 7, 128, 33, 254][f % 8] as number);
  const bins = new Uint8Array(nRows * nFeatures);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < nFeatures; f++) {
      bins[r * nFeatures + f] = rng() < 0.1 ? 255 : Math.floor(rng() * (binCounts[f] as number));
    }
  }
  const gh = new Float32Array(nRows * 2);
  fillGradients(gh, rng, 'plain');
  return { bins, nFeatures, nRows, gh };
}

/** Overwrites gh in place, as training does between trees. */
function fillGradients(gh: Float32Array, rng: () => number, kind: 'plain' | 'wide'): void {
  for (let r = 0; r < gh.length / 2; r++) {
    const sign = rng() < 0.5 ? -1 : 1;
    if (kind === 'plain') {
      gh[r * 2] = sign * rng();
      gh[r * 2 + 1] = 0.01 + rng() * 0.24;
    } else {
      // Six orders of magnitude between rows: the fixed point must keep the small ones.
      const big = r % 97 === 0;
      gh[r * 2] = sign * (big ? 1e5 * (1 + rng()) : 1e-3 * rng());
      gh[r * 2 + 1] = big ? 1e3 * rng() : 1e-4 * rng();
    }
  }
}

function shuffled(n: number, rng: () => number): Uint32Array {
  const rows = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = rows[i] as number;
    rows[i] = rows[j] as number;
    rows[j] = t;
  }
  return rows;
}

function absMass(gh: Float32Array, offset: 0 | 1): number {
  let sum = 0;
  for (let i = offset; i < gh.length; i += 2) sum += Math.abs(gh[i] as number);
  return sum;
}

async function runCase(name: string, kernel: HistogramKernel, data: Dataset, rows: Uint32Array, begin: number, end: number, features: number[]): Promise<HistogramCase> {
  const request: HistogramRequest = {
    bins: data.bins,
    nFeatures: data.nFeatures,
    rows,
    begin,
    end,
    gh: data.gh,
    features: Int32Array.from(features),
  };
  const cpu = new Float64Array(data.nFeatures * HIST_STRIDE);
  // Pre-filled with garbage: the kernel must overwrite every entry.
  const gpu = new Float64Array(data.nFeatures * HIST_STRIDE).fill(7);
  cpuHistogramKernel.build(request, cpu);
  await kernel.build(request, gpu);
  return {
    name,
    rowCount: end - begin,
    features,
    nFeatures: data.nFeatures,
    gradientMass: absMass(data.gh, 0),
    hessianMass: absMass(data.gh, 1),
    cpu: Array.from(cpu),
    gpu: Array.from(gpu),
  };
}

async function pick(preference: 'auto' | 'webgpu', gpu: unknown): Promise<{ backend: 'cpu' | 'webgpu'; reason: string }> {
  const { kernel, backend, reason } = await pickHistogramKernel(preference, gpu);
  kernel.dispose?.();
  return { backend, reason };
}

async function run({ maxChunkBytes }: { maxChunkBytes: number }): Promise<WorkerReport> {
  const gpu = workerGpu();
  if (!gpu) return { status: 'skip', reason: NO_NAVIGATOR_GPU };
  const kernel = await createWebGpuHistogramKernel(gpu);
  if (!kernel) return { status: 'skip', reason: NO_ADAPTER };
  const chunked: WebGpuHistogramKernel | null = await createWebGpuHistogramKernel(gpu, { maxChunkBytes });
  if (!chunked) return { status: 'error', message: 'A second kernel could not get an adapter.' };
  try {
    const rng = createRng(20261123);
    const a = makeDataset(5000, 8, 1);
    const all = Array.from({ length: 8 }, (_, f) => f);
    const subset = [1, 4, 6];
    const cases: HistogramCase[] = [];
    // Tree 1: identity row order, then a shuffled row array (a "node" in the middle of it).
    const identity = Uint32Array.from({ length: a.nRows }, (_, i) => i);
    cases.push(await runCase('all rows, all features', kernel, a, identity, 0, a.nRows, all));
    const repeat = await runCase('repeat', kernel, a, identity, 0, a.nRows, all);
    const repeatIdentical = repeat.gpu.every((v, i) => Object.is(v, cases[0]?.gpu[i]));
    const rowsTree2 = shuffled(a.nRows, rng);
    cases.push(await runCase('row subset [700, 3100), all features', kernel, a, rowsTree2, 700, 3100, all));
    cases.push(await runCase('row subset [100, 2600), features 1,4,6', kernel, a, rowsTree2, 100, 2600, subset));
    cases.push(await runCase('one row', kernel, a, rowsTree2, 42, 43, all));
    cases.push(await runCase('empty range', kernel, a, rowsTree2, 10, 10, all));
    // Tree 3: gh overwritten in place, fresh rows array (what training does per tree).
    fillGradients(a.gh, rng, 'wide');
    const rowsTree3 = shuffled(a.nRows, rng);
    cases.push(await runCase('new tree, wide-range gradients', kernel, a, rowsTree3, 0, 4000, all));
    cases.push(await runCase('new tree, wide-range gradients, features 1,4,6', kernel, a, rowsTree3, 1234, 1300, subset));
    // A second dataset with an odd row stride and byte count.
    const b = makeDataset(3001, 5, 2);
    const rowsB = shuffled(b.nRows, rng);
    cases.push(await runCase('dataset B (3001 x 5), rows [5, 2900)', kernel, b, rowsB, 5, 2900, [0, 1, 2, 3, 4]));
    // Small chunk buffers: the dataset is split into many row chunks, one dispatch each.
    cases.push(await runCase('chunked: dataset B rows [0, 3001)', chunked, b, rowsB, 0, b.nRows, [0, 2, 4]));
    fillGradients(a.gh, rng, 'plain');
    const rowsTree4 = shuffled(a.nRows, rng);
    cases.push(await runCase('chunked: dataset A rows [333, 4444)', chunked, a, rowsTree4, 333, 4444, all));
    // A NaN gradient: the kernel must reproduce the CPU kernel's NaN bins exactly.
    a.gh[2 * 17] = Number.NaN;
    const rowsTree5 = shuffled(a.nRows, rng);
    cases.push(await runCase('NaN gradient', kernel, a, rowsTree5, 0, a.nRows, subset));
    const selection = { auto: await pick('auto', gpu), webgpu: await pick('webgpu', gpu) };
    chunked.dispose();
    const afterDispose = await chunked.build({ bins: a.bins, nFeatures: a.nFeatures, rows: rowsTree5, begin: 0, end: 10, gh: a.gh, features: Int32Array.from(all) }, new Float64Array(a.nFeatures * HIST_STRIDE)).then(
      () => 'no error',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    return { status: 'ok', adapter: kernel.adapterDescription, isFallbackAdapter: kernel.isFallbackAdapter, cases, repeatIdentical, selection, afterDispose };
  } finally {
    kernel.dispose();
    chunked.dispose();
  }
}

answerWith(run);
