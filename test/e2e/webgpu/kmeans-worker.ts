/**
 * Runs in a module Web Worker inside Chromium (bundled by the e2e test with esbuild): the WebGPU
 * and CPU (WASM) k-means kernels on the same seeded data, single assignments and whole runs, and
 * posts what the test compares. No assertions here: the test decides.
 */
import { createRng } from '../../../workers/gbdt/rng';
import { describeAdapter, type GpuLike } from '../../../workers/gbdt/webgpu-histogram';
import { createWasmKmeansKernel, type KmeansData, type KmeansKernel } from '../../../workers/cluster/kernel';
import { runKmeans } from '../../../workers/cluster/kmeans';
import { createWebGpuKmeansKernel, pickKmeansKernel, type WebGpuKmeansKernel } from '../../../workers/cluster/webgpu-kmeans';
import { answerWith, NO_ADAPTER, NO_NAVIGATOR_GPU, workerGpu, type WebGpuWorkerReport } from './worker-report';

export interface AssignCase {
  name: string;
  rows: number;
  /** Rows whose labels differ between the backends. */
  mismatches: number;
  /** Rows each backend decided in float64. */
  refinedCpu: number;
  refinedGpu: number;
}

export interface RunCase {
  name: string;
  mismatches: number;
  inertiaCpu: number;
  inertiaGpu: number;
  iterationsCpu: number;
  iterationsGpu: number;
  centroidsIdentical: boolean;
  /** The WebGPU run's last centroid update ran on the device. */
  updateOnDevice: boolean;
}

export interface KmeansResults {
  isFallbackAdapter: boolean;
  assigns: AssignCase[];
  runs: RunCase[];
  selection: Record<'auto' | 'webgpu', { backend: 'cpu' | 'webgpu'; reason: string }>;
  afterDispose: string;
}
export type KmeansWorkerReport = WebGpuWorkerReport<KmeansResults>;

function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-12))) * Math.cos(2 * Math.PI * rng());
}

function blobs(n: number, d: number, k: number, seed: number): KmeansData {
  const rng = createRng(seed);
  const centres = Array.from({ length: k * d }, () => (rng() * 2 - 1) * 4);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (centres[(i % k) * d + j] as number) + gaussian(rng);
  return { x, n, d };
}

/** Points on a grid with centroids on another: many exact and near ties. */
function ties(n: number): { data: KmeansData; centroids: Float64Array; k: number } {
  const x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[i * 2] = (i % 41) / 4;
    x[i * 2 + 1] = Math.floor(i / 41) / 4;
  }
  const centroids: number[] = [];
  for (let a = 0; a < 5; a++) for (let b = 0; b < 5; b++) centroids.push(a * 2.5, b * 2.5 + (a % 2) * 1e-7);
  return { data: { x, n, d: 2 }, centroids: Float64Array.from(centroids), k: 25 };
}

async function compareAssign(name: string, cpu: KmeansKernel, gpu: KmeansKernel, data: KmeansData, centroids: Float64Array, k: number): Promise<AssignCase> {
  const a = new Int32Array(data.n);
  const b = new Int32Array(data.n).fill(-7);
  const refinedCpu = await cpu.assign(data, centroids, k, a);
  const refinedGpu = await gpu.assign(data, centroids, k, b);
  let mismatches = 0;
  for (let i = 0; i < data.n; i++) if (a[i] !== b[i]) mismatches++;
  return { name, rows: data.n, mismatches, refinedCpu, refinedGpu };
}

async function compareRun(name: string, cpu: KmeansKernel, gpu: WebGpuKmeansKernel, data: KmeansData, k: number, seed: number): Promise<RunCase> {
  const a = await runKmeans(cpu, data, { k, seed, nInit: 2, maxIter: 100 });
  const b = await runKmeans(gpu, data, { k, seed, nInit: 2, maxIter: 100 });
  let mismatches = 0;
  for (let i = 0; i < data.n; i++) if (a.labels[i] !== b.labels[i]) mismatches++;
  const centroidsIdentical = a.centroids.every((v, i) => Object.is(v, b.centroids[i]));
  return { name, mismatches, inertiaCpu: a.inertia, inertiaGpu: b.inertia, iterationsCpu: a.iterations, iterationsGpu: b.iterations, centroidsIdentical, updateOnDevice: gpu.lastUpdate === 'device' };
}

async function pick(preference: 'auto' | 'webgpu', gpu: unknown): Promise<{ backend: 'cpu' | 'webgpu'; reason: string }> {
  const { kernel, backend, reason } = await pickKmeansKernel(preference, gpu);
  kernel.dispose();
  return { backend, reason };
}

async function run({ maxChunkBytes }: { maxChunkBytes: number }): Promise<KmeansWorkerReport> {
  const gpu = workerGpu() as GpuLike | undefined;
  if (!gpu) return { status: 'skip', reason: NO_NAVIGATOR_GPU };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { status: 'skip', reason: NO_ADAPTER };
  const gpuKernel = await createWebGpuKmeansKernel(gpu);
  const chunked = await createWebGpuKmeansKernel(gpu, { maxChunkBytes });
  if (!gpuKernel || !chunked) return { status: 'skip', reason: 'a second WebGPU adapter request returned null' };
  const cpu = createWasmKmeansKernel();
  const assigns: AssignCase[] = [];
  const wide = blobs(6000, 16, 8, 1);
  const rng = createRng(5);
  const randomCentroids = (data: KmeansData, k: number): Float64Array => Float64Array.from({ length: k * data.d }, () => data.x[Math.floor(rng() * data.n * data.d)] as number);
  assigns.push(await compareAssign('16 features, k = 8', cpu, gpuKernel, wide, randomCentroids(wide, 8), 8));
  assigns.push(await compareAssign('16 features, k = 33', cpu, gpuKernel, wide, randomCentroids(wide, 33), 33));
  assigns.push(await compareAssign('chunked buffers, k = 5', cpu, chunked, wide, randomCentroids(wide, 5), 5));
  const narrow = blobs(5001, 3, 4, 2);
  assigns.push(await compareAssign('3 features, k = 1', cpu, gpuKernel, narrow, randomCentroids(narrow, 1), 1));
  const tie = ties(41 * 41);
  assigns.push(await compareAssign('grid ties, k = 25', cpu, gpuKernel, tie.data, tie.centroids, tie.k));
  const runs: RunCase[] = [];
  runs.push(await compareRun('blobs 6000 x 16, k = 8', cpu, gpuKernel, wide, 8, 3));
  runs.push(await compareRun('blobs 5001 x 3, k = 6 (chunked)', cpu, chunked, narrow, 6, 4));
  const selection = { auto: await pick('auto', gpu), webgpu: await pick('webgpu', gpu) };
  chunked.dispose();
  gpuKernel.dispose();
  let afterDispose = '';
  try {
    await gpuKernel.assign(wide, randomCentroids(wide, 2), 2, new Int32Array(wide.n));
  } catch (error) {
    afterDispose = error instanceof Error ? error.message : String(error);
  }
  return { status: 'ok', adapter: describeAdapter(adapter), isFallbackAdapter: gpuKernel.isFallbackAdapter, assigns, runs, selection, afterDispose };
}

answerWith(run);
