import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type JSX } from 'react';
import type { RulesMineResult, TagsValidateResult } from '../../../workers/api';
import { StatusLine, type StatusMessage } from '../../components/Feedback';
import { describeError } from '../../errors';
import { useWorkspaceUpdater } from '../../use-workspace-updater';
import { defaultTable, saveText, type SaveBytes, type WorkspaceViewProps } from '../view-props';
import { MiningPanel } from './MiningPanel';
import { KeywordMiningPanel } from './KeywordMiningPanel';
import type { RuleEditorHandle } from './RuleEditor';
import {
  addGroup,
  addMinedTags,
  applyValidation,
  prefillValidation,
  currentGate,
  parseTagSetFile,
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
import { emptyForm, formOf, type TagForm } from './tag-form';
import { TagEditorCard } from './TagEditorCard';
import { TagSetPanel } from './TagSetPanel';
import type { Tag, TagDefinition, TagSet, TagsWorkspaceState } from './types';
import { useLiveRuleCheck } from './use-live-rule-check';
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

/**
 * Tags: the tag set by taxonomy group (TagSetPanel), the rule editor with a live count
 * (TagEditorCard), mining (MiningPanel) and validation (ValidationPanel).
 */
export function TagsView(props: TagsViewProps): JSX.Element {
  const { engine, tables, saveBytes, visible = true, selectedTable } = props;
  const workspace = props.workspace;
  const [section, setSection] = useState<Section>('editor');
  const [form, setForm] = useState<TagForm>(() => emptyForm(workspace.tagSet.taxonomy[0] ?? 'basic'));
  const [status, setStatus] = useState<StatusMessage | null>(null);
  const editor = useRef<RuleEditorHandle>(null);

  // Edits land on the latest state, not a stale copy (jobs finish after other edits).
  const { workspaceRef, updateWorkspace } = useWorkspaceUpdater(workspace, props.onWorkspaceChange);
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
  }, [tables, selectedTable, updateWorkspace, workspaceRef]);

  const table = workspace.table;
  const tableInfo = tables.find((t) => t.name === table) ?? null;
  const columns = useMemo(() => tableInfo?.columns ?? [], [tableInfo]);

  // Live count: each change cancels the check in flight; a new one starts once typing pauses.
  const ruleText = form.kind === 'rule' ? form.ruleText : '';
  const liveCheck = useLiveRuleCheck(engine, ruleText, table, editor);
  const { currentCheck, checking, firstProblem } = liveCheck;

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

  const onAddKeywordTags = useCallback(
    (mined: TagSet, ids: ReadonlySet<string>): number => {
      let added = 0;
      updateWorkspace((state) => {
        const merged = addMinedTags(state.tagSet, mined, ids);
        added = merged.added.length;
        return { ...state, tagSet: merged.set };
      });
      return added;
    },
    [updateWorkspace],
  );

  // A finished mining run sets the Validate tab's target and positive value to its label.
  const onMined = useCallback((result: RulesMineResult) => updateWorkspace((state) => ({ ...state, validation: prefillValidation(state.validation, result) })), [updateWorkspace]);

  const removeGroupNow = (group: string, withTags: boolean): boolean => {
    const held = workspaceRef.current.tagSet.tags.filter((t) => t.group === group);
    const done = held.length > 0 ? `Removed the group “${group}” and its ${held.length} tag${held.length === 1 ? '' : 's'}.` : `Removed the group “${group}”.`;
    if (!updateSet((s) => removeGroup(s, group, { withTags }), done)) return false;
    // The editor must not keep a removed tag or group (the status line keeps saying what was removed).
    const firstGroup = workspaceRef.current.tagSet.taxonomy[0] ?? '';
    if (form.id && held.some((t) => t.id === form.id)) {
      setForm(emptyForm(firstGroup));
      editor.current?.setText('');
    } else if (form.group === group) setForm((f) => ({ ...f, group: firstGroup }));
    return true;
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

  const selectedTag = form.id ? (workspace.tagSet.tags.find((t) => t.id === form.id) ?? null) : null;
  const selectedGate = selectedTag ? currentGate(selectedTag, workspace.gates) : null;

  return (
    <div className="models-view side-view tags-view">
      <TagSetPanel
        tables={tables}
        table={table}
        onChooseTable={(next) => {
          autoTable.current = null;
          updateWorkspace((s) => ({ ...s, table: next }));
        }}
        workspace={workspace}
        editedId={form.id}
        onEditTag={editTag}
        onRename={(name) => updateWorkspace((s) => ({ ...s, name }))}
        onSaveInWorkspace={saveInWorkspace}
        onExport={() => void exportSet()}
        onImport={(e) => void importSet(e)}
        onAddGroup={(name) => updateSet((s) => addGroup(s, name), `Added the group “${name.trim()}”.`)}
        onRenameGroup={(from, to) => {
          if (!updateSet((s) => renameGroup(s, from, to))) return false;
          // The tag being edited moves with its group.
          const trimmed = to.trim();
          setForm((f) => (f.group === from ? { ...f, group: trimmed } : f));
          return true;
        }}
        onRemoveGroup={removeGroupNow}
        onOpenSaved={(s) => {
          updateWorkspace((state) => ({ ...state, tagSet: s.tagSet, name: s.name }));
          editTag(null);
        }}
        onDeleteSaved={(name) => updateWorkspace((state) => ({ ...state, saved: state.saved.filter((x) => x.name !== name) }))}
      />

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
          <TagEditorCard
            form={form}
            setForm={setForm}
            selected={{ tag: selectedTag, gate: selectedGate }}
            taxonomy={workspace.tagSet.taxonomy}
            rule={{ editorRef: editor, table, columns, text: ruleText, live: liveCheck }}
            embeddedSegment={embeddedSegment}
            onSetStatus={(tag, to) => updateSet((s) => setTagStatus(s, tag.id, to), `“${tag.name}” is now ${to}.`)}
            onDelete={deleteTag}
            onSave={saveTag}
          />
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
          <KeywordMiningPanel engine={engine} table={table} columns={columns} onAddTags={onAddKeywordTags} />
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
