/**
 * The engine's public API: job kinds, their parameters and results. The renderer, the CLI and
 * the tests talk to the engine only through these types and the job protocol.
 */
export { EngineError } from './protocol/errors';
export { profileCoverage } from './data/profile';
export type { EngineErrorCode, EngineErrorData, EngineErrorDetail, SqlPosition } from './protocol/errors';
import { JobClient } from './protocol/client';
export { JobClient };
export type { JobHandle, JobProgress, RunOptions } from './protocol/client';
export type { FromEngine, ToEngine, Transport } from './protocol/messages';

export type FileFormat = 'csv' | 'parquet' | 'json' | 'ndjson';

/**
 * A file to open. `path`: a local path (Node, Electron main grants). `blob`: a browser File or
 * Blob, read by reference (not copied into the JS heap). `bytes`: an in-memory buffer.
 */
export type FileSource =
  | { kind: 'path'; path: string }
  | { kind: 'blob'; name: string; blob: Blob }
  | { kind: 'bytes'; name: string; bytes: Uint8Array };

export interface CsvOptions {
  /** Field delimiter; sniffed when absent. */
  delimiter?: string;
  /** Whether the first row holds column names; sniffed when absent. */
  header?: boolean;
}

export interface OpenParams {
  source: FileSource;
  /** Table name; derived from the file name when absent. */
  tableName?: string;
  /** Forces a format; detected from the name and the first bytes when absent. */
  format?: FileFormat;
  csv?: CsvOptions;
  /** Replace an existing table of the same name (otherwise a suffix is added). */
  replace?: boolean;
}

export interface ColumnInfo {
  name: string;
  /** DuckDB type, e.g. BIGINT, DOUBLE, VARCHAR, BOOLEAN, DATE, TIMESTAMP. */
  type: string;
}

export interface SourceInfo {
  fileName: string;
  format: FileFormat;
  bytes: number;
  path?: string;
  compression?: 'gzip';
  delimiter?: string;
  header?: boolean;
}

export interface TableInfo {
  name: string;
  rowCount: number;
  columns: ColumnInfo[];
  source?: SourceInfo;
  /** Things the user should know about how the file was read (encoding, skipped rows). */
  warnings?: string[];
}

export type ColumnKind = 'numeric' | 'boolean' | 'temporal' | 'categorical' | 'other';

export interface HistogramBin {
  lo: number;
  hi: number;
  count: number;
}

export interface TopValue {
  value: string | null;
  count: number;
}

/**
 * How a column's values read, so a view can format them: `date` and `timestamp` columns have
 * min/max as ISO text (`2011-12-09`, `2011-12-09 12:50:00`) and histogram bounds in epoch seconds (UTC).
 */
export type ProfileValueType = 'number' | 'text' | 'boolean' | 'date' | 'timestamp' | 'other';

export interface ColumnProfile {
  name: string;
  type: string;
  kind: ColumnKind;
  valueType: ProfileValueType;
  rowCount: number;
  nullCount: number;
  nullFraction: number;
  /** Distinct non-NULL values: exact (`COUNT(DISTINCT)`) when `distinctExact`, else a HyperLogLog estimate; 0 (not counted) for kind 'other'. */
  distinct: number;
  distinctExact: boolean;
  min: string | number | null;
  max: string | number | null;
  mean: number | null;
  std: number | null;
  /** Quantiles at 0.05, 0.25, 0.5, 0.75, 0.95 (numeric columns). */
  quantiles: Array<{ q: number; value: number }> | null;
  histogram: HistogramBin[] | null;
  topK: TopValue[] | null;
  samples: string[];
}

export interface TableProfile {
  table: string;
  rowCount: number;
  columns: ColumnProfile[];
  elapsedMs: number;
  /**
   * Null when every figure is exact. Otherwise the size of the fixed-seed sample (~100,000 rows)
   * that quantiles and histograms were computed on (counts, nulls, min/max/mean/std and top-k stay exact).
   */
  sampledRows: number | null;
  /** Whether distinct counts are exact (tables up to a few million rows) or HyperLogLog estimates. */
  distinctExact: boolean;
}

export interface ProfileParams {
  table: string;
  /** Only these columns (all when absent). */
  columns?: string[];
  topK?: number;
  bins?: number;
}

export interface QueryParams {
  sql: string;
  /** Rows to return inline with the result (the first window). */
  preview?: number;
}

export interface QueryResult {
  /** Handle for windowed fetches; null for statements that return no rows. */
  resultId: string | null;
  columns: ColumnInfo[];
  rowCount: number;
  elapsedMs: number;
  /** First rows as Arrow IPC stream bytes. */
  preview: Uint8Array;
  /** The statement changed the catalog (CREATE, DROP, ALTER, INSERT...). */
  catalogChanged: boolean;
}

export interface FetchParams {
  resultId: string;
  offset: number;
  limit: number;
}

export interface FetchResult {
  offset: number;
  /** Arrow IPC stream bytes. */
  ipc: Uint8Array;
  rowCount: number;
}

export type ExportFormat = 'csv' | 'parquet';

export interface ExportParams {
  /** A result handle or a table name. */
  from: { resultId: string } | { table: string };
  format: ExportFormat;
  /** Write here directly (Node hosts); otherwise the bytes are returned. */
  path?: string;
}

export interface ExportResult {
  bytes: Uint8Array | null;
  byteLength: number;
  rowCount: number;
  path?: string;
}

export interface EngineInfo {
  duckdbVersion: string;
  bundle: string;
  host: 'node' | 'browser';
}

/** Type names accepted by `data.alterType`. */
export const COLUMN_TYPES = [
  'BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'FLOAT', 'DOUBLE', 'DECIMAL(18,3)',
  'VARCHAR', 'DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMPTZ', 'INTERVAL', 'UUID',
] as const;
export type ColumnTypeName = (typeof COLUMN_TYPES)[number];

/** Every job the engine runs, with its parameters and result. */
export interface EngineJobs {
  'engine.info': { params: Record<string, never>; result: EngineInfo };
  'data.open': { params: OpenParams; result: TableInfo };
  'data.catalog': { params: Record<string, never>; result: TableInfo[] };
  'data.rename': { params: { table: string; newName: string }; result: TableInfo };
  'data.drop': { params: { table: string }; result: { dropped: string } };
  'data.alterType': { params: { table: string; column: string; type: ColumnTypeName }; result: TableInfo };
  'data.profile': { params: ProfileParams; result: TableProfile };
  'sql.run': { params: QueryParams; result: QueryResult };
  'sql.fetch': { params: FetchParams; result: FetchResult };
  'sql.release': { params: { resultId: string }; result: { released: boolean } };
  'data.export': { params: ExportParams; result: ExportResult };
  /** Sleeps in small steps; for testing progress and cancel end to end. */
  'engine.sleep': { params: { ms: number }; result: { sleptMs: number } };
}

export type EngineJobKind = keyof AllEngineJobs;
export type EngineClient = JobClient<AllEngineJobs>;

// ---------------------------------------------------------------- models (GBDT)

export type { BinaryEvaluation, RegressionEvaluation, MulticlassEvaluation, Curve } from './gbdt/evaluation';
export type { RoundReport } from './gbdt/train';
export type { FeatureImportance } from './gbdt/predict';
export type { EvalMetric, Objective } from './gbdt/params';
export { DEFAULT_PARAMS } from './gbdt/params';

/** Where rows come from: a table, or a query's result. */
export type DataSourceRef = { table: string } | { sql: string };

export interface SplitSpec {
  kind: 'random' | 'stratified' | 'time';
  /** Share of rows held out for validation (0 = none). Default 0.2. */
  validFraction?: number;
  /** For kind 'time': the latest rows by this column are held out. */
  timeColumn?: string;
  seed?: number;
}

export interface TrainParams {
  source: DataSourceRef;
  target: string;
  /** The positive label value for a binary target given as text (or any two values). */
  positive?: string;
  /** Feature columns; all other supported columns when absent. */
  features?: string[];
  /** XGBoost parameters by name (objective, eta, max_depth, num_boost_round, ...). */
  params?: Record<string, number | string | string[]>;
  split?: SplitSpec;
  name?: string;
  /** Histogram backend: 'auto' (WebGPU only on a real adapter, else CPU), 'webgpu' or 'cpu'. */
  backend?: 'auto' | 'webgpu' | 'cpu';
}

export interface LabelInfo {
  kind: 'binary' | 'regression' | 'multiclass';
  positive?: string;
  negative?: string;
  classes?: string[];
}

export interface ModelFeature {
  name: string;
  column: string;
  kind: 'numeric' | 'date' | 'timestamp' | 'onehot';
  level?: string;
}

export interface ModelSummary {
  modelId: string;
  name: string;
  objective: import('./gbdt/params').Objective;
  target: string;
  label: LabelInfo;
  features: ModelFeature[];
  trees: number;
  bestIteration: number | null;
  params: Record<string, unknown>;
  trainedAt: string;
  rows: { train: number; valid: number };
  /** The backend that built the histograms, and why it was picked. */
  backend?: { name: 'cpu' | 'webgpu'; reason: string };
}

export interface ModelEvaluation {
  binary?: import('./gbdt/evaluation').BinaryEvaluation;
  regression?: import('./gbdt/evaluation').RegressionEvaluation;
  multiclass?: import('./gbdt/evaluation').MulticlassEvaluation;
}

export interface TrainOutcome {
  model: ModelSummary;
  history: import('./gbdt/train').RoundReport[];
  evaluation: { train: ModelEvaluation; valid: ModelEvaluation | null };
  importance: import('./gbdt/predict').FeatureImportance[];
  /** Plain-words warnings, e.g. "possible leak: duration ...". */
  warnings: string[];
  elapsedMs: number;
}

export interface ShapSummary {
  features: string[];
  /** Indices (within the validation rows) of the explained rows. */
  rowIndices: number[];
  /** Row-major [row * features.length + f] SHAP values for a sample of rows. */
  values: Float64Array;
  /** The same rows' feature values (NaN = missing), for colouring the beeswarm. */
  featureValues: Float64Array;
  /** Bias (expected margin) per sampled row. */
  bias: Float64Array;
  margins: Float64Array;
  rows: number;
  /** Mean |SHAP| per feature, the order of a summary plot. */
  meanAbs: number[];
  /** The output group explained (the class for multi:softprob; 0 otherwise). The engine always sets it. */
  classIndex?: number;
  /** Names of the output groups: the classes for multi:softprob, one entry otherwise. The engine always sets it. */
  classes?: string[];
}

export interface ShapParams {
  modelId: string;
  sampleRows?: number;
  /** Explain this one row (an index within the model's evaluation rows) instead of a sample. */
  rowIndex?: number;
  /** Multi-class: the class to explain. Default: the row's predicted class, or class 0 for a sample. */
  classIndex?: number;
}

export interface EvaluateParams {
  modelId: string;
  threshold: number;
  /**
   * Evaluate on these rows instead of the model's validation rows (an imported model has none).
   * They become the model's evaluation rows, which SHAP then explains.
   */
  source?: DataSourceRef;
  /** With `source`: the column of true values; default the model's own target. */
  target?: string;
  /** With `source`, binary models whose positive value is not recorded: the positive value. */
  positive?: string;
}

export interface PredictParams {
  modelId: string;
  source: DataSourceRef;
  /** Write source columns + prediction into this table. */
  outputTable: string;
  /** Also add one shap_<feature> column per feature and shap_bias. */
  withShap?: boolean;
}

export interface ModelJobs {
  'model.train': { params: TrainParams; result: TrainOutcome };
  'model.evaluate': { params: EvaluateParams; result: ModelEvaluation };
  'model.shap': { params: ShapParams; result: ShapSummary };
  'model.predict': { params: PredictParams; result: TableInfo };
  'model.export': { params: { modelId: string }; result: { json: string; fileName: string } };
  'model.import': { params: { json: string; name?: string }; result: ModelSummary };
  'model.list': { params: Record<string, never>; result: ModelSummary[] };
}

// ---------------------------------------------------------------- segments, clustering, tags, packs
// Each area keeps its job types beside its code; the public API re-exports them.
export type * from './segments/types';
export type * from './cluster/types';
export type * from './tags/types';
/** Pure tag-set readers (zod schema checks, no engine): for files opened in the renderer or the CLI. */
export { parseTagSet, parseTagSetJson } from './tags/tag';
/** Pure tag-set edits, shared by the Tags view and the CLI. */
export { addSegmentTags, removeGroup, tagIdFor, withEntityTable } from './tags/tag-set-edit';
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

export type AllEngineJobs = EngineJobs & ModelJobs & SegmentJobs & ClusterJobs & TagJobs & PackJobs;
