import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HistogramKernel } from '../gbdt/histogram';
import { createParallelHistogramKernel, type HistogramWorkerPort } from '../gbdt/parallel-histogram';

/** One histogram helper as a worker_threads thread (the script needs no TypeScript loader). */
export function spawnNodeHistogramWorker(source: string): HistogramWorkerPort {
  const worker = new Worker(source, { eval: true });
  // An idle helper never keeps the process alive; one with work out does (its answer is awaited).
  worker.unref();
  let outstanding = 0;
  worker.on('message', (message: { type?: string }) => {
    if (message.type === 'done' && --outstanding === 0) worker.unref();
  });
  return {
    postMessage: (message) => {
      if ((message as { type?: string }).type === 'build' && outstanding++ === 0) worker.ref();
      worker.postMessage(message);
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
