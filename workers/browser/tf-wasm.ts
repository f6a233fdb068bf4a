/**
 * tfjs for DeepFM's MLP in the app's engine worker: tfjs-backend-wasm's binaries as Vite assets
 * (without them tfjs would look for the files next to its own script, which the bundle does not
 * have), and the worker's navigator.gpu, so the MLP can run on tfjs's WebGPU backend where the
 * adapter is real hardware (ctr/mlp-tf.ts refuses software renderers such as SwiftShader by name).
 */
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { offerTfGpu, serveTfWasmFrom } from '../ctr/mlp-tf';

export function serveTfWasmAssets(): void {
  serveTfWasmFrom({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': simdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdUrl,
  });
  // WorkerNavigator.gpu, read here in the host as engine.worker.ts does: the engine never touches navigator.
  offerTfGpu((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu);
}
