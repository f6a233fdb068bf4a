import type { DataEngine } from '../data/engine';
import type { JobRegistrar } from '../data/serve';

/** Registers this area's jobs on the engine host. */
export function registerPackJobs(_on: JobRegistrar, _engine: DataEngine): void {
  // No jobs yet.
}
