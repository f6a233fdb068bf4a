import { useEffect, useState } from 'react';
import type { EngineClient } from '../../workers/api';

const JOB_LABELS: Record<string, string> = {
  'engine.info': 'Engine info',
  'data.open': 'Open file',
  'data.catalog': 'Read catalog',
  'data.rename': 'Rename table',
  'data.drop': 'Drop table',
  'data.alterType': 'Change column type',
  'data.profile': 'Profile table',
  'sql.run': 'Run SQL',
  'sql.fetch': 'Fetch rows',
  'sql.release': 'Release result',
  'data.export': 'Export',
  'engine.sleep': 'Sleep',
};

type RunningJob = ReturnType<EngineClient['running']>[number];

/** Jobs that are queued or running, with progress and a Cancel button each. */
export function JobsPanel({ engine }: { engine: EngineClient }) {
  const [jobs, setJobs] = useState<RunningJob[]>(() => engine.running());

  useEffect(() => {
    setJobs(engine.running());
    return engine.onChange(() => setJobs(engine.running()));
  }, [engine]);

  return (
    <section className="jobs-panel" aria-label="Jobs" data-testid="jobs-panel">
      <header className="panel-title">
        <span>Jobs</span>
        <span className="badge" aria-label={`${jobs.length} running`}>{jobs.length}</span>
      </header>
      {jobs.length === 0 ? (
        <p className="muted small">No jobs running.</p>
      ) : (
        <ul className="job-list">
          {jobs.map((job) => (
            <li key={job.id} className="job-row" data-testid="job-row" data-kind={job.kind}>
              <div className="job-head">
                <span className="job-kind">{JOB_LABELS[job.kind] ?? job.kind}</span>
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid="job-cancel"
                  aria-label={`Cancel ${JOB_LABELS[job.kind] ?? job.kind}`}
                  onClick={() => engine.cancel(job.id)}
                >
                  Cancel
                </button>
              </div>
              <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.fraction * 100)}>
                <div className="progress-bar" style={{ width: `${Math.max(2, job.fraction * 100)}%` }} />
              </div>
              <div className="job-phase small muted">{job.phase}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
