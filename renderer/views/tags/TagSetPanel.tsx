import { useRef, useState, type ChangeEvent, type JSX } from 'react';
import type { TableInfo } from '../../../workers/api';
import { TableOptions } from '../../components/PickerOptions';
import { KIND_LABELS, currentGate, definitionSummary, groupTags } from './tag-data';
import type { Tag, TagsWorkspaceState } from './types';

type SavedTagSet = TagsWorkspaceState['saved'][number];

export interface TagSetPanelProps {
  tables: TableInfo[];
  table: string;
  onChooseTable(table: string): void;
  workspace: TagsWorkspaceState;
  /** The tag in the editor (highlighted in the list). */
  editedId: string | null;
  onEditTag(tag: Tag | null): void;
  onRename(name: string): void;
  onSaveInWorkspace(): void;
  onExport(): void;
  onImport(event: ChangeEvent<HTMLInputElement>): void;
  /** Each returns whether the change was made (else the status line says why not). */
  onAddGroup(name: string): boolean;
  onRenameGroup(from: string, to: string): boolean;
  onRemoveGroup(group: string, withTags: boolean): boolean;
  onOpenSaved(saved: SavedTagSet): void;
  onDeleteSaved(name: string): void;
}

/** The side panel: working table, the tag set's name and file actions, tags by group, saved tag sets. */
export function TagSetPanel(props: TagSetPanelProps): JSX.Element {
  const { tables, table, onChooseTable, workspace, editedId, onEditTag, onRename, onSaveInWorkspace, onExport, onImport, onAddGroup, onRenameGroup, onOpenSaved, onDeleteSaved } = props;
  const { gates, saved } = workspace;
  const [newGroup, setNewGroup] = useState('');
  const [renaming, setRenaming] = useState<{ from: string; to: string } | null>(null);
  // A group that still holds tags is removed only after a second click that names what goes with it.
  const [removing, setRemoving] = useState<string | null>(null);
  const importInput = useRef<HTMLInputElement>(null);
  const removeGroup = (group: string, withTags: boolean): void => {
    if (props.onRemoveGroup(group, withTags)) setRemoving(null);
  };
  const groups = groupTags(workspace.tagSet);
  return (
    <aside className="models-setup side-panel tags-list" aria-label="Tag set">
      <h2>Tags</h2>
      <label className="models-inline">
        Table
        <select
          value={table}
          onChange={(e) => onChooseTable(e.target.value)}
          data-testid="tags-table"
        >
          <TableOptions tables={tables} rowCounts emptyHint />
        </select>
      </label>
      <div className="tags-set-actions">
        <label className="models-inline">
          Set <input type="text" size={12} value={workspace.name} onChange={(e) => onRename(e.target.value)} aria-label="Tag set name" data-testid="tags-set-name" />
        </label>
        <button type="button" className="btn btn-small" onClick={onSaveInWorkspace} data-testid="tags-save-set">
          Save in workspace
        </button>
        <button type="button" className="btn btn-small" onClick={onExport} data-testid="tags-export">
          Export tags.json
        </button>
        <button type="button" className="btn btn-small" onClick={() => importInput.current?.click()} data-testid="tags-import">
          Open tags.json…
        </button>
        <input ref={importInput} type="file" accept=".json,application/json" hidden onChange={onImport} data-testid="tags-import-input" />
      </div>
      <button type="button" className="btn btn-primary btn-small" onClick={() => onEditTag(null)} data-testid="tags-new">
        + New tag
      </button>

      <div className="tags-groups" data-testid="tags-groups">
        {groups.map((g) => (
          <section key={g.group} className="tags-group" data-testid="tags-group" data-group={g.group}>
            <header className="tags-group-head">
              {renaming && renaming.from === g.group ? (
                <form
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (onRenameGroup(renaming.from, renaming.to)) setRenaming(null);
                  }}
                >
                  <input type="text" size={12} autoFocus value={renaming.to} onChange={(e) => setRenaming({ ...renaming, to: e.target.value })} aria-label={`New name for ${g.group}`} onBlur={() => setRenaming(null)} />
                </form>
              ) : (
                <span className="tags-group-name">
                  {g.group} <span className="badge">{g.tags.length}</span>
                  {g.unlisted && <span className="muted small"> (not in the taxonomy)</span>}
                </span>
              )}
              {!g.unlisted && (
                <span>
                  <button type="button" className="btn-icon" title="Rename group" aria-label={`Rename group ${g.group}`} onClick={() => setRenaming({ from: g.group, to: g.group })}>
                    ✎
                  </button>
                  <button
                    type="button"
                    className="btn-icon"
                    title={g.tags.length > 0 ? 'Remove group and its tags' : 'Remove group'}
                    aria-label={`Remove group ${g.group}`}
                    onClick={() => (g.tags.length > 0 ? setRemoving(g.group) : removeGroup(g.group, false))}
                    data-testid="tags-group-remove"
                  >
                    ×
                  </button>
                </span>
              )}
            </header>
            {removing === g.group && (
              <div className="tags-group-confirm small" role="alertdialog" aria-label={`Remove group ${g.group}`} data-testid="tags-group-confirm">
                Remove “{g.group}” and its {g.tags.length} tag{g.tags.length === 1 ? '' : 's'}?{' '}
                <button type="button" className="btn btn-small btn-danger" onClick={() => removeGroup(g.group, true)} data-testid="tags-group-confirm-remove">
                  Remove
                </button>{' '}
                <button type="button" className="btn btn-small" onClick={() => setRemoving(null)}>
                  Cancel
                </button>
              </div>
            )}
            <ul className="tags-items">
              {g.tags.map((tag) => {
                const gate = currentGate(tag, gates);
                return (
                  <li key={tag.id} className={`tags-item${editedId === tag.id ? ' selected' : ''}`} data-testid="tag-row" data-tag-id={tag.id} data-status={tag.status}>
                    <button type="button" className="tags-item-main" onClick={() => onEditTag(tag)} title={definitionSummary(tag.definition)}>
                      <span className="tags-item-name">{tag.name}</span>
                      <span className="tags-badges">
                        <span className={`tags-status tags-status-${tag.status}`} data-testid="tag-status">
                          {tag.status}
                        </span>
                        <span className="type-badge">{KIND_LABELS[tag.definition.kind]}</span>
                        {gate && (
                          <span className={gate.passed ? 'tags-gate tags-pass' : 'tags-gate tags-fail'} title={gate.passed ? 'Passed its gates on holdout' : gate.reasons.join('; ')} data-testid="tag-gate">
                            {gate.passed ? 'gates ✓' : 'gates ✗'}
                          </span>
                        )}
                      </span>
                      {tag.description && <span className="tags-item-desc muted small">{tag.description}</span>}
                      {tag.owner && <span className="muted small">owner: {tag.owner}</span>}
                    </button>
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
      </div>
      <form
        className="models-inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (onAddGroup(newGroup)) setNewGroup('');
        }}
      >
        <input type="text" size={14} placeholder="new group" value={newGroup} onChange={(e) => setNewGroup(e.target.value)} aria-label="New group name" data-testid="tags-new-group" />
        <button type="submit" className="btn btn-small" disabled={!newGroup.trim()}>
          Add group
        </button>
      </form>

      <section className="models-saved" aria-label="Saved tag sets">
        <h3>Saved tag sets ({saved.length})</h3>
        <ul className="sql-list" data-testid="tags-saved">
          {saved.map((s) => (
            <li key={s.name} className="sql-list-row">
              <button
                type="button"
                className="sql-list-item"
                onClick={() => onOpenSaved(s)}
              >
                <span className="sql-list-main">{s.name}</span>
                <span className="sql-list-meta">
                  {s.tagSet.tags.length} tags · {new Date(s.savedAt).toLocaleString()}
                </span>
              </button>
              <button type="button" className="btn-icon" aria-label={`Delete saved tag set ${s.name}`} onClick={() => onDeleteSaved(s.name)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      </section>
    </aside>
  );
}
