/**
 * Picks the histogram backend at run time (the rule is in compute/backend-choice.ts): WebGPU on a
 * real adapter for 'auto', any adapter for 'webgpu', else the CPU kernel (WebAssembly, one thread
 * unless the host offers helper threads).
 */
import { chooseBackend, type BackendChoice, type BackendPreference } from '../compute/backend-choice';
import type { HistogramKernel } from './histogram';
import { createParallelHistogramKernel } from './parallel-histogram';
import { createWebGpuHistogramKernelOnAdapter, type WebGpuHistogramOptions } from './webgpu-histogram';

export type HistogramBackendPreference = BackendPreference;
export type HistogramKernelChoice = BackendChoice<HistogramKernel>;

/** Makes the CPU kernel: one thread by default; hosts with helper threads pass a parallel one. */
export type CpuKernelFactory = () => { kernel: HistogramKernel; threads: number };

const singleThread: CpuKernelFactory = () => ({ kernel: createParallelHistogramKernel(1), threads: 1 });

/** `gpu` is the host's `navigator.gpu` (undefined where there is none). */
export function pickHistogramKernel(
  preference: HistogramBackendPreference,
  gpu?: unknown,
  options: WebGpuHistogramOptions = {},
  cpuKernel: CpuKernelFactory = singleThread,
): Promise<HistogramKernelChoice> {
  return chooseBackend<HistogramKernel>(preference, gpu, {
    cpu: () => {
      const { kernel, threads } = cpuKernel();
      return { kernel, ...(threads > 1 ? { detail: `${threads} threads` } : {}) };
    },
    webgpu: (adapter) => createWebGpuHistogramKernelOnAdapter(adapter, options),
  });
}
