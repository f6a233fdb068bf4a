import type { JSX, ReactNode } from 'react';

/** A one-line outcome a view shows above its content, dismissable. */
export type StatusMessage = { tone: 'ok' | 'error'; text: string };

/** The outcome line: an error is announced as an alert, anything else as a status. */
export function StatusLine({ status, onDismiss, testId }: { status: StatusMessage; onDismiss(): void; testId?: string }): JSX.Element {
  return (
    <div className={`sql-status-line ${status.tone}`} role={status.tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {status.text}
      <button type="button" className="btn-icon" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}

/** An error in a red panel, with an optional bold title above the message. */
export function ErrorPanel({ message, title, className, testId }: { message: ReactNode; title?: ReactNode; className?: string; testId?: string }): JSX.Element {
  return (
    <div className={className ? `sql-error ${className}` : 'sql-error'} role="alert" data-testid={testId}>
      {title !== undefined && <strong>{title}</strong>}
      <div className="sql-error-message">{message}</div>
    </div>
  );
}

interface ProgressLineProps {
  fraction: number;
  phase: ReactNode;
  testId?: string;
  /** The line's layout class; views with their own layout pass theirs. */
  className?: string;
  /** Shown before the bar, e.g. what is running. */
  label?: ReactNode;
  /** Shown after the phase, e.g. a Cancel button. */
  children?: ReactNode;
}

/** A running job's progress bar and phase text. */
export function ProgressLine({ fraction, phase, testId, className = 'models-progress', label, children }: ProgressLineProps): JSX.Element {
  return (
    <div className={className} role="status" data-testid={testId}>
      {label !== undefined && <span>{label}</span>}
      <div className="progress wide">
        <div className="progress-bar" style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      <span className="muted small">{phase}</span>
      {children}
    </div>
  );
}

interface RunControlsProps {
  /** The running job, if any: then Cancel and its progress show instead of the run button. */
  job: { fraction: number; phase: string; cancel(): void } | null;
  onRun(): void;
  disabled?: boolean;
  /** Test ids `<prefix>-run`, `<prefix>-cancel` and `<prefix>-progress`. */
  testIdPrefix: string;
  /** The run button's test id, where it is not `<prefix>-run`. */
  runTestId?: string;
  /** The run button's text. */
  children: ReactNode;
}

/** A form's run button, which becomes Cancel with the job's progress line while the job runs. */
export function RunControls({ job, onRun, disabled, testIdPrefix, runTestId, children }: RunControlsProps): JSX.Element {
  return (
    <div className="models-train-row">
      {job ? (
        <button type="button" className="btn btn-danger" onClick={() => job.cancel()} data-testid={`${testIdPrefix}-cancel`}>
          Cancel
        </button>
      ) : (
        <button type="button" className="btn btn-primary" onClick={onRun} disabled={disabled} data-testid={runTestId ?? `${testIdPrefix}-run`}>
          {children}
        </button>
      )}
      {job && <ProgressLine fraction={job.fraction} phase={job.phase} testId={`${testIdPrefix}-progress`} />}
    </div>
  );
}
