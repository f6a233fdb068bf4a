import { baseMargin, outputGroups, treeDepth, type BoostedModel, type Tree } from './model';
import { throwIfAborted } from '../protocol/errors';
import { instantiatePredictKernel, PREDICT_LANES } from './predict-wasm';

/**
 * A model compiled for the WASM prediction kernel (see predict-wasm.ts): trees padded to complete
 * binary trees, every node 8 bytes, leaves apart, and a column-major block of BLOCK_ROWS rows, all
 * in one WASM memory of its own (so one forest serves one caller at a time).
 */
export interface CompiledForest {
  groups: number;
  /** What a helper thread needs to rebuild this forest: its memory up to the block, and the layout. */
  image(): { bytes: ArrayBuffer; layout: ForestLayout };
  /** Margins of rows [begin, end) into out[(row - begin) * groups + group]. */
  predict(columns: Float32Array[], begin: number, end: number, out: Float64Array, signal?: AbortSignal): void;
}

export interface ForestLayout {
  treesAt: number;
  nTrees: number;
  stagingAt: number;
  dualAt: number;
  sumsAt: number;
  end: number;
  width: number;
  groups: number;
  base: number;
  blockRows: number;
  lanes: number;
  /** Feature indices the trees split on (only these columns are copied). */
  features: number[];
}

/** Rows per kernel call: the block (features x rows, two copies) stays in cache while every tree walks it. */
export const BLOCK_ROWS = 256;

/** Padded trees beyond this many bytes (very deep imported trees) take the reference walk. */
const MAX_FOREST_BYTES = 64 << 20;

const PAGE = 65536;

/**
 * The forest of the first `limit` trees, or null when the kernel cannot reproduce the reference
 * walk exactly (a NaN threshold, or -Infinity on a default-left node, where the missing-value
 * trick would differ) or padding would be too large.
 */
export function compileForest(model: BoostedModel, limit: number): CompiledForest | null {
  const trees = model.trees.slice(0, limit);
  const depths = trees.map((tree) => treeDepth(tree));
  let nodeBytes = 0;
  let leafBytes = 0;
  let maxFeature = -1;
  const used = new Set<number>();
  for (let t = 0; t < trees.length; t++) {
    const D = depths[t] as number;
    if (D > 24) return null;
    nodeBytes += ((1 << D) - 1) * 8;
    leafBytes += (1 << D) * 4;
    const tree = trees[t] as Tree;
    for (let k = 0; k < tree.left.length; k++) {
      if (tree.left[k] === -1) continue;
      const threshold = tree.threshold[k] as number;
      if (Number.isNaN(threshold) || (threshold === -Infinity && tree.defaultLeft[k] === 1)) return null;
      const f = tree.feature[k] as number;
      if (f < 0) return null;
      used.add(f);
      maxFeature = Math.max(maxFeature, f);
    }
  }
  if (nodeBytes + leafBytes > MAX_FOREST_BYTES) return null;
  const width = maxFeature + 1;
  const groups = outputGroups(model);
  const columnBytes = BLOCK_ROWS * 4;

  const treesAt = 0;
  const nodesAt = treesAt + trees.length * 16;
  const leavesAt = nodesAt + nodeBytes;
  const stagingAt = leavesAt + leafBytes;
  const dualAt = stagingAt + width * columnBytes;
  const sumsAt = dualAt + 2 * width * columnBytes;
  const end = sumsAt + BLOCK_ROWS * groups * 4;
  const kernel = instantiatePredictKernel();
  const pages = Math.ceil(end / PAGE) - kernel.memory.buffer.byteLength / PAGE;
  if (pages > 0) kernel.memory.grow(pages);
  const buffer = kernel.memory.buffer;

  const table = new Int32Array(buffer, treesAt, trees.length * 4);
  const nodeWords = new Int32Array(buffer, nodesAt, nodeBytes / 4);
  const nodeFloats = new Float32Array(buffer, nodesAt, nodeBytes / 4);
  const leaves = new Float32Array(buffer, leavesAt, leafBytes / 4);
  let nodeAt = 0; // in nodes
  let leafAt = 0; // in leaves
  for (let t = 0; t < trees.length; t++) {
    const tree = trees[t] as Tree;
    const D = depths[t] as number;
    const inner = (1 << D) - 1;
    table[t * 4] = nodesAt + nodeAt * 8;
    // Leaf slot p (complete-tree index inner..2*inner) is at leafBase + p * 4.
    table[t * 4 + 1] = leavesAt + (leafAt - inner) * 4;
    table[t * 4 + 2] = D;
    table[t * 4 + 3] = (model.treeInfo[t] ?? 0) * 4;
    const baseNode = nodeAt;
    const baseLeaf = leafAt;
    const fillLeaf = (value: number, pos: number, level: number): void => {
      if (level === D) {
        leaves[baseLeaf + pos - inner] = value;
        return;
      }
      // Padding node: either direction reaches the same value.
      nodeWords[(baseNode + pos) * 2] = 0;
      nodeFloats[(baseNode + pos) * 2 + 1] = 0;
      fillLeaf(value, 2 * pos + 1, level + 1);
      fillLeaf(value, 2 * pos + 2, level + 1);
    };
    const place = (src: number, pos: number, level: number): void => {
      if (tree.left[src] === -1) {
        fillLeaf(tree.threshold[src] as number, pos, level);
        return;
      }
      const at = (baseNode + pos) * 2;
      // Default-right nodes read the copy where NaN is +Infinity (see split in predict-wasm.ts).
      nodeWords[at] = (tree.defaultLeft[src] === 1 ? 0 : width * columnBytes) + (tree.feature[src] as number) * columnBytes;
      nodeFloats[at + 1] = tree.threshold[src] as number;
      place(tree.left[src] as number, 2 * pos + 1, level + 1);
      place(tree.right[src] as number, 2 * pos + 2, level + 1);
    };
    place(0, 0, 0);
    nodeAt += inner;
    leafAt += inner + 1;
  }

  const staging = new Float32Array(buffer, stagingAt, width * BLOCK_ROWS);
  const sums = new Float32Array(buffer, sumsAt, BLOCK_ROWS * groups);
  const base = baseMargin(model.objective, model.baseScore);
  const features = [...used].sort((a, b) => a - b);
  return {
    groups,
    image() {
      const bytes = new Uint8Array(buffer, 0, stagingAt).slice().buffer;
      return { bytes, layout: { treesAt, nTrees: trees.length, stagingAt, dualAt, sumsAt, end, width, groups, base, blockRows: BLOCK_ROWS, lanes: PREDICT_LANES, features } };
    },
    predict(columns, begin, end, out, signal) {
      // Features the columns lack read as missing.
      staging.fill(Number.NaN);
      const present = features.filter((f) => f < columns.length);
      for (let start = begin; start < end; start += BLOCK_ROWS) {
        throwIfAborted(signal);
        const count = Math.min(BLOCK_ROWS, end - start);
        for (const f of present) staging.set((columns[f] as Float32Array).subarray(start, start + count), f * BLOCK_ROWS);
        kernel.split(stagingAt, dualAt, width * columnBytes);
        sums.fill(base);
        // Whole lanes only; the rows past `count` hold stale values and their sums are never read.
        const padded = Math.ceil(count / PREDICT_LANES) * PREDICT_LANES;
        kernel.run(dualAt, dualAt + padded * 4, treesAt, trees.length, sumsAt, groups * 4);
        const outAt = (start - begin) * groups;
        for (let i = 0; i < count * groups; i++) out[outAt + i] = sums[i] as number;
      }
    },
  };
}
