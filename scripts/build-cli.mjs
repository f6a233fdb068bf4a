// Bundles the `assay` CLI and its engine thread into out/cli/*.mjs, so a command starts in a
// fraction of a second: no TypeScript loader, and one file instead of hundreds of modules
// (apache-arrow alone is ~450 ms of module loading as separate files). bin/assay.mjs builds it on
// first use and again whenever a source file is newer than the bundle; it falls back to running
// the TypeScript through tsx when the build is not possible.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cliOutDir = path.join(repoRoot, 'out', 'cli');
const stampFile = path.join(cliOutDir, 'stamp.json');

/**
 * Packages loaded from node_modules at run time: native code, WASM files beside their JS, or lazily
 * used. @duckdb/node-api is bundled (its 90 CommonJS files took ~100 ms to load); only its native
 * bindings stay outside.
 */
const EXTERNAL = ['@duckdb/duckdb-wasm', '@duckdb/duckdb-wasm/*', '@duckdb/node-bindings', '@duckdb/node-bindings-*', 'parquet-wasm', 'parquet-wasm/*', '@tensorflow/*', 'webgpu', 'onnxruntime-web', 'onnxruntime-web/*', 'plotly.js-cartesian-dist-min', 'tsx', 'tsx/*', 'esbuild'];

/** Newest modification time (ms) of the files the bundle is made of. */
export function newestSourceTime() {
  let newest = 0;
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.(ts|json|wat)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  visit(path.join(repoRoot, 'workers'));
  for (const file of ['package.json', 'package-lock.json', 'scripts/build-cli.mjs']) {
    const full = path.join(repoRoot, file);
    if (fs.existsSync(full)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** The bundle's entry files: the CLI, the engine thread, and the early engine start (bin/assay.mjs). */
const ENTRIES = { main: 'workers/cli/main.ts', 'engine-thread': 'workers/node/engine-thread.ts', 'early-engine': 'workers/cli/early-engine.ts' };

/** The folder of the current bundle, or null when there is none built from the current sources. */
export function freshCliDir() {
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    const dir = path.join(cliOutDir, stamp.dir);
    if (stamp.sources >= newestSourceTime() && Object.keys(ENTRIES).every((entry) => fs.existsSync(path.join(dir, `${entry}.mjs`)))) return dir;
  } catch {
    // No bundle yet, or a damaged stamp: build again.
  }
  return null;
}

/**
 * Builds the entries (with shared chunks: a command loads only the code and
 * packages it uses) into a new folder under out/cli, then points stamp.json at it. A command
 * started while another builds keeps using the folder it found; folders older than a day go.
 * Returns the new folder.
 */
export async function buildCli() {
  // Imported here, not at the top: a fresh bundle starts without loading esbuild.
  const { build } = await import('esbuild');
  const sources = newestSourceTime();
  fs.mkdirSync(cliOutDir, { recursive: true });
  const name = `b${Date.now().toString(36)}${process.pid.toString(36)}`;
  const dir = path.join(cliOutDir, name);
  await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, source]) => [name, path.join(repoRoot, source)])),
    outdir: dir,
    // Chunks beside the entries: code that finds files relative to import.meta.url keeps working.
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    // Less to parse at every start. Identifiers keep their names: helper threads run code made from
    // functions' source text, which refers to other functions by name.
    minifyWhitespace: true,
    minifySyntax: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    logLevel: 'silent',
    absWorkingDir: repoRoot,
    // Bundled ESM has no require(): give the CommonJS dependencies one.
    banner: { js: "import { createRequire as __assayCreateRequire } from 'node:module'; const require = __assayCreateRequire(import.meta.url);" },
  });
  const stampTemp = `${stampFile}.${name}.tmp`;
  fs.writeFileSync(stampTemp, JSON.stringify({ sources, dir: name }));
  fs.renameSync(stampTemp, stampFile);
  const dayAgo = Date.now() - 86_400_000;
  for (const entry of fs.readdirSync(cliOutDir, { withFileTypes: true })) {
    const full = path.join(cliOutDir, entry.name);
    if (entry.isDirectory() && entry.name !== name && fs.statSync(full).mtimeMs < dayAgo) fs.rmSync(full, { recursive: true, force: true });
  }
  return dir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildCli();
  } catch (error) {
    console.error(`CLI build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
