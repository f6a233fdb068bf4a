import type { PredictWorkerPort } from '../gbdt/predict-parallel';

/** Helper threads a host can start (worker_threads in Node): histogram building and scoring use them. */
export interface HelperThreads {
  /** How many threads a job may use in all, the caller's included. */
  count: number;
  /** Starts one helper running the given plain-JavaScript source. */
  spawn: (source: string) => PredictWorkerPort;
}

/** What a host offers the engine's compute jobs besides DuckDB. */
export interface EngineHostOptions {
  /** The host's navigator.gpu (browser workers), for the WebGPU backends. */
  gpu?: unknown;
  /** Helper threads for training and scoring (Node hosts); one thread when absent. */
  helperThreads?: HelperThreads;
}
