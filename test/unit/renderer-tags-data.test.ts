import { describe, expect, it } from 'vitest';
import type { TagsValidateResult, TagValidation } from '../../workers/api';
import { metricsFromCounts } from '../../workers/tags/validation';
import { parseRule } from '../../workers/tags/parser';
import { parseTagSet, parseTagSetJson } from '../../workers/tags/tag';
import {
  addGroup,
  addMinedTags,
  applicationSentence,
  applyValidation,
  currentGate,
  formatEstimate,
  groupTags,
  mineParamsFromForm,
  parseTagSetFile,
  problemRange,
  miningGateNote,
  prefillValidation,
  removeGroup,
  renameGroup,
  ruleIdentifier,
  saveTagSetAs,
  setTagStatus,
  tagIdFor,
  tagSetFileName,
  tagSetFileText,
  upsertTag,
  tagLeftOutReason,
  validateParamsFromForm,
} from '../../renderer/views/tags/tag-data';
import type { ColumnInfo } from '../../workers/api';
import { DEFAULT_MINE_OPTIONS } from '../../workers/tags/mining';
import { DEFAULT_GATES } from '../../workers/tags/validation';
import { emptyMiningForm, emptyTagSet, emptyTagsWorkspace, emptyValidationForm, tagsWorkspaceStateSchema, type Tag, type TagSet } from '../../renderer/views/tags/types';
import { workspaceSchema } from '../../renderer/workspace';

function ruleTag(id: string, name: string, text: string, group = 'behaviour'): Tag {
  return { id, name, group, description: '', owner: '', status: 'draft', definition: { kind: 'rule', text, ast: parseRule(text) } };
}

describe('tag list and taxonomy', () => {
  it('groups tags in taxonomy order, showing empty groups and tags of unlisted groups', () => {
    const set: TagSet = { ...emptyTagSet(), tags: [ruleTag('a', 'A', 'x > 1', 'predictive'), ruleTag('b', 'B', 'y = 2', 'basic'), { ...ruleTag('c', 'C', 'z < 0'), group: 'legacy' }] };
    const groups = groupTags(set);
    expect(groups.map((g) => [g.group, g.tags.map((t) => t.id), g.unlisted])).toEqual([
      ['basic', ['b'], false],
      ['behaviour', [], false],
      ['preference', [], false],
      ['predictive', ['a'], false],
      ['legacy', ['c'], true],
    ]);
  });

  it('adds, renames (moving tags) and removes groups, refusing clashes and non-empty groups', () => {
    let set = upsertTag(emptyTagSet(), ruleTag('a', 'A', 'x > 1', 'behaviour'));
    set = addGroup(set, ' lifecycle ');
    expect(set.taxonomy).toEqual(['basic', 'behaviour', 'preference', 'predictive', 'lifecycle']);
    expect(() => addGroup(set, 'Basic')).toThrow(/already has a group "Basic"/);
    set = renameGroup(set, 'behaviour', 'habits');
    expect(set.taxonomy[1]).toBe('habits');
    expect(set.tags[0]?.group).toBe('habits');
    expect(() => renameGroup(set, 'habits', 'BASIC')).toThrow(/already has/);
    expect(() => removeGroup(set, 'habits')).toThrow(/The group "habits" holds 1 tag; remove it with its tags, or move them first/);
    expect(removeGroup(set, 'lifecycle').taxonomy).not.toContain('lifecycle');
    // Every change bumps the set's version.
    expect(set.version).toBeGreaterThan(1);
  });

  it('removes a group together with its tags when asked to (the Tags view asks first)', () => {
    let set = upsertTag(emptyTagSet(), ruleTag('a', 'A', 'x > 1', 'behaviour'));
    set = upsertTag(set, ruleTag('b', 'B', 'x > 2', 'behaviour'));
    set = upsertTag(set, ruleTag('c', 'C', 'x > 3', 'basic'));
    const removed = removeGroup(set, 'behaviour', { withTags: true });
    expect(removed.taxonomy).toEqual(['basic', 'preference', 'predictive']);
    expect(removed.tags.map((t) => t.id)).toEqual(['c']);
    expect(removed.version).toBe(set.version + 1);
    // A group only tags name (not in the taxonomy) goes with its tags too; the last group stays.
    const unlisted = { ...set, tags: [...set.tags, { ...ruleTag('d', 'D', 'x > 4'), group: 'legacy' }] };
    expect(removeGroup(unlisted, 'legacy', { withTags: true }).tags.map((t) => t.id)).toEqual(['a', 'b', 'c']);
    expect(() => removeGroup({ ...emptyTagSet(), taxonomy: ['only'] }, 'only')).toThrow(/at least one group/);
    expect(() => removeGroup(set, 'nope')).toThrow(/no group "nope"/);
  });

  it('makes ids from names, unique within the set', () => {
    expect(tagIdFor('High value / UK', [])).toBe('high_value_uk');
    expect(tagIdFor('High value / UK', ['high_value_uk', 'High_value_UK_2'])).toBe('high_value_uk_3');
    expect(tagIdFor('  ', [])).toBe('tag');
    expect(tagIdFor('__x', [])).toBe('x');
  });

  it('adds and replaces tags; names differ ignoring case; an edited rule goes back to draft', () => {
    let set = upsertTag(emptyTagSet(), ruleTag('a', 'Buyers', 'PageValues > 0'));
    expect(() => upsertTag(set, ruleTag('b', 'BUYERS', 'x > 1'))).toThrow(/already called "Buyers"/);
    expect(() => upsertTag(set, ruleTag('b', 'Other', 'x > 1', 'nowhere'))).toThrow(/not in the taxonomy/);
    set = { ...set, tags: set.tags.map((t) => ({ ...t, status: 'validated' as const })) };
    // Same rule, new description: the review stands.
    set = upsertTag(set, { ...(set.tags[0] as Tag), description: 'people who saw a valued page' });
    expect(set.tags[0]?.status).toBe('validated');
    set = upsertTag(set, { ...(set.tags[0] as Tag), definition: { kind: 'rule', text: 'PageValues > 5', ast: parseRule('PageValues > 5') } });
    expect(set.tags[0]?.status).toBe('draft');
    expect(set.tags).toHaveLength(1);
  });

  it('lets people approve or withdraw, but never sets validated by hand', () => {
    let set = upsertTag(emptyTagSet(), ruleTag('a', 'A', 'x > 1'));
    expect(() => setTagStatus(set, 'a', 'validated')).toThrow(/only by passing its gates/);
    expect(() => setTagStatus(set, 'a', 'approved')).toThrow(/draft; it cannot become approved/);
    set = { ...set, tags: [{ ...(set.tags[0] as Tag), status: 'validated' }] };
    set = setTagStatus(set, 'a', 'approved');
    expect(set.tags[0]?.status).toBe('approved');
    set = setTagStatus(set, 'a', 'validated');
    expect(set.tags[0]?.status).toBe('validated');
    expect(setTagStatus(set, 'a', 'draft').tags[0]?.status).toBe('draft');
  });
});

describe('mined tags and validation verdicts', () => {
  const mined = parseTagSet({
    tags: [ruleTag('Revenue_true_rule_1', 'Revenue=true rule 1', 'PageValues > 25', 'predictive'), ruleTag('Revenue_true_rule_2', 'Revenue=true rule 2', "PageValues > 5 and Month = 'Nov'", 'predictive')],
  });

  it('adds the chosen mined rules as drafts, renaming on clashes', () => {
    const start = upsertTag(emptyTagSet(), ruleTag('Revenue_true_rule_1', 'revenue=TRUE rule 1', 'x > 1', 'predictive'));
    const { set, added } = addMinedTags(start, mined);
    expect(added).toHaveLength(2);
    expect(set.tags.map((t) => t.name)).toEqual(['revenue=TRUE rule 1', 'Revenue=true rule 1 (2)', 'Revenue=true rule 2']);
    expect(new Set(set.tags.map((t) => t.id)).size).toBe(3);
    // The merged set is one the engine accepts.
    expect(() => parseTagSet(set)).not.toThrow();
    expect(addMinedTags(emptyTagSet(), mined, new Set(['Revenue_true_rule_2'])).added).toEqual(['revenue_true_rule_2']);
    expect(addMinedTags(emptyTagSet(), { ...mined, taxonomy: ['x'], tags: mined.tags.map((t) => ({ ...t, group: 'x' })) }).set.taxonomy).toContain('x');
  });

  it('numbers a clashing name of the full 200 characters within the cap', () => {
    const long = `${'segment '.repeat(25)}`.trim().padEnd(200, 'x');
    const first = parseTagSet({ tags: [ruleTag('long_a', long, 'PageValues > 25', 'predictive')] });
    const second = parseTagSet({ tags: [ruleTag('long_b', long, 'PageValues > 5', 'predictive')] });
    const { set } = addMinedTags(addMinedTags(emptyTagSet(), first).set, second);
    const names = set.tags.map((t) => t.name);
    expect(names[0]).toBe(long);
    expect(names[1]?.length).toBe(200);
    expect(names[1]).toMatch(/… \(2\)$/);
    // Still a set the engine accepts (names over 200 characters are refused there).
    expect(() => parseTagSet(set)).not.toThrow();
  });

  function verdict(tag: Tag, passed: boolean, reasons: string[]): TagValidation {
    const m = metricsFromCounts(30, passed ? 3 : 30, 20, 500);
    return { id: tag.id, name: tag.name, text: tag.definition.kind === 'rule' ? tag.definition.text : '', previousStatus: tag.status, status: passed ? 'validated' : 'draft', holdout: m, train: null, stability: null, gates: { passed, reasons } };
  }

  it('takes statuses and gate badges from a validation, except for tags edited meanwhile', () => {
    const sent = mined;
    const [a, b] = sent.tags as [Tag, Tag];
    const result: TagsValidateResult = {
      rows: { train: 700, holdout: 300 },
      tags: [verdict(a, true, []), verdict(b, false, ['precision 0.50 < 0.80 on holdout (95% CI 0.39-0.61)'])],
      set: { holdout: metricsFromCounts(1, 1, 1, 1), gates: { passed: true, reasons: [] } },
      overlap: { ids: [a.id, b.id], names: [a.name, b.name], jaccard: [[1, 0.2], [0.2, 1]] },
      tagSet: { ...sent, tags: [{ ...a, status: 'validated' }, b] },
      skipped: [],
      leftOut: [],
      split: { kind: 'stratified', holdoutFraction: 0.3, seed: 42 },
      elapsedMs: 5,
    };
    const applied = applyValidation({ tagSet: sent, gates: {} }, result, sent, '2026-01-01T00:00:00Z');
    expect(applied.tagSet.tags.map((t) => t.status)).toEqual(['validated', 'draft']);
    expect(applied.gates[b.id]?.reasons[0]).toMatch(/precision 0.50 < 0.80/);
    expect(currentGate(applied.tagSet.tags[1] as Tag, applied.gates)?.passed).toBe(false);
    // An edited rule no longer carries the old verdict.
    const edited = { ...(applied.tagSet.tags[1] as Tag), definition: { kind: 'rule' as const, text: 'PageValues > 50', ast: parseRule('PageValues > 50') } };
    expect(currentGate(edited, applied.gates)).toBeNull();
    // A tag edited while the job ran keeps its status.
    const meanwhile = { ...sent, tags: [{ ...a, definition: { kind: 'rule' as const, text: 'PageValues > 1', ast: parseRule('PageValues > 1') } }, b] };
    const second = applyValidation({ tagSet: meanwhile, gates: {} }, result, sent, 'now');
    expect(second.tagSet.tags[0]?.status).toBe('draft');
    expect(second.gates[a.id]).toBeUndefined();
  });

  it('says how the set is applied', () => {
    expect(applicationSentence(3, 'Revenue', 'true')).toBe('A row gets the tag “Revenue = true” when any of the 3 rules fires (they are joined with OR); a row no rule covers is not tagged.');
    expect(applicationSentence(1, 'y', 'yes')).toMatch(/when the rule fires/);
    expect(applicationSentence(0, 'y', 'yes')).toMatch(/nothing would be tagged/);
  });
});

describe('forms to job parameters', () => {
  it('builds rules.mine parameters, with problems in words', () => {
    const form = { ...emptyMiningForm(), target: 'Revenue', timeBudgetSeconds: '2.5', exclude: ['id'] };
    const built = mineParamsFromForm(form, 'shoppers');
    expect(built).toEqual({ ok: true, value: { source: { table: 'shoppers' }, target: 'Revenue', minPrecision: 0.85, minSupport: 0.01, maxRules: 5, maxConditions: 3, seed: 42, timeBudgetMs: 2500, exclude: ['id'] } });
    const bad = mineParamsFromForm({ ...form, target: '', minPrecision: '1.5', maxRules: '2.5' }, '');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems).toContain('Choose the table to mine.');
      expect(bad.problems).toContain('Choose the target column.');
      expect(bad.problems.join(' ')).toMatch(/minimum precision must be between 0 and 1 \(got "1.5"\)/);
      expect(bad.problems.join(' ')).toMatch(/maximum number of rules must be a whole number/);
    }
    const segment = mineParamsFromForm({ ...form, targetKind: 'segment', target: 'segment', positive: '2' }, 't');
    expect(segment.ok && segment.value.positive).toBe('2');
    expect(segment.ok && segment.value.namePrefix).toBe('segment 2 rule');
    expect(mineParamsFromForm({ ...form, targetKind: 'segment', target: 'segment' }, 't').ok).toBe(false);
  });

  it('builds tags.validate parameters: split, gates (coverage in percent) and windows', () => {
    const set = upsertTag(emptyTagSet(), ruleTag('a', 'A', 'x > 1'));
    const form = { ...emptyValidationForm(), target: 'Revenue', minPrecision: '0.7', minCoveragePercent: '2.5' };
    const built = validateParamsFromForm(form, 't', set);
    expect(built.ok && built.value).toEqual({
      tagSet: set,
      source: { table: 't' },
      target: 'Revenue',
      gates: { perTag: [{ metric: 'precision', min: 0.7 }, { metric: 'coverage', min: 0.025 }] },
      split: { kind: 'stratified', holdoutFraction: 0.3, seed: 42 },
      windows: 4,
    });
    const time = validateParamsFromForm({ ...form, split: 'time', timeColumn: '', minPrecision: '' }, 't', set);
    expect(time.ok).toBe(false);
    if (!time.ok) expect(time.problems).toEqual(['A time split needs a time column.']);
    const noTarget = validateParamsFromForm({ ...form, target: '' }, 't', set);
    expect(!noTarget.ok && noTarget.problems[0]).toMatch(/stratified split needs a target/);
    const all = validateParamsFromForm({ ...form, split: 'all', holdoutShare: 'junk' }, 't', set);
    expect(all.ok && all.value.split).toEqual({ kind: 'all' });
    expect(validateParamsFromForm(form, 't', emptyTagSet()).ok).toBe(false);
  });

  it('sends the ticked subset of tags, and needs at least one', () => {
    let set = upsertTag(emptyTagSet(), ruleTag('a', 'A', 'x > 1'));
    set = upsertTag(set, ruleTag('b', 'B', 'y > 1'));
    const form = { ...emptyValidationForm(), target: 'Revenue' };
    const all = validateParamsFromForm(form, 't', set);
    expect(all.ok && all.value.tags).toBeUndefined();
    const one = validateParamsFromForm({ ...form, skipTags: ['a'] }, 't', set);
    expect(one.ok && one.value.tags).toEqual(['b']);
    const none = validateParamsFromForm({ ...form, skipTags: ['a', 'b'] }, 't', set);
    expect(!none.ok && none.problems).toEqual(['Tick at least one tag to validate.']);
  });

  it('says which tags a table cannot run, by the columns they read', () => {
    const tag = { ...ruleTag('r', 'Recent', 'recency < 30 and frequency > 2'), entity: { table: 'rfm' } };
    const orders = [{ name: 'amount', type: 'DOUBLE' }, { name: 'frequency', type: 'BIGINT' }] as ColumnInfo[];
    expect(tagLeftOutReason(tag, orders, 'orders')).toBe('needs column recency, missing in orders (made on rfm)');
    expect(tagLeftOutReason(tag, [...orders, { name: 'recency', type: 'BIGINT' } as ColumnInfo], 'rfm2')).toBeNull();
    // Without the table's columns (not loaded yet) the engine decides.
    expect(tagLeftOutReason(tag, [], 'orders')).toBeNull();
  });

  it('pre-fills validation with the label of the last mining run', () => {
    const form = { ...emptyValidationForm(), target: 'Churn', positive: 'yes', minPrecision: '0.7' };
    expect(prefillValidation(form, { target: 'Revenue', positive: 'true' })).toEqual({ ...form, target: 'Revenue', positive: 'true' });
  });
});

describe('mining defaults and the validation gate', () => {
  it('mines above the gate by default, and the panel states the gate and warns below it', () => {
    const mining = emptyMiningForm();
    const validation = emptyValidationForm();
    expect(Number(mining.minPrecision)).toBeGreaterThan(Number(validation.minPrecision));
    expect(Number(validation.minPrecision)).toBe(DEFAULT_GATES.perTag?.find((g) => g.metric === 'precision')?.min);
    expect(Number(mining.minPrecision)).toBe(DEFAULT_MINE_OPTIONS.minPrecision);
    expect(miningGateNote(mining.minPrecision, validation.minPrecision)).toBe(
      'Validation gate: precision ≥ 0.8 on holdout rows. Mining aims above it because rules measure a few points lower on rows they were not chosen on.',
    );
    expect(miningGateNote('0.6', '0.8')).toMatch(/Rules mined at 0\.6 will mostly fail it; mine at 0\.85 or more\./);
    expect(miningGateNote('0.8', '0.8')).toMatch(/some mined at 0\.8 may fail it/);
    expect(miningGateNote('0.6', '')).toBe('Validation has no precision gate.');
  });
});

describe('figures, positions and identifiers', () => {
  it('formats estimates with their 95% interval', () => {
    expect(formatEstimate({ value: 0.8421, low: 0.8012, high: 0.8777 })).toBe('0.842 [0.801–0.878]');
    expect(formatEstimate({ value: 0.034, low: 0.03, high: 0.039 }, true)).toBe('3.40% [3.00%–3.90%]');
    expect(formatEstimate({ value: null, low: null, high: null })).toBe('—');
    expect(formatEstimate({ value: 2, low: null, high: null })).toBe('2.000');
  });

  it('maps a problem position to an editor range, keeping end-of-text problems visible', () => {
    expect(problemRange({ message: 'x', position: { line: 1, column: 5, offset: 4 }, length: 3 }, 20)).toEqual({ from: 4, to: 7 });
    expect(problemRange({ message: 'x', position: { line: 1, column: 11, offset: 10 } }, 10)).toEqual({ from: 9, to: 10 });
    expect(problemRange({ message: 'x' }, 10)).toBeNull();
  });

  it('quotes column names the rule language cannot read bare', () => {
    expect(ruleIdentifier('PageValues')).toBe('PageValues');
    expect(ruleIdentifier('order id')).toBe('"order id"');
    expect(ruleIdentifier('in')).toBe('"in"');
    expect(ruleIdentifier('a"b')).toBe('"a""b"');
    expect(ruleIdentifier('2x')).toBe('"2x"');
    // The parser reads each back as the same column.
    for (const name of ['order id', 'in', 'a"b', '2x']) expect(parseRule(`${ruleIdentifier(name)} > 1`)).toEqual({ type: 'compare', op: '>', left: { kind: 'column', name }, right: { kind: 'number', value: 1 } });
  });
});

describe('tags.json and the workspace', () => {
  const set = upsertTag(upsertTag(emptyTagSet(), ruleTag('a', 'Buyers', "PageValues > 0 and Month = 'Nov'")), {
    id: 'm',
    name: 'Likely buyers',
    group: 'predictive',
    description: '',
    owner: 'ana',
    status: 'draft',
    definition: { kind: 'model', modelRef: 'Revenue model', threshold: 0.7 },
  });

  it('exports the file the CLI writes, which the engine reads back unchanged', () => {
    const text = tagSetFileText(set);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseTagSetJson(text)).toEqual(set);
    expect(parseTagSetFile(text)).toEqual(set);
    expect(tagSetFileName('my tags')).toBe('my_tags.json');
    expect(tagSetFileName('tags.json')).toBe('tags.json');
    expect(tagSetFileName('')).toBe('tags.json');
  });

  it('reads tag sets the engine wrote, and says what is wrong with others', () => {
    const engineSet = parseTagSet({ tags: [ruleTag('x', 'X', 'a between 1 and 2 or b is null', 'basic')] });
    expect(parseTagSetFile(JSON.stringify(engineSet))).toEqual(engineSet);
    expect(() => parseTagSetFile('{')).toThrow(/not valid JSON/);
    expect(() => parseTagSetFile(JSON.stringify({ ...engineSet, schema: 'other/2' }))).toThrow(/at "schema"/);
    expect(() => parseTagSetFile(JSON.stringify({ ...engineSet, tags: [{ ...engineSet.tags[0], id: '-bad' }] }))).toThrow(/at "tags.0.id"/);
  });

  it('keeps tag sets by name in the workspace; older workspaces without tags still load', () => {
    let state = { ...emptyTagsWorkspace(), tagSet: set };
    state = saveTagSetAs(state, ' churn tags ', '2026-01-01T00:00:00Z');
    state = saveTagSetAs({ ...state, tagSet: emptyTagSet() }, 'CHURN TAGS', '2026-01-02T00:00:00Z');
    expect(state.saved.map((s) => [s.name, s.tagSet.tags.length])).toEqual([['CHURN TAGS', 0]]);
    expect(() => saveTagSetAs(state, ' ', 'x')).toThrow(/name/);
    const roundTrip = tagsWorkspaceStateSchema.parse(JSON.parse(JSON.stringify({ ...state, tagSet: set })));
    expect(roundTrip.tagSet).toEqual(set);
    const base = { version: 1, sources: [], sql: { queries: [], history: [], charts: [] }, selectedTable: null };
    const older = workspaceSchema.safeParse(base);
    expect(older.success).toBe(true);
    expect(older.success && older.data.tags).toBeUndefined();
    expect(workspaceSchema.safeParse({ ...base, tags: state }).success).toBe(true);
    expect(workspaceSchema.safeParse({ ...base, tags: { ...state, tagSet: { taxonomy: [], tags: [] } } }).success).toBe(false);
    // A workspace saved before tags could be unticked for validation validates every tag; entity tables round-trip.
    const { skipTags: _none, ...olderForm } = state.validation;
    void _none;
    expect(tagsWorkspaceStateSchema.parse({ ...state, validation: olderForm }).validation.skipTags).toEqual([]);
    const withEntity = { ...set, tags: set.tags.map((t) => ({ ...t, entity: { table: 'orders' } })) };
    expect(tagsWorkspaceStateSchema.parse(JSON.parse(JSON.stringify({ ...state, tagSet: withEntity }))).tagSet.tags[0]?.entity).toEqual({ table: 'orders' });
  });
});
