import { useEffect, useRef, type JSX } from 'react';
import type { FeatureSqlResult, TableInfo } from '../../../workers/api';
import type { TrackedJob } from '../../use-engine-job';
import { SqlEditor, type SqlEditorHandle } from '../sql/SqlEditor';
import { SegmentsJobLine, type SegmentsJob } from './SegmentsJobLine';
import { openInModelsRequest, type BuiltDataset, type OpenInModels } from './propensity';
import type { SegmentsWorkspaceState } from './types';

export interface FeatureSqlCardProps {
  tables: TableInfo[];
  /** The last generated SQL's columns and warnings. */
  generated: FeatureSqlResult | null;
  features: SegmentsWorkspaceState['features'];
  onSqlChange(sql: string): void;
  onOutputTable(table: string): void;
  replaceOutput: boolean;
  onReplaceOutput(replace: boolean): void;
  /** Why the table cannot be built now (null: it can). */
  buildWhy: string | null;
  job: TrackedJob<SegmentsJob> | null;
  onBuild(): void;
  /** The table the last build made, while it is in the catalog. */
  built: BuiltDataset | null;
  onOpenInModels?: ((request: OpenInModels) => void) | undefined;
}

/** The feature SQL (generated, then editable) and the Build table row. */
export function FeatureSqlCard(props: FeatureSqlCardProps): JSX.Element {
  const { tables, generated, features, onSqlChange, onOutputTable, replaceOutput, onReplaceOutput, buildWhy, job, onBuild, built, onOpenInModels } = props;
  const editor = useRef<SqlEditorHandle>(null);

  // The editor follows the SQL when it changes from outside (generated, or another workspace opened).
  useEffect(() => {
    const handle = editor.current;
    if (handle && handle.getText() !== features.sql) handle.setText(features.sql);
  }, [features.sql]);

  return (
    <section className="models-card" aria-label="Feature SQL">
      <header className="models-card-head">
        <h3>Feature SQL</h3>
        {generated && (
          <span className="muted small" data-testid="features-columns">
            {generated.columns.length} columns: {generated.columns.join(', ')}
          </span>
        )}
      </header>
      {generated && generated.warnings.length > 0 && (
        <ul className="models-warnings small" data-testid="features-warnings">
          {generated.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <div className="seg-editor" data-testid="features-sql">
        <SqlEditor
          ref={editor}
          tables={tables}
          initialText={features.sql}
          onRun={onBuild}
          onEscape={() => {
            if (!job) return false;
            job.cancel();
            return true;
          }}
          onTextChange={onSqlChange}
        />
      </div>
      <div className="models-actions seg-build-row">
        <label className="models-inline">
          Output table{' '}
          <input type="text" value={features.outputTable} onChange={(event) => onOutputTable(event.target.value)} data-testid="features-output" />
        </label>
        <label className="models-inline small">
          <input type="checkbox" checked={replaceOutput} onChange={(event) => onReplaceOutput(event.target.checked)} data-testid="features-replace" /> replace if it exists
        </label>
        <button type="button" className="btn btn-primary" onClick={onBuild} disabled={buildWhy !== null} aria-describedby="features-build-why" data-testid="features-build">
          Build table
        </button>
        {buildWhy ? (
          <span className="small seg-why" id="features-build-why" data-testid="features-build-why">
            {buildWhy}
          </span>
        ) : (
          <span className="muted small">Edit the SQL freely; Ctrl+Enter builds.</span>
        )}
      </div>
      <SegmentsJobLine job={job} which={['build']} />
      {built && onOpenInModels && (
        <div className="models-actions seg-build-row">
          <button type="button" className="btn" onClick={() => onOpenInModels(openInModelsRequest(built))} disabled={job !== null} data-testid="features-open-models">
            Train a model on {built.name}
          </button>
          <span className="muted small">
            {built.labels.includes('label') ? `Models opens it with the target label, split by ${built.key ?? 'entity'}.` : 'Models opens it; choose the column to predict there.'}
          </span>
        </div>
      )}
    </section>
  );
}
