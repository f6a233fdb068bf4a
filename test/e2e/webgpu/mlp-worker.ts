/**
 * Runs in a module Web Worker inside Chromium (bundled by webgpu-mlp.test.ts with esbuild), as the
 * app's engine worker does: DeepFM's MLP backend is chosen with the worker's navigator.gpu offered
 * ('auto': on Chromium's SwiftShader it must stay on tfjs WASM and say why), then, where an adapter
 * exists, tfjs's WebGPU backend is started on it by name ('webgpu' takes a software adapter too)
 * and one seeded forward/backward pass is run on both backends, so the test (in Node) can compare
 * them. No assertions here: the test decides.
 */
import { loadTf, mlpForward, mlpStep, offerTfGpu, serveTfWasmFrom, type MlpGradients, type MlpShape } from '../../../workers/ctr/mlp-tf';
import { createRng } from '../../../workers/gbdt/rng';
import { classifyAdapter, type AdapterKind } from '../../../workers/compute/adapter-kind';
import type { GpuLike } from '../../../workers/compute/webgpu-types';
import { answerWith, workerGpu, type WebGpuWorkerReport } from './worker-report';

export interface MlpPass {
  outputs: number[];
  forward: number[];
  weights: number[][];
  biases: number[][];
  input: number[];
}

export interface MlpResults {
  auto: { name: string; reason: string };
  /** The same pass on tfjs WASM and on tfjs WebGPU; null (with the reason) where there is no adapter. */
  compare: { webgpuReason: string; wasm: MlpPass; webgpu: MlpPass } | null;
  noCompare: string | null;
  /** The default adapter as the engine classifies it (software or hardware); null without one. */
  adapterKind: AdapterKind | null;
}

export const MLP_SHAPE: MlpShape = { widths: [156, 32, 16, 1] };
const ROWS = 1024;

function seededInputs(): { x: Float32Array; weights: Float32Array[]; biases: Float32Array[]; masks: Array<Float32Array | null> } {
  const rng = createRng(7);
  const w = MLP_SHAPE.widths;
  const x = Float32Array.from({ length: ROWS * (w[0] as number) }, () => (rng() - 0.5) * 0.2);
  const weights = w.slice(0, -1).map((fanIn, l) => {
    const limit = Math.sqrt(6 / (fanIn + (w[l + 1] as number)));
    return Float32Array.from({ length: fanIn * (w[l + 1] as number) }, () => (2 * rng() - 1) * limit);
  });
  const biases = w.slice(1).map((width) => Float32Array.from({ length: width }, () => (rng() - 0.5) * 0.1));
  // Dropout 0.1 on the hidden layers, scaled by 1/0.9 as train.ts makes them.
  const masks = w.slice(1, -1).map((width) => Float32Array.from({ length: ROWS * width }, () => (rng() < 0.1 ? 0 : 1 / 0.9)));
  return { x, weights, biases, masks };
}

async function pass(backend: Awaited<ReturnType<typeof loadTf>>): Promise<MlpPass> {
  const { x, weights, biases, masks } = seededInputs();
  let outputs: Float32Array = new Float32Array(0);
  const grads: MlpGradients = await mlpStep(backend, MLP_SHAPE, { weights, biases }, x, ROWS, masks, (out) => {
    outputs = out.slice();
    // A log-loss-like gradient with fixed labels, so every layer's gradient is non-trivial.
    return Float32Array.from(out, (o, i) => (1 / (1 + Math.exp(-o)) - (i % 3 === 0 ? 1 : 0)) / ROWS);
  });
  const forward = await mlpForward(backend, MLP_SHAPE, { weights, biases }, x, ROWS);
  return { outputs: [...outputs], forward: [...forward], weights: grads.weights.map((g) => [...g]), biases: grads.biases.map((g) => [...g]), input: [...grads.input] };
}

answerWith<unknown, MlpResults>(async (): Promise<WebGpuWorkerReport<MlpResults>> => {
  // As workers/browser/tf-wasm.ts does for the app: the .wasm files by URL (served by the harness).
  serveTfWasmFrom({
    'tfjs-backend-wasm.wasm': '/tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm': '/tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm': '/tfjs-backend-wasm-threaded-simd.wasm',
  });
  const gpu = workerGpu();
  offerTfGpu(gpu);
  const defaultAdapter = gpu ? await (gpu as GpuLike).requestAdapter().catch(() => null) : null;
  const adapterKind = defaultAdapter ? classifyAdapter(defaultAdapter) : null;
  const auto = await loadTf('auto');
  let compare: MlpResults['compare'] = null;
  let noCompare: string | null = null;
  try {
    const webgpu = await loadTf('webgpu');
    compare = { webgpuReason: webgpu.reason, wasm: await pass(auto), webgpu: await pass(webgpu) };
  } catch (error) {
    noCompare = error instanceof Error ? error.message : String(error);
  }
  return { status: 'ok', adapter: gpu ? 'navigator.gpu present' : 'no navigator.gpu', auto: { name: auto.name, reason: auto.reason }, compare, noCompare, adapterKind };
});
