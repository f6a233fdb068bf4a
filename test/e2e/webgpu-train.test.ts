/**
 * Backends agree on whole models: in a real Chromium (a module Web Worker, as in the app), small
 * models (3-5 trees, depth 3-4, a few thousand seeded rows with missing values) are trained with
 * the WebGPU kernel (binary:logistic: the whole loop on the device, webgpu-resident.ts; the others:
 * device histograms per level) and with the CPU kernel. The trees must be the same: same shape,
 * same split features and default directions, equal thresholds, leaf values within float
 * tolerance (the WebGPU sums are fixed point, the CPU's float64, see webgpu-histogram.ts).
 * SwiftShader (a fallback adapter) is accepted; without WebGPU the test is skipped with the reason.
 *
 * Self-contained like webgpu-histogram.test.ts: its own server, bundle and Chromium
 * (test/e2e/webgpu/harness.ts).
 */
import { expect, test } from 'vitest';
import { expectResults, useWebGpuWorker } from './webgpu/harness';
import type { PlainTree, TrainResults } from './webgpu/train-worker';

const worker = useWebGpuWorker<TrainResults>('train-worker.ts', 'webgpu training');

/** Leaf values: the sums differ in the last bits at most, so 1e-6 relative (1e-7 absolute) is ample. */
function leafClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-7 + 1e-6 * Math.max(Math.abs(a), Math.abs(b));
}

function compareTrees(name: string, webgpu: PlainTree, cpu: PlainTree): void {
  expect(webgpu.left, `${name}: shape`).toEqual(cpu.left);
  expect(webgpu.right, `${name}: shape`).toEqual(cpu.right);
  for (let k = 0; k < cpu.left.length; k++) {
    if (cpu.left[k] === -1) {
      expect(leafClose(webgpu.threshold[k] as number, cpu.threshold[k] as number), `${name} leaf ${k}: ${webgpu.threshold[k]} vs ${cpu.threshold[k]}`).toBe(true);
    } else {
      expect(webgpu.feature[k], `${name} node ${k}: feature`).toBe(cpu.feature[k]);
      expect(webgpu.threshold[k], `${name} node ${k}: threshold`).toBe(cpu.threshold[k]);
      expect(webgpu.defaultLeft[k], `${name} node ${k}: default direction`).toBe(cpu.defaultLeft[k]);
    }
  }
}

test('models trained with the WebGPU kernel equal those trained with the CPU kernel', { timeout: 60_000 }, async (context) => {
  const report = expectResults(await worker.run({}), context);
  console.log(`[webgpu-train] adapter: ${report.adapter}; ${report.cases.map((c) => `${c.name}: webgpu ${c.webgpuMs.toFixed(0)} ms, cpu ${c.cpuMs.toFixed(0)} ms`).join('; ')}`);
  expect(report.cases.length).toBe(3);
  // binary:logistic runs the whole loop on the device (webgpu-resident.ts); the others say why not.
  expect(report.cases.map((c) => c.webgpuDetail)).toEqual([
    expect.stringMatching(/^trained on the device/),
    'not on the device: the device-resident trainer does binary:logistic only (not reg:squarederror)',
    'not on the device: the device-resident trainer does binary:logistic only (not multi:softprob)',
  ]);
  for (const c of report.cases) {
    expect(c.webgpu.length, c.name).toBe(c.cpu.length);
    expect(c.cpu.length, c.name).toBeGreaterThanOrEqual(3);
    // Not vacuous: the trees split (depth 3-4 on informative features).
    expect(c.cpu.every((t) => t.left.length >= 7), c.name).toBe(true);
    c.cpu.forEach((tree, t) => compareTrees(`${c.name}, tree ${t}`, c.webgpu[t] as PlainTree, tree));
  }
});
