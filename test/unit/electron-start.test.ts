// `npm start` (scripts/start.mjs) and the first-use Electron download (scripts/electron-binary.mjs).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';

import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '../..');
const startScript = path.join(repoRoot, 'scripts', 'start.mjs');
const binaryScript = path.join(repoRoot, 'scripts', 'electron-binary.mjs');

interface StartModule {
  findElectronBinary(options?: { requireElectron?: () => unknown; fileExists?: (file: string) => boolean }): string | null;
  browserModeMessage(reason: string, host?: string, port?: number): string;
  browserModePort(env?: Record<string, string | undefined>): number;
  rendererBuildIsCurrent(root?: string): boolean;
  noDisplayReason(env?: Record<string, string | undefined>, platform?: string): string | null;
}

interface FetchResult {
  binaryPath: string | null;
  reason?: string;
}

interface BinaryModule {
  describeDownloadError(error: unknown): string;
  fetchElectronBinary(options?: {
    electronDir?: string;
    env?: Record<string, string | undefined>;
    timeouts?: Record<string, number>;
    onDownloadStarted?: (line: string) => void;
    find?: () => string | null;
  }): Promise<FetchResult>;
}

// A variable specifier keeps tsc from demanding declarations for the .mjs scripts.
const loadStart = async (): Promise<StartModule> => (await import(/* @vite-ignore */ startScript)) as StartModule;
const loadBinary = async (): Promise<BinaryModule> => (await import(/* @vite-ignore */ binaryScript)) as BinaryModule;

/** What electron's own index.js does: dist/<path.txt>, or nothing when the binary was never fetched. */
function electronBinaryOnDisk(): string | null {
  const pathFile = path.join(repoRoot, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(repoRoot, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : null;
}

describe('npm install', () => {
  it('never runs electron\'s postinstall (the GitHub download that fails offline), but keeps its types', () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      allowScripts?: Record<string, boolean>;
      devDependencies?: Record<string, string>;
    };
    // npm >= 11.16 reads allowScripts; npm 10 (shipped with Node 20 and 22) only .npmrc's ignore-scripts.
    expect(manifest.allowScripts?.electron).toBe(false);
    expect(readFileSync(path.join(repoRoot, '.npmrc'), 'utf8')).toMatch(/^ignore-scripts=true$/m);
    expect(manifest.devDependencies?.electron).toMatch(/^\d+\.\d+\.\d+$/);
    expect(existsSync(path.join(repoRoot, 'node_modules', 'electron', 'electron.d.ts'))).toBe(true);
  });
});

describe('findElectronBinary', () => {
  it('is null when require("electron") throws (binary never fetched)', async () => {
    const { findElectronBinary } = await loadStart();
    const requireElectron = (): never => {
      throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');
    };
    expect(findElectronBinary({ requireElectron })).toBeNull();
  });

  it('is null when the named binary is missing, and the path when it exists', async () => {
    const { findElectronBinary } = await loadStart();
    const binary = '/opt/electron/electron';
    expect(findElectronBinary({ requireElectron: () => binary, fileExists: () => false })).toBeNull();
    expect(findElectronBinary({ requireElectron: () => binary, fileExists: (file) => file === binary })).toBe(binary);
    expect(findElectronBinary({ requireElectron: () => ({ not: 'a path' }), fileExists: () => true })).toBeNull();
  });

  it('agrees with what is installed on this machine', async () => {
    const { findElectronBinary } = await loadStart();
    expect(findElectronBinary()).toBe(electronBinaryOnDisk());
  });
});

describe('browser mode settings', () => {
  it('explains the fallback and gives the URL in one line', async () => {
    const { browserModeMessage } = await loadStart();
    const message = browserModeMessage('Electron could not be downloaded: getaddrinfo ENOTFOUND github.com', '127.0.0.1', 5173);
    expect(message).toBe(
      'Electron could not be downloaded: getaddrinfo ENOTFOUND github.com; serving Assay in browser mode at http://127.0.0.1:5173/',
    );
    expect(message).not.toContain('\n');
  });

  it('uses port 5173 unless ASSAY_PORT names a valid one', async () => {
    const { browserModePort } = await loadStart();
    expect(browserModePort({})).toBe(5173);
    expect(browserModePort({ ASSAY_PORT: '6200' })).toBe(6200);
    expect(browserModePort({ ASSAY_PORT: 'abc' })).toBe(5173);
    expect(browserModePort({ ASSAY_PORT: '70000' })).toBe(5173);
  });
});

describe('noDisplayReason', () => {
  it('sends Linux without DISPLAY or WAYLAND_DISPLAY to browser mode, and nothing else', async () => {
    const { noDisplayReason } = await loadStart();
    expect(noDisplayReason({}, 'linux')).toBe('No display for a desktop window (DISPLAY and WAYLAND_DISPLAY are not set)');
    expect(noDisplayReason({ DISPLAY: ':0' }, 'linux')).toBeNull();
    expect(noDisplayReason({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBeNull();
    expect(noDisplayReason({}, 'darwin')).toBeNull();
    expect(noDisplayReason({}, 'win32')).toBeNull();
  });
});

describe('rendererBuildIsCurrent', () => {
  it('is false without dist/, true when dist/ is newer than every source, false once a source changes', async () => {
    const { rendererBuildIsCurrent } = await loadStart();
    const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-build-current-'));
    try {
      await fsp.mkdir(path.join(root, 'renderer'), { recursive: true });
      await fsp.writeFile(path.join(root, 'renderer', 'main.tsx'), 'x');
      expect(rendererBuildIsCurrent(root)).toBe(false);
      await fsp.mkdir(path.join(root, 'dist'));
      await fsp.writeFile(path.join(root, 'dist', 'index.html'), '<title>Assay</title>');
      const past = new Date(Date.now() - 60_000);
      await fsp.utimes(path.join(root, 'renderer', 'main.tsx'), past, past);
      expect(rendererBuildIsCurrent(root)).toBe(true);
      const future = new Date(Date.now() + 60_000);
      await fsp.utimes(path.join(root, 'renderer', 'main.tsx'), future, future);
      expect(rendererBuildIsCurrent(root)).toBe(false);
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });
});

// ---- The first-use download, against a local mirror (ELECTRON_MIRROR), through the real code path ----

/** A zip with stored (uncompressed) entries: enough for extract-zip, no dependency. */
function storedZip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const checksum = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(checksum, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by Unix, so the mode below counts
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(checksum, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100755 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setEnv(name: string, value: string): void {
  const previous = process.env[name];
  process.env[name] = value;
  cleanups.push(async () => {
    if (previous === undefined) delete process.env[name];
    else process.env[name] = previous;
  });
}

async function listen(server: http.Server | net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/**
 * A copy of node_modules/electron (no binary) in a temp folder, whose checksums.json vouches for
 * `zip`; its own requires (@electron/get, extract-zip) resolve through a node_modules link.
 */
async function electronPackageCopy(zip: Buffer): Promise<string> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-electron-pkg-'));
  cleanups.push(() => fsp.rm(root, { recursive: true, force: true }));
  const source = path.join(repoRoot, 'node_modules', 'electron');
  const target = path.join(root, 'pkg', 'electron');
  await fsp.mkdir(target, { recursive: true });
  for (const file of ['package.json', 'install.js', 'index.js']) await fsp.copyFile(path.join(source, file), path.join(target, file));
  await fsp.symlink(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  const realChecksums = JSON.parse(await fsp.readFile(path.join(source, 'checksums.json'), 'utf8')) as Record<string, string>;
  const sha256 = createHash('sha256').update(zip).digest('hex');
  const checksums = Object.fromEntries(Object.keys(realChecksums).map((name) => [name, sha256]));
  await fsp.writeFile(path.join(target, 'checksums.json'), JSON.stringify(checksums));
  setEnv('electron_config_cache', path.join(root, 'cache'));
  return target;
}

const fastTimeouts = { lookup: 1000, connect: 1000, secureConnect: 1000, response: 400, socket: 400 };

describe('fetchElectronBinary', () => {
  it('downloads from the mirror, checks the checksum, unpacks with electron\'s install.js and finds the binary', async () => {
    const { fetchElectronBinary } = await loadBinary();
    const executable = process.platform === 'win32' ? 'electron.exe' : 'electron';
    const zip = storedZip({ [executable]: '#!/bin/sh\necho fake electron\n', version: 'v38.3.0' });
    const requested: string[] = [];
    const server = http.createServer((request, response) => {
      requested.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length });
      response.end(zip);
    });
    setEnv('ELECTRON_MIRROR', `http://127.0.0.1:${await listen(server)}/`);
    const electronDir = await electronPackageCopy(zip);
    const lines: string[] = [];
    const result = await fetchElectronBinary({
      electronDir,
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: undefined },
      timeouts: fastTimeouts,
      onDownloadStarted: (line) => lines.push(line),
      find: () => {
        const pathFile = path.join(electronDir, 'path.txt');
        return existsSync(pathFile) ? path.join(electronDir, 'dist', readFileSync(pathFile, 'utf8')) : null;
      },
    });
    expect(result.reason).toBeUndefined();
    expect(result.binaryPath).toBe(path.join(electronDir, 'dist', executable));
    expect(readFileSync(result.binaryPath!, 'utf8')).toContain('fake electron');
    // One request: install.js found the zip in the cache the first step filled.
    expect(requested).toEqual([`/v38.3.0/electron-v38.3.0-${process.platform}-${process.arch}.zip`]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Downloading Electron 38\.3\.0 /);
  });

  it('refuses a download whose checksum does not match, and says so in one line', async () => {
    const { fetchElectronBinary } = await loadBinary();
    const server = http.createServer((_request, response) => response.end(storedZip({ electron: 'tampered' })));
    setEnv('ELECTRON_MIRROR', `http://127.0.0.1:${await listen(server)}/`);
    const electronDir = await electronPackageCopy(storedZip({ electron: 'the real one' }));
    const result = await fetchElectronBinary({ electronDir, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: undefined }, timeouts: fastTimeouts });
    expect(result.binaryPath).toBeNull();
    expect(result.reason).toMatch(/^Electron could not be downloaded: .*(checksum|sha)/i);
    expect(result.reason).not.toContain('\n');
    expect(existsSync(path.join(electronDir, 'dist'))).toBe(false);
  });

  it('gives up within seconds when the server accepts but never answers (a blocked proxy)', async () => {
    const { fetchElectronBinary } = await loadBinary();
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    setEnv('ELECTRON_MIRROR', `http://127.0.0.1:${await listen(silent)}/`);
    cleanups.push(async () => sockets.forEach((socket) => socket.destroy())); // runs before the close
    const electronDir = await electronPackageCopy(storedZip({ electron: 'x' }));
    const started = Date.now();
    const lines: string[] = [];
    const result = await fetchElectronBinary({
      electronDir,
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: undefined },
      timeouts: fastTimeouts,
      onDownloadStarted: (line) => lines.push(line),
    });
    expect(result.binaryPath).toBeNull();
    expect(result.reason).toMatch(/^Electron could not be downloaded: no answer from the download server/);
    expect(lines).toEqual([]); // nothing about a download that never began
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('does not try when ELECTRON_SKIP_BINARY_DOWNLOAD is set or the package is missing', async () => {
    const { fetchElectronBinary } = await loadBinary();
    expect(await fetchElectronBinary({ env: { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } })).toEqual({
      binaryPath: null,
      reason: 'Electron not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD is set)',
    });
    expect(await fetchElectronBinary({ electronDir: path.join(os.tmpdir(), 'no-such-electron'), env: {} })).toEqual({
      binaryPath: null,
      reason: 'the electron package is not installed',
    });
  });

  it('reduces errors to their first line, never a stack', async () => {
    const { describeDownloadError } = await loadBinary();
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND github.com\n    at GetAddrInfoReqWrap.onlookupall'), { code: 'ENOTFOUND' });
    expect(describeDownloadError(dns)).toBe('getaddrinfo ENOTFOUND github.com');
    const timeout = Object.assign(new Error("Timeout awaiting 'response' for 20000ms"), { name: 'TimeoutError' });
    expect(describeDownloadError(timeout)).toBe("no answer from the download server (Timeout awaiting 'response' for 20000ms)");
    expect(describeDownloadError('x'.repeat(500)).length).toBeLessThanOrEqual(160);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describe('npm start where Electron cannot be downloaded', () => {
  // Needs a current build (the e2e global set-up builds dist/ before any test of `npm test` runs): a
  // stale one would make start.mjs rebuild dist/ under the feet of the e2e tests. The download is
  // pointed at a closed local port, so this checks the offline fallback on any machine.
  it.skipIf(electronBinaryOnDisk() !== null)(
    'prints one line, serves the built app cross-origin isolated on 127.0.0.1, and stops on SIGTERM (skipped where Electron is installed)',
    async (context) => {
      const { rendererBuildIsCurrent } = await loadStart();
      if (!rendererBuildIsCurrent()) context.skip('dist/ is missing or older than its sources (run the e2e set-up or npm run build)');
      const port = await freePort();
      const closedPort = await freePort();
      const cache = await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-electron-cache-'));
      cleanups.push(() => fsp.rm(cache, { recursive: true, force: true }));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ASSAY_PORT: String(port),
        ELECTRON_MIRROR: `http://127.0.0.1:${closedPort}/`,
        electron_config_cache: cache,
        DISPLAY: process.env.DISPLAY ?? ':99', // past the no-display check, to the download
      };
      delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
      const child = spawn(process.execPath, [startScript], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
      child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      try {
        let response: Response | undefined;
        for (let attempt = 0; attempt < 150 && response === undefined; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          response = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
        }
        expect(response, `no server; stdout: ${stdout} stderr: ${stderr}`).toBeDefined();
        expect(response!.status).toBe(200);
        expect(await response!.text()).toContain('<title>Assay</title>');
        expect(response!.headers.get('cross-origin-opener-policy')).toBe('same-origin');
        expect(response!.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
        await new Promise((resolve) => setTimeout(resolve, 300)); // the line is printed once listening
        expect(stdout).toBe(
          `Electron could not be downloaded: connect ECONNREFUSED 127.0.0.1:${closedPort}; serving Assay in browser mode at http://127.0.0.1:${port}/\n`,
        );
        expect(stderr).toBe('');
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      // SIGTERM stops the server too: nothing is left listening.
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    },
  );
});

describe('npm start when the browser-mode port is taken', () => {
  it.skipIf(electronBinaryOnDisk() !== null)('says so in one line and exits 1 (skipped where Electron is installed)', async (context) => {
    const { rendererBuildIsCurrent } = await loadStart();
    if (!rendererBuildIsCurrent()) context.skip('dist/ is missing or older than its sources (run the e2e set-up or npm run build)');
    const taken = net.createServer();
    const port = await listen(taken);
    const env: NodeJS.ProcessEnv = { ...process.env, ASSAY_PORT: String(port), ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
    const child = spawn(process.execPath, [startScript], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).toBe(`Port ${port} is in use: set ASSAY_PORT to another port.\n`);
  });
});
