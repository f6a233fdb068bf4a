/**
 * WebGPU k-means kernel conformance in a real Chromium: the kernel runs in a module Web Worker (as
 * in the app) on seeded data and must give the CPU (WASM) kernel's labels exactly, on single
 * assignments (exact and near ties included, chunked buffers) and whole runs (identical labels,
 * inertia within 1e-4 relative; in fact identical, as the update is shared). SwiftShader (a
 * fallback adapter) is accepted. Without navigator.gpu or an adapter the test is skipped with
 * the reason. Self-contained (its own server, bundle and Chromium lookup).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT, launchBrowser } from './helpers';
import type { KmeansWorkerReport } from './webgpu/kmeans-worker';

const PAGE = '<!doctype html><meta charset="utf-8"><title>webgpu kmeans</title>';
/** Small data buffers (a few hundred rows per chunk) to exercise the multi-chunk path. */
const MAX_CHUNK_BYTES = 16 * 1024;

let server: http.Server;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [path.join(REPO_ROOT, 'test/e2e/webgpu/kmeans-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const workerCode = bundle.outputFiles[0]?.text ?? '';
  server = http.createServer((request, response) => {
    if (request.url === '/kmeans-worker.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(workerCode);
    else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function runInWorker(): Promise<KmeansWorkerReport> {
  const page = await browser.newPage();
  try {
    await page.goto(baseUrl);
    return await page.evaluate(
      (maxChunkBytes) =>
        new Promise<KmeansWorkerReport>((resolve) => {
          const worker = new Worker('/kmeans-worker.js', { type: 'module' });
          worker.onmessage = (event: MessageEvent<KmeansWorkerReport>) => resolve(event.data);
          worker.onerror = (event) => resolve({ status: 'error', message: `worker error: ${event.message}` });
          worker.postMessage({ maxChunkBytes });
        }),
      MAX_CHUNK_BYTES,
    );
  } finally {
    await page.close();
  }
}

test('the WebGPU k-means kernel in a Web Worker gives the CPU kernel\'s labels and inertia', async (context) => {
  const report = await runInWorker();
  if (report.status === 'skip') context.skip(`WebGPU unavailable: ${report.reason}`);
  if (report.status === 'error') throw new Error(`The worker failed: ${report.message}`);
  if (report.status !== 'ok') throw new Error('unreachable');
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
    expect(r.inertiaCpu, r.name).toBeGreaterThan(0);
  }
  expect(report.selection.webgpu.backend).toBe('webgpu');
  expect(report.selection.auto.backend).toBe(report.isFallbackAdapter ? 'cpu' : 'webgpu');
  if (report.isFallbackAdapter) expect(report.selection.auto.reason).toMatch(/fallback/);
  expect(report.afterDispose).toBe('The WebGPU k-means kernel was used after it was disposed.');
});
