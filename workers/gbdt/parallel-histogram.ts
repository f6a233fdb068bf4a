import { EngineError } from '../protocol/errors';
import { HIST_STRIDE, type HistogramKernel, type HistogramRequest } from './histogram';
import { WASM_STRIDE, createWasmHistogramKernel, histogramWasmModule } from './wasm-histogram';

/**
 * The CPU histogram kernel on several threads: the calling thread and `threads - 1` helpers, each
 * with its own instance of the WASM kernel, sharing the bin matrix, the gradient pairs and the
 * node's rows through SharedArrayBuffers. A node's row blocks are dealt out round-robin; every
 * block's histogram is exactly the single-thread WASM kernel's for that range (the trainer adds
 * blocks in a fixed order), so the trees do not depend on the thread count.
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
listen((m) => {
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
  pending: Map<number, { resolve: () => void; reject: (error: Error) => void }>;
  failed: string | null;
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
      const m = message as { type?: string; seq?: number };
      if (m.type !== 'done' || m.seq === undefined) return;
      helper.pending.get(m.seq)?.resolve();
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

  return {
    backend: 'cpu',
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
      const first = (blocks[0] as readonly [number, number])[0];
      const last = (blocks[blocks.length - 1] as readonly [number, number])[1];
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
        waits.push(new Promise<void>((resolve, reject) => helper.pending.set(id, { resolve, reject })));
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
