import { EngineError } from '../protocol/errors';
import { FLOAT32_MAX, MAX_VALUE_BINS, MISSING_BIN, SKETCH_SAMPLE, binColumn, computeCuts, sortFloat32, type BinnedMatrix, type FeatureCuts } from './binning';
import { HIST_BLOCK_ROWS, HIST_STRIDE, type HistogramKernel, type LeafTask, type PartitionTask, type ResidentSplitTask, type ResidentTrees, type RowParallel, type RowParallelData } from './histogram';
import { computeGradientRange } from './objectives';
import { sigmoidTable } from './sigmoid-table';
import { addLeavesRange, sumGradientRange } from './row-ops';
import { bestSplitOfFeatures, decodeSplit, type SplitCandidate, type SplitParams } from './split';
import { WASM_STRIDE, createWasmHistogramKernel, histogramWasmModule, sharedHistogramWasmModule } from './wasm-histogram';

/**
 * The CPU histogram kernel and the row-wise steps of training on several threads: the calling
 * thread and `threads - 1` helpers.
 *
 * One training run is one session: a shared WebAssembly.Memory holds the bins (both layouts),
 * labels, gradient pairs, both row buffers, the partition scratch, the margins and the block
 * histograms, and every thread runs the shared-memory build of histogram.wat on it, so nothing is
 * copied between threads. Steps are commands in a control block: the calling thread writes a
 * command and its work items, bumps a sequence number and wakes the helpers (Atomics.notify);
 * then every thread, the caller included, takes items off a shared counter until none are left.
 * Between commands helpers spin briefly and then sleep in Atomics.wait: a command costs
 * microseconds, where a message round trip to a sleeping thread cost a wake-up per step.
 *
 * Every item's result depends on the item alone (row ranges, block histograms in their own slots,
 * feature ranges of a block sum added in block order), so which thread ran it does not matter:
 * the trees are the single-thread trees for any thread count. The helpers run these very
 * functions (row-ops.ts, objectives.ts, split.ts's bestSplitOfFeatures, workOnCommand below) from
 * their source text.
 *
 * With ResidentTrees (issue 16) the node histograms stay in the slots too: a tree is a start step
 * (gradients, rows, root sums), then per level a partition (in place, or counted and moved once
 * into the other rows buffer when cut over threads), a build of the smaller children's blocks
 * and a splits step (blocks added, the larger child derived as parent - smaller, best split per
 * node and feature range), so the calling thread only decides splits and hands out work.
 */

/** What the kernel needs of a helper thread. */
export interface HistogramWorkerPort {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the thread fails or exits: a step waiting on it fails instead of hanging. */
  onFailure(listener: (reason: string) => void): void;
  terminate(): void;
  /** Optional: hands the thread back for another kernel (it is out of every session); else terminate. */
  release?(): void;
}

/**
 * Control block slots (Int32). The item counter and the done counter, which threads write during
 * a command, sit on cache lines of their own (64 bytes apart): on the line of SEQ, which idle
 * helpers keep reading, every write would take the line from all of them (a likely part of why
 * every step got slower, not faster, from 8 to 16 threads on the lent 16-core machine).
 */
const C_SEQ = 0; // command number: helpers wait for it to change
const C_NEXT = 16; // next work item to take
const C_DONE = 32; // helpers finished with the current command
const C_ERROR = 3; // a helper failed; its message follows at C_TEXT
const C_CMD = 4;
const C_COUNT = 5; // work items
const C_BUFFER = 6; // row buffer 0 or 1
const C_GROUP = 7;
const C_ARG = 8; // objective code (gradients) or the number of features (build)
const C_TEXT_LENGTH = 9;
const C_SEED = 10; // binning
const C_START_TREE = 11; // gradients: 1 = also rows[buffer] = identity and the chunk sums (startTree)
const C_THREAD_INDEX = 12; // helpers take their index (their gather scratch) from here; the calling thread is 0
const C_TEXT = 48;
const CTRL_INTS = 256;

const CMD_GRADIENTS = 1;
const CMD_PARTITION = 2;
const CMD_SCATTER = 3;
const CMD_COPY = 4;
const CMD_LEAVES = 5;
const CMD_BUILD = 6;
const CMD_REDUCE = 7;
const CMD_EXIT = 8;
const CMD_CUTS = 9;
const CMD_BIN = 10;
const CMD_TRANSPOSE = 11;
/** Helpers drop the float columns (binning is done). */
const CMD_RELEASE = 12;
const CMD_SUMS = 13;
/** Node histograms kept in the slots: add blocks, derive siblings, find splits (ResidentTrees). */
const CMD_SPLITS = 14;
/** Out-of-place partitions (ResidentTrees.partition): lefts per part, then every row to its place in the other rows buffer. */
const CMD_COUNT = 15;
const CMD_MOVE = 16;
/** Float32 cut slots per feature. */
const CUTS_STRIDE = 256;

const OBJECTIVE_CODES = { 'binary:logistic': 0, 'reg:squarederror': 1, 'multi:softprob': 2 } as const;

/** Int32s per work item, and float64s (leaf values, node sums). */
const ITEM_INTS = 8;
const ITEM_F64 = 4;
const ITEM_CAPACITY = 8192;
/** Float64s of split results per item: two candidates (a node and its derived sibling) of 4. */
const SPLIT_OUT_F64 = 8;
/** Int32s for the lists of block slots the split items add into their nodes. */
const LIST_CAPACITY = 65536;
/** Most memory the node histograms of ResidentTrees may take; deeper trees keep them on the calling thread. */
const RESIDENT_SLOT_BYTES = 512 * 2 ** 20;

/** Rows per work item of the row-wise steps: large enough that taking one costs nothing. */
const PART_ROWS = 16384;

/**
 * How long a waiting thread spins (by the clock) before it sleeps in Atomics.wait, in
 * milliseconds: helpers between steps, the calling thread for the helpers' last items. A sleeping
 * thread costs a wake-up per step (on a virtual machine waking a halted core can take tens to
 * hundreds of microseconds), a spinning one takes a core from whatever else wants it: on a busy
 * 2-core machine, 2 threads spinning 0.5 ms trained 1M x 32 for 30 rounds in 4.4 s against 3.4 s
 * with 0.05 ms. So the spin stays short; `bench --only gbdt-threads` also runs the first thread
 * count with helpers spinning 0.5 ms (ParallelKernelOptions.spinMs) to show what a longer spin
 * is worth on an idle many-core machine.
 */
export const HELPER_SPIN_MS = 0.05;
const CALLER_SPIN_MS = 0.1;

/**
 * Item order by size, largest first: the last items taken are the small ones, so the threads run
 * out of work at nearly the same time (results do not depend on the order).
 */
function largestFirst(sizes: readonly number[]): Int32Array {
  return Int32Array.from(sizes, (_, i) => i).sort((x, y) => (sizes[y] as number) - (sizes[x] as number) || x - y);
}

/** Byte offsets in the session memory and sizes; plain numbers so it can be posted. */
export interface SessionLayout {
  nRows: number;
  nFeatures: number;
  groups: number;
  wasmStride: number;
  binsAt: number;
  columnsAt: number;
  labelsAt: number;
  ghAt: number;
  rows0At: number;
  rows1At: number;
  scratchAt: number;
  marginsAt: number;
  /** 0 when there is a single output. */
  roundMarginsAt: number;
  featuresAt: number;
  binCountsAt: number;
  listsAt: number;
  splitOutAt: number;
  cutsAt: number;
  /** The sigmoid table (sigmoid-table.ts), 4097 u32. */
  sigmoidAt: number;
  /** Per thread (by index): buildGathered's scratch of gatherBytes. */
  gatherAt: number;
  gatherBytes: number;
  slotsAt: number;
  slotCount: number;
  itemsAt: number;
  itemsF64At: number;
  resultsAt: number;
  ctrlAt: number;
  ctrlF64At: number;
  bytes: number;
}

/** Typed views of a session's memory. */
export interface SessionViews {
  ctrl: Int32Array;
  ctrlF64: Float64Array;
  bins: Uint8Array;
  /** The float columns being binned (empty otherwise). */
  floats: Float32Array[];
  cuts: Float32Array;
  items: Int32Array;
  itemsF64: Float64Array;
  results: Int32Array;
  columns: Uint8Array[];
  labels: Float32Array;
  gh: Float32Array;
  rows0: Uint32Array;
  rows1: Uint32Array;
  scratch: Uint32Array;
  margins: Float32Array;
  roundMargins: Float32Array | null;
  features: Int32Array;
  binCounts: Int32Array;
  lists: Int32Array;
  splitOut: Float64Array;
  slots: Float64Array;
}

/** The kernels a thread runs work items with. */
export interface SessionOps {
  computeGradientRange: typeof computeGradientRange;
  addLeavesRange: typeof addLeavesRange;
  sumGradientRange: typeof sumGradientRange;
  computeCuts: typeof computeCuts;
  binColumn: typeof binColumn;
  buildFeatures: (bins: number, F: number, rows: number, begin: number, end: number, gh: number, hist: number, f0: number, f1: number) => number;
  buildSubset: (bins: number, F: number, rows: number, begin: number, end: number, gh: number, hist: number, features: number, nf: number) => number;
  bestSplitOfFeatures: typeof bestSplitOfFeatures;
  /** partitionRange on the session memory (histogram.wat): the same stable partition, from src into dst (which may be src). */
  partition: (column: number, src: number, dst: number, begin: number, end: number, bin: number, defaultLeft: number, scratch: number) => number;
  /** The number of rows of a range that go left (histogram.wat). */
  countLeft: (column: number, rows: number, begin: number, end: number, bin: number, defaultLeft: number) => number;
  /** One part of a partition spread over threads: its lefts and rights to their places in dst (histogram.wat). */
  moveSides: (column: number, src: number, dst: number, begin: number, end: number, bin: number, defaultLeft: number, leftAt: number, rightAt: number) => void;
  /** addLeavesRange for one output on the session memory (histogram.wat): the same float32 sums. */
  addLeaves: (column: number, rows: number, begin: number, end: number, bin: number, defaultLeft: number, leftValue: number, rightValue: number, margins: number) => void;
  /**
   * buildFeatures for scattered rows: copies 64 rows at a time into this thread's scratch first
   * (histogram.wat); dense rows go to buildFeatures. The same sums.
   */
  buildGathered: (bins: number, F: number, rows: number, begin: number, end: number, gh: number, hist: number, f0: number, f1: number, scratch: number) => number;
  /** binary:logistic gradient pairs from the sigmoid table (histogram.wat; logisticGradientRange's bits), with start = 1 also the rows reset and their sums. */
  gradientsTable: (margins: number, labels: number, table: number, gh: number, begin: number, end: number, scalePosWeight: number, start: number, rows: number, sums: number) => void;
  /** dst[k] += src[k] and dst[k] -= src[k] over float64s at byte offsets, `bytes` a multiple of 16 (histogram.wat). */
  addBins: (dst: number, src: number, bytes: number) => void;
  subtractBins: (dst: number, src: number, bytes: number) => void;
  /** bestSplitOfFeatures for alpha = 0 and max_delta_step = 0 on the session memory (histogram.wat): the same result bits. */
  bestSplit: (hist: number, strideBytes: number, features: number, fi0: number, fi1: number, binCounts: number, G: number, H: number, lambda: number, mcw: number, out: number) => void;
  /** Byte offset of this thread's gather scratch. */
  gatherAt: number;
}

function sessionLayout(nRows: number, nFeatures: number, groups: number, slotCount: number, threads: number): SessionLayout {
  let at = 0;
  const take = (bytes: number): number => {
    const start = at;
    at = Math.ceil((at + bytes) / 64) * 64; // cache-line aligned
    return start;
  };
  const binsAt = take(nRows * nFeatures);
  const columnsAt = take(nRows * nFeatures);
  const labelsAt = take(nRows * 4);
  const ghAt = take(nRows * 8);
  const rows0At = take(nRows * 4);
  const rows1At = take(nRows * 4);
  const scratchAt = take(nRows * 4);
  const marginsAt = take(nRows * groups * 4);
  const roundMarginsAt = groups > 1 ? take(nRows * groups * 4) : 0;
  const featuresAt = take(nFeatures * 4);
  const binCountsAt = take(nFeatures * 4);
  const listsAt = take(LIST_CAPACITY * 4);
  const splitOutAt = take(ITEM_CAPACITY * SPLIT_OUT_F64 * 8);
  const cutsAt = take(nFeatures * CUTS_STRIDE * 4);
  const sigmoidAt = take(4097 * 4);
  // 64 rows of bins (16-byte rounded) and gradient pairs per thread (histogram.wat buildGathered).
  const gatherBytes = Math.ceil((64 * (Math.ceil(nFeatures / 16) * 16 + 8)) / 64) * 64;
  const gatherAt = take(gatherBytes * threads);
  const slotsAt = take(slotCount * nFeatures * WASM_STRIDE * 8);
  const itemsAt = take(ITEM_CAPACITY * ITEM_INTS * 4);
  const itemsF64At = take(ITEM_CAPACITY * ITEM_F64 * 8);
  const resultsAt = take(ITEM_CAPACITY * 4);
  const ctrlAt = take(CTRL_INTS * 4);
  const ctrlF64At = take(8 * 8);
  return { nRows, nFeatures, groups, wasmStride: WASM_STRIDE, binsAt, columnsAt, labelsAt, ghAt, rows0At, rows1At, scratchAt, marginsAt, roundMarginsAt, featuresAt, binCountsAt, listsAt, splitOutAt, cutsAt, sigmoidAt, gatherAt, gatherBytes, slotsAt, slotCount, itemsAt, itemsF64At, resultsAt, ctrlAt, ctrlF64At, bytes: at };
}

/** The views of a session's memory (self-contained: helpers run its source). */
export function sessionViews(buffer: ArrayBufferLike, L: SessionLayout, floats: Float32Array[]): SessionViews {
  const n = L.nRows;
  const columns: Uint8Array[] = [];
  for (let f = 0; f < L.nFeatures; f++) columns.push(new Uint8Array(buffer, L.columnsAt + f * n, n));
  return {
    ctrl: new Int32Array(buffer, L.ctrlAt, 256),
    ctrlF64: new Float64Array(buffer, L.ctrlF64At, 8),
    bins: new Uint8Array(buffer, L.binsAt, n * L.nFeatures),
    floats,
    cuts: new Float32Array(buffer, L.cutsAt, L.nFeatures * 256),
    items: new Int32Array(buffer, L.itemsAt, 8192 * 8),
    itemsF64: new Float64Array(buffer, L.itemsF64At, 8192 * 4),
    results: new Int32Array(buffer, L.resultsAt, 8192),
    columns,
    labels: new Float32Array(buffer, L.labelsAt, n),
    gh: new Float32Array(buffer, L.ghAt, n * 2),
    rows0: new Uint32Array(buffer, L.rows0At, n),
    rows1: new Uint32Array(buffer, L.rows1At, n),
    scratch: new Uint32Array(buffer, L.scratchAt, n),
    margins: new Float32Array(buffer, L.marginsAt, n * L.groups),
    roundMargins: L.roundMarginsAt > 0 ? new Float32Array(buffer, L.roundMarginsAt, n * L.groups) : null,
    features: new Int32Array(buffer, L.featuresAt, L.nFeatures),
    binCounts: new Int32Array(buffer, L.binCountsAt, L.nFeatures),
    lists: new Int32Array(buffer, L.listsAt, 65536),
    splitOut: new Float64Array(buffer, L.splitOutAt, 8192 * 8),
    slots: new Float64Array(buffer, L.slotsAt, L.slotCount * L.nFeatures * L.wasmStride),
  };
}

/**
 * Takes work items of the current command off the shared counter and runs them until none are
 * left. Self-contained (helpers run its source), so the control slots, command numbers and item
 * sizes are the constants above written out.
 */
export function workOnCommand(v: SessionViews, L: SessionLayout, ops: SessionOps): void {
  const ctrl = v.ctrl;
  const cmd = ctrl[4] as number;
  const count = ctrl[5] as number;
  const buffer = ctrl[6] as number;
  const group = ctrl[7] as number;
  const arg = ctrl[8] as number;
  const rows = buffer === 0 ? v.rows0 : v.rows1;
  const rowsAt = buffer === 0 ? L.rows0At : L.rows1At;
  const items = v.items;
  const slotSize = L.nFeatures * L.wasmStride;
  for (;;) {
    const i = Atomics.add(ctrl, 16, 1); // C_NEXT
    if (i >= count) return;
    const o = i * 8;
    const a = items[o] as number;
    const b = items[o + 1] as number;
    // Partition and leaf items name a feature column the WASM kernels read unchecked.
    if ((cmd === 2 || cmd === 5 || cmd === 15 || cmd === 16) && !((items[o + 2] as number) >= 0 && (items[o + 2] as number) < L.nFeatures)) throw new Error(`no feature ${items[o + 2]} in this training run`);
    if (cmd === 1) { // GRADIENTS
      const objective = arg === 0 ? 'binary:logistic' : arg === 1 ? 'reg:squarederror' : 'multi:softprob';
      if (arg === 0) {
        // binary:logistic (one output) in WASM, with the new tree's rows and this chunk's sums.
        ops.gradientsTable(L.marginsAt, L.labelsAt, L.sigmoidAt, L.ghAt, a, b, Math.fround(v.ctrlF64[0] as number), ctrl[11] === 1 ? 1 : 0, rowsAt, L.itemsF64At + i * 32);
        continue;
      }
      ops.computeGradientRange(objective, v.roundMargins ?? v.margins, v.labels, L.groups, group, v.ctrlF64[0] as number, v.gh, a, b);
      if (ctrl[11] === 1) {
        // A new tree over every row: its rows in order, and the sums of this HIST_BLOCK_ROWS chunk.
        for (let r = a; r < b; r++) rows[r] = r;
        ops.sumGradientRange(rows, v.gh, a, b, v.itemsF64, i * 4);
      }
    } else if (cmd === 2) { // PARTITION
      v.results[i] = ops.partition(L.columnsAt + (items[o + 2] as number) * L.nRows, rowsAt, rowsAt, a, b, items[o + 3] as number, items[o + 4] as number, L.scratchAt);
    } else if (cmd === 15) { // COUNT
      v.results[i] = ops.countLeft(L.columnsAt + (items[o + 2] as number) * L.nRows, rowsAt, a, b, items[o + 3] as number, items[o + 4] as number);
    } else if (cmd === 16) { // MOVE
      // Into the other rows buffer: a part of a larger task to the places its counts gave, or a whole task.
      const column = L.columnsAt + (items[o + 2] as number) * L.nRows;
      const dstAt = buffer === 0 ? L.rows1At : L.rows0At;
      if (items[o + 7] === 1) v.results[i] = ops.partition(column, rowsAt, dstAt, a, b, items[o + 3] as number, items[o + 4] as number, L.scratchAt);
      else ops.moveSides(column, rowsAt, dstAt, a, b, items[o + 3] as number, items[o + 4] as number, items[o + 5] as number, items[o + 6] as number);
    } else if (cmd === 3) { // SCATTER
      // A part [a, mid | mid, b) of a larger partition: its lefts and rights to their places.
      const mid = items[o + 2] as number;
      v.scratch.set(rows.subarray(a, mid), items[o + 3] as number);
      v.scratch.set(rows.subarray(mid, b), items[o + 4] as number);
    } else if (cmd === 4) { // COPY
      rows.set(v.scratch.subarray(a, b), a);
    } else if (cmd === 5) { // LEAVES
      if (L.groups === 1) ops.addLeaves(L.columnsAt + (items[o + 2] as number) * L.nRows, rowsAt, a, b, items[o + 3] as number, items[o + 4] as number, v.itemsF64[i * 4] as number, v.itemsF64[i * 4 + 1] as number, L.marginsAt);
      else ops.addLeavesRange(v.columns[items[o + 2] as number] as Uint8Array, rows, a, b, items[o + 3] as number, items[o + 4] === 1, v.itemsF64[i * 4] as number, v.itemsF64[i * 4 + 1] as number, v.margins, L.groups, group);
    } else if (cmd === 6) { // BUILD
      // Block [a, b) into its slot, features [f0, f1) (a feature subset: the whole slot).
      const slot = items[o + 2] as number;
      const f0 = items[o + 3] as number;
      const f1 = items[o + 4] as number;
      v.slots.fill(0, slot * slotSize + f0 * L.wasmStride, slot * slotSize + f1 * L.wasmStride);
      const histAt = L.slotsAt + slot * slotSize * 8;
      if (arg === L.nFeatures) ops.buildGathered(L.binsAt, L.nFeatures, rowsAt, a, b, L.ghAt, histAt, f0, f1, ops.gatherAt);
      else ops.buildSubset(L.binsAt, L.nFeatures, rowsAt, a, b, L.ghAt, histAt, L.featuresAt, arg);
    } else if (cmd === 7) { // REDUCE
      // Slots a..b-1 hold one node's blocks: add them into slot a, in block order, for features
      // [items[o + 2], items[o + 3]).
      const slots = v.slots;
      const fEnd = items[o + 3] as number;
      for (let f = items[o + 2] as number; f < fEnd; f++) {
        const target = a * slotSize + f * L.wasmStride;
        for (let s = a + 1; s < b; s++) {
          const source = s * slotSize + f * L.wasmStride;
          for (let j = 0; j < 512; j++) slots[target + j] = (slots[target + j] as number) + (slots[source + j] as number);
        }
      }
    } else if (cmd === 9) { // CUTS
      // Cut points of feature a: into its cuts slot, their number as the result.
      const cuts = ops.computeCuts(v.floats[a] as Float32Array, arg, (ctrl[10] as number) + a).cuts;
      v.cuts.set(cuts, a * 256);
      v.results[i] = cuts.length;
    } else if (cmd === 10) { // BIN
      ops.binColumn(v.floats[a] as Float32Array, v.cuts.subarray(a * 256, a * 256 + b), v.columns[a] as Uint8Array);
    } else if (cmd === 13) { // SUMS
      ops.sumGradientRange(rows, v.gh, a, b, v.itemsF64, i * 4);
    } else if (cmd === 14) { // SPLITS
      // Node slot a, features [fi0, fi1) of the tree's list: its extra blocks added in block order,
      // then (b >= 0) the parent's slot b minus it (b becomes the sibling), then the best split of
      // each over these features.
      const slots = v.slots;
      const fi0 = items[o + 2] as number;
      const fi1 = items[o + 3] as number;
      const listAt = items[o + 4] as number;
      const listEnd = listAt + (items[o + 5] as number);
      for (let fi = fi0; fi < fi1; fi++) {
        const f = v.features[fi] as number;
        const target = a * slotSize + f * L.wasmStride;
        // Only the feature's value bins and the missing bin (255): the bins between stay 0 in
        // every slot (builds zero them, nothing adds to them), so skipping them changes nothing.
        // Element-wise f64 adds and subtractions in WASM SIMD (the same results as a JS loop).
        const used = 16 * (v.binCounts[f] as number);
        const targetAt = L.slotsAt + target * 8;
        for (let k = listAt; k < listEnd; k++) {
          const sourceAt = L.slotsAt + ((v.lists[k] as number) * slotSize + f * L.wasmStride) * 8;
          ops.addBins(targetAt, sourceAt, used);
          ops.addBins(targetAt + 4080, sourceAt + 4080, 16);
        }
        if (b >= 0) {
          const parentAt = L.slotsAt + (b * slotSize + f * L.wasmStride) * 8;
          ops.subtractBins(parentAt, targetAt, used);
          ops.subtractBins(parentAt + 4080, targetAt + 4080, 16);
        }
      }
      const p = v.ctrlF64;
      const g = v.itemsF64;
      if (p[2] === 0 && p[4] === 0) {
        // alpha = 0, max_delta_step = 0: bestSplitOfFeatures's fast path in WASM (the same bits).
        ops.bestSplit(L.slotsAt + a * slotSize * 8, L.wasmStride * 8, L.featuresAt, fi0, fi1, L.binCountsAt, g[i * 4] as number, g[i * 4 + 1] as number, p[1] as number, p[3] as number, L.splitOutAt + i * 64);
        if (b >= 0) ops.bestSplit(L.slotsAt + b * slotSize * 8, L.wasmStride * 8, L.featuresAt, fi0, fi1, L.binCountsAt, g[i * 4 + 2] as number, g[i * 4 + 3] as number, p[1] as number, p[3] as number, L.splitOutAt + i * 64 + 32);
        continue;
      }
      ops.bestSplitOfFeatures(slots, a * slotSize, L.wasmStride, v.features, fi0, fi1, v.binCounts, g[i * 4] as number, g[i * 4 + 1] as number, p[1] as number, p[2] as number, p[3] as number, p[4] as number, v.splitOut, i * 8);
      if (b >= 0) ops.bestSplitOfFeatures(slots, b * slotSize, L.wasmStride, v.features, fi0, fi1, v.binCounts, g[i * 4 + 2] as number, g[i * 4 + 3] as number, p[1] as number, p[2] as number, p[3] as number, p[4] as number, v.splitOut, i * 8 + 4);
    } else if (cmd === 11) { // TRANSPOSE
      // Rows [a, b) of the columns into the row-major matrix, a cache-sized slice at a time.
      const F = L.nFeatures;
      for (let start = a; start < b; start += 2048) {
        const stop = Math.min(start + 2048, b);
        for (let f = 0; f < F; f++) {
          const column = v.columns[f] as Uint8Array;
          for (let r = start, k = start * F + f; r < stop; r++, k += F) v.bins[k] = column[r] as number;
        }
      }
    }
  }
}

/** Plain JavaScript run by each helper (a classic Web Worker or a worker_threads eval worker). */
export const HISTOGRAM_WORKER_SOURCE = `
'use strict';
const isWeb = typeof self !== 'undefined' && typeof self.postMessage === 'function';
const port = isWeb ? self : require('node:worker_threads').parentPort;
const listen = (fn) => (isWeb ? self.addEventListener('message', (e) => fn(e.data)) : port.on('message', fn));
const MISSING_BIN = ${MISSING_BIN}, MAX_VALUE_BINS = ${MAX_VALUE_BINS}, SKETCH_SAMPLE = ${SKETCH_SAMPLE}, FLOAT32_MAX = ${FLOAT32_MAX};
const sortFloat32 = (${sortFloat32.toString()});
const computeCuts = (${computeCuts.toString()});
const binColumn = (${binColumn.toString()});
const computeGradientRange = (${computeGradientRange.toString()});
const addLeavesRange = (${addLeavesRange.toString()});
const sumGradientRange = (${sumGradientRange.toString()});
const bestSplitOfFeatures = (${bestSplitOfFeatures.toString()});
const sessionViews = (${sessionViews.toString()});
const workOnCommand = (${workOnCommand.toString()});
listen((m) => {
  if (m.type !== 'session') return;
  const L = m.layout;
  const instance = new WebAssembly.Instance(m.module, { env: { memory: m.memory } });
  const ops = { computeGradientRange, addLeavesRange, sumGradientRange, bestSplitOfFeatures, computeCuts, binColumn, buildFeatures: instance.exports.buildFeatures, buildSubset: instance.exports.buildSubset, partition: instance.exports.partition, countLeft: instance.exports.countLeft, moveSides: instance.exports.moveSides, addLeaves: instance.exports.addLeaves, buildGathered: instance.exports.buildGathered, gradientsTable: instance.exports.gradientsTable, addBins: instance.exports.addBins, subtractBins: instance.exports.subtractBins, bestSplit: instance.exports.bestSplit, gatherAt: 0 };
  const floats = [];
  for (let f = 0; f < L.nFeatures; f++) floats.push(new Float32Array(m.floats, f * L.nRows * 4, L.nRows));
  const v = sessionViews(m.memory.buffer, L, floats);
  const ctrl = v.ctrl;
  ops.gatherAt = L.gatherAt + Atomics.add(ctrl, ${C_THREAD_INDEX}, 1) * L.gatherBytes;
  let seen = 0;
  // The session's command loop: this thread does nothing else until the exit command.
  for (;;) {
    // Spin for m.spinMs (HELPER_SPIN_MS; the clock read every 1024 turns), then sleep until the next step.
    let spins = 0;
    let until = 0;
    while (Atomics.load(ctrl, ${C_SEQ}) === seen) {
      if ((++spins & 1023) !== 0) continue;
      const now = performance.now();
      if (until === 0) until = now + m.spinMs;
      else if (now > until) {
        Atomics.wait(ctrl, ${C_SEQ}, seen);
        until = 0;
      }
    }
    seen = Atomics.load(ctrl, ${C_SEQ});
    const cmd = ctrl[${C_CMD}];
    if (cmd === ${CMD_RELEASE}) v.floats = [];
    else if (cmd !== ${CMD_EXIT}) {
      try {
        workOnCommand(v, L, ops);
      } catch (error) {
        if (Atomics.compareExchange(ctrl, ${C_ERROR}, 0, 1) === 0) {
          const text = String(error && error.message ? error.message : error).slice(0, ${CTRL_INTS - C_TEXT});
          for (let k = 0; k < text.length; k++) ctrl[${C_TEXT} + k] = text.charCodeAt(k);
          ctrl[${C_TEXT_LENGTH}] = text.length;
        }
      }
    }
    Atomics.add(ctrl, ${C_DONE}, 1);
    Atomics.notify(ctrl, ${C_DONE});
    if (cmd === ${CMD_EXIT}) return;
  }
});
`;

/** A command's parameters besides its items. */
interface CommandHeader {
  buffer?: number;
  group?: number;
  arg?: number;
  /** Gradients: also reset the rows and sum the chunks (ResidentTrees.startTree). */
  startTree?: boolean;
}

interface Helper {
  port: HistogramWorkerPort;
  failed: string | null;
}

/** A training run's shared memory and its views on this thread. */
interface Session {
  layout: SessionLayout;
  views: SessionViews;
  ops: SessionOps;
  /** Why commands are refused (a thread failed), or null. */
  broken: EngineError | null;
  /** The exit command went out: the helpers left (or are leaving) the command loop. */
  closed: boolean;
}

/**
 * The CPU kernel for training on `threads` threads (the calling thread included); `spawn` starts
 * one helper running HISTOGRAM_WORKER_SOURCE. On one thread the session lives in the kernel's own
 * WebAssembly memory (no SharedArrayBuffer needed); on more it needs SharedArrayBuffer and shared
 * WebAssembly memory (in a browser: a cross-origin-isolated page).
 */
export interface ParallelKernelOptions {
  /** Milliseconds helpers spin between steps before they sleep (HELPER_SPIN_MS; the caller spins twice as long). For measurements. */
  spinMs?: number;
}

export function createParallelHistogramKernel(threads: number, spawn?: (source: string) => HistogramWorkerPort, options: ParallelKernelOptions = {}): HistogramKernel {
  const helperSpinMs = options.spinMs ?? HELPER_SPIN_MS;
  const callerSpinMs = options.spinMs === undefined ? CALLER_SPIN_MS : 2 * options.spinMs;
  if (threads > 1 && !spawn) throw new EngineError('INTERNAL', 'Training on several threads needs a way to start them.');
  const local = createWasmHistogramKernel();
  const helpers: Helper[] = [];
  for (let t = 1; t < threads; t++) {
    const helper: Helper = { port: (spawn as (source: string) => HistogramWorkerPort)(HISTOGRAM_WORKER_SOURCE), failed: null };
    helper.port.onFailure((reason) => {
      helper.failed ??= reason;
    });
    helpers.push(helper);
  }
  let session: Session | null = null;
  /** Wall time per command (stepTimes). */
  const steps: Array<{ ms: number; count: number }> = [];

  const failure = (): EngineError | null => {
    const failed = helpers.find((h) => h.failed !== null);
    return failed ? new EngineError('INTERNAL', `A training thread failed: ${failed.failed}`) : null;
  };

  /** Publishes a command: header and items are written; helpers see it when SEQ changes. */
  const publish = (s: Session, cmd: number, count: number, header: CommandHeader = {}): void => {
    const ctrl = s.views.ctrl;
    ctrl[C_CMD] = cmd;
    ctrl[C_COUNT] = count;
    ctrl[C_BUFFER] = header.buffer ?? 0;
    ctrl[C_GROUP] = header.group ?? 0;
    ctrl[C_ARG] = header.arg ?? 0;
    ctrl[C_START_TREE] = header.startTree ? 1 : 0;
    Atomics.store(ctrl, C_NEXT, 0);
    Atomics.store(ctrl, C_DONE, 0);
    Atomics.add(ctrl, C_SEQ, 1);
    Atomics.notify(ctrl, C_SEQ);
  };

  /** Waits until every helper is done with the command; lets the event loop in now and then so a dead thread is noticed. */
  const waitForHelpers = async (s: Session): Promise<void> => {
    const ctrl = s.views.ctrl;
    const target = helpers.length;
    let spins = 0;
    let spinUntil = 0;
    let since = 0;
    for (;;) {
      const done = Atomics.load(ctrl, C_DONE);
      if (done >= target) return;
      // Spin for callerSpinMs (CALLER_SPIN_MS; the clock read every 1024 turns), then sleep in 10 ms waits.
      if ((++spins & 1023) !== 0 && since === 0) continue;
      if (since === 0) {
        const now = performance.now();
        if (spinUntil === 0) spinUntil = now + callerSpinMs;
        if (now < spinUntil) continue;
      }
      since ||= performance.now();
      Atomics.wait(ctrl, C_DONE, done, 10);
      if (performance.now() - since > 100) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        const error = failure();
        if (error) {
          s.broken = error;
          throw error;
        }
        since = performance.now();
      }
    }
  };

  /** Runs the published command on this thread too, then waits for the helpers. */
  const run = async (s: Session, cmd: number, count: number, header?: CommandHeader): Promise<void> => {
    if (count === 0) return;
    if (s.closed) throw new EngineError('INTERNAL', 'The training threads were stopped.');
    if (s.broken) throw s.broken;
    const error = failure();
    if (error) throw error;
    const t0 = performance.now();
    publish(s, cmd, count, header);
    let own: unknown = null;
    try {
      workOnCommand(s.views, s.layout, s.ops);
    } catch (e) {
      own = e;
    }
    await waitForHelpers(s);
    const step = steps[cmd] ?? { ms: 0, count: 0 };
    step.ms += performance.now() - t0;
    step.count += 1;
    steps[cmd] = step;
    if (own) throw own;
    const ctrl = s.views.ctrl;
    if (ctrl[C_ERROR] !== 0) {
      const text = String.fromCharCode(...ctrl.subarray(C_TEXT, C_TEXT + (ctrl[C_TEXT_LENGTH] as number)));
      s.broken = new EngineError('INTERNAL', `A training thread failed: ${text}`);
      throw s.broken;
    }
  };

  /** Tells the helpers to leave the session's command loop (they drop its memory). */
  const close = (s: Session): void => {
    if (s.closed) return;
    s.closed = true;
    publish(s, CMD_EXIT, 0);
  };

  const rowParallel = (data: RowParallelData): RowParallel => {
    if (session) close(session);
    const nRows = data.labels.length;
    const F = data.columns.length;
    // Slots for the largest node's blocks, so a node never spans two build commands; with node
    // histograms kept here (ResidentTrees), also one per node a level keeps: at most
    // 2^(maxDepth - 1) nodes and children, and the extra blocks of the children being built
    // (together under nRows / HIST_BLOCK_ROWS + 1).
    const blockSlots = Math.ceil(nRows / HIST_BLOCK_ROWS) + 2 * threads + 8;
    const slotBytes = F * WASM_STRIDE * 8;
    const residentSlots = data.maxDepth !== undefined && data.maxDepth <= 24 ? 2 ** (data.maxDepth - 1) + Math.ceil(nRows / HIST_BLOCK_ROWS) + 2 : Infinity;
    const module = helpers.length > 0 ? sharedHistogramWasmModule() : histogramWasmModule();
    /** The session's memory for `slots` histogram slots, or null when this process cannot have it. */
    const allocateSession = (slots: number): { layout: SessionLayout; memory: WebAssembly.Memory; instance: WebAssembly.Instance } | null => {
      const layout = sessionLayout(nRows, F, data.groups, slots, threads);
      const pages = Math.max(1, Math.ceil(layout.bytes / 65536));
      if (pages > 65536) return null;
      try {
        if (helpers.length > 0) {
          const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
          return { layout, memory, instance: new WebAssembly.Instance(module, { env: { memory } }) };
        }
        // One thread: the module's own memory, grown to the session (no SharedArrayBuffer).
        const instance = new WebAssembly.Instance(module, {});
        const memory = instance.exports.memory as WebAssembly.Memory;
        memory.grow(pages - memory.buffer.byteLength / 65536);
        return { layout, memory, instance };
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        return null;
      }
    };
    // Node histograms kept on the threads when they fit in the budget and the memory; else block
    // slots only (the trainer keeps the node histograms).
    const wantResident = residentSlots * slotBytes <= RESIDENT_SLOT_BYTES;
    let allocated = wantResident ? allocateSession(Math.max(blockSlots, residentSlots)) : null;
    const resident = allocated !== null;
    allocated ??= allocateSession(blockSlots);
    if (!allocated) {
      const bytes = sessionLayout(nRows, F, data.groups, blockSlots, threads).bytes;
      if (bytes > 2 ** 32) throw new EngineError('BAD_INPUT', `The training data needs ${(bytes / 2 ** 30).toFixed(1)} GB of working memory, more than the 4 GB a WebAssembly memory holds; train on fewer rows or features.`);
      throw new EngineError('BAD_INPUT', `Training needs ${(bytes / 2 ** 20).toFixed(0)} MB of working memory for ${nRows.toLocaleString('en-US')} rows x ${F} features, more than this process could get; train on fewer rows or features.`);
    }
    const { layout, memory, instance } = allocated;
    const slotCount = layout.slotCount;
    // The float columns, for binning: shared with the helpers (a copy), or as they are.
    let floats = data.columns;
    let floatBuffer: SharedArrayBuffer | null = null;
    if (helpers.length > 0) {
      floatBuffer = new SharedArrayBuffer(nRows * F * 4);
      floats = data.columns.map((c, f) => {
        const view = new Float32Array(floatBuffer as SharedArrayBuffer, f * nRows * 4, nRows);
        view.set(c);
        return view;
      });
    }
    const views = sessionViews(memory.buffer, layout, floats);
    views.labels.set(data.labels);
    new Uint32Array(memory.buffer, layout.sigmoidAt, 4097).set(sigmoidTable());
    // Thread index 0 (gather scratch) is this thread's; helpers take 1, 2, ... as they join.
    views.ctrl[C_THREAD_INDEX] = 1;
    const ops: SessionOps = {
      computeGradientRange,
      addLeavesRange,
      sumGradientRange,
      bestSplitOfFeatures,
      computeCuts,
      binColumn,
      buildFeatures: instance.exports.buildFeatures as SessionOps['buildFeatures'],
      buildSubset: instance.exports.buildSubset as SessionOps['buildSubset'],
      partition: instance.exports.partition as SessionOps['partition'],
      countLeft: instance.exports.countLeft as SessionOps['countLeft'],
      moveSides: instance.exports.moveSides as SessionOps['moveSides'],
      addLeaves: instance.exports.addLeaves as SessionOps['addLeaves'],
      buildGathered: instance.exports.buildGathered as SessionOps['buildGathered'],
      gradientsTable: instance.exports.gradientsTable as SessionOps['gradientsTable'],
      addBins: instance.exports.addBins as SessionOps['addBins'],
      subtractBins: instance.exports.subtractBins as SessionOps['subtractBins'],
      bestSplit: instance.exports.bestSplit as SessionOps['bestSplit'],
      gatherAt: layout.gatherAt,
    };
    const s: Session = { layout, views, ops, broken: null, closed: false };
    session = s;
    for (const h of helpers) h.port.postMessage({ type: 'session', memory, module, layout, floats: floatBuffer, spinMs: helperSpinMs });
    const items = views.items;

    /** Runs `cmd` over items written by `fill(i, at)` for i < count, ITEM_CAPACITY at a time. */
    const runItems = async (cmd: number, count: number, fill: (i: number, at: number, k: number) => void, header?: CommandHeader, read?: (i: number, k: number) => void): Promise<void> => {
      for (let first = 0; first < count; first += ITEM_CAPACITY) {
        const batch = Math.min(ITEM_CAPACITY, count - first);
        for (let k = 0; k < batch; k++) fill(first + k, k * ITEM_INTS, k);
        await run(s, cmd, batch, header);
        if (read) for (let k = 0; k < batch; k++) read(first + k, k);
      }
    };

    /** Row ranges of the tasks cut into parts of at most `most` rows. */
    const cutTasks = <T extends PartitionTask>(tasks: readonly T[], most: number): Array<{ task: number; begin: number; end: number }> => {
      const parts: Array<{ task: number; begin: number; end: number }> = [];
      tasks.forEach((t, task) => {
        const pieces = Math.max(1, Math.ceil((t.end - t.begin) / most));
        for (let i = 0; i < pieces; i++) {
          parts.push({ task, begin: t.begin + Math.floor(((t.end - t.begin) * i) / pieces), end: t.begin + Math.floor(((t.end - t.begin) * (i + 1)) / pieces) });
        }
      });
      return parts;
    };

    /**
     * Build work for whole nodes' blocks ([begin, end, slot, f0, f1] each): with few blocks for
     * the threads, each block's features in a few parts (four at a time, as the kernel reads
     * them), so no thread waits long for the last one. Largest first.
     */
    const buildWork = (blocks: ReadonlyArray<readonly [number, number, number]>, nf: number): number[][] => {
      const featureParts = nf === F && helpers.length > 0 && blocks.length < 4 * threads ? Math.min(Math.ceil(F / 4), Math.ceil((4 * threads) / blocks.length)) : 1;
      const step = Math.ceil(F / featureParts / 4) * 4;
      const work: number[][] = [];
      for (const [begin, end, slot] of blocks) {
        for (let f0 = 0; f0 < F; f0 += step) work.push([begin, end, slot, f0, Math.min(F, f0 + step)]);
      }
      const order = largestFirst(work.map((w) => ((w[1] as number) - (w[0] as number)) * ((w[4] as number) - (w[3] as number))));
      return Array.from(order, (k) => work[k] as number[]);
    };

    /** Node histograms in the slots, split finding on the threads (when they fit: see slotCount). */
    const residentTrees = ((): ResidentTrees | null => {
      if (!resident) return null;
      const free: number[] = [];
      for (let k = slotCount - 1; k >= 0; k--) free.push(k);
      /** The extra block slots of each node built and not yet summed (by splits). */
      const pending = new Map<number, number[]>();
      let nf = F;
      const allocate = (): number => {
        const slot = free.pop();
        if (slot === undefined) throw new EngineError('INTERNAL', 'The training threads ran out of histogram slots.');
        return slot;
      };
      return {
        allocate,
        release(slot) {
          free.push(slot);
        },
        setFeatures(features) {
          views.features.set(features);
          nf = features.length;
        },
        async build(buffer, ranges, slots) {
          const blocks: Array<[number, number, number]> = [];
          ranges.forEach(([begin, end], k) => {
            const count = Math.max(1, Math.ceil((end - begin) / HIST_BLOCK_ROWS));
            const extra: number[] = [];
            for (let b = 0; b < count; b++) {
              const slot = b === 0 ? (slots[k] as number) : allocate();
              if (b > 0) extra.push(slot);
              blocks.push([begin + b * HIST_BLOCK_ROWS, Math.min(begin + (b + 1) * HIST_BLOCK_ROWS, end), slot]);
            }
            pending.set(slots[k] as number, extra);
          });
          const work = buildWork(blocks, nf);
          await runItems(CMD_BUILD, work.length, (i, at) => items.set(work[i] as number[], at), { buffer, arg: nf });
        },
        async splits(tasks: readonly ResidentSplitTask[], params: SplitParams, binCounts: Int32Array) {
          const f64 = views.ctrlF64;
          f64[1] = params.lambda;
          f64[2] = params.alpha;
          f64[3] = params.min_child_weight;
          f64[4] = params.max_delta_step;
          views.binCounts.set(binCounts);
          // Each node's features in a few ranges, so the threads share a level of few nodes.
          const parts = helpers.length === 0 ? 1 : Math.min(nf, Math.ceil((4 * threads) / Math.max(1, tasks.length)));
          const work: Array<{ task: number; fi0: number; fi1: number; listAt: number; listCount: number }> = [];
          let listAt = 0;
          tasks.forEach((t, task) => {
            const extra = pending.get(t.slot) ?? [];
            if (listAt + extra.length > LIST_CAPACITY) throw new EngineError('INTERNAL', 'Too many histogram blocks in one tree level.');
            views.lists.set(extra, listAt);
            for (let q = 0; q < parts; q++) {
              const fi0 = Math.floor((nf * q) / parts);
              const fi1 = Math.floor((nf * (q + 1)) / parts);
              if (fi1 > fi0) work.push({ task, fi0, fi1, listAt, listCount: extra.length });
            }
            listAt += extra.length;
          });
          // The best of each node's ranges in range order, a strictly larger gain winning: findBestSplit's pick.
          const best: Array<[SplitCandidate | null, SplitCandidate | null]> = tasks.map(() => [null, null]);
          const keep = (task: number, side: 0 | 1, k: number, at: number): void => {
            const candidate = decodeSplit(views.splitOut, k * SPLIT_OUT_F64 + at);
            const held = (best[task] as [SplitCandidate | null, SplitCandidate | null])[side];
            if (candidate && (!held || candidate.gain > held.gain)) (best[task] as [SplitCandidate | null, SplitCandidate | null])[side] = candidate;
          };
          await runItems(CMD_SPLITS, work.length, (i, at, k) => {
            const w = work[i] as { task: number; fi0: number; fi1: number; listAt: number; listCount: number };
            const t = tasks[w.task] as ResidentSplitTask;
            items.set([t.slot, t.derived ? t.derived.slot : -1, w.fi0, w.fi1, w.listAt, w.listCount], at);
            views.itemsF64.set([t.G, t.H, t.derived ? t.derived.G : 0, t.derived ? t.derived.H : 0], k * ITEM_F64);
          }, {}, (i, k) => {
            const w = work[i] as { task: number };
            keep(w.task, 0, k, 0);
            if ((tasks[w.task] as ResidentSplitTask).derived) keep(w.task, 1, k, 4);
          });
          for (const t of tasks) {
            for (const slot of pending.get(t.slot) ?? []) free.push(slot);
            pending.delete(t.slot);
          }
          return best;
        },
        async partition(buffer, tasks) {
          // Tasks too large to share out whole are cut into parts (a few per thread): then every
          // part's lefts are counted first and every row moves once, to its place in the other
          // rows buffer. Otherwise each task is partitioned in place.
          const total = tasks.reduce((sum, t) => sum + t.end - t.begin, 0);
          const most = Math.max(PART_ROWS, Math.ceil(total / (threads * 4)));
          const cut = helpers.length > 0 && tasks.some((t) => t.end - t.begin > most);
          const mids = tasks.map((t) => t.begin);
          if (!cut) {
            const order = largestFirst(tasks.map((t) => t.end - t.begin));
            await runItems(CMD_PARTITION, tasks.length, (i, at) => {
              const t = tasks[order[i] as number] as PartitionTask;
              items.set([t.begin, t.end, t.feature, t.bin, t.defaultLeft ? 1 : 0], at);
            }, { buffer }, (i, k) => {
              mids[order[i] as number] = views.results[k] as number;
            });
            return { mids, buffer };
          }
          const parts = cutTasks(tasks, most);
          const partsOf = new Int32Array(tasks.length);
          for (const q of parts) partsOf[q.task] = (partsOf[q.task] as number) + 1;
          const counted = parts.filter((q) => (partsOf[q.task] as number) > 1);
          const lefts = new Int32Array(counted.length);
          const countOrder = largestFirst(counted.map((q) => q.end - q.begin));
          await runItems(CMD_COUNT, counted.length, (i, at) => {
            const q = counted[countOrder[i] as number] as { task: number; begin: number; end: number };
            const t = tasks[q.task] as PartitionTask;
            items.set([q.begin, q.end, t.feature, t.bin, t.defaultLeft ? 1 : 0], at);
          }, { buffer }, (i, k) => {
            lefts[countOrder[i] as number] = views.results[k] as number;
          });
          // Places: a task's lefts in part order from its begin, then its rights in part order.
          const taskLefts = new Int32Array(tasks.length);
          counted.forEach((q, j) => {
            taskLefts[q.task] = (taskLefts[q.task] as number) + (lefts[j] as number);
          });
          const nextLeft = tasks.map((t) => t.begin);
          const nextRight = tasks.map((t, k) => t.begin + (taskLefts[k] as number));
          const moves: number[][] = [];
          let j = 0;
          for (const q of parts) {
            const t = tasks[q.task] as PartitionTask;
            const head = [q.begin, q.end, t.feature, t.bin, t.defaultLeft ? 1 : 0];
            if ((partsOf[q.task] as number) < 2) {
              moves.push([...head, 0, 0, 1, q.task]);
              continue;
            }
            const l = lefts[j++] as number;
            moves.push([...head, nextLeft[q.task] as number, nextRight[q.task] as number, 0, q.task]);
            nextLeft[q.task] = (nextLeft[q.task] as number) + l;
            nextRight[q.task] = (nextRight[q.task] as number) + (q.end - q.begin - l);
            mids[q.task] = t.begin + (taskLefts[q.task] as number);
          }
          const moveOrder = largestFirst(moves.map((m) => (m[1] as number) - (m[0] as number)));
          await runItems(CMD_MOVE, moves.length, (i, at) => items.set((moves[moveOrder[i] as number] as number[]).slice(0, 8), at), { buffer }, (i, k) => {
            const m = moves[moveOrder[i] as number] as number[];
            if (m[7] === 1) mids[m[8] as number] = views.results[k] as number;
          });
          return { mids, buffer: (1 - buffer) as 0 | 1 };
        },
        async startTree(objective, group, scalePosWeight, n, buffer) {
          views.ctrlF64[0] = scalePosWeight;
          // HIST_BLOCK_ROWS-row chunks: their sums are rootSums's chunks.
          const chunks = Math.ceil(n / HIST_BLOCK_ROWS);
          const sums = new Float64Array(chunks * 2);
          await runItems(CMD_GRADIENTS, chunks, (i, at) => {
            items[at] = i * HIST_BLOCK_ROWS;
            items[at + 1] = Math.min(n, (i + 1) * HIST_BLOCK_ROWS);
          }, { buffer, group, arg: OBJECTIVE_CODES[objective], startTree: true }, (i, k) => {
            sums[i * 2] = views.itemsF64[k * ITEM_F64] as number;
            sums[i * 2 + 1] = views.itemsF64[k * ITEM_F64 + 1] as number;
          });
          let G = 0;
          let H = 0;
          for (let i = 0; i < chunks; i++) {
            G += sums[i * 2] as number;
            H += sums[i * 2 + 1] as number;
          }
          return [G, H];
        },
      };
    })();

    return {
      resident: residentTrees,
      async bin() {
        views.ctrl[C_SEED] = data.seed;
        const cutCounts = new Int32Array(F);
        await runItems(CMD_CUTS, F, (f, at) => {
          items[at] = f;
        }, { arg: data.maxBin }, (f, k) => {
          cutCounts[f] = views.results[k] as number;
        });
        await runItems(CMD_BIN, F, (f, at) => {
          items[at] = f;
          items[at + 1] = cutCounts[f] as number;
        });
        const parts = Math.ceil(nRows / PART_ROWS);
        await runItems(CMD_TRANSPOSE, parts, (i, at) => {
          items[at] = Math.floor((nRows * i) / parts);
          items[at + 1] = Math.floor((nRows * (i + 1)) / parts);
        });
        // The float columns are not needed any more: let go of them everywhere.
        views.floats = [];
        if (helpers.length > 0) {
          publish(s, CMD_RELEASE, 0);
          await waitForHelpers(s);
        }
        const cuts: FeatureCuts[] = Array.from({ length: F }, (_, f) => ({ cuts: views.cuts.slice(f * CUTS_STRIDE, f * CUTS_STRIDE + (cutCounts[f] as number)) }));
        return { nRows, nFeatures: F, bins: views.bins, columnBins: views.columns, cuts } satisfies BinnedMatrix;
      },
      rows: [views.rows0, views.rows1],
      scratch: views.scratch,
      gh: views.gh,
      margins: views.margins,
      roundMargins: views.roundMargins,
      async gradients(objective, group, scalePosWeight, n) {
        views.ctrlF64[0] = scalePosWeight;
        const parts = Math.ceil(n / PART_ROWS);
        const boundary = (i: number): number => Math.floor((n * i) / parts);
        await runItems(CMD_GRADIENTS, parts, (i, at) => {
          items[at] = boundary(i);
          items[at + 1] = boundary(i + 1);
        }, { group, arg: OBJECTIVE_CODES[objective] });
      },
      async partition(buffer, tasks) {
        // A task cut in parts costs two more passes over its rows (the merge), so only tasks too
        // large to share out whole are cut, into a few parts per thread.
        const total = tasks.reduce((sum, t) => sum + t.end - t.begin, 0);
        const parts = cutTasks(tasks, helpers.length === 0 ? Infinity : Math.max(PART_ROWS, Math.ceil(total / (threads * 4))));
        const mids = new Int32Array(parts.length);
        const order = largestFirst(parts.map((p) => p.end - p.begin));
        await runItems(CMD_PARTITION, parts.length, (i, at) => {
          const p = parts[order[i] as number] as { task: number; begin: number; end: number };
          const t = tasks[p.task] as PartitionTask;
          items.set([p.begin, p.end, t.feature, t.bin, t.defaultLeft ? 1 : 0], at);
        }, { buffer }, (i, k) => {
          mids[order[i] as number] = views.results[k] as number;
        });
        // A task in several parts is [lefts | rights] per part: every part's lefts, then every
        // part's rights, in part order, is the stable partition of the whole range.
        const taskMids = tasks.map((t) => t.begin);
        const leftCounts = new Array<number>(tasks.length).fill(0);
        const partCounts = new Array<number>(tasks.length).fill(0);
        parts.forEach((p, i) => {
          leftCounts[p.task] = (leftCounts[p.task] as number) + (mids[i] as number) - p.begin;
          partCounts[p.task] = (partCounts[p.task] as number) + 1;
        });
        const moves: number[][] = [];
        const nextLeft = tasks.map((t) => t.begin);
        const nextRight = tasks.map((t, k) => t.begin + (leftCounts[k] as number));
        parts.forEach((p, i) => {
          const mid = mids[i] as number;
          if ((partCounts[p.task] as number) < 2) {
            taskMids[p.task] = mid;
            return;
          }
          moves.push([p.begin, p.end, mid, nextLeft[p.task] as number, nextRight[p.task] as number]);
          nextLeft[p.task] = (nextLeft[p.task] as number) + mid - p.begin;
          nextRight[p.task] = (nextRight[p.task] as number) + p.end - mid;
        });
        tasks.forEach((t, k) => {
          if ((partCounts[k] as number) > 1) taskMids[k] = t.begin + (leftCounts[k] as number);
        });
        if (moves.length > 0) {
          await runItems(CMD_SCATTER, moves.length, (i, at) => {
            const [begin, end, mid, left, right] = moves[i] as number[];
            items.set([begin as number, end as number, mid as number, left as number, right as number], at);
          }, { buffer });
          await runItems(CMD_COPY, moves.length, (i, at) => {
            const [begin, end] = moves[i] as number[];
            items[at] = begin as number;
            items[at + 1] = end as number;
          }, { buffer });
        }
        return taskMids;
      },
      async addLeaves(buffer, tasks, group) {
        const parts = cutTasks(tasks, PART_ROWS);
        const order = largestFirst(parts.map((p) => p.end - p.begin));
        await runItems(CMD_LEAVES, parts.length, (i, at, k) => {
          const p = parts[order[i] as number] as { task: number; begin: number; end: number };
          const t = tasks[p.task] as LeafTask;
          items.set([p.begin, p.end, t.feature, t.bin, t.defaultLeft ? 1 : 0], at);
          views.itemsF64[k * ITEM_F64] = t.leftValue;
          views.itemsF64[k * ITEM_F64 + 1] = t.rightValue;
        }, { buffer, group });
      },
      async sums(buffer, count) {
        // The chunks of rootSums, one per item; their sums added in chunk order here.
        const chunks = Math.ceil(count / HIST_BLOCK_ROWS);
        const parts = new Float64Array(chunks * 2);
        await runItems(CMD_SUMS, chunks, (i, at) => {
          items[at] = i * HIST_BLOCK_ROWS;
          items[at + 1] = Math.min(count, (i + 1) * HIST_BLOCK_ROWS);
        }, { buffer }, (i, k) => {
          parts[i * 2] = views.itemsF64[k * ITEM_F64] as number;
          parts[i * 2 + 1] = views.itemsF64[k * ITEM_F64 + 1] as number;
        });
        let G = 0;
        let H = 0;
        for (let i = 0; i < chunks; i++) {
          G += parts[i * 2] as number;
          H += parts[i * 2 + 1] as number;
        }
        return [G, H];
      },
      async histograms(buffer, features, ranges, outs) {
        const nf = features.length;
        if (nf < F) views.features.set(features);
        // Whole nodes per build command, as many as the slots hold.
        let k = 0;
        while (k < ranges.length) {
          const blocks: Array<[number, number]> = [];
          const firstBlock: number[] = [];
          const batchStart = k;
          while (k < ranges.length) {
            const [begin, end] = ranges[k] as readonly [number, number];
            const count = Math.max(1, Math.ceil((end - begin) / HIST_BLOCK_ROWS));
            if (blocks.length > 0 && blocks.length + count > slotCount) break;
            firstBlock.push(blocks.length);
            for (let b = 0; b < count; b++) blocks.push([begin + b * HIST_BLOCK_ROWS, Math.min(begin + (b + 1) * HIST_BLOCK_ROWS, end)]);
            k++;
          }
          firstBlock.push(blocks.length);
          // Few blocks for the threads: each block's features in a few parts (four at a time,
          // as the kernel reads them), so no thread waits long for the last one.
          const featureParts = nf === F && helpers.length > 0 && blocks.length < 4 * threads ? Math.min(Math.ceil(F / 4), Math.ceil((4 * threads) / blocks.length)) : 1;
          const step = Math.ceil(F / featureParts / 4) * 4;
          const work: Array<[number, number, number, number, number]> = [];
          blocks.forEach(([begin, end], slot) => {
            for (let f0 = 0; f0 < F; f0 += step) work.push([begin, end, slot, f0, Math.min(F, f0 + step)]);
          });
          const order = largestFirst(work.map(([begin, end, , f0, f1]) => (end - begin) * (f1 - f0)));
          await runItems(CMD_BUILD, work.length, (i, at) => items.set(work[order[i] as number] as number[], at), { buffer, arg: nf });
          // Nodes of several blocks: their blocks added into the first, a few features per item.
          const sums: number[][] = [];
          const featureStep = Math.max(1, Math.ceil(F / 16));
          for (let j = 0; j + 1 < firstBlock.length; j++) {
            const from = firstBlock[j] as number;
            const to = firstBlock[j + 1] as number;
            if (to - from < 2) continue;
            for (let f = 0; f < F; f += featureStep) sums.push([from, to, f, Math.min(F, f + featureStep)]);
          }
          const sumOrder = largestFirst(sums.map(([from, to, f0, f1]) => ((to as number) - (from as number)) * ((f1 as number) - (f0 as number))));
          await runItems(CMD_REDUCE, sums.length, (i, at) => items.set(sums[sumOrder[i] as number] as number[], at));
          for (let j = 0; j + 1 < firstBlock.length; j++) {
            const out = outs[batchStart + j] as Float64Array;
            const base = (firstBlock[j] as number) * F * WASM_STRIDE;
            for (let f = 0; f < F; f++) out.set(views.slots.subarray(base + f * WASM_STRIDE, base + f * WASM_STRIDE + HIST_STRIDE), f * HIST_STRIDE);
          }
        }
      },
      finish() {
        if (session === s) {
          close(s);
          session = null;
        }
      },
    };
  };

  return {
    backend: 'cpu',
    rowParallel,
    stepTimes() {
      const names = ['', 'gradients', 'partition', 'scatter', 'copy', 'leaves', 'build', 'reduce', 'exit', 'cuts', 'bin', 'transpose', 'release', 'sums', 'splits', 'count', 'move'];
      const out: Record<string, { ms: number; count: number }> = {};
      steps.forEach((step, cmd) => {
        if (step) out[names[cmd] ?? String(cmd)] = { ms: step.ms, count: step.count };
      });
      return out;
    },
    build: (request, out) => local.build(request, out),
    buildBlocks: (request, blocks, outs) => local.buildBlocks?.(request, blocks, outs) ?? Promise.resolve(),
    dispose() {
      if (session) close(session);
      session = null;
      // Healthy helpers go back for the next kernel where the host keeps them (they left the
      // session's command loop on its exit command and wait for the next session).
      for (const h of helpers) {
        if (h.failed === null && h.port.release) h.port.release();
        else h.port.terminate();
      }
      helpers.length = 0;
      local.dispose?.();
    },
  };
}
