import type { ColumnKind, ColumnProfile, HistogramBin, TopValue } from '../api';
import { quoteIdent } from './sql-text';

const QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95];

/** How a DuckDB type is profiled. */
export function columnKind(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (t === 'BOOLEAN') return 'boolean';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/.test(t)) return 'numeric';
  if (/^(DATE|TIMESTAMP|TIME)/.test(t)) return t.startsWith('TIME') && !t.startsWith('TIMESTAMP') ? 'other' : 'temporal';
  if (t === 'VARCHAR' || t.startsWith('ENUM') || t === 'UUID') return 'categorical';
  return 'other';
}

export interface ColumnRef {
  name: string;
  type: string;
  kind: ColumnKind;
  alias: string;
}

/** One aggregate query computing the summary statistics of every column in a single scan. */
export function summarySql(table: string, columns: ColumnRef[]): string {
  const parts: string[] = ['count(*) AS n'];
  for (const c of columns) {
    const col = quoteIdent(c.name);
    parts.push(`count(${col}) AS ${c.alias}_nn`);
    if (c.kind === 'other') continue;
    parts.push(`approx_count_distinct(${col}) AS ${c.alias}_d`);
    if (c.kind === 'numeric') {
      const x = `CAST(${col} AS DOUBLE)`;
      parts.push(`min(${x}) AS ${c.alias}_min`, `max(${x}) AS ${c.alias}_max`, `avg(${x}) AS ${c.alias}_mean`, `stddev_samp(${x}) AS ${c.alias}_std`);
    } else if (c.kind === 'temporal') {
      parts.push(`CAST(min(${col}) AS VARCHAR) AS ${c.alias}_min`, `CAST(max(${col}) AS VARCHAR) AS ${c.alias}_max`);
      parts.push(`epoch(min(${col})) AS ${c.alias}_lo`, `epoch(max(${col})) AS ${c.alias}_hi`);
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
      const value = ref.kind === 'temporal' ? `epoch(${quoteIdent(ref.name)})` : `CAST(${quoteIdent(ref.name)} AS DOUBLE)`;
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

export function buildHistogram(lo: number, hi: number, bins: number, counts: Map<number, number>, kind: ColumnKind): HistogramBin[] {
  const width = hi > lo ? (hi - lo) / bins : 1;
  const effectiveBins = hi > lo ? bins : 1;
  const out: HistogramBin[] = [];
  for (let b = 0; b < effectiveBins; b++) {
    const binLo = lo + b * width;
    const binHi = hi > lo ? lo + (b + 1) * width : hi;
    // Temporal bins are reported in epoch seconds; the UI formats them as dates.
    out.push({ lo: binLo, hi: binHi, count: counts.get(b) ?? 0 });
  }
  void kind;
  return out;
}

export function emptyProfile(ref: ColumnRef, rowCount: number): ColumnProfile {
  return {
    name: ref.name,
    type: ref.type,
    kind: ref.kind,
    rowCount,
    nullCount: 0,
    nullFraction: 0,
    distinctApprox: 0,
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
