/**
 * The engine's public API: job kinds, their parameters and results. The renderer, the CLI and
 * the tests talk to the engine only through these types and the job protocol.
 */
export { EngineError } from './protocol/errors';
export { nonFiniteNote, profileCoverage } from './data/profile';
export { isZonedTimestamp, utcWallClock } from './data/zoned-time';
export { temporalColumnTexts } from './data/temporal-text';
export type { EngineErrorCode, EngineErrorData, EngineErrorDetail, SqlPosition } from './protocol/errors';
import { JobClient } from './protocol/client';
export { JobClient };
export type { JobHandle, JobProgress, RunOptions } from './protocol/client';
export type { FromEngine, ToEngine, Transport } from './protocol/messages';

// ---------------------------------------------------------------- data (files, tables, profiles, SQL)
// Each area keeps its job types beside its code (`<area>/types.ts`); this module only gathers them.
export * from './data/types';
import type { DataJobs } from './data/types';

/** The data jobs, under the name the API has always given them. */
export type EngineJobs = DataJobs;
export type EngineJobKind = keyof AllEngineJobs;
export type EngineClient = JobClient<AllEngineJobs>;

// ---------------------------------------------------------------- models (GBDT)

export type { BinaryEvaluation, RegressionEvaluation, MulticlassEvaluation, Curve } from './gbdt/evaluation';
export type { RoundReport } from './gbdt/train';
export type { FeatureImportance } from './gbdt/predict';
export type { EvalMetric, Objective } from './gbdt/params';
export { DEFAULT_PARAMS } from './gbdt/params';
export { PROPENSITY_LABELS } from './gbdt/sibling-labels';
export type * from './gbdt/types';
// Model kinds and their parameters (defaults, help): the Models view's form reads this list.
export { MODEL_KINDS, isModelKind, modelKindSpec, type ModelKind, type ModelKindSpec, type ModelParamSpec } from './ctr/kinds';
export type { CtrExportFormat, CtrExportParams, CtrExportResult } from './ctr/export-types';
import type { ModelJobs } from './gbdt/types';

// ---------------------------------------------------------------- segments, clustering, tags, packs
// Each area keeps its job types beside its code; the public API re-exports them.
export type * from './segments/types';
export type * from './cluster/types';
export type * from './tags/types';
/** Pure tag-set readers (zod schema checks, no engine): for files opened in the renderer or the CLI. */
export { parseTagSet, parseTagSetJson, tagNameFrom } from './tags/tag';
/** Pure tag-set edits, shared by the Tags view and the CLI. */
export { MANUAL_TRANSITIONS, addSegmentTags, removeGroup, removeTag, setTagStatus, tagIdFor, withEntityTable } from './tags/tag-set-edit';
/** Which tags a table can run (by the columns they read), and the default gate and mining precision. */
export { missingColumnsReason, tagReadsColumns } from './tags/applicability';
export { DEFAULT_MINING_PRECISION, DEFAULT_PRECISION_GATE, MINING_PRECISION_MARGIN } from './tags/validation';
export type * from './packs/types';
/** A pack tag's gates in words: evaluated, not evaluated (and why), failed (the CLI, the report and the Packs view say the same). */
export { gateSummary, type GateSummary } from './packs/gates';
import type { SegmentJobs } from './segments/types';
import type { ClusterJobs } from './cluster/types';
import type { TagJobs } from './tags/types';
import type { PackJobs } from './packs/types';
export type * from './labels/types';
/** A labeler's keyword rules as labelling tags (for rule packs). */
export { labelRulesToTagSet } from './labels/rule-tags';
import type { LabelJobs } from './labels/types';

export type AllEngineJobs = DataJobs & ModelJobs & SegmentJobs & ClusterJobs & TagJobs & PackJobs & LabelJobs;
