// The fuses Assay flips on the Electron binary it ships (scripts/electron-fuses.mjs), checked on a
// stand-in binary: @electron/fuses finds the fuse wire by its sentinel, so a file holding the sentinel
// and Electron 38's wire is flipped exactly as the real executable would be.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '../..');
const fusesScript = path.join(repoRoot, 'scripts', 'electron-fuses.mjs');

interface FusesModule {
  assayFuseConfig(options?: { appInAsar?: boolean }): Record<string, unknown>;
  applyAssayFuses(electronPath: string, options?: { appInAsar?: boolean }): Promise<Record<string, string>>;
  readFuses(electronPath: string): Promise<Record<string, string>>;
  isDevelopmentBinary(electronPath: string): boolean;
}

const loadFuses = async (): Promise<FusesModule> => (await import(/* @vite-ignore */ fusesScript)) as FusesModule;

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron 38's defaults, in wire order: RunAsNode, CookieEncryption, NodeOptions, Inspect, AsarIntegrity, OnlyAsar, V8Snapshot, FileProtocol, WasmTrapHandlers. */
const ELECTRON_38_DEFAULT_WIRE = '101100011';

let root: string;
beforeEach(async () => {
  root = await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-fuses-'));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

async function standInBinary(wire = ELECTRON_38_DEFAULT_WIRE): Promise<string> {
  const file = path.join(root, 'electron');
  const bytes = Buffer.concat([
    Buffer.from('\x7fELF padding before the wire '.repeat(50)),
    Buffer.from(SENTINEL),
    Buffer.from([1, wire.length]),
    Buffer.from(wire),
    Buffer.from(' padding after the wire'.repeat(50)),
  ]);
  await fsp.writeFile(file, bytes);
  return file;
}

describe('assayFuseConfig', () => {
  it('turns off Node entry points and inspection, turns on cookie encryption, grants file:// nothing', async () => {
    const { assayFuseConfig } = await loadFuses();
    // Numeric keys are FuseV1Options indices (0 RunAsNode … 7 GrantFileProtocolExtraPrivileges).
    expect(assayFuseConfig()).toEqual({
      version: '1',
      strictlyRequireAllFuses: false,
      0: false,
      1: true,
      2: false,
      3: false,
      4: false,
      5: false,
      6: false,
      7: false,
    });
  });

  it('requires the app to come from an integrity-checked asar only when it is packed as one', async () => {
    const { assayFuseConfig } = await loadFuses();
    expect(assayFuseConfig({ appInAsar: true })).toMatchObject({ 4: true, 5: true, 0: false, 3: false });
  });
});

describe('applyAssayFuses', () => {
  it('flips the wire of a binary and leaves the fuse it does not name (WasmTrapHandlers) as Electron set it', async () => {
    const { applyAssayFuses, readFuses } = await loadFuses();
    const binary = await standInBinary();
    const before = await fsp.readFile(binary);
    const states = await applyAssayFuses(binary);
    expect(states).toEqual({
      RunAsNode: '0',
      EnableCookieEncryption: '1',
      EnableNodeOptionsEnvironmentVariable: '0',
      EnableNodeCliInspectArguments: '0',
      EnableEmbeddedAsarIntegrityValidation: '0',
      OnlyLoadAppFromAsar: '0',
      LoadBrowserProcessSpecificV8Snapshot: '0',
      GrantFileProtocolExtraPrivileges: '0',
      fuse8: '1',
    });
    expect(await readFuses(binary)).toEqual(states);
    // Only the wire changed: same length, same bytes around it.
    const after = await fsp.readFile(binary);
    expect(after.length).toBe(before.length);
    const wireStart = before.indexOf(SENTINEL) + SENTINEL.length + 2;
    expect(after.subarray(0, wireStart)).toEqual(before.subarray(0, wireStart));
    expect(after.subarray(wireStart, wireStart + 9).toString()).toBe('010000001');
    expect(after.subarray(wireStart + 9)).toEqual(before.subarray(wireStart + 9));
  });

  it('with --asar, also requires the app from an integrity-checked asar', async () => {
    const { applyAssayFuses } = await loadFuses();
    const states = await applyAssayFuses(await standInBinary(), { appInAsar: true });
    expect(states.OnlyLoadAppFromAsar).toBe('1');
    expect(states.EnableEmbeddedAsarIntegrityValidation).toBe('1');
  });

  it('refuses the development binary and files that are not Electron', async () => {
    const { applyAssayFuses, isDevelopmentBinary } = await loadFuses();
    const development = path.join(repoRoot, 'node_modules', 'electron', 'dist', 'electron');
    expect(isDevelopmentBinary(development)).toBe(true);
    expect(isDevelopmentBinary(path.join(root, 'electron'))).toBe(false);
    await expect(applyAssayFuses(development)).rejects.toThrow(/Refusing to flip fuses on node_modules\/electron/);
    const notElectron = path.join(root, 'not-electron');
    await fsp.writeFile(notElectron, 'just text');
    await expect(applyAssayFuses(notElectron)).rejects.toThrow(/Could not find sentinel/);
  });
});
