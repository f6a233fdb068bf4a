/**
 * Margins of a BoostedModel scored on the device (WebGPU), equal bit for bit to predictMargins:
 * one invocation per row walks every tree (float32(x) < threshold goes left, NaN follows the
 * node's default) and sums the leaves in float32 in tree order from the float32 base margin, per
 * output group, as the CPU does (predict.ts: Float32Array partial sums, as XGBoost). The shader
 * compares and adds on the float32 bits (webgpu-predict-wgsl.ts), so no GPU float quirk (flushed
 * subnormals, fast math, indeterminate infinities) can change a number. Unlike the compiled WASM
 * forest it takes every model, NaN thresholds and deep trees included.
 *
 * The forest (flattened nodes, 16 bytes each) is uploaded once per model and tree limit; the
 * feature columns the trees use go up in blocks of rows sized to the device's storage binding
 * limit, each block's margins come back while the next block runs, and a cancel is honoured
 * between blocks. Features the columns lack read as missing, as in the compiled forest.
 *
 * Not chosen by `auto` anywhere: an explicit opt-in until it is measured on hardware.
 */
import { isGpuLike } from '../compute/backend-choice';
import { describeAdapter } from '../compute/adapter-kind';
import { deviceLostError, requestComputeDevice } from '../compute/compute-device';
import { MAP_MODE_READ, USAGE_COPY_DST, USAGE_COPY_SRC, USAGE_MAP_READ, USAGE_STORAGE, USAGE_UNIFORM } from '../compute/webgpu-constants';
import type { GpuAdapterLike, GpuBufferLike, GpuComputePipelineLike } from '../compute/webgpu-types';
import { EngineError, cancelledError } from '../protocol/errors';
import { baseMargin, outputGroups, treeDepth, type BoostedModel, type Tree } from './model';
import { DEFAULT_LEFT_BIT, LEAF, predictWgsl, thresholdKey } from './webgpu-predict-wgsl';

export interface WebGpuPredictOptions {
  treeLimit?: number;
  signal?: AbortSignal;
}

export interface WebGpuPredictorOptions {
  /** Caps the rows per block below what the device's limits allow (tests use it to force several blocks). */
  maxBlockRows?: number;
}

export interface WebGpuPredictor {
  readonly backend: 'webgpu';
  readonly adapterDescription: string;
  readonly workgroupSize: number;
  /** Margins row-major [row * groups + group], as predictMargins gives them. */
  predictMargins(model: BoostedModel, columns: Float32Array[], nRows: number, options?: WebGpuPredictOptions): Promise<Float64Array>;
  /** Blocks of rows the last call sent (for the tests and the bench). */
  readonly lastBlocks: number;
  dispose(): void;
}

/** A forest laid out for the shader. */
export interface FlatDeviceForest {
  /** 4 u32 per node: left, right (absolute; LEAF for a leaf), slot | DEFAULT_LEFT_BIT, threshold key or leaf bits. */
  nodes: Uint32Array;
  /** [groups + 1 offsets][tree roots, grouped by output group, model order within a group]. */
  trees: Uint32Array;
  /** The feature of each slot (the features the trees split on, ascending). */
  features: number[];
  groups: number;
  /** Float32 bits of the base margin. */
  base: number;
  maxDepth: number;
}

/**
 * Node steps (rows x trees x depth) per dispatch at most: one dispatch then stays well under the
 * watchdogs that reset a GPU busy for ~2 s (Windows TDR) even on a small integrated GPU, and a
 * 200-tree depth-6 model goes up in blocks of ~220,000 rows that overlap with the read-back.
 */
const STEPS_PER_BLOCK = 2 ** 28;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const float32Bits = (value: number): number => {
  f32[0] = value;
  return u32[0] as number;
};

/**
 * Checks a tree's links from the root (a bad import must fail here, not hang a shader) and returns
 * its depth. Children may have any index (XGBoost reuses pruned node ids), but no node may be
 * reached twice, so every walk ends.
 */
function checkedDepth(tree: Tree, t: number): number {
  const n = tree.left.length;
  if (n === 0) return 0;
  const seen = new Uint8Array(n);
  const stack = [0];
  while (stack.length > 0) {
    const k = stack.pop() as number;
    if (seen[k]) throw new EngineError('BAD_INPUT', `Tree ${t} of the model reaches node ${k} twice (its links loop), so it is not a tree; the model file is damaged.`);
    seen[k] = 1;
    const l = tree.left[k] as number;
    if (l === -1) continue;
    const r = tree.right[k] as number;
    if (!(l >= 0 && l < n && r >= 0 && r < n)) throw new EngineError('BAD_INPUT', `Tree ${t} of the model has a node (${k}) whose children are out of range; the model file is damaged.`);
    if ((tree.feature[k] as number) < 0) throw new EngineError('BAD_INPUT', `Tree ${t} of the model splits on a negative feature index.`);
    stack.push(l, r);
  }
  return treeDepth(tree);
}

/** The first `limit` trees of `model` flattened for the device. */
export function flattenForDevice(model: BoostedModel, limit: number): FlatDeviceForest {
  const trees = model.trees.slice(0, limit);
  const groups = outputGroups(model);
  let total = 0;
  let maxDepth = 0;
  const used = new Set<number>();
  trees.forEach((tree, t) => {
    if (tree.left.length === 0) throw new EngineError('BAD_INPUT', `Tree ${t} of the model has no nodes.`);
    maxDepth = Math.max(maxDepth, checkedDepth(tree, t));
    total += tree.left.length;
    for (let k = 0; k < tree.left.length; k++) if (tree.left[k] !== -1) used.add(tree.feature[k] as number);
  });
  const features = [...used].sort((a, b) => a - b);
  const slotOf = new Map(features.map((f, s) => [f, s]));
  const nodes = new Uint32Array(Math.max(1, total) * 4);
  const roots: number[][] = Array.from({ length: groups }, () => []);
  let at = 0;
  trees.forEach((tree, t) => {
    const group = model.treeInfo[t] ?? 0;
    if (!(group >= 0 && group < groups)) throw new EngineError('BAD_INPUT', `Tree ${t} of the model belongs to output group ${group}, but the model has ${groups}.`);
    (roots[group] as number[]).push(at);
    const bits = new Uint32Array(tree.threshold.buffer, tree.threshold.byteOffset, tree.threshold.length);
    for (let k = 0; k < tree.left.length; k++) {
      const w = (at + k) * 4;
      const l = tree.left[k] as number;
      if (l === -1) {
        nodes[w] = LEAF;
        nodes[w + 1] = LEAF;
        nodes[w + 3] = bits[k] as number;
        continue;
      }
      nodes[w] = at + l;
      nodes[w + 1] = at + (tree.right[k] as number);
      nodes[w + 2] = ((slotOf.get(tree.feature[k] as number) as number) | (tree.defaultLeft[k] === 1 ? DEFAULT_LEFT_BIT : 0)) >>> 0;
      nodes[w + 3] = thresholdKey(bits[k] as number);
    }
    at += tree.left.length;
  });
  const table = new Uint32Array(groups + 1 + trees.length);
  let next = 0;
  roots.forEach((list, g) => {
    table[g] = next;
    for (const root of list) table[groups + 1 + next++] = root;
  });
  table[groups] = next;
  return { nodes, trees: table, features, groups, base: float32Bits(baseMargin(model.objective, model.baseScore)), maxDepth };
}

/**
 * A predictor on the host's WebGPU (`navigator.gpu`, or Dawn in Node): a hardware adapter, else a
 * compatibility one. Throws a typed error where there is none: this is only ever asked for by name.
 */
export async function createWebGpuPredictor(gpu: unknown, options: WebGpuPredictorOptions = {}): Promise<WebGpuPredictor> {
  if (!isGpuLike(gpu)) throw new EngineError('BAD_INPUT', 'WebGPU prediction requested, but WebGPU is not available in this runtime (no navigator.gpu). Choose the CPU backend.');
  let adapter: GpuAdapterLike | null;
  try {
    adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ?? (await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: 'compatibility' }));
  } catch (error) {
    throw new EngineError('BAD_INPUT', `WebGPU prediction requested, but requesting a WebGPU adapter failed (${error instanceof Error ? error.message : String(error)}). Choose the CPU backend.`);
  }
  if (!adapter) throw new EngineError('BAD_INPUT', 'WebGPU prediction requested, but no WebGPU adapter was found (no usable GPU or driver). Choose the CPU backend.');
  return createWebGpuPredictorOnAdapter(adapter, options);
}

/** Builds the predictor on an adapter (an adapter gives one device: use a fresh one per predictor). */
export async function createWebGpuPredictorOnAdapter(adapter: GpuAdapterLike, options: WebGpuPredictorOptions = {}): Promise<WebGpuPredictor> {
  const { device, workgroupSize } = await requestComputeDevice(adapter, 'assay-predict');
  let lostMessage: string | null = null;
  void device.lost.then((info) => {
    lostMessage = info.message || info.reason || 'unknown reason';
  });
  const lostError = (): EngineError => deviceLostError(lostMessage ?? 'unknown reason');
  let pipeline: GpuComputePipelineLike;
  try {
    pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code: predictWgsl(workgroupSize) }), entryPoint: 'main' } });
  } catch (error) {
    device.destroy();
    throw new EngineError('INTERNAL', `The WebGPU prediction shader could not be built (workgroup size ${workgroupSize}): ${error instanceof Error ? error.message : String(error)}`);
  }
  const layout = pipeline.getBindGroupLayout(0);
  const bindingCap = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  const params = device.createBuffer({ label: 'predict-params', size: 32, usage: USAGE_UNIFORM | USAGE_COPY_DST });

  let forest: { model: BoostedModel; limit: number; flat: FlatDeviceForest; nodes: GpuBufferLike; trees: GpuBufferLike } | null = null;
  const scratch: { x: GpuBufferLike | null; out: GpuBufferLike | null; read: [GpuBufferLike | null, GpuBufferLike | null] } = { x: null, out: null, read: [null, null] };
  let disposed = false;
  let lastBlocks = 0;
  let queueTail: Promise<unknown> = Promise.resolve();

  const padded = (bytes: number): number => Math.max(16, Math.ceil(bytes / 16) * 16);
  const sized = (current: GpuBufferLike | null, bytes: number, usage: number, label: string): GpuBufferLike => {
    if (current && current.size >= padded(bytes)) return current;
    current?.destroy();
    return device.createBuffer({ label, size: padded(bytes), usage });
  };
  const upload = (data: Uint32Array, label: string): GpuBufferLike => {
    const buffer = device.createBuffer({ label, size: padded(data.byteLength), usage: USAGE_STORAGE | USAGE_COPY_DST });
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  const dropForest = (): void => {
    forest?.nodes.destroy();
    forest?.trees.destroy();
    forest = null;
  };
  const loadForest = (model: BoostedModel, limit: number): NonNullable<typeof forest> => {
    // Models are not changed in place (training and import make new ones): identity and limit name the forest.
    if (forest && forest.model === model && forest.limit === limit) return forest;
    const flat = flattenForDevice(model, limit);
    if (flat.nodes.byteLength > bindingCap) throw new EngineError('BAD_INPUT', `The model's trees need ${(flat.nodes.byteLength / 2 ** 20).toFixed(0)} MiB, more than the device allows in one buffer; predict on the CPU.`);
    dropForest();
    forest = { model, limit, flat, nodes: upload(flat.nodes, 'predict-nodes'), trees: upload(flat.trees, 'predict-trees') };
    return forest;
  };

  const run = async (model: BoostedModel, columns: Float32Array[], nRows: number, o: WebGpuPredictOptions): Promise<Float64Array> => {
    if (disposed) throw new EngineError('INTERNAL', 'The WebGPU predictor was used after it was disposed.');
    if (lostMessage !== null) throw lostError();
    if (o.signal?.aborted) throw cancelledError();
    const limit = Math.max(0, Math.min(o.treeLimit ?? model.trees.length, model.trees.length));
    const groups = outputGroups(model);
    for (const [f, column] of columns.entries()) {
      if (column.length < nRows) throw new EngineError('BAD_INPUT', `Feature column ${f} has ${column.length} values for ${nRows} rows.`);
    }
    lastBlocks = 0;
    const margins = new Float64Array(nRows * groups);
    if (nRows === 0) return margins;

    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    let failure: unknown = null;
    let pending: Promise<void> | null = null;
    try {
      const f = loadForest(model, limit);
      const slots = Math.max(1, f.flat.features.length);
      const steps = Math.max(1, limit * Math.max(1, f.flat.maxDepth));
      const blockRows = Math.max(
        1,
        Math.min(nRows, options.maxBlockRows ?? nRows, Math.floor(bindingCap / (4 * slots)), Math.floor(bindingCap / (4 * groups)), maxGroups * workgroupSize, Math.max(workgroupSize, Math.floor(STEPS_PER_BLOCK / steps))),
      );
      scratch.x = sized(scratch.x, slots * blockRows * 4, USAGE_STORAGE | USAGE_COPY_DST, 'predict-x');
      scratch.out = sized(scratch.out, blockRows * groups * 4, USAGE_STORAGE | USAGE_COPY_SRC, 'predict-out');
      for (const k of [0, 1] as const) scratch.read[k] = sized(scratch.read[k], blockRows * groups * 4, USAGE_MAP_READ | USAGE_COPY_DST, `predict-read-${k}`);
      const x = scratch.x;
      const out = scratch.out;
      const bind = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: { buffer: params } },
          { binding: 1, resource: { buffer: f.nodes } },
          { binding: 2, resource: { buffer: f.trees } },
          { binding: 3, resource: { buffer: x } },
          { binding: 4, resource: { buffer: out } },
        ],
      });
      const words = Uint32Array.of(0, blockRows, groups, f.flat.base, f.flat.maxDepth, 0, 0, 0);
      // Columns the model uses but the caller lacks read as missing (NaN), as in the compiled forest.
      const absent = f.flat.features.some((feature) => feature >= columns.length) ? new Uint32Array(blockRows).fill(0x7fc00000) : null;
      for (let start = 0, block = 0; start < nRows; start += blockRows, block++) {
        if (o.signal?.aborted) throw cancelledError();
        const count = Math.min(blockRows, nRows - start);
        f.flat.features.forEach((feature, slot) => {
          const column = columns[feature];
          const data = column ? new Uint32Array(column.buffer, column.byteOffset + start * 4, count) : (absent as Uint32Array).subarray(0, count);
          device.queue.writeBuffer(x, slot * blockRows * 4, data);
        });
        words[0] = count;
        device.queue.writeBuffer(params, 0, words);
        const read = scratch.read[block % 2] as GpuBufferLike;
        const encoder = device.createCommandEncoder();
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bind);
        pass.dispatchWorkgroups(Math.ceil(count / workgroupSize));
        pass.end();
        encoder.copyBufferToBuffer(out, 0, read, 0, padded(count * groups * 4));
        device.queue.submit([encoder.finish()]);
        lastBlocks++;
        // This block runs while the previous one's margins are read back.
        const previous: Promise<void> | null = pending;
        pending = null;
        if (previous) await previous;
        pending = (async () => {
          const bytes = padded(count * groups * 4);
          await read.mapAsync(MAP_MODE_READ, 0, bytes);
          try {
            const sums = new Float32Array(read.getMappedRange(0, bytes), 0, count * groups);
            margins.set(sums, start * groups);
          } finally {
            read.unmap();
          }
        })();
      }
      const last: Promise<void> | null = pending;
      pending = null;
      if (last) await last;
    } catch (error) {
      failure = error;
      // A cancel or failure mid-way: let the block in flight finish so its buffer is unmapped.
      await (pending as Promise<void> | null)?.catch(() => undefined);
    }
    const validation = await device.popErrorScope();
    const memory = await device.popErrorScope();
    if (failure !== null && !(failure instanceof EngineError) && lostMessage === null) {
      // A failed map may be the first sign of a lost device: give its promise a moment to say so.
      await Promise.race([device.lost, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    if (lostMessage !== null) throw lostError();
    const scopeError = validation ?? memory;
    if (scopeError) throw new EngineError('INTERNAL', `WebGPU prediction failed: ${scopeError.message}`);
    if (failure !== null) throw failure instanceof EngineError ? failure : new EngineError('INTERNAL', `WebGPU prediction failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    return margins;
  };

  return {
    backend: 'webgpu',
    adapterDescription: describeAdapter(adapter),
    workgroupSize,
    get lastBlocks() {
      return lastBlocks;
    },
    predictMargins(model, columns, nRows, o = {}) {
      // One call at a time: calls share the device's block buffers.
      const result = queueTail.then(() => run(model, columns, nRows, o));
      queueTail = result.catch(() => undefined);
      return result;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      dropForest();
      for (const buffer of [scratch.x, scratch.out, ...scratch.read, params]) buffer?.destroy();
      device.destroy();
    },
  };
}
