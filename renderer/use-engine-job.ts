import { useCallback, useState } from 'react';
import type { JobHandle, JobProgress, RunOptions } from '../workers/api';

/** A job a view started and shows with a progress bar and a Cancel button. */
export interface TrackedJob<Label> {
  /** What the view calls the job (a verb for the progress line, or which part of the view runs it). */
  label: Label;
  id: number;
  fraction: number;
  phase: string;
  cancel(): void;
}

/** Progress reaches the view at most this often: each delivery re-renders it (and redraws live charts). */
export const PROGRESS_INTERVAL_MS = 100;

export interface ProgressBatcher {
  /** Queues a report; the first one after a quiet spell goes out at once, later ones with the next batch. */
  push(progress: JobProgress): void;
  /** Delivers what is queued now (the job ended: its last reports must not come after its result). */
  flush(): void;
  /** Drops what is queued and stops the timer. */
  dispose(): void;
}

/**
 * Batches progress reports: `deliver` gets every report, in order, but in batches at most one per
 * `intervalMs`. A training job reports every round (hundreds a second); one render per report kept
 * the UI thread busy for most of the training. React renders a batch delivered in one task once.
 */
export function batchProgress(deliver: (batch: JobProgress[]) => void, intervalMs = PROGRESS_INTERVAL_MS): ProgressBatcher {
  let queued: JobProgress[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastDelivery = -Infinity;
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (queued.length === 0) return;
    const batch = queued;
    queued = [];
    lastDelivery = performance.now();
    deliver(batch);
  };
  return {
    push(progress) {
      queued.push(progress);
      if (timer !== null) return;
      const wait = lastDelivery + intervalMs - performance.now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    flush,
    dispose() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      queued = [];
    },
  };
}

/**
 * The state of one long engine job in a view: progress and cancel while it runs, cleared when it
 * ends (done, failed or cancelled). The job also shows in the Jobs panel, through the engine.
 */
export interface EngineJobState<Label = string> {
  job: TrackedJob<Label> | null;
  /**
   * Starts a job with `start(options)` and resolves (or rejects) with its result; `onProgress` sees
   * every report, in batches (see `batchProgress`), all before the job's result.
   */
  track<R>(label: Label, start: (options: RunOptions) => JobHandle<R>, onProgress?: (progress: JobProgress) => void): Promise<R>;
}

export function useEngineJob<Label = string>(): EngineJobState<Label> {
  const [job, setJob] = useState<TrackedJob<Label> | null>(null);

  const track = useCallback(async <R,>(label: Label, start: (options: RunOptions) => JobHandle<R>, onProgress?: (progress: JobProgress) => void): Promise<R> => {
    let handleId = -1;
    const progress = batchProgress((batch) => {
      const last = batch[batch.length - 1];
      // A report from an earlier job (finished or replaced) must not touch the current one.
      if (last) setJob((j) => (j && j.id === handleId ? { ...j, fraction: last.fraction, phase: last.phase } : j));
      if (onProgress) for (const report of batch) onProgress(report);
    });
    const handle: JobHandle<R> = start({ onProgress: (report) => progress.push(report) });
    handleId = handle.id;
    setJob({ label, id: handle.id, fraction: 0, phase: 'starting', cancel: () => handle.cancel() });
    try {
      return await handle.result;
    } finally {
      progress.flush();
      progress.dispose();
      setJob((j) => (j && j.id === handle.id ? null : j));
    }
  }, []);

  return { job, track };
}
