/**
 * Backends agree on whole models: in a real Chromium (a module Web Worker, as in the app), small
 * models (3-5 trees, depth 3-4, a few thousand seeded rows with missing values) are trained with
 * the WebGPU histogram kernel and with the CPU kernel. The trees must be the same: same shape,
 * same split features and default directions, equal thresholds, leaf values within float
 * tolerance (the WebGPU sums are fixed point, the CPU's float64, see webgpu-histogram.ts).
 * SwiftShader (a fallback adapter) is accepted; without WebGPU the test is skipped with the reason.
 *
 * Self-contained like webgpu-histogram.test.ts: its own server, bundle and Chromium.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT, launchBrowser } from './helpers';
import type { PlainTree, TrainWorkerReport } from './webgpu/train-worker';

const PAGE = '<!doctype html><meta charset="utf-8"><title>webgpu training</title>';

let server: http.Server;
let baseUrl: string;
let browser: Browser;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [path.join(REPO_ROOT, 'test/e2e/webgpu/train-worker.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  const workerCode = bundle.outputFiles[0]?.text ?? '';
  server = http.createServer((request, response) => {
    if (request.url === '/train-worker.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(workerCode);
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

async function trainInWorker(): Promise<TrainWorkerReport> {
  const page = await browser.newPage();
  try {
    await page.goto(baseUrl);
    return await page.evaluate(
      () =>
        new Promise<TrainWorkerReport>((resolve) => {
          const worker = new Worker('/train-worker.js', { type: 'module' });
          worker.onmessage = (event: MessageEvent<TrainWorkerReport>) => resolve(event.data);
          worker.onerror = (event) => resolve({ status: 'error', message: `worker error: ${event.message}` });
          worker.postMessage({});
        }),
    );
  } finally {
    await page.close();
  }
}

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
  const report = await trainInWorker();
  if (report.status === 'skip') context.skip(`WebGPU unavailable: ${report.reason}`);
  if (report.status === 'error') throw new Error(`The worker failed: ${report.message}`);
  if (report.status !== 'ok') throw new Error('unreachable');
  console.log(`[webgpu-train] adapter: ${report.adapter}; ${report.cases.map((c) => `${c.name}: webgpu ${c.webgpuMs.toFixed(0)} ms, cpu ${c.cpuMs.toFixed(0)} ms`).join('; ')}`);
  expect(report.cases.length).toBe(3);
  for (const c of report.cases) {
    expect(c.webgpu.length, c.name).toBe(c.cpu.length);
    expect(c.cpu.length, c.name).toBeGreaterThanOrEqual(3);
    // Not vacuous: the trees split (depth 3-4 on informative features).
    expect(c.cpu.every((t) => t.left.length >= 7), c.name).toBe(true);
    c.cpu.forEach((tree, t) => compareTrees(`${c.name}, tree ${t}`, c.webgpu[t] as PlainTree, tree));
  }
});
