/**
 * Training's row-wise steps for the WebGPU histogram kernel (its RowParallel, see histogram.ts):
 * the trainer then asks for all node histograms of a tree level at once, and the kernel answers
 * them with one submission and one read-back (buildMany) instead of one round trip per node:
 * measured on an H200 through Dawn, the per-node round trips made whole training 5x slower than
 * WASM on 16 threads although one histogram pass is 6x faster.
 *
 * Gradients, root sums, partitions and leaf margins are the single-thread trainer's own
 * functions on the same arrays, so the trees are those of the per-node path: splits identical to
 * the CPU's, leaves within float rounding (the device sums are fixed point, webgpu-histogram.ts).
 * This is the per-level path: binary:logistic with the default sampling and regularisation runs
 * the whole loop on the device instead (webgpu-resident.ts); other objectives and settings, and
 * kernels made with `resident: false`, come here.
 */
import { binColumns, type BinnedMatrix } from './binning';
import { rootSums, type HistogramKernel, type HistogramRequest, type RowParallel, type RowParallelData } from './histogram';
import { computeGradients } from './objectives';
import { addLeavesRange, partitionRange } from './row-ops';

/** What the trainer's levels need of the kernel (WebGpuHistogramKernel.buildMany). */
export interface ManyRangeHistograms {
  buildMany(request: Omit<HistogramRequest, 'begin' | 'end'>, ranges: ReadonlyArray<readonly [number, number]>, outs: Float64Array[]): Promise<void>;
}

/**
 * With `rowThreads` (a CPU kernel with helper threads) the row-wise steps run on its threads, in
 * its memory, exactly as WASM training does (same trees for any thread count), and only the
 * histograms go to the device; without, they run on this thread.
 */
export function webGpuRowParallel(kernel: ManyRangeHistograms, data: RowParallelData, rowThreads?: () => HistogramKernel): RowParallel {
  const cpuKernel = rowThreads?.();
  const threaded = cpuKernel?.rowParallel?.({ ...data, maxDepth: undefined });
  if (cpuKernel && threaded) return threadedRows(kernel, cpuKernel, threaded);
  cpuKernel?.dispose?.();
  const { columns, labels, groups, maxBin, seed } = data;
  const n = labels.length;
  const rows = [new Uint32Array(n), new Uint32Array(n)] as const;
  const scratch = new Uint32Array(n);
  const gh = new Float32Array(n * 2);
  const margins = new Float32Array(n * groups);
  const roundMargins = groups > 1 ? new Float32Array(n * groups) : null;
  let binned: BinnedMatrix | null = null;
  const matrix = (): BinnedMatrix => {
    if (!binned) throw new Error('RowParallel: bin() must come first');
    return binned;
  };
  const columnBins = (feature: number): Uint8Array => matrix().columnBins[feature] as Uint8Array;
  return {
    bin() {
      binned = binColumns(columns, maxBin, seed);
      return Promise.resolve(binned);
    },
    rows,
    scratch,
    gh,
    margins,
    roundMargins,
    gradients(objective, group, scalePosWeight) {
      computeGradients(objective, roundMargins ?? margins, labels, groups, group, scalePosWeight, gh);
      return Promise.resolve();
    },
    partition(buffer, tasks) {
      return Promise.resolve(tasks.map((t) => partitionRange(columnBins(t.feature), rows[buffer], t.begin, t.end, t.bin, t.defaultLeft, scratch)));
    },
    addLeaves(buffer, tasks, group) {
      for (const t of tasks) addLeavesRange(columnBins(t.feature), rows[buffer], t.begin, t.end, t.bin, t.defaultLeft, t.leftValue, t.rightValue, margins, groups, group);
      return Promise.resolve();
    },
    sums(buffer, count) {
      return Promise.resolve(rootSums(rows[buffer], gh, count));
    },
    histograms(buffer, features, ranges, outs) {
      const m = matrix();
      return kernel.buildMany({ bins: m.bins, nFeatures: m.nFeatures, rows: rows[buffer], gh, features }, ranges, outs);
    },
    finish() {
      binned = null;
    },
  };
}

/** The CPU kernel's threaded row steps with the device's histograms (its node-resident histograms are not used). */
function threadedRows(kernel: ManyRangeHistograms, cpuKernel: HistogramKernel, rows: RowParallel): RowParallel {
  let binned: BinnedMatrix | null = null;
  return {
    async bin() {
      binned = await rows.bin();
      return binned;
    },
    rows: rows.rows,
    scratch: rows.scratch,
    gh: rows.gh,
    margins: rows.margins,
    roundMargins: rows.roundMargins,
    gradients: (objective, group, scalePosWeight, nRows) => rows.gradients(objective, group, scalePosWeight, nRows),
    partition: (buffer, tasks) => rows.partition(buffer, tasks),
    addLeaves: (buffer, tasks, group) => rows.addLeaves(buffer, tasks, group),
    sums: (buffer, count) => rows.sums(buffer, count),
    histograms(buffer, features, ranges, outs) {
      if (!binned) throw new Error('RowParallel: bin() must come first');
      return kernel.buildMany({ bins: binned.bins, nFeatures: binned.nFeatures, rows: rows.rows[buffer], gh: rows.gh, features }, ranges, outs);
    },
    finish() {
      binned = null;
      rows.finish();
      cpuKernel.dispose?.();
    },
  };
}
