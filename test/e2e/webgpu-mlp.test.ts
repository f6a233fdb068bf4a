/**
 * DeepFM's MLP backend in a real Chromium module worker (as in the app's engine worker): with the
 * worker's navigator.gpu offered, 'auto' keeps the MLP on tfjs WASM on Chromium's software
 * adapter (SwiftShader) and says why; started by name on that adapter, tfjs's WebGPU backend gives
 * the same forward and backward pass as WASM within float32 tolerance. Where Chromium finds a
 * hardware adapter (classified by workers/compute/adapter-kind.ts, as the engine does) the
 * software-adapter refusal is not checked: 'auto' may rightly choose WebGPU there.
 *
 * Self-contained like webgpu-train.test.ts (test/e2e/webgpu/harness.ts), plus tfjs's .wasm files.
 */
import { expect, test } from 'vitest';
import { expectResults, useWebGpuWorker } from './webgpu/harness';
import type { MlpPass, MlpResults } from './webgpu/mlp-worker';

const WASM_DIR = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
const worker = useWebGpuWorker<MlpResults>('mlp-worker.ts', 'deepfm mlp backends', {
  '/tfjs-backend-wasm.wasm': `${WASM_DIR}/tfjs-backend-wasm.wasm`,
  '/tfjs-backend-wasm-simd.wasm': `${WASM_DIR}/tfjs-backend-wasm-simd.wasm`,
  '/tfjs-backend-wasm-threaded-simd.wasm': `${WASM_DIR}/tfjs-backend-wasm-threaded-simd.wasm`,
});

/** Largest |a - b| relative to the largest |a| of the array (float32 sums in another order). */
function relativeGap(a: number[], b: number[]): number {
  let gap = 0;
  let scale = 0;
  a.forEach((v, i) => {
    gap = Math.max(gap, Math.abs(v - (b[i] as number)));
    scale = Math.max(scale, Math.abs(v));
  });
  return gap / Math.max(scale, 1e-30);
}

function gaps(wasm: MlpPass, webgpu: MlpPass): Record<string, number> {
  const out: Record<string, number> = { outputs: relativeGap(wasm.outputs, webgpu.outputs), forward: relativeGap(wasm.forward, webgpu.forward), input: relativeGap(wasm.input, webgpu.input) };
  wasm.weights.forEach((w, l) => (out[`dW${l}`] = relativeGap(w, webgpu.weights[l] as number[])));
  wasm.biases.forEach((b, l) => (out[`db${l}`] = relativeGap(b, webgpu.biases[l] as number[])));
  return out;
}

test('auto keeps the MLP on tfjs WASM on a software adapter and says why; WebGPU by name matches WASM', { timeout: 60_000 }, async (context) => {
  const report = expectResults(await worker.run({}), context);
  if (report.adapter === 'no navigator.gpu') {
    expect(report.auto.name).toBe('wasm');
    expect(report.auto.reason).toMatch(/no navigator\.gpu/);
    context.skip(`WebGPU comparison skipped: ${report.adapter}`);
  }
  if (report.adapterKind && !report.adapterKind.software) {
    // Chromium found a hardware adapter (classified as the engine does): 'auto' may pick WebGPU.
    console.log(`[webgpu-mlp] the adapter is ${report.adapterKind.why}: the software-adapter refusal is not checked here; auto chose ${report.auto.name}`);
    expect(report.auto.reason).toMatch(/tfjs (WASM|WebGPU) backend for the MLP/);
  } else {
    expect(report.auto.name).toBe('wasm');
    expect(report.auto.reason).toMatch(/tfjs WASM backend for the MLP \(SIMD/);
    expect(report.auto.reason).toMatch(/WebGPU not used: /);
    // Chromium's adapter here is a software one (SwiftShader, a fallback adapter): refused by name or by flag.
    expect(report.auto.reason).toMatch(/SwiftShader|software|fallback/i);
  }
  if (!report.compare) {
    context.skip(`WebGPU comparison skipped: ${report.noCompare ?? 'no adapter'}`);
    return;
  }
  expect(report.compare.webgpuReason).toMatch(/tfjs WebGPU backend for the MLP: WebGPU \(WebGPU requested/);
  const measured = gaps(report.compare.wasm, report.compare.webgpu);
  console.log(`[webgpu-mlp] ${report.compare.webgpuReason}; relative gaps WebGPU vs WASM: ${Object.entries(measured).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
  // Not vacuous: the pass produced non-zero gradients on every layer.
  expect(report.compare.wasm.weights.every((w) => w.some((v) => v !== 0))).toBe(true);
  for (const [name, gap] of Object.entries(measured)) expect(gap, name).toBeLessThan(1e-5);
});
