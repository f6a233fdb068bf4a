/**
 * `auto` must not load Dawn on Linux without the Vulkan loader: Dawn's default adapter is Vulkan
 * there, and asking for it prints a native "Couldn't load Vulkan" warning on stderr on every
 * `assay train`/`assay cluster`. The check is a few file lookups (LD_LIBRARY_PATH, then the
 * standard library folders); `webgpu` by name still asks Dawn and names the missing loader when it
 * finds nothing. macOS and Windows are not checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { tempDir, writeFixture } from '../helpers/paths';
import { chooseBackend, type GpuWithKnownAbsence } from '../../workers/compute/backend-choice';
import type { GpuAdapterLike } from '../../workers/compute/webgpu-types';
import { findVulkanLoader, knownFullAdapterAbsence, STANDARD_LIBRARY_DIRS, vulkanLoaderSearchDirs } from '../../workers/node/webgpu-node';

const root = tempDir('webgpu-vulkan');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const emptyDir = path.join(root, 'empty');
fs.mkdirSync(emptyDir);
const otherLibsDir = path.join(root, 'other');
fs.mkdirSync(otherLibsDir);
writeFixture(otherLibsDir, 'libvulkan.so', ''); // the development symlink's name only: not what Dawn opens
const loaderDir = path.join(root, 'with-loader');
fs.mkdirSync(loaderDir);
const loader = writeFixture(loaderDir, 'libvulkan.so.1', '');

describe('looking for the Vulkan loader', () => {
  test('finds libvulkan.so.1 in the first folder that has it, by that exact name', () => {
    expect(findVulkanLoader([emptyDir, otherLibsDir, loaderDir])).toBe(loader);
    expect(findVulkanLoader([emptyDir, otherLibsDir, path.join(root, 'missing')])).toBeNull();
    expect(findVulkanLoader([])).toBeNull();
  });

  test("LD_LIBRARY_PATH's absolute folders come first, then the standard ones, each once", () => {
    const dirs = vulkanLoaderSearchDirs(`/opt/vk/lib::relative/lib:/usr/lib64:/opt/vk/lib`);
    expect(dirs.slice(0, 2)).toEqual(['/opt/vk/lib', '/usr/lib64']);
    expect(dirs).not.toContain('relative/lib');
    expect(new Set(dirs).size).toBe(dirs.length);
    for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/local/lib']) {
      expect(dirs).toContain(dir);
    }
    expect(vulkanLoaderSearchDirs('')).toEqual([...STANDARD_LIBRARY_DIRS]);
  });

  test('only Linux is checked; the reason names the loader', () => {
    expect(knownFullAdapterAbsence('linux', [emptyDir])).toBe('no Vulkan loader (libvulkan.so.1), so no GPU adapter');
    expect(knownFullAdapterAbsence('linux', [emptyDir, loaderDir])).toBeNull();
    expect(knownFullAdapterAbsence('darwin', [emptyDir])).toBeNull();
    expect(knownFullAdapterAbsence('win32', [emptyDir])).toBeNull();
  });
});

/** A host GPU that knows (as Dawn for Node does without the loader) that no full adapter exists; it records what is asked of it. */
function gpuWithoutVulkan(compatibilityAdapter: GpuAdapterLike | null) {
  const requests: string[] = [];
  const gpu: GpuWithKnownAbsence = {
    fullAdapterAbsence: () => knownFullAdapterAbsence('linux', [emptyDir]),
    requestAdapter(options = {}) {
      requests.push(options.featureLevel ?? 'core');
      return Promise.resolve(options.featureLevel === 'compatibility' ? compatibilityAdapter : null);
    },
  };
  return { gpu, requests };
}

const llvmpipe: GpuAdapterLike = {
  info: { vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6', isFallbackAdapter: false },
  limits: { maxStorageBufferBindingSize: 134217728, maxBufferSize: 268435456, maxComputeWorkgroupsPerDimension: 65535 },
  requestDevice: () => Promise.reject(new Error('recorded adapters have no device')),
};

describe('backend choice without a Vulkan loader', () => {
  const makers = { cpu: () => ({ kernel: 'cpu', detail: '2 threads' }), webgpu: () => Promise.resolve('gpu') };

  test('auto asks for no adapter at all and says why', async () => {
    const { gpu, requests } = gpuWithoutVulkan(llvmpipe);
    const choice = await chooseBackend('auto', gpu, makers);
    expect(choice.backend).toBe('cpu');
    expect(choice.reason).toBe('CPU: no Vulkan loader (libvulkan.so.1), so no GPU adapter. (2 threads)');
    expect(requests).toEqual([]);
  });

  test('webgpu by name still asks, takes a compatibility adapter, and names the loader when there is none', async () => {
    const withCompat = gpuWithoutVulkan(llvmpipe);
    expect((await chooseBackend('webgpu', withCompat.gpu, makers)).backend).toBe('webgpu');
    expect(withCompat.requests).toEqual(['core', 'compatibility']);

    const without = gpuWithoutVulkan(null);
    await expect(chooseBackend('webgpu', without.gpu, makers)).rejects.toThrow(
      /WebGPU backend requested, but there is no Vulkan loader \(libvulkan\.so\.1\), so no GPU adapter, and no compatibility adapter was found either/,
    );
    expect(without.requests).toEqual(['core', 'compatibility']);
  });
});
