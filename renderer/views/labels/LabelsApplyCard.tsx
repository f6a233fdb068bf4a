import type { JSX } from 'react';
import type { LabelsApplyResult, TableInfo } from '../../../workers/api';
import { RunControls } from '../../components/Feedback';
import { formatCount, formatMs } from '../../format';
import type { TrackedJob } from '../../use-engine-job';
import { TableSelect } from '../segments/SegmentFields';
import type { LabelsJob } from './label-data';

export interface ApplyFormState {
  table: string;
  outputTable: string;
  minConfidence: string;
  atPrecision: boolean;
}

export interface LabelsApplyCardProps {
  tables: TableInfo[];
  form: ApplyFormState;
  setForm(change: Partial<ApplyFormState>): void;
  job: TrackedJob<LabelsJob> | null;
  result: LabelsApplyResult | null;
  onApply(): void;
}

/** Labels every row of a table into a new table (input columns, then label, confidence, label_source). */
export function LabelsApplyCard({ tables, form, setForm, job, result, onApply }: LabelsApplyCardProps): JSX.Element {
  return (
    <section className="models-card" data-testid="labels-apply">
      <header className="models-card-head">
        <h3>Apply to a table</h3>
      </header>
      <div className="seg-grid">
        <TableSelect label="Table" value={form.table} tables={tables} onChange={(table) => setForm({ table })} testId="labels-apply-table" />
        <label className="seg-field">
          <span>Output table</span>
          <input type="text" value={form.outputTable} placeholder={`${form.table || 'table'}_labels`} onChange={(event) => setForm({ outputTable: event.target.value })} data-testid="labels-apply-output" />
        </label>
        <label className="seg-field">
          <span>Minimum confidence</span>
          <input type="text" inputMode="decimal" value={form.minConfidence} onChange={(event) => setForm({ minConfidence: event.target.value })} data-testid="labels-apply-min-confidence" />
        </label>
        <label className="seg-field">
          <span>
            <input type="checkbox" checked={form.atPrecision} onChange={(event) => setForm({ atPrecision: event.target.checked })} data-testid="labels-apply-at-precision" /> only labels that meet their
            precision threshold
          </span>
        </label>
      </div>
      <RunControls job={job && job.label === 'apply' ? job : null} onRun={onApply} disabled={!form.table || job !== null} testIdPrefix="labels-apply">
        Label every row
      </RunControls>
      {result && (
        <p className="small" data-testid="labels-apply-result">
          Wrote {formatCount(result.rows)} rows to {result.table.name}: {formatCount(result.labelled.rules)} by keyword rules, {formatCount(result.labelled.classifier)} by the classifier,{' '}
          {formatCount(result.unlabelled)} without a label ({formatMs(result.elapsedMs)}).
          {result.warnings.length > 0 && <span className="muted"> {result.warnings.join(' ')}</span>}
        </p>
      )}
    </section>
  );
}
