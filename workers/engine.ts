/**
 * The composition root: the one place where every engine area meets the host. Each area
 * registers its own job table (`<area>/jobs.ts`); the hosts (`browser/engine.worker.ts`,
 * `node/engine-thread.ts`, `node/engine-node.ts`) start the engine through `serveEngine`.
 * No area imports this module.
 */
import { registerClusterJobs } from './cluster/jobs';
import type { EngineHostOptions } from './compute/host-options';
import type { DuckDriver } from './data/driver';
import { DataEngine, type ParquetLoader } from './data/engine';
import { registerDataJobs } from './data/jobs';
import { registerModelJobs } from './gbdt/jobs';
import { registerLabelJobs } from './labels/jobs';
import { registerPackJobs } from './packs/jobs';
import { JobHost } from './protocol/host';
import type { FromEngine, ToEngine, Transport } from './protocol/messages';
import { registerSegmentJobs } from './segments/jobs';
import { registerTagJobs } from './tags/jobs';

export type { EngineHostOptions, HelperThreads } from './compute/host-options';

/** Registers every production job on a host (tests register their own test-only jobs beside these). */
export function registerEngineJobs(host: JobHost, engine: DataEngine, options: EngineHostOptions = {}): void {
  registerDataJobs(host, engine);
  registerModelJobs(host, engine, options);
  registerSegmentJobs(host, engine);
  registerClusterJobs(host, engine, options);
  registerTagJobs(host, engine);
  registerPackJobs(host, engine);
  registerLabelJobs(host, engine);
}

/** Starts the engine on a transport: the entry point of every host (Web Worker, worker_threads, in-process). */
export function serveEngine(transport: Transport<ToEngine, FromEngine>, driver: DuckDriver, loadParquet: ParquetLoader, options: EngineHostOptions = {}): JobHost {
  const host = new JobHost(transport);
  const engine = new DataEngine(driver, loadParquet);
  registerEngineJobs(host, engine, options);
  void engine.info().then((info) => host.announceReady(info));
  return host;
}
