import type { DataEngine } from '../data/engine';
import type { EngineHostOptions, JobRegistrar } from '../data/serve';

/** Registers this area's jobs on the engine host. */
export function registerClusterJobs(_on: JobRegistrar, _engine: DataEngine, _options: EngineHostOptions): void {
  // No jobs yet.
}
