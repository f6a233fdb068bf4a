#!/usr/bin/env node
// Bundles the Electron main process and the preload into out/electron/*.cjs (package.json "main").
// The renderer is built separately by `vite build` into dist/.
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(repoRoot, 'out', 'electron');

/** Builds main.cjs and preload.cjs; returns their paths. */
export async function buildElectron({ quiet = false } = {}) {
  await mkdir(outDir, { recursive: true });
  const shared = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: ['electron'],
    sourcemap: true,
    logLevel: quiet ? 'error' : 'info',
    absWorkingDir: repoRoot,
  };
  const mainFile = path.join(outDir, 'main.cjs');
  const preloadFile = path.join(outDir, 'preload.cjs');
  await Promise.all([
    build({ ...shared, entryPoints: ['electron/main.ts'], outfile: mainFile }),
    // The sandboxed preload may only require('electron'); everything else must be bundled in.
    build({ ...shared, entryPoints: ['electron/preload.ts'], outfile: preloadFile }),
  ]);
  return { mainFile, preloadFile };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildElectron();
  } catch (error) {
    console.error(`Electron build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
