/**
 * DeepFM's MLP on TensorFlow.js: the dense matrix products are where tfjs pays (its WASM backend
 * runs them with XNNPACK's SIMD kernels, ~10x a JavaScript loop), so forward and backward passes
 * run as tfjs ops, written out by hand (no layers, no tape: the gradient of each matMul is two
 * more). The parameters and the optimiser stay in typed arrays beside the sparse embeddings, so
 * one update rule and one seeded RNG (dropout masks) serve the whole model on every backend.
 *
 * Backend: WASM (SIMD; the threaded build where the runtime allows) in Node, and in the app's engine
 * worker once its host says where the bundler serves the .wasm files (serveTfWasmFrom); the CPU
 * backend as the last resort. The choice and its reason go into the model.
 */
import type * as TfCore from '@tensorflow/tfjs-core';

type Tf = typeof TfCore;

export interface TfBackend {
  tf: Tf;
  name: 'wasm' | 'cpu';
  reason: string;
}

let loaded: Promise<TfBackend> | null = null;

/** tfjs-backend-wasm's binaries, by the file names it asks for. */
export type TfWasmBinaries = Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>;

let browserWasmBinaries: TfWasmBinaries | null = null;

/**
 * The browser host's bundler serves the .wasm files under hashed URLs; it names them here before
 * the first model trains (Node reads them from node_modules itself).
 */
export function serveTfWasmFrom(binaries: TfWasmBinaries): void {
  browserWasmBinaries = binaries;
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

/** Loads tfjs once per engine and picks its backend: wasm in Node, cpu elsewhere or when wasm fails. */
export function loadTf(): Promise<TfBackend> {
  loaded ??= (async () => {
    const tf = (await import('@tensorflow/tfjs-core')) as Tf;
    await import('@tensorflow/tfjs-backend-cpu');
    let wasmFailure = '';
    if (isNode() || browserWasmBinaries) {
      try {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (browserWasmBinaries) wasm.setWasmPaths(browserWasmBinaries);
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
          const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
          return { tf, name: 'wasm', reason: `tfjs WASM backend for the MLP (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threads' : 'one thread'})` };
        }
        wasmFailure = 'the WASM backend did not start';
      } catch (error) {
        wasmFailure = `the WASM backend failed to load (${error instanceof Error ? error.message : String(error)})`;
      }
    } else {
      wasmFailure = "this host does not serve tfjs's .wasm files";
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, name: 'cpu', reason: `tfjs CPU backend for the MLP: ${wasmFailure}` };
  })();
  return loaded;
}

export interface MlpShape {
  /** Layer widths from the input to the single output, e.g. [F*k, 64, 32, 1]. */
  widths: number[];
}

export interface MlpParams {
  weights: Float32Array[];
  biases: Float32Array[];
}

export interface MlpGradients {
  weights: Float32Array[];
  biases: Float32Array[];
  /** d loss / d input, row-major [rows × inputs]. */
  input: Float32Array;
}

/**
 * One forward and backward pass over a batch: `x` is [rows × widths[0]]; `masks[l]` (per hidden
 * layer, [rows × width], already scaled by 1/(1-rate)) applies dropout, or null for none;
 * `outputGradient` turns the MLP outputs into d loss / d output (it needs the rest of the margin).
 */
export function mlpStep(
  backend: TfBackend,
  shape: MlpShape,
  params: MlpParams,
  x: Float32Array,
  rows: number,
  masks: Array<Float32Array | null>,
  outputGradient: (outputs: Float32Array) => Float32Array,
): MlpGradients {
  const { tf } = backend;
  const L = shape.widths.length - 1;
  const dW: Float32Array[] = new Array<Float32Array>(L);
  const db: Float32Array[] = new Array<Float32Array>(L);
  let dInput: Float32Array = new Float32Array(0);
  // tidy() walks whatever its function returns looking for tensors, element by element through typed
  // arrays too (2 s for a 4096x624 gradient): return nothing from it, write the results out here.
  tf.tidy(() => {
    const W = params.weights.map((w, l) => tf.tensor2d(w, [shape.widths[l] as number, shape.widths[l + 1] as number]));
    const b = params.biases.map((v) => tf.tensor1d(v));
    const activations: TfCore.Tensor2D[] = [tf.tensor2d(x, [rows, shape.widths[0] as number])];
    const gates: TfCore.Tensor2D[] = [];
    let a = activations[0] as TfCore.Tensor2D;
    for (let l = 0; l < L; l++) {
      const z = tf.add(tf.matMul(a, W[l] as TfCore.Tensor2D), b[l] as TfCore.Tensor1D) as TfCore.Tensor2D;
      if (l === L - 1) {
        a = z;
        break;
      }
      // The ReLU's gate and the dropout mask multiply both the activation and, later, its gradient.
      let gate = tf.cast(tf.greater(z, 0), 'float32') as TfCore.Tensor2D;
      const mask = masks[l];
      if (mask) gate = tf.mul(gate, tf.tensor2d(mask, [rows, shape.widths[l + 1] as number])) as TfCore.Tensor2D;
      gates.push(gate);
      a = tf.mul(z, gate) as TfCore.Tensor2D;
      activations.push(a);
    }
    const outputs = a.dataSync() as Float32Array;
    const g = outputGradient(outputs);
    let dz = tf.tensor2d(g, [rows, 1]) as TfCore.Tensor2D;
    for (let l = L - 1; l >= 0; l--) {
      // tfjs-wasm's matMul with a transposed operand is ~10-20x slower than a plain one (measured:
      // 4096x624 by 4096x64, 585 ms against 29 ms): transpose the small operand explicitly instead.
      // dW = Aᵀ·dZ computed as (dZᵀ·A)ᵀ; dA = dZ·Wᵀ with Wᵀ materialised (W is small).
      dW[l] = tf.transpose(tf.matMul(tf.transpose(dz), activations[l] as TfCore.Tensor2D)).dataSync() as Float32Array;
      db[l] = tf.sum(dz, 0).dataSync() as Float32Array;
      const da = tf.matMul(dz, tf.transpose(W[l] as TfCore.Tensor2D)) as TfCore.Tensor2D;
      if (l === 0) dInput = da.dataSync() as Float32Array;
      else dz = tf.mul(da, gates[l - 1] as TfCore.Tensor2D) as TfCore.Tensor2D;
    }
  });
  return { weights: dW, biases: db, input: dInput };
}

/** The MLP outputs of a batch without dropout (validation during training). */
export function mlpForward(backend: TfBackend, shape: MlpShape, params: MlpParams, x: Float32Array, rows: number): Float32Array {
  const { tf } = backend;
  const L = shape.widths.length - 1;
  let out: Float32Array = new Float32Array(0);
  tf.tidy(() => {
    let a = tf.tensor2d(x, [rows, shape.widths[0] as number]) as TfCore.Tensor2D;
    for (let l = 0; l < L; l++) {
      const W = tf.tensor2d(params.weights[l] as Float32Array, [shape.widths[l] as number, shape.widths[l + 1] as number]);
      const z = tf.add(tf.matMul(a, W), tf.tensor1d(params.biases[l] as Float32Array)) as TfCore.Tensor2D;
      a = l === L - 1 ? z : (tf.relu(z) as TfCore.Tensor2D);
    }
    out = a.dataSync() as Float32Array;
  });
  return out;
}
