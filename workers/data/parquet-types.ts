/** The parquet-wasm module (ESM build), initialised by the host that loads it. */
export type ParquetWasmModule = typeof import('parquet-wasm/esm');
