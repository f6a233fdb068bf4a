/**
 * WebGPU for Node hosts (CLI, benchmarks): Dawn's Node bindings from the optional npm package
 * `webgpu`, loaded on the first adapter request so that runs which never ask for a GPU load
 * nothing. Dawn's default adapter is Vulkan/Metal/D3D12; its OpenGL compatibility adapter (on
 * headless Linux usually Mesa's llvmpipe, a software renderer that `auto` refuses, see
 * compute/adapter-kind.ts) is asked for only by an explicit WebGPU backend. On Linux that default
 * adapter needs the Vulkan loader; without it Dawn prints a native warning to stderr on every
 * load, so `auto` checks for the loader first and does not load Dawn at all when it is missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GpuWithKnownAbsence } from '../compute/backend-choice';
import type { GpuAdapterLike } from '../compute/webgpu-types';

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null> };
  globals: Record<string, unknown>;
}

let dawn: Promise<DawnModule> | null = null;

/** The Vulkan loader Dawn opens on Linux (by this name, with dlopen). */
export const VULKAN_LOADER = 'libvulkan.so.1';

/** Where distributions put shared libraries (Debian/Ubuntu multiarch, Fedora/RHEL, Arch, local builds). */
export const STANDARD_LIBRARY_DIRS: readonly string[] = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/lib64',
  '/lib',
  '/usr/local/lib',
];

/** LD_LIBRARY_PATH's directories (searched first by the dynamic loader), then the standard ones. */
export function vulkanLoaderSearchDirs(ldLibraryPath = process.env.LD_LIBRARY_PATH ?? ''): string[] {
  const fromEnvironment = ldLibraryPath.split(':').filter((dir) => path.isAbsolute(dir));
  return [...new Set([...fromEnvironment, ...STANDARD_LIBRARY_DIRS])];
}

/**
 * The path of the Vulkan loader in the first of `dirs` that has one, else null. A few stat calls
 * instead of `ldconfig -p` (a process start, slow); a loader only in a directory listed in
 * /etc/ld.so.conf.d and nowhere else is missed, which costs `auto` a GPU but never a wrong answer
 * for an explicit WebGPU backend (that one asks Dawn regardless).
 */
export function findVulkanLoader(dirs: readonly string[] = vulkanLoaderSearchDirs()): string | null {
  for (const dir of dirs) {
    const candidate = path.join(dir, VULKAN_LOADER);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

/** Why no full adapter can exist on this host, known without loading Dawn; null where one may. */
export function knownFullAdapterAbsence(platform: NodeJS.Platform = process.platform, dirs?: readonly string[]): string | null {
  // macOS (Metal) and Windows (D3D12) need no loader of ours to look for.
  if (platform !== 'linux') return null;
  return findVulkanLoader(dirs) ? null : `no Vulkan loader (${VULKAN_LOADER}), so no GPU adapter`;
}

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
 * `fullAdapterAbsence` lets `auto` skip Dawn where no full adapter can exist (Linux without the
 * Vulkan loader); it is looked up once, on first use.
 */
export function nodeWebGpu(moduleSpecifier?: string): GpuWithKnownAbsence {
  const instances: { core?: ReturnType<DawnModule['create']>; compat?: ReturnType<DawnModule['create']> } = {};
  let absence: { why: string | null } | undefined;
  return {
    fullAdapterAbsence() {
      absence ??= { why: knownFullAdapterAbsence() };
      return absence.why;
    },
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
