import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type JSX } from 'react';
import type { LabelerFile, LabelerSummary, LabelsApplyResult, LabelsReviewResult } from '../../../workers/api';
import { ErrorPanel, RunControls } from '../../components/Feedback';
import { describeError, describeJobFailure, isCancelled } from '../../errors';
import { useEngineJob } from '../../use-engine-job';
import { defaultTable, saveText, type SaveBytes, type WorkspaceViewProps } from '../view-props';
import { LabelReportCard } from './LabelReportCard';
import { LabelsApplyCard, type ApplyFormState } from './LabelsApplyCard';
import { LabelsTrainForm, type TrainFormState } from './LabelsTrainForm';
import { ReviewQueue } from './ReviewQueue';
import { defaultLabelColumn, defaultTextColumn, reviewIssue, withCorrection, type LabelsJob, type ReviewIssue } from './label-data';
import { formForOpenedLabeler, parseLabelerText } from './open-labeler';
import { labelerForWorkspace, type LabelsWorkspaceState } from './types';
import '../sql/sql-view.css';
import '../models/models-view.css';
import '../segments/segments-view.css';

export type { LabelsWorkspaceState } from './types';
export { emptyLabelsWorkspace, labelsWorkspaceStateSchema } from './types';

export interface LabelsViewProps extends WorkspaceViewProps<LabelsWorkspaceState> {
  onCatalogChanged(): void;
  saveBytes: SaveBytes;
}

function parseShare(text: string, what: string, low: number, high: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= low || v > high) throw new Error(`${what} must be a number above ${low} and at most ${high} (got "${text}").`);
  return v;
}

/**
 * Entity labels from product text: train a labeler (keyword rules + classifier) on a table, read
 * its held-out report and precision/coverage curve, review the rows it is unsure of (accept or
 * correct; corrections become training rows), and label a table. Every step is an engine job.
 * The forms, the labeler (as its file) and the review decisions live in the workspace: opening a
 * workspace loads its labeler into the engine again and brings back its report and review queue.
 */
export function LabelsView({ engine, tables, selectedTable, onCatalogChanged, saveBytes, visible = true, workspace, onWorkspaceChange }: LabelsViewProps): JSX.Element {
  const [summary, setSummary] = useState<LabelerSummary | null>(null);
  const [review, setReview] = useState<LabelsReviewResult | null>(null);
  const [applied, setApplied] = useState<LabelsApplyResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** Why the labeler on screen is not in the workspace (too large), in plain words. */
  const [notice, setNotice] = useState<string | null>(null);
  /** Why the review queue is missing: its job was cancelled or failed (a button builds it again). */
  const [reviewProblem, setReviewProblem] = useState<ReviewIssue | null>(null);
  const { job, track } = useEngineJob<LabelsJob>();
  /** A labeler file being read and loaded ("Open labeler…"). */
  const [opening, setOpening] = useState(false);
  const openInput = useRef<HTMLInputElement>(null);
  // The latest state, so quick successive changes build on each other rather than on a stale render.
  const workspaceRef = useRef(workspace);
  workspaceRef.current = workspace;
  const updateWorkspace = useCallback(
    (change: (state: LabelsWorkspaceState) => LabelsWorkspaceState) => {
      const next = change(workspaceRef.current);
      workspaceRef.current = next;
      onWorkspaceChange(next);
    },
    [onWorkspaceChange],
  );
  const form: TrainFormState = workspace.train;
  const applyForm: ApplyFormState = workspace.apply;
  const corrections = workspace.corrections;
  const setForm = useCallback((change: Partial<TrainFormState>) => updateWorkspace((s) => ({ ...s, train: { ...s.train, ...change } })), [updateWorkspace]);
  const setApplyForm = useCallback((change: Partial<ApplyFormState>) => updateWorkspace((s) => ({ ...s, apply: { ...s.apply, ...change } })), [updateWorkspace]);
  /** The labeler file the summary on screen came from (a workspace's file is loaded once). */
  const shownFile = useRef<LabelerFile | null>(null);
  /** The labeler whose review list was asked for. */
  const reviewedFor = useRef<string | null>(null);

  const table = form.table || defaultTable(tables, selectedTable);
  const columns = useMemo(() => tables.find((t) => t.name === table)?.columns ?? [], [tables, table]);
  const textColumn = form.textColumn || defaultTextColumn(columns);
  const labelColumn = form.labelColumn || defaultLabelColumn(columns, textColumn);
  const applyTable = applyForm.table || table;

  // The engine keeps only the labeler on screen: the one before it is released (its weights can be tens of MB).
  const engineLabeler = useRef<string | null>(null);
  useEffect(() => {
    const id = summary?.labelerId;
    if (!id) return;
    const previous = engineLabeler.current;
    engineLabeler.current = id;
    // Best effort: a labeler already gone needs no releasing.
    if (previous && previous !== id) engine.run('labels.release', { labelerId: previous }).catch(() => undefined);
  }, [summary, engine]);

  useEffect(() => {
    if (summary && !applyForm.table) setApplyForm({ table });
  }, [summary, applyForm.table, table, setApplyForm]);

  // A workspace with a labeler (opened from a file): load it into the engine and show its report.
  useEffect(() => {
    const file = workspace.labeler;
    if (file === shownFile.current) return;
    shownFile.current = file;
    setReview(null);
    setApplied(null);
    setNotice(null);
    setReviewProblem(null);
    reviewedFor.current = null;
    // Nothing stale on screen while the workspace's labeler loads (or when it has none).
    setSummary(null);
    if (!file) return;
    let current = true;
    engine.run('labels.load', { file }).then(
      (loaded) => current && setSummary(loaded),
      (err: unknown) => current && setError(describeJobFailure('Loading the workspace\'s labeler', err)),
    );
    return () => {
      current = false;
    };
  }, [workspace.labeler, engine]);

  /**
   * Lists the rows to review for a labeler. Never rejects: a cancel or failure is kept as the review
   * problem (with a button to build it again), and a queue for a labeler no longer on screen is dropped.
   */
  const runReview = useCallback(
    (labelerId: string): Promise<void> => {
      reviewedFor.current = labelerId;
      setReviewProblem(null);
      return track('review', (options) => engine.start('labels.review', { labelerId, source: { table }, textColumn, limit: 200 }, options)).then(
        (r) => {
          if (reviewedFor.current === labelerId) setReview(r);
        },
        (err: unknown) => {
          if (reviewedFor.current === labelerId) setReviewProblem(reviewIssue(isCancelled(err), describeError(err)));
        },
      );
    },
    [engine, track, table, textColumn],
  );

  // The review list of a labeler shown without one (just loaded), once its table is open.
  useEffect(() => {
    if (!summary || review || job || reviewedFor.current === summary.labelerId || !tables.some((t) => t.name === table)) return;
    void runReview(summary.labelerId);
  }, [summary, review, job, tables, table, runReview]);

  const onRetryReview = (): void => {
    if (!summary || job) return;
    // Asked for again on purpose: the labeler is reviewed anew (runReview marks it again).
    reviewedFor.current = null;
    void runReview(summary.labelerId);
  };

  const why = !table ? 'Open a table first.' : !textColumn ? 'The table has no text column.' : !labelColumn ? 'Choose the label column.' : textColumn === labelColumn ? 'The text and the label must be different columns.' : null;

  const onTrain = async (): Promise<void> => {
    setError(null);
    try {
      const minPrecision = parseShare(form.minPrecision, 'The minimum precision', 0, 1);
      const holdout = parseShare(form.holdout, 'The held-out share', 0, 0.99);
      // The columns trained on (defaults included) are what the workspace keeps.
      setForm({ table, textColumn, labelColumn });
      const trained = await track('train', (options) =>
        engine.start(
          'labels.train',
          { source: { table }, textColumn, labelColumn, minPrecision, holdout, ...(corrections.length > 0 ? { corrections: corrections.map((c) => ({ text: c.text, label: c.label })) } : {}) },
          options,
        ),
      );
      const file = await engine.run('labels.export', { labelerId: trained.labelerId });
      const kept = labelerForWorkspace(file);
      // Shown already: the workspace keeps the file (or null when too large) without loading it again.
      shownFile.current = kept.labeler;
      reviewedFor.current = trained.labelerId;
      updateWorkspace((s) => ({ ...s, labeler: kept.labeler }));
      setNotice(kept.notice);
      setSummary(trained);
      setApplied(null);
      setReview(null);
      // Its own failures are the review's, not the training's: runReview keeps them and never rejects.
      await runReview(trained.labelerId);
    } catch (err) {
      if (!isCancelled(err)) setError(err instanceof Error && !('code' in err) ? err.message : describeJobFailure('Training the labeler', err));
    }
  };

  const onApply = async (): Promise<void> => {
    if (!summary) return;
    setError(null);
    try {
      const minConfidence = applyForm.minConfidence.trim() === '' ? 0 : Number(applyForm.minConfidence);
      if (!Number.isFinite(minConfidence) || minConfidence < 0 || minConfidence > 1) throw new Error(`The minimum confidence must be from 0 to 1 (got "${applyForm.minConfidence}").`);
      const outputTable = applyForm.outputTable.trim() || `${applyTable}_labels`;
      const result = await track('apply', (options) =>
        engine.start('labels.apply', { labelerId: summary.labelerId, source: { table: applyTable }, outputTable, minConfidence, precisionThresholds: applyForm.atPrecision }, options),
      );
      setApplied(result);
      onCatalogChanged();
    } catch (err) {
      if (!isCancelled(err)) setError(err instanceof Error && !('code' in err) ? err.message : describeJobFailure('Labelling the table', err));
    }
  };

  /** "Open labeler…": load a labeler file into the engine and show it as a workspace reload would; a refused file leaves the one on screen. */
  const onOpenLabeler = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const chosen = event.target.files?.[0];
    // The same file can be chosen again after a fix.
    event.target.value = '';
    if (!chosen) return;
    setOpening(true);
    try {
      const parsed = parseLabelerText(await chosen.text(), chosen.name);
      const loaded = await engine.run('labels.load', { file: parsed });
      // The engine has checked it: the workspace keeps it as it keeps a trained one (up to the cap).
      const kept = labelerForWorkspace(parsed as LabelerFile, undefined, chosen.name);
      const fit = formForOpenedLabeler(columns, loaded);
      shownFile.current = kept.labeler;
      // The review queue lists the table's rows by the labeler's text column; a table without it has none.
      reviewedFor.current = fit ? null : loaded.labelerId;
      if (fit) setForm({ table, ...fit });
      updateWorkspace((s) => ({ ...s, labeler: kept.labeler }));
      setError(null);
      setNotice(kept.notice);
      setReviewProblem(null);
      setReview(null);
      setApplied(null);
      setSummary(loaded);
    } catch (err) {
      setError(err instanceof Error && !('code' in err) ? err.message : describeJobFailure(`Opening ${chosen.name}`, err));
    } finally {
      setOpening(false);
    }
  };

  const onExport = async (): Promise<void> => {
    if (!summary) return;
    try {
      const file = await engine.run('labels.export', { labelerId: summary.labelerId });
      await saveText(saveBytes, `${table}-${labelColumn}.labeler.json`, JSON.stringify(file));
    } catch (err) {
      setError(describeJobFailure('Saving the labeler', err));
    }
  };

  return (
    <div className="models-view side-view" data-testid="labels-view">
      <aside className="models-setup side-panel">
        <h2 className="panel-title">Labels</h2>
        <LabelsTrainForm
          tables={tables}
          columns={columns}
          form={{ ...form, table, textColumn, labelColumn }}
          setForm={setForm}
          onChooseTable={(t) => setForm({ table: t, textColumn: '', labelColumn: '' })}
          job={job}
          why={why}
          correctionCount={corrections.length}
          onTrain={() => void onTrain()}
        />
        <fieldset className="form-group">
          <legend>Saved labeler</legend>
          <button type="button" className="btn" onClick={() => openInput.current?.click()} disabled={job !== null || opening} data-testid="labels-open">
            {opening ? 'Opening labeler…' : 'Open labeler…'}
          </button>
          <input ref={openInput} type="file" accept=".json,application/json" hidden onChange={(event) => void onOpenLabeler(event)} data-testid="labels-open-input" />
          <small className="muted">A labeler file from “Save labeler…” or assay labels train --out replaces the labeler on screen.</small>
        </fieldset>
      </aside>
      <div className="models-main">
        {error && <ErrorPanel message={error} testId="labels-error" />}
        {notice && (
          <p className="muted pad" role="status" data-testid="labels-not-in-workspace">
            {notice}
          </p>
        )}
        {!summary && !error && <p className="muted pad">Train a labeler on a table with a text column and a label column (or open a saved labeler): its report, the review queue and labelling a table show here.</p>}
        {summary && <LabelReportCard summary={summary} visible={visible} onExport={() => void onExport()} />}
        {summary && !review && (job?.label === 'review' || reviewProblem) && (
          <section className="models-card" data-testid="labels-review-status">
            <header className="models-card-head">
              <h3>Review queue</h3>
            </header>
            {job?.label !== 'review' && reviewProblem && (
              <p className="small" role="status" data-testid="labels-review-issue">
                {reviewProblem.text}
              </p>
            )}
            <RunControls job={job?.label === 'review' ? job : null} onRun={onRetryReview} disabled={job !== null} testIdPrefix="labels-review">
              Build the review queue again
            </RunControls>
          </section>
        )}
        {summary && review && <ReviewQueue review={review} classes={summary.classes} corrections={corrections} onCorrect={(c) => updateWorkspace((s) => ({ ...s, corrections: withCorrection(s.corrections, c) }))} />}
        {summary && <LabelsApplyCard tables={tables} form={{ ...applyForm, table: applyTable }} setForm={setApplyForm} job={job} result={applied} onApply={() => void onApply()} />}
      </div>
    </div>
  );
}
