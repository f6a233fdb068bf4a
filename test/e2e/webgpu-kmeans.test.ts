/**
 * WebGPU k-means kernel conformance in a real Chromium: the kernel runs in a module Web Worker (as
 * in the app) on seeded data and must give the CPU (WASM) kernel's labels exactly, on single
 * assignments (exact and near ties included, chunked buffers) and whole runs with the centroid
 * update on the device (identical labels, centroids and inertia: both backends sum exactly,
 * workers/cluster/exact-sums.ts). SwiftShader (a
 * fallback adapter) is accepted. Without navigator.gpu or an adapter the test is skipped with
 * the reason. Self-contained (its own server, bundle and Chromium: test/e2e/webgpu/harness.ts).
 */
import { expect, test } from 'vitest';
import { expectResults, useWebGpuWorker } from './webgpu/harness';
import type { KmeansResults } from './webgpu/kmeans-worker';

/** Small data buffers (a few hundred rows per chunk) to exercise the multi-chunk path. */
const MAX_CHUNK_BYTES = 16 * 1024;

const worker = useWebGpuWorker<KmeansResults>('kmeans-worker.ts', 'webgpu kmeans');

test('the WebGPU k-means kernel in a Web Worker gives the CPU kernel\'s labels, centroids and inertia, with the update on the device', async (context) => {
  const report = expectResults(await worker.run({ maxChunkBytes: MAX_CHUNK_BYTES }), context);
  console.log(`[webgpu-kmeans] adapter: ${report.adapter}`);
  expect(report.assigns).toHaveLength(5);
  for (const c of report.assigns) {
    expect(c.mismatches, c.name).toBe(0);
    expect(c.rows, c.name).toBeGreaterThan(0);
  }
  // The tie grid is not vacuous: both backends had to decide rows in float64.
  const grid = report.assigns.find((c) => c.name.startsWith('grid ties'));
  expect(grid?.refinedCpu).toBeGreaterThan(0);
  expect(grid?.refinedGpu).toBeGreaterThan(0);
  expect(report.runs).toHaveLength(2);
  for (const r of report.runs) {
    expect(r.mismatches, r.name).toBe(0);
    expect(Math.abs(r.inertiaGpu - r.inertiaCpu) / r.inertiaCpu, r.name).toBeLessThanOrEqual(1e-4);
    expect(r.iterationsGpu, r.name).toBe(r.iterationsCpu);
    expect(r.centroidsIdentical, r.name).toBe(true);
    expect(r.inertiaGpu, r.name).toBe(r.inertiaCpu);
    expect(r.updateOnDevice, r.name).toBe(true);
    expect(r.inertiaCpu, r.name).toBeGreaterThan(0);
  }
  expect(report.selection.webgpu.backend).toBe('webgpu');
  expect(report.selection.auto.backend).toBe(report.isFallbackAdapter ? 'cpu' : 'webgpu');
  if (report.isFallbackAdapter) expect(report.selection.auto.reason).toMatch(/fallback/);
  expect(report.afterDispose).toBe('The WebGPU k-means kernel was used after it was disposed.');
});
