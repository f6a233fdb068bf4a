import type { AllEngineJobs, EngineInfo } from '../api';
import { JobClient, type JobMap } from '../protocol/client';
import type { FromEngine, ToEngine } from '../protocol/messages';
import { inProcessPair } from '../protocol/transports';
import { serveEngine } from '../engine';
import { nodeHelperThreads } from './histogram-threads';
import { loadParquetNode } from './parquet-node';
import { NodeDuckDriver } from './driver-node';
import { openNodeDriver, type NodeDriverKind } from './driver-choice';
import { nodeWebGpu } from './webgpu-node';

export { loadParquetNode };

/** An engine started by a Node host: its client (typed by the job table it serves), its info, and how to stop it. */
export interface NodeEngine<Jobs extends AllEngineJobs & JobMap<Jobs> = AllEngineJobs> {
  client: JobClient<Jobs>;
  info: EngineInfo;
  close(): Promise<void>;
}

/**
 * The engine in this thread, behind the same job protocol (structured-cloned messages); on
 * duckdb-wasm (the app's DuckDB) unless `driver` asks for native DuckDB.
 */
export async function createInProcessEngine(driverKind: NodeDriverKind = 'wasm'): Promise<NodeEngine> {
  const driver = driverKind === 'wasm' ? await NodeDuckDriver.create() : await openNodeDriver(driverKind);
  const [engineSide, clientSide] = inProcessPair<ToEngine, FromEngine>();
  const host = serveEngine(engineSide, driver, loadParquetNode, { helperThreads: nodeHelperThreads(), gpu: nodeWebGpu() });
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
