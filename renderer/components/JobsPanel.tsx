import { useEffect, useState } from 'react';
import type { EngineClient, EngineJobKind } from '../../workers/api';
import { PROGRESS_INTERVAL_MS } from '../use-engine-job';

/** A plain label for every job kind; a Record over EngineJobKind so a new kind without one fails typecheck. */
const JOB_LABELS: Record<EngineJobKind, string> = {
  'engine.info': 'Engine info',
  'data.open': 'Open file',
  'data.catalog': 'Read catalog',
  'data.rename': 'Rename table',
  'data.drop': 'Drop table',
  'data.alterType': 'Change column type',
  'data.profile': 'Profile table',
  'data.export': 'Export',
  'sql.run': 'Run SQL',
  'sql.fetch': 'Fetch rows',
  'sql.release': 'Release result',
  'model.train': 'Train model',
  'model.evaluate': 'Evaluate model',
  'model.shap': 'Explain model (SHAP)',
  'model.predict': 'Score table',
  'model.export': 'Export model',
  'model.exportCtr': 'Export model as SQL/ONNX',
  'model.import': 'Import model',
  'model.list': 'List models',
  'features.generate': 'Generate feature SQL',
  'features.build': 'Build features',
  'segments.portrait': 'Segment portrait',
  'cluster.run': 'Cluster',
  'cluster.sweep': 'Cluster sweep',
  'cluster.assign': 'Assign clusters',
  'cluster.export': 'Export clustering',
  'cluster.list': 'List clusterings',
  'cluster.tags': 'Segment tags',
  'rules.check': 'Check rules',
  'rules.mine': 'Mine rules',
  'rules.mineKeywords': 'Mine keyword rules',
  'tags.evaluate': 'Evaluate tags',
  'tags.validate': 'Validate tags',
  'pack.build': 'Build pack',
  'pack.read': 'Read pack',
  'pack.validate': 'Validate pack',
  'pack.export': 'Export pack SQL',
  'pack.diff': 'Diff packs',
  'pack.review': 'Review pack',
  'pack.report': 'Pack report',
  'pack.apply': 'Apply pack',
  'pack.keys': 'Find key columns',
  'labels.train': 'Train labeler',
  'labels.export': 'Export labeler',
  'labels.load': 'Load labeler',
  'labels.apply': 'Label table',
  'labels.eval': 'Evaluate labeler',
  'labels.review': 'Review labels',
  'labels.release': 'Release labeler',
};

/** The label for a running job; a job's kind may be any string on the wire, so fall back to it. */
function jobLabel(kind: string): string {
  return (JOB_LABELS as Record<string, string | undefined>)[kind] ?? kind;
}

type RunningJob = ReturnType<EngineClient['running']>[number];

/** Jobs that are queued or running, with progress and a Cancel button each. */
export function JobsPanel({ engine }: { engine: EngineClient }) {
  const [jobs, setJobs] = useState<RunningJob[]>(() => engine.running());

  useEffect(() => {
    setJobs(engine.running());
    // Jobs that start or end show at once; progress alone redraws the panel at most every
    // PROGRESS_INTERVAL_MS (a training job reports hundreds of rounds a second).
    let shownIds = '';
    let timer: ReturnType<typeof setTimeout> | null = null;
    let lastShown = -Infinity;
    const show = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      lastShown = performance.now();
      const running = engine.running();
      shownIds = running.map((job) => job.id).join(',');
      setJobs(running);
    };
    const unsubscribe = engine.onChange(() => {
      const ids = engine.running().map((job) => job.id).join(',');
      if (ids !== shownIds) show();
      else if (timer === null) timer = setTimeout(show, Math.max(0, lastShown + PROGRESS_INTERVAL_MS - performance.now()));
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
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
                <span className="job-kind">{jobLabel(job.kind)}</span>
                <button
                  type="button"
                  className="btn btn-small"
                  data-testid="job-cancel"
                  aria-label={`Cancel ${jobLabel(job.kind)}`}
                  onClick={() => engine.cancel(job.id)}
                >
                  Cancel
                </button>
              </div>
              <div className="progress" role="progressbar" aria-label={`${jobLabel(job.kind)} progress`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.fraction * 100)}>
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
