import type { JSX, RefObject } from 'react';
import type { ColumnInfo } from '../../../workers/api';
import { ErrorPanel } from '../../components/Feedback';
import { formatCount, formatPercent } from '../../format';
import { RuleEditor, type RuleEditorHandle } from './RuleEditor';
import { MANUAL_TRANSITIONS, problemText } from './tag-data';
import { sameText, type TagForm } from './tag-form';
import type { GateRecord, Tag, TagDefinition, TagStatus } from './types';
import type { LiveRuleCheck } from './use-live-rule-check';

const STATUS_ACTIONS: Record<TagStatus, string> = { draft: 'Back to draft', validated: 'Withdraw approval', approved: 'Approve' };

/** The rule editor and what its live count is measured on. */
export interface RuleInput {
  editorRef: RefObject<RuleEditorHandle | null>;
  /** The working table and its columns (offered for completion). */
  table: string;
  columns: readonly ColumnInfo[];
  /** The rule text in the editor ('' for tags of other kinds). */
  text: string;
  live: LiveRuleCheck;
}

export interface TagEditorCardProps {
  form: TagForm;
  setForm(next: TagForm | ((form: TagForm) => TagForm)): void;
  /** The saved tag the form edits (null for a new tag) and its last gate result. */
  selected: { tag: Tag | null; gate: GateRecord | null };
  taxonomy: readonly string[];
  rule: RuleInput;
  /** A segment tag saved from the Segments view, with its segmentation (kept as it is). */
  embeddedSegment: Extract<TagDefinition, { kind: 'segment' }> | null;
  onSetStatus(tag: Tag, to: TagStatus): void;
  onDelete(id: string): void;
  onSave(): void;
}

/** The tag editor: name, group, owner, kind, the rule with its live count (or model / segment), Save. */
export function TagEditorCard(props: TagEditorCardProps): JSX.Element {
  const { form, setForm, taxonomy, embeddedSegment, onSetStatus, onDelete, onSave } = props;
  const { tag: selectedTag, gate: selectedGate } = props.selected;
  const { editorRef, columns, table, text: ruleText } = props.rule;
  const { checking, currentCheck } = props.rule.live;
  const liveResult = currentCheck?.result ?? null;
  return (
    <section className="models-card">
      <header className="models-card-head">
        <h3>{form.id ? `Edit “${selectedTag?.name ?? form.name}”` : 'New tag'}</h3>
        {selectedTag && (
          <span className="tags-badges">
            <span className={`tags-status tags-status-${selectedTag.status}`}>{selectedTag.status}</span>
            {MANUAL_TRANSITIONS[selectedTag.status].map((to) => (
              <button key={to} type="button" className="btn btn-small" onClick={() => onSetStatus(selectedTag, to)} data-testid={`tag-status-${to}`}>
                {STATUS_ACTIONS[to]}
              </button>
            ))}
            <button type="button" className="btn btn-small btn-danger" onClick={() => onDelete(selectedTag.id)} data-testid="tag-delete">
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
            {taxonomy.map((g) => (
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
        <RuleEditor ref={editorRef} columns={columns} initialText={form.ruleText} onTextChange={(text) => setForm((f) => ({ ...f, ruleText: text }))} />
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
        <button type="button" className="btn btn-primary" onClick={onSave} disabled={!form.name.trim()} data-testid="tag-save">
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
  );
}
