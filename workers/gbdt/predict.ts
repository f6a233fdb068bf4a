import { baseMargin, outputGroups, type BoostedModel, type Tree } from './model';
import { transformMargins } from './objectives';
import { compileForest } from './predict-forest';

/** Leaf index a row reaches: float32(x) < threshold goes left, NaN follows the default. */
export function leafOf(tree: Tree, columns: Float32Array[], row: number): number {
  let node = 0;
  while (tree.left[node] !== -1) {
    const x = (columns[tree.feature[node] as number] as Float32Array)[row] as number;
    const left = Number.isNaN(x) ? tree.defaultLeft[node] === 1 : x < (tree.threshold[node] as number);
    node = left ? (tree.left[node] as number) : (tree.right[node] as number);
  }
  return node;
}

/** All trees of a model in flat typed arrays: node k of tree t is at roots[t] + k. */
interface FlatForest {
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  roots: Int32Array;
}

function flatten(model: BoostedModel, limit: number): FlatForest {
  let total = 0;
  for (let t = 0; t < limit; t++) total += (model.trees[t] as Tree).left.length;
  const forest: FlatForest = {
    left: new Int32Array(total),
    right: new Int32Array(total),
    feature: new Int32Array(total),
    threshold: new Float32Array(total),
    defaultLeft: new Uint8Array(total),
    roots: new Int32Array(limit),
  };
  let at = 0;
  for (let t = 0; t < limit; t++) {
    const tree = model.trees[t] as Tree;
    forest.roots[t] = at;
    const n = tree.left.length;
    for (let k = 0; k < n; k++) {
      const l = tree.left[k] as number;
      // Children become absolute indices; a leaf keeps -1.
      forest.left[at + k] = l === -1 ? -1 : at + l;
      forest.right[at + k] = l === -1 ? -1 : at + (tree.right[k] as number);
    }
    forest.feature.set(tree.feature, at);
    forest.threshold.set(tree.threshold, at);
    forest.defaultLeft.set(tree.defaultLeft, at);
    at += n;
  }
  return forest;
}

const PREDICT_BLOCK = 4096;

/**
 * Margins for every row, row-major [row * groups + group], summed in float32 in tree order
 * as XGBoost does, so exported models predict the same numbers. The compiled WASM forest
 * (predict-forest.ts) does the work; models it cannot take exactly use the reference walk.
 */
export function predictMargins(model: BoostedModel, columns: Float32Array[], nRows: number, treeLimit = model.trees.length, signal?: AbortSignal): Float64Array {
  const limit = Math.min(treeLimit, model.trees.length);
  const forest = nRows > 0 ? compileForest(model, limit) : null;
  if (!forest) return predictMarginsReference(model, columns, nRows, limit);
  const margins = new Float64Array(nRows * forest.groups);
  forest.predict(columns, 0, nRows, margins, signal);
  return margins;
}

/**
 * The reference: each row walks each tree node by node (flat typed arrays, rows in blocks with
 * features copied row-major). Same numbers as predictMargins; kept for models the compiled
 * forest refuses and as the yardstick of its tests.
 */
export function predictMarginsReference(model: BoostedModel, columns: Float32Array[], nRows: number, treeLimit = model.trees.length): Float64Array {
  const groups = outputGroups(model);
  const margins = new Float64Array(nRows * groups).fill(baseMargin(model.objective, model.baseScore));
  const limit = Math.min(treeLimit, model.trees.length);
  const { left, right, feature, threshold, defaultLeft, roots } = flatten(model, limit);
  const treeGroup = Int32Array.from({ length: limit }, (_, t) => model.treeInfo[t] ?? 0);
  const F = Math.max(model.numFeature, columns.length);
  const block = new Float32Array(PREDICT_BLOCK * F);
  const sums = new Float32Array(PREDICT_BLOCK * groups);
  for (let start = 0; start < nRows; start += PREDICT_BLOCK) {
    const count = Math.min(PREDICT_BLOCK, nRows - start);
    for (let f = 0; f < columns.length; f++) {
      const col = columns[f] as Float32Array;
      for (let i = 0; i < count; i++) block[i * F + f] = col[start + i] as number;
    }
    for (let i = 0; i < count * groups; i++) sums[i] = margins[start * groups + i] as number;
    for (let t = 0; t < limit; t++) {
      const root = roots[t] as number;
      const g = treeGroup[t] as number;
      for (let i = 0; i < count; i++) {
        const rowBase = i * F;
        let node = root;
        let l = left[node] as number;
        while (l !== -1) {
          const x = block[rowBase + (feature[node] as number)] as number;
          node = (x !== x ? defaultLeft[node] === 1 : x < (threshold[node] as number)) ? l : (right[node] as number);
          l = left[node] as number;
        }
        const idx = i * groups + g;
        // Float32Array storage rounds each partial sum to float32, as XGBoost's float accumulator.
        sums[idx] = (sums[idx] as number) + (threshold[node] as number);
      }
    }
    for (let i = 0; i < count * groups; i++) margins[start * groups + i] = sums[i] as number;
  }
  return margins;
}

/** Predictions: probabilities for classification objectives, values for regression. */
export function predict(model: BoostedModel, columns: Float32Array[], nRows: number, signal?: AbortSignal): Float64Array {
  return transformMargins(model.objective, predictMargins(model, columns, nRows, model.trees.length, signal), outputGroups(model));
}

export interface FeatureImportance {
  feature: string;
  /** Total loss reduction of the feature's splits. */
  gain: number;
  /** Total hessian (cover) of the feature's splits. */
  cover: number;
  /** Number of splits on the feature. */
  weight: number;
}

/** Importance per feature (totals; divide gain or cover by weight for XGBoost's averages). */
export function featureImportance(model: BoostedModel): FeatureImportance[] {
  const out = model.featureNames.map((feature) => ({ feature, gain: 0, cover: 0, weight: 0 }));
  for (const tree of model.trees) {
    for (let node = 0; node < tree.left.length; node++) {
      if (tree.left[node] === -1) continue;
      const entry = out[tree.feature[node] as number];
      if (!entry) continue;
      entry.gain += tree.lossChange[node] as number;
      entry.cover += tree.sumHessian[node] as number;
      entry.weight += 1;
    }
  }
  return out;
}
