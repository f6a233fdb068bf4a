import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { HistogramKernel } from '../gbdt/histogram';
import { createParallelHistogramKernel, type ParallelKernelOptions } from '../gbdt/parallel-histogram';
import type { HelperThreads } from '../compute/host-options';
import type { PredictWorkerPort } from '../gbdt/predict-parallel';

/** Messages that hand a helper work (it answers each with 'done' or 'error'). */
function isWork(message: unknown): boolean {
  const type = (message as { type?: string }).type;
  return type === 'build' || type === 'predict' || type === 'gradients' || type === 'partition' || type === 'leaves';
}

/**
 * Idle helper threads by script, kept for the next kernel in this process: a kernel that is done
 * hands its helpers back (release) instead of stopping them, so the next training skips starting
 * threads (tens of milliseconds each on the calling thread). Idle helpers are unref'd: they never
 * keep the process alive.
 */
const idleHelpers = new Map<string, Worker[]>();
/** Helpers that failed or exited: never handed out again. */
const deadHelpers = new WeakSet<Worker>();

/** How many idle helper threads this process keeps (for tests). */
export function idleHelperThreadCount(): number {
  let count = 0;
  for (const list of idleHelpers.values()) count += list.length;
  return count;
}

function startHelper(source: string): Worker {
  const worker = new Worker(source, { eval: true });
  // An idle helper never keeps the process alive; one with work out does (its answer is awaited).
  worker.unref();
  const forget = (): void => {
    deadHelpers.add(worker);
    const list = idleHelpers.get(source);
    const at = list?.indexOf(worker) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  };
  worker.once('error', forget);
  worker.once('exit', forget);
  return worker;
}

/**
 * One helper (histograms or scoring) as a worker_threads thread (the script needs no TypeScript
 * loader): an idle one of the same script when there is one, else a new one.
 */
export function spawnNodeHistogramWorker(source: string): PredictWorkerPort & { release(): void } {
  const worker = idleHelpers.get(source)?.pop() ?? startHelper(source);
  let outstanding = 0;
  // This port's listeners, taken off again when the helper goes back to the idle list.
  const added: Array<[string, (...args: never[]) => void]> = [];
  const on = (event: string, listener: (...args: never[]) => void): void => {
    worker.on(event, listener as (...args: unknown[]) => void);
    added.push([event, listener]);
  };
  on('message', (message: { type?: string }) => {
    if ((message.type === 'done' || message.type === 'error') && outstanding > 0 && --outstanding === 0) worker.unref();
  });
  return {
    postMessage: (message, transfer) => {
      if (isWork(message) && outstanding++ === 0) worker.ref();
      worker.postMessage(message, transfer as Parameters<Worker['postMessage']>[1]);
    },
    onMessage: (listener) => on('message', listener),
    onFailure: (listener) => {
      on('error', (error: Error) => listener(error.message));
      on('exit', (code: number) => listener(`exited with code ${code}`));
    },
    terminate: () => void worker.terminate(),
    release: () => {
      for (const [event, listener] of added.splice(0)) worker.off(event, listener as (...args: unknown[]) => void);
      if (deadHelpers.has(worker) || outstanding > 0) {
        void worker.terminate();
        return;
      }
      worker.unref();
      const list = idleHelpers.get(source) ?? [];
      list.push(worker);
      idleHelpers.set(source, list);
    },
  };
}

/**
 * The CPU histogram kernel on `threads` threads (default: the machine's available parallelism).
 * Dispose it after training to stop the helpers.
 */
export function createNodeHistogramKernel(threads = os.availableParallelism(), options?: ParallelKernelOptions): HistogramKernel {
  return createParallelHistogramKernel(Math.max(1, Math.floor(threads)), spawnNodeHistogramWorker, options);
}

/** Helper threads for a Node engine host: one per core the machine offers. */
export function nodeHelperThreads(count = os.availableParallelism()): HelperThreads {
  return { count: Math.max(1, Math.floor(count)), spawn: spawnNodeHistogramWorker };
}
