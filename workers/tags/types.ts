/** Job kinds of this area, with their parameters and results (re-exported by workers/api). */
import type { DataSourceRef } from '../data/types';
import type { SqlPosition } from '../protocol/errors';
import type { LeftOutTag } from './applicability';
import type { RuleExpr } from './ast';
import type { TagSetInput } from './tag';

// ---- Rule language jobs (rules.check, tags.evaluate) ----

// The rule AST and the tag model, for the renderer (which sees the engine only through workers/api).
export type { ColumnRef, ComparisonOp, Operand, RuleExpr, RuleExprType, RuleLiteral } from './ast';
export type { ModelDefinition, RuleDefinition, SegmentDefinition, Tag, TagDefinition, TagInput, TagMeasurement, TagSet, TagSetInput, TagStatus } from './tag';

/** One problem with a rule, in words, pointing at the text where it can. */
export interface RuleProblem {
  message: string;
  position?: SqlPosition;
  /** Characters the problem spans from `position`. */
  length?: number;
  /** The column the problem is about (unknown column, type mismatch). */
  column?: string;
  /** A column name that was probably meant. */
  suggestion?: string;
}

export interface RuleCheckParams {
  text: string;
  /** The rows the rule is counted on: a table or a query. */
  source: DataSourceRef;
}

export interface RuleCheckResult {
  /** The rule parses, fits the table's columns and was counted. */
  ok: boolean;
  ast: RuleExpr | null;
  /** The rule's canonical text (printRule), when it parses. */
  canonical: string | null;
  errors: RuleProblem[];
  /** Rows where the rule is TRUE; null when the rule has errors. */
  count: number | null;
  /** Rows in the source; null when the source could not be read. */
  rows: number | null;
  /** The DuckDB condition used for the count, when the rule is valid. */
  sql: string | null;
  elapsedMs: number;
}

export interface TagsEvaluateParams {
  /** A tag set as JSON (validated with parseTagSet). */
  tagSet: TagSetInput;
  source: DataSourceRef;
  /** When set, writes this table: the source's columns plus one BOOLEAN column per evaluated tag. */
  output?: string;
  /** Evaluate with DuckDB SQL (default) or the JS evaluator over Arrow (same result; for checks). */
  via?: 'sql' | 'js';
  /** Only these tags (names or ids); every tag when absent. Tags reading columns the source lacks are left out either way. */
  tags?: string[];
}

export interface TagCount {
  id: string;
  name: string;
  /** Rows tagged. */
  count: number;
  /** count / rows (0 for an empty source). */
  coverage: number;
}

export interface TagsEvaluateResult {
  rows: number;
  tags: TagCount[];
  /** Tags that were not evaluated here, and why (model and segment tags need their own services). */
  skipped: Array<{ id: string; name: string; reason: string }>;
  /** Tags not evaluated because the source lacks columns they read, with the reason in words. */
  leftOut: LeftOutTag[];
  output: string | null;
  elapsedMs: number;
}

export type RuleLanguageJobs = {
  'rules.check': { params: RuleCheckParams; result: RuleCheckResult };
  'tags.evaluate': { params: TagsEvaluateParams; result: TagsEvaluateResult };
};

// ---- end of rule language jobs ----

// ---- Rule mining and validation jobs (rules.mine, tags.validate; workers/tags/mining-types.ts) ----
export type * from './mining-types';
import type { MiningJobs } from './mining-types';
// ---- end of rule mining and validation jobs ----

// ---- Keyword rule mining for every class of a label column (rules.mineKeywords; workers/tags/keyword-jobs.ts) ----
export type { KeywordClassSummary, KeywordRuleReport, RulesMineKeywordsParams, RulesMineKeywordsResult } from './keyword-jobs';
import type { KeywordJobs } from './keyword-jobs';

export type TagJobs = RuleLanguageJobs & MiningJobs & KeywordJobs;
