import type { JSX } from 'react';
import type { PackTableActions } from './pack-card-context';

export interface PackApplyForm {
  table: string;
  into: string;
}

export interface PackApplyCardProps {
  /** The table shown in the picker (the user's choice, else the pack's entity table). */
  applyTable: string;
  hasTables: boolean;
  actions: PackTableActions;
  form: PackApplyForm;
  onForm(form: PackApplyForm): void;
  onApply(): void;
}

/** Applies every tag of the pack to a table, into a new table. */
export function PackApplyCard({ applyTable, hasTables, actions, form, onForm, onApply }: PackApplyCardProps): JSX.Element {
  const { tableOptions, jobRunning } = actions;
  return (
    <section className="packs-card" aria-label="Apply">
      <header className="packs-card-head">
        <h3>Apply</h3>
        <span className="muted small">every tag per entity, into a new table</span>
      </header>
      <div className="packs-actions">
        <label className="packs-inline">
          Table{' '}
          <select value={applyTable} onChange={(event) => onForm({ ...form, table: event.target.value })} data-testid="pack-apply-table">
            {!hasTables && <option value="">(no tables open)</option>}
            {tableOptions}
          </select>
        </label>
        <label className="packs-inline">
          into <input type="text" value={form.into} onChange={(event) => onForm({ ...form, into: event.target.value })} aria-label="New table" data-testid="pack-apply-into" />
        </label>
        <button type="button" className="btn" onClick={onApply} disabled={jobRunning || !applyTable || !form.into.trim()} data-testid="pack-apply">
          Apply
        </button>
      </div>
    </section>
  );
}
