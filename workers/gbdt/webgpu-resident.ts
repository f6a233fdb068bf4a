/**
 * The boosting loop resident on the device (WebGPU): bins, labels, margins, gradient pairs, the
 * row partition and the node histograms live in GPU buffers for the whole run; per tree level
 * one small array comes back (a split record per node and feature) and the level's splits (a few
 * words per node) go down. Only the trees are built on the CPU.
 *
 * Per tree (passes in webgpu-resident-wgsl.ts):
 *   1. gradients: binary:logistic by the sigmoid table (sigmoid-table.ts, bit for bit the CPU's
 *      float32 pairs), quantised to 64-bit fixed point at fixed scales (below); rows = 0..n-1;
 *   2. the root histogram: exact integer sums per (feature, bin), as webgpu-histogram.ts;
 *   3. per level: split finding per (node, feature) in float32 on the exact sums → read back;
 *      the CPU picks each node's split (below), uploads the splits; the device partitions the
 *      rows (node id per row and each node's rows as a range of an index array), builds the
 *      smaller child's histogram and derives the larger as parent - smaller (exact integers),
 *      then finds the children's splits: one submission and one read-back per level;
 *   4. leaves: values from the exact sums on the CPU (calcWeight, as train.ts); the device adds
 *      them to the margins (float32 add, as the CPU). This tail goes with the next tree's
 *      submission.
 *
 * Same trees as the CPU trainer. Gradient pairs are the CPU's float32 pairs bit for bit (the
 * sigmoid-table spec): g on a 2^-24 grid, h on a 2^-32 grid (scale_pos_weight 1). They are summed
 * as integers, q = round(x * S) with S_g = 2^61 / 2^ceil(log2(n * w)) >= 2^24 (up to 2^37 rows)
 * and S_h = 2^61 / 2^ceil(log2(n * w / 4)) >= 2^32 (up to 2^31 rows): every value is exact, so
 * every node sum equals the CPU's float64 sum of the same rows (exact there too, up to 2^23
 * rows), and splits are chosen by the CPU's own rule in float64 on those sums:
 *   - the device reports, per (node, feature), its best candidate in float32 with the exact left
 *     sums, the best float32 gain among candidates that split the rows differently, and the
 *     largest term magnitude m. The difference of two float32 gains is within 36 * 2^-24 * m of
 *     the exact one (per term: 3 roundings in each int -> f32 conversion, the square, the sum,
 *     WGSL's 2.5-ulp division: 16 half-ulps, plus the sum and difference; the parent's term is
 *     common to all), so when the winner leads the runner-up by more than 2^-17 * m (1.8x that),
 *     the winner is the feature's exact best. min_child_weight is tested on the exact integers
 *     against ceil(mcw * S_h), as the CPU's float64 test decides it;
 *   - the CPU recomputes each feature's winner in float64 from the exact sums, exactly as
 *     split.ts (same expressions, features in order, strictly greater gain wins);
 *   - a feature whose winner is too close to its runner-up (or whose min_child_weight test was
 *     too close to call) is scanned exactly on the CPU from its histogram (4 KB read back) — but
 *     only when its float32 best could reach the node's best of the other features. Rare.
 * With a scale_pos_weight that is not a short binary fraction (1, 2, 0.5 and 2.5 are; 3.7 is not),
 * f32(g * w) and f32(h * w) carry more bits than the fixed point holds: each pair is rounded at
 * 1/S (about 2^-61 of the total), the CPU sums the unrounded pairs in float64 (also rounding), and
 * a split whose gain ties another's within that rounding may differ from the CPU trainer's.
 * Unsupported settings (other objectives, row or column subsampling, alpha, max_delta_step,
 * buffers over the device's limits) decline with a reason and the trainer takes the per-level
 * path (webgpu-train.ts).
 */
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../compute/webgpu-constants';
import { deviceLostError } from '../compute/compute-device';
import { fixedPointScale, readFixedPoint } from '../compute/fixed-point';
import type { GpuBindGroupLike, GpuBufferLike, GpuCommandEncoderLike, GpuComputePassLike, GpuComputePipelineLike, GpuDeviceLike } from '../compute/webgpu-types';
import { EngineError, cancelledError } from '../protocol/errors';
import { binColumns, MISSING_BIN, type BinnedMatrix, type FeatureCuts } from './binning';
import type { HistogramKernel } from './histogram';
import { auc, errorRate, logloss, rmse } from './metrics';
import { ROOT_PARENT, TreeBuilder, type Tree } from './model';
import { RoundKeeper } from './round-keeper';
import { transformMargins } from './objectives';
import type { EvalMetric, GbdtParams } from './params';
import { sigmoidTable } from './sigmoid-table';
import { bestSplitOfFeatures, calcWeight } from './split';
import type { DeviceTrainingStart, FeatureData, RoundReport, TrainOptions, TrainResult } from './train';
import { buildWgsl, FEATURES_PER_GROUP, gradientWgsl, leavesWgsl, PARTITION_PER_THREAD, partitionWgsl, rangesWgsl, RECORD_WORDS, RESIDENT_BINS, splitFindWgsl, subtractWgsl } from './webgpu-resident-wgsl';

/** Rows per workgroup of the histogram pass. */
const BUILD_ROWS = 2048;
/** Float32 gains are within this fraction of the magnitude of their terms (see the header). */
const GAIN_ERROR = 2 ** -17;
const NONE_GAIN = -1e38;


/** Why these settings cannot train on the device (plain words), or null. */
export function residentBlocker(p: GbdtParams, nRows: number, nFeatures: number, limits: { maxStorageBufferBindingSize: number; maxBufferSize: number }, workgroupSize: number): string | null {
  if (p.objective !== 'binary:logistic') return `the device-resident trainer does binary:logistic only (not ${p.objective})`;
  if (p.subsample < 1) return 'row subsampling (subsample < 1) is not on the device';
  if (p.colsample_bytree < 1) return 'column subsampling (colsample_bytree < 1) is not on the device';
  if (p.alpha !== 0) return 'L1 regularisation (alpha) is not on the device';
  if (p.max_delta_step !== 0) return 'max_delta_step is not on the device';
  if (!(p.scale_pos_weight > 0)) return 'scale_pos_weight must be positive on the device';
  if (p.min_child_weight > nRows * 0.25 * Math.max(1, p.scale_pos_weight)) return 'min_child_weight exceeds any node\'s hessian sum';
  if (workgroupSize > RESIDENT_BINS || RESIDENT_BINS % workgroupSize !== 0) return `workgroup size ${workgroupSize} does not divide 256 bins`;
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const slots = 2 ** Math.max(0, p.max_depth - 1);
  const histBytes = slots * nFeatures * RESIDENT_BINS * 16;
  if (histBytes > cap) return `node histograms of depth ${p.max_depth} need ${(histBytes / 2 ** 20).toFixed(0)} MiB per level, more than the device allows in one buffer`;
  if (nRows * nFeatures > cap || nRows * 16 > cap) return 'the data does not fit one device buffer';
  if (nRows >= 2 ** 31) return 'too many rows for the device';
  return null;
}

/** A 64-bit two's complement (low, high) pair as a BigInt. */
function big(low: number, high: number): bigint {
  return BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
}

interface Pipelines {
  gradient: GpuComputePipelineLike;
  build: GpuComputePipelineLike;
  subtract: GpuComputePipelineLike;
  splitFind: GpuComputePipelineLike;
  partition: GpuComputePipelineLike;
  ranges: GpuComputePipelineLike;
  leaves: GpuComputePipelineLike;
}

/** Compiles the passes once per device (pipelines are reused by every run). */
export async function createResidentPipelines(device: GpuDeviceLike, wg: number): Promise<Pipelines> {
  // No error scopes here (they may run while the kernel serves other calls): an invalid shader
  // rejects createComputePipelineAsync.
  const make = (name: string, code: string): Promise<GpuComputePipelineLike> =>
    device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } }).catch((error: unknown) => {
      throw new EngineError('INTERNAL', `The device trainer's ${name} shader could not be built: ${error instanceof Error ? error.message : String(error)}`);
    });
  const [gradient, build, subtract, splitFind, partition, ranges, leaves] = await Promise.all([
    make('gradient', gradientWgsl(wg)),
    make('histogram', buildWgsl(wg)),
    make('subtraction', subtractWgsl(wg)),
    make('split', splitFindWgsl(wg)),
    make('partition', partitionWgsl(wg)),
    make('ranges', rangesWgsl(wg)),
    make('leaves', leavesWgsl(wg)),
  ]);
  return { gradient, build, subtract, splitFind, partition, ranges, leaves };
}

/** A node of the tree being grown: its exact sums (fixed point), its rows' range, its histogram slot. */
interface DeviceNode {
  id: number;
  depth: number;
  slot: number;
  begin: number;
  count: number;
  G: bigint;
  H: bigint;
}

/** A chosen split with its exact left sums. */
interface ChosenSplit {
  feature: number;
  bin: number;
  defaultLeft: boolean;
  gain: number;
  leftG: bigint;
  leftH: bigint;
  /** Where the device's record of this candidate starts (its exact sums), if it came from one. */
  at?: number;
}

/** Per-run counts for the detail line and the tests. */
export interface ResidentStats {
  levels: number;
  exactScans: number;
  /** Wall time spent waiting for the device's answers (its work and the round trips). */
  waitMs: number;
  /** Wall time binning and uploading the data. */
  setupMs: number;
  /** Wall time this run waited for the shaders to compile (they start when the kernel is made). */
  compileWaitMs: number;
}

/**
 * Trains on the device. `bin` bins the columns (on helper threads when the host has them). The
 * caller has checked the labels and the settings (residentBlocker).
 */
export async function trainResident(
  device: GpuDeviceLike,
  wg: number,
  pipelines: Pipelines,
  train: FeatureData,
  options: TrainOptions,
  start: DeviceTrainingStart,
  rowThreads?: () => HistogramKernel,
  stats: ResidentStats = { levels: 0, exactScans: 0, waitMs: 0, setupMs: 0, compileWaitMs: 0 },
): Promise<TrainResult> {
  const started = Date.now();
  const p = options.params;
  const n = train.labels.length;
  const F = train.columns.length;
  const D = p.max_depth;
  const { cuts, binWords } = await binOnHost(train, p, rowThreads);
  const binCounts = Int32Array.from(cuts.map((c) => c.cuts.length));
  const validData = options.valid ? binColumns(options.valid.columns, p.max_bin, p.seed, cuts) : null;
  const validMargins = validData ? new Float32Array(validData.nRows).fill(start.margin0) : null;

  const w1 = Math.fround(p.scale_pos_weight);
  const weightBound = Math.max(1, w1);
  const gradientScale = fixedPointScale(n * weightBound);
  const hessianScale = fixedPointScale(n * 0.25 * weightBound);
  const maxSlots = 2 ** Math.max(0, D - 1);
  const PARTITION_ROWS = wg * PARTITION_PER_THREAD;
  const featureGroups = Math.ceil(F / FEATURES_PER_GROUP);
  const maxJobs = maxSlots;
  const maxNodes = 2 ** (D + 1);
  const slotWords = F * RESIDENT_BINS * 4;
  const recordsBytes = maxSlots * F * RECORD_WORDS * 4;
  const countsBytes = maxNodes * 4;

  const owned: GpuBufferLike[] = [];
  const buffer = (bytes: number, usage: number, label: string): GpuBufferLike => {
    const b = device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage });
    owned.push(b);
    return b;
  };
  const STORAGE = USAGE_STORAGE | USAGE_COPY_DST | USAGE_COPY_SRC;
  const uniform = (label: string): GpuBufferLike => buffer(32, USAGE_UNIFORM | USAGE_COPY_DST, label);
  let lost: string | null = null;
  void device.lost.then((info) => {
    lost = info.message || info.reason || 'unknown reason';
  });
  // The exact-scan read-back buffer grows on demand, outside `owned`: destroyed in the finally below.
  const scan: { buffer: GpuBufferLike | null } = { buffer: null };
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let scopesOpen = true;
  /** Fails the run on a GPU error so far (a limit a real device enforces, out of memory); reopens the scopes when asked. */
  const checkScopes = async (reopen: boolean): Promise<void> => {
    // Closed before popping: a pop that rejects must not leave the catch below popping again.
    scopesOpen = false;
    const validation = await device.popErrorScope();
    const memory = await device.popErrorScope();
    const failure = validation ?? memory;
    if (failure) throw new EngineError('INTERNAL', `The WebGPU device trainer failed: ${failure.message}`);
    if (!reopen) return;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    scopesOpen = true;
  };
  try {
    // --- Buffers for the run. ---
    const binsBuf = buffer(binWords.byteLength, STORAGE, 'resident-bins');
    device.queue.writeBuffer(binsBuf, 0, binWords);
    const labelsBuf = buffer(n * 4, STORAGE, 'resident-labels');
    device.queue.writeBuffer(labelsBuf, 0, new Uint32Array(Float32Array.from(train.labels).buffer));
    const marginsBuf = buffer(n * 4, STORAGE, 'resident-margins');
    device.queue.writeBuffer(marginsBuf, 0, new Uint32Array(new Float32Array(n).fill(start.margin0).buffer));
    const tableBuf = buffer(4097 * 4, STORAGE, 'resident-sigmoid');
    device.queue.writeBuffer(tableBuf, 0, Uint32Array.from(sigmoidTable()));
    const binCountsBuf = buffer(F * 4, STORAGE, 'resident-bin-counts');
    device.queue.writeBuffer(binCountsBuf, 0, Uint32Array.from(binCounts));
    const ghBuf = buffer(n * 16, STORAGE, 'resident-gh');
    const rowsBufs = [buffer(n * 4, STORAGE, 'resident-rows-a'), buffer(n * 4, STORAGE, 'resident-rows-b')] as const;
    const nodeOfRowBuf = buffer(n * 4, STORAGE, 'resident-node-of-row');
    const histBufs = [buffer(maxSlots * slotWords * 4, STORAGE, 'resident-hist-a'), buffer(maxSlots * slotWords * 4, STORAGE, 'resident-hist-b')] as const;
    const recordsBuf = buffer(recordsBytes, STORAGE, 'resident-records');
    const nodeCountBuf = buffer(countsBytes, STORAGE, 'resident-node-count');
    const readBuf = buffer(recordsBytes + countsBytes, USAGE_MAP_READ | USAGE_COPY_DST, 'resident-read');
    const jobsBuf = buffer(maxJobs * 32, STORAGE, 'resident-jobs');
    const countersBuf = buffer(maxJobs * 8, STORAGE, 'resident-counters');
    const rangesBuf = buffer(maxJobs * 16, STORAGE, 'resident-ranges');
    const buildTableBuf = buffer((Math.ceil(n / BUILD_ROWS) + maxJobs) * 8, STORAGE, 'resident-build-table');
    const partTableBuf = buffer((Math.ceil(n / PARTITION_ROWS) + maxJobs) * 8, STORAGE, 'resident-partition-table');
    const leafValueBuf = buffer(maxNodes * 4, STORAGE, 'resident-leaf-values');
    const params = {
      gradient: uniform('resident-gradient-params'),
      build: uniform('resident-build-params'),
      subtract: uniform('resident-subtract-params'),
      splitFind: uniform('resident-split-params'),
      partition: uniform('resident-partition-params'),
      ranges: uniform('resident-ranges-params'),
      leaves: uniform('resident-leaves-params'),
    };
    const rowStride = Math.min(device.limits.maxComputeWorkgroupsPerDimension, Math.ceil(n / wg)) * wg;
    const words = new Uint32Array(8);
    const floats = new Float32Array(words.buffer);
    const writeParams = (target: GpuBufferLike, fill: (u: Uint32Array, f: Float32Array) => void): void => {
      words.fill(0);
      fill(words, floats);
      device.queue.writeBuffer(target, 0, words);
    };
    writeParams(params.gradient, (u, f) => {
      u[0] = n;
      u[1] = rowStride;
      f[2] = w1;
      f[3] = gradientScale;
      f[4] = hessianScale;
    });
    writeParams(params.build, (u) => {
      u[0] = F;
      u[1] = BUILD_ROWS;
    });
    writeParams(params.subtract, (u) => {
      u[0] = F;
    });
    writeParams(params.splitFind, (u, f) => {
      u[0] = F;
      f[2] = p.lambda;
      f[3] = p.min_child_weight;
      f[4] = 1 / gradientScale;
      f[5] = 1 / hessianScale;
      const threshold = BigInt(Math.ceil(p.min_child_weight * hessianScale));
      u[6] = Number(threshold & 0xffffffffn);
      u[7] = Number((threshold >> 32n) & 0xffffffffn);
    });
    writeParams(params.leaves, (u) => {
      u[0] = n;
      u[1] = rowStride;
    });

    const group = (pipeline: GpuComputePipelineLike, buffers: GpuBufferLike[]): GpuBindGroupLike =>
      device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: buffers.map((b, binding) => ({ binding, resource: { buffer: b } })) });
    // One compute pass per submission step: WebGPU makes each dispatch's writes visible to the next.
    const dispatch = (pass: GpuComputePassLike, pipeline: GpuComputePipelineLike, bind: GpuBindGroupLike, x: number, y = 1): void => {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(x, y);
    };
    // Bind groups that do not change within a run (by the rows / histogram buffer parity).
    const bindGradient = group(pipelines.gradient, [params.gradient, marginsBuf, labelsBuf, tableBuf, ghBuf, rowsBufs[0], nodeOfRowBuf]);
    const bindBuild = [0, 1].map((k) => group(pipelines.build, [params.build, binsBuf, ghBuf, rowsBufs[k] as GpuBufferLike, buildTableBuf, rangesBuf, histBufs[k] as GpuBufferLike]));
    const bindSplit = [0, 1].map((k) => group(pipelines.splitFind, [params.splitFind, histBufs[k] as GpuBufferLike, binCountsBuf, recordsBuf]));
    const bindSubtract = [0, 1].map((k) => group(pipelines.subtract, [params.subtract, histBufs[1 - k] as GpuBufferLike, histBufs[k] as GpuBufferLike, jobsBuf, rangesBuf]));
    const bindPartition = [0, 1].map((k) => group(pipelines.partition, [params.partition, binsBuf, rowsBufs[k] as GpuBufferLike, rowsBufs[1 - k] as GpuBufferLike, nodeOfRowBuf, partTableBuf, jobsBuf, countersBuf]));
    const bindRanges = group(pipelines.ranges, [params.ranges, jobsBuf, countersBuf, rangesBuf, nodeCountBuf]);
    const bindLeaves = group(pipelines.leaves, [params.leaves, marginsBuf, nodeOfRowBuf, leafValueBuf]);
    const rowGroups = rowStride / wg;

    /** Submits, reads `bytes` of readBuf back (records, then node counts at recordsBytes). */
    const submitAndRead = async (encoder: GpuCommandEncoderLike, recordSlots: number): Promise<{ records: Uint32Array; counts: Uint32Array }> => {
      const recordBytes = recordSlots * F * RECORD_WORDS * 4;
      encoder.copyBufferToBuffer(recordsBuf, 0, readBuf, 0, recordBytes);
      encoder.copyBufferToBuffer(nodeCountBuf, 0, readBuf, recordsBytes, countsBytes);
      const waitStarted = performance.now();
      device.queue.submit([encoder.finish()]);
      await readBuf.mapAsync(MAP_MODE_READ, 0, recordsBytes + countsBytes);
      stats.waitMs += performance.now() - waitStarted;
      try {
        const all = new Uint32Array(readBuf.getMappedRange(0, recordsBytes + countsBytes));
        return { records: all.slice(0, recordBytes / 4), counts: all.slice(recordsBytes / 4) };
      } finally {
        readBuf.unmap();
      }
    };

    /** Encodes a new tree: gradients, every row in node 0, the root histogram and its splits. */
    const encodeTreeStart = (encoder: GpuCommandEncoderLike): void => {
      device.queue.writeBuffer(rangesBuf, 0, Uint32Array.of(0, n, 0, 0));
      const chunks = Math.ceil(n / BUILD_ROWS);
      const table = new Uint32Array(chunks * 2);
      for (let c = 0; c < chunks; c++) table[c * 2 + 1] = c;
      device.queue.writeBuffer(buildTableBuf, 0, table);
      encoder.clearBuffer(histBufs[0], 0, slotWords * 4);
      const pass = encoder.beginComputePass();
      dispatch(pass, pipelines.gradient, bindGradient, rowGroups);
      dispatch(pass, pipelines.build, bindBuild[0] as GpuBindGroupLike, chunks, featureGroups);
      dispatch(pass, pipelines.splitFind, bindSplit[0] as GpuBindGroupLike, 1, F);
      pass.end();
    };

    /**
     * Encodes the partition of `jobs` (rows of buffer `parity`); with `grow`, the children's
     * histograms (smaller built, larger derived) and splits into the other buffers.
     */
    const encodeLevel = (encoder: GpuCommandEncoderLike, jobs: Array<{ node: DeviceNode; split: ChosenSplit; leftId: number; rightId: number }>, parity: number, grow: boolean): void => {
      const J = jobs.length;
      const jobWords = new Uint32Array(J * 8);
      const partTable: number[] = [];
      const buildTable: number[] = [];
      jobs.forEach(({ node, split, leftId, rightId }, k) => {
        jobWords.set([node.begin, node.count, split.feature, split.bin | (split.defaultLeft ? 256 : 0), leftId, rightId, 0, node.slot], k * 8);
        for (let c = 0; c * PARTITION_ROWS < node.count; c++) partTable.push(k, c);
        const smaller = Math.floor(node.count / 2);
        for (let c = 0; c * BUILD_ROWS < smaller; c++) buildTable.push(k, c);
      });
      device.queue.writeBuffer(jobsBuf, 0, jobWords);
      device.queue.writeBuffer(partTableBuf, 0, Uint32Array.from(partTable));
      writeParams(params.partition, (u) => {
        u[0] = F;
        u[1] = PARTITION_ROWS;
        u[2] = grow ? 0 : 1;
      });
      const next = 1 - parity;
      if (grow) {
        encoder.clearBuffer(countersBuf, 0, Math.max(16, Math.ceil((J * 8) / 16) * 16));
        encoder.clearBuffer(histBufs[next] as GpuBufferLike, 0, 2 * J * slotWords * 4);
      }
      const pass = encoder.beginComputePass();
      if (partTable.length > 0) dispatch(pass, pipelines.partition, bindPartition[parity] as GpuBindGroupLike, partTable.length / 2);
      if (grow) {
        writeParams(params.ranges, (u) => {
          u[0] = J;
        });
        dispatch(pass, pipelines.ranges, bindRanges, Math.ceil(J / wg));
        if (buildTable.length > 0) {
          device.queue.writeBuffer(buildTableBuf, 0, Uint32Array.from(buildTable));
          dispatch(pass, pipelines.build, bindBuild[next] as GpuBindGroupLike, buildTable.length / 2, featureGroups);
        }
        dispatch(pass, pipelines.subtract, bindSubtract[next] as GpuBindGroupLike, Math.ceil((F * RESIDENT_BINS) / wg), J);
        dispatch(pass, pipelines.splitFind, bindSplit[next] as GpuBindGroupLike, 2 * J, F);
      }
      pass.end();
    };

    /** Exact histograms of (slot, feature) pairs of buffer `parity`, as Uint32 words per pair. */
    const readHistograms = async (parity: number, pairs: Array<[number, number]>): Promise<Uint32Array[]> => {
      const bytes = RESIDENT_BINS * 16;
      const total = pairs.length * bytes;
      if (!scan.buffer || scan.buffer.size < total) {
        scan.buffer?.destroy();
        scan.buffer = device.createBuffer({ label: 'resident-scan', size: total, usage: USAGE_MAP_READ | USAGE_COPY_DST });
      }
      const target = scan.buffer;
      const encoder = device.createCommandEncoder();
      pairs.forEach(([slot, f], k) => encoder.copyBufferToBuffer(histBufs[parity] as GpuBufferLike, (slot * F + f) * bytes, target, k * bytes, bytes));
      device.queue.submit([encoder.finish()]);
      const waitStarted = performance.now();
      await target.mapAsync(MAP_MODE_READ, 0, total);
      stats.waitMs += performance.now() - waitStarted;
      try {
        const all = new Uint32Array(target.getMappedRange(0, total));
        return pairs.map((_, k) => all.slice((k * bytes) / 4, ((k + 1) * bytes) / 4));
      } finally {
        target.unmap();
      }
    };

    const decodeG = (v: bigint): number => Number(v) / gradientScale;
    const decodeH = (v: bigint): number => Number(v) / hessianScale;
    const { lambda, min_child_weight: mcw } = p;

    /** The splits of a level's nodes by the CPU's rule (see the header); exact scans batched. */
    const chooseSplits = async (nodes: DeviceNode[], records: Uint32Array, parity: number): Promise<Array<ChosenSplit | null>> => {
      const f32 = new Float32Array(records.buffer, records.byteOffset, records.length);
      const i32 = new Int32Array(records.buffer, records.byteOffset, records.length);
      const perNode: Array<Array<ChosenSplit | null>> = [];
      const scans: Array<{ node: number; feature: number }> = [];
      nodes.forEach((node, k) => {
        const G = decodeG(node.G);
        const H = decodeH(node.H);
        const parentGain = H < mcw || H <= 0 ? 0 : (G * G) / (H + lambda);
        const best: Array<ChosenSplit | null> = [];
        const needsScan: boolean[] = [];
        let lead = 0;
        for (let f = 0; f < F; f++) {
          const at = (node.slot * F + f) * RECORD_WORDS;
          const code = i32[at] as number;
          const flagged = (records[at + 4] as number) !== 0;
          const gainF = f32[at + 1] as number;
          const runner = f32[at + 2] as number;
          const bound = GAIN_ERROR * (f32[at + 3] as number);
          let candidate: ChosenSplit | null = null;
          let doubtful = flagged || (code >= 0 && runner > NONE_GAIN && gainF - runner <= bound);
          if (code >= 0) {
            const bin = code >> 1;
            const nb = binCounts[f] as number;
            // As Number(BigInt) / scale: one rounding of the exact sum.
            const gl = readFixedPoint(records[at + 5] as number, records[at + 6] as number, gradientScale);
            const hl = readFixedPoint(records[at + 7] as number, records[at + 8] as number, hessianScale);
            let gain: number;
            let valid: boolean;
            if (bin === nb - 1) {
              // All present values left, missing right: split.ts's own expression.
              const gm = G - gl;
              const hm = H - hl;
              valid = hl >= mcw && hm >= mcw && hl > 0;
              gain = (hl < mcw || hl <= 0 ? 0 : (gl * gl) / (hl + lambda)) + (gm * gm) / (hm + lambda) - parentGain;
            } else {
              const hr = H - hl;
              valid = hl >= mcw && hr >= mcw && hl > 0 && hr > 0;
              const gr = G - gl;
              gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentGain;
            }
            if (!valid) doubtful = true;
            else {
              candidate = { feature: f, bin, defaultLeft: (code & 1) === 1, gain, leftG: 0n, leftH: 0n, at };
              if (gain > lead) lead = gain;
            }
          }
          best.push(candidate);
          needsScan.push(doubtful);
        }
        for (let f = 0; f < F; f++) {
          if (!needsScan[f]) continue;
          const at = (node.slot * F + f) * RECORD_WORDS;
          const code = i32[at] as number;
          const reach = (f32[at + 1] as number) + 2 * GAIN_ERROR * (f32[at + 3] as number);
          // A doubtful feature matters only if its best could reach (or tie) the node's lead.
          if (code < 0 || reach >= lead - 1e-12 * Math.abs(lead)) scans.push({ node: k, feature: f });
        }
        perNode.push(best);
      });
      if (scans.length > 0) {
        stats.exactScans += scans.length;
        const hists = await readHistograms(parity, scans.map(({ node, feature }) => [(nodes[node] as DeviceNode).slot, feature]));
        scans.forEach(({ node: k, feature: f }, s) => {
          const node = nodes[k] as DeviceNode;
          (perNode[k] as Array<ChosenSplit | null>)[f] = exactScan(hists[s] as Uint32Array, f, node);
        });
      }
      return perNode.map((best) => {
        let chosen: ChosenSplit | null = null;
        let bestGain = 0;
        for (const c of best) {
          if (c && c.gain > bestGain) {
            bestGain = c.gain;
            chosen = c;
          }
        }
        // The exact left sums of a device candidate, from its record.
        if (chosen && chosen.at !== undefined) {
          const at = chosen.at;
          chosen.leftG = big(records[at + 5] as number, records[at + 6] as number);
          chosen.leftH = big(records[at + 7] as number, records[at + 8] as number);
        }
        return chosen;
      });
    };

    /** split.ts's scan of one feature's exact histogram (decoded to float64), with exact left sums. */
    const exactScan = (words: Uint32Array, f: number, node: DeviceNode): ChosenSplit | null => {
      const hist = new Float64Array(RESIDENT_BINS * 2);
      for (let b = 0; b < RESIDENT_BINS; b++) {
        hist[b * 2] = readFixedPoint(words[b * 4] as number, words[b * 4 + 1] as number, gradientScale);
        hist[b * 2 + 1] = readFixedPoint(words[b * 4 + 2] as number, words[b * 4 + 3] as number, hessianScale);
      }
      const out = new Float64Array(4);
      bestSplitOfFeatures(hist, 0, RESIDENT_BINS * 2, Int32Array.of(0), 0, 1, Int32Array.of(binCounts[f] as number), decodeG(node.G), decodeH(node.H), lambda, 0, mcw, 0, out, 0);
      const code = out[3] as number;
      if (code < 0) return null;
      const bin = Math.floor(code / 2) % 256;
      const defaultLeft = code % 2 === 1;
      let leftG = 0n;
      let leftH = 0n;
      for (let b = 0; b <= bin; b++) {
        leftG += big(words[b * 4] as number, words[b * 4 + 1] as number);
        leftH += big(words[b * 4 + 2] as number, words[b * 4 + 3] as number);
      }
      if (defaultLeft) {
        leftG += big(words[MISSING_BIN * 4] as number, words[MISSING_BIN * 4 + 1] as number);
        leftH += big(words[MISSING_BIN * 4 + 2] as number, words[MISSING_BIN * 4 + 3] as number);
      }
      return { feature: f, bin, defaultLeft, gain: out[0] as number, leftG, leftH };
    };

    stats.setupMs = Date.now() - started;
    const loopStarted = performance.now();
    // --- The boosting loop. ---
    const trees: Tree[] = [];
    const rounds = new RoundKeeper(p, options);
    const evaluateTrain = options.evaluateTrain !== false;
    let trainMargins: Float32Array | null = null;
    /** The previous tree's last partition and leaf values, sent with the next submission. */
    let tail: ((encoder: GpuCommandEncoderLike) => void) | null = null;
    const flushTail = async (): Promise<void> => {
      if (!tail) return;
      const encoder = device.createCommandEncoder();
      tail(encoder);
      tail = null;
      device.queue.submit([encoder.finish()]);
      if (evaluateTrain) trainMargins = await readMargins();
    };
    let marginsRead: GpuBufferLike | null = null;
    /** The margins, for train-set metrics (every round when they are asked for). */
    const readMargins = async (): Promise<Float32Array> => {
      const staging = (marginsRead ??= buffer(n * 4, USAGE_MAP_READ | USAGE_COPY_DST, 'resident-margins-read'));
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(marginsBuf, 0, staging, 0, n * 4);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(MAP_MODE_READ, 0, n * 4);
      try {
        return new Float32Array(staging.getMappedRange(0, n * 4).slice(0));
      } finally {
        staging.unmap();
      }
    };

    for (let round = 0; round < p.num_boost_round; round++) {
      if (options.signal?.aborted) throw cancelledError();
      if (lost !== null) throw deviceLostError(lost);
      const builder = new TreeBuilder();
      const splitBins: number[] = [];
      const leafValues = new Float32Array(maxNodes);
      const encoder = device.createCommandEncoder();
      tail?.(encoder);
      tail = null;
      encodeTreeStart(encoder);
      let parity = 0;
      let read = await submitAndRead(encoder, 1);
      stats.levels++;
      const rootAt = 0;
      const rootG = big(read.records[rootAt + 9] as number, read.records[rootAt + 10] as number);
      const rootH = big(read.records[rootAt + 11] as number, read.records[rootAt + 12] as number);
      const root = builder.addNode(ROOT_PARENT, decodeH(rootH), calcWeight(p, decodeG(rootG), decodeH(rootH)) * p.eta);
      splitBins.push(-1);
      let level: DeviceNode[] = [{ id: root, depth: 0, slot: 0, begin: 0, count: n, G: rootG, H: rootH }];
      while (level.length > 0) {
        const splittable = level.filter((node) => node.depth < D);
        const chosen = splittable.length > 0 ? await chooseSplits(splittable, read.records, parity) : [];
        const jobs: Array<{ node: DeviceNode; split: ChosenSplit; leftId: number; rightId: number }> = [];
        splittable.forEach((node, k) => {
          const split = chosen[k] ?? null;
          // XGBoost: a split must gain more than kRtEps and at least min_split_loss (gamma).
          if (!split || split.gain <= 1e-6 || split.gain < p.gamma) return;
          const lG = decodeG(split.leftG);
          const lH = decodeH(split.leftH);
          const rG = decodeG(node.G - split.leftG);
          const rH = decodeH(node.H - split.leftH);
          const leftId = builder.addNode(node.id, lH, calcWeight(p, lG, lH) * p.eta);
          const rightId = builder.addNode(node.id, rH, calcWeight(p, rG, rH) * p.eta);
          splitBins.push(-1, -1);
          builder.left[node.id] = leftId;
          builder.right[node.id] = rightId;
          builder.feature[node.id] = split.feature;
          builder.threshold[node.id] = cuts[split.feature]?.cuts[split.bin] ?? 0;
          builder.defaultLeft[node.id] = split.defaultLeft ? 1 : 0;
          builder.lossChange[node.id] = split.gain;
          splitBins[node.id] = split.bin;
          jobs.push({ node, split, leftId, rightId });
        });
        const grow = jobs.length > 0 && (jobs[0] as (typeof jobs)[number]).node.depth + 1 < D;
        if (!grow) {
          // The tree is done: leaf values by node id; the last partition and the margin update
          // go with the next submission.
          for (let id = 0; id < builder.left.length; id++) if (builder.left[id] === -1) leafValues[id] = Math.fround(builder.threshold[id] as number);
          const lastJobs = jobs;
          const lastParity = parity;
          tail = (enc) => {
            if (lastJobs.length > 0) encodeLevel(enc, lastJobs, lastParity, false);
            device.queue.writeBuffer(leafValueBuf, 0, new Uint32Array(leafValues.buffer));
            const pass = enc.beginComputePass();
            dispatch(pass, pipelines.leaves, bindLeaves, rowGroups);
            pass.end();
          };
          break;
        }
        const levelEncoder = device.createCommandEncoder();
        encodeLevel(levelEncoder, jobs, parity, true);
        parity = 1 - parity;
        read = await submitAndRead(levelEncoder, 2 * jobs.length);
        stats.levels++;
        const next: DeviceNode[] = [];
        jobs.forEach(({ node, split, leftId, rightId }, k) => {
          const leftCount = read.counts[leftId] as number;
          const depth = node.depth + 1;
          next.push({ id: leftId, depth, slot: 2 * k, begin: node.begin, count: leftCount, G: split.leftG, H: split.leftH });
          next.push({ id: rightId, depth, slot: 2 * k + 1, begin: node.begin + leftCount, count: node.count - leftCount, G: node.G - split.leftG, H: node.H - split.leftH });
        });
        level = next;
      }
      const tree = builder.freeze();
      trees.push(tree);
      if (validData && validMargins) addTreeToBinned(tree, Int32Array.from(splitBins), validData, validMargins);
      if (evaluateTrain) await flushTail();
      const report: RoundReport = { round: round + 1, train: evaluateTrain && trainMargins ? evaluate(p.eval_metric, p, trainMargins, train.labels) : {} };
      if (validData && validMargins && options.valid) report.valid = evaluate(p.eval_metric, p, validMargins, options.valid.labels);
      // An error in the first tree (setup, a device limit) fails the run now, not after the last
      // round: until then a failed pass reads back zeros and the trees would quietly be leaves.
      if (round === 0) await checkScopes(true);
      if (await rounds.end(round, report)) break;
    }
    const bestIteration = rounds.bestIteration();
    if (bestIteration !== null) trees.length = bestIteration + 1;
    await checkScopes(false);
    return {
      model: { objective: p.objective, numClass: 0, baseScore: start.baseScore, numFeature: F, featureNames: options.featureNames, trees, treeInfo: trees.map(() => 0), bestIteration },
      history: rounds.history,
      backend: 'webgpu',
      elapsedMs: Date.now() - started,
      backendDetail: `trained on the device (gradients, histograms, splits, partitions and margins in GPU memory; shader compile wait ${(stats.compileWaitMs / 1000).toFixed(2)} s, binning and upload ${(stats.setupMs / 1000).toFixed(2)} s, ${stats.levels} level round trips, ${(stats.waitMs / 1000).toFixed(2)} s waiting for the device, ${((performance.now() - loopStarted - stats.waitMs) / 1000).toFixed(2)} s on the CPU, ${stats.exactScans} exact CPU scans)`,
    };
  } catch (error) {
    // Leave no error scope behind for the next run.
    if (scopesOpen) {
      await device.popErrorScope().catch(() => null);
      await device.popErrorScope().catch(() => null);
    }
    // A failed map may be the first sign of a lost device: give its promise a moment to say so.
    if (!(error instanceof EngineError) && lost === null) await Promise.race([device.lost, new Promise((resolve) => setTimeout(resolve, 50))]);
    if (lost !== null) throw deviceLostError(lost);
    throw error;
  } finally {
    for (const b of owned) b.destroy();
    scan.buffer?.destroy();
  }
}

/**
 * Bins the columns (on the host's helper threads when there are some, as the CPU trainer does):
 * the cuts, and the row-major bins packed four to a u32 word for the device.
 */
async function binOnHost(train: FeatureData, p: GbdtParams, rowThreads?: () => HistogramKernel): Promise<{ cuts: FeatureCuts[]; binWords: Uint32Array }> {
  const pack = (binned: BinnedMatrix): { cuts: FeatureCuts[]; binWords: Uint32Array } => {
    const bytes = binned.nRows * binned.nFeatures;
    const binWords = new Uint32Array(Math.ceil(bytes / 4));
    new Uint8Array(binWords.buffer).set(binned.bins.subarray(0, bytes));
    return { cuts: binned.cuts, binWords };
  };
  const kernel = rowThreads?.();
  try {
    const parallel = kernel?.rowParallel?.({ columns: train.columns, labels: train.labels, groups: 1, maxBin: p.max_bin, seed: p.seed });
    if (!parallel) return pack(binColumns(train.columns, p.max_bin, p.seed));
    try {
      return pack(await parallel.bin());
    } finally {
      parallel.finish();
    }
  } finally {
    kernel?.dispose?.();
  }
}

/** margins += the tree's leaf values on binned rows (float32 adds, as train.ts). */
function addTreeToBinned(tree: Tree, splitBin: Int32Array, data: BinnedMatrix, margins: Float32Array): void {
  const F = data.nFeatures;
  for (let r = 0; r < data.nRows; r++) {
    let node = 0;
    while (tree.left[node] !== -1) {
      const b = data.bins[r * F + (tree.feature[node] as number)] as number;
      const left = b === MISSING_BIN ? tree.defaultLeft[node] === 1 : b <= (splitBin[node] as number);
      node = left ? (tree.left[node] as number) : (tree.right[node] as number);
    }
    margins[r] = Math.fround((margins[r] as number) + (tree.threshold[node] as number));
  }
}

function evaluate(metrics: EvalMetric[], p: GbdtParams, margins: Float32Array, labels: Float32Array): Partial<Record<EvalMetric, number>> {
  const preds = transformMargins(p.objective, margins, 1);
  const out: Partial<Record<EvalMetric, number>> = {};
  for (const m of metrics) {
    if (m === 'auc') out.auc = auc(preds, labels);
    else if (m === 'logloss') out.logloss = logloss(preds, labels);
    else if (m === 'error') out.error = errorRate(preds, labels);
    else if (m === 'rmse') out.rmse = rmse(preds, labels);
  }
  return out;
}
