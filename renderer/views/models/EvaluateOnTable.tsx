import { useState, type JSX } from 'react';
import type { ModelSummary, TableInfo } from '../../../workers/api';
import { ColumnOptions, TableOptions } from '../../components/PickerOptions';

export interface EvaluateChoice {
  table: string;
  target: string;
  positive: string;
}

/** Imported models: pick a table holding the model's features and the true target to evaluate on. */
export function EvaluateOnTable(props: { summary: ModelSummary; tables: readonly TableInfo[]; busy: boolean; evaluatedOn: string | null; onEvaluate(choice: EvaluateChoice): void }): JSX.Element {
  const { summary, tables, busy } = props;
  const needed = [...new Set(summary.features.map((f) => f.column))];
  // Start from a table that has every feature column, else the first table.
  const fitting = tables.find((t) => needed.every((c) => t.columns.some((col) => col.name === c)));
  const [choice, setChoice] = useState<EvaluateChoice>({ table: fitting?.name ?? tables[0]?.name ?? '', target: summary.target, positive: summary.label.positive ?? '' });
  const table = tables.find((t) => t.name === choice.table);
  const missing = table ? needed.filter((c) => !table.columns.some((col) => col.name === c)) : [];
  const targets = table ? table.columns.filter((c) => !needed.includes(c.name)) : [];
  return (
    <div className="models-actions" role="group" aria-label="Evaluate on a table" data-testid="model-evaluate-on">
      <label className="models-inline">
        Evaluate on{' '}
        <select aria-label="Table to evaluate on" value={choice.table} onChange={(event) => setChoice({ ...choice, table: event.target.value })} data-testid="model-evaluate-table">
          <TableOptions tables={tables} />
        </select>
      </label>
      <label className="models-inline">
        target{' '}
        <select aria-label="Target column" value={choice.target} onChange={(event) => setChoice({ ...choice, target: event.target.value })} data-testid="model-evaluate-target">
          <option value="">Choose the column of true values…</option>
          <ColumnOptions columns={targets} />
        </select>
      </label>
      {summary.objective === 'binary:logistic' && summary.label.positive === undefined && (
        <label className="models-inline">
          positive value <input type="text" size={6} placeholder="auto" value={choice.positive} onChange={(event) => setChoice({ ...choice, positive: event.target.value })} data-testid="model-evaluate-positive" />
        </label>
      )}
      <button type="button" className="btn btn-primary" disabled={busy || !choice.table || !choice.target || missing.length > 0} onClick={() => props.onEvaluate(choice)} data-testid="model-evaluate">
        {busy ? 'Evaluating…' : 'Evaluate'}
      </button>
      {tables.length === 0 && <span className="muted small">Open a table first.</span>}
      {missing.length > 0 && <span className="muted small">{choice.table} lacks the model’s columns {missing.slice(0, 5).join(', ')}{missing.length > 5 ? ', …' : ''}.</span>}
      {props.evaluatedOn && <span className="muted small">Metrics and SHAP below are on “{props.evaluatedOn}”.</span>}
    </div>
  );
}
