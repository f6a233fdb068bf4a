import type { JSX } from 'react';
import { ProgressLine } from '../../components/Feedback';
import type { TrackedJob } from '../../use-engine-job';

/** The Segments view's long jobs: each shows its progress next to the part of the view that ran it. */
export type SegmentsJob = 'generate' | 'build' | 'sweep' | 'run' | 'portrait';

export const SEGMENTS_JOB_VERBS: Record<SegmentsJob, string> = {
  generate: 'Generating the SQL',
  build: 'Building the feature table',
  sweep: 'Sweeping k',
  run: 'Clustering',
  portrait: 'Drawing the portraits',
};

/** Progress and Cancel for the running job, shown only where one of `which` runs. */
export function SegmentsJobLine({ job, which }: { job: TrackedJob<SegmentsJob> | null; which: readonly SegmentsJob[] }): JSX.Element | null {
  return job && which.includes(job.label) ? (
    <div className="models-train-row">
      <button type="button" className="btn btn-danger" onClick={() => job.cancel()} data-testid="segments-cancel">
        Cancel
      </button>
      <ProgressLine fraction={job.fraction} phase={`${SEGMENTS_JOB_VERBS[job.label]}: ${job.phase}`} testId="segments-progress" />
    </div>
  ) : null;
}
