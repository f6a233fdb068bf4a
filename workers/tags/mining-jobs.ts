/** The rules.mine and tags.validate jobs: read rows, split, mine or measure, gate. */
import type { DataEngine } from '../data/engine';
import { findLabelValue } from '../data/label-values';
import { quoteIdent } from '../data/sql-text';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { jobRegistrar, type JobContext, type JobHost } from '../protocol/host';
import { ruleColumns, type RuleExpr } from './ast';
import { checkRuleAgainstSchema, evaluateRule } from './evaluate';
import { checkMineOptions, mineRules, type MineOptions } from './mining';
import type { MiningJobs, MinedRuleReport, RulesMineParams, RulesMineResult, TagValidation, TagsValidateParams, TagsValidateResult } from './mining-types';
import { printRule } from './printer';
import { plainRows, stableRelation } from '../data/relation';
import { applicableTags, sourceLabel, sourceTable } from './applicability';
import { segmentFires, segmentTagRef, SEGMENT_WITHOUT_SEGMENTATION, type SegmentTagRef } from './segment-eval';
import { DEFAULT_TAXONOMY, parseTagSet, tagNameFrom, transitionTag, type Tag, type TagSet } from './tag';
import { describeRelation, findColumn, loadFrame, resolveRelation, resolveTarget, type ColumnDesc, type ResolvedTarget } from './tag-data';
import { prepareValue } from './value-data';
import { valueStats } from './value-stats';
import {
  checkGates,
  checkGateSpec,
  coverageOnly,
  overlapMatrix,
  splitHoldout,
  stabilityOverTime,
  tagMetrics,
  unionOf,
  type CoverageOnly,
  type Gate,
  type GateMetric,
  type GateOutcome,
  type TagMetrics,
  type TagSplit,
} from './validation';

export const DEFAULT_SPLIT: TagSplit = { kind: 'stratified', holdoutFraction: 0.3, seed: 42 };

function checkSplit(split: TagSplit | undefined): TagSplit {
  if (split === undefined) return DEFAULT_SPLIT;
  if (!split || typeof split !== 'object' || !['random', 'stratified', 'time', 'all'].includes(split.kind)) {
    throw new EngineError('BAD_INPUT', 'The split must be { kind: "random" | "stratified" | "time" | "all", holdoutFraction?, timeColumn?, seed? }.');
  }
  if (split.kind === 'time' && !split.timeColumn) throw new EngineError('BAD_INPUT', 'A time split needs a time column (split.timeColumn).');
  return { holdoutFraction: 0.3, seed: 42, ...split };
}

function rowsWhere(flags: Uint8Array, value: number): Uint32Array {
  let k = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] === value) k++;
  const out = new Uint32Array(k);
  k = 0;
  for (let i = 0; i < flags.length; i++) if (flags[i] === value) out[k++] = i;
  return out;
}

function invert(flags: Uint8Array): Uint8Array {
  const out = new Uint8Array(flags.length);
  for (let i = 0; i < flags.length; i++) out[i] = flags[i] ? 0 : 1;
  return out;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function orOf(rules: RuleExpr[]): RuleExpr | null {
  if (rules.length === 0) return null;
  return rules.length === 1 ? (rules[0] as RuleExpr) : { type: 'or', args: rules };
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60) || 'tag';
}

/** rules.mine: proposes rules for a target, measured on rows the search never saw. */
export async function mineRulesJob(engine: DataEngine, params: RulesMineParams, ctx: JobContext): Promise<RulesMineResult> {
  const started = Date.now();
  const options: MineOptions = checkMineOptions({
    minPrecision: params.minPrecision,
    minSupport: params.minSupport,
    maxRules: params.maxRules,
    maxConditions: params.maxConditions,
    seed: params.seed,
    timeBudgetMs: params.timeBudgetMs,
  });
  const split = checkSplit(params.split);
  if (split.kind === 'all') throw new EngineError('BAD_INPUT', 'Mining needs holdout rows to measure its rules on; use a random, stratified or time split.');
  ctx.progress(0.01, 'checking the target');
  const relation = await resolveRelation(engine, params.source);
  const columns = await describeRelation(engine, relation, ctx.signal);
  const target = await resolveTarget(engine, relation, columns, { target: params.target, positive: params.positive }, ctx.signal);
  const timeColumn = split.kind === 'time' ? findColumn(columns, split.timeColumn, 'time column') : undefined;
  const keyColumn = findColumn(columns, params.keyColumn, 'key column');
  const excluded = new Set([target.column.name, ...(params.exclude ?? [])]);
  let features: ColumnDesc[];
  if (params.features && params.features.length > 0) {
    features = params.features.map((name) => {
      const c = findColumn(columns, name, 'feature') as ColumnDesc;
      if (c.name === target.column.name) throw new EngineError('BAD_INPUT', `The target "${name}" cannot also be a rule column.`);
      return c;
    });
  } else features = columns.filter((c) => !excluded.has(c.name) && (c.kind === 'numeric' || c.kind === 'text' || c.kind === 'boolean'));
  if (features.length === 0) throw new EngineError('BAD_INPUT', 'There are no columns to build rules from (numbers, text or booleans besides the target).');

  ctx.progress(0.03, 'reading rows');
  const frame = await loadFrame(engine, relation, { columns: features, target, timeColumn, keyColumn }, ctx.signal);
  const labels = frame.labels as Uint8Array;
  const holdout = splitHoldout(frame.rows, split, labels, frame.times);
  const trainRows = rowsWhere(holdout, 0);
  if (trainRows.length === 0) throw new EngineError('BAD_INPUT', 'The split leaves no training rows.');
  // The budget covers the whole job: reading rows came out of it, and measuring on holdout and
  // polishing the rules need a share of it at the end.
  const spent = Date.now() - started;
  const searchBudget = Math.max(1, options.timeBudgetMs - spent - Math.min(0.25 * options.timeBudgetMs, 1000 + frame.rows / 100));
  const outcome = await mineRules({ table: frame.table, columns: features, labels, trainRows }, { ...options, timeBudgetMs: searchBudget }, (f, phase) => ctx.progress(0.05 + 0.85 * f, phase), ctx.signal);
  throwIfAborted(ctx.signal);

  ctx.progress(0.93, 'measuring on holdout');
  const train = invert(holdout);
  const positive = target.positive;
  const prefix = params.namePrefix ?? `${target.column.name}=${positive} rule`;
  const group = params.group ?? 'predictive';
  const fires: Uint8Array[] = [];
  const reports: MinedRuleReport[] = outcome.rules.map((rule, k) => {
    const text = printRule(rule.ast);
    const f = evaluateRule(rule.ast, frame.table);
    fires.push(f);
    const onTrain = tagMetrics(f, labels, train);
    const truePositives: string[] = [];
    const falsePositives: string[] = [];
    for (let i = 0; i < frame.rows && (truePositives.length < 5 || falsePositives.length < 5); i++) {
      if (!holdout[i] || !f[i]) continue;
      const list = labels[i] ? truePositives : falsePositives;
      if (list.length < 5) list.push(frame.keyOf(i));
    }
    return {
      id: `${slug(prefix)}_${k + 1}`,
      // The target's name and value come from the data: tabs or 300 characters must still give a tag name.
      name: tagNameFrom(prefix, { suffix: ` ${k + 1}` }),
      text,
      ast: rule.ast,
      origin: rule.origin,
      train: { support: onTrain.support, tp: onTrain.tp, fp: onTrain.fp, precision: onTrain.precision.value },
      outOfBag: rule.outOfBag,
      holdout: tagMetrics(f, labels, holdout),
      examples: { truePositives, falsePositives },
    };
  });
  const cumulative: RulesMineResult['set']['cumulative'] = [];
  for (let k = 1; k <= fires.length; k++) {
    const m = tagMetrics(unionOf(fires.slice(0, k), frame.rows), labels, holdout);
    cumulative.push({ rules: k, precision: m.precision.value, recall: m.recall.value, f1: m.f1.value });
  }
  const setAst = orOf(outcome.rules.map((r) => r.ast));
  const setHoldout = tagMetrics(unionOf(fires, frame.rows), labels, holdout);
  const taxonomy = DEFAULT_TAXONOMY.includes(group) ? [...DEFAULT_TAXONOMY] : [...DEFAULT_TAXONOMY, group];
  const measuredAt = new Date().toISOString();
  // The mined tags remember the table they were made on (shown when another table lacks their columns).
  const madeOn = sourceTable(params.source);
  const tagSet: TagSet = parseTagSet({
    taxonomy,
    tags: reports.map((r) => ({
      id: r.id,
      name: r.name,
      group,
      description: `Mined for ${target.column.name} = ${positive} (${r.origin === 'tree' ? 'a path of a bagged tree' : 'beam search over binned conditions'}).`,
      owner: '',
      status: 'draft',
      definition: { kind: 'rule', text: r.text, ast: r.ast },
      metrics: { measuredAt, by: 'rules.mine', text: r.text, target: { column: target.column.name, positive }, split, holdout: r.holdout },
      ...(madeOn ? { entity: { table: madeOn } } : {}),
    })),
  });
  const trainPositives = countWhere(labels, train);
  const holdoutRows = frame.rows - trainRows.length;
  ctx.progress(1, 'done');
  return {
    target: target.column.name,
    positive,
    application: 'A row gets the tag when any of the rules fires (the rules are joined with OR); each rule is also a tag of its own.',
    rules: reports,
    set: { text: setAst ? printRule(setAst) : 'FALSE', ast: setAst, holdout: setHoldout, cumulative },
    tagSet,
    rows: { train: trainRows.length, holdout: holdoutRows },
    baseRate: { train: trainPositives / trainRows.length, holdout: holdoutRows > 0 ? setHoldout.positives / holdoutRows : null },
    split,
    seed: options.seed,
    stoppedEarly: outcome.stoppedEarly,
    candidatesTried: outcome.candidatesTried,
    warnings: [...outcome.warnings, ...(outcome.rules.length === 0 ? [`No rule reached precision ${options.minPrecision} with enough support on the out-of-bag rows; try a lower minimum precision or support.`] : [])],
    elapsedMs: Date.now() - started,
  };
}

/**
 * When resolveTarget refused the target and it holds one value in every row, that value is the
 * positive one the user named: the value as shown. Anything else (a missing column, NULLs, a
 * positive value that does not occur) keeps resolveTarget's refusal.
 */
async function singlePositiveClass(engine: DataEngine, relation: string, columns: ColumnDesc[], params: TagsValidateParams, signal: AbortSignal): Promise<string | undefined> {
  const column = columns.find((c) => c.name === params.target);
  if (!column) return undefined;
  const col = quoteIdent(column.name);
  const row = plainRows(await engine.driver.query(`SELECT count(*) AS n, count(${col}) AS nn, count(DISTINCT CAST(${col} AS VARCHAR)) AS d, min(CAST(${col} AS VARCHAR)) AS v FROM ${relation}`, signal))[0] ?? {};
  const n = Number(row.n);
  if (!(n > 0) || Number(row.nn) !== n || Number(row.d) !== 1 || row.v === null || row.v === undefined) return undefined;
  const booleanColumn = column.kind === 'boolean';
  const positive = params.positive === undefined || params.positive === '' ? (booleanColumn ? 'true' : undefined) : params.positive;
  if (positive === undefined) return undefined;
  // On a BOOLEAN column, the value as the user named it ("yes"), as resolveTarget records it.
  return findLabelValue(positive, [String(row.v)], booleanColumn)?.named;
}

/** Gates that compare tagged rows with positive ones: meaningless when every row is positive. */
const LABEL_GATES = new Set<GateMetric>(['precision', 'recall', 'f1', 'lift']);

function countWhere(labels: Uint8Array, rows: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < labels.length; i++) if (rows[i]) s += labels[i] as number;
  return s;
}

/** tags.validate: metrics per tag on holdout, overlap, stability, and the gate verdicts. */
export async function validateTagsJob(engine: DataEngine, params: TagsValidateParams, ctx: JobContext): Promise<TagsValidateResult> {
  const started = Date.now();
  const set = parseTagSet(params.tagSet);
  const gates = checkGateSpec(params.gates);
  const split = checkSplit(params.split);
  const windows = params.windows ?? 4;
  if (!(Number.isInteger(windows) && windows >= 1 && windows <= 100)) throw new EngineError('BAD_INPUT', `The number of time windows must be 1 to 100 (got ${String(params.windows)}).`);
  const relation = await resolveRelation(engine, params.source);
  const columns = await describeRelation(engine, relation, ctx.signal);
  // A set can mix tags made on other tables: take the (chosen) tags this table has the columns for.
  const { tags: applicable, leftOut } = applicableTags(set, columns.map((c) => c.name), sourceLabel(params.source), params.tags);
  let target: ResolvedTarget | undefined;
  // A target whose every row is the positive value: coverage is still measured, the rest is not.
  let oneClass: { column: string; value: string } | undefined;
  const warnings: string[] = [];
  if (params.target) {
    try {
      target = await resolveTarget(engine, relation, columns, { target: params.target, positive: params.positive }, ctx.signal);
    } catch (err) {
      const only = err instanceof EngineError && err.code === 'BAD_INPUT' ? await singlePositiveClass(engine, relation, columns, params, ctx.signal) : undefined;
      if (only === undefined) throw err;
      oneClass = { column: params.target, value: only };
      warnings.push(`The target "${params.target}" has one value in every row ("${only}"): precision, recall, F1 and lift need positive and negative rows, so only coverage is measured.`);
    }
  } else if (split.kind === 'stratified') throw new EngineError('BAD_INPUT', 'A stratified split needs a target; give one, or use a random, time or "all" split.');
  // Rule tags carry an AST; segment tags that embed their segmentation are assigned by the cluster engine.
  const rules: Array<{ tag: Tag; ast: RuleExpr | null; segment: SegmentTagRef | null; text: string }> = [];
  const skipped: TagsValidateResult['skipped'] = [];
  for (const tag of applicable) {
    if (tag.definition.kind === 'segment') {
      const segment = segmentTagRef(tag);
      if (segment) rules.push({ tag, ast: null, segment, text: `segment ${segment.segment} of ${tag.definition.segmentRef}` });
      else skipped.push({ id: tag.id, name: tag.name, reason: SEGMENT_WITHOUT_SEGMENTATION });
      continue;
    }
    if (tag.definition.kind !== 'rule') {
      skipped.push({ id: tag.id, name: tag.name, reason: `${tag.definition.kind} tags are measured by the ${tag.definition.kind} service` });
      continue;
    }
    try {
      checkRuleAgainstSchema(tag.definition.ast, columns, tag.definition.text);
    } catch (err) {
      if (err instanceof EngineError) throw new EngineError('BAD_INPUT', `Tag "${tag.name}": ${err.message}`, err.detail);
      throw err;
    }
    rules.push({ tag, ast: tag.definition.ast, segment: null, text: tag.definition.text });
  }
  const timeName = split.kind === 'time' ? split.timeColumn : params.timeColumn;
  const timeColumn = findColumn(columns, timeName, 'time column');
  const byName = new Map(columns.map((c) => [c.name, c]));
  const needed = [...new Set(rules.flatMap((r) => (r.ast ? ruleColumns(r.ast) : [])))].map((name) => byName.get(name) as ColumnDesc);
  // The value (GMV) is read in the same query as the rule columns, so each row's value lines up with its tags.
  const valued = params.value !== undefined ? await prepareValue(engine, relation, columns, params.value, ctx.signal) : null;
  const readFrom = valued?.relation ?? relation;
  ctx.progress(0.1, 'reading rows');
  const segmentRefs = rules.flatMap((r) => (r.segment ? [r.segment] : []));
  // Segment tags read the rows a second time (the cluster engine assigns them): both reads must
  // see the rows in the same order, which a query does not promise.
  const rows = segmentRefs.length > 0 ? await stableRelation(engine, readFrom, ctx.signal) : { relation: readFrom, release: async () => undefined };
  let frame: Awaited<ReturnType<typeof loadFrame>>;
  let segmentFired: Uint8Array[];
  try {
    frame = await loadFrame(engine, rows.relation, { columns: valued ? [...needed, valued.column] : needed, target, timeColumn }, ctx.signal);
    if (segmentRefs.length > 0) ctx.progress(0.15, 'assigning segments');
    segmentFired = segmentRefs.length > 0 && frame.rows > 0 ? await segmentFires(engine, rows.relation, segmentRefs, ctx) : segmentRefs.map(() => new Uint8Array(frame.rows));
  } finally {
    await rows.release();
  }
  // With one class, a stratified split is a random one over that class.
  const holdout = splitHoldout(frame.rows, split, oneClass ? new Uint8Array(frame.rows).fill(1) : frame.labels, frame.times);
  const train = split.kind === 'all' ? null : invert(holdout);
  const value = valued ? valued.read(frame.table, holdout) : null;
  const labels = frame.labels;
  const measure = (f: Uint8Array, rows: Uint8Array): TagMetrics | CoverageOnly => (labels ? tagMetrics(f, labels, rows) : coverageOnly(f, rows));
  // With one class, a label gate fails in words that say why (checkGates would say no target was given).
  const gate = (m: TagMetrics | CoverageOnly, list: Gate[], figures: ReturnType<typeof valueStats> | null): GateOutcome => {
    if (!oneClass) return checkGates(m, list, 'holdout', figures);
    const only = oneClass;
    const outcome = checkGates(m, list.filter((g) => !LABEL_GATES.has(g.metric)), 'holdout', figures);
    const unmeasured = list.filter((g) => LABEL_GATES.has(g.metric)).map((g) => `${g.metric} cannot be measured: every row of the target "${only.column}" is "${only.value}"`);
    return { passed: outcome.passed && unmeasured.length === 0, reasons: [...outcome.reasons, ...unmeasured] };
  };
  const fires: Uint8Array[] = [];
  const results: TagValidation[] = [];
  for (let k = 0; k < rules.length; k++) {
    throwIfAborted(ctx.signal);
    ctx.progress(0.2 + (0.7 * k) / Math.max(1, rules.length), `tag ${k + 1} of ${rules.length}`);
    const { tag, ast, segment, text } = rules[k] as (typeof rules)[number];
    const f = ast ? evaluateRule(ast, frame.table) : (segmentFired[segmentRefs.indexOf(segment as SegmentTagRef)] as Uint8Array);
    fires.push(f);
    const onHoldout = measure(f, holdout);
    const tagValue = value ? valueStats(value.values, f, holdout) : null;
    const outcome = gate(onHoldout, gates.perTag ?? [], tagValue);
    results.push({
      id: tag.id,
      name: tag.name,
      text,
      previousStatus: tag.status,
      status: tag.status,
      holdout: onHoldout,
      train: train ? measure(f, train) : null,
      stability: frame.times ? stabilityOverTime(f, labels, frame.times, windows, holdout) : null,
      gates: outcome,
      ...(tagValue ? { value: tagValue } : {}),
    });
    await yieldToEventLoop();
  }
  const setFires = unionOf(fires, frame.rows);
  const setHoldout = measure(setFires, holdout);
  const setValue = value ? valueStats(value.values, setFires, holdout) : null;
  const setGates: GateOutcome = gate(setHoldout, gates.tagSet ?? [], setValue);
  // A tag is validated only when it and its set pass on holdout; a failing tag goes back to draft.
  const statusOf = new Map<string, Tag>();
  const measuredAt = new Date().toISOString();
  const measuredTarget = target ? { column: target.column.name, positive: target.positive } : undefined;
  for (const r of results) {
    const tag = (rules.find((x) => x.tag.id === r.id) as { tag: Tag }).tag;
    const passed = r.gates.passed && setGates.passed;
    if (!setGates.passed) r.gates = { passed: false, reasons: [...r.gates.reasons, ...setGates.reasons.map((x) => `the tag set fails: ${x}`)] };
    let next = tag;
    if (passed && tag.status === 'draft') next = transitionTag(tag, 'validated');
    else if (!passed && tag.status !== 'draft') next = transitionTag(tag, 'draft');
    r.status = next.status;
    statusOf.set(tag.id, { ...next, metrics: { measuredAt, by: 'tags.validate', text: r.text, ...(measuredTarget ? { target: measuredTarget } : {}), split, holdout: r.holdout } });
  }
  ctx.progress(1, 'done');
  return {
    rows: { train: train ? frame.rows - rowsWhere(holdout, 1).length : 0, holdout: rowsWhere(holdout, 1).length },
    tags: results,
    set: { holdout: setHoldout, gates: setGates, ...(setValue ? { value: setValue } : {}) },
    ...(value ? { value: value.summary } : {}),
    overlap: { ids: results.map((r) => r.id), names: results.map((r) => r.name), jaccard: overlapMatrix(fires, holdout) },
    tagSet: { ...set, tags: set.tags.map((t) => statusOf.get(t.id) ?? t) },
    skipped,
    leftOut,
    split,
    warnings,
    elapsedMs: Date.now() - started,
  };
}

/** Registers rules.mine and tags.validate. */
export function registerMiningJobs(host: JobHost, engine: DataEngine): void {
  const on = jobRegistrar<MiningJobs>(host);
  on('rules.mine', (p, ctx) => mineRulesJob(engine, p, ctx));
  on('tags.validate', (p, ctx) => validateTagsJob(engine, p, ctx));
}
