import type { ColumnKind, ColumnProfile, HistogramBin, ProfileValueType, TableProfile, TopValue } from './types';
import { quoteIdent } from './sql-text';
import { epochSeconds, temporalText } from './zoned-time';

// profile-job.ts reads it from here.
export { temporalText } from './zoned-time';

const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95];

/**
 * Up to this many rows, distinct counts are exact (`COUNT(DISTINCT)`). Measured in Node with
 * DuckDB-WASM: all 8 columns of Online Retail (541,909 rows) in ~150 ms (HyperLogLog: ~70 ms, but
 * 14–22% off on InvoiceNo, StockCode and CustomerID); 4 columns of 5M rows, one all-unique, in ~1.3 s.
 * Above it the HyperLogLog estimate is used and labelled as one.
 */
export const EXACT_DISTINCT_MAX_ROWS = 5_000_000;

/**
 * Columns per profiling query. DuckDB refuses expressions nested deeper than 1000 (a UNION ALL
 * of one branch per column is that deep), so wide tables are profiled a chunk of columns at a
 * time: one scan per chunk.
 */
export const PROFILE_COLUMN_CHUNK = 100;

/** How a DuckDB type is profiled. */
export function columnKind(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (t === 'BOOLEAN') return 'boolean';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/.test(t)) return 'numeric';
  if (/^(DATE|TIMESTAMP|TIME)/.test(t)) return t.startsWith('TIME') && !t.startsWith('TIMESTAMP') ? 'other' : 'temporal';
  if (t === 'VARCHAR' || t.startsWith('ENUM') || t === 'UUID') return 'categorical';
  return 'other';
}

/** How a column's values are read and shown (dates as dates, not as epoch seconds). */
export function valueType(type: string): ProfileValueType {
  const kind = columnKind(type);
  if (kind === 'numeric') return 'number';
  if (kind === 'boolean') return 'boolean';
  if (kind === 'categorical') return 'text';
  if (kind === 'temporal') return type.toUpperCase() === 'DATE' ? 'date' : 'timestamp';
  return 'other';
}

export interface ColumnRef {
  name: string;
  type: string;
  kind: ColumnKind;
  alias: string;
}

/** Splits a list into runs of at most `size` items (wide tables are profiled chunk by chunk). */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * One aggregate query computing the summary statistics of the given columns in a single scan.
 * Distinct counts are exact with `exactDistinct`, HyperLogLog estimates otherwise.
 */
export function summarySql(table: string, columns: ColumnRef[], exactDistinct: boolean): string {
  const parts: string[] = ['count(*) AS n'];
  for (const c of columns) {
    const col = quoteIdent(c.name);
    parts.push(`count(${col}) AS ${c.alias}_nn`);
    if (c.kind === 'other') continue;
    parts.push(exactDistinct ? `count(DISTINCT ${col}) AS ${c.alias}_d` : `approx_count_distinct(${col}) AS ${c.alias}_d`);
    if (c.kind === 'numeric') {
      const x = `CAST(${col} AS DOUBLE)`;
      parts.push(`min(${x}) AS ${c.alias}_min`, `max(${x}) AS ${c.alias}_max`, `avg(${x}) AS ${c.alias}_mean`, `stddev_samp(${x}) AS ${c.alias}_std`);
    } else if (c.kind === 'temporal') {
      const lo = `min(${col})`;
      const hi = `max(${col})`;
      parts.push(`${temporalText(c.type, lo)} AS ${c.alias}_min`, `${temporalText(c.type, hi)} AS ${c.alias}_max`);
      parts.push(`${epochSeconds(c.type, lo)} AS ${c.alias}_lo`, `${epochSeconds(c.type, hi)} AS ${c.alias}_hi`);
    } else if (c.kind === 'categorical') {
      parts.push(`min(${col}) AS ${c.alias}_min`, `max(${col}) AS ${c.alias}_max`);
    }
  }
  return `SELECT ${parts.join(', ')} FROM ${quoteIdent(table)}`;
}

/** Quantiles of numeric columns (exact, `quantile_cont`), run on the table or on its sample. */
export function quantileSql(relation: string, columns: ColumnRef[]): string | null {
  const numeric = columns.filter((c) => c.kind === 'numeric');
  if (numeric.length === 0) return null;
  const parts = numeric.map((c) => `quantile_cont(CAST(${quoteIdent(c.name)} AS DOUBLE), [${QUANTILES.join(', ')}]) AS ${c.alias}_q`);
  return `SELECT ${parts.join(', ')} FROM ${relation}`;
}

/** Equal-width histogram counts for numeric and temporal columns (one GROUP BY per column). */
export function histogramSql(relation: string, columns: Array<{ ref: ColumnRef; lo: number; hi: number }>, bins: number): string | null {
  const pieces = columns
    .filter(({ lo, hi }) => Number.isFinite(lo) && Number.isFinite(hi))
    .map(({ ref, lo, hi }, index) => {
      const value = ref.kind === 'temporal' ? epochSeconds(ref.type, quoteIdent(ref.name)) : `CAST(${quoteIdent(ref.name)} AS DOUBLE)`;
      const width = hi > lo ? (hi - lo) / bins : 1;
      const bucket = `least(${bins - 1}, greatest(0, CAST(floor((${value} - ${lo}) / ${width}) AS INTEGER)))`;
      return `SELECT ${index} AS c, ${bucket} AS b, count(*) AS n FROM ${relation} WHERE isfinite(${value}) GROUP BY ALL`;
    });
  return pieces.length > 0 ? pieces.join(' UNION ALL ') : null;
}

/** Most frequent values of categorical and boolean columns, all in one UNION ALL query. */
export function topKSql(table: string, columns: ColumnRef[], k: number): string | null {
  if (columns.length === 0) return null;
  return columns
    .map((ref, index) => {
      const col = quoteIdent(ref.name);
      return `(SELECT ${index} AS c, CAST(${col} AS VARCHAR) AS v, count(*) AS n FROM ${quoteIdent(table)} GROUP BY ${col} ORDER BY n DESC, v NULLS LAST LIMIT ${k})`;
    })
    .join(' UNION ALL ');
}

/** Equal-width bins over [lo, hi]; temporal bounds stay in epoch seconds (`valueType` says so). */
export function buildHistogram(lo: number, hi: number, bins: number, counts: Map<number, number>): HistogramBin[] {
  const width = hi > lo ? (hi - lo) / bins : 1;
  const effectiveBins = hi > lo ? bins : 1;
  const out: HistogramBin[] = [];
  for (let b = 0; b < effectiveBins; b++) {
    const binLo = lo + b * width;
    const binHi = hi > lo ? lo + (b + 1) * width : hi;
    out.push({ lo: binLo, hi: binHi, count: counts.get(b) ?? 0 });
  }
  return out;
}

export function emptyProfile(ref: ColumnRef, rowCount: number, distinctExact: boolean): ColumnProfile {
  return {
    name: ref.name,
    type: ref.type,
    kind: ref.kind,
    valueType: valueType(ref.type),
    rowCount,
    nullCount: 0,
    nullFraction: 0,
    distinct: 0,
    distinctExact,
    min: null,
    max: null,
    mean: null,
    std: null,
    quantiles: null,
    histogram: null,
    topK: null,
    samples: [],
  };
}

export type { TopValue };
export { QUANTILES };

/**
 * One line saying which figures of a profile are exact and which come from a sample or an
 * estimate (shown above the cards and by `assay profile`).
 */
export function profileCoverage(profile: Pick<TableProfile, 'sampledRows' | 'distinctExact'>): string {
  const exact = ['row and null counts', ...(profile.distinctExact ? ['distinct counts'] : []), 'min/max/mean/std', 'top values'];
  const parts: string[] = [];
  if (profile.sampledRows === null) parts.push(profile.distinctExact ? 'all figures exact' : `${exact.join(', ')} exact`);
  else parts.push(`quantiles and histograms from a ${profile.sampledRows.toLocaleString('en-US')}-row sample`, `${exact.join(', ')} exact`);
  if (!profile.distinctExact) parts.push(`distinct counts (≈) are HyperLogLog estimates above ${EXACT_DISTINCT_MAX_ROWS.toLocaleString('en-US')} rows and can be off by 20%`);
  return parts.join('; ');
}
