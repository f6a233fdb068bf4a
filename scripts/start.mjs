#!/usr/bin/env node
// `npm start`: launches the Electron app, or — where the Electron binary was never downloaded (offline
// installs with ELECTRON_SKIP_BINARY_DOWNLOAD) — serves the same renderer in browser mode.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BROWSER_MODE_HOST = '127.0.0.1';
export const DEFAULT_BROWSER_MODE_PORT = 5173;

/** ASSAY_PORT overrides the browser-mode port (tests, or when 5173 is taken). */
export function browserModePort(env = process.env) {
  const requested = Number(env.ASSAY_PORT);
  return Number.isInteger(requested) && requested > 0 && requested < 65536 ? requested : DEFAULT_BROWSER_MODE_PORT;
}

/**
 * The Electron executable, or null when it is not installed. `require('electron')` returns the binary's
 * path, but throws when the install skipped the download (no path.txt) and may name a file that is gone.
 */
export function findElectronBinary({
  requireElectron = () => createRequire(path.join(repoRoot, 'package.json'))('electron'),
  fileExists = existsSync,
} = {}) {
  let binaryPath;
  try {
    binaryPath = requireElectron();
  } catch {
    return null;
  }
  return typeof binaryPath === 'string' && binaryPath.length > 0 && fileExists(binaryPath) ? binaryPath : null;
}

export function browserModeMessage(host = BROWSER_MODE_HOST, port = browserModePort()) {
  return `Electron binary not installed (offline install); serving Assay in browser mode at http://${host}:${port}/`;
}

/** Runs a command with inherited stdio; resolves with its exit code (signals count as failure). */
function run(command, args, { env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, stdio: 'inherit', env });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (error) => {
      console.error(`Could not run ${path.basename(command)}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}

const viteCli = () => path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');

async function ensureRendererBuilt() {
  if (existsSync(path.join(repoRoot, 'dist', 'index.html'))) return true;
  console.log('Building the renderer (vite build)…');
  const code = await run(process.execPath, [viteCli(), 'build']);
  if (code !== 0) console.error('The renderer build failed (see the vite output above).');
  return code === 0;
}

async function ensureShellBuilt() {
  const outDir = path.join(repoRoot, 'out', 'electron');
  if (existsSync(path.join(outDir, 'main.cjs')) && existsSync(path.join(outDir, 'preload.cjs'))) return true;
  const { buildElectron } = await import(pathToFileURL(path.join(repoRoot, 'scripts', 'build-electron.mjs')).href);
  try {
    await buildElectron({ quiet: true });
    return true;
  } catch (error) {
    console.error(`The Electron build failed: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
}

async function startElectron(binaryPath, extraArgs) {
  if (!(await ensureRendererBuilt()) || !(await ensureShellBuilt())) return 1;
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  // Chromium refuses to start as root unless its own sandbox is off (containers, CI).
  const rootArgs = process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return run(binaryPath, [...rootArgs, repoRoot, ...extraArgs], { env });
}

async function startBrowserMode() {
  const port = browserModePort();
  console.log(browserModeMessage(BROWSER_MODE_HOST, port));
  if (!(await ensureRendererBuilt())) return 1;
  return run(process.execPath, [
    viteCli(),
    'preview',
    '--host',
    BROWSER_MODE_HOST,
    '--port',
    String(port),
    '--strictPort',
  ]);
}

async function main() {
  const binaryPath = findElectronBinary();
  const code = binaryPath ? await startElectron(binaryPath, process.argv.slice(2)) : await startBrowserMode();
  process.exitCode = code;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
