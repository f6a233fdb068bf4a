import { EngineError } from '../protocol/errors';
import { HIST_STRIDE, type HistogramKernel, type HistogramRequest, type LeafTask, type PartitionTask, type RowParallel, type RowParallelData } from './histogram';
import { computeGradientRange } from './objectives';
import { addLeavesRange, partitionRange } from './row-ops';
import { WASM_STRIDE, createWasmHistogramKernel, histogramWasmModule } from './wasm-histogram';

/**
 * The CPU histogram kernel on several threads: the calling thread and `threads - 1` helpers, each
 * with its own instance of the WASM kernel, sharing the bin matrix, the gradient pairs and the
 * node's rows through SharedArrayBuffers. A node's row blocks are dealt out round-robin; every
 * block's histogram is exactly the single-thread WASM kernel's for that range (the trainer adds
 * blocks in a fixed order), so the trees do not depend on the thread count.
 *
 * The kernel also runs the other row-wise steps of training on the same threads (rowParallel):
 * gradients over row ranges, the stable partitions of a tree level's nodes (large nodes cut into
 * one part per thread, then merged in order) and the leaf values of the deepest splits. Each
 * gives exactly the single-thread result, by the same functions (row-ops.ts, objectives.ts).
 *
 * The host spawns the helpers (worker_threads in Node, Web Workers in a browser) from
 * HISTOGRAM_WORKER_SOURCE, a self-contained script, so no module needs resolving in the thread.
 */

/** What the kernel needs of a helper thread. */
export interface HistogramWorkerPort {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the thread fails or exits: builds waiting on it fail instead of hanging. */
  onFailure(listener: (reason: string) => void): void;
  terminate(): void;
}

/** Plain JavaScript run by each helper (a classic Web Worker or a worker_threads eval worker). */
export const HISTOGRAM_WORKER_SOURCE = `
'use strict';
const isWeb = typeof self !== 'undefined' && typeof self.postMessage === 'function';
const port = isWeb ? self : require('node:worker_threads').parentPort;
const listen = (fn) => (isWeb ? self.addEventListener('message', (e) => fn(e.data)) : port.on('message', fn));
const STRIDE = ${WASM_STRIDE};
const OUT_STRIDE = ${HIST_STRIDE};
let memory = null, build = null, layout = null, ghVersion = -1, binsView = null, ghView = null, rowsView = null, outView = null;
// The row-wise steps: the trainer's own functions (row-ops.ts, objectives.ts), from their source.
const computeGradientRange = (${computeGradientRange.toString()});
const partitionRange = (${partitionRange.toString()});
const addLeavesRange = (${addLeavesRange.toString()});
let rowData = null;
listen((m) => {
  if (m.type === 'rows') {
    rowData = { columns: Array.from({ length: m.nFeatures }, (_, f) => new Uint8Array(m.columns, f * m.nRows, m.nRows)), labels: new Float32Array(m.labels), rows: [new Uint32Array(m.rows0), new Uint32Array(m.rows1)],
      scratch: new Uint32Array(m.scratch), gh: new Float32Array(m.gh), margins: new Float32Array(m.margins), groups: m.groups };
    return;
  }
  if (m.type === 'gradients') {
    const d = rowData;
    computeGradientRange(m.objective, d.margins, d.labels, d.groups, m.group, m.scalePosWeight, d.gh, m.begin, m.end);
    port.postMessage({ type: 'done', seq: m.seq });
    return;
  }
  if (m.type === 'partition') {
    const d = rowData, rows = d.rows[m.buffer];
    const mids = m.tasks.map((t) => partitionRange(d.columns[t.feature], rows, t.begin, t.end, t.bin, t.defaultLeft, d.scratch));
    port.postMessage({ type: 'done', seq: m.seq, result: mids });
    return;
  }
  if (m.type === 'leaves') {
    const d = rowData, rows = d.rows[m.buffer];
    for (const t of m.tasks) addLeavesRange(d.columns[t.feature], rows, t.begin, t.end, t.bin, t.defaultLeft, t.leftValue, t.rightValue, d.margins, d.groups, m.group);
    port.postMessage({ type: 'done', seq: m.seq });
    return;
  }
  if (m.type === 'init') {
    const instance = new WebAssembly.Instance(m.module, {});
    memory = instance.exports.memory;
    build = instance.exports.build;
  } else if (m.type === 'data') {
    const F = m.nFeatures, n = m.nRows;
    const a16 = (x) => Math.ceil(x / 16) * 16;
    const rowsAt = a16(n * F), ghAt = a16(rowsAt + n * 4), histAt = a16(ghAt + n * 8), end = histAt + F * STRIDE * 8;
    const pages = Math.ceil(end / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    new Uint8Array(memory.buffer, 0, n * F).set(new Uint8Array(m.bins));
    layout = { F, n, rowsAt, ghAt, histAt };
    ghView = new Float32Array(m.gh);
    rowsView = new Uint32Array(m.rows);
    outView = new Float64Array(m.out);
    ghVersion = -1;
  } else if (m.type === 'build') {
    const { F, n, rowsAt, ghAt, histAt } = layout;
    if (m.ghVersion !== ghVersion) {
      new Float32Array(memory.buffer, ghAt, n * 2).set(ghView.subarray(0, n * 2));
      ghVersion = m.ghVersion;
    }
    for (const [begin, end, slot] of m.blocks) {
      const count = end - begin;
      new Uint32Array(memory.buffer, rowsAt, count).set(rowsView.subarray(begin, end));
      const hist = new Float64Array(memory.buffer, histAt, F * STRIDE);
      hist.fill(0);
      build(0, F, rowsAt, 0, count, ghAt, histAt);
      const base = slot * F * OUT_STRIDE;
      for (let f = 0; f < F; f++) outView.set(hist.subarray(f * STRIDE, f * STRIDE + OUT_STRIDE), base + f * OUT_STRIDE);
    }
    port.postMessage({ type: 'done', seq: m.seq });
  }
});
`;

interface Helper {
  port: HistogramWorkerPort;
  pending: Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>;
  failed: string | null;
}

/** Nodes (or parts of them) with fewer rows go to one thread whole: a message costs more. */
const MIN_SPLIT_ROWS = 65536;

/**
 * Deals tasks out to `threads` threads: a task of MIN_SPLIT_ROWS rows or more is cut into one
 * contiguous part per thread, smaller ones go whole to the least loaded thread.
 */
function dealTasks<T extends PartitionTask>(tasks: readonly T[], threads: number): { parts: Array<Array<{ task: number; part: T }>>; cut: boolean[] } {
  const parts: Array<Array<{ task: number; part: T }>> = Array.from({ length: threads }, () => []);
  const load = new Array<number>(threads).fill(0);
  const cut = tasks.map((t) => t.end - t.begin >= MIN_SPLIT_ROWS);
  tasks.forEach((t, k) => {
    if (!cut[k]) return;
    const size = t.end - t.begin;
    for (let i = 0; i < threads; i++) {
      const begin = t.begin + Math.floor((size * i) / threads);
      const end = t.begin + Math.floor((size * (i + 1)) / threads);
      (parts[i] as Array<{ task: number; part: T }>).push({ task: k, part: { ...t, begin, end } });
      load[i] = (load[i] as number) + end - begin;
    }
  });
  tasks.forEach((t, k) => {
    if (cut[k]) return;
    let least = 0;
    for (let i = 1; i < threads; i++) if ((load[i] as number) < (load[least] as number)) least = i;
    (parts[least] as Array<{ task: number; part: T }>).push({ task: k, part: t });
    load[least] = (load[least] as number) + t.end - t.begin;
  });
  return { parts, cut };
}

/**
 * `spawn` starts one helper running HISTOGRAM_WORKER_SOURCE; `threads` counts the calling thread.
 * Needs SharedArrayBuffer (in a browser: a cross-origin-isolated page).
 */
export function createParallelHistogramKernel(threads: number, spawn: (source: string) => HistogramWorkerPort): HistogramKernel {
  const local = createWasmHistogramKernel();
  const module = histogramWasmModule();
  const helpers: Helper[] = [];
  for (let t = 1; t < threads; t++) {
    const port = spawn(HISTOGRAM_WORKER_SOURCE);
    const helper: Helper = { port, pending: new Map(), failed: null };
    port.onMessage((message) => {
      const m = message as { type?: string; seq?: number; result?: unknown };
      if (m.type !== 'done' || m.seq === undefined) return;
      helper.pending.get(m.seq)?.resolve(m.result);
      helper.pending.delete(m.seq);
    });
    port.onFailure((reason) => {
      helper.failed = reason;
      for (const p of helper.pending.values()) p.reject(new EngineError('INTERNAL', `A histogram thread failed: ${reason}`));
      helper.pending.clear();
    });
    port.postMessage({ type: 'init', module });
    helpers.push(helper);
  }
  let seq = 0;
  let shared: { bins: Uint8Array; F: number; gh: Float32Array; rows: Uint32Array; out: Float64Array; outSlots: number } | null = null;
  let rowsSeen: Uint32Array | null = null;
  let ghVersion = 0;

  const ensureShared = (request: HistogramRequest, slots: number): void => {
    const F = request.nFeatures;
    const nRows = F > 0 ? request.bins.length / F : 0;
    if (shared && shared.bins === request.bins && shared.F === F && shared.outSlots >= slots) return;
    const binsBuffer = new SharedArrayBuffer(request.bins.length);
    new Uint8Array(binsBuffer).set(request.bins);
    const gh = new Float32Array(new SharedArrayBuffer(nRows * 8));
    const rows = new Uint32Array(new SharedArrayBuffer(nRows * 4));
    const outSlots = Math.max(slots, shared?.outSlots ?? 0);
    const out = new Float64Array(new SharedArrayBuffer(outSlots * F * HIST_STRIDE * 8));
    for (const h of helpers) h.port.postMessage({ type: 'data', bins: binsBuffer, nFeatures: F, nRows, gh: gh.buffer, rows: rows.buffer, out: out.buffer });
    shared = { bins: request.bins, F, gh, rows, out, outSlots };
    rowsSeen = null;
  };

  /** Posts a message to a helper and resolves with its answer. */
  const ask = (helper: Helper, message: Record<string, unknown>): Promise<unknown> => {
    if (helper.failed) return Promise.reject(new EngineError('INTERNAL', `A helper thread failed: ${helper.failed}`));
    const id = ++seq;
    const answer = new Promise<unknown>((resolve, reject) => helper.pending.set(id, { resolve, reject }));
    helper.port.postMessage({ ...message, seq: id });
    return answer;
  };

  const rowParallel = (data: RowParallelData): RowParallel | null => {
    if (helpers.length === 0) return null;
    const nRows = data.labels.length;
    const F = data.columnBins.length;
    const threads = helpers.length + 1;
    const columnsBuffer = new SharedArrayBuffer(Math.max(1, nRows * F));
    const columns = data.columnBins.map((c, f) => {
      const view = new Uint8Array(columnsBuffer, f * nRows, nRows);
      view.set(c);
      return view;
    });
    const labels = new Float32Array(new SharedArrayBuffer(nRows * 4));
    labels.set(data.labels);
    const rows = [new Uint32Array(new SharedArrayBuffer(nRows * 4)), new Uint32Array(new SharedArrayBuffer(nRows * 4))] as const;
    const scratch = new Uint32Array(new SharedArrayBuffer(nRows * 4));
    const gh = new Float32Array(new SharedArrayBuffer(nRows * 8));
    const margins = new Float32Array(new SharedArrayBuffer(nRows * data.groups * 4));
    for (const h of helpers) {
      h.port.postMessage({ type: 'rows', columns: columnsBuffer, nRows, nFeatures: F, labels: labels.buffer, rows0: rows[0].buffer, rows1: rows[1].buffer, scratch: scratch.buffer, gh: gh.buffer, margins: margins.buffer, groups: data.groups });
    }
    const range = (i: number, n: number): [number, number] => [Math.floor((n * i) / threads), Math.floor((n * (i + 1)) / threads)];
    return {
      rows,
      scratch,
      gh,
      margins,
      async gradients(objective, group, scalePosWeight, n) {
        const waits = helpers.map((h, i) => {
          const [begin, end] = range(i + 1, n);
          return ask(h, { type: 'gradients', objective, group, scalePosWeight, begin, end });
        });
        const [begin, end] = range(0, n);
        computeGradientRange(objective, margins, labels, data.groups, group, scalePosWeight, gh, begin, end);
        await Promise.all(waits);
      },
      async partition(buffer, tasks) {
        const rowsOf = rows[buffer];
        const { parts, cut } = dealTasks(tasks, threads);
        const waits = helpers.map((h, i) => {
          const mine = parts[i + 1] as Array<{ part: PartitionTask }>;
          return mine.length === 0 ? Promise.resolve([]) : ask(h, { type: 'partition', buffer, tasks: mine.map((x) => x.part) });
        });
        const localMids = (parts[0] as Array<{ part: PartitionTask }>).map(({ part: t }) => partitionRange(columns[t.feature] as Uint8Array, rowsOf, t.begin, t.end, t.bin, t.defaultLeft, scratch));
        const answers = [localMids, ...((await Promise.all(waits)) as number[][])];
        // Each task's parts, in row order, with their split points.
        const pieces: Array<Array<{ begin: number; end: number; mid: number }>> = tasks.map(() => []);
        answers.forEach((mids, i) => {
          (parts[i] as Array<{ task: number; part: PartitionTask }>).forEach(({ task, part }, j) => {
            (pieces[task] as Array<{ begin: number; end: number; mid: number }>).push({ begin: part.begin, end: part.end, mid: mids[j] as number });
          });
        });
        return tasks.map((t, k) => {
          const ps = (pieces[k] as Array<{ begin: number; end: number; mid: number }>).sort((a, b) => a.begin - b.begin);
          if (!cut[k]) return (ps[0] as { mid: number }).mid;
          // Parts are each [left | right]: gather the rights in scratch, close up the lefts, put
          // the rights after them. The stable partition of the whole range, as one thread makes.
          let rights = t.begin;
          for (const q of ps) {
            scratch.set(rowsOf.subarray(q.mid, q.end), rights);
            rights += q.end - q.mid;
          }
          let at = t.begin;
          for (const q of ps) {
            rowsOf.copyWithin(at, q.begin, q.mid);
            at += q.mid - q.begin;
          }
          rowsOf.set(scratch.subarray(t.begin, rights), at);
          return at;
        });
      },
      async addLeaves(buffer, tasks, group) {
        const rowsOf = rows[buffer];
        const { parts } = dealTasks(tasks, threads);
        const waits = helpers.map((h, i) => {
          const mine = parts[i + 1] as Array<{ part: LeafTask }>;
          return mine.length === 0 ? Promise.resolve() : ask(h, { type: 'leaves', buffer, group, tasks: mine.map((x) => x.part) });
        });
        for (const { part: t } of parts[0] as Array<{ part: LeafTask }>) {
          addLeavesRange(columns[t.feature] as Uint8Array, rowsOf, t.begin, t.end, t.bin, t.defaultLeft, t.leftValue, t.rightValue, margins, data.groups, group);
        }
        await Promise.all(waits);
      },
    };
  };

  return {
    backend: 'cpu',
    rowParallel,
    build: (request, out) => local.build(request, out),
    async buildBlocks(request, blocks, outs) {
      // Feature subsets (colsample_bytree) stay on this thread.
      const full = request.features.length === request.nFeatures;
      if (helpers.length === 0 || !full || blocks.length < 2) {
        for (let i = 0; i < blocks.length; i++) {
          const [begin, end] = blocks[i] as readonly [number, number];
          await local.build({ ...request, begin, end }, outs[i] as Float64Array);
        }
        return;
      }
      ensureShared(request, blocks.length);
      const s = shared as NonNullable<typeof shared>;
      if (rowsSeen !== request.rows) {
        // A new rows array marks a new tree (see wasm-histogram.ts): new gradient pairs.
        s.gh.set(request.gh.subarray(0, s.gh.length));
        rowsSeen = request.rows;
        ghVersion++;
      }
      let first = Infinity;
      let last = 0;
      for (const [begin, end] of blocks) {
        first = Math.min(first, begin);
        last = Math.max(last, end);
      }
      s.rows.set(request.rows.subarray(first, last), first);
      const threads = helpers.length + 1;
      const waits: Promise<void>[] = [];
      helpers.forEach((helper, h) => {
        const mine: Array<[number, number, number]> = [];
        for (let i = h + 1; i < blocks.length; i += threads) {
          const [begin, end] = blocks[i] as readonly [number, number];
          mine.push([begin, end, i]);
        }
        if (mine.length === 0) return;
        if (helper.failed) throw new EngineError('INTERNAL', `A histogram thread failed: ${helper.failed}`);
        const id = ++seq;
        waits.push(new Promise<void>((resolve, reject) => helper.pending.set(id, { resolve: () => resolve(), reject })));
        helper.port.postMessage({ type: 'build', seq: id, ghVersion, blocks: mine });
      });
      for (let i = 0; i < blocks.length; i += threads) {
        const [begin, end] = blocks[i] as readonly [number, number];
        local.build({ ...request, begin, end }, outs[i] as Float64Array);
      }
      await Promise.all(waits);
      const size = request.nFeatures * HIST_STRIDE;
      for (let i = 0; i < blocks.length; i++) {
        if (i % threads !== 0) (outs[i] as Float64Array).set(s.out.subarray(i * size, (i + 1) * size));
      }
    },
    dispose() {
      for (const h of helpers) h.port.terminate();
      helpers.length = 0;
      local.dispose?.();
    },
  };
}
