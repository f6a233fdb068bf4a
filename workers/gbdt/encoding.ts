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
  // Lists and arrays (BIGINT[], TIMESTAMP[2]) are not their element type: not a feature.
  if (t.endsWith(']')) return 'unsupported';
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

/** The feature-encoding version this Assay writes and reads. */
export const ENCODING_VERSION = 1;

const FEATURE_KINDS: ReadonlySet<string> = new Set(['numeric', 'date', 'timestamp', 'onehot']);

/**
 * A stored encoding, checked: a newer version is named as such, and a damaged one is refused in
 * words before its fields reach the scoring SQL (where they would fail as a DuckDB error, or worse).
 */
export function checkEncoding(value: unknown): FeatureEncoding {
  const v = value as Partial<FeatureEncoding> | null;
  const version = v !== null && typeof v === 'object' ? (v as { version?: unknown }).version : undefined;
  if (typeof version === 'number' && version > ENCODING_VERSION) {
    throw new EngineError('BAD_INPUT', `This model was written by a newer Assay (feature encoding version ${version}); this version reads version ${ENCODING_VERSION}. Update Assay to use it.`);
  }
  if (!v || version !== ENCODING_VERSION || !Array.isArray(v.features) || !Array.isArray(v.columns)) {
    throw new EngineError('BAD_INPUT', 'The model carries no readable Assay feature encoding.');
  }
  const damaged = (what: string): EngineError => new EngineError('BAD_INPUT', `The model's Assay feature encoding (attribute assay_encoding) is damaged: ${what}. Export the model again from Assay.`);
  v.features.forEach((f: unknown, i) => {
    const spec = f as Partial<Record<'name' | 'column' | 'kind' | 'level', unknown>> | null;
    if (!spec || typeof spec !== 'object') throw damaged(`feature ${i} is not an object`);
    if (typeof spec.name !== 'string' || typeof spec.column !== 'string' || spec.column === '') throw damaged(`feature ${i} has no name or column`);
    if (typeof spec.kind !== 'string' || !FEATURE_KINDS.has(spec.kind)) throw damaged(`feature "${spec.name}" has an unknown kind "${String(spec.kind)}"`);
    if (spec.kind === 'onehot' && typeof spec.level !== 'string') throw damaged(`feature "${spec.name}" has no text level`);
  });
  v.columns.forEach((c: unknown, i) => {
    const col = c as { name?: unknown; type?: unknown } | null;
    if (!col || typeof col.name !== 'string' || typeof col.type !== 'string') throw damaged(`column ${i} has no name or type`);
  });
  return v as FeatureEncoding;
}

/** The assay_encoding attribute's text, parsed and checked. */
export function readEncodingAttribute(text: string): FeatureEncoding {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new EngineError('BAD_INPUT', "The model's Assay feature encoding (attribute assay_encoding) is damaged: it is not valid JSON. Export the model again from Assay.");
  }
  return checkEncoding(value);
}
