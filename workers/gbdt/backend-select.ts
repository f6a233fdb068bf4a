/**
 * Picks the histogram backend at run time. 'auto' takes WebGPU only on a real (hardware) adapter:
 * a fallback adapter such as SwiftShader runs the shader on the CPU far slower than the CPU
 * kernel. 'webgpu' takes any adapter, fallback included (the conformance tests rely on that), and
 * fails with a clear error when there is none. The reason is plain words for the UI and results.
 */
import { createWasmHistogramKernel } from './wasm-histogram';
import { EngineError } from '../protocol/errors';
import type { HistogramKernel } from './histogram';
import {
  createWebGpuHistogramKernelOnAdapter,
  describeAdapter,
  isFallbackAdapter,
  type GpuAdapterLike,
  type GpuLike,
  type WebGpuHistogramOptions,
} from './webgpu-histogram';

export type HistogramBackendPreference = 'auto' | 'webgpu' | 'cpu';

export interface HistogramKernelChoice {
  kernel: HistogramKernel;
  backend: 'cpu' | 'webgpu';
  reason: string;
}

function isGpuLike(value: unknown): value is GpuLike {
  return typeof value === 'object' && value !== null && typeof (value as { requestAdapter?: unknown }).requestAdapter === 'function';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Makes the CPU kernel: one thread by default; hosts with helper threads pass a parallel one. */
export type CpuKernelFactory = () => { kernel: HistogramKernel; threads: number };

const singleThread: CpuKernelFactory = () => ({ kernel: createWasmHistogramKernel(), threads: 1 });

/**
 * `gpu` is the host's `navigator.gpu` (undefined where there is none); the engine never reads
 * `navigator` itself.
 */
export async function pickHistogramKernel(
  preference: HistogramBackendPreference,
  gpu?: unknown,
  options: WebGpuHistogramOptions = {},
  cpuKernel: CpuKernelFactory = singleThread,
): Promise<HistogramKernelChoice> {
  const cpuChoice = (reason: string): HistogramKernelChoice => {
    const { kernel, threads } = cpuKernel();
    return { kernel, backend: 'cpu', reason: threads > 1 ? `${reason} (${threads} threads)` : reason };
  };
  if (preference === 'cpu') return cpuChoice('CPU backend requested.');
  const required = preference === 'webgpu';
  const unavailable = (why: string): HistogramKernelChoice => {
    if (required) throw new EngineError('BAD_INPUT', `WebGPU backend requested, but ${why}. Choose the CPU or auto backend.`);
    return cpuChoice(`CPU: ${why}.`);
  };

  if (!isGpuLike(gpu)) return unavailable('WebGPU is not available in this runtime (no navigator.gpu)');
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return unavailable(`requesting a WebGPU adapter failed (${errorText(error)})`);
  }
  if (!adapter) return unavailable('no WebGPU adapter was found (no usable GPU or driver)');
  const description = describeAdapter(adapter);
  if (!required && isFallbackAdapter(adapter)) {
    return cpuChoice(`CPU: the only WebGPU adapter is a software fallback (${description}), slower than the CPU kernel.`);
  }
  try {
    const kernel = await createWebGpuHistogramKernelOnAdapter(adapter, options);
    const how = required ? 'WebGPU requested' : 'auto picked a hardware WebGPU adapter';
    return { kernel, backend: 'webgpu', reason: `WebGPU (${how}): ${description}.` };
  } catch (error) {
    return unavailable(`the WebGPU device could not be set up on ${description} (${errorText(error)})`);
  }
}
