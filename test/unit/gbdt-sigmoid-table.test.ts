/**
 * The sigmoid-table gradient of binary:logistic (sigmoid-table.ts), the spec the WebGPU trainer
 * reproduces bit for bit: the table, its accuracy against the exact sigmoid, monotonicity, and the
 * gradient pairs of every CPU path (single thread, helper threads' source) following the spec's
 * float32 steps exactly.
 */
import { describe, expect, it } from 'vitest';
import { computeGradients } from '../../workers/gbdt/objectives';
import { createRng } from '../../workers/gbdt/rng';
import { buildSigmoidTable, logisticGradientRange, sigmoidTable, tableSigmoid } from '../../workers/gbdt/sigmoid-table';

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));

/** The spec's per-row steps written out one float32 op at a time (a second, plain reading of it). */
function specPair(m: number, y: number, spw: number, T: Uint32Array): [number, number] {
  const f = Math.fround;
  const mc = m >= -16 ? (m <= 16 - 2 ** -7 ? m : 16 - 2 ** -7) : -16;
  const x = f(f(mc + 16) * 128);
  const i = Math.floor(x);
  const q = Math.floor(f(f(x - i) * 65536));
  const pq = (T[i] as number) + ((((T[i + 1] as number) - (T[i] as number)) * q) >>> 16);
  const p = f(f(pq) * 2 ** -24);
  let g = f(p - y);
  let h = f(p * f(1 - p));
  h = f(f(Math.floor(f(h * 2 ** 32))) * 2 ** -32);
  h = Math.max(h, f(1e-16));
  const w = y > 0.5 ? f(spw) : 1;
  g = f(g * w);
  h = f(h * w);
  return [g, h];
}

describe('the sigmoid table', () => {
  it('is T[k] = round(2^24 sigmoid(k / 128 - 16)), 4097 entries, steps of at most 2^15', () => {
    const T = buildSigmoidTable();
    expect(T.length).toBe(4097);
    expect([T[0], T[2048], T[4096]]).toEqual([2, 2 ** 23, 2 ** 24 - 2]);
    for (let k = 0; k <= 4096; k += 97) expect(T[k]).toBe(Math.round(2 ** 24 * sigmoid(k / 128 - 16)));
    let steepest = 0;
    for (let k = 0; k < 4096; k++) steepest = Math.max(steepest, (T[k + 1] as number) - (T[k] as number));
    expect(steepest).toBeLessThanOrEqual(2 ** 15);
    expect(sigmoidTable()).toEqual(T);
  });

  it('is within 2e-6 of the exact sigmoid on a dense grid and random float32 margins, and monotone', () => {
    const T = sigmoidTable();
    let worst = 0;
    let previous = -1;
    let falls = 0;
    // Every 2^-12 from -20 to 20 (a float32 grid), in order: monotone.
    for (let m = -20; m <= 20; m += 2 ** -12) {
      const p = tableSigmoid(m, T);
      worst = Math.max(worst, Math.abs(p - sigmoid(Math.fround(m))));
      if (p < previous) falls++;
      previous = p;
    }
    const rng = createRng(5);
    for (let k = 0; k < 200_000; k++) {
      const m = Math.fround((rng() - 0.5) * (k % 10 === 0 ? 1000 : 40));
      worst = Math.max(worst, Math.abs(tableSigmoid(m, T) - sigmoid(m)));
    }
    for (const m of [0, -0, 1e-30, -1e-30, 16, -16, 15.99, -15.99, 3.4e38, -3.4e38, Infinity, -Infinity]) worst = Math.max(worst, Math.abs(tableSigmoid(m, T) - sigmoid(m)));
    expect(falls).toBe(0);
    expect(worst).toBeLessThanOrEqual(2e-6);
  });

  it('gives gradient pairs that follow the spec bit for bit (scale_pos_weight, extremes), on the trainer path too', () => {
    const T = sigmoidTable();
    const rng = createRng(7);
    const n = 50_001;
    const margins = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? (rng() - 0.5) * 100 : (rng() - 0.5) * 12));
    margins.set([0, -0, 16, -16, 15.9921875, -15.9921875, 15.99609375, 1e-30, -1e-30, 3.4e38, -3.4e38, Infinity, -Infinity, 2 ** -20, -(2 ** -20)], 0);
    const labels = Float32Array.from({ length: n }, () => (rng() < 0.3 ? 1 : 0));
    for (const spw of [1, 3, 0.37]) {
      const gh = new Float32Array(2 * n);
      logisticGradientRange(margins, labels, T, spw, gh, 0, n);
      const viaTrainer = new Float32Array(2 * n);
      computeGradients('binary:logistic', margins, labels, 1, 0, spw, viaTrainer);
      const differ: number[] = [];
      for (let i = 0; i < n; i++) {
        const [g, h] = specPair(margins[i] as number, labels[i] as number, spw, T);
        if (!Object.is(gh[2 * i], g) || !Object.is(gh[2 * i + 1], h)) differ.push(i);
      }
      expect(differ).toEqual([]);
      expect(viaTrainer).toEqual(gh);
    }
  });

  it('gives pairs on grids (g: 2^-24, h: 2^-32) whose float64 sums are exact, so any summation order gives the same sums', () => {
    const T = sigmoidTable();
    const rng = createRng(9);
    const n = 100_000;
    const margins = Float32Array.from({ length: n }, () => (rng() - 0.5) * 30);
    const labels = Float32Array.from({ length: n }, () => (rng() < 0.4 ? 1 : 0));
    const gh = new Float32Array(2 * n);
    logisticGradientRange(margins, labels, T, 1, gh, 0, n);
    let offGrid = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isInteger((gh[2 * i] as number) * 2 ** 24) || !Number.isInteger((gh[2 * i + 1] as number) * 2 ** 32)) offGrid++;
    }
    expect(offGrid).toBe(0);
    const sum = (order: number[]): [number, number] => {
      let G = 0;
      let H = 0;
      for (const i of order) {
        G += gh[2 * i] as number;
        H += gh[2 * i + 1] as number;
      }
      return [G, H];
    };
    const forwards = Array.from({ length: n }, (_, i) => i);
    const shuffled = [...forwards];
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j] as number, shuffled[i] as number];
    }
    expect(sum(shuffled)).toEqual(sum(forwards));
    expect(sum([...forwards].reverse())).toEqual(sum(forwards));
  });

  it('runs in a helper thread from its source text alone', () => {
    const run = new Function(`const build = (${buildSigmoidTable.toString()}); const grad = (${logisticGradientRange.toString()}); return { build, grad };`) as () => { build: typeof buildSigmoidTable; grad: typeof logisticGradientRange };
    const { build, grad } = run();
    const margins = Float32Array.from([-3, 0.5, 2, 40]);
    const labels = Float32Array.from([0, 1, 1, 0]);
    const a = new Float32Array(8);
    const b = new Float32Array(8);
    grad(margins, labels, build(), 2, a, 0, 4);
    logisticGradientRange(margins, labels, sigmoidTable(), 2, b, 0, 4);
    expect(a).toEqual(b);
  });
});

describe('histogram.wat gradientsTable', () => {
  it('gives logisticGradientRange bits (SIMD quads and the odd rows), and with start the rows reset and their float64 sums', async () => {
    const { histogramWasmModule } = await import('../../workers/gbdt/wasm-histogram');
    const { sumGradientRange } = await import('../../workers/gbdt/row-ops');
    const n = 30_003;
    const instance = new WebAssembly.Instance(histogramWasmModule(), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const marginsAt = 0;
    const labelsAt = n * 4 + 4;
    const ghAt = Math.ceil((labelsAt + n * 4) / 16) * 16;
    const rowsAt = ghAt + n * 8;
    const tableAt = rowsAt + n * 4 + 4;
    const sumsAt = Math.ceil((tableAt + 4097 * 4) / 16) * 16;
    memory.grow(Math.ceil((sumsAt + 16) / 65536));
    new Uint32Array(memory.buffer, tableAt, 4097).set(sigmoidTable());
    const margins = new Float32Array(memory.buffer, marginsAt, n);
    const labels = new Float32Array(memory.buffer, labelsAt, n);
    const rng = createRng(13);
    for (let i = 0; i < n; i++) {
      margins[i] = i % 5 === 0 ? (rng() - 0.5) * 100 : (rng() - 0.5) * 12;
      labels[i] = rng() < 0.3 ? 1 : 0;
    }
    margins.set([0, -0, 16, -16, 15.9921875, -15.9921875, 15.99609375, 1e-30, -1e-30, 3.4e38, -3.4e38, Infinity, -Infinity, Number.NaN], 0);
    const run = instance.exports.gradientsTable as (...args: number[]) => void;
    for (const spw of [1, 3, 0.37]) {
      const expected = new Float32Array(2 * n);
      logisticGradientRange(margins, labels, sigmoidTable(), spw, expected, 5, n - 2);
      new Uint32Array(memory.buffer, rowsAt, n).fill(0);
      run(marginsAt, labelsAt, tableAt, ghAt, 5, n - 2, Math.fround(spw), 1, rowsAt, sumsAt);
      const gh = new Float32Array(memory.buffer, ghAt, 2 * n);
      const differ: number[] = [];
      for (let i = 10; i < 2 * (n - 2); i++) if (!Object.is(gh[i], expected[i])) differ.push(i);
      expect(differ).toEqual([]);
      const rows = new Uint32Array(memory.buffer, rowsAt, n);
      expect(rows.subarray(5, n - 2).every((r, k) => r === k + 5)).toBe(true);
      const sums = new Float64Array(2);
      sumGradientRange(rows, expected, 5, n - 2, sums, 0);
      expect(Array.from(new Float64Array(memory.buffer, sumsAt, 2))).toEqual(Array.from(sums));
    }
  });
});
