import type { Objective } from './params';

/** The parent id XGBoost writes for a root node. */
export const ROOT_PARENT = 2147483647;

/**
 * One regression tree in XGBoost's flat layout. Node i is a leaf when left[i] === -1; then
 * threshold[i] holds the leaf value (already scaled by eta). A row goes left when
 * float32(x) < threshold[i]; a missing value follows defaultLeft[i].
 */
export interface Tree {
  left: Int32Array;
  right: Int32Array;
  parent: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  defaultLeft: Uint8Array;
  lossChange: Float32Array;
  sumHessian: Float32Array;
  baseWeight: Float32Array;
}

export interface BoostedModel {
  objective: Objective;
  /** Classes for multi:softprob; 0 otherwise (one output). */
  numClass: number;
  /** base_score as XGBoost records it: a probability for binary:logistic, a margin otherwise. */
  baseScore: number;
  numFeature: number;
  featureNames: string[];
  trees: Tree[];
  /** Output group (class) of each tree. */
  treeInfo: number[];
  /** Rounds in the model; best iteration when early stopping kicked in. */
  bestIteration: number | null;
}

/** Number of outputs (margins) per row. */
export function outputGroups(model: Pick<BoostedModel, 'objective' | 'numClass'>): number {
  return model.objective === 'multi:softprob' ? model.numClass : 1;
}

/** The margin every row starts from: logit(base_score) for binary:logistic, base_score otherwise. */
export function baseMargin(objective: Objective, baseScore: number): number {
  if (objective === 'binary:logistic') {
    const p = Math.fround(baseScore);
    return Math.fround(Math.log(p / (1 - p)));
  }
  return Math.fround(baseScore);
}

export function isLeaf(tree: Tree, node: number): boolean {
  return tree.left[node] === -1;
}

export function treeDepth(tree: Tree, node = 0): number {
  if (isLeaf(tree, node)) return 0;
  return 1 + Math.max(treeDepth(tree, tree.left[node] as number), treeDepth(tree, tree.right[node] as number));
}

/** A growable tree used while training, frozen into typed arrays at the end. */
export class TreeBuilder {
  left: number[] = [];
  right: number[] = [];
  parent: number[] = [];
  feature: number[] = [];
  threshold: number[] = [];
  defaultLeft: number[] = [];
  lossChange: number[] = [];
  sumHessian: number[] = [];
  baseWeight: number[] = [];

  addNode(parent: number, sumHessian: number, baseWeight: number): number {
    const id = this.left.length;
    this.left.push(-1);
    this.right.push(-1);
    this.parent.push(parent);
    this.feature.push(0);
    this.threshold.push(baseWeight);
    this.defaultLeft.push(0);
    this.lossChange.push(0);
    this.sumHessian.push(sumHessian);
    this.baseWeight.push(baseWeight);
    return id;
  }

  freeze(): Tree {
    return {
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      parent: Int32Array.from(this.parent),
      feature: Int32Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      defaultLeft: Uint8Array.from(this.defaultLeft),
      lossChange: Float32Array.from(this.lossChange),
      sumHessian: Float32Array.from(this.sumHessian),
      baseWeight: Float32Array.from(this.baseWeight),
    };
  }
}
