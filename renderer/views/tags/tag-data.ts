/**
 * Pure helpers of the Tags view: the taxonomy and the tag list, status changes, the forms of the
 * mining and validation panels turned into job parameters, figures in words, and the tags.json
 * file. No React and no engine calls, so unit tests can check them.
 */
import type {
  ColumnInfo,
  Estimate,
  GateSpec,
  RuleProblem,
  RulesMineParams,
  TagSplit,
  TagsValidateParams,
  TagsValidateResult,
} from '../../../workers/api';
import { DEFAULT_MINING_PRECISION, MINING_PRECISION_MARGIN, addSegmentTags, missingColumnsReason, removeGroup, tagIdFor, tagNameFrom, tagReadsColumns, withEntityTable } from '../../../workers/api';
import { tagSetSchema, type GateRecord, type MiningForm, type Tag, type TagDefinition, type TagSet, type TagsWorkspaceState, type ValidationForm } from './types';

// Shared with the CLI (the engine's pure tag-set edits).
export { addSegmentTags, removeGroup, tagIdFor, withEntityTable };

export type FormResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

// ---------------------------------------------------------------- taxonomy and list

export interface TagGroup {
  group: string;
  tags: Tag[];
  /** The group is not in the taxonomy (a tag set edited by hand). */
  unlisted: boolean;
}

/** Tags by taxonomy group, in taxonomy order; every group shows, even empty ones. */
export function groupTags(set: TagSet): TagGroup[] {
  const groups: TagGroup[] = set.taxonomy.map((group) => ({ group, tags: set.tags.filter((t) => t.group === group), unlisted: false }));
  const listed = new Set(set.taxonomy);
  for (const tag of set.tags) {
    if (listed.has(tag.group)) continue;
    const existing = groups.find((g) => g.group === tag.group);
    if (existing) existing.tags.push(tag);
    else groups.push({ group: tag.group, tags: [tag], unlisted: true });
  }
  return groups;
}

export const KIND_LABELS: Record<TagDefinition['kind'], string> = { rule: 'rule', model: 'model threshold', segment: 'segment' };

/** What a tag tests, in one line. */
export function definitionSummary(def: TagDefinition): string {
  switch (def.kind) {
    case 'rule':
      return def.text;
    case 'model':
      return `score of ${def.modelRef ?? 'an embedded model'} >= ${def.threshold}`;
    case 'segment':
      return `member of segment ${String(def.segmentId)} of ${def.segmentRef}${def.segmentation ? ` (k = ${def.segmentation.k}, scaler and centroids embedded)` : ' (reference only: cannot be evaluated or packed)'}`;
  }
}

function bump(set: TagSet, change: Partial<TagSet>): TagSet {
  return { ...set, ...change, version: set.version + 1 };
}

export function addGroup(set: TagSet, name: string): TagSet {
  const group = name.trim();
  if (!group) throw new Error('A group needs a name.');
  if (set.taxonomy.some((g) => g.toLowerCase() === group.toLowerCase())) throw new Error(`The taxonomy already has a group "${group}".`);
  return bump(set, { taxonomy: [...set.taxonomy, group] });
}

/** Renames a group and moves its tags with it. */
export function renameGroup(set: TagSet, from: string, to: string): TagSet {
  const group = to.trim();
  if (!group) throw new Error('A group needs a name.');
  if (group === from) return set;
  if (set.taxonomy.some((g) => g !== from && g.toLowerCase() === group.toLowerCase())) throw new Error(`The taxonomy already has a group "${group}".`);
  return bump(set, {
    taxonomy: set.taxonomy.map((g) => (g === from ? group : g)),
    tags: set.tags.map((t) => (t.group === from ? { ...t, group } : t)),
  });
}

function sameDefinition(a: TagDefinition, b: TagDefinition): boolean {
  return JSON.stringify(a.kind === 'rule' ? { kind: a.kind, text: a.text } : a) === JSON.stringify(b.kind === 'rule' ? { kind: b.kind, text: b.text } : b);
}

/**
 * Adds a tag, or replaces the one with its id. Names must differ ignoring case (they become SQL
 * columns). A changed definition voids review: the tag goes back to draft.
 */
export function upsertTag(set: TagSet, tag: Tag): TagSet {
  const name = tag.name.trim();
  if (!name) throw new Error('A tag needs a name.');
  const clash = set.tags.find((t) => t.id !== tag.id && t.name.toLowerCase() === name.toLowerCase());
  if (clash) throw new Error(`Another tag is already called "${clash.name}" (names must differ, ignoring case).`);
  if (!set.taxonomy.includes(tag.group)) throw new Error(`The group "${tag.group}" is not in the taxonomy (${set.taxonomy.join(', ')}).`);
  const previous = set.tags.find((t) => t.id === tag.id);
  const entry: Tag = { ...tag, name, status: previous && !sameDefinition(previous.definition, tag.definition) ? 'draft' : tag.status };
  return bump(set, { tags: previous ? set.tags.map((t) => (t.id === tag.id ? entry : t)) : [...set.tags, entry] });
}

// Removing a tag and the status changes a person may make are the engine's pure edits (the CLI's too).
export { MANUAL_TRANSITIONS, removeTag, setTagStatus } from '../../../workers/api';

/**
 * Adds mined tags (a rules.mine tag set) to the set: new ids and names where they clash, their
 * group added to the taxonomy if missing. Returns the set and the ids of the added tags.
 */
export function addMinedTags(set: TagSet, mined: TagSet, onlyIds?: ReadonlySet<string>): { set: TagSet; added: string[] } {
  const ids = new Set(set.tags.map((t) => t.id));
  const names = new Set(set.tags.map((t) => t.name.toLowerCase()));
  const taxonomy = [...set.taxonomy];
  const added: Tag[] = [];
  for (const tag of mined.tags) {
    if (onlyIds && !onlyIds.has(tag.id)) continue;
    let name = tag.name;
    // Numbered within the 200-character cap (a mined name may already be near it).
    for (let k = 2; names.has(name.toLowerCase()); k++) name = tagNameFrom(tag.name, { suffix: ` (${k})` });
    const id = tagIdFor(ids.has(tag.id) ? name : tag.id, ids);
    ids.add(id);
    names.add(name.toLowerCase());
    if (!taxonomy.some((g) => g === tag.group)) taxonomy.push(tag.group);
    added.push({ ...tag, id, name, status: 'draft' });
  }
  if (added.length === 0) return { set, added: [] };
  return { set: bump(set, { taxonomy, tags: [...set.tags, ...added] }), added: added.map((t) => t.id) };
}


/**
 * Takes a validation's verdicts into the set: each tag the engine measured gets the status it
 * returned (validated only when it passed), unless the tag was edited since the job started.
 */
export function applyValidation(state: Pick<TagsWorkspaceState, 'tagSet' | 'gates'>, result: TagsValidateResult, sent: TagSet, at: string): Pick<TagsWorkspaceState, 'tagSet' | 'gates'> {
  const sentById = new Map(sent.tags.map((t) => [t.id, t]));
  const statusById = new Map(result.tagSet.tags.map((t) => [t.id, t.status]));
  const gates: Record<string, GateRecord> = { ...state.gates };
  let changed = false;
  const tags = state.tagSet.tags.map((tag) => {
    const before = sentById.get(tag.id);
    const verdict = result.tags.find((v) => v.id === tag.id);
    if (!before || !verdict || !sameDefinition(before.definition, tag.definition)) return tag;
    gates[tag.id] = { passed: verdict.gates.passed, reasons: verdict.gates.reasons, text: verdict.text, at };
    const status = statusById.get(tag.id) ?? tag.status;
    if (status === tag.status) return tag;
    changed = true;
    return { ...tag, status };
  });
  return { tagSet: changed ? bump(state.tagSet, { tags }) : state.tagSet, gates };
}

/** The gate verdict that still applies to a tag (none once its rule was edited). */
export function currentGate(tag: Tag, gates: Readonly<Record<string, GateRecord>>): GateRecord | null {
  const record = gates[tag.id];
  if (!record) return null;
  return tag.definition.kind === 'rule' && record.text !== tag.definition.text ? null : record;
}

// ---------------------------------------------------------------- forms -> job parameters

function numberField(text: string, label: string, problems: string[], check: (v: number) => boolean, rule: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const v = Number(t);
  if (!Number.isFinite(v) || !check(v)) {
    problems.push(`${label} must be ${rule} (got "${t}").`);
    return undefined;
  }
  return v;
}

const isShare = (v: number): boolean => v > 0 && v < 1;

export function splitFromForm(form: ValidationForm, problems: string[]): TagSplit {
  if (form.split === 'all') return { kind: 'all' };
  const holdoutFraction = numberField(form.holdoutShare, 'The holdout share', problems, isShare, 'between 0 and 1, e.g. 0.3');
  const seed = numberField(form.seed, 'The seed', problems, Number.isInteger, 'a whole number');
  const split: TagSplit = { kind: form.split };
  if (holdoutFraction !== undefined) split.holdoutFraction = holdoutFraction;
  if (seed !== undefined) split.seed = seed;
  if (form.split === 'time') {
    if (!form.timeColumn) problems.push('A time split needs a time column.');
    else split.timeColumn = form.timeColumn;
  }
  return split;
}

/** Gates from the form: precision >= x and coverage >= y% per tag (blank = no gate). */
export function gatesFromForm(form: ValidationForm, problems: string[]): GateSpec {
  const perTag: NonNullable<GateSpec['perTag']> = [];
  const precision = numberField(form.minPrecision, 'The minimum precision', problems, (v) => v >= 0 && v <= 1, 'between 0 and 1');
  if (precision !== undefined) perTag.push({ metric: 'precision', min: precision });
  const coverage = numberField(form.minCoveragePercent, 'The minimum coverage', problems, (v) => v >= 0 && v <= 100, 'a percentage from 0 to 100');
  if (coverage !== undefined) perTag.push({ metric: 'coverage', min: coverage / 100 });
  return { perTag };
}

/**
 * Why a tag cannot run on a table (it reads columns the table lacks), in words; null when it can,
 * or when its columns are not known here (the engine then decides).
 */
export function tagLeftOutReason(tag: Tag, columns: readonly ColumnInfo[], table: string): string | null {
  const reads = tagReadsColumns(tag);
  if (reads === null || columns.length === 0) return null;
  const have = new Set(columns.map((c) => c.name));
  const missing = [...new Set(reads)].filter((c) => !have.has(c));
  return missing.length === 0 ? null : missingColumnsReason(missing, table, tag.entity?.table);
}

/** The tags ticked for validation (every tag not unticked). */
export function tagsToValidate(form: Pick<ValidationForm, 'skipTags'>, tagSet: TagSet): Tag[] {
  const skip = new Set(form.skipTags);
  return tagSet.tags.filter((t) => !skip.has(t.id));
}

/** Validation starts from the last mining run's label: its target and positive value. */
export function prefillValidation(form: ValidationForm, mined: { target: string; positive: string }): ValidationForm {
  return { ...form, target: mined.target, positive: mined.positive };
}

export function validateParamsFromForm(form: ValidationForm, table: string, tagSet: TagSet): FormResult<TagsValidateParams> {
  const problems: string[] = [];
  if (!table) problems.push('Choose the table to validate on.');
  if (tagSet.tags.length === 0) problems.push('The tag set has no tags yet.');
  const chosen = tagsToValidate(form, tagSet);
  if (tagSet.tags.length > 0 && chosen.length === 0) problems.push('Tick at least one tag to validate.');
  const split = splitFromForm(form, problems);
  const gates = gatesFromForm(form, problems);
  const windows = numberField(form.windows, 'The number of time windows', problems, (v) => Number.isInteger(v) && v >= 1 && v <= 100, 'a whole number from 1 to 100');
  if (!form.target && split.kind === 'stratified') problems.push('A stratified split needs a target; choose one, or a random, time or "all rows" split.');
  if (problems.length > 0) return { ok: false, problems };
  const params: TagsValidateParams = { tagSet, source: { table }, gates, split };
  // Only a real subset is sent by id; the engine leaves out tags the table lacks columns for either way.
  if (chosen.length < tagSet.tags.length) params.tags = chosen.map((t) => t.id);
  if (form.target) params.target = form.target;
  if (form.target && form.positive) params.positive = form.positive;
  if (form.timeColumn) params.timeColumn = form.timeColumn;
  if (windows !== undefined) params.windows = windows;
  return { ok: true, value: params };
}

export function mineParamsFromForm(form: MiningForm, table: string): FormResult<RulesMineParams> {
  const problems: string[] = [];
  if (!table) problems.push('Choose the table to mine.');
  if (!form.target) problems.push(form.targetKind === 'segment' ? 'Choose the segment column.' : 'Choose the target column.');
  if (form.targetKind === 'segment' && !form.positive) problems.push('Choose the segment to describe.');
  const minPrecision = numberField(form.minPrecision, 'The minimum precision', problems, (v) => v > 0 && v <= 1, 'between 0 and 1');
  const minSupport = numberField(form.minSupport, 'The minimum support', problems, (v) => v > 0, 'a share below 1 (0.01 = 1% of rows) or a row count from 1');
  const maxRules = numberField(form.maxRules, 'The maximum number of rules', problems, (v) => Number.isInteger(v) && v >= 1 && v <= 100, 'a whole number from 1 to 100');
  const maxConditions = numberField(form.maxConditions, 'The conditions per rule', problems, (v) => Number.isInteger(v) && v >= 1 && v <= 10, 'a whole number from 1 to 10');
  const seed = numberField(form.seed, 'The seed', problems, Number.isInteger, 'a whole number');
  const budget = numberField(form.timeBudgetSeconds, 'The time budget', problems, (v) => v > 0 && v <= 3600, 'between 0 and 3600 seconds');
  if (problems.length > 0) return { ok: false, problems };
  const params: RulesMineParams = { source: { table }, target: form.target };
  if (form.positive) params.positive = form.positive;
  if (minPrecision !== undefined) params.minPrecision = minPrecision;
  if (minSupport !== undefined) params.minSupport = minSupport;
  if (maxRules !== undefined) params.maxRules = maxRules;
  if (maxConditions !== undefined) params.maxConditions = maxConditions;
  if (seed !== undefined) params.seed = seed;
  if (budget !== undefined) params.timeBudgetMs = Math.round(budget * 1000);
  if (form.exclude.length > 0) params.exclude = [...form.exclude];
  if (form.targetKind === 'segment') params.namePrefix = `segment ${form.positive} rule`;
  return { ok: true, value: params };
}

/**
 * The mining panel's word on the validation gate: what it is, and whether rules mined at this
 * minimum precision can be expected to pass it (they measure a few points lower on new rows).
 */
export function miningGateNote(minPrecisionText: string, gateText: string): string {
  const gate = Number(gateText.trim());
  const mine = Number(minPrecisionText.trim() || String(DEFAULT_MINING_PRECISION));
  if (gateText.trim() === '' || !Number.isFinite(gate)) return 'Validation has no precision gate.';
  const stated = `Validation gate: precision ≥ ${gateText.trim()} on holdout rows.`;
  if (!Number.isFinite(mine)) return stated;
  if (mine < gate) return `${stated} Rules mined at ${minPrecisionText.trim()} will mostly fail it; mine at ${Math.min(1, Math.round((gate + MINING_PRECISION_MARGIN) * 100) / 100)} or more.`;
  if (mine < gate + MINING_PRECISION_MARGIN - 1e-9) return `${stated} Rules measure a few points lower on rows they were not chosen on, so some mined at ${minPrecisionText.trim()} may fail it.`;
  return `${stated} Mining aims above it because rules measure a few points lower on rows they were not chosen on.`;
}

/** Columns that look like segment membership (the Segments view writes `segment`). */
export function segmentColumns(columns: readonly ColumnInfo[]): ColumnInfo[] {
  return columns.filter((c) => /segment|cluster/i.test(c.name));
}

/** How the mined set is applied, in one plain sentence. */
export function applicationSentence(rules: number, target: string, positive: string): string {
  if (rules === 0) return 'No rule was kept, so nothing would be tagged.';
  const which = rules === 1 ? 'the rule fires' : `any of the ${rules} rules fires (they are joined with OR)`;
  return `A row gets the tag “${target} = ${positive}” when ${which}; a row no rule covers is not tagged.`;
}

// ---------------------------------------------------------------- figures in words

export function formatShare(v: number | null, percent = false): string {
  if (v === null) return '—';
  if (percent) return `${(v * 100).toFixed(v < 0.1 ? 2 : 1)}%`;
  return v.toFixed(3);
}

/** "0.842 [0.801–0.877]": the figure and its 95% interval. */
export function formatEstimate(e: Estimate | null | undefined, percent = false): string {
  if (!e || e.value === null) return '—';
  const f = (v: number): string => formatShare(v, percent);
  return e.low !== null && e.high !== null ? `${f(e.value)} [${f(e.low)}–${f(e.high)}]` : f(e.value);
}

/** The editor range a rule problem points at: [from, to), at least one character where the text allows. */
export function problemRange(problem: RuleProblem, textLength: number): { from: number; to: number } | null {
  const position = problem.position;
  if (!position) return null;
  let from = Math.max(0, Math.min(position.offset, textLength));
  let to = Math.min(textLength, from + Math.max(1, problem.length ?? 1));
  // A problem at the very end ("expected a value") marks the last character so it stays visible.
  if (to <= from && textLength > 0) {
    from = textLength - 1;
    to = textLength;
  }
  return { from, to };
}

export function problemText(problem: RuleProblem): string {
  const suggestion = problem.suggestion && !problem.message.includes(problem.suggestion) ? ` Did you mean ${problem.suggestion}?` : '';
  return `${problem.message}${suggestion}`;
}

// ---------------------------------------------------------------- rule completion

export const RULE_KEYWORDS = ['and', 'or', 'not', 'in', 'between', 'is null', 'is not null', 'like', 'matches', 'contains word', 'contains phrase', 'not contains word', 'true', 'false'] as const;

const BARE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['and', 'or', 'not', 'in', 'between', 'is', 'null', 'like', 'matches', 'rlike', 'regexp', 'true', 'false']);

/** A column name as rule text: bare when it can be, else "double quoted" with "" inside. */
export function ruleIdentifier(name: string): string {
  return BARE.test(name) && !RESERVED.has(name.toLowerCase()) ? name : `"${name.replaceAll('"', '""')}"`;
}

// ---------------------------------------------------------------- tags.json

/** The tag set as `assay rules mine --out` writes it. */
export function tagSetFileText(set: TagSet): string {
  return `${JSON.stringify(set, null, 2)}\n`;
}

export function tagSetFileName(name: string): string {
  const base = name.trim().replace(/[\\/:*?"<>|\s]+/g, '_').replace(/\.json$/i, '') || 'tags';
  return `${base}.json`;
}

/** Reads a tags.json file (its outline; the engine checks rules when it next runs them). */
export function parseTagSetFile(text: string): TagSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('This is not a tag set: it is not valid JSON.');
  }
  const parsed = tagSetSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    throw new Error(`This tag set cannot be read${where}: ${issue?.message ?? 'unknown problem'}.`);
  }
  return parsed.data;
}

/** Keeps a copy of the set under a name; one with the same name (ignoring case) is replaced. */
export function saveTagSetAs(state: TagsWorkspaceState, name: string, at: string): TagsWorkspaceState {
  const trimmed = name.trim();
  if (!trimmed) throw new Error('Give the tag set a name to save it under.');
  const entry = { name: trimmed, savedAt: at, tagSet: state.tagSet };
  const index = state.saved.findIndex((s) => s.name.toLowerCase() === trimmed.toLowerCase());
  const saved = index < 0 ? [...state.saved, entry] : state.saved.map((s, i) => (i === index ? entry : s));
  return { ...state, name: trimmed, saved };
}
