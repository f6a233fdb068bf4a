import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { ParquetWasmModule } from '../data/parquet-types';

// Its own module so that a host on native DuckDB (the CLI's engine thread) never loads duckdb-wasm.
const require = createRequire(import.meta.url);

let parquetModule: Promise<ParquetWasmModule> | null = null;

/** parquet-wasm's ESM build, initialised from its .wasm file on disk (no network, no fetch). */
export function loadParquetNode(): Promise<ParquetWasmModule> {
  parquetModule ??= (async () => {
    const mod = (await import('parquet-wasm/esm')) as ParquetWasmModule;
    const wasmPath = require.resolve('parquet-wasm/esm/parquet_wasm_bg.wasm');
    mod.initSync({ module: fs.readFileSync(wasmPath) });
    return mod;
  })();
  return parquetModule;
}
