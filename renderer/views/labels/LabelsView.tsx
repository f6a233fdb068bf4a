import { useCallback, useEffect, useMemo, useState, type JSX } from 'react';
import type { EngineClient, LabelerSummary, LabelsApplyResult, LabelsReviewResult, TableInfo } from '../../../workers/api';
import { ErrorPanel } from '../../components/Feedback';
import { describeJobFailure, isCancelled } from '../../errors';
import { useEngineJob } from '../../use-engine-job';
import { defaultTable, saveText, type SaveBytes } from '../view-props';
import { LabelReportCard } from './LabelReportCard';
import { LabelsApplyCard, type ApplyFormState } from './LabelsApplyCard';
import { LabelsTrainForm, type TrainFormState } from './LabelsTrainForm';
import { ReviewQueue } from './ReviewQueue';
import { defaultLabelColumn, defaultTextColumn, withCorrection, type Correction, type LabelsJob } from './label-data';
import '../sql/sql-view.css';
import '../models/models-view.css';
import '../segments/segments-view.css';

export interface LabelsViewProps {
  engine: EngineClient;
  tables: TableInfo[];
  selectedTable?: string | null;
  onCatalogChanged(): void;
  saveBytes: SaveBytes;
  visible?: boolean;
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
 */
export function LabelsView({ engine, tables, selectedTable, onCatalogChanged, saveBytes, visible = true }: LabelsViewProps): JSX.Element {
  const [form, setFormState] = useState<TrainFormState>({ table: '', textColumn: '', labelColumn: '', minPrecision: '0.9', holdout: '0.2' });
  const [applyForm, setApplyFormState] = useState<ApplyFormState>({ table: '', outputTable: '', minConfidence: '0', atPrecision: false });
  const [summary, setSummary] = useState<LabelerSummary | null>(null);
  const [review, setReview] = useState<LabelsReviewResult | null>(null);
  const [corrections, setCorrections] = useState<Correction[]>([]);
  const [applied, setApplied] = useState<LabelsApplyResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { job, track } = useEngineJob<LabelsJob>();
  const setForm = useCallback((change: Partial<TrainFormState>) => setFormState((f) => ({ ...f, ...change })), []);
  const setApplyForm = useCallback((change: Partial<ApplyFormState>) => setApplyFormState((f) => ({ ...f, ...change })), []);

  const table = form.table || defaultTable(tables, selectedTable);
  const columns = useMemo(() => tables.find((t) => t.name === table)?.columns ?? [], [tables, table]);
  const textColumn = form.textColumn || defaultTextColumn(columns);
  const labelColumn = form.labelColumn || defaultLabelColumn(columns, textColumn);
  const applyTable = applyForm.table || table;

  useEffect(() => {
    if (summary && !applyForm.table) setApplyFormState((f) => ({ ...f, table }));
  }, [summary, applyForm.table, table]);

  const why = !table ? 'Open a table first.' : !textColumn ? 'The table has no text column.' : !labelColumn ? 'Choose the label column.' : textColumn === labelColumn ? 'The text and the label must be different columns.' : null;

  const loadReview = async (labelerId: string): Promise<void> => {
    const r = await track('review', (options) => engine.start('labels.review', { labelerId, source: { table }, textColumn, limit: 200 }, options));
    setReview(r);
  };

  const onTrain = async (): Promise<void> => {
    setError(null);
    try {
      const minPrecision = parseShare(form.minPrecision, 'The minimum precision', 0, 1);
      const holdout = parseShare(form.holdout, 'The held-out share', 0, 0.99);
      const trained = await track('train', (options) =>
        engine.start(
          'labels.train',
          { source: { table }, textColumn, labelColumn, minPrecision, holdout, ...(corrections.length > 0 ? { corrections: corrections.map((c) => ({ text: c.text, label: c.label })) } : {}) },
          options,
        ),
      );
      setSummary(trained);
      setApplied(null);
      await loadReview(trained.labelerId);
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
      </aside>
      <div className="models-main">
        {error && <ErrorPanel message={error} testId="labels-error" />}
        {!summary && !error && <p className="muted pad">Train a labeler on a table with a text column and a label column: its report, the review queue and labelling a table show here.</p>}
        {summary && <LabelReportCard summary={summary} visible={visible} onExport={() => void onExport()} />}
        {summary && review && <ReviewQueue review={review} classes={summary.classes} corrections={corrections} onCorrect={(c) => setCorrections((all) => withCorrection(all, c))} />}
        {summary && <LabelsApplyCard tables={tables} form={{ ...applyForm, table: applyTable }} setForm={setApplyForm} job={job} result={applied} onApply={() => void onApply()} />}
      </div>
    </div>
  );
}
