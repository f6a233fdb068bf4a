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
  // Lists and arrays (BIGINT[], DOUBLE[3]) are not their element type: no numeric or date figures.
  if (t.endsWith(']')) return 'other';
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

/** FLOAT and DOUBLE can hold NaN and ±infinity; integers and decimals (cast to DOUBLE) cannot. */
export function isFloatType(type: string): boolean {
  return /^(FLOAT|DOUBLE|REAL)/.test(type.trim().toUpperCase());
}

/**
 * A numeric column as DOUBLE, NULL where it is NaN or ±infinity: every statistic is over finite
 * values (one NaN would make max NaN, one infinity the std an error). `isfinite` only where the
 * type can hold such values.
 */
export function finiteDouble(ref: Pick<ColumnRef, 'name' | 'type'>): string {
  const x = `CAST(${quoteIdent(ref.name)} AS DOUBLE)`;
  return isFloatType(ref.type) ? `CASE WHEN isfinite(${x}) THEN ${x} END` : x;
}

/**
 * A SQL literal for a power of two (JS prints the shortest text that reads back exactly).
 * Dividing by it is exact, so scaled sums give the same bits as unscaled ones, less overflow.
 */
function powerOfTwoLiteral(scale: number): string {
  return `CAST('${String(scale)}' AS DOUBLE)`;
}

/**
 * The power of two at or just below `maxAbs`: values divided by it lie in (-2, 2), where the
 * variance's running sums cannot overflow. 1 when there is nothing to scale.
 */
export function scaleFor(maxAbs: number): number {
  if (!Number.isFinite(maxAbs) || maxAbs <= 0) return 1;
  return 2 ** Math.floor(Math.log2(maxAbs));
}

/**
 * One aggregate query computing the summary statistics of the given columns in a single scan.
 * Distinct counts are exact with `exactDistinct`, HyperLogLog estimates otherwise. With `scales`
 * (per column alias), mean and std are computed on the values divided by that power of two and
 * come back divided by it: the caller multiplies them back (see profile-job.ts on overflow).
 */
export function summarySql(table: string, columns: ColumnRef[], exactDistinct: boolean, scales?: ReadonlyMap<string, number>): string {
  const parts: string[] = ['count(*) AS n'];
  for (const c of columns) {
    const col = quoteIdent(c.name);
    parts.push(`count(${col}) AS ${c.alias}_nn`);
    if (c.kind === 'other') continue;
    parts.push(exactDistinct ? `count(DISTINCT ${col}) AS ${c.alias}_d` : `approx_count_distinct(${col}) AS ${c.alias}_d`);
    if (c.kind === 'numeric') {
      const x = finiteDouble(c);
      const scale = scales?.get(c.alias) ?? 1;
      const scaled = scale === 1 ? x : `(${x}) / ${powerOfTwoLiteral(scale)}`;
      parts.push(`min(${x}) AS ${c.alias}_min`, `max(${x}) AS ${c.alias}_max`, `avg(${scaled}) AS ${c.alias}_mean`, `stddev_samp(${scaled}) AS ${c.alias}_std`);
      // Finite values counted here (nearly free); which non-finite ones, only where there are some (nonFiniteSql).
      if (isFloatType(c.type)) parts.push(`count(${x}) AS ${c.alias}_fin`);
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

/**
 * How many NaN, +inf and -inf values each of the given FLOAT/DOUBLE columns holds. Run only for
 * columns that hold some: three filtered counts per column added 20–40% to the summary scan (measured).
 */
export function nonFiniteSql(table: string, columns: ColumnRef[]): string {
  const parts = columns.map((c) => {
    const raw = `CAST(${quoteIdent(c.name)} AS DOUBLE)`;
    return [
      `count(*) FILTER (WHERE isnan(${raw})) AS ${c.alias}_nan`,
      `count(*) FILTER (WHERE ${raw} = CAST('infinity' AS DOUBLE)) AS ${c.alias}_pinf`,
      `count(*) FILTER (WHERE ${raw} = CAST('-infinity' AS DOUBLE)) AS ${c.alias}_ninf`,
    ].join(', ');
  });
  return `SELECT ${parts.join(', ')} FROM ${quoteIdent(table)}`;
}

/** The largest finite magnitude of each numeric column: the scale its mean and std are computed at. */
export function magnitudeSql(table: string, numeric: ColumnRef[]): string {
  return `SELECT ${numeric.map((c) => `max(abs(${finiteDouble(c)})) AS ${c.alias}_abs`).join(', ')} FROM ${quoteIdent(table)}`;
}

/** Quantiles of numeric columns (exact, `quantile_cont`, finite values), run on the table or on its sample. */
export function quantileSql(relation: string, columns: ColumnRef[]): string | null {
  const numeric = columns.filter((c) => c.kind === 'numeric');
  if (numeric.length === 0) return null;
  const parts = numeric.map((c) => `quantile_cont(${finiteDouble(c)}, [${QUANTILES.join(', ')}]) AS ${c.alias}_q`);
  return `SELECT ${parts.join(', ')} FROM ${relation}`;
}

/**
 * The width of one of `bins` equal bins over [lo, hi]. A range wider than the largest double
 * (-1e308 to 1e308) is split as hi/bins - lo/bins, which cannot overflow.
 */
export function binWidth(lo: number, hi: number, bins: number): number {
  if (!(hi > lo)) return 1;
  const span = hi - lo;
  return Number.isFinite(span) ? span / bins : hi / bins - lo / bins;
}

/** Equal-width histogram counts for numeric and temporal columns (one GROUP BY per column). */
export function histogramSql(relation: string, columns: Array<{ ref: ColumnRef; lo: number; hi: number }>, bins: number): string | null {
  const pieces = columns
    .filter(({ lo, hi }) => Number.isFinite(lo) && Number.isFinite(hi))
    .map(({ ref, lo, hi }, index) => {
      const value = ref.kind === 'temporal' ? epochSeconds(ref.type, quoteIdent(ref.name)) : `CAST(${quoteIdent(ref.name)} AS DOUBLE)`;
      const width = binWidth(lo, hi, bins);
      // value - lo overflows to infinity when the range does; halves of both cannot (exact scaling).
      const offset = Number.isFinite(hi - lo) ? `(${value} - ${lo}) / ${width}` : `(${value} / 2 - ${lo / 2}) / ${width / 2}`;
      const bucket = `least(${bins - 1}, greatest(0, CAST(floor(${offset}) AS INTEGER)))`;
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
  const width = binWidth(lo, hi, bins);
  const effectiveBins = hi > lo ? bins : 1;
  // Over a range wider than the largest double, b * width can overflow: edges from halves.
  const edge = Number.isFinite(hi - lo) ? (b: number): number => lo + b * width : (b: number): number => (b === bins ? hi : 2 * (lo / 2 + b * (width / 2)));
  const out: HistogramBin[] = [];
  for (let b = 0; b < effectiveBins; b++) {
    out.push({ lo: edge(b), hi: hi > lo ? edge(b + 1) : hi, count: counts.get(b) ?? 0 });
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

/**
 * The NaN and ±infinity values a column holds, in plain words ("2 NaN, 1 +inf (left out of the
 * statistics)"), or null when it holds none.
 */
export function nonFiniteNote(profile: Pick<ColumnProfile, 'nanCount' | 'posInfCount' | 'negInfCount'>): string | null {
  const parts = [
    [profile.nanCount, 'NaN'],
    [profile.posInfCount, '+inf'],
    [profile.negInfCount, '-inf'],
  ]
    .filter((entry): entry is [number, string] => typeof entry[0] === 'number' && entry[0] > 0)
    .map(([count, label]) => `${count.toLocaleString('en-US')} ${label}`);
  return parts.length > 0 ? `${parts.join(', ')} (left out of the statistics)` : null;
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
