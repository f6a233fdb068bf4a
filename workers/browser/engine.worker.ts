/// <reference lib="webworker" />
/**
 * The engine's Web Worker entry: DuckDB-WASM (in its own nested worker) plus parquet-wasm,
 * served over the job protocol. Jobs that arrive while DuckDB is still starting are buffered.
 */
import initParquet, * as parquet from 'parquet-wasm/esm';
import parquetWasmUrl from 'parquet-wasm/esm/parquet_wasm_bg.wasm?url';
import type { ParquetWasmModule } from '../data/parquet-types';
import { serveEngine } from '../engine';
import { EngineError } from '../protocol/errors';
import type { FromEngine, ToEngine, Transport } from '../protocol/messages';
import { BrowserDuckDriver } from './driver-browser';
import { serveTfWasmAssets } from './tf-wasm';

declare const self: DedicatedWorkerGlobalScope;

let parquetReady: Promise<ParquetWasmModule> | null = null;

/** Compiles parquet-wasm once, on the first Parquet file. */
function loadParquet(): Promise<ParquetWasmModule> {
  parquetReady ??= initParquet({ module_or_path: parquetWasmUrl }).then(() => parquet);
  return parquetReady;
}

/**
 * Holds messages that arrive before the engine subscribes, then replays them in order on the
 * next task: the engine registers its job handlers right after subscribing.
 */
function bufferedWorkerTransport(): Transport<ToEngine, FromEngine> {
  const early: ToEngine[] = [];
  let listener: ((message: ToEngine) => void) | null = null;
  let flushed = false;
  self.addEventListener('message', (event: MessageEvent<ToEngine>) => {
    if (listener && flushed) listener(event.data);
    else early.push(event.data);
  });
  return {
    send(message, transfer = []) {
      self.postMessage(message, transfer);
    },
    onMessage(next) {
      listener = next;
      setTimeout(() => {
        for (const message of early.splice(0)) next(message);
        flushed = true;
      }, 0);
      return () => {
        if (listener === next) listener = null;
      };
    },
  };
}

serveTfWasmAssets();
const transport = bufferedWorkerTransport();

BrowserDuckDriver.create().then(
  (driver) => {
    // WorkerNavigator.gpu, read through globalThis: the engine itself never touches navigator.
    serveEngine(transport, driver, loadParquet, { gpu: (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu });
  },
  (err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    // `engineDown` tells the UI this is the one start-up failure, not a problem with each job.
    const failure = new EngineError('INTERNAL', `DuckDB could not start in this browser: ${reason}`, { engineDown: true });
    // Answer every job (queued and future) with the failure, then surface it as a worker error.
    transport.onMessage((message) => {
      if (message.type === 'run') transport.send({ type: 'error', id: message.id, error: failure.toData() });
    });
    setTimeout(() => {
      throw failure;
    }, 0);
  },
);
