/**
 * The fast paths of GBDT training against their references: the radix sort against the typed
 * array sort, the fixed-step bin search against binOf, the inlined split search against the
 * general one, leaf-range margin updates against prediction, and the multi-threaded histogram
 * kernel (worker_threads) against the single-thread one: the same trees for 1, 2 and 3 threads.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MISSING_BIN, binColumns, binOf, computeCuts, sortFloat32 } from '../../workers/gbdt/binning';
import { HIST_BLOCK_ROWS, HIST_STRIDE, cpuHistogramKernel, type HistogramKernel } from '../../workers/gbdt/histogram';
import { logloss } from '../../workers/gbdt/metrics';
import { resolveParams } from '../../workers/gbdt/params';
import { predict } from '../../workers/gbdt/predict';
import { createRng } from '../../workers/gbdt/rng';
import { calcGain, findBestSplit, type SplitParams } from '../../workers/gbdt/split';
import { trainGbdt, type FeatureData } from '../../workers/gbdt/train';
import { createWasmHistogramKernel } from '../../workers/gbdt/wasm-histogram';
import { createNodeHistogramKernel } from '../../workers/node/histogram-threads';

function specials(rng: () => number, n: number): Float32Array {
  const pool = [0, -0, 1, -1, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -1e-45, 0.5];
  return Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? (pool[Math.floor(rng() * pool.length)] as number) : (rng() - 0.5) * 10 ** Math.floor(rng() * 12 - 6)));
}

describe('sortFloat32', () => {
  it('orders like Float32Array.prototype.sort, signed zeros, infinities and duplicates included', () => {
    const rng = createRng(3);
    for (const n of [10, 2047, 5000, 70_000]) {
      const values = specials(rng, n);
      const expected = values.slice().sort();
      sortFloat32(values);
      expect(values.every((v, i) => Object.is(v, expected[i]))).toBe(true);
    }
  });
});

describe('binColumns', () => {
  it('puts every value in the bin binOf gives, in both layouts', () => {
    const rng = createRng(5);
    const n = 4000;
    const columns = [specials(rng, n), Float32Array.from({ length: n }, () => (rng() < 0.2 ? Number.NaN : Math.floor(rng() * 4))), Float32Array.from({ length: n }, () => rng() * 1000)];
    columns[0]![5] = Number.NaN;
    const data = binColumns(columns, 256, 1);
    for (let f = 0; f < columns.length; f++) {
      const cuts = data.cuts[f]!.cuts;
      for (let i = 0; i < n; i++) {
        const expected = binOf(cuts, columns[f]![i] as number);
        expect(data.columnBins[f]![i]).toBe(expected);
        expect(data.bins[i * columns.length + f]).toBe(expected);
      }
    }
    expect(data.columnBins[0]![5]).toBe(MISSING_BIN);
  });

  it('sketches large columns with evenly filled bins', () => {
    const rng = createRng(9);
    const values = Float32Array.from({ length: 400_000 }, () => rng() ** 3);
    const { cuts } = computeCuts(values, 256, 0);
    expect(cuts.length).toBeGreaterThan(250);
    const counts = new Array<number>(cuts.length).fill(0);
    for (const v of values) counts[binOf(cuts, v)]!++;
    // Equal-frequency bins from a 200k sample: each holds about 1/255 of the rows.
    expect(Math.max(...counts) / values.length).toBeLessThan(2 / 255);
  });
});

/** The split search written plainly (calcGain for every candidate), as the reference. */
function referenceSplit(hist: Float64Array, F: number, binCounts: Int32Array, G: number, H: number, p: SplitParams) {
  const parent = calcGain(p, G, H);
  let best: { gain: number; feature: number; bin: number; defaultLeft: boolean } | null = null;
  const consider = (gain: number, feature: number, bin: number, defaultLeft: boolean, hl: number, hr: number) => {
    if (hl >= p.min_child_weight && hr >= p.min_child_weight && hl > 0 && hr > 0 && gain > (best?.gain ?? 0)) best = { gain, feature, bin, defaultLeft };
  };
  for (let f = 0; f < F; f++) {
    const base = f * HIST_STRIDE;
    const gm = hist[base + 510] as number;
    const hm = hist[base + 511] as number;
    let gl = 0;
    let hl = 0;
    for (let b = 0; b < (binCounts[f] as number) - 1; b++) {
      gl += hist[base + 2 * b] as number;
      hl += hist[base + 2 * b + 1] as number;
      consider(calcGain(p, gl, hl) + calcGain(p, G - gl, H - hl) - parent, f, b, false, hl, H - hl);
      if (hm > 0) consider(calcGain(p, gl + gm, hl + hm) + calcGain(p, G - gl - gm, H - hl - hm) - parent, f, b, true, hl + hm, H - hl - hm);
    }
    if (hm > 0 && H - hm >= p.min_child_weight && hm >= p.min_child_weight && H - hm > 0) {
      const gain = calcGain(p, G - gm, H - hm) + calcGain(p, gm, hm) - parent;
      if (gain > ((best as { gain: number } | null)?.gain ?? 0)) best = { gain, feature: f, bin: (binCounts[f] as number) - 1, defaultLeft: false };
    }
  }
  return best;
}

describe('findBestSplit (alpha = 0, max_delta_step = 0 fast path)', () => {
  it('picks the reference split, empty bins and missing values included', () => {
    const rng = createRng(21);
    const F = 5;
    const binCounts = Int32Array.from([40, 3, 255, 1, 17]);
    for (let trial = 0; trial < 200; trial++) {
      const hist = new Float64Array(F * HIST_STRIDE);
      let G = 0;
      let H = 0;
      for (let f = 0; f < F; f++) {
        for (let b = 0; b < (binCounts[f] as number); b++) {
          if (rng() < 0.3) continue; // empty bins
          hist[f * HIST_STRIDE + 2 * b] = rng() - 0.5 + (b % 5 === trial % 5 ? 2 : 0);
          hist[f * HIST_STRIDE + 2 * b + 1] = rng() * 3;
        }
        if (trial % 3 === 0) {
          hist[f * HIST_STRIDE + 510] = rng() - 0.5;
          hist[f * HIST_STRIDE + 511] = rng() * 5;
        }
      }
      // Every feature sums to the node totals.
      for (let f = 0; f < F; f++) {
        let g = 0;
        let h = 0;
        for (let k = 0; k < 256; k++) {
          g += hist[f * HIST_STRIDE + 2 * k] as number;
          h += hist[f * HIST_STRIDE + 2 * k + 1] as number;
        }
        if (f === 0) [G, H] = [g, h];
        else {
          hist[f * HIST_STRIDE] = (hist[f * HIST_STRIDE] as number) + G - g;
          hist[f * HIST_STRIDE + 1] = (hist[f * HIST_STRIDE + 1] as number) + H - h;
        }
      }
      const p = { lambda: trial % 2, alpha: 0, min_child_weight: trial % 4 === 0 ? 2 : 1, max_delta_step: 0 };
      const features = Int32Array.from({ length: F }, (_, f) => f);
      const got = findBestSplit(hist, features, binCounts, G, H, p);
      const want = referenceSplit(hist, F, binCounts, G, H, p);
      expect(got && { gain: got.gain, feature: got.feature, bin: got.bin, defaultLeft: got.defaultLeft }).toEqual(want);
    }
  });
});

function syntheticData(n: number, F: number, seed: number): FeatureData {
  const rng = createRng(seed);
  const columns = Array.from({ length: F }, (_, f) => Float32Array.from({ length: n }, () => (rng() < 0.05 ? Number.NaN : f % 3 === 0 ? Math.floor(rng() * 4) : rng() * 100)));
  const labels = Float32Array.from({ length: n }, (_, i) => {
    const x0 = columns[0]![i] as number;
    const x1 = columns[1]![i] as number;
    const z = (Number.isNaN(x0) ? 1 : x0) - 1.5 + (Number.isNaN(x1) ? 0 : (x1 - 50) / 25) + (rng() - 0.5) * 2;
    return z > 0 ? 1 : 0;
  });
  return { columns, labels };
}

describe('trainer fast paths', () => {
  const data = syntheticData(3 * HIST_BLOCK_ROWS + 1234, 9, 17);
  const params = resolveParams({ num_boost_round: 4, max_depth: 5, eta: 0.3, eval_metric: 'logloss' });
  const names = Array.from({ length: 9 }, (_, f) => `x${f}`);
  const kernels: HistogramKernel[] = [];
  afterAll(() => {
    for (const k of kernels) k.dispose?.();
  });

  it('updates training margins from leaf ranges exactly as prediction scores the rows', async () => {
    const result = await trainGbdt(data, { params, featureNames: names });
    const scored = logloss(predict(result.model, data.columns, data.labels.length), data.labels);
    expect(result.history[3]?.train.logloss).toBeCloseTo(scored, 9);
  });

  it('grows the same trees on 1, 2 and 3 threads (block sums in a fixed order)', async () => {
    const reference = await trainGbdt(data, { params, featureNames: names, kernel: createWasmHistogramKernel() });
    for (const threads of [2, 3]) {
      const kernel = createNodeHistogramKernel(threads);
      kernels.push(kernel);
      const result = await trainGbdt(data, { params, featureNames: names, kernel });
      expect(JSON.stringify(result.model.trees)).toBe(JSON.stringify(reference.model.trees));
      expect(result.history).toEqual(reference.history);
    }
  });

  it('grows with the WASM kernel exactly the trees of the JS reference kernel, feature subsets included', async () => {
    const small = syntheticData(HIST_BLOCK_ROWS - 7, 9, 23); // one block: the same sums by definition
    for (const colsample of [1, 0.5]) {
      const p = resolveParams({ num_boost_round: 3, max_depth: 4, colsample_bytree: colsample, seed: 5, eval_metric: 'logloss' });
      const reference = await trainGbdt(small, { params: p, featureNames: names, kernel: cpuHistogramKernel });
      const wasm = await trainGbdt(small, { params: p, featureNames: names, kernel: createWasmHistogramKernel() });
      expect(JSON.stringify(wasm.model.trees)).toBe(JSON.stringify(reference.model.trees));
    }
  });

});

describe('histogram.wat buildGathered (rows copied to a scratch 64 at a time)', () => {
  it('adds exactly what buildFeatures adds: dense, scattered and tiny row sets, feature ranges, a feature count not a multiple of 16', async () => {
    const { histogramWasmModule } = await import('../../workers/gbdt/wasm-histogram');
    const rng = createRng(17);
    const n = 20_000;
    const F = 21;
    const instance = new WebAssembly.Instance(histogramWasmModule(), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const binsAt = 0;
    const rowsAt = Math.ceil((n * F + 64) / 16) * 16;
    const ghAt = rowsAt + n * 4;
    const histAt = ghAt + n * 8;
    const hist2At = histAt + F * 4224;
    const scratchAt = hist2At + F * 4224;
    memory.grow(Math.ceil((scratchAt + 64 * (32 + 8)) / 65536));
    const bins = new Uint8Array(memory.buffer, binsAt, n * F);
    for (let i = 0; i < n * F; i++) bins[i] = rng() < 0.05 ? MISSING_BIN : Math.floor(rng() * (i % 3 === 0 ? 4 : 255));
    const gh = new Float32Array(memory.buffer, ghAt, 2 * n);
    for (let i = 0; i < 2 * n; i++) gh[i] = (rng() - 0.3) * 3;
    const rows = new Uint32Array(memory.buffer, rowsAt, n);
    const direct = instance.exports.buildFeatures as (...args: number[]) => number;
    const gathered = instance.exports.buildGathered as (...args: number[]) => number;
    let checked = 0;
    for (const density of [1, 0.5, 0.2, 0.03, 0.001]) {
      let count = 0;
      for (let i = 0; i < n; i++) if (density === 1 || rng() < density) rows[count++] = i;
      for (const [f0, f1] of [[0, F], [4, 13], [20, 21]] as const) {
        for (const [begin, end] of [[0, count], [Math.floor(count / 3), count - 1]] as const) {
          new Float64Array(memory.buffer, histAt, 2 * F * 528).fill(0);
          direct(binsAt, F, rowsAt, begin, end, ghAt, histAt, f0, f1);
          gathered(binsAt, F, rowsAt, begin, end, ghAt, hist2At, f0, f1, scratchAt);
          const a = new Float64Array(memory.buffer, histAt, F * 528);
          const b = new Float64Array(memory.buffer, hist2At, F * 528);
          expect(b.every((v, i) => Object.is(v, a[i]))).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBe(30);
  });
});

describe('histogram.wat bestSplit (bestSplitOfFeatures with alpha = 0, max_delta_step = 0)', () => {
  it('writes the same gain, left sums and code bits: ties, empty bins, missing values, min_child_weight, feature ranges', async () => {
    const { histogramWasmModule } = await import('../../workers/gbdt/wasm-histogram');
    const { bestSplitOfFeatures } = await import('../../workers/gbdt/split');
    const rng = createRng(23);
    const F = 6;
    const stride = 528;
    const instance = new WebAssembly.Instance(histogramWasmModule(), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    const histAt = 0;
    const featuresAt = F * stride * 8;
    const binCountsAt = featuresAt + 64;
    const outAt = binCountsAt + 64;
    memory.grow(Math.ceil((outAt + 64) / 65536));
    const hist = new Float64Array(memory.buffer, histAt, F * stride);
    const features = new Int32Array(memory.buffer, featuresAt, F);
    const binCounts = new Int32Array(memory.buffer, binCountsAt, F);
    binCounts.set([40, 3, 255, 1, 17, 255]);
    features.set([0, 1, 2, 3, 4, 5]);
    const run = instance.exports.bestSplit as (...args: number[]) => void;
    const wasmOut = new Float64Array(memory.buffer, outAt, 4);
    let found = 0;
    for (let trial = 0; trial < 300; trial++) {
      hist.fill(0);
      for (let f = 0; f < F; f++) {
        for (let b = 0; b < (binCounts[f] as number); b++) {
          if (rng() < 0.3) continue; // empty bins
          // Few distinct values make equal gains (ties) common.
          hist[f * stride + 2 * b] = trial % 4 === 1 ? Math.round(rng() * 4 - 2) / 2 : rng() - 0.5;
          hist[f * stride + 2 * b + 1] = trial % 4 === 1 ? 1 : rng() * 3;
        }
        if (trial % 3 !== 2) {
          hist[f * stride + 510] = rng() - 0.5;
          hist[f * stride + 511] = trial % 5 === 0 ? 0 : rng() * 5;
        }
      }
      const G = (rng() - 0.5) * 10;
      const H = 30 + rng() * 200;
      const lambda = trial % 3;
      const mcw = [0, 1, 4][trial % 3] as number;
      const [fi0, fi1] = trial % 7 === 0 ? [2, 5] : [0, F];
      const want = new Float64Array(4);
      bestSplitOfFeatures(hist, 0, stride, features, fi0, fi1, binCounts, G, H, lambda, 0, mcw, 0, want, 0);
      run(histAt, stride * 8, featuresAt, fi0, fi1, binCountsAt, G, H, lambda, mcw, outAt);
      expect(Array.from(wasmOut).every((v, k) => Object.is(v, want[k]))).toBe(true);
      if ((want[3] as number) >= 0) found++;
    }
    expect(found).toBeGreaterThan(200);
  });
});
