/**
 * tfjs-backend-wasm's binaries as Vite assets, for DeepFM's MLP in the engine worker: without
 * them tfjs would look for the files next to its own script, which the bundle does not have.
 */
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { serveTfWasmFrom } from '../ctr/mlp-tf';

export function serveTfWasmAssets(): void {
  serveTfWasmFrom({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': simdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdUrl,
  });
}
