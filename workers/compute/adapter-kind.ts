/**
 * Tells a hardware WebGPU adapter from a software renderer. `isFallbackAdapter` alone is not
 * enough: Dawn's OpenGL compatibility backend on Mesa's llvmpipe, and Vulkan on lavapipe, report
 * themselves as ordinary adapters, yet run every shader on the CPU 10-50x slower than the WASM
 * kernels. So the vendor, architecture, device and description strings are read as well.
 */
import type { GpuAdapterInfoLike, GpuAdapterLike } from './webgpu-types';

export interface AdapterKind {
  software: boolean;
  /** Plain words that complete "the adapter is ...": which marker made it software, or why it counts as hardware. */
  why: string;
}

/** Names of CPU renderers as they appear in adapter info strings (lower case, matched as words). */
const SOFTWARE_RENDERERS: readonly { pattern: RegExp; name: string }[] = [
  { pattern: /swiftshader/, name: 'SwiftShader' },
  { pattern: /llvmpipe/, name: "Mesa's llvmpipe" },
  { pattern: /lavapipe/, name: "Mesa's lavapipe" },
  { pattern: /softpipe/, name: "Mesa's softpipe" },
  { pattern: /\bswrast\b/, name: "Mesa's swrast" },
  { pattern: /software rasteri[sz]er/, name: 'a software rasterizer' },
  { pattern: /microsoft basic render driver/, name: 'Microsoft Basic Render Driver (WARP)' },
  { pattern: /\bwarp\b/, name: 'Microsoft WARP' },
];

/** The info object of an adapter (current spec: `adapter.info`; older Chromium: fields on the adapter). */
export function adapterInfo(adapter: GpuAdapterLike): GpuAdapterInfoLike {
  return adapter.info ?? (adapter as unknown as GpuAdapterInfoLike);
}

export function classifyAdapterInfo(info: GpuAdapterInfoLike, fallbackFlag = false): AdapterKind {
  if (info.isFallbackAdapter === true || fallbackFlag) return { software: true, why: 'a software fallback' };
  const text = [info.vendor, info.architecture, info.device, info.description]
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join(' ')
    .toLowerCase()
    .replace(/[-_]+/g, ' ');
  for (const { pattern, name } of SOFTWARE_RENDERERS) {
    if (pattern.test(text)) return { software: true, why: `${name}, a software renderer` };
  }
  if (text.length === 0) return { software: false, why: 'the adapter does not name itself and is not a fallback adapter' };
  return { software: false, why: 'a hardware adapter (not a fallback adapter, no software renderer named)' };
}

export function classifyAdapter(adapter: GpuAdapterLike): AdapterKind {
  return classifyAdapterInfo(adapterInfo(adapter), adapter.isFallbackAdapter === true);
}

export function isFallbackAdapter(adapter: GpuAdapterLike): boolean {
  return adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
}

export function describeAdapter(adapter: GpuAdapterLike): string {
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((part): part is string => !!part);
  const name = parts.length > 0 ? [...new Set(parts)].join(' ') : 'unknown adapter';
  return isFallbackAdapter(adapter) ? `${name} (fallback adapter)` : name;
}
