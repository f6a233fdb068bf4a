import type { JSX } from 'react';
import type { TableInfo } from '../../../workers/api';
import { TableOptions } from '../../components/PickerOptions';

export interface ScoreForm {
  table: string;
  output: string;
  withShap: boolean;
}

export interface ModelActionsProps {
  /** The model action running ('save', 'export', 'score', …), null when none. */
  busy: string | null;
  onSave(): void;
  onExport(): void;
  tables: TableInfo[];
  score: ScoreForm;
  /** The table shown in the picker (the form's, else the catalog's selection). */
  scoreTable: string;
  onScoreForm(score: ScoreForm): void;
  onScore(): void;
}

/** The model on screen: save in the workspace, export XGBoost JSON, score a table. */
export function ModelActions({ busy, onSave, onExport, tables, score, scoreTable, onScoreForm, onScore }: ModelActionsProps): JSX.Element {
  return (
    <div className="models-actions" role="toolbar" aria-label="Model actions">
      <button type="button" className="btn" onClick={onSave} disabled={busy !== null} data-testid="model-save">
        {busy === 'save' ? 'Saving…' : 'Save in workspace'}
      </button>
      <button type="button" className="btn" onClick={onExport} disabled={busy !== null} data-testid="model-export">
        {busy === 'export' ? 'Exporting…' : 'Export XGBoost JSON'}
      </button>
      <span className="sql-toolbar-spacer" />
      <label className="models-inline">
        Score{' '}
        <select aria-label="Table to score" value={scoreTable} onChange={(event) => onScoreForm({ ...score, table: event.target.value })} data-testid="model-score-table">
          <TableOptions tables={tables} />
        </select>
      </label>
      <label className="models-inline">
        into <input type="text" aria-label="Output table" value={score.output} onChange={(event) => onScoreForm({ ...score, output: event.target.value })} data-testid="model-score-output" />
      </label>
      <label className="models-inline small">
        <input type="checkbox" checked={score.withShap} onChange={(event) => onScoreForm({ ...score, withShap: event.target.checked })} /> with SHAP columns
      </label>
      <button type="button" className="btn btn-primary" onClick={onScore} disabled={busy !== null || !score.output.trim() || tables.length === 0} data-testid="model-score">
        {busy === 'score' ? 'Scoring…' : 'Score'}
      </button>
    </div>
  );
}
