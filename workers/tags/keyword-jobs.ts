/**
 * The rules.mineKeywords job: keyword rules for every class of a label column from a text column
 * (keyword-mining.ts), read from DuckDB as two Arrow columns, returned with per-class reports and
 * as a tag set whose tags record the class they assign (`label`).
 */
import type { DataSourceRef } from '../data/types';
import type { DataEngine } from '../data/engine';
import { quoteIdent } from '../data/sql-text';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { jobRegistrar, type JobContext, type JobHost } from '../protocol/host';
import { sourceTable } from './applicability';
import { mineKeywordRules, type KeywordClassReport, type KeywordRule } from './keyword-mining';
import { DEFAULT_TAXONOMY, parseTagSet, tagNameFrom, type TagSet } from './tag';
import { describeRelation, resolveRelation } from './tag-data';
import { tagIdFor } from './tag-set-edit';
import { tokenizeWords } from './text-match';
import type { TagMetrics, TagSplit } from './validation';

export interface RulesMineKeywordsParams {
  source: DataSourceRef;
  /** The text column rules look for words in. */
  text: string;
  /** The label column: every distinct value is a class (rows without a value are left out). */
  target: string;
  /** Share of each class's rows held out for measuring (default 0.3). */
  holdoutFraction?: number;
  seed?: number;
  /** Minimum precision of a rule on out-of-bag rows (default 0.85). */
  minPrecision?: number;
  /** Minimum training rows a rule covers: a share below 1, a count from 1 (default 5). */
  minSupport?: number;
  maxRulesPerClass?: number;
  /** Two-word phrases as candidates too (default true). */
  phrases?: boolean;
  /** More classes than this is an error (default 10,000). */
  maxClasses?: number;
  /** A column whose values name evidence rows (default: the 0-based row number). */
  keyColumn?: string;
  /** Taxonomy group of the mined tags (default "<target> keywords"). */
  group?: string;
}

export interface KeywordRuleReport {
  id: string;
  label: string;
  mode: 'word' | 'phrase';
  /** The word or phrase (lower case). */
  keyword: string;
  /** Canonical rule text, e.g. `Description CONTAINS WORD 'mug'`. */
  text: string;
  train: { support: number; tp: number };
  outOfBag: { support: number; tp: number; precision: number };
  holdout: TagMetrics;
  /** Keys of up to five holdout rows where the rule fires and the class is right, and where it is wrong. */
  evidence: { right: string[]; wrong: string[] };
}

export interface KeywordClassSummary {
  label: string;
  rows: { train: number; holdout: number };
  rules: KeywordRuleReport[];
  set: TagMetrics | null;
  note?: string;
}

export interface RulesMineKeywordsResult {
  text: string;
  target: string;
  classes: KeywordClassSummary[];
  /** Rule ids in the order they are applied (a row gets the class of the first rule that fires). */
  order: string[];
  overall: { labelled: number; correct: number; coverage: number; precision: number | null };
  rows: { train: number; holdout: number; unlabelled: number };
  candidates: number;
  tagSet: TagSet;
  split: TagSplit;
  warnings: string[];
  elapsedMs: number;
}

export type KeywordJobs = {
  'rules.mineKeywords': { params: RulesMineKeywordsParams; result: RulesMineKeywordsResult };
};

/** A label as it can appear in a tag name: control characters become spaces, long labels are cut. */
function shownLabel(label: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what tag names refuse
  const clean = label.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() || '(blank)';
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}

const TEXT_TYPES = /^(VARCHAR|TEXT|STRING)/i;

const hasWords = (t: string | null): boolean => t !== null && tokenizeWords(t).length > 0;
// As the miner counts labels: any value that is not NULL is a class.
const hasLabel = (l: string | null | undefined): boolean => l !== null && l !== undefined;

/**
 * A text column without a word in any row would mine "0 rules" and exit cleanly; refuse it in words
 * instead, naming the column, as labels train does. Stops at the first row with words, so it is cheap.
 */
function refuseWordlessText(texts: ReadonlyArray<string | null>, labels: ReadonlyArray<string | null>, textName: string, labelName: string): void {
  if (!texts.some(hasWords)) {
    throw new EngineError('BAD_INPUT', `The text column "${textName}" has no words in any row (every value is NULL, empty or punctuation): there is nothing to find keyword rules in.`);
  }
  // Rows with no label are left to the miner, whose message names that case.
  if (!labels.some(hasLabel)) return;
  if (!texts.some((t, i) => hasWords(t) && hasLabel(labels[i]))) {
    throw new EngineError('BAD_INPUT', `No row has both a text with words in "${textName}" and a label in "${labelName}": there is nothing to mine.`);
  }
}

/** rules.mineKeywords: keyword rules for every class of a label column, in one pass. */
export async function mineKeywordsJob(engine: DataEngine, params: RulesMineKeywordsParams, ctx: JobContext): Promise<RulesMineKeywordsResult> {
  const started = Date.now();
  if (typeof params.text !== 'string' || !params.text) throw new EngineError('BAD_INPUT', 'Choose the text column to find keywords in.');
  if (typeof params.target !== 'string' || !params.target) throw new EngineError('BAD_INPUT', 'Choose the label column whose classes the keywords should find.');
  if (params.text === params.target) throw new EngineError('BAD_INPUT', `"${params.text}" cannot be both the text and the label column.`);
  ctx.progress(0.01, 'reading the columns');
  const relation = await resolveRelation(engine, params.source);
  const columns = await describeRelation(engine, relation, ctx.signal);
  const find = (name: string, role: string) => {
    const c = columns.find((x) => x.name === name);
    if (!c) throw new EngineError('BAD_INPUT', `The ${role} "${name}" is not a column of the data (columns: ${columns.slice(0, 8).map((x) => x.name).join(', ')}${columns.length > 8 ? ', ...' : ''}).`);
    return c;
  };
  const textColumn = find(params.text, 'text column');
  if (!TEXT_TYPES.test(textColumn.type)) throw new EngineError('BAD_INPUT', `The text column "${textColumn.name}" is ${textColumn.type}; keyword rules need a text column.`);
  const target = find(params.target, 'label column');
  const key = params.keyColumn ? find(params.keyColumn, 'key column') : undefined;
  const items = [`CAST(${quoteIdent(textColumn.name)} AS VARCHAR) AS t`, `CAST(${quoteIdent(target.name)} AS VARCHAR) AS l`];
  if (key) items.push(`CAST(${quoteIdent(key.name)} AS VARCHAR) AS k`);
  const table = await engine.driver.query(`SELECT ${items.join(', ')} FROM ${relation}`, ctx.signal);
  throwIfAborted(ctx.signal);
  if (table.numRows === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to mine.');
  const texts = (table.getChild('t')?.toArray() ?? []) as Array<string | null>;
  const labels = (table.getChild('l')?.toArray() ?? []) as Array<string | null>;
  const keys = key ? table.getChild('k') : null;
  refuseWordlessText(texts, labels, textColumn.name, target.name);
  const keyOf = (row: number): string => (keys ? String(keys.get(row) ?? 'NULL') : String(row));

  ctx.progress(0.1, 'counting words per class');
  // The miner yields to the event loop as it goes, so a cancel from the host stops it within ~50 ms.
  const mined = await mineKeywordRules(texts, labels, {
    column: textColumn.name,
    holdoutFraction: params.holdoutFraction,
    seed: params.seed,
    minPrecision: params.minPrecision,
    minSupport: params.minSupport,
    maxRulesPerClass: params.maxRulesPerClass,
    phrases: params.phrases,
    maxClasses: params.maxClasses,
    signal: ctx.signal,
    onProgress: (fraction, phase) => ctx.progress(0.1 + 0.8 * fraction, phase),
  });
  throwIfAborted(ctx.signal);
  ctx.progress(0.9, 'writing the tag set');

  const ids = new Map<KeywordRule, string>();
  const taken: string[] = [];
  for (const r of mined.rules) {
    const id = tagIdFor(`${target.name}_${r.label}_${r.text}`, taken);
    taken.push(id);
    ids.set(r, id);
  }
  const report = (r: KeywordRule): KeywordRuleReport => ({
    id: ids.get(r) as string,
    label: r.label,
    mode: r.mode,
    keyword: r.text,
    text: r.ruleText,
    train: r.grow,
    outOfBag: r.outOfBag,
    holdout: r.holdout,
    evidence: { right: r.evidence.right.map(keyOf), wrong: r.evidence.wrong.map(keyOf) },
  });
  const classes: KeywordClassSummary[] = mined.classes.map((c: KeywordClassReport) => ({ label: c.label, rows: c.rows, rules: c.rules.map(report), set: c.set, ...(c.note ? { note: c.note } : {}) }));
  const split: TagSplit = { kind: 'stratified', holdoutFraction: mined.options.holdoutFraction, seed: mined.options.seed };
  const group = params.group ?? `${shownLabel(target.name)} keywords`;
  const measuredAt = new Date().toISOString();
  const madeOn = sourceTable(params.source);
  const names = new Set<string>();
  const tagSet = parseTagSet({
    taxonomy: DEFAULT_TAXONOMY.includes(group) ? [...DEFAULT_TAXONOMY] : [...DEFAULT_TAXONOMY, group],
    tags: mined.rules.map((r) => {
      const base = `${shownLabel(target.name)} = ${shownLabel(r.label)}: ${r.text}`;
      let name = tagNameFrom(base);
      for (let k = 2; names.has(name.toLowerCase()); k++) name = tagNameFrom(base, { suffix: ` (${k})` });
      names.add(name.toLowerCase());
      return {
        id: ids.get(r),
        name,
        group,
        description: `Keyword rule mined for ${target.name} = ${r.label}: rows whose ${textColumn.name} contains the ${r.mode} '${r.text}'.`,
        owner: '',
        status: 'draft',
        definition: { kind: 'rule', text: r.ruleText, ast: r.ast },
        metrics: { measuredAt, by: 'rules.mineKeywords', text: r.ruleText, target: { column: target.name, positive: r.label }, split, holdout: r.holdout },
        label: { column: target.name, value: r.label },
        ...(madeOn ? { entity: { table: madeOn } } : {}),
      };
    }),
  });
  ctx.progress(1, 'done');
  return {
    text: textColumn.name,
    target: target.name,
    classes,
    order: mined.rules.map((r) => ids.get(r) as string),
    overall: mined.overall,
    rows: mined.rows,
    candidates: mined.candidates,
    tagSet,
    split,
    warnings: mined.warnings,
    elapsedMs: Date.now() - started,
  };
}

/** Registers rules.mineKeywords. */
export function registerKeywordJobs(host: JobHost, engine: DataEngine): void {
  const on = jobRegistrar<KeywordJobs>(host);
  on('rules.mineKeywords', (p, ctx) => mineKeywordsJob(engine, p, ctx));
}
