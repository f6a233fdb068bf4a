import type { DuckDriver } from '../data/driver';

/**
 * Which DuckDB a Node engine runs on. `native` (@duckdb/node-api) is the CLI's default: it starts
 * in milliseconds, uses every core and reads Parquet natively. `wasm` is duckdb-wasm, the build
 * the app runs; tests that stand in for the app use it. ASSAY_DUCKDB=wasm|native overrides the
 * CLI's choice (a fallback, and how the benchmark compares the two).
 */
export type NodeDriverKind = 'native' | 'wasm';

export function cliDriverKind(env: NodeJS.ProcessEnv = process.env): NodeDriverKind {
  const wanted = env.ASSAY_DUCKDB?.trim().toLowerCase();
  if (wanted === 'wasm') return 'wasm';
  if (wanted === undefined || wanted === '' || wanted === 'native') return 'native';
  throw new Error(`ASSAY_DUCKDB must be "native" or "wasm", not "${env.ASSAY_DUCKDB}".`);
}

/** Opens the chosen driver; loaded on demand so a host pays only for the one it uses. */
export async function openNodeDriver(kind: NodeDriverKind): Promise<DuckDriver> {
  if (kind === 'native') return (await import('./driver-native')).NativeDuckDriver.create();
  return (await import('./driver-node')).NodeDuckDriver.create();
}
