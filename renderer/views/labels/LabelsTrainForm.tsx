import type { JSX } from 'react';
import type { ColumnInfo, TableInfo } from '../../../workers/api';
import { RunControls } from '../../components/Feedback';
import type { TrackedJob } from '../../use-engine-job';
import { ColumnSelect, TableSelect } from '../segments/SegmentFields';
import { textColumns } from './label-data';
import type { LabelsJob } from './label-data';

export interface TrainFormState {
  table: string;
  textColumn: string;
  labelColumn: string;
  minPrecision: string;
  holdout: string;
}

export interface LabelsTrainFormProps {
  tables: TableInfo[];
  columns: readonly ColumnInfo[];
  form: TrainFormState;
  setForm(change: Partial<TrainFormState>): void;
  onChooseTable(table: string): void;
  job: TrackedJob<LabelsJob> | null;
  /** Why training cannot start now (null: it can). */
  why: string | null;
  correctionCount: number;
  onTrain(): void;
}

/** The training form: table, text and label columns, target precision, held-out share. */
export function LabelsTrainForm({ tables, columns, form, setForm, onChooseTable, job, why, correctionCount, onTrain }: LabelsTrainFormProps): JSX.Element {
  const text = textColumns(columns);
  return (
    <fieldset className="form-group" data-testid="labels-train-form">
      <legend>Train a labeler</legend>
      <TableSelect label="Table" value={form.table} tables={tables} onChange={onChooseTable} testId="labels-table" />
      <ColumnSelect label="Text (e.g. product title)" value={form.textColumn} columns={text} onChange={(textColumn) => setForm({ textColumn })} testId="labels-text" />
      <ColumnSelect label="Label (e.g. category)" value={form.labelColumn} columns={columns} onChange={(labelColumn) => setForm({ labelColumn })} testId="labels-label" />
      <div className="seg-grid">
        <label className="seg-field">
          <span>Minimum precision</span>
          <input type="text" inputMode="decimal" value={form.minPrecision} onChange={(event) => setForm({ minPrecision: event.target.value })} data-testid="labels-min-precision" />
        </label>
        <label className="seg-field">
          <span>Held-out share</span>
          <input type="text" inputMode="decimal" value={form.holdout} onChange={(event) => setForm({ holdout: event.target.value })} data-testid="labels-holdout" />
        </label>
      </div>
      <small className="muted">
        Keyword rules are tried first where they reach the precision on held-out rows; a softmax classifier on word and character n-grams labels the rest. Each
        label gets the confidence threshold at which its held-out precision reaches the minimum.
      </small>
      {why && <p className="muted small">{why}</p>}
      {/* Another job holds the engine: say which, so the disabled button has a reason. */}
      {!why && job && job.label !== 'train' && (
        <p className="muted small" data-testid="labels-train-waiting">
          {job.label === 'review' ? 'Building the review queue first (cancel it beside the report to train now).' : 'Labelling a table: training waits until it ends.'}
        </p>
      )}
      <RunControls job={job && job.label === 'train' ? job : null} onRun={onTrain} disabled={why !== null || job !== null} testIdPrefix="labels-train">
        {correctionCount > 0 ? `Retrain with ${correctionCount} reviewed row${correctionCount === 1 ? '' : 's'}` : 'Train'}
      </RunControls>
    </fieldset>
  );
}
