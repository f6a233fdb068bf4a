import type { JSX } from 'react';

export interface SaveSegmentsForm {
  name: string;
  table: string;
}

export interface SaveSegmentsBarProps {
  form: SaveSegmentsForm;
  onForm(form: SaveSegmentsForm): void;
  /** The run's output table, shown as the table's placeholder. */
  outputTable: string | undefined;
  busy: boolean;
  onSave(): void;
  /** Present where the app can take segment tags (the Tags tab). */
  onSaveAsTags?(): void;
  /** The run on screen is the workspace's current segmentation (its names are what the tags carry). */
  canSaveAsTags: boolean;
}

/** Saves the run's rows with their segment names into a table, or its segments as tags. */
export function SaveSegmentsBar({ form, onForm, outputTable, busy, onSave, onSaveAsTags, canSaveAsTags }: SaveSegmentsBarProps): JSX.Element {
  return (
    <div className="models-actions" role="toolbar" aria-label="Save segments">
      <label className="models-inline">
        Name <input type="text" value={form.name} onChange={(event) => onForm({ ...form, name: event.target.value })} data-testid="segments-save-name" />
      </label>
      <label className="models-inline">
        Table <input type="text" value={form.table} placeholder={outputTable} onChange={(event) => onForm({ ...form, table: event.target.value })} data-testid="segments-save-table" />
      </label>
      <button type="button" className="btn btn-primary" onClick={onSave} disabled={busy} data-testid="segments-save">
        Save segments
      </button>
      {onSaveAsTags && (
        <button type="button" className="btn" onClick={onSaveAsTags} disabled={busy || !canSaveAsTags} data-testid="segments-save-tags">
          Save as segment tags
        </button>
      )}
      <span className="muted small">Writes segment and segment_name columns; keeps the names, scaler and centroids in the workspace. Segment tags (one per segment, with the scaler and centroids) go to the Tags tab.</span>
    </div>
  );
}
