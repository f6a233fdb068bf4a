/**
 * DeepFM's MLP backend choice (issue 13), on recorded adapters in Node: 'auto' takes tfjs WebGPU
 * only on a hardware adapter (software renderers are refused by name, as for GBDT's histograms,
 * and never asked for a device), WASM otherwise, and the reason says which and why; 'webgpu'
 * without any adapter is a plain-words error; 'cpu' stays on WASM. The Chromium side (SwiftShader,
 * and WebGPU against WASM on the same pass) is test/e2e/webgpu-mlp.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadTf } from '../../workers/ctr/mlp-tf';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { generateCtr, writeCtr } from '../../scripts/gen-ctr';
import { failure } from '../helpers/engine';
import type { GpuAdapterInfoLike, GpuAdapterLike, GpuLike } from '../../workers/compute/webgpu-types';

/** Adapter info as Chromium and Dawn report it (same records as webgpu-backend.test.ts). */
const ADAPTERS: Record<string, GpuAdapterInfoLike> = {
  swiftshader: { vendor: 'google', architecture: 'swiftshader', device: '', description: '', isFallbackAdapter: true },
  llvmpipeGl: { vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6', isFallbackAdapter: false },
  h200: { vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200', description: 'NVIDIA H200', isFallbackAdapter: false },
};

/** A recorded adapter: the choice reads its info; asking it for a device is counted and fails (no GPU here). */
function recordedGpu(info: GpuAdapterInfoLike, deviceRequests: string[]): GpuLike {
  const adapter: GpuAdapterLike = {
    info,
    limits: { maxStorageBufferBindingSize: 134217728, maxBufferSize: 268435456, maxComputeWorkgroupsPerDimension: 65535 },
    requestDevice: () => {
      deviceRequests.push(info.device ?? '');
      return Promise.reject(new Error('recorded adapters have no device'));
    },
  };
  return { requestAdapter: () => Promise.resolve(adapter) };
}

describe('DeepFM MLP backend choice', () => {
  test('Node without a GPU: WASM with SIMD, and the reason says WebGPU was not available', async () => {
    const backend = await loadTf('auto', undefined);
    expect(backend.name).toBe('wasm');
    expect(backend.reason).toMatch(/^tfjs WASM backend for the MLP \(SIMD, one thread\); WebGPU not used: WebGPU is not available in this runtime/);
  });

  test.each([
    ['swiftshader', /software fallback/],
    ['llvmpipeGl', /llvmpipe, a software renderer/],
  ])('auto refuses %s without asking it for a device, and says why', async (name, why) => {
    const requests: string[] = [];
    const backend = await loadTf('auto', recordedGpu(ADAPTERS[name] as GpuAdapterInfoLike, requests));
    expect(backend.name).toBe('wasm');
    expect(backend.reason).toMatch(/WebGPU not used: the only WebGPU adapter is /);
    expect(backend.reason).toMatch(why);
    expect(requests).toEqual([]);
  });

  test('auto tries tfjs WebGPU on a hardware adapter, and falls back to WASM in plain words when its device fails', async () => {
    const requests: string[] = [];
    const backend = await loadTf('auto', recordedGpu(ADAPTERS.h200 as GpuAdapterInfoLike, requests));
    expect(requests).toEqual(['nvidia-h200']);
    expect(backend.name).toBe('wasm');
    expect(backend.reason).toMatch(/WebGPU not used: the WebGPU device could not be set up on nvidia hopper nvidia-h200 NVIDIA H200 \(recorded adapters have no device\)/);
  });

  test('webgpu by name without a GPU is a plain-words error; cpu stays on WASM and says it was asked for', async () => {
    await expect(loadTf('webgpu', undefined)).rejects.toThrow(/WebGPU backend requested, but WebGPU is not available in this runtime \(no navigator\.gpu\)\. Choose the CPU or auto backend\./);
    const cpu = await loadTf('cpu', recordedGpu(ADAPTERS.h200 as GpuAdapterInfoLike, []));
    expect(cpu.name).toBe('wasm');
    expect(cpu.reason).toMatch(/WebGPU not used: the cpu backend was asked for/);
  });
});

describe('the backend parameter reaches DeepFM training through the model job', () => {
  test('a DeepFM records WASM and why; backend webgpu in Node is refused in plain words', { timeout: 30_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-ctr-backend-'));
    const engine = await createInProcessEngine();
    try {
      await writeCtr(generateCtr({ rows: 1500, seed: 4, numeric: 1, categorical: 3, maxLevels: 20 }), dir, false);
      await engine.client.run('data.open', { source: { kind: 'path', path: path.join(dir, 'ctr.csv') } });
      const base = { source: { table: 'ctr' }, target: 'label', kind: 'deepfm' as const, params: { k: 4, hidden: '8', epochs: 1, batch_size: 512 } };
      const auto = await engine.client.run('model.train', base);
      expect(auto.model.backend?.name).toBe('cpu');
      expect(auto.model.backend?.reason).toMatch(/^tfjs WASM backend for the MLP \(SIMD, one thread\); WebGPU not used: WebGPU is not available in this runtime/);
      const refused = await failure(engine.client.run('model.train', { ...base, backend: 'webgpu' }));
      expect(refused.code).toBe('BAD_INPUT');
      expect(refused.message).toMatch(/^WebGPU backend requested, but WebGPU is not available in this runtime \(no navigator\.gpu\)\. Choose the CPU or auto backend\.$/);
    } finally {
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
