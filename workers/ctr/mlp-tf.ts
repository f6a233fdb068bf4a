/**
 * DeepFM's MLP on TensorFlow.js: the dense matrix products are where tfjs pays (its WASM backend
 * runs them with XNNPACK's SIMD kernels, ~10x a JavaScript loop), so forward and backward passes
 * run as tfjs ops, written out by hand (no layers, no tape: the gradient of each matMul is two
 * more). The parameters and the optimiser stay in typed arrays beside the sparse embeddings, so
 * one update rule and one seeded RNG (dropout masks) serve the whole model on every backend.
 *
 * Backend (the rule is compute/backend-choice.ts, as for GBDT's histograms): WebGPU
 * (`@tensorflow/tfjs-backend-webgpu`) only on a hardware adapter the host offers (the app's engine
 * worker offers navigator.gpu; software renderers such as SwiftShader or llvmpipe are refused by
 * name); otherwise WASM (SIMD; the threaded build where the runtime allows) in Node, and in the
 * app's engine worker once its host says where the bundler serves the .wasm files
 * (serveTfWasmFrom); the CPU backend as the last resort. The choice and its reason go into the model.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import { chooseBackend, type BackendPreference } from '../compute/backend-choice';
import type { GpuAdapterLike } from '../compute/webgpu-types';

type Tf = typeof TfCore;

export type MlpBackendName = 'webgpu' | 'wasm' | 'cpu';

export interface TfBackend {
  tf: Tf;
  name: MlpBackendName;
  reason: string;
}

/** tfjs-backend-wasm's binaries, by the file names it asks for. */
export type TfWasmBinaries = Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>;

let browserWasmBinaries: TfWasmBinaries | null = null;
/** The host's navigator.gpu (the app's engine worker); Node hosts offer none, so the MLP stays on WASM there. */
let offeredGpu: unknown = undefined;

/**
 * The browser host's bundler serves the .wasm files under hashed URLs; it names them here before
 * the first model trains (Node reads them from node_modules itself).
 */
export function serveTfWasmFrom(binaries: TfWasmBinaries): void {
  browserWasmBinaries = binaries;
}

/** The host's WebGPU entry point (navigator.gpu), for the MLP's WebGPU backend on a hardware adapter. */
export function offerTfGpu(gpu: unknown): void {
  offeredGpu = gpu;
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

let core: Promise<Tf> | null = null;
let local: Promise<{ name: 'wasm' | 'cpu'; reason: string }> | null = null;
let webgpu: Promise<void> | null = null;
/** Choices per offered GPU object (undefined: none) and preference. */
const chosen = new Map<unknown, Map<BackendPreference, Promise<TfBackend>>>();

function loadCore(): Promise<Tf> {
  core ??= (async () => {
    const tf = (await import('@tensorflow/tfjs-core')) as Tf;
    await import('@tensorflow/tfjs-backend-cpu');
    return tf;
  })();
  return core;
}

/** Starts the WASM backend once (the CPU backend when WASM cannot start here) and says which. */
function startLocal(tf: Tf): Promise<{ name: 'wasm' | 'cpu'; reason: string }> {
  local ??= (async () => {
    let wasmFailure = '';
    if (isNode() || browserWasmBinaries) {
      try {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        if (browserWasmBinaries) wasm.setWasmPaths(browserWasmBinaries);
        if (await tf.setBackend('wasm')) {
          await tf.ready();
          const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
          const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
          return { name: 'wasm' as const, reason: `tfjs WASM backend for the MLP (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threads' : 'one thread'})` };
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
    return { name: 'cpu' as const, reason: `tfjs CPU backend for the MLP: ${wasmFailure}` };
  })();
  return local;
}

/**
 * Starts tfjs's WebGPU backend on the adapter the choice classified (not on whichever adapter
 * tfjs's own factory would request), with the limits tfjs's factory asks for.
 */
function startWebGpu(tf: Tf, adapter: GpuAdapterLike): Promise<void> {
  webgpu ??= (async () => {
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    const l = adapter.limits;
    const limits: Record<string, number> = {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    };
    if (l.maxComputeWorkgroupStorageSize !== undefined) limits.maxComputeWorkgroupStorageSize = l.maxComputeWorkgroupStorageSize;
    if (l.maxComputeWorkgroupSizeX !== undefined) limits.maxComputeWorkgroupSizeX = l.maxComputeWorkgroupSizeX;
    if (l.maxComputeInvocationsPerWorkgroup !== undefined) limits.maxComputeInvocationsPerWorkgroup = l.maxComputeInvocationsPerWorkgroup;
    const device = await adapter.requestDevice({ requiredLimits: limits, label: 'assay deepfm mlp' });
    type Device = ConstructorParameters<typeof WebGPUBackend>[0];
    type Info = ConstructorParameters<typeof WebGPUBackend>[1];
    const backend = new WebGPUBackend(device as unknown as Device, adapter.info as unknown as Info);
    // The package registers a factory of its own when navigator.gpu exists; ours uses the classified adapter.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => backend, 1);
    if (!(await tf.setBackend('webgpu'))) throw new Error("tfjs's WebGPU backend did not start");
    await tf.ready();
  })();
  // A device that failed to start is asked for again by the next job (the driver may have recovered).
  webgpu.catch(() => (webgpu = null));
  return webgpu;
}

/** The CPU-side choice's reason without chooseBackend's "CPU:" lead (here the CPU side is tfjs WASM). */
function whyNotWebGpu(reason: string): string {
  if (/^CPU backend requested/.test(reason)) return 'the cpu backend was asked for';
  return reason.replace(/^CPU:\s*/, '').replace(/\.$/, '');
}

/**
 * Loads tfjs once per engine and picks the MLP's backend: `auto` takes WebGPU on a hardware adapter
 * the host offered, `webgpu` on any adapter (or fails in plain words), `cpu` never; otherwise WASM,
 * then tfjs's CPU backend. `gpu` defaults to what the host offered (offerTfGpu).
 */
export function loadTf(preference: BackendPreference = 'auto', gpu: unknown = offeredGpu): Promise<TfBackend> {
  let forGpu = chosen.get(gpu);
  if (!forGpu) chosen.set(gpu, (forGpu = new Map()));
  const cache = forGpu;
  let pending = cache.get(preference);
  if (!pending) {
    pending = (async (): Promise<TfBackend> => {
      const tf = await loadCore();
      const choice = await chooseBackend<'webgpu' | 'local'>(preference, gpu, {
        cpu: () => ({ kernel: 'local' }),
        webgpu: async (adapter) => {
          await startWebGpu(tf, adapter);
          return 'webgpu';
        },
      });
      if (choice.kernel === 'webgpu') return { tf, name: 'webgpu', reason: `tfjs WebGPU backend for the MLP: ${choice.reason.replace(/\.$/, '')}` };
      const side = await startLocal(tf);
      return { tf, name: side.name, reason: `${side.reason}; WebGPU not used: ${whyNotWebGpu(choice.reason)}` };
    })();
    // A failed choice (e.g. webgpu asked for where there is none) is not cached: the next job asks again.
    pending.catch(() => cache.delete(preference));
    cache.set(preference, pending);
  }
  return pending;
}

/**
 * Makes `backend` tfjs's active one (two trainings in one engine may have chosen differently).
 * tfjs's active backend is global to the engine (one per JS realm): a step awaits its reads, and
 * another training's step could switch the backend under it meanwhile. So every step and forward
 * pass runs under `exclusively` (one at a time per engine), and activates its backend inside it.
 */
async function activate(backend: TfBackend): Promise<void> {
  if (backend.tf.getBackend() !== backend.name) await backend.tf.setBackend(backend.name);
}

/** The tail of the engine's MLP work: each step waits for the one before (a promise chain). */
let mlpQueue: Promise<unknown> = Promise.resolve();

/** Runs `work` after every MLP step queued before it, so concurrent DeepFM trainings never interleave their tfjs ops. */
function exclusively<T>(work: () => Promise<T>): Promise<T> {
  const run = mlpQueue.then(work, work);
  mlpQueue = run.catch(() => undefined);
  return run;
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

/** Reads a tensor back: asynchronously, as WebGPU needs (its synchronous read is slow and warns). */
async function read(t: TfCore.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
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
): Promise<MlpGradients> {
  return exclusively(() => step(backend, shape, params, x, rows, masks, outputGradient));
}

async function step(
  backend: TfBackend,
  shape: MlpShape,
  params: MlpParams,
  x: Float32Array,
  rows: number,
  masks: Array<Float32Array | null>,
  outputGradient: (outputs: Float32Array) => Float32Array,
): Promise<MlpGradients> {
  const { tf } = backend;
  await activate(backend);
  const L = shape.widths.length - 1;
  const width = (l: number): number => shape.widths[l] as number;
  const held: TfCore.Tensor[] = [];
  const keep = <T extends TfCore.Tensor>(t: T): T => {
    held.push(t);
    return t;
  };
  try {
    // tidy() walks whatever its function returns looking for tensors: return tensors only (never
    // typed arrays: 2 s for a 4096x624 gradient), and keep them by hand across the awaits.
    const W = params.weights.map((w, l) => keep(tf.tensor2d(w, [width(l), width(l + 1)])));
    const b = params.biases.map((v) => keep(tf.tensor1d(v)));
    const activations: TfCore.Tensor2D[] = [keep(tf.tensor2d(x, [rows, width(0)]))];
    const gates: TfCore.Tensor2D[] = [];
    let out: TfCore.Tensor2D | null = null;
    for (let l = 0; l < L; l++) {
      const a = activations[l] as TfCore.Tensor2D;
      if (l === L - 1) {
        // One fused kernel (linear activation): a separate matMul then add would leave the product undisposed.
        out = keep(tf.fused.matMul({ a, b: W[l] as TfCore.Tensor2D, bias: b[l] as TfCore.Tensor1D, activation: 'linear' }) as TfCore.Tensor2D);
        break;
      }
      const mask = masks[l];
      const [next, gate] = tf.tidy(() => {
        // matMul + bias + ReLU in one fused kernel; the ReLU's gate (h > 0) times the dropout mask
        // multiplies both the activation and, later, its gradient.
        const h = tf.fused.matMul({ a, b: W[l] as TfCore.Tensor2D, bias: b[l] as TfCore.Tensor1D, activation: 'relu' });
        const step = tf.step(h);
        if (!mask) return [h, step] as TfCore.Tensor2D[];
        const m = tf.tensor2d(mask, [rows, width(l + 1)]);
        return [tf.mul(h, m), tf.mul(step, m)] as TfCore.Tensor2D[];
      });
      gates.push(keep(gate as TfCore.Tensor2D));
      activations.push(keep(next as TfCore.Tensor2D));
    }
    const g = outputGradient(await read(out as TfCore.Tensor2D));
    let dz = keep(tf.tensor2d(g, [rows, 1]));
    const dWt: TfCore.Tensor[] = new Array<TfCore.Tensor>(L);
    const dbt: TfCore.Tensor[] = new Array<TfCore.Tensor>(L);
    let dInputT: TfCore.Tensor | null = null;
    for (let l = L - 1; l >= 0; l--) {
      const z = dz;
      const A = activations[l] as TfCore.Tensor2D;
      const Wl = W[l] as TfCore.Tensor2D;
      // tfjs-wasm's matMul with a transposed operand is ~10-20x slower than a plain one (measured:
      // 4096x624 by 4096x64, 148 ms against 13 ms): transpose the small operand explicitly instead.
      // dW = Aᵀ·dZ computed as (dZᵀ·A)ᵀ; dA = dZ·Wᵀ with Wᵀ materialised (W is small).
      dWt[l] = keep(tf.tidy(() => tf.transpose(tf.matMul(tf.transpose(z), A))));
      dbt[l] = keep(tf.sum(z, 0));
      const gate = l > 0 ? (gates[l - 1] as TfCore.Tensor2D) : null;
      const da = keep(tf.tidy(() => {
        const d = tf.matMul(z, tf.transpose(Wl));
        return gate ? tf.mul(d, gate) : d;
      }) as TfCore.Tensor2D);
      if (l === 0) dInputT = da;
      else dz = da;
    }
    const weights = await Promise.all(dWt.map(read));
    const biases = await Promise.all(dbt.map(read));
    const input = await read(dInputT as unknown as TfCore.Tensor);
    return { weights, biases, input };
  } finally {
    for (const t of held) t.dispose();
  }
}

/** The MLP outputs of a batch without dropout (validation during training). */
export function mlpForward(backend: TfBackend, shape: MlpShape, params: MlpParams, x: Float32Array, rows: number): Promise<Float32Array> {
  return exclusively(() => forward(backend, shape, params, x, rows));
}

async function forward(backend: TfBackend, shape: MlpShape, params: MlpParams, x: Float32Array, rows: number): Promise<Float32Array> {
  const { tf } = backend;
  await activate(backend);
  const L = shape.widths.length - 1;
  const out = tf.tidy(() => {
    let a = tf.tensor2d(x, [rows, shape.widths[0] as number]) as TfCore.Tensor2D;
    for (let l = 0; l < L; l++) {
      const W = tf.tensor2d(params.weights[l] as Float32Array, [shape.widths[l] as number, shape.widths[l + 1] as number]);
      const bias = tf.tensor1d(params.biases[l] as Float32Array);
      a = tf.fused.matMul({ a, b: W, bias, activation: l === L - 1 ? 'linear' : 'relu' }) as TfCore.Tensor2D;
    }
    return a;
  });
  try {
    return await read(out);
  } finally {
    out.dispose();
  }
}
