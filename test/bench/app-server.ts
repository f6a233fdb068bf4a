/**
 * Serving the built app to a Chromium for the browser benchmarks (cold start, UI long tasks):
 * build dist/ if missing, serve a private copy with `vite preview`, launch Debian's Chromium.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Debian's Chromium where installed; otherwise Playwright's own (undefined lets it choose). */
export const chromiumPath = (): string | undefined => (fs.existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`vite preview exited with code ${server.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

/** Newest modification time of anything under `dir`. */
function newestMtime(dir: string): number {
  let newest = fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * A private copy of dist/ to serve: a concurrent `vite build` (other people work on this machine)
 * empties dist/ under a running preview. Copy only when nothing has changed for 5 s, and again if
 * something changed during the copy.
 */
async function copyQuietDist(dist: string): Promise<string> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const before = newestMtime(dist);
    if (Date.now() - before >= 5_000) {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-bench-dist-'));
      fs.cpSync(dist, copy, { recursive: true });
      if (fs.existsSync(path.join(dist, 'index.html')) && newestMtime(dist) === before) return copy;
      fs.rmSync(copy, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw new Error('dist/ kept changing for 2 minutes (a build running elsewhere?)');
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** True when the build's scripts carry React's development bundle (its timings say little about the app). */
function isDevelopmentBuild(dir: string): boolean {
  const assets = path.join(dir, 'assets');
  if (!fs.existsSync(assets)) return false;
  return fs.readdirSync(assets).some((name) => name.endsWith('.js') && !name.startsWith('plotly') && fs.readFileSync(path.join(assets, name), 'utf8').includes('react-dom.development'));
}

export interface ServedApp {
  url: string;
  close(): void;
}

/**
 * Builds dist/ when it is missing (otherwise says when it was built), and serves a quiet copy of it.
 * ASSAY_BENCH_DIST=<folder> serves another build instead (e.g. an older commit's, to compare).
 */
export async function serveBuiltApp(): Promise<ServedApp> {
  const vite = path.join(repoRoot, 'node_modules/vite/bin/vite.js');
  const otherBuild = process.env.ASSAY_BENCH_DIST;
  if (otherBuild) {
    if (!fs.existsSync(path.join(otherBuild, 'index.html'))) throw new Error(`ASSAY_BENCH_DIST=${otherBuild} holds no index.html`);
    console.log(`  serving the build in ${otherBuild} (ASSAY_BENCH_DIST)`);
  } else if (!fs.existsSync(path.join(repoRoot, 'dist/index.html'))) {
    console.log('  dist/ missing: building the renderer (vite build) ...');
    const build = spawnSync(process.execPath, [vite, 'build'], { cwd: repoRoot, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`vite build failed: ${build.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  } else {
    // Built earlier: say when, so a stale build is visible (delete dist/ to rebuild).
    console.log(`  using dist/ built ${fs.statSync(path.join(repoRoot, 'dist/index.html')).mtime.toISOString()}`);
  }
  const served = await copyQuietDist(otherBuild ? path.resolve(otherBuild) : path.join(repoRoot, 'dist'));
  if (isDevelopmentBuild(served)) {
    fs.rmSync(served, { recursive: true, force: true });
    throw new Error('the build holds React\'s development bundle (built with NODE_ENV other than production): rebuild it with `npx vite build`');
  }
  const port = await freePort();
  const server = spawn(process.execPath, [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', served], {
    cwd: repoRoot,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/`;
  const close = (): void => {
    server.kill();
    fs.rmSync(served, { recursive: true, force: true });
  };
  try {
    await waitForHttp(url, 30_000, server);
  } catch (err) {
    close();
    throw err;
  }
  return { url, close };
}
