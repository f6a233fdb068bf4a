/**
 * The WebGPU k-means kernel: a WGSL compute shader scores every row against every centroid in
 * float32 (|c|^2 - 2 x.c, one invocation per row), writes the winner, and lists the rows whose
 * gap to the runner-up is within the float32 error bound (the CPU kernels' rule, with the bound
 * rounded up so the device lists at least those rows); only the labels and that list come back,
 * and the listed rows are decided in float64 on the CPU (kernel.ts `refineRows`), exactly as the
 * WASM kernel does. So both give identical labels. The rechecked labels are written back to the
 * device, where the update (webgpu-kmeans-update.ts) sums the clusters exactly without a copy:
 * the same sums as the CPU kernels' (exact-sums.ts), so centroids and inertia are identical too.
 *
 * The data and row norms are uploaded once per data set (cached by the identity of `data.x`) in
 * row chunks of at most 256 MiB (less when the device's limits are lower, or when a test asks)
 * and at most 65,535 workgroups; centroids are uploaded per call. Takes the host's `GPU` object
 * as an argument: the engine never reads `navigator` itself. */
import { EngineError } from '../protocol/errors';
import { deviceLostError, mapForReading, requestComputeDevice } from '../compute/compute-device';
import { MAX_BUFFER_BYTES, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../compute/webgpu-constants';
import { chooseBackend, isGpuLike, type BackendChoice, type BackendPreference } from '../compute/backend-choice';
import { describeAdapter, isFallbackAdapter, type GpuAdapterLike } from '../gbdt/webgpu-histogram';
import { columnBits, limbCount, type ClusterSums } from './exact-sums';
import { dataFingerprint, sameFingerprint, type DataFingerprint } from './fingerprint';
import { createDeviceUpdater, type DeviceUpdater } from './webgpu-kmeans-update';
import { createWasmKmeansKernel, float32GapFactor, refineRows, rowNorms, type KmeansData, type KmeansKernel } from './kernel';

type GpuDevice = Awaited<ReturnType<GpuAdapterLike['requestDevice']>>;
type GpuBuffer = ReturnType<GpuDevice['createBuffer']>;

const MAX_WORKGROUPS = 65535;
/** Stands for +infinity (WGSL has no infinity literal). */
const F32_MAX = '3.4028234e38';

/** The shader for `workgroupSize` invocations per workgroup (compute-device.ts picks it). */
const assignWgsl = (workgroupSize: number): string => /* wgsl */ `
struct Params {
  rowCount: u32,
  d: u32,
  k: u32,
  firstRow: u32,     // dataset row of the chunk's first row
  factor: f32,       // float32GapFactor(d), rounded up a little: the device flags at least the CPU's rows
  maxCn: f32,        // largest squared centroid norm, rounded up
  cap: u32,          // room for flagged rows
  pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // chunk rows x d, row-major
@group(0) @binding(2) var<storage, read> ct: array<f32>;         // d x k: -2 * centroid, transposed
@group(0) @binding(3) var<storage, read> cn: array<f32>;         // k squared centroid norms
@group(0) @binding(4) var<storage, read> norms: array<f32>;      // squared row norms of the chunk
@group(0) @binding(5) var<storage, read_write> labels: array<u32>;
// [0]: rows whose float32 margin is too thin to trust; [1 + i]: their dataset row indices.
@group(0) @binding(6) var<storage, read_write> flagged: array<atomic<u32>>;

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.rowCount) { return; }
  let d = params.d;
  let k = params.k;
  let base = i * d;
  var best = ${F32_MAX};
  var second = ${F32_MAX};
  var bestIdx = 0u;
  for (var c = 0u; c < k; c++) {
    var s = cn[c];
    for (var j = 0u; j < d; j++) {
      s = s + x[base + j] * ct[j * k + c];
    }
    if (s < best) {
      second = best;
      best = s;
      bestIdx = c;
    } else if (s < second) {
      second = s;
    }
  }
  labels[i] = bestIdx;
  // The CPU kernels' rule (kernel.ts): decide in float64 unless the gap beats the error bound.
  if (!(second - best > params.factor * (norms[i] + params.maxCn))) {
    let slot = atomicAdd(&flagged[0], 1u);
    if (slot < params.cap) { atomicStore(&flagged[1u + slot], params.firstRow + i); }
  }
}
`;

/** Flagged rows read back with the labels; more than this (never seen: ~0.1% of rows) and every row is rechecked. */
const FLAG_CAP = 65536;

export interface WebGpuKmeansOptions {
  /** Caps the bytes per data chunk buffer below 256 MiB (tests use it to force chunking). */
  maxChunkBytes?: number;
  /** Caps the label read-back buffer below the device's maxBufferSize (tests use it to force windows). */
  maxReadBytes?: number;
}

export interface WebGpuKmeansKernel extends KmeansKernel {
  readonly backend: 'webgpu';
  readonly adapterDescription: string;
  readonly isFallbackAdapter: boolean;
  /**
   * The update on the device (webgpu-kmeans-update.ts), reading the labels the last `assign` into
   * this same `labels` array left on the device; false (nothing written) when those are not at
   * hand or k is too large for the device's workgroup memory. `update` uses it where it can and
   * sums on the CPU otherwise, with identical results.
   */
  updateOnDevice(data: KmeansData, labels: Int32Array, k: number, sums: ClusterSums, counts: Float64Array): Promise<boolean>;
  /** Where the last `update` ran. */
  readonly lastUpdate: 'device' | 'cpu' | null;
}

interface Chunk {
  firstRow: number;
  rowCount: number;
  x: GpuBuffer;
  norms: GpuBuffer;
  /** The labels of the last assignment (float64 rechecks written back): the device update reads them. */
  labels: GpuBuffer;
}

/** Consecutive chunks in windows whose labels (4 bytes a row, padded to 16) fit `capBytes`; a chunk larger than that is a window of its own. */
export function labelWindows<C extends { rowCount: number }>(chunks: readonly C[], capBytes: number): C[][] {
  const windows: C[][] = [];
  let current: C[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    const chunkBytes = chunk.rowCount * 4;
    if (current.length > 0 && Math.ceil((bytes + chunkBytes) / 16) * 16 > capBytes) {
      windows.push(current);
      current = [];
      bytes = 0;
    }
    current.push(chunk);
    bytes += chunkBytes;
  }
  if (current.length > 0) windows.push(current);
  return windows;
}

/** Requests an adapter and builds the kernel on it; null without WebGPU or an adapter (fallback adapters accepted). */
export async function createWebGpuKmeansKernel(gpu: unknown, options: WebGpuKmeansOptions = {}): Promise<WebGpuKmeansKernel | null> {
  if (!isGpuLike(gpu)) return null;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? createWebGpuKmeansKernelOnAdapter(adapter, options) : null;
}

/** Builds the kernel on an adapter (an adapter gives one device: use a fresh one per kernel). */
export async function createWebGpuKmeansKernelOnAdapter(adapter: GpuAdapterLike, options: WebGpuKmeansOptions = {}): Promise<WebGpuKmeansKernel> {
  const { device, workgroupSize } = await requestComputeDevice(adapter, 'assay-kmeans');
  let lostMessage: string | null = null;
  void device.lost.then((info) => {
    lostMessage = info.message || info.reason || 'unknown reason';
  });
  const chunkBytes = Math.max(1024, Math.min(options.maxChunkBytes ?? MAX_BUFFER_BYTES, device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize));
  const maxGroups = Math.min(MAX_WORKGROUPS, device.limits.maxComputeWorkgroupsPerDimension);
  device.pushErrorScope('validation');
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code: assignWgsl(workgroupSize) }), entryPoint: 'main' } });
  const compileError = await device.popErrorScope();
  if (compileError) throw new EngineError('INTERNAL', `The WebGPU k-means shader did not compile: ${compileError.message}`);
  const layout = pipeline.getBindGroupLayout(0);
  const params = device.createBuffer({ label: 'kmeans-params', size: 32, usage: USAGE_UNIFORM | USAGE_COPY_DST });
  const cpu = createWasmKmeansKernel();
  // Uploaded once per array: `x` must not change after the first call (pass a new array); the
  // sampled fingerprint (fingerprint.ts) catches most rewrites and uploads again.
  let loaded: { x: Float32Array; d: number; fingerprint: DataFingerprint; chunks: Chunk[]; norms: Float32Array } | null = null;
  let updater: DeviceUpdater | null = null;
  let updaterColumns = 0;
  /** The labels array whose values the chunks' label buffers hold (after the float64 rechecks). */
  let deviceLabelsOf: Int32Array | null = null;
  let ctBuffer: GpuBuffer | null = null;
  let cnBuffer: GpuBuffer | null = null;
  let readBuffer: GpuBuffer | null = null;
  let flagBuffer: GpuBuffer | null = null;
  let disposed = false;
  let lastUpdate: 'device' | 'cpu' | null = null;
  let queueTail: Promise<unknown> = Promise.resolve();

  const sized = (current: GpuBuffer | null, bytes: number, usage: number, label: string): GpuBuffer => {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (current && current.size >= size) return current;
    current?.destroy();
    return device.createBuffer({ label, size, usage });
  };

  const release = (): void => {
    for (const chunk of loaded?.chunks ?? []) {
      chunk.x.destroy();
      chunk.norms.destroy();
      chunk.labels.destroy();
    }
    loaded = null;
  };

  const load = (data: KmeansData): NonNullable<typeof loaded> => {
    const fingerprint = dataFingerprint(data.x, data.n * data.d);
    if (loaded && loaded.x === data.x && loaded.d === data.d && sameFingerprint(loaded.fingerprint, fingerprint)) return loaded;
    release();
    const { n, d } = data;
    const rowsPerChunk = Math.max(1, Math.min(Math.floor(chunkBytes / (d * 4)), Math.floor(chunkBytes / 4), maxGroups * workgroupSize));
    const norms = rowNorms(data);
    const chunks: Chunk[] = [];
    const padded = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);
    for (let firstRow = 0; firstRow < n; firstRow += rowsPerChunk) {
      const rowCount = Math.min(rowsPerChunk, n - firstRow);
      const values = data.x.subarray(firstRow * d, (firstRow + rowCount) * d);
      const x = device.createBuffer({ label: 'kmeans-x', size: padded(values.length * 4), usage: USAGE_STORAGE | USAGE_COPY_DST });
      device.queue.writeBuffer(x, 0, new Uint32Array(values.buffer, values.byteOffset, values.length));
      const chunkNorms = norms.subarray(firstRow, firstRow + rowCount);
      const normBuffer = device.createBuffer({ label: 'kmeans-norms', size: padded(rowCount * 4), usage: USAGE_STORAGE | USAGE_COPY_DST });
      device.queue.writeBuffer(normBuffer, 0, new Uint32Array(chunkNorms.buffer, chunkNorms.byteOffset, chunkNorms.length));
      const labelBuffer = device.createBuffer({ label: 'kmeans-labels', size: padded(rowCount * 4), usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
      chunks.push({ firstRow, rowCount, x, norms: normBuffer, labels: labelBuffer });
    }
    loaded = { x: data.x, d, fingerprint, chunks, norms };
    deviceLabelsOf = null;
    return loaded;
  };

  const assign = async (data: KmeansData, centroids: Float64Array, k: number, labels: Int32Array): Promise<number> => {
    if (disposed) throw new EngineError('INTERNAL', 'The WebGPU k-means kernel was used after it was disposed.');
    if (lostMessage !== null) throw deviceLostError(lostMessage);
    const { n, d } = data;
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let state: NonNullable<typeof loaded> | null = null;
    let maxCn = 0;
    let encodeError: unknown = null;
    try {
      state = load(data);
      const ct = new Float32Array(d * k);
      const cn = new Float32Array(k);
      for (let c = 0; c < k; c++) {
        let norm = 0;
        for (let j = 0; j < d; j++) {
          ct[j * k + c] = -2 * Math.fround(centroids[c * d + j] as number);
          norm += (centroids[c * d + j] as number) ** 2;
        }
        cn[c] = norm;
        maxCn = Math.max(maxCn, cn[c] as number);
      }
      ctBuffer = sized(ctBuffer, ct.byteLength, USAGE_STORAGE | USAGE_COPY_DST, 'kmeans-ct');
      cnBuffer = sized(cnBuffer, cn.byteLength, USAGE_STORAGE | USAGE_COPY_DST, 'kmeans-cn');
      device.queue.writeBuffer(ctBuffer, 0, new Uint32Array(ct.buffer));
      device.queue.writeBuffer(cnBuffer, 0, new Uint32Array(cn.buffer));
      const flagBytes = (FLAG_CAP + 1) * 4;
      flagBuffer = sized(flagBuffer, flagBytes, USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST, 'kmeans-flagged');
      const clear = device.createCommandEncoder();
      clear.clearBuffer(flagBuffer, 0, flagBytes);
      device.queue.submit([clear.finish()]);
      const paramWords = new Uint32Array(8);
      const paramFloats = new Float32Array(paramWords.buffer);
      for (const chunk of state.chunks) {
        paramWords[0] = chunk.rowCount;
        paramWords[1] = d;
        paramWords[2] = k;
        paramWords[3] = chunk.firstRow;
        // Rounded up (float32 may round down): the device then flags every row the CPU rule would.
        paramFloats[4] = float32GapFactor(d) * (1 + 2 ** -16);
        paramFloats[5] = maxCn * (1 + 2 ** -16);
        paramWords[6] = FLAG_CAP;
        device.queue.writeBuffer(params, 0, paramWords);
        const group = device.createBindGroup({
          layout,
          entries: [
            { binding: 0, resource: { buffer: params } },
            { binding: 1, resource: { buffer: chunk.x } },
            { binding: 2, resource: { buffer: ctBuffer } },
            { binding: 3, resource: { buffer: cnBuffer } },
            { binding: 4, resource: { buffer: chunk.norms } },
            { binding: 5, resource: { buffer: chunk.labels } },
            { binding: 6, resource: { buffer: flagBuffer } },
          ],
        });
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(Math.ceil(chunk.rowCount / workgroupSize));
        pass.end();
        device.queue.submit([encoder.finish()]);
      }
    } catch (error) {
      encodeError = error;
    }
    const validation = await device.popErrorScope();
    const memory = await device.popErrorScope();
    if (encodeError !== null) throw encodeError;
    const failure = validation ?? memory;
    if (failure) throw new EngineError('INTERNAL', `The WebGPU k-means kernel failed: ${failure.message}`);
    if (!flagBuffer || !state) throw new EngineError('INTERNAL', 'The WebGPU k-means kernel lost its buffers.');
    // The labels come back through one mapped buffer, in windows of whole chunks when they would
    // not fit one (over 64M rows); the flagged rows' list rides with the last window.
    const flagBytes = (FLAG_CAP + 1) * 4;
    const readCap = Math.min(device.limits.maxBufferSize, options.maxReadBytes ?? Infinity);
    const windows = labelWindows(state.chunks, readCap - flagBytes);
    const windowBytes = (chunks: Chunk[]): number => Math.ceil(chunks.reduce((sum, c) => sum + c.rowCount * 4, 0) / 16) * 16;
    // A last window too full for the list (a chunk near the cap on its own) leaves it a read of its own.
    if (windowBytes(windows[windows.length - 1] ?? []) + flagBytes > readCap) windows.push([]);
    readBuffer = sized(readBuffer, Math.max(...windows.map(windowBytes), windowBytes(windows[windows.length - 1] ?? []) + flagBytes), USAGE_MAP_READ | USAGE_COPY_DST, 'kmeans-read');
    let flagged = new Uint32Array(0);
    for (let w = 0; w < windows.length; w++) {
      const chunks = windows[w] as Chunk[];
      const firstRow = chunks[0]?.firstRow ?? 0;
      const labelBytes = windowBytes(chunks);
      const last = w === windows.length - 1;
      const bytes = labelBytes + (last ? flagBytes : 0);
      const copy = device.createCommandEncoder();
      for (const chunk of chunks) copy.copyBufferToBuffer(chunk.labels, 0, readBuffer, (chunk.firstRow - firstRow) * 4, chunk.rowCount * 4);
      if (last) copy.copyBufferToBuffer(flagBuffer, 0, readBuffer, labelBytes, flagBytes);
      device.queue.submit([copy.finish()]);
      await mapForReading(device, readBuffer, bytes, () => lostMessage);
      try {
        const mapped = readBuffer.getMappedRange(0, bytes);
        const rows = chunks.reduce((sum, c) => sum + c.rowCount, 0);
        labels.set(new Int32Array(mapped, 0, rows), firstRow);
        if (last) {
          const flags = new Uint32Array(mapped, labelBytes, FLAG_CAP + 1);
          const count = flags[0] as number;
          // Too many to list: recheck every row (exact, as slow as the CPU kernel).
          flagged = count <= FLAG_CAP ? flags.slice(1, 1 + count) : Uint32Array.from({ length: n }, (_, i) => i);
        }
      } finally {
        readBuffer.unmap();
      }
    }
    const before = Array.from(flagged, (i) => labels[i] as number);
    refineRows(data, centroids, k, labels, flagged, flagged.length);
    // Rows the float64 check moved: write their labels into the device's copy too.
    const rowsPerChunk = state.chunks[0]?.rowCount ?? 1;
    const word = new Uint32Array(1);
    flagged.forEach((i, at) => {
      if (labels[i] === before[at]) return;
      const chunk = state.chunks[Math.floor(i / rowsPerChunk)] as Chunk;
      word[0] = labels[i] as number;
      device.queue.writeBuffer(chunk.labels, (i - chunk.firstRow) * 4, word);
    });
    deviceLabelsOf = labels;
    return flagged.length;
  };

  const updateOnDevice = (data: KmeansData, labels: Int32Array, k: number, sums: ClusterSums, counts: Float64Array): Promise<boolean> => {
    const result = queueTail.then(async () => {
      const state = loaded;
      // Declining is safe: the CPU update gives the same sums.
      if (disposed || lostMessage !== null || !state || state.x !== data.x || state.d !== data.d || deviceLabelsOf !== labels) return false;
      const bits = columnBits(data);
      if (updaterColumns !== data.d) {
        updater?.dispose();
        updater = createDeviceUpdater(device, workgroupSize, data.d, maxGroups);
        updaterColumns = data.d;
      }
      if (!updater) return false;
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
      let ran = false;
      let runError: unknown = null;
      try {
        ran = await updater.run(state.chunks, k, bits, limbCount(bits, data.n), sums, counts);
      } catch (error) {
        runError = error;
      }
      // Pop both scopes whatever happened, so they never leak into the next call.
      const validation = await device.popErrorScope();
      const memory = await device.popErrorScope();
      const failure = validation ?? memory;
      if (runError !== null && lostMessage === null) {
        // A failed map may be the first sign of a lost device: give its promise a moment to say so.
        await Promise.race([device.lost, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
      if (lostMessage !== null) throw deviceLostError(lostMessage);
      if (runError !== null) throw runError;
      if (failure) throw new EngineError('INTERNAL', `The WebGPU k-means update failed: ${failure.message}`);
      return ran;
    });
    queueTail = result.catch(() => undefined);
    return result;
  };

  return {
    backend: 'webgpu',
    adapterDescription: describeAdapter(adapter),
    isFallbackAdapter: isFallbackAdapter(adapter),
    assign(data, centroids, k, labels) {
      const result = queueTail.then(() => assign(data, centroids, k, labels));
      queueTail = result.catch(() => undefined);
      return result;
    },
    async update(data, labels, k, sums, counts) {
      if (await updateOnDevice(data, labels, k, sums, counts)) {
        lastUpdate = 'device';
        return;
      }
      await cpu.update(data, labels, k, sums, counts);
      lastUpdate = 'cpu';
    },
    updateOnDevice,
    get lastUpdate() {
      return lastUpdate;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      release();
      updater?.dispose();
      for (const owned of [ctBuffer, cnBuffer, readBuffer, flagBuffer, params]) owned?.destroy();
      cpu.dispose();
      device.destroy();
    },
  };
}

export type KmeansBackendPreference = BackendPreference;
export type KmeansKernelChoice = BackendChoice<KmeansKernel>;

/** Picks the k-means kernel at run time, as the histogram backend does (see compute/backend-choice.ts); 'cpu' is WebAssembly SIMD. */
export function pickKmeansKernel(preference: KmeansBackendPreference, gpu?: unknown, options: WebGpuKmeansOptions = {}): Promise<KmeansKernelChoice> {
  return chooseBackend<KmeansKernel>(preference, gpu, {
    cpu: () => ({ kernel: createWasmKmeansKernel() }),
    webgpu: (adapter) => createWebGpuKmeansKernelOnAdapter(adapter, options),
  });
}
