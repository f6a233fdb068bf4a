/**
 * The k-means update (per-cluster sums and counts) on the device, reading the labels the
 * assignment left in device memory: only the k x d sums (as integer limbs) and k counts come back.
 *
 * The sums are exact, so they equal the CPU kernels' bit for bit once rounded (exact-sums.ts
 * defines the update). Each float32 value v of column j is the integer v / 2^lowBit[j], taken from
 * its bits (mantissa shifted by its exponent less lowBit[j]: no rounding, no float arithmetic),
 * and added, or subtracted for a negative v, into `limbs` 32-bit limbs with carries (borrows)
 * carried up: first per workgroup in workgroup memory, then into the global totals. The adds are
 * modulo 2^(32 limbs), which is exact because every sum of a subset of rows fits in that many
 * bits as a two's complement number (exact-sums.ts `limbCount`), so atomics in any order give the
 * same limbs. The host turns each limb into one exact float64 term and rounds their sum once.
 *
 * Workgroup memory holds k x (a block of columns) x limbs words and k counts; wider problems run
 * the columns in blocks, one pass each. Where one column does not fit, the update declines and
 * the caller sums on the CPU (with identical results).
 */
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../compute/webgpu-constants';
import type { GpuBufferLike, GpuComputePipelineLike, GpuDeviceLike } from '../compute/webgpu-types';
import type { ClusterSums, ColumnBits } from './exact-sums';

/** WebGPU's guaranteed workgroup memory (maxComputeWorkgroupStorageSize), in 32-bit words. */
const DEFAULT_LOCAL_WORDS = 4096;
/** Workgroups per dispatch: enough to fill a large GPU, few enough that flushing stays cheap. */
const MAX_UPDATE_GROUPS = 512;

/** Columns per pass so that k x columns x limbs + k words fit; 0 when not even one column does. */
export function columnsPerPass(k: number, d: number, limbs: number, localWords = DEFAULT_LOCAL_WORDS): number {
  return Math.min(d, Math.max(0, Math.floor((localWords - k) / (k * limbs))));
}

const updateWgsl = (workgroupSize: number, k: number, d: number, columns: number, limbs: number): string => /* wgsl */ `
struct Params {
  rowCount: u32,
  stride: u32,        // invocations in the whole dispatch
  firstColumn: u32,   // the pass's first column
  withCounts: u32,    // 1 on the pass that also counts rows
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;                // chunk rows x D, float32 bit patterns
@group(0) @binding(2) var<storage, read> labels: array<u32>;           // from the assignment
@group(0) @binding(3) var<storage, read> lowBit: array<i32>;           // D: values are multiples of 2^lowBit
@group(0) @binding(4) var<storage, read_write> totals: array<atomic<u32>>; // K*D sums of L limbs, then K counts

const K = ${k}u;
const D = ${d}u;
const COLUMNS = ${columns}u;
const L = ${limbs}u;
const SUMS = ${k * columns * limbs}u;
var<workgroup> local: array<atomic<u32>, ${k * columns * limbs + k}>;

// value * 2^(32 limb) added modulo 2^(32 L): a carry out of a limb goes into the next one.
fn addLocal(at: u32, limb: u32, value: u32) {
  var i = limb;
  var carry = value;
  loop {
    if (carry == 0u || i >= L) { break; }
    let old = atomicAdd(&local[at + i], carry);
    carry = select(0u, 1u, old + carry < old);
    i = i + 1u;
  }
}

fn subLocal(at: u32, limb: u32, value: u32) {
  var i = limb;
  var borrow = value;
  loop {
    if (borrow == 0u || i >= L) { break; }
    let old = atomicSub(&local[at + i], borrow);
    borrow = select(0u, 1u, old < borrow);
    i = i + 1u;
  }
}

fn addGlobal(at: u32, limb: u32, value: u32) {
  var i = limb;
  var carry = value;
  loop {
    if (carry == 0u || i >= L) { break; }
    let old = atomicAdd(&totals[at + i], carry);
    carry = select(0u, 1u, old + carry < old);
    i = i + 1u;
  }
}

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  for (var w = t; w < SUMS + K; w += ${workgroupSize}u) { atomicStore(&local[w], 0u); }
  workgroupBarrier();
  for (var r = gid.x; r < params.rowCount; r += params.stride) {
    let c = labels[r];
    atomicAdd(&local[SUMS + c], 1u);
    for (var b = 0u; b < COLUMNS; b++) {
      let j = params.firstColumn + b;
      if (j >= D) { break; } // the last pass may have fewer columns
      let u = x[r * D + j];
      if ((u & 0x7fffffffu) == 0u) { continue; }
      let e = (u >> 23u) & 0xffu;
      var m = u & 0x7fffffu;
      if (e != 0u) { m = m | 0x800000u; }
      // The value is m * 2^(max(e, 1) - 150); in units of 2^lowBit it is m shifted by s (a right
      // shift drops only zero bits: lowBit is at or below the value's lowest set bit).
      var s = i32(max(e, 1u)) - 150 - lowBit[j];
      if (s < 0) {
        m = m >> u32(-s);
        s = 0;
      }
      let limb = u32(s) >> 5u;
      let o = u32(s) & 31u;
      let lo = m << o;
      let hi = select(0u, m >> ((32u - o) & 31u), o != 0u);
      let at = (c * COLUMNS + b) * L;
      if ((u >> 31u) == 0u) {
        addLocal(at, limb, lo);
        addLocal(at, limb + 1u, hi);
      } else {
        subLocal(at, limb, lo);
        subLocal(at, limb + 1u, hi);
      }
    }
  }
  workgroupBarrier();
  for (var s = t; s < K * COLUMNS; s += ${workgroupSize}u) {
    let j = params.firstColumn + s % COLUMNS;
    if (j >= D) { continue; }
    let at = ((s / COLUMNS) * D + j) * L;
    for (var i = 0u; i < L; i++) {
      let v = atomicLoad(&local[s * L + i]);
      if (v != 0u) { addGlobal(at, i, v); }
    }
  }
  if (params.withCounts == 1u) {
    for (var c = t; c < K; c += ${workgroupSize}u) {
      let n = atomicLoad(&local[SUMS + c]);
      if (n != 0u) { atomicAdd(&totals[K * D * L + c], n); }
    }
  }
}
`;

export interface DeviceUpdateChunk {
  rowCount: number;
  x: GpuBufferLike;
  labels: GpuBufferLike;
}

export interface DeviceUpdater {
  /**
   * Exact sums (`limbs` terms per sum into `sums`) and counts of the rows by the labels in the
   * chunks' label buffers; false (nothing written) when k is too large for workgroup memory.
   */
  run(chunks: readonly DeviceUpdateChunk[], k: number, bits: ColumnBits, limbs: number, sums: ClusterSums, counts: Float64Array): Promise<boolean>;
  dispose(): void;
}

export function createDeviceUpdater(device: GpuDeviceLike, workgroupSize: number, d: number, maxGroups: number): DeviceUpdater {
  const localWords = Math.floor((device.limits.maxComputeWorkgroupStorageSize ?? DEFAULT_LOCAL_WORDS * 4) / 4);
  const pipelines = new Map<string, Promise<GpuComputePipelineLike>>();
  const params = device.createBuffer({ label: 'kmeans-update-params', size: 16, usage: USAGE_UNIFORM | USAGE_COPY_DST });
  const lowBitBuffer = device.createBuffer({ label: 'kmeans-update-low-bits', size: Math.max(16, Math.ceil((d * 4) / 16) * 16), usage: USAGE_STORAGE | USAGE_COPY_DST });
  let totals: GpuBufferLike | null = null;
  let read: GpuBufferLike | null = null;
  let lowBitsFor: Int32Array | null = null;

  const pipelineFor = (k: number, columns: number, limbs: number): Promise<GpuComputePipelineLike> => {
    const key = `${k}/${columns}/${limbs}`;
    let pipeline = pipelines.get(key);
    if (!pipeline) {
      pipeline = device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code: updateWgsl(workgroupSize, k, d, columns, limbs) }), entryPoint: 'main' } });
      pipelines.set(key, pipeline);
    }
    return pipeline;
  };

  return {
    async run(chunks, k, bits, limbs, sums, counts) {
      const columns = columnsPerPass(k, d, limbs, localWords);
      if (columns === 0) return false;
      const words = k * d * limbs + k;
      const bytes = Math.ceil((words * 4) / 16) * 16;
      if (!totals || totals.size < bytes) {
        totals?.destroy();
        read?.destroy();
        totals = device.createBuffer({ label: 'kmeans-update-totals', size: bytes, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
        read = device.createBuffer({ label: 'kmeans-update-read', size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
      }
      if (lowBitsFor !== bits.lowBit) {
        device.queue.writeBuffer(lowBitBuffer, 0, new Uint32Array(bits.lowBit.buffer, bits.lowBit.byteOffset, d));
        lowBitsFor = bits.lowBit;
      }
      const pipeline = await pipelineFor(k, columns, limbs);
      const layout = pipeline.getBindGroupLayout(0);
      const totalsBuffer = totals;
      const readBuffer = read as GpuBufferLike;
      const clear = device.createCommandEncoder();
      clear.clearBuffer(totalsBuffer, 0, bytes);
      device.queue.submit([clear.finish()]);
      // One uniform buffer: each pass is its own submit, so each sees its own parameters.
      for (const chunk of chunks) {
        const groups = Math.max(1, Math.min(maxGroups, MAX_UPDATE_GROUPS, Math.ceil(chunk.rowCount / workgroupSize)));
        const group = device.createBindGroup({
          layout,
          entries: [
            { binding: 0, resource: { buffer: params } },
            { binding: 1, resource: { buffer: chunk.x } },
            { binding: 2, resource: { buffer: chunk.labels } },
            { binding: 3, resource: { buffer: lowBitBuffer } },
            { binding: 4, resource: { buffer: totalsBuffer } },
          ],
        });
        for (let first = 0; first < d; first += columns) {
          device.queue.writeBuffer(params, 0, Uint32Array.of(chunk.rowCount, groups * workgroupSize, first, first === 0 ? 1 : 0));
          const encoder = device.createCommandEncoder();
          const pass = encoder.beginComputePass();
          pass.setPipeline(pipeline);
          pass.setBindGroup(0, group);
          pass.dispatchWorkgroups(groups);
          pass.end();
          device.queue.submit([encoder.finish()]);
        }
      }
      const copy = device.createCommandEncoder();
      copy.copyBufferToBuffer(totalsBuffer, 0, readBuffer, 0, bytes);
      device.queue.submit([copy.finish()]);
      await readBuffer.mapAsync(MAP_MODE_READ, 0, bytes);
      try {
        const out = new Uint32Array(readBuffer.getMappedRange(0, bytes), 0, words);
        const terms = sums.reset(k, d, limbs);
        const signedTop = new Int32Array(out.buffer, out.byteOffset, words);
        for (let s = 0; s < k * d; s++) {
          const low = bits.lowBit[s % d] as number;
          for (let t = 0; t < limbs; t++) {
            // Limb t is worth 2^(32 t + lowBit); the top limb carries the sign. Each term is exact.
            const word = t === limbs - 1 ? (signedTop[s * limbs + t] as number) : (out[s * limbs + t] as number);
            terms[t * k * d + s] = word * 2 ** (32 * t + low);
          }
        }
        for (let c = 0; c < k; c++) counts[c] = out[k * d * limbs + c] as number;
      } finally {
        readBuffer.unmap();
      }
      return true;
    },
    dispose() {
      for (const owned of [params, lowBitBuffer, totals, read]) owned?.destroy();
    },
  };
}
