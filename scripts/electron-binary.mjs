// Finding, and on first use fetching, the Electron binary.
//
// `npm install` never downloads it: .npmrc's `ignore-scripts` (and package.json's `allowScripts`, for
// npm >= 11.16) keep electron's postinstall from running, which fetches ~100 MB from GitHub and fails
// the whole install where GitHub cannot be reached (offline mirrors, CI, corporate proxies). The package itself (with electron.d.ts for tsc) always installs.
// `npm start` calls fetchElectronBinary() instead: an unreachable or silent server fails within seconds
// (phase timeouts), a slow but moving download takes as long as it needs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ELECTRON_PACKAGE_DIR = path.join(repoRoot, 'node_modules', 'electron');

/**
 * got's phase timeouts (ms) for the download. `socket` is the idle time between bytes, so a long
 * download is never cut off while data arrives; `lookup`/`connect`/`response` catch a dead network.
 */
export const DOWNLOAD_TIMEOUTS_MS = Object.freeze({
  lookup: 10_000,
  connect: 10_000,
  secureConnect: 10_000,
  response: 20_000,
  socket: 30_000,
});

/**
 * The Electron executable, or null when it is not installed. `require('electron')` returns the binary's
 * path, but throws when the download never happened (no path.txt) and may name a file that is gone.
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

/** A short, one-line reason for a failed download: no stack, no JSON. */
export function describeDownloadError(error) {
  const shorten = (text) => (text.length > 160 ? `${text.slice(0, 159)}…` : text);
  if (error === null || typeof error !== 'object') return shorten(String(error).split('\n')[0].trim());
  const { name, code, message } = /** @type {{name?: unknown, code?: unknown, message?: unknown}} */ (error);
  const firstLine = typeof message === 'string' ? message.split('\n')[0].trim() : '';
  if (name === 'TimeoutError') return shorten(`no answer from the download server (${firstLine || 'timeout'})`);
  return shorten(firstLine || (typeof code === 'string' ? code : String(name ?? 'unknown error')));
}

/**
 * The platform and architecture electron's own install.js downloads for. (install.js also switches
 * to arm64 under Rosetta on macOS; there it finds no cached zip and downloads by itself, without
 * these timeouts.)
 */
export function electronTarget(env = process.env) {
  const platform = env.npm_config_platform || process.platform;
  return { platform, arch: env.npm_config_arch || process.arch };
}

/**
 * Step 1: the zip into @electron/get's cache (the same cache, URL and checksums that electron's
 * install.js uses), with phase timeouts. Step 2: install.js itself, which now finds the zip in the
 * cache, unpacks it into node_modules/electron/dist and writes path.txt. Resolves to
 * `{ binaryPath }` or `{ binaryPath: null, reason }`; never throws.
 *
 * `onDownloadStarted` is called once, when the first bytes arrive (so an offline machine prints nothing
 * about a download that never began).
 */
export async function fetchElectronBinary({
  electronDir = ELECTRON_PACKAGE_DIR,
  env = process.env,
  timeouts = DOWNLOAD_TIMEOUTS_MS,
  onDownloadStarted = () => {},
  find = () => findElectronBinary(),
} = {}) {
  if (env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { binaryPath: null, reason: 'Electron not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set)' };
  if (!existsSync(path.join(electronDir, 'install.js'))) {
    return { binaryPath: null, reason: 'the electron package is not installed' };
  }
  const requireFromElectron = createRequire(path.join(electronDir, 'package.json'));
  try {
    const { downloadArtifact } = requireFromElectron('@electron/get');
    const { version } = requireFromElectron('./package.json');
    let started = false;
    await downloadArtifact({
      version,
      artifactName: 'electron',
      ...electronTarget(env),
      cacheRoot: env.electron_config_cache,
      checksums: requireFromElectron('./checksums.json'),
      downloadOptions: {
        timeout: { ...timeouts },
        getProgressCallback: async (progress) => {
          if (started || !(progress.transferred > 0)) return;
          started = true;
          const megabytes = progress.total ? ` (${Math.round(progress.total / 1e6)} MB)` : '';
          onDownloadStarted(`Downloading Electron ${version} for ${os.platform()}-${os.arch()}${megabytes}, once…`);
        },
      },
    });
  } catch (error) {
    return { binaryPath: null, reason: `Electron could not be downloaded: ${describeDownloadError(error)}` };
  }
  const unpacked = await runInstallScript(electronDir, env);
  const binaryPath = find();
  if (binaryPath !== null) return { binaryPath };
  return { binaryPath: null, reason: `Electron could not be unpacked: ${unpacked.error || 'no binary after install.js'}` };
}

/** Runs electron's install.js (unpack from the cache); resolves with its last stderr line on failure. */
function runInstallScript(electronDir, env) {
  const childEnv = { ...env };
  delete childEnv.ELECTRON_SKIP_BINARY_DOWNLOAD;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(electronDir, 'install.js')], {
      cwd: electronDir,
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ error: error.message }));
    child.on('exit', (code) => {
      const lastLine = stderr.trim().split('\n').find((line) => line.trim() && !/^\s+at /.test(line)) ?? '';
      resolve(code === 0 ? { error: '' } : { error: lastLine.trim() || `install.js exited with code ${code}` });
    });
  });
}
