/**
 * `assay predict --backend auto|cpu|wasm|webgpu` (issue 16): with `webgpu` the CLI's engine thread
 * scores tree models on Dawn for Node (npm `webgpu`); here the only adapter is Mesa's llvmpipe,
 * which `webgpu` takes by name. The output file must equal the CPU's byte for byte (binary and
 * multi-class models). Where Dawn finds no adapter, `webgpu` must fail with one plain message.
 * A bad value, and `webgpu` for an lr model, are refused in plain words.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../workers/gbdt/rng';
import { knownFullAdapterAbsence, nodeWebGpu } from '../../workers/node/webgpu-node';
import { repoRoot, tempDir, writeFixture } from '../helpers/paths';
import { runProcess } from '../helpers/process';

const dir = tempDir('assay-predict-backend-cli-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const random = createRng(11);
const lines = ['a,b,c,y,kind'];
for (let i = 0; i < 2000; i++) {
  const a = random() * 4;
  const b = random() * 2 - 1;
  // Missing values and a coarse column (rows exactly on thresholds).
  const c = i % 13 === 0 ? '' : (Math.round(random() * 8) / 8).toFixed(3);
  const z = a + b + (random() - 0.5);
  lines.push(`${a.toFixed(4)},${b.toFixed(4)},${c},${z > 2 ? 1 : 0},${z < 1.2 ? 'low' : z < 2.8 ? 'mid' : 'high'}`);
}
const csv = writeFixture(dir, 'rows.csv', `${lines.join('\n')}\n`);

// Mesa's EGL must be told there is no display; the engine thread inherits the variable.
const env = { ...process.env, EGL_PLATFORM: 'surfaceless' };
process.env.EGL_PLATFORM ??= 'surfaceless';
const softwareAdapter = await nodeWebGpu().requestAdapter({ featureLevel: 'compatibility' }).catch(() => null);

// Without the Vulkan loader Dawn's only adapter is the OpenGL one, which a bogus EGL platform takes away.
const noVulkanLoader = knownFullAdapterAbsence() !== null;

function assay(...args: string[]) {
  return runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { env, timeoutMs: 120_000 });
}

async function train(target: string, kind = 'gbdt'): Promise<string> {
  const model = path.join(dir, `${target}-${kind}.json`);
  // lr: one epoch (--rounds sets epochs), no validation rows, so no early stopping.
  const result = await assay('train', csv, '--target', target, '--features', 'a,b,c', '--model', kind, '--rounds', kind === 'gbdt' ? '15' : '1', '--valid-frac', '0', '--early-stopping', '0', '--backend', 'wasm', '--out', model);
  expect(result.code, result.stderr).toBe(0);
  return model;
}

function predict(model: string, backend: string, out: string) {
  return assay('predict', model, csv, '--backend', backend, '--out', path.join(dir, out));
}

describe('assay predict --backend', { timeout: 240_000 }, () => {
  it('refuses an unknown backend before starting the engine, and --help says what webgpu means', async () => {
    const bad = await assay('predict', path.join(dir, 'nope.json'), csv, '--backend', 'gpu', '--out', path.join(dir, 'x.csv'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--backend must be auto, webgpu or wasm \(got gpu\)/);
    const help = await assay('predict', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--backend B/);
    expect(help.stdout).toMatch(/webgpu is the GPU by name/);
    expect(help.stdout).toMatch(/auto stays on the CPU until measured to pay/);
  });

  for (const target of ['y', 'kind']) {
    it(`webgpu writes the same file as cpu for a ${target === 'y' ? 'binary' : 'multi-class'} model${softwareAdapter ? '' : ' (no adapter here: the plain refusal instead)'}`, async () => {
      const model = await train(target);
      const cpu = await predict(model, 'cpu', `${target}-cpu.csv`);
      expect(cpu.code, cpu.stderr).toBe(0);
      expect(cpu.stderr).not.toMatch(/WebGPU/);
      const gpu = await predict(model, 'webgpu', `${target}-gpu.csv`);
      if (!softwareAdapter) {
        expect(gpu.code).not.toBe(0);
        expect(gpu.stderr).toMatch(/WebGPU prediction requested, but/);
        expect(gpu.stderr).not.toMatch(/\n\s+at /);
        return;
      }
      expect(gpu.code, gpu.stderr).toBe(0);
      expect(gpu.stderr).toMatch(/wrote 2,000 predictions to .* \(scored on WebGPU\)/);
      const cpuText = fs.readFileSync(path.join(dir, `${target}-cpu.csv`), 'utf8');
      const gpuText = fs.readFileSync(path.join(dir, `${target}-gpu.csv`), 'utf8');
      expect(cpuText.split('\n')[0]).toBe(target === 'y' ? 'a,b,c,y,kind,prediction' : 'a,b,c,y,kind,prediction,prob_high,prob_low,prob_mid');
      expect(cpuText.split('\n').length).toBeGreaterThan(2000);
      expect(gpuText).toBe(cpuText);
      // auto scores on the CPU and says nothing new.
      const auto = await predict(model, 'auto', `${target}-auto.csv`);
      expect(auto.code, auto.stderr).toBe(0);
      expect(auto.stderr).not.toMatch(/WebGPU/);
      expect(fs.readFileSync(path.join(dir, `${target}-auto.csv`), 'utf8')).toBe(cpuText);
    });
  }

  // The test that the CLI hands webgpu to the engine: with no adapter at all it must fail, not score on the CPU.
  it('webgpu without any adapter fails in plain words and writes nothing; cpu still scores', async (ctx) => {
    if (!noVulkanLoader) ctx.skip('this machine has a Vulkan loader, so Dawn would still find a Vulkan adapter: "no adapter at all" cannot be arranged here');
    const model = await train('y');
    const args = ['predict', model, csv, '--backend', 'webgpu', '--out', path.join(dir, 'none.csv')];
    const none = await runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { env: { ...env, EGL_PLATFORM: 'no-such-platform' }, timeoutMs: 120_000 });
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n').pop()).toBe('error: WebGPU prediction requested, but no WebGPU adapter was found (no usable GPU or driver). Choose the CPU backend.');
    // Dawn's own warnings name C++ files; no JavaScript stack.
    expect(none.stderr).not.toMatch(/\n\s+at .*\.(ts|js|mjs)\b/);
    expect(fs.existsSync(path.join(dir, 'none.csv'))).toBe(false);
    const cpu = await assay('predict', model, csv, '--backend', 'cpu', '--out', path.join(dir, 'none.csv'));
    expect(cpu.code, cpu.stderr).toBe(0);
  });

  it('an lr model refuses webgpu in plain words and scores with cpu', async () => {
    const model = await train('y', 'lr');
    const gpu = await predict(model, 'webgpu', 'lr-gpu.csv');
    expect(gpu.code).not.toBe(0);
    expect(gpu.stderr).toMatch(/WebGPU scoring is for boosted-tree \(gbdt\) models; lr models score on the CPU/);
    expect(gpu.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dir, 'lr-gpu.csv'))).toBe(false);
    const cpu = await predict(model, 'wasm', 'lr-cpu.csv');
    expect(cpu.code, cpu.stderr).toBe(0);
  });
});
