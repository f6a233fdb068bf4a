/**
 * The WebGPU histogram kernel: the same sums as `cpuHistogramKernel` (histogram.ts), computed by a
 * WGSL compute shader. Runs in a Web Worker or a page; it takes the `GPU` object as an argument so
 * the engine never reads `navigator` itself.
 *
 * Determinism and precision. WGSL has no float atomics, so every gradient and hessian is turned
 * into a 64-bit fixed-point integer, q = round(x * S) with S = 2^(61 - ceil(log2 M)),
 * where M = sum of |x| over all rows of `gh` (one scale for gradients, one for hessians). The
 * shader adds these integers exactly (two u32 atomics per value, with carry) in per-workgroup
 * histograms, then into the global histogram. Integer addition is associative, so the result does
 * not depend on thread scheduling: the same input gives bit-identical output on every run.
 * Sums cannot overflow (sum of |q| <= 2^61 + n/2 < 2^63). The only error is the rounding of each
 * value to a multiple of 1/S (at most 0.5/S < 2^-61 * M per row), so per bin
 *   |webgpu - exact| <= rowsInBin * 2^-61 * M,
 * and against the CPU kernel (float64 sums, error <= ~rowsInBin * 2^-53 * M) the two agree within
 * rowsInBin * 2^-52 * M per bin: under 1e-6 * M for any call below 4.5e9 rows (2.3e-10 * M at 1M).
 * Non-finite gradients cannot be fixed-point: for such a tree the kernel delegates to the CPU
 * kernel, so NaN/Infinity propagate exactly as they do there.
 *
 * Data movement. The bin matrix is uploaded once per dataset (cached by the identity of the
 * `bins` Uint8Array, assumed immutable). The float32 gradient pairs are uploaded once per tree and
 * turned into fixed point there (quantiseWgsl, bit-identical to writeFixedPoint): they
 * are cached by the identity of the (`gh`, `rows`) pair. Training reuses one `gh` array across
 * trees and overwrites it in place, but gives every tree a fresh `rows` array (rows are permuted
 * in place while the tree grows), so a new `rows` array marks a new tree. A caller that rewrites
 * `gh` must pass a new `rows` array. The row indices of [begin, end) are uploaded per call.
 * Bins and gradients are split into row chunks of at most 256 MiB per buffer (less when the
 * device's limits are lower); a call dispatches once per chunk that holds some of its rows.
 */
import { deviceLostError, requestComputeDevice } from '../compute/compute-device';
import { fixedPointScale, readFixedPoint } from '../compute/fixed-point';
import { ATOMIC_ADD64_WGSL, FIXED_POINT_WGSL } from '../compute/fixed-point-wgsl';
import { MAP_MODE_READ, MAX_BUFFER_BYTES, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../compute/webgpu-constants';
import { EngineError } from '../protocol/errors';
import { describeAdapter, isFallbackAdapter } from '../compute/adapter-kind';
import type { GpuAdapterLike, GpuBufferLike, GpuLike } from '../compute/webgpu-types';
import { cpuHistogramKernel, HIST_STRIDE, type HistogramKernel, type HistogramRequest, type RowParallel, type RowParallelData } from './histogram';
import { webGpuRowParallel } from './webgpu-train';
import { createResidentPipelines, residentBlocker, trainResident, type ResidentStats } from './webgpu-resident';
import type { DeviceTrainer } from './train';

export type { GpuAdapterInfoLike, GpuAdapterLike, GpuLike, GpuLimitsLike } from '../compute/webgpu-types';
export { describeAdapter, isFallbackAdapter } from '../compute/adapter-kind';

const MIN_ROWS_PER_WORKGROUP = 2048;
const BINS_PER_FEATURE = 256;
/** u32 words per (feature, bin) in the device histogram: gradient lo/hi, hessian lo/hi. */
const WORDS_PER_BIN = 4;

/** The shader for a workgroup of `workgroupSize` invocations (a power of two, 32-256: compute-device.ts). */
const histogramWgsl = (workgroupSize: number): string => /* wgsl */ `
struct Params {
  rowCount: u32,         // row indices in this dispatch
  rowsPerWorkgroup: u32,
  nFeatures: u32,        // row stride of the bin matrix
  chunkFirstRow: u32,    // dataset row of the chunk's first row
  rowsBase: u32,         // this dispatch's first entry in rows
  histSlotBase: u32,     // this dispatch's first feature slot in hist (one range after another)
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// One row chunk of the row-major Uint8 bin matrix, four bins per word (little-endian).
@group(0) @binding(1) var<storage, read> bins: array<u32>;
// Per chunk row: gradient lo, gradient hi, hessian lo, hessian hi (64-bit two's complement).
@group(0) @binding(2) var<storage, read> gh: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> rows: array<u32>;
@group(0) @binding(4) var<storage, read> features: array<u32>;
// [((histSlotBase + slot) * 256 + bin) * 4 + k], k as in gh.
@group(0) @binding(5) var<storage, read_write> hist: array<atomic<u32>>;

var<workgroup> localHist: array<atomic<u32>, ${BINS_PER_FEATURE * WORDS_PER_BIN}>;

${ATOMIC_ADD64_WGSL}

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let slot = group.y;
  let feature = features[slot];
  let start = group.x * params.rowsPerWorkgroup;
  let stop = min(start + params.rowsPerWorkgroup, params.rowCount);
  for (var p = start + t; p < stop; p += ${workgroupSize}u) {
    let r = rows[params.rowsBase + p] - params.chunkFirstRow;
    let byteIndex = r * params.nFeatures + feature;
    let bin = (bins[byteIndex >> 2u] >> ((byteIndex & 3u) * 8u)) & 0xffu;
    let q = gh[r];
    addLocal(bin * 4u, q.x, q.y);
    addLocal(bin * 4u + 2u, q.z, q.w);
  }
  workgroupBarrier();
  // Flush this workgroup's sums into the global histogram (256 / workgroupSize bins per invocation).
  for (var b = t; b < ${BINS_PER_FEATURE}u; b += ${workgroupSize}u) {
    let gLo = atomicLoad(&localHist[b * 4u]);
    let gHi = atomicLoad(&localHist[b * 4u + 1u]);
    let hLo = atomicLoad(&localHist[b * 4u + 2u]);
    let hHi = atomicLoad(&localHist[b * 4u + 3u]);
    let base = ((params.histSlotBase + slot) * ${BINS_PER_FEATURE}u + b) * 4u;
    if ((gLo | gHi) != 0u) { addGlobal(base, gLo, gHi); }
    if ((hLo | hHi) != 0u) { addGlobal(base + 2u, hLo, hHi); }
  }
}
`;

/**
 * Turns float32 gradient pairs into the 64-bit fixed point above on the device, bit for bit as
 * writeFixedPoint does on the CPU: v = x * scale is exact in float32 (scale is a power of two and
 * |v| <= 2^61), Math.round's rule (halves toward +infinity) is applied to |v| with an exact
 * fraction (|v| - floor(|v|) is exact by Sterbenz's lemma), and the integer-valued float is
 * unpacked from its bits into two words. A tree then uploads 8 bytes per row instead of 16, and
 * the CPU does not loop over the rows to quantise them.
 */
const quantiseWgsl = (workgroupSize: number): string => /* wgsl */ `
struct Params {
  rowCount: u32,
  gradientScale: f32,
  hessianScale: f32,
  stride: u32,           // invocations in the whole dispatch
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> raw: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> gh: array<vec4<u32>>;

${FIXED_POINT_WGSL}
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var r = gid.x; r < params.rowCount; r += params.stride) {
    let pair = raw[r];
    let g = fixedPoint(pair.x, params.gradientScale);
    let h = fixedPoint(pair.y, params.hessianScale);
    gh[r] = vec4<u32>(g.x, g.y, h.x, h.y);
  }
}
`;

// Fixed point: compute/fixed-point.ts (re-exported for the unit tests of the precision claim).
export { fixedPointScale, readFixedPoint, writeFixedPoint } from '../compute/fixed-point';

/**
 * Dawn (and the spec's writeBuffer in some browsers) refuses views of a SharedArrayBuffer, which
 * the threaded CPU kernel's row buffers are: such views are copied first.
 */
function unshared(view: Uint32Array): Uint32Array {
  return typeof SharedArrayBuffer !== 'undefined' && view.buffer instanceof SharedArrayBuffer ? view.slice() : view;
}

// --- The kernel. ---

/** A row range of the dataset held in one pair of device buffers. */
interface RowChunk {
  firstRow: number;
  rowCount: number;
  bins: GpuBufferLike;
  gh: GpuBufferLike;
}

interface DatasetState {
  bins: Uint8Array;
  nFeatures: number;
  nRows: number;
  rowsPerChunk: number;
  chunks: RowChunk[];
}

interface GradientState {
  gh: Float32Array;
  rows: Uint32Array;
  /** Non-finite values present: this tree goes to the CPU kernel. */
  useCpu: boolean;
  gradientScale: number;
  hessianScale: number;
}

export interface WebGpuHistogramOptions {
  /** Caps the bytes per bin/gradient chunk buffer below 256 MiB (tests use it to force chunking). */
  maxChunkBytes?: number;
  /** Caps a level's row list and output histograms per submission below the device's binding limit (tests use it to force batches). */
  maxBindingBytes?: number;
  /**
   * A CPU kernel with helper threads for training's row-wise steps (binning, gradients,
   * partitions, leaf margins); the histograms stay on the device. Made per training run and
   * disposed at its end. Without it those steps run on the calling thread.
   */
  rowThreads?: () => HistogramKernel;
  /**
   * Train the whole boosting loop on the device where the settings allow (webgpu-resident.ts;
   * default true). False keeps the per-level path (device histograms only), for comparisons.
   */
  resident?: boolean;
}

export interface WebGpuHistogramKernel extends HistogramKernel, DeviceTrainer {
  readonly backend: 'webgpu';
  /** Adapter description for logs and results ("vendor architecture (fallback)"). */
  readonly adapterDescription: string;
  readonly isFallbackAdapter: boolean;
  /** Invocations per workgroup this device allowed (256 where it can). */
  readonly workgroupSize: number;
  build(request: HistogramRequest, out: Float64Array): Promise<void>;
  /** Histograms of several row ranges (outs[k] for rows[ranges[k]]): one submission, one read-back. */
  buildMany(request: Omit<HistogramRequest, 'begin' | 'end'>, ranges: ReadonlyArray<readonly [number, number]>, outs: Float64Array[]): Promise<void>;
  /** Training's row-wise steps (webgpu-train.ts): a level's node histograms in one device round trip. */
  rowParallel(data: RowParallelData): RowParallel;
  /** Counts of the last device-resident run (level round trips, exact CPU scans). */
  readonly residentStats: ResidentStats;
  dispose(): void;
}

/**
 * Splits ranges (indices in order) into batches whose summed row-index bytes (4 per row) and
 * output histogram bytes each stay within `capBytes`; a range whose rows alone exceed it is a batch
 * of its own, marked for the CPU.
 */
export function deviceBatches(ranges: ReadonlyArray<readonly [number, number]>, rangeBytes: number, capBytes: number): Array<{ indices: number[]; onCpu: boolean }> {
  const batches: Array<{ indices: number[]; onCpu: boolean }> = [];
  let current: number[] = [];
  let rowBytes = 0;
  let histBytes = 0;
  ranges.forEach(([begin, end], k) => {
    const bytes = Math.max(0, end - begin) * 4;
    const onCpu = bytes > capBytes || rangeBytes > capBytes;
    if (current.length > 0 && (onCpu || rowBytes + bytes > capBytes || histBytes + rangeBytes > capBytes)) {
      batches.push({ indices: current, onCpu: false });
      current = [];
      rowBytes = 0;
      histBytes = 0;
    }
    if (onCpu) {
      batches.push({ indices: [k], onCpu: true });
      return;
    }
    current.push(k);
    rowBytes += bytes;
    histBytes += rangeBytes;
  });
  if (current.length > 0) batches.push({ indices: current, onCpu: false });
  return batches;
}

function isGpuLike(value: unknown): value is GpuLike {
  return typeof value === 'object' && value !== null && typeof (value as { requestAdapter?: unknown }).requestAdapter === 'function';
}

/**
 * Requests an adapter and builds the kernel on it; null when there is no WebGPU (`gpu` missing
 * or not a GPU object) or no adapter. Fallback adapters (SwiftShader) are accepted: choosing
 * whether to use them is backend-select.ts's job.
 */
export async function createWebGpuHistogramKernel(gpu: unknown, options: WebGpuHistogramOptions = {}): Promise<WebGpuHistogramKernel | null> {
  if (!isGpuLike(gpu)) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  return createWebGpuHistogramKernelOnAdapter(adapter, options);
}

export async function createWebGpuHistogramKernelOnAdapter(adapter: GpuAdapterLike, options: WebGpuHistogramOptions = {}): Promise<WebGpuHistogramKernel> {
  const wantedBytes = Math.min(MAX_BUFFER_BYTES, options.maxChunkBytes ?? MAX_BUFFER_BYTES);
  // 256 bins x 4 words x 4 bytes of workgroup memory: the spec's default, asked for explicitly.
  const { device, workgroupSize } = await requestComputeDevice(adapter, 'assay-histogram', {
    // The device trainer's histogram pass keeps four features' histograms (16 KB, the default).
    maxComputeWorkgroupStorageSize: 4 * BINS_PER_FEATURE * WORDS_PER_BIN * 4,
    // The device trainer's partition pass binds 7 storage buffers (compatibility mode allows 4 unless asked).
    maxStorageBuffersPerShaderStage: 8,
  });
  let lostMessage: string | null = null;
  void device.lost.then((info) => {
    lostMessage = info.message || info.reason || 'unknown reason';
  });
  device.pushErrorScope('validation');
  const pipeline = await device.createComputePipelineAsync({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: histogramWgsl(workgroupSize) }), entryPoint: 'main' },
  }).catch((error: unknown) => {
    device.destroy();
    throw new EngineError('INTERNAL', `The WebGPU histogram shader could not be built (workgroup size ${workgroupSize}): ${error instanceof Error ? error.message : String(error)}`);
  });
  const compileError = await device.popErrorScope();
  if (compileError) {
    device.destroy();
    throw new EngineError('INTERNAL', `The WebGPU histogram shader did not compile (workgroup size ${workgroupSize}): ${compileError.message}`);
  }
  const layout = pipeline.getBindGroupLayout(0);
  device.pushErrorScope('validation');
  const quantisePipeline = await device.createComputePipelineAsync({
    layout: 'auto',
    compute: { module: device.createShaderModule({ code: quantiseWgsl(workgroupSize) }), entryPoint: 'main' },
  });
  const quantiseError = await device.popErrorScope();
  if (quantiseError) {
    device.destroy();
    throw new EngineError('INTERNAL', `The WebGPU gradient shader did not compile: ${quantiseError.message}`);
  }
  const quantiseLayout = quantisePipeline.getBindGroupLayout(0);
  const quantiseParams = device.createBuffer({ label: 'histogram-quantise-params', size: 16, usage: USAGE_UNIFORM | USAGE_COPY_DST });
  let rawBuffer: GpuBufferLike | null = null;
  const chunkBytes = Math.min(wantedBytes, device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  // One binding's limit: the row list and the output histograms of a batch must each fit it.
  const bindingBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize, options.maxBindingBytes ?? Infinity);
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  const params = device.createBuffer({ label: 'histogram-params', size: 32, usage: USAGE_UNIFORM | USAGE_COPY_DST });
  const paramWords = new Uint32Array(8);

  let dataset: DatasetState | null = null;
  let gradients: GradientState | null = null;
  // Buffers sized per call, grown on demand and reused.
  let rowsBuffer: GpuBufferLike | null = null;
  let featuresBuffer: GpuBufferLike | null = null;
  let histBuffer: GpuBufferLike | null = null;
  let readBuffer: GpuBufferLike | null = null;
  let disposed = false;
  let residentPipelines: ReturnType<typeof createResidentPipelines> | null = null;
  // Calls share buffers: run them one at a time even if a caller does not await.
  let queueTail: Promise<void> = Promise.resolve();

  function buffer(current: GpuBufferLike | null, bytes: number, usage: number, label: string): GpuBufferLike {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (current && current.size >= size) return current;
    current?.destroy();
    return device.createBuffer({ label, size, usage });
  }

  function releaseDataset(): void {
    for (const chunk of dataset?.chunks ?? []) {
      chunk.bins.destroy();
      chunk.gh.destroy();
    }
    dataset = null;
    gradients = null;
  }

  function uploadDataset(bins: Uint8Array, nFeatures: number, nRows: number): DatasetState {
    releaseDataset();
    // Rows per chunk: a multiple of 4 (so each chunk's bins start on a word) that fits both the
    // bin bytes (nFeatures per row) and the gradient words (16 bytes per row) in one buffer.
    const rowsPerChunk = Math.max(4, Math.floor(Math.min(chunkBytes / nFeatures, chunkBytes / 16) / 4) * 4);
    const chunks: RowChunk[] = [];
    for (let firstRow = 0; firstRow < nRows; firstRow += rowsPerChunk) {
      const rowCount = Math.min(rowsPerChunk, nRows - firstRow);
      const byteCount = rowCount * nFeatures;
      const words = new Uint32Array(Math.ceil(byteCount / 4));
      new Uint8Array(words.buffer).set(bins.subarray(firstRow * nFeatures, firstRow * nFeatures + byteCount));
      const binsBuffer = device.createBuffer({ label: 'histogram-bins', size: Math.max(16, words.byteLength), usage: USAGE_STORAGE | USAGE_COPY_DST });
      device.queue.writeBuffer(binsBuffer, 0, words);
      const ghBuffer = device.createBuffer({ label: 'histogram-gh', size: Math.max(16, rowCount * 16), usage: USAGE_STORAGE | USAGE_COPY_DST });
      chunks.push({ firstRow, rowCount, bins: binsBuffer, gh: ghBuffer });
    }
    return { bins, nFeatures, nRows, rowsPerChunk, chunks };
  }

  function uploadGradients(state: DatasetState, gh: Float32Array, rows: Uint32Array): GradientState {
    let gradientMass = 0;
    let hessianMass = 0;
    for (let r = 0; r < state.nRows; r++) {
      gradientMass += Math.abs(gh[r * 2] as number);
      hessianMass += Math.abs(gh[r * 2 + 1] as number);
    }
    const base = { gh, rows };
    if (!Number.isFinite(gradientMass) || !Number.isFinite(hessianMass)) return { ...base, useCpu: true, gradientScale: 1, hessianScale: 1 };
    const gradientScale = fixedPointScale(gradientMass);
    const hessianScale = fixedPointScale(hessianMass);
    const scaleWords = new Float32Array(4);
    const paramView = new Uint32Array(scaleWords.buffer);
    for (const chunk of state.chunks) {
      const pairs = gh.subarray(chunk.firstRow * 2, (chunk.firstRow + chunk.rowCount) * 2);
      rawBuffer = buffer(rawBuffer, pairs.byteLength, USAGE_STORAGE | USAGE_COPY_DST, 'histogram-raw-gh');
      device.queue.writeBuffer(rawBuffer, 0, unshared(new Uint32Array(pairs.buffer, pairs.byteOffset, pairs.length)));
      const groups = Math.min(maxGroups, Math.ceil(chunk.rowCount / workgroupSize));
      paramView[0] = chunk.rowCount;
      scaleWords[1] = gradientScale;
      scaleWords[2] = hessianScale;
      paramView[3] = groups * workgroupSize;
      device.queue.writeBuffer(quantiseParams, 0, paramView);
      const bindGroup = device.createBindGroup({
        layout: quantiseLayout,
        entries: [
          { binding: 0, resource: { buffer: quantiseParams } },
          { binding: 1, resource: { buffer: rawBuffer } },
          { binding: 2, resource: { buffer: chunk.gh } },
        ],
      });
      // One submit per chunk: the next chunk's writeBuffer must not overwrite the raw pairs first.
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(quantisePipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(groups);
      pass.end();
      device.queue.submit([encoder.finish()]);
    }
    return { ...base, useCpu: false, gradientScale, hessianScale };
  }

  /** The rows of [begin, end) grouped by chunk (a counting sort; order within a chunk is kept). */
  function rowsByChunk(state: DatasetState, rows: Uint32Array, begin: number, end: number): { rows: Uint32Array; offsets: number[] } {
    const selected = rows.subarray(begin, end);
    const chunkCount = state.chunks.length;
    if (chunkCount === 1) return { rows: selected, offsets: [0, selected.length] };
    const offsets = new Array<number>(chunkCount + 1).fill(0);
    for (const r of selected) {
      const slot = Math.floor(r / state.rowsPerChunk) + 1;
      offsets[slot] = (offsets[slot] as number) + 1;
    }
    for (let c = 0; c < chunkCount; c++) offsets[c + 1] = (offsets[c + 1] as number) + (offsets[c] as number);
    const cursor = offsets.slice(0, chunkCount);
    const grouped = new Uint32Array(selected.length);
    for (const r of selected) {
      const c = Math.floor(r / state.rowsPerChunk);
      grouped[cursor[c] as number] = r;
      cursor[c] = (cursor[c] as number) + 1;
    }
    return { rows: grouped, offsets };
  }

  /**
   * Histograms of several row ranges of one request. The ranges go in batches whose row list and
   * output histograms each fit one device buffer (many rows, or many nodes of a deep level, would
   * not); a range whose rows alone would not fit is built on the CPU.
   */
  async function run(request: Omit<HistogramRequest, 'begin' | 'end'>, ranges: ReadonlyArray<readonly [number, number]>, outs: Float64Array[]): Promise<void> {
    const rangeBytes = request.features.length * BINS_PER_FEATURE * WORDS_PER_BIN * 4;
    for (const batch of deviceBatches(ranges, rangeBytes, bindingBytes)) {
      if (batch.onCpu) {
        for (const k of batch.indices) {
          const [begin, end] = ranges[k] as readonly [number, number];
          cpuHistogramKernel.build({ ...request, begin, end }, outs[k] as Float64Array);
        }
      } else {
        await runBatch(request, batch.indices.map((k) => ranges[k] as readonly [number, number]), batch.indices.map((k) => outs[k] as Float64Array));
      }
    }
  }

  /** Histograms of several row ranges of one request: one submission and one read-back for all. */
  async function runBatch(request: Omit<HistogramRequest, 'begin' | 'end'>, ranges: ReadonlyArray<readonly [number, number]>, outs: Float64Array[]): Promise<void> {
    if (disposed) throw new EngineError('INTERNAL', 'The WebGPU histogram kernel was used after it was disposed.');
    if (lostMessage !== null) throw deviceLostError(lostMessage);
    const { bins, nFeatures, gh } = request;
    const nRows = Math.floor(bins.length / nFeatures);
    if (nRows * nFeatures !== bins.length || gh.length < nRows * 2) {
      throw new EngineError('BAD_INPUT', `Histogram input sizes disagree: ${bins.length} bins for ${nFeatures} features, ${gh.length / 2} gradient pairs.`);
    }
    // GPU errors (a limit exceeded, out of memory) would otherwise only be logged, leaving zeros:
    // catch them and fail the call.
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let readable: number[] = [];
    let encodeError: unknown = null;
    try {
      readable = encode(request, ranges, outs);
    } catch (error) {
      encodeError = error;
    }
    // Pop both scopes whatever happened, so they never leak into the next call.
    const validation = await device.popErrorScope();
    const memory = await device.popErrorScope();
    if (encodeError !== null) throw encodeError;
    const failure = validation ?? memory;
    if (failure) throw new EngineError('INTERNAL', `The WebGPU histogram kernel failed: ${failure.message}`);
    if (readable.length > 0) await readBack(request.features, readable, outs);
  }

  /**
   * Uploads what changed and submits the dispatches of every range; returns the ranges whose
   * results are to be read back (the others are already in their `outs`).
   */
  function encode(request: Omit<HistogramRequest, 'begin' | 'end'>, ranges: ReadonlyArray<readonly [number, number]>, outs: Float64Array[]): number[] {
    const { bins, nFeatures, rows, gh, features } = request;
    const nRows = bins.length / nFeatures;
    if (!dataset || dataset.bins !== bins || dataset.nFeatures !== nFeatures) dataset = uploadDataset(bins, nFeatures, nRows);
    if (!gradients || gradients.gh !== gh || gradients.rows !== rows) gradients = uploadGradients(dataset, gh, rows);
    const slots = features.length;
    const onDevice: number[] = [];
    ranges.forEach(([begin, end], k) => {
      const out = outs[k] as Float64Array;
      if (gradients?.useCpu || slots > maxGroups) cpuHistogramKernel.build({ ...request, begin, end }, out);
      else if (end <= begin || slots === 0) out.fill(0);
      else onDevice.push(k);
    });
    if (onDevice.length === 0) return onDevice;

    const rangeBytes = slots * BINS_PER_FEATURE * WORDS_PER_BIN * 4;
    const histBytes = rangeBytes * onDevice.length;
    histBuffer = buffer(histBuffer, histBytes, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST, 'histogram-out');
    readBuffer = buffer(readBuffer, histBytes, USAGE_MAP_READ | USAGE_COPY_DST, 'histogram-read');
    featuresBuffer = buffer(featuresBuffer, slots * 4, USAGE_STORAGE | USAGE_COPY_DST, 'histogram-features');
    device.queue.writeBuffer(featuresBuffer, 0, unshared(new Uint32Array(features.buffer, features.byteOffset, slots)));
    // Every range's rows, grouped by chunk, one after another in one upload.
    const groupedRanges = onDevice.map((k) => rowsByChunk(dataset as DatasetState, rows, (ranges[k] as readonly [number, number])[0], (ranges[k] as readonly [number, number])[1]));
    const totalRows = groupedRanges.reduce((sum, g) => sum + g.rows.length, 0);
    const allRows = groupedRanges.length === 1 ? (groupedRanges[0] as { rows: Uint32Array }).rows : new Uint32Array(totalRows);
    const rangeStart: number[] = [];
    let at = 0;
    for (const g of groupedRanges) {
      rangeStart.push(at);
      if (allRows !== g.rows) allRows.set(g.rows, at);
      at += g.rows.length;
    }
    rowsBuffer = buffer(rowsBuffer, totalRows * 4, USAGE_STORAGE | USAGE_COPY_DST, 'histogram-rows');
    device.queue.writeBuffer(rowsBuffer, 0, unshared(allRows));
    const clear = device.createCommandEncoder();
    clear.clearBuffer(histBuffer, 0, histBytes);
    device.queue.submit([clear.finish()]);

    groupedRanges.forEach((grouped, j) => {
      for (let c = 0; c < (dataset as DatasetState).chunks.length; c++) {
        const chunk = (dataset as DatasetState).chunks[c] as RowChunk;
        const from = grouped.offsets[c] as number;
        const count = (grouped.offsets[c + 1] as number) - from;
        if (count === 0) continue;
        const rowsPerWorkgroup = Math.max(MIN_ROWS_PER_WORKGROUP, Math.ceil(count / maxGroups));
        // Writes and submits are ordered on the queue, so one params buffer serves every dispatch.
        paramWords[0] = count;
        paramWords[1] = rowsPerWorkgroup;
        paramWords[2] = nFeatures;
        paramWords[3] = chunk.firstRow;
        paramWords[4] = (rangeStart[j] as number) + from;
        paramWords[5] = j * slots;
        device.queue.writeBuffer(params, 0, paramWords);
        const bindGroup = device.createBindGroup({
          layout,
          entries: [
            { binding: 0, resource: { buffer: params } },
            { binding: 1, resource: { buffer: chunk.bins } },
            { binding: 2, resource: { buffer: chunk.gh } },
            { binding: 3, resource: { buffer: rowsBuffer as GpuBufferLike } },
            { binding: 4, resource: { buffer: featuresBuffer as GpuBufferLike } },
            { binding: 5, resource: { buffer: histBuffer as GpuBufferLike } },
          ],
        });
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(Math.ceil(count / rowsPerWorkgroup), slots);
        pass.end();
        device.queue.submit([encoder.finish()]);
      }
    });
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(histBuffer, 0, readBuffer, 0, histBytes);
    device.queue.submit([encoder.finish()]);
    return onDevice;
  }

  async function readBack(features: Int32Array, onDevice: number[], outs: Float64Array[]): Promise<void> {
    const slots = features.length;
    const rangeWords = slots * BINS_PER_FEATURE * WORDS_PER_BIN;
    const histBytes = rangeWords * 4 * onDevice.length;
    if (!readBuffer || !gradients) throw new EngineError('INTERNAL', 'The WebGPU histogram kernel lost its buffers.');
    await readBuffer.mapAsync(MAP_MODE_READ, 0, histBytes);
    try {
      const words = new Uint32Array(readBuffer.getMappedRange(0, histBytes));
      const { gradientScale, hessianScale } = gradients;
      onDevice.forEach((k, j) => {
        const out = outs[k] as Float64Array;
        out.fill(0);
        for (let slot = 0; slot < slots; slot++) {
          const outBase = (features[slot] as number) * HIST_STRIDE;
          const wordBase = j * rangeWords + slot * BINS_PER_FEATURE * WORDS_PER_BIN;
          for (let bin = 0; bin < BINS_PER_FEATURE; bin++) {
            const w = wordBase + bin * WORDS_PER_BIN;
            out[outBase + bin * 2] = readFixedPoint(words[w] as number, words[w + 1] as number, gradientScale);
            out[outBase + bin * 2 + 1] = readFixedPoint(words[w + 2] as number, words[w + 3] as number, hessianScale);
          }
        }
      });
    } finally {
      readBuffer.unmap();
    }
  }

  const buildMany = (request: Omit<HistogramRequest, 'begin' | 'end'>, ranges: ReadonlyArray<readonly [number, number]>, outs: Float64Array[]): Promise<void> => {
    const result = queueTail.then(() => run(request, ranges, outs));
    queueTail = result.catch(() => undefined);
    return result;
  };

  // The device trainer's shaders compile while the caller prepares its data.
  if (options.resident !== false) {
    residentPipelines = createResidentPipelines(device, workgroupSize);
    residentPipelines.catch(() => undefined);
  }
  const kernel: WebGpuHistogramKernel = {
    backend: 'webgpu',
    adapterDescription: describeAdapter(adapter),
    isFallbackAdapter: isFallbackAdapter(adapter),
    workgroupSize,
    build(request, out) {
      return buildMany(request, [[request.begin, request.end]], [out]);
    },
    buildMany,
    rowParallel: (data) => webGpuRowParallel(kernel, data, options.rowThreads),
    residentStats: { levels: 0, exactScans: 0, waitMs: 0, setupMs: 0, compileWaitMs: 0 },
    async trainOnDevice(train, trainOptions, start) {
      if (options.resident === false) return 'the per-level path was asked for';
      if (disposed) throw new EngineError('INTERNAL', 'The WebGPU histogram kernel was used after it was disposed.');
      const blocker = residentBlocker(trainOptions.params, train.labels.length, train.columns.length, device.limits, workgroupSize);
      if (blocker) return blocker;
      let pipelines: Awaited<ReturnType<typeof createResidentPipelines>>;
      const compileStarted = Date.now();
      try {
        pipelines = await (residentPipelines ??= createResidentPipelines(device, workgroupSize));
      } catch (error) {
        return `its shaders did not build here (${error instanceof Error ? error.message : String(error)})`;
      }
      const stats = kernel.residentStats;
      stats.levels = 0;
      stats.exactScans = 0;
      stats.waitMs = 0;
      stats.compileWaitMs = Date.now() - compileStarted;
      // One run at a time on this device (the per-level path shares it too).
      const run = queueTail.then(() => trainResident(device, workgroupSize, pipelines, train, trainOptions, start, options.rowThreads, stats));
      queueTail = run.then(() => undefined, () => undefined);
      return run;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      releaseDataset();
      for (const owned of [rowsBuffer, featuresBuffer, histBuffer, readBuffer, params, rawBuffer, quantiseParams]) owned?.destroy();
      device.destroy();
    },
  };
  return kernel;
}
