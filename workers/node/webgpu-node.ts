/**
 * WebGPU for Node hosts (CLI, benchmarks): Dawn's Node bindings from the optional npm package
 * `webgpu`, loaded on the first adapter request so that runs which never ask for a GPU load
 * nothing. Dawn's default adapter is Vulkan/Metal/D3D12; its OpenGL compatibility adapter (on
 * headless Linux usually Mesa's llvmpipe, a software renderer that `auto` refuses, see
 * compute/adapter-kind.ts) is asked for only by an explicit WebGPU backend.
 */
import type { GpuAdapterLike, GpuLike } from '../compute/webgpu-types';

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null> };
  globals: Record<string, unknown>;
}

let dawn: Promise<DawnModule> | null = null;

/** Plain words for why the package could not be loaded. */
export const MISSING_WEBGPU_PACKAGE = 'the optional npm package "webgpu" (Dawn for Node) is not installed or does not load on this platform';

function loadDawn(specifier?: string): Promise<DawnModule> {
  dawn ??= (async () => {
    let mod: DawnModule;
    try {
      mod = (specifier ? await import(specifier) : await import('webgpu')) as DawnModule;
    } catch (error) {
      throw new Error(`${MISSING_WEBGPU_PACKAGE}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
    // The kernels use GPUBufferUsage etc. only as numbers, but Dawn's objects expect its globals.
    for (const [name, value] of Object.entries(mod.globals)) {
      if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
    }
    return mod;
  })();
  return dawn;
}

/**
 * A `navigator.gpu` stand-in for the engine's host options. Nothing is loaded until
 * `requestAdapter` is called; a missing package rejects with a plain message. A request with
 * `featureLevel: 'compatibility'` (the engine makes one only for an explicit WebGPU backend)
 * goes to Dawn's OpenGL backend; `auto` never pays for starting it. `moduleSpecifier` names
 * another copy of the package's index.js (a carried one on a machine without node_modules).
 */
export function nodeWebGpu(moduleSpecifier?: string): GpuLike {
  const instances: { core?: ReturnType<DawnModule['create']>; compat?: ReturnType<DawnModule['create']> } = {};
  return {
    async requestAdapter(request = {}) {
      const mod = await loadDawn(moduleSpecifier);
      if (request.featureLevel !== 'compatibility') {
        instances.core ??= mod.create([]);
        return instances.core.requestAdapter(request);
      }
      // Mesa's EGL needs a platform without a display server (read by the native library: this
      // reaches it from the main thread only; an engine thread inherits it from its parent).
      process.env.EGL_PLATFORM ??= 'surfaceless';
      instances.compat ??= mod.create(['backend=opengl']);
      return instances.compat.requestAdapter(request);
    },
  };
}
