/**
 * e2e set-up: build the renderer (unless dist/ is newer than every source), serve it with
 * `vite preview` on a free 127.0.0.1 port, find a Chromium, and hand both to the tests.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { preview, type PreviewServer } from 'vite';
import type { TestProject } from 'vitest/node';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const configFile = path.join(repoRoot, 'vite.config.ts');
const builtIndex = path.join(repoRoot, 'dist', 'index.html');

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    chromiumPath: string;
  }
}

/** Newest modification time under a folder (files only), 0 when it does not exist. */
function newestMtime(target: string): number {
  if (!fs.existsSync(target)) return 0;
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry.name)));
  }
  return newest;
}

function buildIsCurrent(): boolean {
  if (!fs.existsSync(builtIndex)) return false;
  const built = fs.statSync(builtIndex).mtimeMs;
  const sources = ['renderer', 'workers', 'electron/contract.ts', 'electron/channels.ts', 'samples', 'vite.config.ts', 'package-lock.json'];
  return sources.every((source) => newestMtime(path.join(repoRoot, source)) < built);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('No free port.'))));
    });
  });
}

/**
 * Builds in a child process: a build in this (vitest's main) process would hold its event loop for
 * tens of seconds while unit tests run beside it, and their progress calls would time out.
 */
function buildInChildProcess(): Promise<void> {
  const viteBin = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    // vitest sets NODE_ENV=test, and Vite keeps a NODE_ENV it finds: React's development build
    // (several times slower to render) would be what the tests and the UI benchmark run.
    const env = { ...process.env, NODE_ENV: 'production' };
    const child = spawn(process.execPath, [viteBin, 'build', '--config', configFile, '--logLevel', 'warn'], { cwd: repoRoot, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`vite build failed (${signal ?? `exit code ${code}`})`))));
  });
}

/** Debian's Chromium where installed, else Playwright's own download (a developer's laptop). */
async function findChromium(): Promise<string> {
  const candidates = [process.env.ASSAY_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const candidate of candidates) if (candidate && fs.existsSync(candidate)) return candidate;
  try {
    const { chromium } = await import('playwright-core');
    const bundled = chromium.executablePath();
    if (bundled && fs.existsSync(bundled)) return bundled;
  } catch {
    // playwright-core has no browser registered here; fall through to the error below.
  }
  throw new Error('No Chromium found: install it (apt-get install -y chromium) or set ASSAY_CHROMIUM to its path.');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const chromiumPath = await findChromium();
  if (buildIsCurrent()) {
    console.log('[e2e] dist/ is up to date; skipping the build');
  } else {
    const started = Date.now();
    await buildInChildProcess();
    console.log(`[e2e] built the renderer in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const port = await freePort();
  const server: PreviewServer = await preview({ configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true, open: false } });
  const baseUrl = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`;
  project.provide('baseUrl', baseUrl);
  project.provide('chromiumPath', chromiumPath);
  return async () => {
    await server.close();
  };
}
