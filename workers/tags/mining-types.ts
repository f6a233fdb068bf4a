/** Job types of rule mining (rules.mine) and tag validation (tags.validate); re-exported by workers/api via types.ts. */
import type { DataSourceRef } from '../data/types';
import type { LeftOutTag } from './applicability';
import type { RuleExpr } from './ast';
import type { TagSet, TagSetInput, TagStatus } from './tag';
import type { CoverageOnly, GateOutcome, GateSpec, Stability, TagMetrics, TagSplit } from './validation';
import type { ValueSpec, ValueSummary } from './value-data';
import type { ValueStats } from './value-stats';

export type { LeftOutTag } from './applicability';
export type { CoverageOnly, Estimate, Gate, GateMetric, GateOutcome, GateSpec, Stability, TagMetrics, TagSplit, WindowMetrics } from './validation';
export type { ValueSpec, ValueSummary } from './value-data';
export type { ValueStats } from './value-stats';

export interface RulesMineParams {
  source: DataSourceRef;
  /** The label column (or a segment-membership column). */
  target: string;
  /** The label value (or segment id) to find; `true` for a boolean target when absent. */
  positive?: string;
  /** Columns rules may use; every number, text and boolean column except the target when absent. */
  features?: string[];
  /** Columns rules must not use (ids, leaks). */
  exclude?: string[];
  /** Minimum precision of each rule on out-of-bag rows (default 0.85: the default 0.80 precision gate of tags.validate plus a margin, so fresh rules can pass it). */
  minPrecision?: number;
  /** Minimum rows a rule covers: a share of rows below 1, a row count from 1 (default 0.01). */
  minSupport?: number;
  maxRules?: number;
  /** Conditions per rule (default 3). */
  maxConditions?: number;
  /** Seed of the search (subsamples, bagged trees); the same seed gives the same rules. */
  seed?: number;
  /** The search stops after this long and keeps what it found (default 30,000 ms). */
  timeBudgetMs?: number;
  /** Train/holdout split (default stratified, 30% holdout, seed 42); holdout rows are only measured. */
  split?: TagSplit;
  /** A column whose values name example rows (default: the 0-based row number). */
  keyColumn?: string;
  /** Taxonomy group of the mined tags (default "predictive"). */
  group?: string;
  /** Tag names are this plus a number (default "<target>=<positive> rule"). */
  namePrefix?: string;
}

export interface MinedRuleReport {
  id: string;
  name: string;
  /** Canonical rule text (printRule). */
  text: string;
  ast: RuleExpr;
  /** Where the rule came from: a bagged tree's path or the beam search. */
  origin: 'tree' | 'beam';
  /** Counts on the training rows. */
  train: { support: number; tp: number; fp: number; precision: number | null };
  /** Counts on the out-of-bag rows it was chosen on. */
  outOfBag: { support: number; tp: number };
  holdout: TagMetrics;
  /** Keys of up to five holdout rows where the rule fires and is right, and where it is wrong. */
  examples: { truePositives: string[]; falsePositives: string[] };
}

export interface RulesMineResult {
  target: string;
  positive: string;
  /** How the rule set is applied, in words. */
  application: string;
  rules: MinedRuleReport[];
  /** The set as one rule (the rules joined with OR) and its holdout metrics. */
  set: {
    text: string;
    ast: RuleExpr | null;
    holdout: TagMetrics;
    /** Holdout figures as the rules are added one by one. */
    cumulative: Array<{ rules: number; precision: number | null; recall: number | null; f1: number | null }>;
  };
  /** The mined rules as a tag set (one draft tag per rule), ready for tags.validate. */
  tagSet: TagSet;
  rows: { train: number; holdout: number };
  baseRate: { train: number; holdout: number | null };
  split: TagSplit;
  seed: number;
  stoppedEarly: boolean;
  candidatesTried: number;
  warnings: string[];
  elapsedMs: number;
}

export interface TagsValidateParams {
  tagSet: TagSetInput;
  source: DataSourceRef;
  /** Without a target only coverage is measured (precision gates then fail). */
  target?: string;
  positive?: string;
  /** Default: precision >= 0.8 and coverage >= 1% per tag. */
  gates?: GateSpec;
  /** Default stratified 30% (seed 42), the same rows rules.mine holds out by default; 'all' measures on every row. */
  split?: TagSplit;
  /** A date, timestamp or number column: metrics per time window on holdout rows. */
  timeColumn?: string;
  /** Time windows for stability (default 4). */
  windows?: number;
  /** Only these tags (names or ids); every tag of the set when absent. Either way, tags that read columns the source lacks are left out. */
  tags?: string[];
  /** A value (GMV) to judge every tag by: share, lift, mean per entity (value-stats.ts); needed by valueLift/valueShare gates. */
  value?: ValueSpec;
}

export interface TagValidation {
  id: string;
  name: string;
  text: string;
  /** The status before and after validation: a tag becomes validated only when it passes every gate on holdout. */
  previousStatus: TagStatus;
  status: TagStatus;
  holdout: TagMetrics | CoverageOnly;
  train: TagMetrics | CoverageOnly | null;
  stability: Stability | null;
  gates: GateOutcome;
  /** The tag's value figures on holdout, when a value was given. */
  value?: ValueStats;
}

export interface TagsValidateResult {
  rows: { train: number; holdout: number };
  tags: TagValidation[];
  /** Any tag fires -> the set fires. */
  set: { holdout: TagMetrics | CoverageOnly; gates: GateOutcome; value?: ValueStats };
  /** The value the tags were judged by and how it was read, when one was given. */
  value?: ValueSummary;
  /** Jaccard similarity of the holdout rows each pair of tags fires on. */
  overlap: { ids: string[]; names: string[]; jaccard: number[][] };
  /** The tag set with the new statuses. */
  tagSet: TagSet;
  skipped: Array<{ id: string; name: string; reason: string }>;
  /** Tags not measured because the source lacks columns they read (made on another table), with the reason in words. */
  leftOut: LeftOutTag[];
  split: TagSplit;
  /** Plain-word notes on what could not be measured (e.g. a target with one value in every row). */
  warnings?: string[];
  elapsedMs: number;
}

export type MiningJobs = {
  'rules.mine': { params: RulesMineParams; result: RulesMineResult };
  'tags.validate': { params: TagsValidateParams; result: TagsValidateResult };
};
