import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { AllEngineJobs, EngineInfo } from '../api';
import { JobClient, type JobMap } from '../protocol/client';
import type { FromEngine, ToEngine } from '../protocol/messages';
import { inProcessPair } from '../protocol/transports';
import type { ParquetWasmModule } from '../data/parquet-types';
import { serveEngine } from '../engine';
import { nodeHelperThreads } from './histogram-threads';
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

/** An engine started by a Node host: its client (typed by the job table it serves), its info, and how to stop it. */
export interface NodeEngine<Jobs extends AllEngineJobs & JobMap<Jobs> = AllEngineJobs> {
  client: JobClient<Jobs>;
  info: EngineInfo;
  close(): Promise<void>;
}

/** The engine in this thread, behind the same job protocol (structured-cloned messages). */
export async function createInProcessEngine(): Promise<NodeEngine> {
  const driver = await NodeDuckDriver.create();
  const [engineSide, clientSide] = inProcessPair<ToEngine, FromEngine>();
  const host = serveEngine(engineSide, driver, loadParquetNode, { helperThreads: nodeHelperThreads() });
  const client = new JobClient<AllEngineJobs>(clientSide);
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
