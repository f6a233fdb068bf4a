/**
 * The data engine's job types: files, tables, profiles, SQL results, exports, and the row sources
 * (`DataSourceRef`) every other area reads from. The base of the engine's public types: the other
 * areas' type modules import these; `workers/api.ts` gathers and re-exports them all.
 */

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
  /** Numeric columns: min, max, mean, std, quantiles and histogram are over finite values only (no NaN, no ±infinity). */
  min: string | number | null;
  max: string | number | null;
  mean: number | null;
  /** Null also when the std of finite values is itself beyond the largest double (values near ±1.8e308). */
  std: number | null;
  /**
   * FLOAT/DOUBLE columns holding NaN or ±infinity: how many of each (non-null values left out of
   * the statistics). Absent when the column holds none.
   */
  nanCount?: number;
  posInfCount?: number;
  negInfCount?: number;
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

/** The data jobs (open, catalog, profile, SQL, export) and the engine's own info job. */
export interface DataJobs {
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
}

/** Where rows come from: a table, or a query's result. */
export type DataSourceRef = { table: string } | { sql: string };
