/**
 * The CTR trainer's per-distinct-slot kernels (workers/ctr/ctr-kernels.ts) against the dense
 * computations they replace, done here in float64 from the concatenated inputs: FM's per-row field
 * sums and per-slot gradient sums, and DeepFM's first layer (forward, weight and embedding
 * gradients), with repeated slots, values other than 1, a field-dependent weight block and widths
 * that are not multiples of the kernels' 16 lanes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CtrBatchKernels, ctrKernelsWasm } from '../../workers/ctr/ctr-kernels';
import { createRng } from '../../workers/gbdt/rng';
import { repoRoot, tempDir } from '../helpers/paths';
import { runProcess } from '../helpers/process';

interface Case {
  rows: number;
  F: number;
  K: number;
  H: number;
  levels: number;
}

function denseReference(c: Case, slotOf: Int32Array, vals: Float32Array, E: Float32Array, W: Float32Array, bias: Float32Array, dZ: Float64Array) {
  const { rows, F, K, H } = c;
  const z = new Float64Array(rows * H);
  const dW = new Float64Array(F * K * H);
  const dE = new Float64Array(E.length);
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < H; j++) z[b * H + j] = bias[j] as number;
    for (let f = 0; f < F; f++) {
      const s = slotOf[b * F + f] as number;
      const v = vals[b * F + f] as number;
      for (let k = 0; k < K; k++) {
        const x = (E[s * K + k] as number) * v;
        const row = (f * K + k) * H;
        let dx = 0;
        for (let j = 0; j < H; j++) {
          z[b * H + j] = (z[b * H + j] as number) + x * (W[row + j] as number);
          dW[row + j] = (dW[row + j] as number) + x * (dZ[b * H + j] as number);
          dx += (dZ[b * H + j] as number) * (W[row + j] as number);
        }
        dE[s * K + k] = (dE[s * K + k] as number) + v * dx;
      }
    }
  }
  return { z, dW, dE };
}

function check(c: Case, seed: number, layer = new CtrBatchKernels(c.F, c.K, c.H)): void {
  const { rows, F, K, H, levels } = c;
  const rng = createRng(seed);
  // Global slots: field f owns [f*levels, (f+1)*levels); a skewed draw repeats levels often.
  const slotOf = new Int32Array(rows * F);
  const vals = new Float32Array(rows * F);
  for (let i = 0; i < rows * F; i++) {
    const f = i % F;
    slotOf[i] = f * levels + Math.floor(rng() ** 3 * levels);
    vals[i] = f % 3 === 0 ? Math.fround(rng() * 4 - 2) : 1;
  }
  const E = Float32Array.from({ length: F * levels * K }, () => rng() - 0.5);
  const W = Float32Array.from({ length: F * K * H }, () => rng() - 0.5);
  const bias = Float32Array.from({ length: H }, () => rng() - 0.5);
  const dZ32 = Float32Array.from({ length: rows * H }, () => rng() - 0.5);
  const ref = denseReference(c, slotOf, vals, E, W, bias, Float64Array.from(dZ32));

  // Distinct slots in first-seen order, as the trainer collects them.
  const index = new Map<number, number>();
  const distinct: number[] = [];
  for (const s of slotOf) {
    if (index.has(s)) continue;
    index.set(s, index.size);
    distinct.push(s);
  }
  const U = distinct.length;
  expect(U).toBeLessThan(rows * F);
  const uid = Int32Array.from(slotOf, (s) => index.get(s) as number);
  layer.load(rows, U, uid, vals, Int32Array.from(distinct, (s) => Math.floor(s / levels)));
  const eu = layer.embeddings(U);
  distinct.forEach((s, u) => eu.set(E.subarray(s * K, s * K + K), u * layer.Kp));
  // FM: per-row sums of v e, then per-slot sums of (cell weight) x (row sums).
  const sums = layer.fieldSums(rows);
  const cell = Float32Array.from({ length: rows * F }, () => rng() - 0.5);
  const wantSums = new Float64Array(rows * K);
  for (let i = 0; i < rows * F; i++) {
    const b = Math.floor(i / F);
    for (let k = 0; k < K; k++) wantSums[b * K + k] = (wantSums[b * K + k] as number) + (vals[i] as number) * (E[(slotOf[i] as number) * K + k] as number);
  }
  for (let b = 0; b < rows; b++) {
    for (let k = 0; k < layer.Kp; k++) {
      const got = sums[b * layer.Kp + k] as number;
      if (k >= K) expect(got).toBe(0);
      else expect(Math.abs(got - (wantSums[b * K + k] as number))).toBeLessThan(1e-5 * (1 + Math.abs(wantSums[b * K + k] as number)));
    }
  }
  layer.cellWeights(rows).set(cell);
  const perSlot = layer.embeddingGradient(rows, U);
  const wantPerSlot = new Float64Array(U * K);
  for (let i = 0; i < rows * F; i++) {
    const u = uid[i] as number;
    const b = Math.floor(i / F);
    for (let k = 0; k < K; k++) wantPerSlot[u * K + k] = (wantPerSlot[u * K + k] as number) + (cell[i] as number) * (sums[b * layer.Kp + k] as number);
  }
  for (let u = 0; u < U; u++) {
    for (let k = 0; k < K; k++) {
      const want = wantPerSlot[u * K + k] as number;
      expect(Math.abs((perSlot[u * layer.Kp + k] as number) - want)).toBeLessThan(1e-4 * (1 + Math.abs(want)));
    }
  }
  if (H === 0) return;

  layer.setWeights(W, bias);
  const z = layer.forward(rows, U);
  const Hp = layer.Hp;
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < Hp; j++) {
      const got = z[b * Hp + j] as number;
      if (j >= H) expect(got).toBe(0);
      else expect(Math.abs(got - (ref.z[b * H + j] as number))).toBeLessThan(1e-4 * (1 + Math.abs(ref.z[b * H + j] as number)));
    }
  }
  const dz = layer.outputGradient(rows);
  dz.fill(0);
  for (let b = 0; b < rows; b++) dz.set(dZ32.subarray(b * H, b * H + H), b * Hp);
  const dW = new Float32Array(F * K * H);
  const dEu = layer.backward(rows, U, dW);
  for (let i = 0; i < dW.length; i++) expect(Math.abs((dW[i] as number) - (ref.dW[i] as number))).toBeLessThan(1e-3 * (1 + Math.abs(ref.dW[i] as number)));
  distinct.forEach((s, u) => {
    for (let k = 0; k < K; k++) {
      const want = ref.dE[s * K + k] as number;
      expect(Math.abs((dEu[u * K + k] as number) - want)).toBeLessThan(1e-3 * (1 + Math.abs(want)));
    }
  });
}

describe('the CTR batch kernels', () => {
  it('equals the dense layer: forward, weight and embedding gradients (H a multiple of 16)', () => {
    check({ rows: 300, F: 7, K: 8, H: 32, levels: 40 }, 1);
  });

  it("gives FM's sums without a first layer (H = 0)", () => {
    check({ rows: 200, F: 6, K: 16, H: 0, levels: 30 }, 8);
  });

  it('equals the dense layer with widths off the 16-lane grid and one output', () => {
    check({ rows: 129, F: 5, K: 3, H: 5, levels: 9 }, 2);
    check({ rows: 64, F: 3, K: 1, H: 1, levels: 4 }, 3);
    check({ rows: 50, F: 4, K: 5, H: 17, levels: 200 }, 4);
  });

  it('grows its memory for a bigger batch and keeps the right answers after', () => {
    const layer = new CtrBatchKernels(13, 16, 64);
    check({ rows: 20, F: 13, K: 16, H: 64, levels: 30 }, 5, layer);
    check({ rows: 1500, F: 13, K: 16, H: 64, levels: 3000 }, 6, layer);
    check({ rows: 40, F: 13, K: 16, H: 64, levels: 10 }, 7, layer);
    // K off the 16-lane grid: after growth the padding of the distinct embeddings reads 0 again.
    const narrow = new CtrBatchKernels(3, 3, 5);
    check({ rows: 1000, F: 3, K: 3, H: 5, levels: 20 }, 10, narrow);
    check({ rows: 1000, F: 3, K: 3, H: 5, levels: 1000 }, 11, narrow);
  });

  it('refuses a batch whose kernel memory would pass what a WebAssembly worker holds, naming batch_size', () => {
    const kernels = new CtrBatchKernels(39, 16, 64);
    const none = new Int32Array(0);
    expect(() => kernels.load(1_000_000, 30_000_000, none, new Float32Array(0), none)).toThrow(/^A batch of 1,000,000 rows needs \d+\.\d GiB of kernel memory .* Choose a smaller batch_size\.$/);
    // Nothing was grown: a normal batch still works afterwards.
    check({ rows: 100, F: 39, K: 16, H: 64, levels: 20 }, 9, kernels);
  });

  it('is ctr-kernels.wat compiled', async (ctx) => {
    const probe = await runProcess('wat2wasm', ['--version']).catch(() => null);
    if (!probe || probe.code !== 0) ctx.skip('wat2wasm (wabt) is not installed');
    const out = path.join(tempDir('ctr-kernels-wat'), 'layer.wasm');
    const result = await runProcess('wat2wasm', [path.join(repoRoot, 'workers/ctr/ctr-kernels.wat'), '-o', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(Buffer.from(ctrKernelsWasm()).equals(fs.readFileSync(out))).toBe(true);
  });
});
