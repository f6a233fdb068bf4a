import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { AllEngineJobs, EngineInfo } from '../api';
import { JobClient, type JobMap } from '../protocol/client';
import type { NodeDriverKind } from './driver-choice';
import type { NodeEngine } from './engine-node';
import { workerTransport } from './thread-transport';

// Kept apart from engine-node.ts so that the caller's thread never loads DuckDB itself.
const require = createRequire(import.meta.url);

/**
 * The thread's module: the TypeScript source, or beside this code when it runs from the CLI's
 * bundle (out/cli/main.mjs next to out/cli/engine-thread.mjs).
 */
function defaultEntry(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./engine-thread.ts', import.meta.url) : new URL('./engine-thread.mjs', import.meta.url);
}

/**
 * The engine in a worker_threads thread, so the caller's thread stays free (CLI, Ctrl-C).
 * `entry` is the thread's module (a test passes one that adds its own jobs, typed by `Jobs`);
 * `driver` the DuckDB it runs on (default duckdb-wasm, the app's; the CLI asks for native).
 */
export async function startEngineThread<Jobs extends AllEngineJobs & JobMap<Jobs> = AllEngineJobs>(
  entry: URL = defaultEntry(),
  options: { driver?: NodeDriverKind } = {},
): Promise<NodeEngine<Jobs>> {
  const workerData = { driver: options.driver ?? 'wasm' };
  let worker: Worker;
  if (entry.pathname.endsWith('.ts')) {
    // Worker threads do not inherit the TypeScript loader: register tsx inside the thread first.
    const tsxApi = require.resolve('tsx/esm/api');
    const bootstrap = `require(${JSON.stringify(tsxApi)}).register(); import(${JSON.stringify(entry.href)});`;
    worker = new Worker(bootstrap, { eval: true, workerData });
  } else {
    worker = new Worker(entry, { workerData });
  }
  const client = new JobClient<Jobs>(workerTransport(worker));
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
