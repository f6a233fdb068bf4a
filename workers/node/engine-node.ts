import fs from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { EngineClient, EngineInfo, EngineJobs } from '../api';
import { JobClient } from '../protocol/client';
import type { FromEngine, ToEngine, Transport } from '../protocol/messages';
import { inProcessPair } from '../protocol/transports';
import type { ParquetWasmModule } from '../data/parquet-types';
import { serveEngine } from '../data/serve';
import { NodeDuckDriver } from './driver-node';

const require = createRequire(import.meta.url);

let parquetModule: Promise<ParquetWasmModule> | null = null;

/** parquet-wasm's ESM build, initialised from its .wasm file on disk (no network, no fetch). */
export function loadParquetNode(): Promise<ParquetWasmModule> {
  parquetModule ??= (async () => {
    const mod = (await import('parquet-wasm/esm')) as ParquetWasmModule;
    const wasmPath = require.resolve('parquet-wasm/esm/parquet_wasm_bg.wasm');
    mod.initSync({ module: fs.readFileSync(wasmPath) });
    return mod;
  })();
  return parquetModule;
}

export interface NodeEngine {
  client: EngineClient;
  info: EngineInfo;
  close(): Promise<void>;
}

/** The engine in this thread, behind the same job protocol (structured-cloned messages). */
export async function createInProcessEngine(): Promise<NodeEngine> {
  const driver = await NodeDuckDriver.create();
  const [engineSide, clientSide] = inProcessPair<ToEngine, FromEngine>();
  const host = serveEngine(engineSide, driver, loadParquetNode);
  const client = new JobClient<EngineJobs>(clientSide);
  const info = (await client.ready()) as EngineInfo;
  return {
    client,
    info,
    async close() {
      client.dispose();
      host.dispose();
      await driver.close();
    },
  };
}

function workerTransport(worker: Worker): Transport<FromEngine, ToEngine> {
  return {
    send(message, transfer = []) {
      worker.postMessage(message, transfer as ArrayBuffer[]);
    },
    onMessage(listener) {
      const handler = (message: FromEngine): void => listener(message);
      worker.on('message', handler);
      return () => worker.off('message', handler);
    },
  };
}

/** The engine in a worker_threads thread, so the caller's thread stays free (CLI, Ctrl-C). */
export async function startEngineThread(): Promise<NodeEngine> {
  const entry = new URL('./engine-thread.ts', import.meta.url).href;
  // Worker threads do not inherit the TypeScript loader: register tsx inside the thread first.
  const tsxApi = require.resolve('tsx/esm/api');
  const bootstrap = `require(${JSON.stringify(tsxApi)}).register(); import(${JSON.stringify(entry)});`;
  const worker = new Worker(bootstrap, { eval: true });
  const client = new JobClient<EngineJobs>(workerTransport(worker));
  worker.on('error', (err) => client.failAll({ code: 'INTERNAL', message: `The engine thread crashed: ${err.message}` }));
  worker.on('exit', (code) => {
    if (code !== 0) client.failAll({ code: 'INTERNAL', message: `The engine thread exited with code ${code}.` });
  });
  const info = (await client.ready()) as EngineInfo;
  return {
    client,
    info,
    async close() {
      client.dispose();
      await worker.terminate();
    },
  };
}
