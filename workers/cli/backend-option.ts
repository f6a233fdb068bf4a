// `--backend` for `assay train`, `assay cluster` and `assay predict`: which kernels run the heavy loops.
import { UsageError } from './common';

/** The engine's backend name: 'wasm' is the CLI's word for the CPU (WebAssembly) kernels. */
export function parseBackendOption(value: unknown): 'auto' | 'webgpu' | 'cpu' | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto' || value === 'webgpu' || value === 'cpu') return value;
  if (value === 'wasm') return 'cpu';
  throw new UsageError(`--backend must be auto, webgpu or wasm (got ${String(value)}).`);
}
