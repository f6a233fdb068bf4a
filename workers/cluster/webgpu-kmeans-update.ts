/**
 * The k-means update (per-cluster sums and counts) on the device, reading the labels the
 * assignment left in device memory: only k x d sums and k counts come back.
 *
 * Sums are exact: every value becomes 64-bit fixed point with a per-column power-of-two scale
 * (S_j = 2^(61 - ceil(log2 sum_i |x_ij|)), as the histograms do; compute/fixed-point-wgsl.ts) and
 * integers are added with carries, first per workgroup, then globally. So the result does not
 * depend on scheduling, and each sum is the exact sum of the rounded values, rounded once to
 * float64 (error below n * 2^-62 * sum_i |x_ij|). It is NOT bit-identical to the CPU kernel's
 * float64 sums in row order (those round at every add), so centroids can differ from the CPU's in
 * the last bits: the engine's jobs keep the CPU update for identical results across backends;
 * this path is measured by the gpu benchmark (test/bench/gpu.ts).
 */
import { FIXED_POINT_WGSL } from '../compute/fixed-point-wgsl';
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../compute/webgpu-constants';
import type { GpuBufferLike, GpuComputePipelineLike, GpuDeviceLike } from '../compute/webgpu-types';
import { fixedPointScale, readFixedPoint } from '../gbdt/webgpu-histogram';

/** Workgroup memory holds k*d sums (two words each) and k counts: 16 KiB at most. */
const LOCAL_WORDS_LIMIT = 4096;
/** Workgroups per dispatch: enough to fill a large GPU, few enough that flushing stays cheap. */
const MAX_UPDATE_GROUPS = 512;

export function deviceUpdateFits(k: number, d: number): boolean {
  return k * d * 2 + k <= LOCAL_WORDS_LIMIT;
}

const updateWgsl = (workgroupSize: number, k: number, d: number): string => /* wgsl */ `
struct Params {
  rowCount: u32,
  stride: u32,    // invocations in the whole dispatch
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;                // chunk rows x d
@group(0) @binding(2) var<storage, read> labels: array<u32>;           // from the assignment
@group(0) @binding(3) var<storage, read> scales: array<f32>;           // d
@group(0) @binding(4) var<storage, read_write> totals: array<atomic<u32>>; // k*d (lo, hi), then k counts

const K = ${k}u;
const D = ${d}u;
const WORDS = ${k * d * 2 + k}u;
var<workgroup> local: array<atomic<u32>, ${k * d * 2 + k}>;

${FIXED_POINT_WGSL}

fn addLocal(i: u32, lo: u32, hi: u32) {
  let old = atomicAdd(&local[i], lo);
  let high = hi + select(0u, 1u, old + lo < old);
  if (high != 0u) { atomicAdd(&local[i + 1u], high); }
}

fn addGlobal(i: u32, lo: u32, hi: u32) {
  let old = atomicAdd(&totals[i], lo);
  let high = hi + select(0u, 1u, old + lo < old);
  if (high != 0u) { atomicAdd(&totals[i + 1u], high); }
}

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  for (var w = t; w < WORDS; w += ${workgroupSize}u) { atomicStore(&local[w], 0u); }
  workgroupBarrier();
  for (var r = gid.x; r < params.rowCount; r += params.stride) {
    let c = labels[r];
    for (var j = 0u; j < D; j++) {
      let q = fixedPoint(x[r * D + j], scales[j]);
      if ((q.x | q.y) != 0u) { addLocal((c * D + j) * 2u, q.x, q.y); }
    }
    atomicAdd(&local[K * D * 2u + c], 1u);
  }
  workgroupBarrier();
  for (var s = t; s < K * D; s += ${workgroupSize}u) {
    let lo = atomicLoad(&local[s * 2u]);
    let hi = atomicLoad(&local[s * 2u + 1u]);
    if ((lo | hi) != 0u) { addGlobal(s * 2u, lo, hi); }
  }
  for (var c = t; c < K; c += ${workgroupSize}u) {
    let n = atomicLoad(&local[K * D * 2u + c]);
    if (n != 0u) { atomicAdd(&totals[K * D * 2u + c], n); }
  }
}
`;

export interface DeviceUpdateChunk {
  rowCount: number;
  x: GpuBufferLike;
  labels: GpuBufferLike;
}

/** Per-column scales of a data set (computed once per data set). */
export function columnScales(x: Float32Array, n: number, d: number): Float64Array {
  const mass = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mass[j] = (mass[j] as number) + Math.abs(x[i * d + j] as number);
  // Capped at 2^100 so that the scale stays a finite float32 (columns of tiny values lose nothing: they stay below 2^-39 of a unit).
  return mass.map((m) => Math.min(fixedPointScale(m), 2 ** 100));
}

export interface DeviceUpdater {
  /** Sums and counts of the rows by the labels in the chunks' label buffers. */
  run(chunks: readonly DeviceUpdateChunk[], k: number, scales: Float64Array, sums: Float64Array, counts: Float64Array): Promise<void>;
  dispose(): void;
}

export function createDeviceUpdater(device: GpuDeviceLike, workgroupSize: number, d: number, maxGroups: number): DeviceUpdater {
  const pipelines = new Map<number, Promise<GpuComputePipelineLike>>();
  const params = device.createBuffer({ label: 'kmeans-update-params', size: 16, usage: USAGE_UNIFORM | USAGE_COPY_DST });
  const scalesBuffer = device.createBuffer({ label: 'kmeans-update-scales', size: Math.max(16, Math.ceil((d * 4) / 16) * 16), usage: USAGE_STORAGE | USAGE_COPY_DST });
  let totals: GpuBufferLike | null = null;
  let read: GpuBufferLike | null = null;
  let scalesFor: Float64Array | null = null;

  const pipelineFor = (k: number): Promise<GpuComputePipelineLike> => {
    let pipeline = pipelines.get(k);
    if (!pipeline) {
      pipeline = device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code: updateWgsl(workgroupSize, k, d) }), entryPoint: 'main' } });
      pipelines.set(k, pipeline);
    }
    return pipeline;
  };

  return {
    async run(chunks, k, scales, sums, counts) {
      const words = k * d * 2 + k;
      const bytes = Math.ceil((words * 4) / 16) * 16;
      if (!totals || totals.size < bytes) {
        totals?.destroy();
        read?.destroy();
        totals = device.createBuffer({ label: 'kmeans-update-totals', size: bytes, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
        read = device.createBuffer({ label: 'kmeans-update-read', size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
      }
      if (scalesFor !== scales) {
        device.queue.writeBuffer(scalesBuffer, 0, new Uint32Array(Float32Array.from(scales).buffer));
        scalesFor = scales;
      }
      const pipeline = await pipelineFor(k);
      const layout = pipeline.getBindGroupLayout(0);
      const totalsBuffer = totals;
      const readBuffer = read as GpuBufferLike;
      const encoder = device.createCommandEncoder();
      encoder.clearBuffer(totalsBuffer, 0, bytes);
      // One uniform buffer: chunks are encoded in separate submits so each sees its own row count.
      device.queue.submit([encoder.finish()]);
      for (const chunk of chunks) {
        const groups = Math.max(1, Math.min(maxGroups, MAX_UPDATE_GROUPS, Math.ceil(chunk.rowCount / workgroupSize)));
        device.queue.writeBuffer(params, 0, Uint32Array.of(chunk.rowCount, groups * workgroupSize, 0, 0));
        const group = device.createBindGroup({
          layout,
          entries: [
            { binding: 0, resource: { buffer: params } },
            { binding: 1, resource: { buffer: chunk.x } },
            { binding: 2, resource: { buffer: chunk.labels } },
            { binding: 3, resource: { buffer: scalesBuffer } },
            { binding: 4, resource: { buffer: totalsBuffer } },
          ],
        });
        const pass = device.createCommandEncoder();
        const compute = pass.beginComputePass();
        compute.setPipeline(pipeline);
        compute.setBindGroup(0, group);
        compute.dispatchWorkgroups(groups);
        compute.end();
        device.queue.submit([pass.finish()]);
      }
      const copy = device.createCommandEncoder();
      copy.copyBufferToBuffer(totalsBuffer, 0, readBuffer, 0, bytes);
      device.queue.submit([copy.finish()]);
      await readBuffer.mapAsync(MAP_MODE_READ, 0, bytes);
      try {
        const out = new Uint32Array(readBuffer.getMappedRange(0, bytes));
        for (let s = 0; s < k * d; s++) sums[s] = readFixedPoint(out[s * 2] as number, out[s * 2 + 1] as number, scales[s % d] as number);
        for (let c = 0; c < k; c++) counts[c] = out[k * d * 2 + c] as number;
      } finally {
        readBuffer.unmap();
      }
    },
    dispose() {
      for (const owned of [params, scalesBuffer, totals, read]) owned?.destroy();
    },
  };
}
