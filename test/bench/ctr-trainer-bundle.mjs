#!/usr/bin/env node
/**
 * Bundles test/bench/ctr-trainer.ts into one ES module for a machine with Node and a Python with
 * torch but no node_modules (a quiet benchmark machine): the bundle, tfjs-backend-wasm's .wasm
 * files beside it (tfjs looks for them next to the script) and ctr_torch.py.
 *
 *   node test/bench/ctr-trainer-bundle.mjs OUT_DIR
 *   (there) CTR_TORCH=OUT_DIR/ctr_torch.py PYTHON=python3 node OUT_DIR/ctr-trainer.mjs --rows 1000000 --threads 2
 *
 * The trainer bench needs no DuckDB: scripts/gen-ctr.ts's DuckDB import (Parquet output only) is
 * replaced by a stub that refuses to run.
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.resolve(process.argv[2] ?? path.join(repoRoot, '.bench', 'ctr-trainer-bundle'));
fs.mkdirSync(out, { recursive: true });
const stub = path.join(out, 'duckdb-stub.mjs');
fs.writeFileSync(stub, "export class DuckDBInstance { static create() { throw new Error('no DuckDB in the trainer bundle'); } }\n");
await build({
  entryPoints: [path.join(repoRoot, 'test/bench/ctr-trainer.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(out, 'ctr-trainer.mjs'),
  alias: { '@duckdb/node-api': stub },
  // tfjs-backend-wasm's Node build is CommonJS: give it require/__dirname inside the ES module.
  banner: { js: "import { createRequire as __cr } from 'module'; import { fileURLToPath as __fu } from 'url'; import { dirname as __dn } from 'path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" },
  logLevel: 'warning',
});
const wasmDir = path.join(repoRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
for (const file of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) fs.copyFileSync(path.join(wasmDir, file), path.join(out, file));
fs.copyFileSync(path.join(repoRoot, 'test/bench/ctr_torch.py'), path.join(out, 'ctr_torch.py'));
process.stdout.write(`bundle in ${out}\n`);
