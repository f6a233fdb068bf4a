#!/usr/bin/env node
// Electron fuses: switches compiled into the Electron binary that the app cannot turn back on at run
// time. They are flipped on the binary that ships (a copy made for distribution), never on
// node_modules/electron's development binary: the Electron e2e tests (Playwright) attach through
// `--inspect`, which the shipped binary refuses.
//
//   npm run fuses -- <path to the Electron executable or .app> [--asar]
//
// --asar: the app is packed into resources/app.asar (with the integrity data the packager writes);
// only then can OnlyLoadAppFromAsar and EnableEmbeddedAsarIntegrityValidation be on. Today Assay runs
// from a folder (`electron <repo>`), so they stay off unless asked for.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { flipFuses, getCurrentFuseWire, FuseV1Options, FuseVersion } = require('@electron/fuses');

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const developmentElectron = path.join(repoRoot, 'node_modules', 'electron');

/** The fuse settings Assay ships with; why each one is set is in the comment beside it. */
export function assayFuseConfig({ appInAsar = false } = {}) {
  return {
    version: FuseVersion.V1,
    // false: Electron 38's wire has 9 fuses, @electron/fuses 1.8 names 8; the 9th
    // (WasmTrapHandlers, a crash-safety feature) keeps Electron's default (on).
    strictlyRequireAllFuses: false,
    // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node.js interpreter.
    [FuseV1Options.RunAsNode]: false,
    // Cookies on disk encrypted with the OS key store (Assay keeps none today; cheap insurance).
    [FuseV1Options.EnableCookieEncryption]: true,
    // NODE_OPTIONS could preload arbitrary code into the main process.
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    // --inspect / --inspect-brk would open a debugger port into the main process.
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    // Only meaningful (and only safe to require) when the app is an asar with integrity data.
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: appInAsar,
    [FuseV1Options.OnlyLoadAppFromAsar]: appInAsar,
    // Assay uses no custom V8 snapshot.
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    // Assay serves its pages from app://assay/, never file://: file:// gets no extra privileges.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** Fuse index -> name, with the state as Electron stores it ('0' off, '1' on, 'r' removed). */
export async function readFuses(electronPath) {
  const wire = await getCurrentFuseWire(electronPath);
  const states = {};
  for (const [index, value] of Object.entries(wire)) {
    if (index === 'version') continue;
    states[FuseV1Options[Number(index)] ?? `fuse${index}`] = String.fromCharCode(value);
  }
  return states;
}

/** True when `electronPath` is the development binary under node_modules/electron. */
export function isDevelopmentBinary(electronPath) {
  const relative = path.relative(developmentElectron, path.resolve(electronPath));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Flips Assay's fuses on a binary meant for distribution; returns the states read back. */
export async function applyAssayFuses(electronPath, { appInAsar = false } = {}) {
  if (isDevelopmentBinary(electronPath)) {
    throw new Error(
      'Refusing to flip fuses on node_modules/electron (the development binary the e2e tests attach to); copy the binary you ship and flip that one',
    );
  }
  // macOS arm64 binaries must be re-signed after their bytes change; flipFuses does it ad hoc.
  await flipFuses(electronPath, { ...assayFuseConfig({ appInAsar }), resetAdHocDarwinSignature: process.platform === 'darwin' });
  return readFuses(electronPath);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const target = args.find((arg) => !arg.startsWith('--'));
  if (target === undefined) {
    console.error('Usage: npm run fuses -- <path to the Electron executable or .app> [--asar]');
    process.exit(2);
  }
  try {
    const states = await applyAssayFuses(target, { appInAsar: args.includes('--asar') });
    for (const [name, state] of Object.entries(states)) console.log(`${name}: ${state === '1' ? 'on' : state === '0' ? 'off' : state}`);
  } catch (error) {
    console.error(`Could not flip fuses on ${target}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
