import { EngineError, throwIfAborted } from '../protocol/errors';
import { outputGroups, type BoostedModel } from './model';
import { predictMargins } from './predict';
import { compileForest } from './predict-forest';
import { predictKernelModule } from './predict-wasm';

/**
 * Prediction on several threads: the rows are cut into contiguous ranges, the calling thread
 * scores the first and each helper one other with its own instance of the same compiled forest.
 * Every row is independent and the kernel is the same, so the margins are bit-identical to the
 * single-thread ones whatever the thread count.
 *
 * The host spawns helpers (worker_threads in Node, Web Workers in a browser) from
 * PREDICT_WORKER_SOURCE, a self-contained script, so no module needs resolving in the thread.
 */

/** What prediction needs of a helper thread (the histogram helpers' port has the same shape). */
export interface PredictWorkerPort {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
  onFailure(listener: (reason: string) => void): void;
  terminate(): void;
}

/** Plain JavaScript run by each helper (a classic Web Worker or a worker_threads eval worker). */
export const PREDICT_WORKER_SOURCE = `
'use strict';
const isWeb = typeof self !== 'undefined' && typeof self.postMessage === 'function';
const port = isWeb ? self : require('node:worker_threads').parentPort;
const listen = (fn) => (isWeb ? self.addEventListener('message', (e) => fn(e.data)) : port.on('message', fn));
listen((m) => {
  try {
    const L = m.layout;
    const instance = new WebAssembly.Instance(m.module, {});
    const memory = instance.exports.memory;
    const pages = Math.ceil(L.end / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    new Uint8Array(memory.buffer, 0, m.image.byteLength).set(new Uint8Array(m.image));
    const staging = new Float32Array(memory.buffer, L.stagingAt, L.width * L.blockRows);
    const sums = new Float32Array(memory.buffer, L.sumsAt, L.blockRows * L.groups);
    staging.fill(NaN);
    const columns = m.columns.map((b) => (b ? new Float32Array(b) : null));
    const n = m.rows;
    const out = new Float64Array(n * L.groups);
    for (let start = 0; start < n; start += L.blockRows) {
      const count = Math.min(L.blockRows, n - start);
      for (const f of L.features) if (columns[f]) staging.set(columns[f].subarray(start, start + count), f * L.blockRows);
      instance.exports.split(L.stagingAt, L.dualAt, L.width * L.blockRows * 4);
      sums.fill(L.base);
      const padded = Math.ceil(count / L.lanes) * L.lanes;
      instance.exports.run(L.dualAt, L.dualAt + padded * 4, L.treesAt, L.nTrees, L.sumsAt, L.groups * 4);
      out.set(sums.subarray(0, count * L.groups), start * L.groups);
    }
    port.postMessage({ type: 'done', out: out.buffer }, [out.buffer]);
  } catch (error) {
    port.postMessage({ type: 'error', message: String((error && error.message) || error) });
  }
});
`;

/** Below this many rows per thread a helper costs more (start-up, copies) than it saves. */
const MIN_ROWS_PER_THREAD = 100_000;

/**
 * Margins as predictMargins gives them, with up to `threads` threads (the caller's included).
 * Falls back to one thread for small inputs and for models the compiled forest refuses.
 */
export async function predictMarginsParallel(
  model: BoostedModel,
  columns: Float32Array[],
  nRows: number,
  options: { threads: number; spawn: (source: string) => PredictWorkerPort; signal?: AbortSignal; treeLimit?: number },
): Promise<Float64Array> {
  const limit = Math.min(options.treeLimit ?? model.trees.length, model.trees.length);
  const threads = Math.max(1, Math.min(Math.floor(options.threads), Math.floor(nRows / MIN_ROWS_PER_THREAD)));
  const forest = threads > 1 ? compileForest(model, limit) : null;
  if (!forest) return predictMargins(model, columns, nRows, limit, options.signal);
  const groups = outputGroups(model);
  const { bytes, layout } = forest.image();
  const cuts = Array.from({ length: threads + 1 }, (_, k) => Math.round((nRows * k) / threads));
  const margins = new Float64Array(nRows * groups);
  const ports: PredictWorkerPort[] = [];
  try {
    const helpers = cuts.slice(1, -1).map((begin, k) => {
      const end = cuts[k + 2] as number;
      const port = options.spawn(PREDICT_WORKER_SOURCE);
      ports.push(port);
      const done = new Promise<void>((resolve, reject) => {
        port.onMessage((message) => {
          const m = message as { type?: string; out?: ArrayBuffer; message?: string };
          if (m.type === 'done' && m.out) {
            margins.set(new Float64Array(m.out), begin * groups);
            resolve();
          } else if (m.type === 'error') reject(new EngineError('INTERNAL', `A prediction thread failed: ${m.message ?? 'unknown error'}`));
        });
        port.onFailure((reason) => reject(new EngineError('INTERNAL', `A prediction thread stopped: ${reason}`)));
      });
      // Each helper gets copies of its rows of the columns the trees use.
      const slices = columns.map((c, f) => (layout.features.includes(f) ? c.slice(begin, end).buffer : null));
      port.postMessage(
        { type: 'predict', module: predictKernelModule(), image: bytes.slice(0), layout, columns: slices, rows: end - begin },
        slices.filter((b): b is ArrayBuffer => b !== null),
      );
      return done;
    });
    forest.predict(columns, 0, cuts[1] as number, margins, options.signal);
    await Promise.all(helpers);
    throwIfAborted(options.signal);
    return margins;
  } finally {
    for (const port of ports) port.terminate();
  }
}
