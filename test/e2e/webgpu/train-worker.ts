/**
 * Runs in a module Web Worker inside Chromium (bundled by webgpu-train.test.ts with esbuild):
 * trains whole small models on seeded data twice, once with the WebGPU histogram kernel and once
 * with the CPU (WASM) kernel, and posts both models' trees back so the test (in Node) compares
 * them. No assertions here: the test decides.
 */
import { resolveParams } from '../../../workers/gbdt/params';
import { createRng } from '../../../workers/gbdt/rng';
import { trainGbdt, type FeatureData } from '../../../workers/gbdt/train';
import { createWasmHistogramKernel } from '../../../workers/gbdt/wasm-histogram';
import { createWebGpuHistogramKernel } from '../../../workers/gbdt/webgpu-histogram';
import type { HistogramKernel } from '../../../workers/gbdt/histogram';
import type { Tree } from '../../../workers/gbdt/model';
import { answerWith, NO_ADAPTER, NO_NAVIGATOR_GPU, workerGpu, type WebGpuWorkerReport } from './worker-report';

export interface PlainTree {
  left: number[];
  right: number[];
  feature: number[];
  threshold: number[];
  defaultLeft: number[];
}

export interface TrainCase {
  name: string;
  rows: number;
  webgpu: PlainTree[];
  cpu: PlainTree[];
  webgpuMs: number;
  cpuMs: number;
  /** How the WebGPU kernel trained (the device-resident loop, or why not). */
  webgpuDetail: string;
}

export interface TrainResults {
  cases: TrainCase[];
}
export type TrainWorkerReport = WebGpuWorkerReport<TrainResults>;

type Kind = 'binary' | 'regression' | 'multiclass';

/** Continuous features (few exact gain ties), one with ~10% missing, one integer-valued. */
function dataset(n: number, seed: number, kind: Kind): FeatureData {
  const rng = createRng(seed);
  const F = 5;
  const columns = Array.from({ length: F }, () => new Float32Array(n));
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: F }, () => (rng() - 0.5) * 4);
    x[3] = Math.round(x[3] as number);
    const missing = rng() < 0.1;
    x.forEach((v, f) => ((columns[f] as Float32Array)[i] = v));
    if (missing) (columns[2] as Float32Array)[i] = Number.NaN;
    const s = (x[0] as number) + (missing ? 0.8 : (x[1] as number) * (x[2] as number)) + 0.4 * (x[3] as number) + (rng() - 0.5);
    labels[i] = kind === 'binary' ? (s > 0 ? 1 : 0) : kind === 'regression' ? 5 * s + 2 : s < -1 ? 0 : s < 1 ? 1 : 2;
  }
  return { columns, labels };
}

const CASES: Array<{ name: string; kind: Kind; rows: number; params: Record<string, number | string> }> = [
  { name: 'binary:logistic depth 4', kind: 'binary', rows: 4000, params: { objective: 'binary:logistic', max_depth: 4, eta: 0.3, num_boost_round: 5 } },
  { name: 'reg:squarederror depth 3', kind: 'regression', rows: 3000, params: { objective: 'reg:squarederror', max_depth: 3, eta: 0.3, num_boost_round: 4 } },
  { name: 'multi:softprob depth 3', kind: 'multiclass', rows: 3000, params: { objective: 'multi:softprob', num_class: 3, max_depth: 3, eta: 0.3, num_boost_round: 3 } },
];

function plain(tree: Tree): PlainTree {
  return { left: Array.from(tree.left), right: Array.from(tree.right), feature: Array.from(tree.feature), threshold: Array.from(tree.threshold), defaultLeft: Array.from(tree.defaultLeft) };
}

async function trainWith(kernel: HistogramKernel, c: (typeof CASES)[number]): Promise<{ trees: PlainTree[]; ms: number; detail: string }> {
  const started = performance.now();
  const data = dataset(c.rows, 17, c.kind);
  const { model, backendDetail } = await trainGbdt(data, { kernel, params: resolveParams({ ...c.params, seed: 3 }), featureNames: ['a', 'b', 'c', 'd', 'e'], evaluateTrain: false });
  return { trees: model.trees.map(plain), ms: performance.now() - started, detail: backendDetail ?? '' };
}

async function run(): Promise<TrainWorkerReport> {
  const gpu = workerGpu();
  if (!gpu) return { status: 'skip', reason: NO_NAVIGATOR_GPU };
  const webgpu = await createWebGpuHistogramKernel(gpu);
  if (!webgpu) return { status: 'skip', reason: NO_ADAPTER };
  const cpu = createWasmHistogramKernel();
  const cases: TrainCase[] = [];
  try {
    for (const c of CASES) {
      const a = await trainWith(webgpu, c);
      const b = await trainWith(cpu, c);
      cases.push({ name: c.name, rows: c.rows, webgpu: a.trees, cpu: b.trees, webgpuMs: a.ms, cpuMs: b.ms, webgpuDetail: a.detail });
    }
  } finally {
    webgpu.dispose?.();
  }
  return { status: 'ok', adapter: webgpu.adapterDescription, cases };
}

answerWith(run);
