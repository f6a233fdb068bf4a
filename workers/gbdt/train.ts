import { EngineError, cancelledError } from '../protocol/errors';
import { MISSING_BIN, binColumns, type BinnedMatrix } from './binning';
import { auc, errorRate, logloss, mlogloss, rmse } from './metrics';
import { ROOT_PARENT, TreeBuilder, baseMargin, type BoostedModel, type Tree } from './model';
import { computeGradients, transformMargins } from './objectives';
import type { EvalMetric, GbdtParams } from './params';
import { createRng } from './rng';
import { calcWeight, findBestSplit, type SplitCandidate } from './split';
import { HIST_BLOCK_ROWS, HIST_STRIDE, rootSums, type HistogramKernel, type LeafTask, type ResidentTrees, type RowParallel } from './histogram';
import { addLeavesRange, partitionRange } from './row-ops';
import { createParallelHistogramKernel } from './parallel-histogram';
import { RoundKeeper, type RoundReport } from './round-keeper';

/** Float32 feature columns (NaN = missing) and labels (0/1, class index, or value). */
export interface FeatureData {
  columns: Float32Array[];
  labels: Float32Array;
}

export type { RoundReport } from './round-keeper';

export interface TrainOptions {
  params: GbdtParams;
  featureNames: string[];
  valid?: FeatureData;
  /** Called after every round; training waits for it (a host yields here so a cancel gets through). */
  onRound?: (report: RoundReport) => void | Promise<void>;
  signal?: AbortSignal;
  /** The histogram backend; the CPU (WASM) kernel when absent. */
  kernel?: HistogramKernel;
  /**
   * Evaluate metrics on the training rows every round (default true). AUC sorts every row, which
   * on millions of rows costs more than a round; XGBoost only evaluates the sets it is given.
   */
  evaluateTrain?: boolean;
}

export interface TrainResult {
  model: BoostedModel;
  backend: 'cpu' | 'webgpu';
  /** How the backend ran, when it has more to say (the device trainer, or why it declined). */
  backendDetail?: string;
  history: RoundReport[];
  /** Per feature: total gain, cover and number of splits. */
  elapsedMs: number;
}

/** What trainGbdt has worked out before a kernel that trains on the device takes over. */
export interface DeviceTrainingStart {
  margin0: number;
  baseScore: number;
}

/** A kernel that can run the whole boosting loop on its device (webgpu-resident.ts): the result, or why not. */
export interface DeviceTrainer {
  trainOnDevice(train: FeatureData, options: TrainOptions, start: DeviceTrainingStart): Promise<TrainResult | string>;
}

/** sum += part over the given features. */
function addHistogram(sum: Float64Array, part: Float64Array, features: Int32Array): void {
  for (let fi = 0; fi < features.length; fi++) {
    const base = (features[fi] as number) * HIST_STRIDE;
    const end = base + HIST_STRIDE;
    for (let k = base; k < end; k++) sum[k] = (sum[k] as number) + (part[k] as number);
  }
}

/** parent -= child over the given features: the parent's buffer becomes the sibling's histogram. */
function subtractHistogram(parent: Float64Array, child: Float64Array, features: Int32Array): void {
  for (let fi = 0; fi < features.length; fi++) {
    const base = (features[fi] as number) * HIST_STRIDE;
    const end = base + HIST_STRIDE;
    for (let k = base; k < end; k++) parent[k] = (parent[k] as number) - (child[k] as number);
  }
}

interface OpenNode {
  id: number;
  begin: number;
  end: number;
  G: number;
  H: number;
  hist: Float64Array;
  depth: number;
}

/** Buffers kept from tree to tree: histograms (kernels overwrite them whole) and the partition scratch. */
interface TreeBuffers {
  pool: Float64Array[];
  scratch: Uint32Array;
  /** Per-block histograms of large nodes. */
  blocks: Float64Array[];
}

interface GrownTree {
  tree: Tree;
  /** Bin thresholds per node (internal nodes), for fast updates on binned rows. */
  splitBin: Int32Array;
  /**
   * The rows of each leaf: rows[leafBegin[k], leafEnd[k]) of the partitioned array land in
   * leafNode[k]. With a margin sink, the leaves of the deepest splits are not listed (growTree
   * added their values already).
   */
  rows: Uint32Array;
  leafNode: number[];
  leafBegin: number[];
  leafEnd: number[];
}

/** Where growTree adds leaf values when every row takes part in the tree (margins of `group`). */
interface MarginSink {
  margins: Float32Array;
  groups: number;
  group: number;
}

/** The row-wise steps on helper threads, with the rows buffer (0 or 1) this tree uses. */
interface ParallelRows {
  ops: RowParallel;
  buffer: 0 | 1;
}

/** A node split in this level, waiting for its rows to be partitioned. */
interface PendingSplit {
  node: OpenNode;
  split: SplitCandidate;
  leftId: number;
  rightId: number;
}

async function growTree(
  data: BinnedMatrix,
  rows: Uint32Array,
  gh: Float32Array,
  features: Int32Array,
  binCounts: Int32Array,
  p: GbdtParams,
  kernel: HistogramKernel,
  buffers: TreeBuffers,
  sink?: MarginSink,
  parallel?: ParallelRows,
): Promise<GrownTree> {
  const request = { bins: data.bins, nFeatures: data.nFeatures, rows, begin: 0, end: 0, gh, features };
  const build = async (begin: number, end: number, out: Float64Array): Promise<void> => {
    // Kernels without buildBlocks (the JS reference, WebGPU) take the node in one call.
    if (end - begin <= HIST_BLOCK_ROWS || !kernel.buildBlocks) return kernel.build({ ...request, begin, end }, out);
    // Blocks of HIST_BLOCK_ROWS rows added in block order: the same sums on any number of threads.
    const blocks: Array<[number, number]> = [];
    for (let b = begin; b < end; b += HIST_BLOCK_ROWS) blocks.push([b, Math.min(b + HIST_BLOCK_ROWS, end)]);
    const outs = buffers.blocks;
    while (outs.length < blocks.length) outs.push(new Float64Array(data.nFeatures * HIST_STRIDE));
    await kernel.buildBlocks(request, blocks, outs);
    out.set(outs[0] as Float64Array);
    for (let i = 1; i < blocks.length; i++) addHistogram(out, outs[i] as Float64Array, features);
  };
  /** Histograms of row ranges: all at once on the helper threads when there are some. */
  const buildNodes = async (ranges: Array<[number, number]>, outs: Float64Array[]): Promise<void> => {
    if (parallel) return parallel.ops.histograms(parallel.buffer, features, ranges, outs);
    for (let k = 0; k < ranges.length; k++) {
      const [begin, end] = ranges[k] as [number, number];
      await build(begin, end, outs[k] as Float64Array);
    }
  };
  const builder = new TreeBuilder();
  const splitBins: number[] = [];
  const leafNode: number[] = [];
  const leafBegin: number[] = [];
  const leafEnd: number[] = [];
  const addLeaf = (id: number, begin: number, end: number): void => {
    leafNode.push(id);
    leafBegin.push(begin);
    leafEnd.push(end);
  };
  const histSize = data.nFeatures * HIST_STRIDE;
  const [G, H] = parallel ? await parallel.ops.sums(parallel.buffer, rows.length) : rootSums(rows, gh, rows.length);
  const { pool, scratch } = buffers;
  const rootHist = pool.pop() ?? new Float64Array(histSize);
  await buildNodes([[0, rows.length]], [rootHist]);
  const root = builder.addNode(ROOT_PARENT, H, calcWeight(p, G, H) * p.eta);
  splitBins.push(-1);
  let level: OpenNode[] = [{ id: root, begin: 0, end: rows.length, G, H, hist: rootHist, depth: 0 }];
  while (level.length > 0) {
    // 1. Split every node of the level (node ids in level order, as XGBoost numbers them).
    const toPartition: PendingSplit[] = [];
    const toLeaves: PendingSplit[] = [];
    for (const node of level) {
      if (node.depth >= p.max_depth) {
        pool.push(node.hist);
        addLeaf(node.id, node.begin, node.end);
        continue;
      }
      const split = findBestSplit(node.hist, features, binCounts, node.G, node.H, p);
      // XGBoost: a split must gain more than kRtEps and at least min_split_loss (gamma).
      if (!split || split.gain <= 1e-6 || split.gain < p.gamma) {
        pool.push(node.hist);
        addLeaf(node.id, node.begin, node.end);
        continue;
      }
      const lG = split.leftG;
      const lH = split.leftH;
      const leftId = builder.addNode(node.id, lH, calcWeight(p, lG, lH) * p.eta);
      const rightId = builder.addNode(node.id, node.H - lH, calcWeight(p, node.G - lG, node.H - lH) * p.eta);
      splitBins.push(-1, -1);
      builder.left[node.id] = leftId;
      builder.right[node.id] = rightId;
      builder.feature[node.id] = split.feature;
      builder.threshold[node.id] = data.cuts[split.feature]?.cuts[split.bin] ?? 0;
      builder.defaultLeft[node.id] = split.defaultLeft ? 1 : 0;
      builder.lossChange[node.id] = split.gain;
      splitBins[node.id] = split.bin;
      // Children that are leaves of a tree every row takes part in: straight into the margins.
      if (node.depth + 1 >= p.max_depth && sink) {
        pool.push(node.hist);
        toLeaves.push({ node, split, leftId, rightId });
      } else toPartition.push({ node, split, leftId, rightId });
    }
    // 2. The rows: partitions and leaf values, on helper threads when there are some.
    const task = ({ node, split }: PendingSplit) => ({ begin: node.begin, end: node.end, feature: split.feature, bin: split.bin, defaultLeft: split.defaultLeft });
    // Leaf values as the tree stores them (float32).
    const leafValue = (id: number): number => Math.fround(builder.threshold[id] as number);
    let mids: number[];
    if (parallel) {
      mids = await parallel.ops.partition(parallel.buffer, toPartition.map(task));
      if (sink && toLeaves.length > 0) {
        await parallel.ops.addLeaves(parallel.buffer, toLeaves.map((s) => ({ ...task(s), leftValue: leafValue(s.leftId), rightValue: leafValue(s.rightId) })), sink.group);
      }
    } else {
      mids = toPartition.map(({ node, split }) => partitionRange(data.columnBins[split.feature] as Uint8Array, rows, node.begin, node.end, split.bin, split.defaultLeft, scratch));
      if (sink) {
        for (const { node, split, leftId, rightId } of toLeaves) {
          addLeavesRange(data.columnBins[split.feature] as Uint8Array, rows, node.begin, node.end, split.bin, split.defaultLeft, leafValue(leftId), leafValue(rightId), sink.margins, sink.groups, sink.group);
        }
      }
    }
    // 3. Children's histograms: build the smaller, derive the larger from the parent.
    const smallHists: Float64Array[] = [];
    const ranges: Array<[number, number]> = [];
    const owners: number[] = [];
    for (let k = 0; k < toPartition.length; k++) {
      const { node } = toPartition[k] as PendingSplit;
      if (node.depth + 1 >= p.max_depth) continue;
      const mid = mids[k] as number;
      ranges.push(mid - node.begin <= node.end - mid ? [node.begin, mid] : [mid, node.end]);
      owners.push(k);
    }
    // Kernels overwrite the whole buffer, so a recycled one needs no clearing.
    const outs = ranges.map(() => pool.pop() ?? new Float64Array(histSize));
    await buildNodes(ranges, outs);
    owners.forEach((k, j) => {
      smallHists[k] = outs[j] as Float64Array;
    });
    const next: OpenNode[] = [];
    for (let k = 0; k < toPartition.length; k++) {
      const { node, split, leftId, rightId } = toPartition[k] as PendingSplit;
      const mid = mids[k] as number;
      const depth = node.depth + 1;
      if (depth >= p.max_depth) {
        pool.push(node.hist); // children are leaves: no histograms needed
        addLeaf(leftId, node.begin, mid);
        addLeaf(rightId, mid, node.end);
        continue;
      }
      const leftSmaller = mid - node.begin <= node.end - mid;
      const small = smallHists[k] as Float64Array;
      const large = node.hist; // reuse the parent's buffer
      subtractHistogram(large, small, features);
      const lG = split.leftG;
      const lH = split.leftH;
      next.push({ id: leftId, begin: node.begin, end: mid, G: lG, H: lH, hist: leftSmaller ? small : large, depth });
      next.push({ id: rightId, begin: mid, end: node.end, G: node.G - lG, H: node.H - lH, hist: leftSmaller ? large : small, depth });
    }
    level = next;
  }
  return { tree: builder.freeze(), splitBin: Int32Array.from(splitBins), rows, leafNode, leafBegin, leafEnd };
}

/** A node of growTreeResident's level: its histogram in a slot of the threads' memory, its best split found. */
interface ResidentNode {
  id: number;
  begin: number;
  end: number;
  G: number;
  H: number;
  slot: number;
  depth: number;
  split: SplitCandidate | null;
}

/**
 * growTree for kernels whose threads keep the node histograms (RowParallel.resident): the
 * histograms never leave the threads' memory, and the threads add a node's blocks, derive the
 * larger child (parent - smaller child) and find the splits, a few features per work item. The
 * same nodes in the same order with the same arithmetic as growTree, so the same trees. With a
 * margin sink every leaf's value goes into the margins here (on the threads), so the result lists
 * no leaves. `sums`: the root's gradient sums (as rootSums adds them).
 */
async function growTreeResident(
  data: BinnedMatrix,
  rows: Uint32Array,
  sums: readonly [number, number],
  features: Int32Array,
  binCounts: Int32Array,
  p: GbdtParams,
  resident: ResidentTrees,
  parallel: ParallelRows,
  sink?: MarginSink,
): Promise<GrownTree> {
  const { ops } = parallel;
  // The rows buffer holding the open nodes' rows (partitions may move them to the other one).
  let buffer = parallel.buffer;
  const builder = new TreeBuilder();
  const splitBins: number[] = [];
  const leafNode: number[] = [];
  const leafBegin: number[] = [];
  const leafEnd: number[] = [];
  // Leaves whose values the sink takes: as leaf tasks that send every bin left, by the rows
  // buffer that holds their rows.
  const sinkLeaves: [LeafTask[], LeafTask[]] = [[], []];
  const addLeaf = (id: number, begin: number, end: number, rowsIn: 0 | 1 = buffer): void => {
    if (sink) {
      const value = Math.fround(builder.threshold[id] as number);
      if (end > begin) sinkLeaves[rowsIn].push({ begin, end, feature: 0, bin: 254, defaultLeft: true, leftValue: value, rightValue: value });
      return;
    }
    leafNode.push(id);
    leafBegin.push(begin);
    leafEnd.push(end);
  };
  // Every slot this tree holds, given back however the tree ends.
  const held = new Set<number>();
  const take = (): number => {
    const slot = resident.allocate();
    held.add(slot);
    return slot;
  };
  const drop = (slot: number): void => {
    held.delete(slot);
    resident.release(slot);
  };
  try {
    resident.setFeatures(features);
    const [G, H] = sums;
    const rootSlot = take();
    await resident.build(buffer, [[0, rows.length]], [rootSlot]);
    const [[rootSplit]] = (await resident.splits([{ slot: rootSlot, G, H }], p, binCounts)) as [[SplitCandidate | null, SplitCandidate | null]];
    const root = builder.addNode(ROOT_PARENT, H, calcWeight(p, G, H) * p.eta);
    splitBins.push(-1);
    let level: ResidentNode[] = [{ id: root, begin: 0, end: rows.length, G, H, slot: rootSlot, depth: 0, split: rootSplit }];
    while (level.length > 0) {
      // 1. Split every node of the level (node ids in level order, as XGBoost numbers them).
      const toPartition: Array<{ node: ResidentNode; split: SplitCandidate; leftId: number; rightId: number }> = [];
      const toLeaves: LeafTask[] = [];
      for (const node of level) {
        const split = node.split;
        // XGBoost: a split must gain more than kRtEps and at least min_split_loss (gamma).
        if (node.depth >= p.max_depth || !split || split.gain <= 1e-6 || split.gain < p.gamma) {
          drop(node.slot);
          addLeaf(node.id, node.begin, node.end);
          continue;
        }
        const lG = split.leftG;
        const lH = split.leftH;
        const leftId = builder.addNode(node.id, lH, calcWeight(p, lG, lH) * p.eta);
        const rightId = builder.addNode(node.id, node.H - lH, calcWeight(p, node.G - lG, node.H - lH) * p.eta);
        splitBins.push(-1, -1);
        builder.left[node.id] = leftId;
        builder.right[node.id] = rightId;
        builder.feature[node.id] = split.feature;
        builder.threshold[node.id] = data.cuts[split.feature]?.cuts[split.bin] ?? 0;
        builder.defaultLeft[node.id] = split.defaultLeft ? 1 : 0;
        builder.lossChange[node.id] = split.gain;
        splitBins[node.id] = split.bin;
        if (node.depth + 1 >= p.max_depth && sink) {
          // Children that are leaves of a tree every row takes part in: straight into the margins.
          drop(node.slot);
          const leafValue = (id: number): number => Math.fround(builder.threshold[id] as number);
          toLeaves.push({ begin: node.begin, end: node.end, feature: split.feature, bin: split.bin, defaultLeft: split.defaultLeft, leftValue: leafValue(leftId), rightValue: leafValue(rightId) });
        } else toPartition.push({ node, split, leftId, rightId });
      }
      // 2. The rows: leaf values (with the leaves so far when nothing is left to partition), partitions.
      if (toPartition.length === 0) toLeaves.push(...sinkLeaves[buffer].splice(0));
      if (toLeaves.length > 0) await ops.addLeaves(buffer, toLeaves, (sink as MarginSink).group);
      const parted = await resident.partition(buffer, toPartition.map(({ node, split }) => ({ begin: node.begin, end: node.end, feature: split.feature, bin: split.bin, defaultLeft: split.defaultLeft })));
      const mids = parted.mids;
      buffer = parted.buffer;
      // 3. Children's histograms: build the smaller, derive the larger from the parent's slot.
      const ranges: Array<[number, number]> = [];
      const slots: number[] = [];
      const tasks: Array<{ slot: number; G: number; H: number; derived: { slot: number; G: number; H: number } }> = [];
      const next: ResidentNode[] = [];
      for (let k = 0; k < toPartition.length; k++) {
        const { node, split, leftId, rightId } = toPartition[k] as (typeof toPartition)[number];
        const mid = mids[k] as number;
        if (node.depth + 1 >= p.max_depth) {
          drop(node.slot); // children are leaves: no histograms needed
          addLeaf(leftId, node.begin, mid);
          addLeaf(rightId, mid, node.end);
          continue;
        }
        const lG = split.leftG;
        const lH = split.leftH;
        const left = { id: leftId, begin: node.begin, end: mid, G: lG, H: lH, slot: -1, depth: node.depth + 1, split: null };
        const right = { id: rightId, begin: mid, end: node.end, G: node.G - lG, H: node.H - lH, slot: -1, depth: node.depth + 1, split: null };
        const leftSmaller = mid - node.begin <= node.end - mid;
        const [small, large] = leftSmaller ? [left, right] : [right, left];
        small.slot = take();
        large.slot = node.slot;
        ranges.push([small.begin, small.end]);
        slots.push(small.slot);
        tasks.push({ slot: small.slot, G: small.G, H: small.H, derived: { slot: large.slot, G: large.G, H: large.H } });
        next.push(left, right);
      }
      if (tasks.length > 0) {
        await resident.build(buffer, ranges, slots);
        const found = await resident.splits(tasks, p, binCounts);
        found.forEach(([smallSplit, largeSplit], k) => {
          const left = next[2 * k] as ResidentNode;
          const right = next[2 * k + 1] as ResidentNode;
          const leftSmaller = left.slot === (tasks[k] as (typeof tasks)[number]).slot;
          left.split = leftSmaller ? smallSplit : largeSplit;
          right.split = leftSmaller ? largeSplit : smallSplit;
        });
      }
      level = next;
    }
    for (const rowsIn of [0, 1] as const) if (sinkLeaves[rowsIn].length > 0) await ops.addLeaves(rowsIn, sinkLeaves[rowsIn], (sink as MarginSink).group);
  } finally {
    for (const slot of held) resident.release(slot);
  }
  return { tree: builder.freeze(), splitBin: Int32Array.from(splitBins), rows, leafNode, leafBegin, leafEnd };
}

/**
 * Adds a tree's leaf values to the margins of the rows it was grown on: after partitioning, each
 * leaf's rows are a range of the row array, so no row walks the tree. Same float arithmetic as
 * addTreeToMargins.
 */
function addLeavesToMargins(grown: GrownTree, margins: Float32Array, groups: number, g: number): void {
  const { rows, leafNode, leafBegin, leafEnd, tree } = grown;
  for (let k = 0; k < leafNode.length; k++) {
    const value = tree.threshold[leafNode[k] as number] as number;
    const end = leafEnd[k] as number;
    for (let i = leafBegin[k] as number; i < end; i++) {
      const idx = (rows[i] as number) * groups + g;
      margins[idx] = Math.fround((margins[idx] as number) + value);
    }
  }
}

/** Adds a tree's leaf values to the margins of binned rows (group g of `groups`). */
function addTreeToMargins(grown: GrownTree, data: BinnedMatrix, margins: Float32Array, groups: number, g: number): void {
  const { tree, splitBin } = grown;
  const n = data.nRows;
  const F = data.nFeatures;
  const bins = data.bins;
  for (let r = 0; r < n; r++) {
    let node = 0;
    const rowBase = r * F;
    while (tree.left[node] !== -1) {
      const b = bins[rowBase + (tree.feature[node] as number)] as number;
      const left = b === MISSING_BIN ? tree.defaultLeft[node] === 1 : b <= (splitBin[node] as number);
      node = left ? (tree.left[node] as number) : (tree.right[node] as number);
    }
    const idx = r * groups + g;
    margins[idx] = Math.fround((margins[idx] as number) + (tree.threshold[node] as number));
  }
}

function evaluate(metrics: EvalMetric[], p: GbdtParams, margins: Float32Array, labels: Float32Array, groups: number): Partial<Record<EvalMetric, number>> {
  const preds = transformMargins(p.objective, margins, groups);
  const out: Partial<Record<EvalMetric, number>> = {};
  for (const m of metrics) {
    if (m === 'auc') out.auc = auc(preds, labels);
    else if (m === 'logloss') out.logloss = logloss(preds, labels);
    else if (m === 'error') out.error = errorRate(preds, labels);
    else if (m === 'rmse') out.rmse = rmse(preds, labels);
    else if (m === 'mlogloss') out.mlogloss = mlogloss(preds, labels, groups);
  }
  return out;
}

function checkLabels(p: GbdtParams, labels: Float32Array, groups: number): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    if (Number.isNaN(y)) throw new EngineError('BAD_INPUT', `Label of row ${i + 1} is missing; drop or fill rows without a label.`);
    if (p.objective === 'binary:logistic' && y !== 0 && y !== 1) throw new EngineError('BAD_INPUT', `binary:logistic needs labels 0 or 1; row ${i + 1} has ${y}.`);
    if (p.objective === 'multi:softprob' && (!Number.isInteger(y) || y < 0 || y >= groups)) {
      throw new EngineError('BAD_INPUT', `multi:softprob needs class labels 0..${groups - 1}; row ${i + 1} has ${y}.`);
    }
  }
}

/** Trains a boosted-tree model the way XGBoost's `hist` method does (depth-wise growth). */
export async function trainGbdt(train: FeatureData, options: TrainOptions): Promise<TrainResult> {
  const started = Date.now();
  const p = options.params;
  const nRows = train.labels.length;
  const nFeatures = train.columns.length;
  if (nRows === 0) throw new EngineError('BAD_INPUT', 'There are no rows to train on.');
  if (nFeatures === 0) throw new EngineError('BAD_INPUT', 'There are no features to train on.');
  const groups = p.objective === 'multi:softprob' ? p.num_class : 1;
  if (p.objective === 'multi:softprob' && groups < 2) throw new EngineError('BAD_INPUT', 'multi:softprob needs num_class >= 2.');
  checkLabels(p, train.labels, groups);

  if (options.valid) checkLabels(p, options.valid.labels, groups);

  let baseScore = p.base_score;
  if (baseScore === null) {
    if (p.objective === 'reg:squarederror') {
      let s = 0;
      for (let i = 0; i < nRows; i++) s += train.labels[i] as number;
      baseScore = s / nRows;
    } else baseScore = 0.5;
  }
  if (p.objective === 'binary:logistic' && !(baseScore > 0 && baseScore < 1)) throw new EngineError('BAD_INPUT', 'base_score must be in (0, 1) for binary:logistic.');
  const margin0 = baseMargin(p.objective, baseScore);
  // A kernel that trains on its device takes the whole loop, or says why it declined.
  const onDevice = await (options.kernel as Partial<DeviceTrainer> | undefined)?.trainOnDevice?.(train, options, { margin0, baseScore });
  if (onDevice !== undefined && typeof onDevice !== 'string') return onDevice;
  const kernel = options.kernel ?? createParallelHistogramKernel(1);
  // Binning, histograms, gradients, partitions and leaf values on the kernel's threads (CPU
  // kernels): the trainer then keeps its bins, rows, gradient pairs and margins in their memory.
  const parallel = kernel.rowParallel?.({ columns: train.columns, labels: train.labels, groups, maxBin: p.max_bin, seed: p.seed, maxDepth: p.max_depth }) ?? null;
  const resident = parallel?.resident ?? null;
  try {
    const data = parallel ? await parallel.bin() : binColumns(train.columns, p.max_bin, p.seed);
    const binCounts = Int32Array.from(data.cuts.map((c) => c.cuts.length));
    const validData = options.valid ? binColumns(options.valid.columns, p.max_bin, p.seed, data.cuts) : null;
    // Float32: every update rounds to float32 anyway (as XGBoost's prediction cache), and half the
    // bytes make the scattered leaf updates cheaper.
    const margins = parallel ? parallel.margins : new Float32Array(nRows * groups);
    margins.fill(margin0);
    const validMargins = validData ? new Float32Array(validData.nRows * groups).fill(margin0) : null;
    const gh = parallel ? parallel.gh : new Float32Array(nRows * 2);
    const rng = createRng(p.seed);
    const trees: Tree[] = [];
    const treeInfo: number[] = [];
    const rounds = new RoundKeeper(p, options);
    const allRows = new Uint32Array(nRows);
    for (let i = 0; i < nRows; i++) allRows[i] = i;
    // Trees alternate between two row buffers: a different rows array marks a new tree to the
    // kernels (they copy the new gradient pairs then), and no tree allocates megabytes.
    const rowBuffers = parallel ? parallel.rows : ([new Uint32Array(nRows), new Uint32Array(nRows)] as const);
    let treeCount = 0;
    const buffers: TreeBuffers = { pool: [], scratch: parallel ? parallel.scratch : new Uint32Array(nRows), blocks: [] };
    const roundMargins = groups > 1 ? (parallel?.roundMargins ?? new Float32Array(nRows * groups)) : null;
    for (let round = 0; round < p.num_boost_round; round++) {
      if (options.signal?.aborted) throw cancelledError();
      if (roundMargins) roundMargins.set(margins);
      for (let g = 0; g < groups; g++) {
        const buffer = (treeCount++ & 1) as 0 | 1;
        const rowBuffer = rowBuffers[buffer];
        // Every row in the tree, node histograms on the threads: gradients, rows and their sums in one step.
        const started = resident && p.subsample >= 1 ? await resident.startTree(p.objective, g, p.scale_pos_weight, nRows, buffer) : null;
        if (!started) {
          if (parallel) await parallel.gradients(p.objective, g, p.scale_pos_weight, nRows);
          else computeGradients(p.objective, roundMargins ?? margins, train.labels, groups, g, p.scale_pos_weight, gh);
        }
        let rows: Uint32Array;
        if (started) rows = rowBuffer;
        else if (p.subsample < 1) {
          let count = 0;
          for (let i = 0; i < nRows; i++) if (rng() < p.subsample) rowBuffer[count++] = i;
          rows = rowBuffer.subarray(0, count);
        } else {
          rowBuffer.set(allRows);
          rows = rowBuffer;
        }
        let features: Int32Array;
        if (p.colsample_bytree < 1) {
          const k = Math.max(1, Math.floor(nFeatures * p.colsample_bytree));
          const order = Array.from({ length: nFeatures }, (_, i) => i);
          for (let i = nFeatures - 1; i > 0; i--) {
            const j = Math.floor(rng() * (i + 1));
            [order[i], order[j]] = [order[j] as number, order[i] as number];
          }
          features = Int32Array.from(order.slice(0, k).sort((a, b) => a - b));
        } else features = Int32Array.from({ length: nFeatures }, (_, i) => i);
        // Every row takes part (no subsample): leaves add their values to the margins as the tree
        // grows (the deepest splits) or from their row ranges (the rest).
        const everyRow = rows.length === nRows;
        const sink = everyRow ? { margins, groups, group: g } : undefined;
        const grown =
          resident && parallel
            ? await growTreeResident(data, rows, started ?? (await parallel.sums(buffer, rows.length)), features, binCounts, p, resident, { ops: parallel, buffer }, sink)
            : await growTree(data, rows, gh, features, binCounts, p, kernel, buffers, sink, parallel ? { ops: parallel, buffer } : undefined);
        if (everyRow) addLeavesToMargins(grown, margins, groups, g);
        else addTreeToMargins(grown, data, margins, groups, g);
        if (validData && validMargins) addTreeToMargins(grown, validData, validMargins, groups, g);
        trees.push(grown.tree);
        treeInfo.push(g);
      }
      const report: RoundReport = { round: round + 1, train: options.evaluateTrain === false ? {} : evaluate(p.eval_metric, p, margins, train.labels, groups) };
      if (validData && validMargins && options.valid) report.valid = evaluate(p.eval_metric, p, validMargins, options.valid.labels, groups);
      if (await rounds.end(round, report)) break;
    }
    const bestIteration = rounds.bestIteration();
    if (bestIteration !== null) {
      // Keep the trees up to the best round, as XGBoost's best_iteration.
      trees.length = (bestIteration + 1) * groups;
      treeInfo.length = (bestIteration + 1) * groups;
    }
    return {
      model: {
        objective: p.objective,
        numClass: p.objective === 'multi:softprob' ? groups : 0,
        baseScore,
        numFeature: nFeatures,
        featureNames: options.featureNames,
        trees,
        treeInfo,
        bestIteration,
      },
      history: rounds.history,
      backend: kernel.backend,
      ...(typeof onDevice === 'string' ? { backendDetail: `not on the device: ${onDevice}` } : {}),
      elapsedMs: Date.now() - started,
    };
  } finally {
    parallel?.finish();
  }
}
