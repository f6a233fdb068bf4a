import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { BoostedModel, Tree } from '../../workers/gbdt/model';
import { predictMargins, predictMarginsReference } from '../../workers/gbdt/predict';
import { compileForest } from '../../workers/gbdt/predict-forest';
import { predictMarginsParallel, type PredictWorkerPort } from '../../workers/gbdt/predict-parallel';
import { createRng } from '../../workers/gbdt/rng';
import { fromXgboostJson } from '../../workers/gbdt/xgboost-json';
import { EngineError } from '../../workers/protocol/errors';
import { tempDir } from '../helpers/paths';
import { findXgboostPython, readMatrix, runXgboost, writeMatrix } from '../helpers/xgboost';
import { naiveMargins } from '../helpers/naive-margins';

type Rng = () => number;

/** Thresholds and data share a small value grid so rows often land exactly on a threshold. */
const GRID = [-2, -1, -0.5, 0, 0.25, 0.5, 1, 1.5, 3, -Infinity, Infinity];

function randomTree(rng: Rng, features: number, maxDepth: number, splitChance: number): Tree {
  const left: number[] = [];
  const right: number[] = [];
  const feature: number[] = [];
  const threshold: number[] = [];
  const defaultLeft: number[] = [];
  const add = (depth: number): number => {
    const id = left.length;
    left.push(-1);
    right.push(-1);
    feature.push(0);
    threshold.push(Math.fround((rng() - 0.5) * 0.2));
    defaultLeft.push(0);
    if (depth < maxDepth && rng() < splitChance) {
      feature[id] = Math.floor(rng() * features);
      // Finite thresholds mostly; +Infinity and -Infinity (default right) are legal too.
      const pick = GRID[Math.floor(rng() * (GRID.length - 2))] as number;
      threshold[id] = rng() < 0.05 ? Infinity : Math.fround(pick + (rng() < 0.5 ? 0 : (rng() - 0.5) * 0.1));
      defaultLeft[id] = rng() < 0.5 ? 1 : 0;
      const l = add(depth + 1);
      const r = add(depth + 1);
      left[id] = l;
      right[id] = r;
    }
    return id;
  };
  add(0);
  const n = left.length;
  return {
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    parent: new Int32Array(n),
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    defaultLeft: Uint8Array.from(defaultLeft),
    lossChange: new Float32Array(n),
    sumHessian: new Float32Array(n),
    baseWeight: new Float32Array(n),
  };
}

function randomModel(rng: Rng, options: { trees: number; features: number; maxDepth: number; numClass?: number; splitChance?: number }): BoostedModel {
  const numClass = options.numClass ?? 0;
  const groups = numClass > 0 ? numClass : 1;
  return {
    objective: numClass > 0 ? 'multi:softprob' : 'binary:logistic',
    numClass,
    baseScore: numClass > 0 ? 0.5 : 0.3,
    numFeature: options.features,
    featureNames: Array.from({ length: options.features }, (_, i) => `f${i}`),
    trees: Array.from({ length: options.trees }, () => randomTree(rng, options.features, options.maxDepth, options.splitChance ?? 0.8)),
    treeInfo: Array.from({ length: options.trees }, (_, t) => t % groups),
    bestIteration: null,
  };
}

function randomColumns(rng: Rng, features: number, n: number): Float32Array[] {
  return Array.from({ length: features }, () =>
    Float32Array.from({ length: n }, () => {
      const u = rng();
      if (u < 0.1) return Number.NaN;
      if (u < 0.4) return GRID[Math.floor(rng() * GRID.length)] as number;
      return (rng() - 0.5) * 6;
    }),
  );
}

function expectSame(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  let mismatches = 0;
  for (let i = 0; i < actual.length; i++) if (!Object.is(actual[i], expected[i])) mismatches++;
  expect(mismatches).toBe(0);
}

describe('compiled forest prediction', () => {
  it('equals the reference walk bit for bit on random models with NaN, infinities and ties', () => {
    const rng = createRng(2024);
    for (let trial = 0; trial < 12; trial++) {
      const features = 1 + Math.floor(rng() * 9);
      const model = randomModel(rng, { trees: 1 + Math.floor(rng() * 30), features, maxDepth: Math.floor(rng() * 8), numClass: trial % 3 === 0 ? 3 : 0 });
      // Row counts around the block and lane sizes.
      const n = [1, 7, 255, 256, 257, 1000][trial % 6] as number;
      const columns = randomColumns(rng, features, n);
      expect(compileForest(model, model.trees.length)).not.toBeNull();
      const fast = predictMargins(model, columns, n);
      expectSame(fast, naiveMargins(model, columns, n));
      expectSame(fast, predictMarginsReference(model, columns, n));
    }
  });

  it('honours the tree limit and takes deep unbalanced trees', () => {
    const rng = createRng(7);
    const model = randomModel(rng, { trees: 40, features: 5, maxDepth: 12, splitChance: 0.6, numClass: 2 });
    const columns = randomColumns(rng, 5, 600);
    expectSame(predictMargins(model, columns, 600, 17), naiveMargins(model, columns, 600, 17));
    expectSame(predictMargins(model, columns, 600), naiveMargins(model, columns, 600));
  });

  it('falls back to the reference walk where the missing-value trick would differ', () => {
    const rng = createRng(9);
    const model = randomModel(rng, { trees: 5, features: 3, maxDepth: 3, splitChance: 1 });
    const tree = model.trees[2] as Tree;
    tree.threshold[0] = -Infinity;
    tree.defaultLeft[0] = 1;
    expect(compileForest(model, model.trees.length)).toBeNull();
    const columns = randomColumns(rng, 3, 300);
    expectSame(predictMargins(model, columns, 300), naiveMargins(model, columns, 300));
  });

  it('reads features the columns lack as missing, and stops on abort', () => {
    const rng = createRng(11);
    const model = randomModel(rng, { trees: 8, features: 4, maxDepth: 4, splitChance: 1 });
    const columns = randomColumns(rng, 4, 50);
    const withNaN = [...columns.slice(0, 2), new Float32Array(50).fill(Number.NaN), new Float32Array(50).fill(Number.NaN)];
    expectSame(predictMargins(model, columns.slice(0, 2), 50), naiveMargins(model, withNaN, 50));
    const controller = new AbortController();
    controller.abort();
    expect(() => predictMargins(model, columns, 50, model.trees.length, controller.signal)).toThrow(EngineError);
  });
});

function spawnNodeWorker(source: string): PredictWorkerPort {
  const worker = new Worker(source, { eval: true });
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer as never),
    onMessage: (listener) => worker.on('message', listener),
    onFailure: (listener) => {
      worker.on('error', (error) => listener(error.message));
      worker.on('exit', (code) => listener(`exited with code ${code}`));
    },
    terminate: () => void worker.terminate(),
  };
}

describe('prediction on several threads', () => {
  it('gives bit-identical margins with 1, 2 and 3 threads, multi-class and missing values included', async () => {
    const rng = createRng(5);
    const model = randomModel(rng, { trees: 24, features: 6, maxDepth: 5, numClass: 3 });
    const n = 250_003;
    const columns = randomColumns(rng, 6, n);
    const single = predictMargins(model, columns, n);
    for (const threads of [1, 2, 3]) {
      let spawned = 0;
      const parallel = await predictMarginsParallel(model, columns, n, { threads, spawn: (source) => (spawned++, spawnNodeWorker(source)) });
      expect(spawned).toBe(Math.min(threads, 2) - 1); // 250k rows: at most 2 threads of >= 100k rows
      expectSame(parallel, single);
    }
    expectSame(single.subarray(0, 3000), naiveMargins(model, columns, 1000));
  });
});

const { python, reason } = findXgboostPython();
const dir = tempDir('xgb-predict');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!python)(`compiled forest against XGBoost (${reason})`, () => {
  it('predicts what XGBoost predicts for a depth-6 regression model with missing values', async () => {
    const rng = createRng(31);
    const n = 2000;
    const F = 5;
    const columns = Array.from({ length: F }, () => new Float32Array(n));
    const labels = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < F; f++) (columns[f] as Float32Array)[i] = rng() < 0.12 ? Number.NaN : Math.round((rng() - 0.5) * 40) / 8;
      const a = (columns[0] as Float32Array)[i] as number;
      const b = (columns[1] as Float32Array)[i] as number;
      labels[i] = (Number.isNaN(a) ? 2 : a * a) + (Number.isNaN(b) ? -1 : Math.sin(b)) + rng();
    }
    const x = path.join(dir, 'x.csv');
    const y = path.join(dir, 'y.csv');
    writeMatrix(x, columns);
    fs.writeFileSync(y, Array.from(labels).join('\n'));
    const modelOut = path.join(dir, 'model.json');
    const predOut = path.join(dir, 'pred.csv');
    const params = { objective: 'reg:squarederror', max_depth: 6, eta: 0.3, num_boost_round: 25, base_score: 0.5 };
    await runXgboost(python as string, { task: 'train', x, y, params, model_out: modelOut, pred_out: predOut }, dir);
    const model = fromXgboostJson(fs.readFileSync(modelOut, 'utf8'));
    expect(compileForest(model, model.trees.length)).not.toBeNull();
    const ours = predictMargins(model, columns, n);
    const theirs = readMatrix(predOut).flat();
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs((ours[i] as number) - (theirs[i] as number)));
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});
