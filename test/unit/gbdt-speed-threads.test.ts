/**
 * The row-wise training steps on helper threads (gradients, partitions, leaf values) against the
 * single-thread code: binning against binColumns, the parallel
 * stable partition, leaf updates and histograms against partitionRange/addLeavesRange and the
 * plain WASM kernel, and whole training runs on 1, 2 and 3 threads (subsampling, feature subsets,
 * regression and multi-class included) giving the trees of the plain single-thread trainer.
 */
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { binColumns, computeCuts } from '../../workers/gbdt/binning';
import { HISTOGRAM_WORKER_SOURCE, createParallelHistogramKernel, type HistogramWorkerPort } from '../../workers/gbdt/parallel-histogram';
import { HIST_BLOCK_ROWS, HIST_STRIDE, type HistogramKernel, type LeafTask, type PartitionTask } from '../../workers/gbdt/histogram';
import { computeGradientRange } from '../../workers/gbdt/objectives';
import { resolveParams } from '../../workers/gbdt/params';
import { createRng } from '../../workers/gbdt/rng';
import { addLeavesRange, partitionRange } from '../../workers/gbdt/row-ops';
import { trainGbdt, type FeatureData } from '../../workers/gbdt/train';
import { createWasmHistogramKernel, embeddedHistogramWasm } from '../../workers/gbdt/wasm-histogram';
import { repoRoot, tempDir } from '../helpers/paths';
import { runProcess } from '../helpers/process';
import { createNodeHistogramKernel, spawnNodeHistogramWorker } from '../../workers/node/histogram-threads';

const kernels: HistogramKernel[] = [];
afterAll(() => {
  for (const k of kernels) k.dispose?.();
});
const threaded = (threads: number): HistogramKernel => {
  const kernel = createNodeHistogramKernel(threads);
  kernels.push(kernel);
  return kernel;
};

describe('computeGradientRange', () => {
  it('leaves binary:logistic to the sigmoid table (sigmoid-table.ts) rather than computing another gradient', () => {
    const gh = new Float32Array(4);
    expect(() => computeGradientRange('binary:logistic', new Float32Array(2), new Float32Array(2), 1, 0, 1, gh, 0, 2)).toThrow(/logisticGradientRange/);
  });
});

describe('the embedded histogram kernels', () => {
  it('are histogram.wat compiled: with its own memory, and importing a shared one', async (ctx) => {
    const probe = await runProcess('wat2wasm', ['--version']).catch(() => null);
    if (!probe || probe.code !== 0) ctx.skip('wat2wasm (wabt) is not installed');
    const dir = tempDir('histogram-wat');
    const source = fs.readFileSync(path.join(repoRoot, 'workers/gbdt/histogram.wat'), 'utf8');
    const sharedSource = source.replace('(memory (export "memory") 1)', '(import "env" "memory" (memory 1 65536 shared))');
    expect(sharedSource).not.toBe(source);
    fs.writeFileSync(path.join(dir, 'own.wat'), source);
    fs.writeFileSync(path.join(dir, 'shared.wat'), sharedSource);
    for (const [name, flags] of [['own', []], ['shared', ['--enable-threads']]] as const) {
      const result = await runProcess('wat2wasm', [...flags, path.join(dir, `${name}.wat`), '-o', path.join(dir, `${name}.wasm`)]);
      expect(result.code, result.stderr).toBe(0);
      expect(Buffer.from(embeddedHistogramWasm()[name]).equals(fs.readFileSync(path.join(dir, `${name}.wasm`)))).toBe(true);
    }
  });
});

describe('the helper thread script', () => {
  it('defines every function the threads run, with nothing imported left unresolved', () => {
    // The script's functions come from their source text; evaluated alone, a reference to an
    // import (rewritten by a bundler or test transform) would throw here, as in a thread.
    const defined = vm.runInNewContext(`${HISTOGRAM_WORKER_SOURCE}\n;({ computeCuts, binColumn, sortFloat32 })`, { require: () => ({ parentPort: { on() {} } }) }) as {
      computeCuts: typeof computeCuts;
      binColumn: (col: Float32Array, cuts: Float32Array, out: Uint8Array) => void;
    };
    const rng = createRng(21);
    const values = Float32Array.from({ length: 300_000 }, () => (rng() < 0.02 ? Number.NaN : (rng() - 0.5) * 1e4));
    // Arrays from this realm into the other: compare element by element.
    const theirs = defined.computeCuts(values, 256, 9).cuts;
    const ours = computeCuts(values, 256, 9).cuts;
    expect(Array.from(theirs)).toEqual(Array.from(ours));
    const bins = new Uint8Array(values.length);
    defined.binColumn(values, ours, bins);
    const expected = binColumns([values], 256, 9);
    expect(Buffer.from(bins).equals(Buffer.from(expected.columnBins[0]!))).toBe(true);
  });
});

describe('binning on the training threads', () => {
  const n = 260_000; // above the sketch sample: the sampled cut path
  const rng = createRng(8);
  const columns = [
    Float32Array.from({ length: n }, () => (rng() < 0.05 ? Number.NaN : rng() * 1000 - 500)),
    Float32Array.from({ length: n }, () => Math.floor(rng() * 7)), // few distinct values
    new Float32Array(n).fill(Number.NaN), // all missing
    new Float32Array(n).fill(3), // constant
    Float32Array.from({ length: n }, (_, i) => (i % 11 === 0 ? Infinity : i % 13 === 0 ? -0 : (rng() - 0.5) * 1e-3)),
  ];
  const labels = Float32Array.from({ length: n }, () => (rng() < 0.5 ? 1 : 0));
  for (const threads of [1, 2, 3]) {
    it(`gives exactly binColumns' cuts and bins in both layouts (${threads} thread${threads > 1 ? 's' : ''})`, async () => {
      const expected = binColumns(columns, 256, 17);
      const ops = threaded(threads).rowParallel?.({ columns, labels, groups: 1, maxBin: 256, seed: 17 });
      expect(ops).toBeTruthy();
      if (!ops) return;
      const binned = await ops.bin();
      expect(binned.cuts.map((c) => Array.from(c.cuts))).toEqual(expected.cuts.map((c) => Array.from(c.cuts)));
      expect(Buffer.from(binned.bins).equals(Buffer.from(expected.bins))).toBe(true);
      binned.columnBins.forEach((c, f) => expect(Buffer.from(c).equals(Buffer.from(expected.columnBins[f]!))).toBe(true));
      ops.finish();
    });
  }
});

describe('row-wise steps and histograms on the training threads', () => {
  const n = 150_000;
  const F = 3;
  const rng = createRng(4);
  // Values 0..39 and NaN: binned, value v lands in bin v and NaN in the missing bin.
  const columns = Array.from({ length: F }, () => Float32Array.from({ length: n }, () => (rng() < 0.1 ? Number.NaN : Math.floor(rng() * 40))));
  const labels = Float32Array.from({ length: n }, () => (rng() < 0.5 ? 1 : 0));
  // Node ranges over a shuffled-then-sorted subset, as a tree's level has them: large ones (cut
  // into parts per thread), small ones (dealt whole) and an empty one.
  const bounds = [0, 90_000, 90_000, 91_000, 120_000, n];
  const tasks: PartitionTask[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) tasks.push({ begin: bounds[k]!, end: bounds[k + 1]!, feature: k % F, bin: 10 + k * 5, defaultLeft: k % 2 === 0 });
  const start = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % n);

  for (const threads of [1, 2, 3]) {
    it(`partitions, adds leaf values and builds histograms exactly as the single-thread code does (${threads} thread${threads > 1 ? 's' : ''})`, async () => {
      // One output (leaf values by the WASM kernel) and two (the JS loop), by thread count.
      const groups = threads === 2 ? 2 : 1;
      const ops = threaded(threads).rowParallel?.({ columns, labels, groups, maxBin: 256, seed: 1 });
      expect(ops).toBeTruthy();
      if (!ops) return;
      const { columnBins, bins } = await ops.bin();
      expect(Array.from(columnBins[0]!.subarray(0, 50))).toEqual(Array.from(columns[0]!.subarray(0, 50), (v) => (Number.isNaN(v) ? 255 : v)));
      const expectedRows = start.slice();
      const scratch = new Uint32Array(n);
      const expectedMids = tasks.map((t) => partitionRange(columnBins[t.feature]!, expectedRows, t.begin, t.end, t.bin, t.defaultLeft, scratch));
      ops.rows[1].set(start);
      const mids = await ops.partition(1, tasks);
      expect(mids).toEqual(expectedMids);
      expect(Array.from(ops.rows[1]).every((r, i) => r === expectedRows[i])).toBe(true);

      const leafTasks: LeafTask[] = tasks.map((t, k) => ({ ...t, leftValue: Math.fround(0.1 * (k + 1)), rightValue: Math.fround(-0.03 * (k + 1)) }));
      const expectedMargins = Float32Array.from({ length: groups * n }, (_, i) => i * 1e-6);
      ops.margins.set(expectedMargins);
      for (const t of leafTasks) addLeavesRange(columnBins[t.feature]!, expectedRows, t.begin, t.end, t.bin, t.defaultLeft, t.leftValue, t.rightValue, expectedMargins, groups, groups - 1);
      await ops.addLeaves(1, leafTasks, groups - 1);
      expect(Array.from(ops.margins).every((m, i) => m === expectedMargins[i])).toBe(true);

      // Histograms: the plain kernel's HIST_BLOCK_ROWS-row blocks added in order, all features
      // and a subset, for nodes of one block, several blocks, and none.
      const gh = Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? rng() - 0.5 : rng()));
      ops.gh.set(gh);
      const local = createWasmHistogramKernel();
      const ranges: Array<[number, number]> = [[0, 90_000], [90_000, 91_000], [91_000, 91_000], [91_000, n]];
      for (const features of [Int32Array.from([0, 1, 2]), Int32Array.from([0, 2])]) {
        const outs = ranges.map(() => new Float64Array(F * HIST_STRIDE).fill(7));
        await ops.histograms(1, features, ranges, outs);
        ranges.forEach(([begin, end], k) => {
          const expected = new Float64Array(F * HIST_STRIDE);
          const block = new Float64Array(F * HIST_STRIDE);
          for (let b = begin; b < end || b === begin; b += HIST_BLOCK_ROWS) {
            local.build({ bins, nFeatures: F, rows: expectedRows, begin: b, end: Math.min(end, b + HIST_BLOCK_ROWS), gh, features }, block);
            if (b === begin) expected.set(block);
            else for (let j = 0; j < expected.length; j++) expected[j] = expected[j]! + block[j]!;
            if (b === end) break;
          }
          expect(Buffer.from(outs[k]!.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
        });
      }
      ops.finish();
    });
  }
});

describe('failures on the training threads', () => {
  const n = 120_000;
  const rng = createRng(31);
  const columns = [Float32Array.from({ length: n }, () => Math.floor(rng() * 50))];
  const labels = Float32Array.from({ length: n }, () => (rng() < 0.5 ? 1 : 0));

  it('turns an error in a work item into a clear error, and the kernel trains again afterwards', async () => {
    const kernel = threaded(2);
    const ops = kernel.rowParallel!({ columns, labels, groups: 1, maxBin: 256, seed: 1 });
    await ops.bin();
    ops.rows[0].set(Uint32Array.from({ length: n }, (_, i) => i));
    // A feature that does not exist: whichever thread takes an item fails on it.
    const bad = Array.from({ length: 8 }, (_, k) => ({ begin: k * 15_000, end: (k + 1) * 15_000, feature: 7, bin: 3, defaultLeft: false }));
    await expect(ops.partition(0, bad)).rejects.toThrow();
    ops.finish();
    const again = kernel.rowParallel!({ columns, labels, groups: 1, maxBin: 256, seed: 1 });
    const binned = await again.bin();
    expect(Buffer.from(binned.bins).equals(Buffer.from(binColumns(columns, 256, 1).bins))).toBe(true);
    again.finish();
  });

  it('fails with a clear error instead of hanging when a helper thread dies', async () => {
    const ports: HistogramWorkerPort[] = [];
    const kernel = createParallelHistogramKernel(2, (source) => {
      const port = spawnNodeHistogramWorker(source);
      ports.push(port);
      return port;
    });
    kernels.push(kernel);
    const ops = kernel.rowParallel!({ columns, labels, groups: 1, maxBin: 256, seed: 1 });
    await ops.bin();
    ports[0]!.terminate();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(ops.gradients('binary:logistic', 0, 1, n)).rejects.toThrow(/training thread failed/);
  });
});

function data(n: number, F: number, seed: number, classes: number): FeatureData {
  const rng = createRng(seed);
  const columns = Array.from({ length: F }, (_, f) => Float32Array.from({ length: n }, () => (rng() < 0.05 ? Number.NaN : f % 2 === 0 ? Math.floor(rng() * 6) : rng() * 100)));
  const labels = Float32Array.from({ length: n }, (_, i) => {
    const z = (columns[1]![i] || 50) / 25 + (columns[0]![i] || 0) + rng() * 2;
    return classes === 0 ? z : Math.min(classes - 1, Math.floor(z / 3));
  });
  return { columns, labels };
}

describe('training on 1, 2 and 3 threads', () => {
  const cases = [
    { name: 'binary:logistic, subsample and colsample_bytree', data: data(80_000, 5, 3, 2), params: { objective: 'binary:logistic' as const, subsample: 0.8, colsample_bytree: 0.6 } },
    { name: 'reg:squarederror', data: data(80_000, 5, 5, 0), params: { objective: 'reg:squarederror' as const } },
    { name: 'multi:softprob', data: data(80_000, 5, 7, 3), params: { objective: 'multi:softprob' as const, num_class: 3 } },
  ];
  for (const c of cases) {
    it(`grows the same trees: ${c.name}`, async () => {
      const params = resolveParams({ ...c.params, num_boost_round: 3, max_depth: 4, eta: 0.3, seed: 9 });
      const names = ['a', 'b', 'c', 'd', 'e'];
      const reference = await trainGbdt(c.data, { params, featureNames: names, kernel: createWasmHistogramKernel() });
      for (const threads of [1, 2, 3]) {
        const result = await trainGbdt(c.data, { params, featureNames: names, kernel: threaded(threads) });
        expect(JSON.stringify(result.model.trees)).toBe(JSON.stringify(reference.model.trees));
        expect(result.history).toEqual(reference.history);
      }
    });
  }
});
