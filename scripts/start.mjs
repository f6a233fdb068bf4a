#!/usr/bin/env node
// `npm start`: opens the Electron app, fetching the Electron binary on first use; where it cannot be
// fetched (offline, blocked), serves the same renderer in browser mode. It prints at most two lines
// ("Building Assay…" when the build is out of date, then where Assay runs); build and Electron output
// go to log files under out/, named only when something fails.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { fetchElectronBinary, findElectronBinary } from './electron-binary.mjs';

export { findElectronBinary };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BROWSER_MODE_HOST = '127.0.0.1';
export const DEFAULT_BROWSER_MODE_PORT = 5173;
export const BUILD_LOG = path.join('out', 'npm-start-build.log');
export const ELECTRON_LOG = path.join('out', 'electron.log');
/** What the renderer build (dist/) is made from; the same list the e2e set-up checks. */
export const RENDERER_SOURCES = ['renderer', 'workers', 'electron/contract.ts', 'electron/channels.ts', 'samples', 'vite.config.ts', 'package-lock.json'];

/** ASSAY_PORT overrides the browser-mode port (tests, or when 5173 is taken). */
export function browserModePort(env = process.env) {
  const requested = Number(env.ASSAY_PORT);
  return Number.isInteger(requested) && requested > 0 && requested < 65536 ? requested : DEFAULT_BROWSER_MODE_PORT;
}

/** The one line printed in browser mode: why there is no desktop window, and where the app is. */
export function browserModeMessage(reason, host = BROWSER_MODE_HOST, port = browserModePort()) {
  return `${reason}; serving Assay in browser mode at http://${host}:${port}/`;
}

/**
 * Why no desktop window can open here, or null. A Linux machine without DISPLAY or WAYLAND_DISPLAY
 * (SSH, containers, CI) would only see Electron crash, so it gets browser mode without a download.
 */
export function noDisplayReason(env = process.env, platform = process.platform) {
  if (platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return null;
  return 'No display for a desktop window (DISPLAY and WAYLAND_DISPLAY are not set)';
}

/** Newest modification time of the files under `target` (0 when it does not exist). */
export function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry.name)));
  }
  return newest;
}

/** True when dist/index.html exists and is newer than every renderer source (no build needed). */
export function rendererBuildIsCurrent(root = repoRoot) {
  const builtIndex = path.join(root, 'dist', 'index.html');
  if (!existsSync(builtIndex)) return false;
  const built = statSync(builtIndex).mtimeMs;
  return RENDERER_SOURCES.every((source) => newestMtime(path.join(root, source)) < built);
}

/** Runs a command with its output appended to `logFile`; resolves with its exit code. */
function runLogged(command, args, logFile, { env = process.env } = {}) {
  const absoluteLog = path.join(repoRoot, logFile);
  mkdirSync(path.dirname(absoluteLog), { recursive: true });
  const fd = openSync(absoluteLog, 'a');
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', fd, fd], env });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const finish = (code) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      closeSync(fd);
      resolve(code);
    };
    child.on('error', (error) => {
      console.error(`Could not run ${path.basename(command)}: ${error.message}`);
      finish(1);
    });
    child.on('exit', (code, signal) => finish(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1)));
  });
}

const viteCli = () => path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');

/** Builds the renderer when it is missing or older than its sources, and (for Electron) the shell. */
async function ensureBuilt({ shell }) {
  const rendererStale = !rendererBuildIsCurrent();
  if (!rendererStale && !shell) return true;
  if (rendererStale) console.log('Building Assay…');
  // A fresh log per start: it holds only this build's output.
  mkdirSync(path.join(repoRoot, 'out'), { recursive: true });
  closeSync(openSync(path.join(repoRoot, BUILD_LOG), 'w'));
  if (rendererStale && (await runLogged(process.execPath, [viteCli(), 'build'], BUILD_LOG)) !== 0) {
    console.error(`The build failed; its output is in ${BUILD_LOG}`);
    return false;
  }
  if (!shell) return true;
  // The shell is two small esbuild bundles (well under a second): always rebuilt, never stale.
  const { buildElectron } = await import(pathToFileURL(path.join(repoRoot, 'scripts', 'build-electron.mjs')).href);
  try {
    await buildElectron({ quiet: true });
    return true;
  } catch (error) {
    console.error(`The Electron shell build failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return false;
  }
}

async function startElectron(binaryPath, extraArgs) {
  if (!(await ensureBuilt({ shell: true }))) return 1;
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  // Chromium refuses to start as root unless its own sandbox is off (containers, CI).
  const rootArgs = process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  closeSync(openSync(path.join(repoRoot, ELECTRON_LOG), 'w')); // this run's output only
  console.log('Assay is opening in its desktop window (close the window to stop).');
  const code = await runLogged(binaryPath, [...rootArgs, repoRoot, ...extraArgs], ELECTRON_LOG, { env });
  if (code !== 0) console.error(`Electron exited with code ${code}; its output is in ${ELECTRON_LOG}`);
  return code;
}

async function startBrowserMode(reason) {
  if (!(await ensureBuilt({ shell: false }))) return 1;
  const port = browserModePort();
  // In-process and silent: vite's own banner would add lines; its errors still reach the catch below.
  const { preview } = await import('vite');
  try {
    await preview({
      configFile: path.join(repoRoot, 'vite.config.ts'),
      root: repoRoot,
      logLevel: 'silent',
      preview: { host: BROWSER_MODE_HOST, port, strictPort: true, open: false },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const inUse = /in use/i.test(message);
    console.error(inUse ? `Port ${port} is in use: set ASSAY_PORT to another port.` : `Could not serve Assay: ${message}`);
    return 1;
  }
  console.log(browserModeMessage(reason, BROWSER_MODE_HOST, port));
  return null; // keeps serving until Ctrl-C
}

async function main() {
  const noDisplay = noDisplayReason();
  if (noDisplay !== null) {
    const code = await startBrowserMode(noDisplay);
    if (code !== null) process.exit(code);
    return;
  }
  let binaryPath = findElectronBinary();
  let reason = '';
  if (binaryPath === null) {
    const fetched = await fetchElectronBinary({ onDownloadStarted: (line) => console.log(line) });
    binaryPath = fetched.binaryPath;
    reason = fetched.reason ?? '';
  }
  const code = binaryPath ? await startElectron(binaryPath, process.argv.slice(2)) : await startBrowserMode(reason);
  if (code !== null) process.exit(code);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
