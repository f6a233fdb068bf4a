import { useRef, type ChangeEvent, type JSX } from 'react';
import { asModelSummary } from './model-data';
import type { ModelsWorkspaceState } from './types';

export interface SavedModelsProps {
  saved: ModelsWorkspaceState['models'];
  /** Another model action (open, import, save, export, score) is running. */
  busy: boolean;
  onOpen(name: string): void;
  onDelete(name: string): void;
  onImport(event: ChangeEvent<HTMLInputElement>): void;
}

/** The models kept in the workspace (open, delete) and Import XGBoost JSON. */
export function SavedModels({ saved, busy, onOpen, onDelete, onImport }: SavedModelsProps): JSX.Element {
  const importInput = useRef<HTMLInputElement>(null);
  return (
    <section className="models-saved" aria-label="Saved models">
      <h3>Saved in this workspace ({saved.length})</h3>
      {saved.length === 0 && <p className="muted small">Save a model to keep it in the workspace file (as XGBoost JSON).</p>}
      <ul className="sql-list" data-testid="model-saved">
        {saved.map((m) => {
          const summary = asModelSummary(m.summary);
          return (
            <li key={m.name} className="sql-list-row">
              <button type="button" className="sql-list-item" onClick={() => onOpen(m.name)} disabled={busy}>
                <span className="sql-list-main">{m.name}</span>
                <span className="sql-list-meta">{summary ? `${summary.objective} · ${summary.trees} trees · ${summary.features.length} features` : 'XGBoost JSON'}</span>
              </button>
              <button type="button" className="btn-icon" aria-label={`Delete saved model ${m.name}`} title="Delete" onClick={() => onDelete(m.name)}>
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <button type="button" className="btn btn-small" onClick={() => importInput.current?.click()} disabled={busy} data-testid="model-import">
        Import XGBoost JSON…
      </button>
      <input ref={importInput} type="file" accept=".json,application/json" hidden onChange={onImport} data-testid="model-import-input" />
    </section>
  );
}
