/**
 * Picks a compute backend at run time, the same way for every kernel family (histograms,
 * k-means): 'auto' takes WebGPU only on a real (hardware) adapter, since a software renderer
 * (SwiftShader, Mesa's llvmpipe/lavapipe: adapter-kind.ts, by name as well as the fallback flag)
 * runs shaders on the CPU far slower than the CPU kernel; 'webgpu' takes any
 * adapter, fallback included (the conformance tests rely on that), and fails with a clear error
 * when there is none; 'cpu' takes the CPU kernel. The reason is plain words for the UI.
 */
import { EngineError } from '../protocol/errors';
import { classifyAdapter, describeAdapter } from './adapter-kind';
import type { GpuAdapterLike, GpuLike } from './webgpu-types';

export type BackendPreference = 'auto' | 'webgpu' | 'cpu';

export interface BackendChoice<K> {
  kernel: K;
  backend: 'cpu' | 'webgpu';
  reason: string;
}

export interface BackendMakers<K> {
  /** The CPU kernel, with a detail for the reason (e.g. its thread count). */
  cpu: () => { kernel: K; detail?: string };
  /** The WebGPU kernel on an adapter; throws when the device cannot be set up. */
  webgpu: (adapter: GpuAdapterLike) => Promise<K>;
}

/**
 * A host GPU that can tell, without loading anything, that no full (non-compatibility) adapter can
 * exist: Dawn for Node on Linux without the Vulkan loader, where asking makes Dawn print a native
 * warning on stderr. Returns the reason in plain words, or null where an adapter may exist.
 */
export interface GpuWithKnownAbsence extends GpuLike {
  fullAdapterAbsence(): string | null;
}

function knownAbsence(gpu: GpuLike): string | null {
  const check = (gpu as Partial<GpuWithKnownAbsence>).fullAdapterAbsence;
  return typeof check === 'function' ? check.call(gpu) : null;
}

export function isGpuLike(value: unknown): value is GpuLike {
  return typeof value === 'object' && value !== null && typeof (value as { requestAdapter?: unknown }).requestAdapter === 'function';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `gpu` is the host's `navigator.gpu` (undefined where there is none); the engine never reads `navigator` itself. */
export async function chooseBackend<K>(preference: BackendPreference, gpu: unknown, makers: BackendMakers<K>): Promise<BackendChoice<K>> {
  if (preference !== 'auto' && preference !== 'webgpu' && preference !== 'cpu') {
    throw new EngineError('BAD_INPUT', `The backend must be auto, webgpu or cpu (got ${String(preference)}).`);
  }
  const cpuChoice = (reason: string): BackendChoice<K> => {
    const { kernel, detail } = makers.cpu();
    return { kernel, backend: 'cpu', reason: detail ? `${reason} (${detail})` : reason };
  };
  if (preference === 'cpu') return cpuChoice('CPU backend requested.');
  const required = preference === 'webgpu';
  const unavailable = (why: string): BackendChoice<K> => {
    if (required) throw new EngineError('BAD_INPUT', `WebGPU backend requested, but ${why}. Choose the CPU or auto backend.`);
    return cpuChoice(`CPU: ${why}.`);
  };

  if (!isGpuLike(gpu)) return unavailable('WebGPU is not available in this runtime (no navigator.gpu)');
  // 'auto' trusts the host's cheap check and loads nothing; 'webgpu' still asks, and names the check if nothing is found.
  const absence = knownAbsence(gpu);
  if (absence && !required) return unavailable(absence);
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    // A compatibility-mode adapter (OpenGL/D3D11) only when WebGPU was asked for by name: where
    // only such an adapter exists it is nearly always a software renderer, and 'auto' should not
    // pay for starting one.
    if (!adapter && required) adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: 'compatibility' });
  } catch (error) {
    return unavailable(`requesting a WebGPU adapter failed (${errorText(error)})${absence ? `; ${absence}` : ''}`);
  }
  if (!adapter) {
    return unavailable(absence ? `there is ${absence}, and no compatibility adapter was found either` : 'no WebGPU adapter was found (no usable GPU or driver)');
  }
  const description = describeAdapter(adapter);
  const kind = classifyAdapter(adapter);
  if (!required && kind.software) {
    return cpuChoice(`CPU: the only WebGPU adapter is ${kind.why} (${description}), slower than the CPU kernel.`);
  }
  try {
    const kernel = await makers.webgpu(adapter);
    const how = required ? `WebGPU requested${kind.software ? ` (${kind.why})` : ''}` : 'auto picked a hardware WebGPU adapter';
    return { kernel, backend: 'webgpu', reason: `WebGPU (${how}): ${description}.` };
  } catch (error) {
    return unavailable(`the WebGPU device could not be set up on ${description} (${errorText(error)})`);
  }
}
