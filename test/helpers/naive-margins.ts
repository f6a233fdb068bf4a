import { baseMargin, outputGroups, type BoostedModel, type Tree } from '../../workers/gbdt/model';
import { leafOf } from '../../workers/gbdt/predict';

/** The CPU's semantics in the plainest form: leafOf per row and tree, float32 sums in tree order per output group. */
export function naiveMargins(model: BoostedModel, columns: Float32Array[], n: number, limit = model.trees.length): Float64Array {
  const groups = outputGroups(model);
  const out = new Float64Array(n * groups);
  for (let i = 0; i < n; i++) {
    for (let g = 0; g < groups; g++) {
      let sum = baseMargin(model.objective, model.baseScore);
      for (let t = 0; t < limit; t++) {
        if ((model.treeInfo[t] ?? 0) !== g) continue;
        const tree = model.trees[t] as Tree;
        sum = Math.fround(sum + (tree.threshold[leafOf(tree, columns, i)] as number));
      }
      out[i * groups + g] = sum;
    }
  }
  return out;
}
