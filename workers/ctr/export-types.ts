/**
 * The `model.exportCtr` job's params and result: an lr/fm/deepfm model as SQL (lr, fm; one pack
 * dialect) or ONNX (every kind). Plain types with no imports, so the job tables can list them
 * without pulling the exporters in.
 */

export type CtrExportFormat = 'sql' | 'onnx';

export interface CtrExportParams {
  modelId: string;
  format: CtrExportFormat;
  /** SQL: spark | hive | flink | trino | duckdb (default duckdb). */
  dialect?: 'spark' | 'hive' | 'flink' | 'trino' | 'duckdb';
  /** SQL: where the weights live (default auto: inline CASE for small vocabularies, else a lookup table). */
  layout?: 'auto' | 'inline' | 'tables';
  /** SQL: the table to score, as name parts (default `input`). */
  table?: string[];
  /** SQL: the lookup table's name parts (tables layout; default `assay_ctr_weights`). */
  weightsTable?: string[];
  /** SQL: source columns written before the score (default the model's input columns). */
  keep?: string[];
}

export interface CtrExportResult {
  format: CtrExportFormat;
  /** A file name to save it as (`.sql` / `.onnx`). */
  fileName: string;
  /** SQL: the whole script (setup statements, then the query). */
  sql?: string;
  /** SQL: the layout used, and its setup statements and query apart. */
  layout?: 'inline' | 'tables';
  setup?: string;
  query?: string;
  /** ONNX: the ModelProto bytes. */
  onnx?: Uint8Array;
}
