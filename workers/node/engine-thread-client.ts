import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { AllEngineJobs, EngineInfo } from '../api';
import { JobClient } from '../protocol/client';
import type { FromEngine, ToEngine, Transport } from '../protocol/messages';
import type { NodeEngine } from './engine-node';

// Kept apart from engine-node.ts so that the caller's thread never loads DuckDB itself.
const require = createRequire(import.meta.url);

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
  const client = new JobClient<AllEngineJobs>(workerTransport(worker));
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
