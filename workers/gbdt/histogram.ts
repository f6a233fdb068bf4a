import type { BinnedMatrix } from './binning';
import type { SplitCandidate, SplitParams } from './split';
import { sumGradientRange } from './row-ops';

/**
 * The histogram kernel behind the backend interface: gradient/hessian sums per (feature, bin)
 * for a set of rows. Layout of `out`: [(f * 256 + bin) * 2] = sum of gradients, +1 = sum of
 * hessians; bin 255 holds missing values. Backends: 'cpu' (here), 'webgpu' (webgpu-histogram.ts).
 */
export interface HistogramRequest {
  /** Row-major bins: bins[row * nFeatures + f]. */
  bins: Uint8Array;
  nFeatures: number;
  rows: Uint32Array;
  begin: number;
  end: number;
  /** Interleaved gradient pairs: gh[2 * row] = gradient, gh[2 * row + 1] = hessian. */
  gh: Float32Array;
  /** Features to build (sorted); others are left at 0. */
  features: Int32Array;
}

export interface HistogramKernel {
  readonly backend: 'cpu' | 'webgpu';
  build(request: HistogramRequest, out: Float64Array): void | Promise<void>;
  /**
   * Optional: builds several row ranges of one request (outs[i] for rows[blocks[i][0],
   * blocks[i][1])); each must equal what `build` gives for that range. Kernels that have it get
   * larger nodes in HIST_BLOCK_ROWS-row blocks (see below).
   */
  buildBlocks?(request: HistogramRequest, blocks: ReadonlyArray<readonly [number, number]>, outs: Float64Array[]): Promise<void>;
  /**
   * Optional: histograms and the row-wise steps of training (gradients, partitions, leaf
   * margins) on the kernel's threads (one or more). Called once per training run.
   */
  rowParallel?(data: RowParallelData): RowParallel;
  dispose?(): void;
  /**
   * Optional: wall time the calling thread spent in each kind of threaded step (from handing it
   * out to the last thread done) and how many, since the kernel was made; for benchmarks.
   */
  stepTimes?(): Record<string, { ms: number; count: number }>;
}

/** What a training run's threads work on: the feature columns (binned by the run), the labels. */
export interface RowParallelData {
  /** Float32 feature columns, NaN = missing. */
  columns: Float32Array[];
  labels: Float32Array;
  groups: number;
  maxBin: number;
  seed: number;
  /** The trees' max_depth: sizes the node histograms kept in the threads' memory (see ResidentTrees). */
  maxDepth?: number;
}

/** A stable partition of rows[begin, end): rows whose bin goes left first, both sides in order. */
export interface PartitionTask {
  begin: number;
  end: number;
  feature: number;
  /** Bins <= bin go left (bin < MISSING_BIN); MISSING_BIN goes left when defaultLeft. */
  bin: number;
  defaultLeft: boolean;
}

/** margins[row] += leftValue or rightValue for rows[begin, end) by the split (children are leaves). */
export interface LeafTask extends PartitionTask {
  leftValue: number;
  rightValue: number;
}

/**
 * The row-wise steps of training and the histograms on several threads. The trainer keeps its
 * rows, scratch, gradient pairs and margins in these (shared) arrays. Every step gives exactly
 * what the single-thread code gives (element-wise work, a stable partition has one result, and
 * histograms are block sums added in block order), so trees do not depend on the thread count.
 */
export interface RowParallel {
  /** Bins the columns (first, once): what binColumns gives, kept in the threads' memory. */
  bin(): Promise<BinnedMatrix>;
  /** Two row buffers of nRows: trees alternate (a new rows array marks a new tree to kernels). */
  readonly rows: readonly [Uint32Array, Uint32Array];
  readonly scratch: Uint32Array;
  readonly gh: Float32Array;
  /** Margins as float32 (the trainer rounds every update to float32, as XGBoost keeps them). */
  readonly margins: Float32Array;
  /**
   * Multi-class: the margins as the round began, which every class's gradients read (the
   * trainer copies them in); null for single-output objectives, whose gradients read `margins`.
   */
  readonly roundMargins: Float32Array | null;
  gradients(objective: 'binary:logistic' | 'reg:squarederror' | 'multi:softprob', group: number, scalePosWeight: number, nRows: number): Promise<void>;
  /** Partitions each task's range of rows[buffer]; returns each task's split point. */
  partition(buffer: 0 | 1, tasks: PartitionTask[]): Promise<number[]>;
  addLeaves(buffer: 0 | 1, tasks: LeafTask[], group: number): Promise<void>;
  /** The sums of the gradient pairs of rows[buffer][0, count), as rootSums adds them. */
  sums(buffer: 0 | 1, count: number): Promise<[number, number]>;
  /**
   * outs[k] = the histogram of rows[buffer][ranges[k]] over `features` (others 0), gradient
   * pairs from `gh`: the sum of its HIST_BLOCK_ROWS-row blocks in block order, as the
   * single-thread trainer adds them.
   */
  histograms(buffer: 0 | 1, features: Int32Array, ranges: ReadonlyArray<readonly [number, number]>, outs: Float64Array[]): Promise<void>;
  /** Ends the run: the threads let go of its memory. */
  finish(): void;
  /**
   * Optional: node histograms that stay in the threads' memory, with split finding and histogram
   * subtraction on the threads too (the trainer then never touches a histogram). Null when the
   * trees are too deep for their histograms to fit.
   */
  readonly resident?: ResidentTrees | null;
}

/**
 * One node's split search on the threads: the histogram in `slot` (built by ResidentTrees.build,
 * its blocks not yet added) and, with `derived`, the sibling whose histogram is the parent's (in
 * derived.slot) minus this one: the parent's slot becomes the sibling's.
 */
export interface ResidentSplitTask {
  slot: number;
  G: number;
  H: number;
  derived?: { slot: number; G: number; H: number };
}

/**
 * Node histograms in the threads' memory, addressed by slot. Every result equals the trainer's
 * own arithmetic: a node's sum is its HIST_BLOCK_ROWS-row blocks added in block order, a derived
 * histogram is parent - child element by element, and a split is findBestSplit's (features taken
 * in order, strict comparison), for any number of threads.
 */
export interface ResidentTrees {
  /** A slot for a node's histogram (there are enough for every node a level keeps). */
  allocate(): number;
  release(slot: number): void;
  /** The tree's features (sorted), for build and splits until the next call. */
  setFeatures(features: Int32Array): void;
  /** Builds the histograms of rows[buffer][ranges[k]] into slots[k] (blocks summed by splits). */
  build(buffer: 0 | 1, ranges: ReadonlyArray<readonly [number, number]>, slots: readonly number[]): Promise<void>;
  /**
   * Partitions each task's range of rows[buffer] as RowParallel.partition does (the same stable
   * order), in place or into the other rows buffer: the rows of every task are then in the
   * buffer returned, other ranges stay where they were.
   */
  partition(buffer: 0 | 1, tasks: PartitionTask[]): Promise<{ mids: number[]; buffer: 0 | 1 }>;
  /** Best splits: [of the task's node, of its derived sibling (null without one)] per task. */
  splits(tasks: readonly ResidentSplitTask[], params: SplitParams, binCounts: Int32Array): Promise<Array<[SplitCandidate | null, SplitCandidate | null]>>;
  /**
   * A new tree over every row: rows[buffer] = 0..n-1, the gradient pairs (as gradients()) and
   * their sums (as sums()), in one step.
   */
  startTree(objective: 'binary:logistic' | 'reg:squarederror' | 'multi:softprob', group: number, scalePosWeight: number, n: number, buffer: 0 | 1): Promise<[number, number]>;
}

/**
 * Rows per histogram block. With a kernel that has buildBlocks (the CPU kernels), the trainer
 * builds a larger node in blocks of this many rows and adds the block histograms in block order,
 * so the float sums do not depend on how many threads built the blocks: training gives the same
 * trees for any thread count.
 */
export const HIST_BLOCK_ROWS = 32768;

export const HIST_STRIDE = 512;

/** Gradient and hessian sums of rows[0, count): HIST_BLOCK_ROWS-row chunks added in order. */
export function rootSums(rows: Uint32Array, gh: Float32Array, count: number): [number, number] {
  const part = new Float64Array(2);
  let G = 0;
  let H = 0;
  for (let begin = 0; begin < count; begin += HIST_BLOCK_ROWS) {
    sumGradientRange(rows, gh, begin, Math.min(count, begin + HIST_BLOCK_ROWS), part, 0);
    G += part[0] as number;
    H += part[1] as number;
  }
  return [G, H];
}

/** The CPU kernel: rows read row-major so each gradient pair is loaded once per row. */
export const cpuHistogramKernel: HistogramKernel = {
  backend: 'cpu',
  build({ bins, nFeatures: F, rows, begin, end, gh, features }, hist) {
    hist.fill(0);
    if (features.length === F) {
      for (let p = begin; p < end; p++) {
        const r = rows[p] as number;
        const g = gh[r * 2] as number;
        const h = gh[r * 2 + 1] as number;
        const rowBase = r * F;
        for (let f = 0; f < F; f++) {
          const idx = f * HIST_STRIDE + ((bins[rowBase + f] as number) << 1);
          hist[idx] = (hist[idx] as number) + g;
          hist[idx + 1] = (hist[idx + 1] as number) + h;
        }
      }
      return;
    }
    const nf = features.length;
    for (let p = begin; p < end; p++) {
      const r = rows[p] as number;
      const g = gh[r * 2] as number;
      const h = gh[r * 2 + 1] as number;
      const rowBase = r * F;
      for (let fi = 0; fi < nf; fi++) {
        const f = features[fi] as number;
        const idx = f * HIST_STRIDE + ((bins[rowBase + f] as number) << 1);
        hist[idx] = (hist[idx] as number) + g;
        hist[idx + 1] = (hist[idx + 1] as number) + h;
      }
    }
  },
};
