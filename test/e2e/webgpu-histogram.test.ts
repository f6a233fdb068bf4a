/**
 * WebGPU histogram kernel conformance in a real Chromium: the kernel runs in a module Web Worker
 * (as in the app) on seeded random data and must match the CPU kernel within the documented bound
 * (workers/gbdt/webgpu-histogram.ts): per bin |webgpu - cpu| <= rows * 2^-52 * M, M = sum of |x|
 * over the tree's gradients, and in any case within 1e-6 * M. SwiftShader (a fallback adapter) is
 * accepted. Without navigator.gpu or an adapter the test is skipped with the reason.
 *
 * Self-contained (its own server, bundle and Chromium: test/e2e/webgpu/harness.ts): it does not need
 * the app build.
 */
import { expect, test } from 'vitest';
import { expectResults, useWebGpuWorker } from './webgpu/harness';
import type { HistogramCase, HistogramResults } from './webgpu/histogram-worker';

/** Small chunk buffers (256 rows of dataset A per chunk) to exercise the multi-chunk path. */
const MAX_CHUNK_BYTES = 4096;

const worker = useWebGpuWorker<HistogramResults>('histogram-worker.ts', 'webgpu histogram');

/** Largest |gpu - cpu| over all entries, and checks that unlisted features stay exactly 0. */
function compare(c: HistogramCase): { maxGradientError: number; maxHessianError: number; strayNonZero: number } {
  let maxGradientError = 0;
  let maxHessianError = 0;
  let strayNonZero = 0;
  const listed = new Set(c.features);
  for (let i = 0; i < c.cpu.length; i++) {
    const feature = Math.floor(i / 512);
    const gpu = c.gpu[i] as number;
    if (!listed.has(feature)) {
      if (gpu !== 0) strayNonZero++;
      continue;
    }
    const error = Math.abs(gpu - (c.cpu[i] as number));
    if (i % 2 === 0) maxGradientError = Math.max(maxGradientError, error);
    else maxHessianError = Math.max(maxHessianError, error);
  }
  return { maxGradientError, maxHessianError, strayNonZero };
}

test('the WebGPU histogram kernel in a Web Worker matches the CPU kernel', async (context) => {
  const report = expectResults(await worker.run({ maxChunkBytes: MAX_CHUNK_BYTES }), context);
  expect(report.adapter.length).toBeGreaterThan(0);
  console.log(`[webgpu-histogram] adapter: ${report.adapter}`);
  expect(report.repeatIdentical).toBe(true);
  expect(report.cases.length).toBe(11);
  // Backend selection on the same adapter: 'auto' refuses a fallback adapter, 'webgpu' takes it.
  expect(report.selection.webgpu.backend).toBe('webgpu');
  expect(report.selection.auto.backend).toBe(report.isFallbackAdapter ? 'cpu' : 'webgpu');
  if (report.isFallbackAdapter) expect(report.selection.auto.reason).toMatch(/fallback/);
  expect(report.afterDispose).toBe('The WebGPU histogram kernel was used after it was disposed.');

  for (const c of report.cases) {
    if (c.name === 'NaN gradient') {
      // Delegated to the CPU kernel: identical, NaN bins included.
      expect(c.gpu.some((v) => Number.isNaN(v))).toBe(true);
      expect(c.gpu.every((v, i) => Object.is(v, c.cpu[i]))).toBe(true);
      continue;
    }
    const { maxGradientError, maxHessianError, strayNonZero } = compare(c);
    const documented = (mass: number) => Math.max(c.rowCount, 1) * 2 ** -52 * mass;
    expect(strayNonZero, c.name).toBe(0);
    expect(maxGradientError, c.name).toBeLessThanOrEqual(documented(c.gradientMass));
    expect(maxHessianError, c.name).toBeLessThanOrEqual(documented(c.hessianMass));
    expect(maxGradientError, c.name).toBeLessThanOrEqual(1e-6 * c.gradientMass);
    // Not vacuous: the histogram holds the rows' hessian mass (hessians are positive).
    const hessianTotal = c.gpu.reduce((sum, v, i) => (i % 2 === 1 ? sum + v : sum), 0);
    if (c.rowCount === 0) expect(c.gpu.every((v) => v === 0), c.name).toBe(true);
    else expect(hessianTotal, c.name).toBeGreaterThan(0);
  }
});
