import type { JSX } from 'react';
import type { SegmentationRecord } from './types';

export interface SavedSegmentationsProps {
  saved: readonly SegmentationRecord[];
  /** Present where the app can take segment tags (the Tags tab). */
  onSaveAsTags?(record: SegmentationRecord): void;
  onDelete(name: string): void;
}

/** The segmentations kept in the workspace, each with "save as segment tags" and delete. */
export function SavedSegmentations({ saved, onSaveAsTags, onDelete }: SavedSegmentationsProps): JSX.Element {
  return (
    <section className="models-saved" aria-label="Saved segmentations">
      <h3>Saved in this workspace ({saved.length})</h3>
      {saved.length === 0 && <p className="muted small">Save segments to keep their names, scaler and centroids in the workspace file.</p>}
      <ul className="sql-list" data-testid="segments-saved">
        {saved.map((s) => (
          <li key={s.name} className="sql-list-row">
            <div className="sql-list-item seg-saved-item" title={s.segmentNames.map((n, i) => `${i}: ${n}`).join('\n')}>
              <span className="sql-list-main">{s.name}</span>
              <span className="sql-list-meta">
                k = {s.k} · {s.sourceTable}
                {s.savedTable ? ` → ${s.savedTable}` : ''} · {s.segmentNames.join(', ')}
              </span>
            </div>
            {onSaveAsTags && (
              <button type="button" className="btn-icon" aria-label={`Save ${s.name} as segment tags`} title="Save as segment tags (Tags tab)" onClick={() => onSaveAsTags(s)} data-testid="segments-saved-tags">
                ⇢
              </button>
            )}
            <button type="button" className="btn-icon" aria-label={`Delete saved segmentation ${s.name}`} title="Delete" onClick={() => onDelete(s.name)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
