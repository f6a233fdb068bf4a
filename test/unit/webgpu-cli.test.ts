/**
 * `--backend webgpu|wasm|auto` on `assay train` and `assay cluster` (issue 16): the CLI's engine
 * thread gets WebGPU from Dawn for Node (npm `webgpu`). Here the only adapter is Mesa's llvmpipe
 * (Dawn's OpenGL compatibility backend): `auto` does not start it (it asks for full adapters only,
 * and refuses software ones: webgpu-backend.test.ts) and says why, `webgpu` must use it.
 * Where Dawn finds no adapter at all, `webgpu` must fail with one plain message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir, writeFixture } from '../helpers/paths';
import { runProcess } from '../helpers/process';
import { createRng } from '../../workers/gbdt/rng';
import { knownFullAdapterAbsence, nodeWebGpu } from '../../workers/node/webgpu-node';

const dir = tempDir('assay-webgpu-cli-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const random = createRng(7);
const lines = ['a,b,c,y'];
for (let i = 0; i < 1500; i++) {
  const a = random() * 4;
  const b = random() * 2 - 1;
  const c = random();
  lines.push(`${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${a + b > 2 ? 1 : 0}`);
}
const csv = writeFixture(dir, 'rows.csv', `${lines.join('\n')}\n`);

// Mesa's EGL must be told there is no display; the engine thread inherits the variable.
const env = { ...process.env, EGL_PLATFORM: 'surfaceless' };
process.env.EGL_PLATFORM ??= 'surfaceless';
const softwareAdapter = await nodeWebGpu().requestAdapter({ featureLevel: 'compatibility' }).catch(() => null);
// Without the Vulkan loader (this machine) Linux has no full adapter; asking Dawn would only print its warning.
const noVulkanLoader = knownFullAdapterAbsence() !== null;
const hardwareAdapter = noVulkanLoader ? null : await nodeWebGpu().requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);

function assay(...args: string[]) {
  return runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { env, timeoutMs: 120_000 });
}

function train(backend: string) {
  return assay('train', csv, '--target', 'y', '--rounds', '3', '--valid-frac', '0', '--param', 'max_depth=3', '--backend', backend, '--out', path.join(dir, `model-${backend}.json`));
}

interface Summary {
  backend: { name: string; reason: string } | null;
}

describe('assay train --backend', () => {
  it('refuses an unknown backend before starting the engine', async () => {
    const result = await train('gpu');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--backend must be auto, webgpu or wasm \(got gpu\)/);
  });

  it('wasm runs the CPU kernels and says so', async () => {
    const result = await train('wasm');
    expect(result.code, result.stderr).toBe(0);
    const { backend } = JSON.parse(result.stdout) as Summary;
    expect(backend?.name).toBe('cpu');
    expect(backend?.reason).toMatch(/^CPU backend requested\./);
  });

  // auto asks only for a full (non-compatibility) adapter: here there is none, and llvmpipe is not even started.
  it.skipIf(hardwareAdapter !== null)('auto falls back to WASM without a hardware adapter and says why', async () => {
    const result = await train('auto');
    expect(result.code, result.stderr).toBe(0);
    const { backend } = JSON.parse(result.stdout) as Summary;
    expect(backend?.name).toBe('cpu');
    expect(backend?.reason).toMatch(/^CPU: (no Vulkan loader \(libvulkan\.so\.1\), so no GPU adapter|no WebGPU adapter was found|requesting a WebGPU adapter failed)/);
    // Before, auto always loaded Dawn, which printed "Couldn't load Vulkan" on every run without the loader.
    if (noVulkanLoader) {
      expect(backend?.reason).toMatch(/^CPU: no Vulkan loader \(libvulkan\.so\.1\), so no GPU adapter\./);
      expect(result.stderr).not.toMatch(/Vulkan|BackendVk|dawn/i);
    }
  });

  it.skipIf(!noVulkanLoader)('cluster with auto and no Vulkan loader does not load Dawn: nothing from it on stderr', async () => {
    const result = await assay('cluster', csv, '--features', 'a,b,c', '--k', '2', '--out', path.join(dir, 'segments.csv'));
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ backend: 'cpu' });
    expect(result.stderr).not.toMatch(/Vulkan|BackendVk|dawn/i);
  });

  it('webgpu uses the software adapter when asked by name, or fails with one plain message without one', async () => {
    const result = await train('webgpu');
    if (softwareAdapter || hardwareAdapter) {
      expect(result.code, result.stderr).toBe(0);
      const { backend } = JSON.parse(result.stdout) as Summary;
      expect(backend?.name).toBe('webgpu');
      if (!hardwareAdapter) expect(backend?.reason).toMatch(/WebGPU requested \(Mesa's llvmpipe, a software renderer\)/);
    } else {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/WebGPU backend requested, but/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
