/** Job kinds of this area, with their parameters and results (re-exported by workers/api). */
import type { LeftOutTag } from '../tags/applicability';
import type { PackDiff } from './diff';
import type { KeyCandidates } from './entity-key';
import type { ReviewState } from './io';
import type { RulePack, SqlDialect } from './schema';
import type { ApplyResult, BuildParams, GoldenCheck, MetricDrift, TargetParam } from './service';

export type { PackDiff, TagChange, TagOnData, MetricDelta } from './diff';
export type { ReviewState } from './io';
export type { KeyCandidate, KeyCandidates } from './entity-key';
export type { RulePack, PackTag, SqlDialect, TagMetrics as PackTagMetrics, Review, GoldenRow, SourceFile } from './schema';
export type { ApplyResult, BuildParams, GoldenCheck, MetricDrift, TargetParam } from './service';

/** A pack read and checked: the pack, its reviews with validity, its approval state. */
export interface PackInfo {
  pack: RulePack;
  /** Canonical file text of the pack (what to save). */
  text: string;
  migratedFrom: string | null;
  reviews: ReviewState[];
  approval: 'approved' | 'rejected' | 'unreviewed';
  /** pack.build: tags of the set not packed because the table lacks columns they read, with the reason in words. */
  leftOut?: LeftOutTag[];
  /** pack.build: the label precision was measured against, and whether it was given or taken from the mined tags. */
  target?: TargetParam & { from: 'given' | 'mined tags' };
}

export interface PackValidation {
  /** Golden rows re-run through the DuckDB query. */
  golden: GoldenCheck;
  /** With a table: each recorded metric re-measured there. */
  drift: MetricDrift[];
  /** True when every golden row matches and no metric left its recorded interval. */
  ok: boolean;
}

/**
 * dataName: how messages name the table's data (the file it was read from, as given); the quoted
 * table name when absent. oldName, newName: how they name each pack ("the new pack (v2.json)").
 */
export interface PackJobs {
  /** Builds a pack from a tag set and a loaded table (metrics, gates, golden rows, hash). */
  'pack.build': { params: BuildParams; result: PackInfo };
  /** Reads pack JSON: schema, migration and content hash checked. */
  'pack.read': { params: { text: string; verifyHash?: boolean }; result: PackInfo };
  /** Golden rows, and with a table the metrics' drift from the recorded ones. */
  'pack.validate': { params: { text: string; table?: string; target?: TargetParam; dataName?: string }; result: PackValidation };
  /** The pack as one SQL query for a production engine. */
  'pack.export': { params: { text: string; dialect: SqlDialect; sink?: string }; result: { sql: string } };
  /** Two versions compared; on a table also coverage, gained/lost entities and Jaccard per tag. */
  'pack.diff': { params: { oldText: string; newText: string; table?: string; dataName?: string; oldName?: string; newName?: string }; result: PackDiff };
  /** Approve or reject the pack's current content, with a note. */
  'pack.review': { params: { text: string; by: string; decision: 'approve' | 'reject'; note: string }; result: PackInfo };
  /** A self-contained HTML report. */
  'pack.report': { params: { text: string; plotlyJs?: string }; result: { html: string } };
  /** Computes every tag per entity into a new table (on this engine's DuckDB). */
  'pack.apply': { params: { text: string; table?: string; into: string }; result: ApplyResult };
  /** The columns that could key a table (unique, never NULL; checked in DuckDB), id-like names first, and why none can. */
  'pack.keys': { params: { table: string }; result: KeyCandidates };
}
