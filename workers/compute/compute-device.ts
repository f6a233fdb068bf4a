/**
 * Requests a WebGPU device with the limits a compute kernel needs. Defaults are not enough:
 * a compatibility-mode adapter (Dawn on OpenGL) allows 128 invocations per workgroup unless 256
 * are asked for, and every device caps storage bindings at 128 MiB unless more is asked for.
 * So the kernel's workgroup size is the largest power of two up to 256 that the adapter allows,
 * and the kernels are written for any such size.
 */
import { EngineError } from '../protocol/errors';
import { MAP_MODE_READ, MAX_BUFFER_BYTES } from './webgpu-constants';
import type { GpuAdapterLike, GpuBufferLike, GpuDeviceLike } from './webgpu-types';

export const PREFERRED_WORKGROUP_SIZE = 256;
/** The least every WebGPU device offers (spec minimum for maxComputeInvocationsPerWorkgroup in compatibility mode is 128). */
const SMALLEST_WORKGROUP_SIZE = 32;

type DeviceOf<A extends GpuAdapterLike> = Awaited<ReturnType<A['requestDevice']>>;

export interface ComputeDevice<A extends GpuAdapterLike = GpuAdapterLike> {
  device: DeviceOf<A>;
  /** Invocations per workgroup the kernel's WGSL must be built with. */
  workgroupSize: number;
}

function limitOf(limits: GpuAdapterLike['limits'], name: string): number | undefined {
  const value = (limits as unknown as Record<string, unknown>)[name];
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** Largest power of two <= wanted that both the X size and the invocation limits allow. */
export function workgroupSizeFor(limits: GpuAdapterLike['limits'], wanted = PREFERRED_WORKGROUP_SIZE): number {
  const cap = Math.min(wanted, limitOf(limits, 'maxComputeWorkgroupSizeX') ?? wanted, limitOf(limits, 'maxComputeInvocationsPerWorkgroup') ?? wanted);
  let size = SMALLEST_WORKGROUP_SIZE;
  while (size * 2 <= cap) size *= 2;
  return size;
}

/**
 * The limits to ask for: only names the adapter reports (an unknown name fails the request),
 * each at most what the adapter allows.
 */
export function computeLimitsFor(limits: GpuAdapterLike['limits'], workgroupSize: number, extra: Record<string, number> = {}): Record<string, number> {
  const wanted: Record<string, number> = {
    maxComputeWorkgroupSizeX: workgroupSize,
    maxComputeInvocationsPerWorkgroup: workgroupSize,
    maxStorageBufferBindingSize: MAX_BUFFER_BYTES,
    maxBufferSize: MAX_BUFFER_BYTES,
    ...extra,
  };
  const required: Record<string, number> = {};
  for (const [name, value] of Object.entries(wanted)) {
    const available = limitOf(limits, name);
    if (available !== undefined) required[name] = Math.min(value, available);
  }
  return required;
}

export async function requestComputeDevice<A extends GpuAdapterLike>(adapter: A, label: string, extra: Record<string, number> = {}): Promise<ComputeDevice<A>> {
  const workgroupSize = workgroupSizeFor(adapter.limits);
  const device = (await adapter.requestDevice({ label, requiredLimits: computeLimitsFor(adapter.limits, workgroupSize, extra) })) as DeviceOf<A>;
  return { device, workgroupSize };
}

/** The plain words for a lost device, the same in every kernel. */
export function deviceLostError(message: string): EngineError {
  return new EngineError('INTERNAL', `The WebGPU device was lost (${message}); choose the CPU backend.`);
}

/**
 * Maps `bytes` of a buffer for reading. A lost device rejects the map before its `lost` promise
 * settles: give that promise a moment, and report the loss in plain words rather than the map's.
 */
export async function mapForReading(device: Pick<GpuDeviceLike, 'lost'>, buffer: GpuBufferLike, bytes: number, lostMessage: () => string | null): Promise<void> {
  try {
    await buffer.mapAsync(MAP_MODE_READ, 0, bytes);
  } catch (error) {
    if (lostMessage() === null) await Promise.race([device.lost, new Promise((resolve) => setTimeout(resolve, 50))]);
    const lost = lostMessage();
    if (lost !== null) throw deviceLostError(lost);
    throw error;
  }
}
