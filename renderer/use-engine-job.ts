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

/**
 * The state of one long engine job in a view: progress and cancel while it runs, cleared when it
 * ends (done, failed or cancelled). The job also shows in the Jobs panel, through the engine.
 */
export function useEngineJob<Label = string>(): {
  job: TrackedJob<Label> | null;
  /** Starts a job with `start(options)` and resolves (or rejects) with its result; `onProgress` sees every report. */
  track<R>(label: Label, start: (options: RunOptions) => JobHandle<R>, onProgress?: (progress: JobProgress) => void): Promise<R>;
} {
  const [job, setJob] = useState<TrackedJob<Label> | null>(null);

  const track = useCallback(async <R,>(label: Label, start: (options: RunOptions) => JobHandle<R>, onProgress?: (progress: JobProgress) => void): Promise<R> => {
    const handle: JobHandle<R> = start({
      onProgress: (progress) => {
        // A report from an earlier job (finished or replaced) must not touch the current one.
        setJob((j) => (j && j.id === handle.id ? { ...j, fraction: progress.fraction, phase: progress.phase } : j));
        onProgress?.(progress);
      },
    });
    setJob({ label, id: handle.id, fraction: 0, phase: 'starting', cancel: () => handle.cancel() });
    try {
      return await handle.result;
    } finally {
      setJob((j) => (j && j.id === handle.id ? null : j));
    }
  }, []);

  return { job, track };
}
