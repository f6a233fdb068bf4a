import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HistogramKernel } from '../gbdt/histogram';
import { createParallelHistogramKernel } from '../gbdt/parallel-histogram';
import type { HelperThreads } from '../compute/host-options';
import type { PredictWorkerPort } from '../gbdt/predict-parallel';

/** Messages that hand a helper work (it answers each with 'done' or 'error'). */
function isWork(message: unknown): boolean {
  const type = (message as { type?: string }).type;
  return type === 'build' || type === 'predict' || type === 'gradients' || type === 'partition' || type === 'leaves';
}

/** One helper (histograms or scoring) as a worker_threads thread (the script needs no TypeScript loader). */
export function spawnNodeHistogramWorker(source: string): PredictWorkerPort {
  const worker = new Worker(source, { eval: true });
  // An idle helper never keeps the process alive; one with work out does (its answer is awaited).
  worker.unref();
  let outstanding = 0;
  worker.on('message', (message: { type?: string }) => {
    if ((message.type === 'done' || message.type === 'error') && outstanding > 0 && --outstanding === 0) worker.unref();
  });
  return {
    postMessage: (message, transfer) => {
      if (isWork(message) && outstanding++ === 0) worker.ref();
      worker.postMessage(message, transfer as Parameters<Worker['postMessage']>[1]);
    },
    onMessage: (listener) => worker.on('message', listener),
    onFailure: (listener) => {
      worker.on('error', (error) => listener(error.message));
      worker.on('exit', (code) => listener(`exited with code ${code}`));
    },
    terminate: () => void worker.terminate(),
  };
}

/**
 * The CPU histogram kernel on `threads` threads (default: the machine's available parallelism).
 * Dispose it after training to stop the helpers.
 */
export function createNodeHistogramKernel(threads = os.availableParallelism()): HistogramKernel {
  return createParallelHistogramKernel(Math.max(1, Math.floor(threads)), spawnNodeHistogramWorker);
}

/** Helper threads for a Node engine host: one per core the machine offers. */
export function nodeHelperThreads(count = os.availableParallelism()): HelperThreads {
  return { count: Math.max(1, Math.floor(count)), spawn: spawnNodeHistogramWorker };
}
