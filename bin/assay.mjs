#!/usr/bin/env node
// The `assay` CLI. Runs the bundled build in out/cli (built here on first use and whenever a
// source is newer: scripts/build-cli.mjs), which starts in a fraction of a second; when the bundle
// cannot be built (no esbuild), runs the TypeScript sources through tsx instead.
// ASSAY_CLI_FROM_SOURCE=1 always runs the sources (what tests of the sources use).
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');

/**
 * The CLI's main() and its early engine start (see workers/cli/early-engine.ts): from the bundle,
 * or from the TypeScript sources.
 */
async function loadCli(argv) {
  if (process.env.ASSAY_CLI_FROM_SOURCE !== '1') {
    let early = null;
    try {
      const { buildCli, freshCliDir } = await import(pathToFileURL(path.join(root, 'scripts', 'build-cli.mjs')).href);
      const dir = freshCliDir() ?? (await buildCli());
      early = await import(pathToFileURL(path.join(dir, 'early-engine.mjs')).href);
      // The engine thread starts on another core while main.mjs loads.
      early.startEngineEarly(argv);
      return { main: (await import(pathToFileURL(path.join(dir, 'main.mjs')).href)).main, early };
    } catch (err) {
      await early?.closeUntakenEngine();
      // Fall through to the sources (slower start, same results); --debug says why.
      if (process.argv.includes('--debug') || process.env.ASSAY_DEBUG === '1') console.error(`debug: running the CLI from its sources: the bundle could not be built or loaded (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  const early = await import(pathToFileURL(path.join(root, 'workers', 'cli', 'early-engine.ts')).href);
  return { main: (await import(pathToFileURL(path.join(root, 'workers', 'cli', 'main.ts')).href)).main, early };
}

// `assay ... | head` closes the pipe early: stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const argv = process.argv.slice(2);
const { main, early } = await loadCli(argv);
process.exitCode = await main(argv);
await early.closeUntakenEngine();
