import { baseMargin, outputGroups, type BoostedModel, type Tree } from './model';

/**
 * Exact TreeSHAP (Lundberg et al. 2018, path-dependent algorithm) with node covers (sum of
 * hessians) as XGBoost's pred_contribs uses them. For each row and output group: one value per
 * feature plus a bias; their sum equals the row's margin.
 */

interface PathElement {
  feature: number;
  zero: number;
  one: number;
  weight: number;
}

function extendPath(path: PathElement[], depth: number, zero: number, one: number, feature: number): void {
  path[depth] = { feature, zero, one, weight: depth === 0 ? 1 : 0 };
  for (let i = depth - 1; i >= 0; i--) {
    const next = path[i + 1] as PathElement;
    const cur = path[i] as PathElement;
    next.weight += (one * cur.weight * (i + 1)) / (depth + 1);
    cur.weight = (zero * cur.weight * (depth - i)) / (depth + 1);
  }
}

function unwindPath(path: PathElement[], depth: number, index: number): void {
  const one = (path[index] as PathElement).one;
  const zero = (path[index] as PathElement).zero;
  let next = (path[depth] as PathElement).weight;
  for (let i = depth - 1; i >= 0; i--) {
    const cur = path[i] as PathElement;
    if (one !== 0) {
      const tmp = cur.weight;
      cur.weight = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (cur.weight * zero * (depth - i)) / (depth + 1);
    } else {
      cur.weight = (cur.weight * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    const src = path[i + 1] as PathElement;
    const dst = path[i] as PathElement;
    dst.feature = src.feature;
    dst.zero = src.zero;
    dst.one = src.one;
  }
}

function unwoundPathSum(path: PathElement[], depth: number, index: number): number {
  const one = (path[index] as PathElement).one;
  const zero = (path[index] as PathElement).zero;
  let next = (path[depth] as PathElement).weight;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = (path[i] as PathElement).weight - (tmp * zero * (depth - i)) / (depth + 1);
    } else {
      total += (path[i] as PathElement).weight / ((zero * (depth - i)) / (depth + 1));
    }
  }
  return total;
}

function treeShapRecurse(
  tree: Tree,
  x: (feature: number) => number,
  phi: Float64Array,
  node: number,
  parentPath: PathElement[],
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  const path = parentPath.slice(0, depth).map((e) => ({ ...e }));
  extendPath(path, depth, zero, one, feature);
  if (tree.left[node] === -1) {
    const value = tree.threshold[node] as number;
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(path, depth, i);
      const e = path[i] as PathElement;
      phi[e.feature] = (phi[e.feature] as number) + w * (e.one - e.zero) * value;
    }
    return;
  }
  const f = tree.feature[node] as number;
  const v = x(f);
  const goLeft = Number.isNaN(v) ? tree.defaultLeft[node] === 1 : v < (tree.threshold[node] as number);
  const left = tree.left[node] as number;
  const right = tree.right[node] as number;
  const hot = goLeft ? left : right;
  const cold = goLeft ? right : left;
  const cover = tree.sumHessian[node] as number;
  const hotZero = cover > 0 ? (tree.sumHessian[hot] as number) / cover : 0;
  const coldZero = cover > 0 ? (tree.sumHessian[cold] as number) / cover : 0;
  let incomingZero = 1;
  let incomingOne = 1;
  let d = depth;
  // A feature already on the path: undo its earlier split before going on.
  let k = 1;
  for (; k <= d; k++) if ((path[k] as PathElement).feature === f) break;
  if (k <= d) {
    incomingZero = (path[k] as PathElement).zero;
    incomingOne = (path[k] as PathElement).one;
    unwindPath(path, d, k);
    d -= 1;
  }
  treeShapRecurse(tree, x, phi, hot, path, d + 1, hotZero * incomingZero, incomingOne, f);
  treeShapRecurse(tree, x, phi, cold, path, d + 1, coldZero * incomingZero, 0, f);
}

/** Cover-weighted mean leaf value of a tree: its contribution to the bias term. */
function expectedValue(tree: Tree, node = 0): number {
  if (tree.left[node] === -1) return tree.threshold[node] as number;
  const cover = tree.sumHessian[node] as number;
  const l = tree.left[node] as number;
  const r = tree.right[node] as number;
  if (cover <= 0) return (expectedValue(tree, l) + expectedValue(tree, r)) / 2;
  return ((tree.sumHessian[l] as number) * expectedValue(tree, l) + (tree.sumHessian[r] as number) * expectedValue(tree, r)) / cover;
}

export interface ShapResult {
  /** Row-major [(row * groups + group) * (nFeatures + 1) + feature]; the last slot is the bias. */
  values: Float64Array;
  nFeatures: number;
  groups: number;
}

/** SHAP values of rows [0, nRows) of float32 feature columns. */
export function treeShap(model: BoostedModel, columns: Float32Array[], nRows: number): ShapResult {
  const groups = outputGroups(model);
  const F = model.numFeature;
  const width = F + 1;
  const values = new Float64Array(nRows * groups * width);
  const base = baseMargin(model.objective, model.baseScore);
  const expected = model.trees.map((t) => expectedValue(t));
  const phi = new Float64Array(F);
  for (let r = 0; r < nRows; r++) {
    const x = (f: number): number => (columns[f] as Float32Array)[r] as number;
    for (let g = 0; g < groups; g++) {
      phi.fill(0);
      let bias = base;
      for (let t = 0; t < model.trees.length; t++) {
        if ((model.treeInfo[t] ?? 0) !== g) continue;
        const tree = model.trees[t] as Tree;
        treeShapRecurse(tree, x, phi, 0, [], 0, 1, 1, -1);
        bias += expected[t] as number;
      }
      const offset = (r * groups + g) * width;
      values.set(phi, offset);
      values[offset + F] = bias;
    }
  }
  return { values, nFeatures: F, groups };
}
