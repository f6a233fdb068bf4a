import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '../..');
const startScript = path.join(repoRoot, 'scripts', 'start.mjs');

interface StartModule {
  findElectronBinary(options?: { requireElectron?: () => unknown; fileExists?: (file: string) => boolean }): string | null;
  browserModeMessage(host?: string, port?: number): string;
  browserModePort(env?: Record<string, string | undefined>): number;
}

// A variable specifier keeps tsc from demanding declarations for the .mjs script.
const loadStart = async (): Promise<StartModule> => (await import(/* @vite-ignore */ startScript)) as StartModule;

/** What electron's own index.js does: dist/<path.txt>, or nothing when the download was skipped. */
function electronBinaryOnDisk(): string | null {
  const pathFile = path.join(repoRoot, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(repoRoot, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : null;
}

describe('findElectronBinary', () => {
  it('is null when require("electron") throws (download skipped)', async () => {
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
  it('explains the fallback in one line with the URL', async () => {
    const { browserModeMessage } = await loadStart();
    const message = browserModeMessage('127.0.0.1', 5173);
    expect(message).toBe('Electron binary not installed (offline install); serving Assay in browser mode at http://127.0.0.1:5173/');
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const distBuilt = existsSync(path.join(repoRoot, 'dist', 'index.html'));
const binaryMissing = electronBinaryOnDisk() === null;

describe('npm start without the Electron binary', () => {
  // Needs the built app (the e2e global setup builds dist/ before any test runs, also on a fresh
  // clone) and a machine without the Electron binary; where Electron is installed, the Electron
  // e2e tests cover `npm start` instead.
  it.skipIf(!distBuilt || !binaryMissing)(
    'prints one line and serves the built app, cross-origin isolated, on 127.0.0.1 (skipped when dist/ is not built or Electron is installed)',
    async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [startScript], {
        cwd: repoRoot,
        env: { ...process.env, ASSAY_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
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
        expect(stdout.split('\n')[0]).toBe(
          `Electron binary not installed (offline install); serving Assay in browser mode at http://127.0.0.1:${port}/`,
        );
        expect(stderr).not.toMatch(/\n\s+at /);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      // SIGTERM reaches the preview server too: nothing is left listening.
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    },
  );
});
