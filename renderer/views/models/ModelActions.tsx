import type { JSX } from 'react';
import { useState } from 'react';
import type { ModelKind, TableInfo } from '../../../workers/api';
import { RunControls } from '../../components/Feedback';
import { TableOptions } from '../../components/PickerOptions';
import type { TrackedJob } from '../../use-engine-job';

export interface ScoreForm {
  table: string;
  output: string;
  withShap: boolean;
}

/** The SQL dialects an lr/fm model exports to (the rule packs' engines). */
export const SQL_DIALECTS = ['spark', 'hive', 'flink', 'trino', 'duckdb'] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

export interface ModelActionsProps {
  /** The model action running ('save', 'export', 'score', …), null when none. */
  busy: string | null;
  /** The model's kind; absent = gbdt. */
  kind?: ModelKind;
  onSave(): void;
  onExport(): void;
  /** lr/fm: the score as SQL in one dialect. */
  onExportSql?(dialect: SqlDialect): void;
  /** lr/fm/deepfm: the model as ONNX. */
  onExportOnnx?(): void;
  tables: TableInfo[];
  score: ScoreForm;
  /** The table shown in the picker (the form's, else the catalog's selection). */
  scoreTable: string;
  onScoreForm(score: ScoreForm): void;
  onScore(): void;
  /** The scoring job while it runs (progress and Cancel). */
  scoring?: TrackedJob<string> | null;
}

/** The model on screen: save in the workspace, export XGBoost JSON, score a table. */
export function ModelActions({ busy, kind = 'gbdt', onSave, onExport, onExportSql, onExportOnnx, tables, score, scoreTable, onScoreForm, onScore, scoring }: ModelActionsProps): JSX.Element {
  const [dialect, setDialect] = useState<SqlDialect>('spark');
  const isCtr = kind !== 'gbdt';
  return (
    <div className="models-actions" role="toolbar" aria-label="Model actions">
      <button type="button" className="btn" onClick={onSave} disabled={busy !== null} data-testid="model-save">
        {busy === 'save' ? 'Saving…' : 'Save in workspace'}
      </button>
      <button type="button" className="btn" onClick={onExport} disabled={busy !== null} data-testid="model-export">
        {busy === 'export' ? 'Exporting…' : isCtr ? 'Export model file' : 'Export XGBoost JSON'}
      </button>
      {isCtr && (kind === 'lr' || kind === 'fm') && onExportSql && (
        <span className="models-inline">
          <select aria-label="SQL dialect" value={dialect} onChange={(event) => setDialect(event.target.value as SqlDialect)} data-testid="model-sql-dialect">
            {SQL_DIALECTS.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
          <button type="button" className="btn" onClick={() => onExportSql(dialect)} disabled={busy !== null} data-testid="model-export-sql">
            {busy === 'export-sql' ? 'Exporting…' : 'Export SQL'}
          </button>
        </span>
      )}
      {isCtr && onExportOnnx && (
        <button type="button" className="btn" onClick={onExportOnnx} disabled={busy !== null} data-testid="model-export-onnx">
          {busy === 'export-onnx' ? 'Exporting…' : 'Export ONNX'}
        </button>
      )}
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
      {/* Scoring a large table takes a while: its progress ("scoring N rows") and Cancel, here. */}
      <RunControls job={scoring ?? null} onRun={onScore} disabled={busy !== null || !score.output.trim() || tables.length === 0} testIdPrefix="model-score" runTestId="model-score">
        Score
      </RunControls>
    </div>
  );
}
