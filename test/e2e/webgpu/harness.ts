/**
 * The Node side of the WebGPU conformance tests: bundles a worker entry with esbuild, serves it
 * from a local HTTP server with a blank page, launches Chromium (WebGPU enabled), runs the worker
 * in a fresh page and returns its report. Self-contained: it does not need the app build.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, type TestContext } from 'vitest';
import { REPO_ROOT, launchBrowser } from '../helpers';
import type { WebGpuWorkerReport } from './worker-report';

const WORKER_URL = '/worker.js';

export interface WebGpuWorkerRunner<Results> {
  /** Starts the worker in a fresh page, posts `message` and resolves with the worker's report. */
  run(message: unknown): Promise<WebGpuWorkerReport<Results>>;
}

/**
 * Registers beforeAll/afterAll hooks that bundle `workerEntry` (a path under test/e2e/webgpu/),
 * serve it and launch the browser, and close both afterwards. `files` maps further URL paths (e.g.
 * '/tfjs-backend-wasm-simd.wasm') to files under the repository, served as they are.
 */
export function useWebGpuWorker<Results>(workerEntry: string, title: string, files: Record<string, string> = {}): WebGpuWorkerRunner<Results> {
  let server: http.Server | undefined;
  let baseUrl = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [path.join(REPO_ROOT, 'test/e2e/webgpu', workerEntry)],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    const workerCode = bundle.outputFiles[0]?.text ?? '';
    const page = `<!doctype html><meta charset="utf-8"><title>${title}</title>`;
    server = http.createServer((request, response) => {
      if (request.url === WORKER_URL) response.writeHead(200, { 'content-type': 'text/javascript' }).end(workerCode);
      else if (request.url === '/') response.writeHead(200, { 'content-type': 'text/html' }).end(page);
      else if (request.url && files[request.url]) response.writeHead(200, { 'content-type': request.url.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' }).end(readFileSync(path.join(REPO_ROOT, files[request.url] as string)));
      else response.writeHead(404).end();
    });
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    const listening = server;
    await new Promise<void>((resolve) => (listening ? listening.close(() => resolve()) : resolve()));
  });

  return {
    async run(message) {
      if (!browser) throw new Error('The browser is not running (beforeAll failed).');
      const page = await browser.newPage();
      try {
        await page.goto(baseUrl);
        return await page.evaluate(
          ({ url, message }) =>
            new Promise<WebGpuWorkerReport<Results>>((resolve) => {
              const worker = new Worker(url, { type: 'module' });
              worker.onmessage = (event: MessageEvent<WebGpuWorkerReport<Results>>) => resolve(event.data);
              worker.onerror = (event) => resolve({ status: 'error', message: `worker error: ${event.message}` });
              worker.postMessage(message);
            }),
          { url: WORKER_URL, message },
        );
      } finally {
        await page.close();
      }
    },
  };
}

/**
 * The results of an 'ok' report; skips the test (with the reason) where WebGPU is unavailable and
 * fails it where the worker failed.
 */
export function expectResults<Results>(report: WebGpuWorkerReport<Results>, context: TestContext): Extract<WebGpuWorkerReport<Results>, { status: 'ok' }> {
  if (report.status === 'skip') context.skip(`WebGPU unavailable: ${report.reason}`);
  if (report.status === 'error') throw new Error(`The worker failed: ${report.message}`);
  if (report.status !== 'ok') throw new Error('unreachable');
  return report as Extract<WebGpuWorkerReport<Results>, { status: 'ok' }>;
}
