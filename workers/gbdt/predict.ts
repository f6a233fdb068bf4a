import { baseMargin, outputGroups, type BoostedModel, type Tree } from './model';
import { transformMargins } from './objectives';

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

/**
 * Margins for every row, row-major [row * groups + group], summed in float32 in tree order
 * as XGBoost does, so exported models predict the same numbers.
 */
export function predictMargins(model: BoostedModel, columns: Float32Array[], nRows: number, treeLimit = model.trees.length): Float64Array {
  const groups = outputGroups(model);
  const margins = new Float64Array(nRows * groups).fill(baseMargin(model.objective, model.baseScore));
  const limit = Math.min(treeLimit, model.trees.length);
  for (let t = 0; t < limit; t++) {
    const tree = model.trees[t] as Tree;
    const g = model.treeInfo[t] ?? 0;
    const { left, right, feature, threshold, defaultLeft } = tree;
    for (let r = 0; r < nRows; r++) {
      let node = 0;
      while (left[node] !== -1) {
        const x = (columns[feature[node] as number] as Float32Array)[r] as number;
        node = (x !== x ? defaultLeft[node] === 1 : x < (threshold[node] as number)) ? (left[node] as number) : (right[node] as number);
      }
      const idx = r * groups + g;
      margins[idx] = Math.fround((margins[idx] as number) + (threshold[node] as number));
    }
  }
  return margins;
}

/** Predictions: probabilities for classification objectives, values for regression. */
export function predict(model: BoostedModel, columns: Float32Array[], nRows: number): Float64Array {
  return transformMargins(model.objective, predictMargins(model, columns, nRows), outputGroups(model));
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
