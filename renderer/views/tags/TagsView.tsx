import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type JSX } from 'react';
import type { JobHandle, RuleCheckResult, RulesMineResult, TagsValidateResult } from '../../../workers/api';
import { ErrorPanel, StatusLine, type StatusMessage } from '../../components/Feedback';
import { TableOptions } from '../../components/PickerOptions';
import { describeError, isCancelled } from '../../errors';
import { formatCount, formatPercent } from '../../format';
import { defaultTable, saveText, type SaveBytes, type WorkspaceViewProps } from '../view-props';
import { MiningPanel } from './MiningPanel';
import { RuleEditor, type RuleEditorHandle } from './RuleEditor';
import {
  KIND_LABELS,
  MANUAL_TRANSITIONS,
  addGroup,
  addMinedTags,
  applyValidation,
  prefillValidation,
  currentGate,
  definitionSummary,
  groupTags,
  parseTagSetFile,
  problemRange,
  problemText,
  removeGroup,
  removeTag,
  renameGroup,
  saveTagSetAs,
  setTagStatus,
  tagIdFor,
  tagSetFileName,
  tagSetFileText,
  upsertTag,
} from './tag-data';
import type { Tag, TagDefinition, TagSet, TagStatus, TagsWorkspaceState } from './types';
import { ValidationPanel } from './ValidationPanel';
// List, error and card styles are shared with the SQL and Models views.
import '../sql/sql-view.css';
import '../models/models-view.css';
import './tags-view.css';

export type { TagsWorkspaceState } from './types';
export { emptyTagsWorkspace, tagsWorkspaceStateSchema } from './types';

export interface TagsViewProps extends WorkspaceViewProps<TagsWorkspaceState> {
  saveBytes: SaveBytes;
}

type Section = 'editor' | 'mine' | 'validate';

/** The tag editor's form: the tag being written (id null = a new tag). */
interface TagForm {
  id: string | null;
  name: string;
  group: string;
  description: string;
  owner: string;
  kind: TagDefinition['kind'];
  ruleText: string;
  modelRef: string;
  threshold: string;
  segmentRef: string;
  segmentId: string;
}

function emptyForm(group: string): TagForm {
  return { id: null, name: '', group, description: '', owner: '', kind: 'rule', ruleText: '', modelRef: '', threshold: '0.5', segmentRef: '', segmentId: '' };
}

function formOf(tag: Tag): TagForm {
  const d = tag.definition;
  return {
    id: tag.id,
    name: tag.name,
    group: tag.group,
    description: tag.description,
    owner: tag.owner,
    kind: d.kind,
    ruleText: d.kind === 'rule' ? d.text : '',
    modelRef: d.kind === 'model' ? (d.modelRef ?? '') : '',
    threshold: d.kind === 'model' ? String(d.threshold) : '0.5',
    segmentRef: d.kind === 'segment' ? d.segmentRef : '',
    segmentId: d.kind === 'segment' ? String(d.segmentId) : '',
  };
}

/** The live check of the rule in the editor: for which text and table, and what came back. */
interface LiveCheck {
  text: string;
  table: string;
  result: RuleCheckResult | null;
  error: string | null;
}

const CHECK_DELAY_MS = 250;

/** Whether two rule texts differ only in letter case and spacing (then the canonical form adds nothing). */
function sameText(a: string, b: string): boolean {
  const norm = (t: string): string => t.replace(/\s+/g, ' ').trim().toLowerCase();
  return norm(a) === norm(b);
}

const STATUS_ACTIONS: Record<TagStatus, string> = { draft: 'Back to draft', validated: 'Withdraw approval', approved: 'Approve' };

/** Tags: the tag set by taxonomy group, the rule editor with a live count, mining and validation. */
export function TagsView(props: TagsViewProps): JSX.Element {
  const { engine, tables, saveBytes, visible = true, selectedTable } = props;
  const workspace = props.workspace;
  const [section, setSection] = useState<Section>('editor');
  const [form, setForm] = useState<TagForm>(() => emptyForm(workspace.tagSet.taxonomy[0] ?? 'basic'));
  const [check, setCheck] = useState<LiveCheck | null>(null);
  const [checking, setChecking] = useState(false);
  const [status, setStatus] = useState<StatusMessage | null>(null);
  const [newGroup, setNewGroup] = useState('');
  const [renaming, setRenaming] = useState<{ from: string; to: string } | null>(null);
  // A group that still holds tags is removed only after a second click that names what goes with it.
  const [removing, setRemoving] = useState<string | null>(null);
  const editor = useRef<RuleEditorHandle>(null);
  const checkJob = useRef<JobHandle<RuleCheckResult> | null>(null);
  const importInput = useRef<HTMLInputElement>(null);

  // Edits land on the latest state, not a stale copy (jobs finish after other edits).
  const workspaceRef = useRef(workspace);
  workspaceRef.current = workspace;
  const onChangeRef = useRef(props.onWorkspaceChange);
  onChangeRef.current = props.onWorkspaceChange;
  const updateWorkspace = useCallback((change: (state: TagsWorkspaceState) => TagsWorkspaceState) => {
    const next = change(workspaceRef.current);
    workspaceRef.current = next;
    onChangeRef.current(next);
  }, []);
  const updateSet = useCallback(
    (change: (set: TagSet) => TagSet, done?: string): boolean => {
      try {
        updateWorkspace((state) => ({ ...state, tagSet: change(state.tagSet) }));
        if (done) setStatus({ tone: 'ok', text: done });
        return true;
      } catch (err) {
        setStatus({ tone: 'error', text: describeError(err) });
        return false;
      }
    },
    [updateWorkspace],
  );

  // The first table becomes the working table when none is chosen (the samples load late).
  const autoTable = useRef<string | null>(null);
  useEffect(() => {
    if (tables.length === 0) return;
    // The catalog's selection, until the user picks a table here (autoTable: what the view picked itself).
    const current = workspaceRef.current.table;
    const fallback = defaultTable(tables, selectedTable);
    if (!tables.some((t) => t.name === current) || (current === autoTable.current && current !== fallback)) {
      autoTable.current = fallback;
      updateWorkspace((s) => ({ ...s, table: fallback }));
    }
  }, [tables, selectedTable, updateWorkspace]);

  const table = workspace.table;
  const tableInfo = tables.find((t) => t.name === table) ?? null;
  const columns = useMemo(() => tableInfo?.columns ?? [], [tableInfo]);

  // Live count: each change cancels the check in flight; a new one starts once typing pauses.
  const ruleText = form.kind === 'rule' ? form.ruleText : '';
  useEffect(() => {
    checkJob.current?.cancel();
    checkJob.current = null;
    if (!ruleText.trim() || !table) {
      setCheck(null);
      setChecking(false);
      return;
    }
    setChecking(true);
    const timer = setTimeout(() => {
      const handle = engine.start('rules.check', { text: ruleText, source: { table } });
      checkJob.current = handle;
      handle.result.then(
        (result) => {
          if (checkJob.current === handle) setCheck({ text: ruleText, table, result, error: null });
        },
        (err: unknown) => {
          if (checkJob.current === handle && !isCancelled(err)) setCheck({ text: ruleText, table, result: null, error: describeError(err) });
        },
      ).finally(() => {
        if (checkJob.current === handle) {
          checkJob.current = null;
          setChecking(false);
        }
      });
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [engine, ruleText, table]);
  useEffect(() => () => checkJob.current?.cancel(), []);

  const currentCheck = check && check.text === ruleText && check.table === table ? check : null;
  const firstProblem = currentCheck?.result?.errors[0] ?? null;
  useEffect(() => {
    const range = firstProblem ? problemRange(firstProblem, ruleText.length) : null;
    if (range) editor.current?.markError(range.from, range.to);
    else editor.current?.clearError();
    // Only a new check result moves the mark; typing maps it along meanwhile.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [currentCheck]);

  const editTag = (tag: Tag | null): void => {
    const next = tag ? formOf(tag) : emptyForm(form.group || workspace.tagSet.taxonomy[0] || 'basic');
    setForm(next);
    editor.current?.setText(next.ruleText);
    setSection('editor');
    setStatus(null);
  };

  const editedDefinition = form.id ? workspace.tagSet.tags.find((t) => t.id === form.id)?.definition : undefined;
  const embeddedSegment = form.kind === 'segment' && editedDefinition?.kind === 'segment' && editedDefinition.segmentation ? editedDefinition : null;

  const definitionFromForm = (): TagDefinition | string => {
    if (form.kind === 'rule') {
      if (!form.ruleText.trim()) return 'Write the rule first.';
      const result = currentCheck?.result;
      if (!result) return checking ? 'The rule is still being checked; try again in a moment.' : 'The rule has not been checked against a table yet.';
      if (!result.ast) return `The rule does not parse: ${firstProblem ? problemText(firstProblem) : 'unknown problem'}`;
      return { kind: 'rule', text: form.ruleText, ast: result.ast };
    }
    if (form.kind === 'model') {
      const threshold = Number(form.threshold);
      if (!form.modelRef.trim()) return 'Name the saved model the tag scores with.';
      if (!Number.isFinite(threshold)) return 'The score threshold must be a number.';
      return { kind: 'model', modelRef: form.modelRef.trim(), threshold };
    }
    // A tag saved from the Segments view carries its segmentation: keep it as it is.
    if (embeddedSegment) return embeddedSegment;
    if (!form.segmentRef.trim() || !form.segmentId.trim()) return 'Name the segmentation and the segment.';
    const id = form.segmentId.trim();
    return { kind: 'segment', segmentRef: form.segmentRef.trim(), segmentId: /^\d+$/.test(id) ? Number(id) : id };
  };

  const saveTag = (): void => {
    const definition = definitionFromForm();
    if (typeof definition === 'string') {
      setStatus({ tone: 'error', text: definition });
      return;
    }
    const set = workspaceRef.current.tagSet;
    const previous = form.id ? set.tags.find((t) => t.id === form.id) : undefined;
    const id = previous?.id ?? tagIdFor(form.name || 'tag', set.tags.map((t) => t.id));
    // A new tag remembers the table it was written on (shown when another table lacks its columns).
    const entity = previous ? previous.entity : table ? { table } : undefined;
    const tag: Tag = { id, name: form.name, group: form.group, description: form.description, owner: form.owner, status: previous?.status ?? 'draft', definition, ...(entity ? { entity } : {}) };
    const warning = form.kind === 'rule' && currentCheck?.result && !currentCheck.result.ok ? ` Note: the rule does not fit ${table} (${firstProblem ? problemText(firstProblem) : ''}).` : '';
    if (updateSet((s) => upsertTag(s, tag), `${previous ? 'Updated' : 'Added'} the tag “${form.name.trim()}”.${warning}`)) setForm((f) => ({ ...f, id }));
  };

  const deleteTag = (id: string): void => {
    const name = workspace.tagSet.tags.find((t) => t.id === id)?.name ?? id;
    if (updateSet((s) => removeTag(s, id), `Deleted the tag “${name}”.`) && form.id === id) editTag(null);
  };

  const onAddMined = useCallback(
    (result: RulesMineResult, ids: ReadonlySet<string>): number => {
      let added = 0;
      updateWorkspace((state) => {
        const merged = addMinedTags(state.tagSet, result.tagSet, ids);
        added = merged.added.length;
        // Validation measures the label just mined, on the same default holdout rows.
        return { ...state, tagSet: merged.set, validation: prefillValidation(state.validation, result) };
      });
      return added;
    },
    [updateWorkspace],
  );

  // A finished mining run sets the Validate tab's target and positive value to its label.
  const onMined = useCallback((result: RulesMineResult) => updateWorkspace((state) => ({ ...state, validation: prefillValidation(state.validation, result) })), [updateWorkspace]);

  const removeGroupNow = (group: string, withTags: boolean): void => {
    const held = workspaceRef.current.tagSet.tags.filter((t) => t.group === group);
    const done = held.length > 0 ? `Removed the group “${group}” and its ${held.length} tag${held.length === 1 ? '' : 's'}.` : `Removed the group “${group}”.`;
    if (!updateSet((s) => removeGroup(s, group, { withTags }), done)) return;
    setRemoving(null);
    // The editor must not keep a removed tag or group (the status line keeps saying what was removed).
    const firstGroup = workspaceRef.current.tagSet.taxonomy[0] ?? '';
    if (form.id && held.some((t) => t.id === form.id)) {
      setForm(emptyForm(firstGroup));
      editor.current?.setText('');
    } else if (form.group === group) setForm((f) => ({ ...f, group: firstGroup }));
  };

  const onValidated = useCallback(
    (result: TagsValidateResult, sent: TagSet) => updateWorkspace((state) => ({ ...state, ...applyValidation(state, result, sent, new Date().toISOString()) })),
    [updateWorkspace],
  );

  const exportSet = async (): Promise<void> => {
    const fileName = tagSetFileName(workspace.name || 'tags');
    try {
      await saveText(saveBytes, fileName, tagSetFileText(workspace.tagSet));
      setStatus({ tone: 'ok', text: `Exported ${workspace.tagSet.tags.length} tags as ${fileName}.` });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not export the tag set: ${describeError(err)}` });
    }
  };

  const importSet = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    try {
      const set = parseTagSetFile(await file.text());
      updateWorkspace((state) => ({ ...state, tagSet: set, name: file.name.replace(/\.json$/i, ''), gates: {} }));
      editTag(null);
      setStatus({ tone: 'ok', text: `Opened ${file.name}: ${set.tags.length} tags.` });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not read ${file.name}: ${describeError(err)}` });
    }
  };

  const saveInWorkspace = (): void => {
    try {
      updateWorkspace((state) => saveTagSetAs(state, state.name, new Date().toISOString()));
      setStatus({ tone: 'ok', text: `Saved the tag set “${workspaceRef.current.name}” in the workspace (save the workspace to keep it on disk).` });
    } catch (err) {
      setStatus({ tone: 'error', text: describeError(err) });
    }
  };

  const groups = groupTags(workspace.tagSet);
  const selectedTag = form.id ? (workspace.tagSet.tags.find((t) => t.id === form.id) ?? null) : null;
  const selectedGate = selectedTag ? currentGate(selectedTag, workspace.gates) : null;
  const liveResult = currentCheck?.result ?? null;

  return (
    <div className="models-view side-view tags-view">
      <aside className="models-setup side-panel tags-list" aria-label="Tag set">
        <h2>Tags</h2>
        <label className="models-inline">
          Table
          <select
            value={table}
            onChange={(e) => {
              autoTable.current = null;
              updateWorkspace((s) => ({ ...s, table: e.target.value }));
            }}
            data-testid="tags-table"
          >
            <TableOptions tables={tables} rowCounts emptyHint />
          </select>
        </label>
        <div className="tags-set-actions">
          <label className="models-inline">
            Set <input type="text" size={12} value={workspace.name} onChange={(e) => updateWorkspace((s) => ({ ...s, name: e.target.value }))} aria-label="Tag set name" data-testid="tags-set-name" />
          </label>
          <button type="button" className="btn btn-small" onClick={saveInWorkspace} data-testid="tags-save-set">
            Save in workspace
          </button>
          <button type="button" className="btn btn-small" onClick={() => void exportSet()} data-testid="tags-export">
            Export tags.json
          </button>
          <button type="button" className="btn btn-small" onClick={() => importInput.current?.click()} data-testid="tags-import">
            Open tags.json…
          </button>
          <input ref={importInput} type="file" accept=".json,application/json" hidden onChange={(e) => void importSet(e)} data-testid="tags-import-input" />
        </div>
        <button type="button" className="btn btn-primary btn-small" onClick={() => editTag(null)} data-testid="tags-new">
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
                      if (updateSet((s) => renameGroup(s, renaming.from, renaming.to))) {
                        // The tag being edited moves with its group.
                        const to = renaming.to.trim();
                        setForm((f) => (f.group === renaming.from ? { ...f, group: to } : f));
                        setRenaming(null);
                      }
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
                      onClick={() => (g.tags.length > 0 ? setRemoving(g.group) : removeGroupNow(g.group, false))}
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
                  <button type="button" className="btn btn-small btn-danger" onClick={() => removeGroupNow(g.group, true)} data-testid="tags-group-confirm-remove">
                    Remove
                  </button>{' '}
                  <button type="button" className="btn btn-small" onClick={() => setRemoving(null)}>
                    Cancel
                  </button>
                </div>
              )}
              <ul className="tags-items">
                {g.tags.map((tag) => {
                  const gate = currentGate(tag, workspace.gates);
                  return (
                    <li key={tag.id} className={`tags-item${form.id === tag.id ? ' selected' : ''}`} data-testid="tag-row" data-tag-id={tag.id} data-status={tag.status}>
                      <button type="button" className="tags-item-main" onClick={() => editTag(tag)} title={definitionSummary(tag.definition)}>
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
            if (updateSet((s) => addGroup(s, newGroup), `Added the group “${newGroup.trim()}”.`)) setNewGroup('');
          }}
        >
          <input type="text" size={14} placeholder="new group" value={newGroup} onChange={(e) => setNewGroup(e.target.value)} aria-label="New group name" data-testid="tags-new-group" />
          <button type="submit" className="btn btn-small" disabled={!newGroup.trim()}>
            Add group
          </button>
        </form>

        <section className="models-saved" aria-label="Saved tag sets">
          <h3>Saved tag sets ({workspace.saved.length})</h3>
          <ul className="sql-list" data-testid="tags-saved">
            {workspace.saved.map((s) => (
              <li key={s.name} className="sql-list-row">
                <button
                  type="button"
                  className="sql-list-item"
                  onClick={() => {
                    updateWorkspace((state) => ({ ...state, tagSet: s.tagSet, name: s.name }));
                    editTag(null);
                  }}
                >
                  <span className="sql-list-main">{s.name}</span>
                  <span className="sql-list-meta">
                    {s.tagSet.tags.length} tags · {new Date(s.savedAt).toLocaleString()}
                  </span>
                </button>
                <button type="button" className="btn-icon" aria-label={`Delete saved tag set ${s.name}`} onClick={() => updateWorkspace((state) => ({ ...state, saved: state.saved.filter((x) => x.name !== s.name) }))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        </section>
      </aside>

      <div className="models-main">
        <div className="tags-sections" role="tablist" aria-label="Tag tools">
          {(
            [
              ['editor', 'Rule editor'],
              ['mine', 'Mine rules'],
              ['validate', 'Validate'],
            ] as const
          ).map(([key, label]) => (
            <button key={key} type="button" role="tab" aria-selected={section === key} className="tab" onClick={() => setSection(key)} data-testid={`tags-section-${key}`}>
              {label}
            </button>
          ))}
        </div>
        {status && <StatusLine status={status} onDismiss={() => setStatus(null)} testId="tags-status" />}

        <div hidden={section !== 'editor'} className="tags-panel" data-testid="tags-editor">
          <section className="models-card">
            <header className="models-card-head">
              <h3>{form.id ? `Edit “${selectedTag?.name ?? form.name}”` : 'New tag'}</h3>
              {selectedTag && (
                <span className="tags-badges">
                  <span className={`tags-status tags-status-${selectedTag.status}`}>{selectedTag.status}</span>
                  {MANUAL_TRANSITIONS[selectedTag.status].map((to) => (
                    <button key={to} type="button" className="btn btn-small" onClick={() => updateSet((s) => setTagStatus(s, selectedTag.id, to), `“${selectedTag.name}” is now ${to}.`)} data-testid={`tag-status-${to}`}>
                      {STATUS_ACTIONS[to]}
                    </button>
                  ))}
                  <button type="button" className="btn btn-small btn-danger" onClick={() => deleteTag(selectedTag.id)} data-testid="tag-delete">
                    Delete
                  </button>
                </span>
              )}
            </header>
            <div className="tags-form-grid">
              <label className="models-inline">
                Name <input type="text" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} data-testid="tag-name" />
              </label>
              <label className="models-inline">
                Group
                <select value={form.group} onChange={(e) => setForm({ ...form, group: e.target.value })} data-testid="tag-group">
                  {workspace.tagSet.taxonomy.map((g) => (
                    <option key={g} value={g}>
                      {g}
                    </option>
                  ))}
                </select>
              </label>
              <label className="models-inline">
                Owner <input type="text" value={form.owner} onChange={(e) => setForm({ ...form, owner: e.target.value })} data-testid="tag-owner" />
              </label>
              <label className="models-inline">
                Kind
                <select value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as TagForm['kind'] })} data-testid="tag-kind">
                  <option value="rule">rule</option>
                  <option value="model">model threshold</option>
                  <option value="segment">segment</option>
                </select>
              </label>
              <label className="models-inline tags-wide">
                Description <input type="text" className="tags-grow" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} data-testid="tag-description" />
              </label>
            </div>

            <div hidden={form.kind !== 'rule'}>
              <RuleEditor ref={editor} columns={columns} initialText={form.ruleText} onTextChange={(text) => setForm((f) => ({ ...f, ruleText: text }))} />
              <div className="tags-live" role="status" data-testid="rule-live">
                {!table && <span className="muted">Open a table to check rules against.</span>}
                {table && !ruleText.trim() && <span className="muted">Type a rule: columns complete with Ctrl+Space; the count of matching rows updates as you type.</span>}
                {checking && ruleText.trim() && <span className="muted">checking…</span>}
                {liveResult && liveResult.count !== null && liveResult.rows !== null && (
                  <span data-testid="rule-count" data-count={liveResult.count} data-rows={liveResult.rows}>
                    <b>{formatCount(liveResult.count)}</b> of {formatCount(liveResult.rows)} rows match ({formatPercent(liveResult.rows > 0 ? liveResult.count / liveResult.rows : 0)}) in {table}
                  </span>
                )}
                {liveResult && liveResult.canonical && !sameText(liveResult.canonical, ruleText) && <span className="muted small"> · reads as <code>{liveResult.canonical}</code></span>}
              </div>
              {liveResult && liveResult.errors.length > 0 && (
                <ul className="sql-error tags-problems" role="alert" data-testid="rule-errors">
                  {liveResult.errors.map((p, i) => (
                    <li key={i} className="sql-error-message" data-testid="rule-error" data-offset={p.position?.offset ?? ''} data-line={p.position?.line ?? ''} data-column={p.position?.column ?? ''}>
                      {problemText(p)}
                      {p.position && !p.message.includes(`column ${p.position.column}`) ? ` (line ${p.position.line}, column ${p.position.column})` : ''}
                    </li>
                  ))}
                </ul>
              )}
              {currentCheck?.error && <ErrorPanel message={`The rule could not be checked: ${currentCheck.error}`} />}
            </div>
            {form.kind === 'model' && (
              <div className="tags-form-grid">
                <label className="models-inline">
                  Saved model <input type="text" value={form.modelRef} placeholder="name in the Models tab" onChange={(e) => setForm({ ...form, modelRef: e.target.value })} data-testid="tag-model-ref" />
                </label>
                <label className="models-inline">
                  Score ≥ <input type="text" inputMode="decimal" size={6} value={form.threshold} onChange={(e) => setForm({ ...form, threshold: e.target.value })} data-testid="tag-threshold" />
                </label>
                <span className="muted small">Model tags are measured by the model service; validation lists them as not measured here.</span>
              </div>
            )}
            {form.kind === 'segment' && embeddedSegment && (
              <p className="muted small" data-testid="tag-segment-embedded">
                Segment {String(embeddedSegment.segmentId)} of “{embeddedSegment.segmentRef}” (k = {embeddedSegment.segmentation?.k}), saved from the Segments tab with its scaler and centroids: it is evaluated, validated and packed like a rule.
              </p>
            )}
            {form.kind === 'segment' && !embeddedSegment && (
              <div className="tags-form-grid">
                <label className="models-inline">
                  Segmentation <input type="text" value={form.segmentRef} placeholder="name in the Segments tab" onChange={(e) => setForm({ ...form, segmentRef: e.target.value })} data-testid="tag-segment-ref" />
                </label>
                <label className="models-inline">
                  Segment <input type="text" size={8} value={form.segmentId} onChange={(e) => setForm({ ...form, segmentId: e.target.value })} data-testid="tag-segment-id" />
                </label>
                <span className="muted small">A reference only. Use “Save as segment tags” in the Segments tab for tags that carry their scaler and centroids (so they can be evaluated and packed).</span>
              </div>
            )}
            <div className="models-train-row">
              <button type="button" className="btn btn-primary" onClick={saveTag} disabled={!form.name.trim()} data-testid="tag-save">
                {form.id ? 'Save tag' : 'Add tag'}
              </button>
              {selectedGate && !selectedGate.passed && (
                <span className="tags-fail small" data-testid="tag-gate-reasons">
                  Fails its gates: {selectedGate.reasons.join('; ')}
                </span>
              )}
              {selectedGate && selectedGate.passed && <span className="tags-pass small">Passed its gates on holdout ({new Date(selectedGate.at).toLocaleString()}).</span>}
            </div>
          </section>
        </div>

        <div hidden={section !== 'mine'}>
          <MiningPanel
            engine={engine}
            table={table}
            columns={columns}
            form={workspace.mining}
            gatePrecision={workspace.validation.minPrecision}
            onFormChange={(mining) => updateWorkspace((s) => ({ ...s, mining }))}
            onMined={onMined}
            onAddTags={onAddMined}
          />
        </div>
        <div hidden={section !== 'validate'}>
          <ValidationPanel
            engine={engine}
            table={table}
            columns={columns}
            tagSet={workspace.tagSet}
            form={workspace.validation}
            onFormChange={(validation) => updateWorkspace((s) => ({ ...s, validation }))}
            onValidated={onValidated}
            visible={visible && section === 'validate'}
          />
        </div>
      </div>
    </div>
  );
}
