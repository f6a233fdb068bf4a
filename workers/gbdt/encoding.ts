import { EngineError } from '../protocol/errors';
import { quoteIdent, quoteLiteral } from '../data/sql-text';

/**
 * How source columns become the model's float features: numeric columns as they are (dates as
 * days/seconds since the epoch), text columns one-hot over their most frequent levels. Stored
 * with the model (in the XGBoost JSON attributes) so the same transform applies at scoring time.
 */
export type FeatureSpec =
  | { name: string; column: string; kind: 'numeric' }
  | { name: string; column: string; kind: 'date' }
  | { name: string; column: string; kind: 'timestamp' }
  | { name: string; column: string; kind: 'onehot'; level: string };

export interface FeatureEncoding {
  version: 1;
  features: FeatureSpec[];
  /** Source columns and their DuckDB types when the model was trained. */
  columns: Array<{ name: string; type: string }>;
}

export const MAX_ONEHOT_LEVELS = 32;

export type SourceKind = 'numeric' | 'boolean' | 'date' | 'timestamp' | 'text' | 'unsupported';

export function sourceKind(type: string): SourceKind {
  const t = type.toUpperCase();
  if (t === 'BOOLEAN') return 'boolean';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL)/.test(t)) return 'numeric';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'VARCHAR' || t.startsWith('ENUM')) return 'text';
  return 'unsupported';
}

/** XGBoost refuses feature names with '[', ']' or '<'. */
export function safeFeatureName(name: string): string {
  return name.replace(/[[\]<]/g, '_');
}

/** The SQL expression (DOUBLE, NULL = missing) computing one feature from its source column. */
export function featureExpression(spec: FeatureSpec): string {
  const col = quoteIdent(spec.column);
  switch (spec.kind) {
    case 'numeric':
      return `CAST(${col} AS DOUBLE)`;
    case 'date':
      return `CAST(date_diff('day', DATE '1970-01-01', ${col}) AS DOUBLE)`;
    case 'timestamp':
      // epoch_us, not epoch(): the same DOUBLE for a TIMESTAMP, and a TIMESTAMPTZ's instant without
      // ICU, which duckdb-wasm lacks (the pack SQL's DuckDB dialect uses the same form).
      return `CAST(epoch_us(${col}) AS DOUBLE) / 1000000`;
    case 'onehot':
      return `CAST(CASE WHEN ${col} IS NULL THEN NULL WHEN CAST(${col} AS VARCHAR) = ${quoteLiteral(spec.level)} THEN 1 ELSE 0 END AS DOUBLE)`;
  }
}

/** A SELECT list computing every feature, aliased f0, f1, ... */
export function featureSelectList(encoding: FeatureEncoding): string {
  return encoding.features.map((spec, i) => `${featureExpression(spec)} AS ${quoteIdent(`f${i}`)}`).join(', ');
}

export function checkEncoding(value: unknown): FeatureEncoding {
  const v = value as Partial<FeatureEncoding> | null;
  if (!v || v.version !== 1 || !Array.isArray(v.features) || !Array.isArray(v.columns)) {
    throw new EngineError('BAD_INPUT', 'The model carries no readable Assay feature encoding.');
  }
  return v as FeatureEncoding;
}
