import type { ColumnInfo, ColumnProfile, TableProfile } from './types';
import { throwIfAborted } from '../protocol/errors';
import type { JobContext } from '../protocol/host';
import type { DuckDriver } from './driver';
import {
  EXACT_DISTINCT_MAX_ROWS,
  PROFILE_COLUMN_CHUNK,
  QUANTILES,
  buildHistogram,
  chunksOf,
  columnKind,
  emptyProfile,
  histogramSql,
  isFloatType,
  magnitudeSql,
  nonFiniteSql,
  quantileSql,
  scaleFor,
  summarySql,
  temporalText,
  topKSql,
  type ColumnRef,
} from './profile';
import { quoteIdent } from './sql-text';
import { rowsOf, toNumber } from './arrow-values';

/**
 * Above this many rows, quantiles and histograms are computed on a sample of about
 * PROFILE_SAMPLE_ROWS rows, picked by a hash of the row id (one cheap scan; the same rows on
 * every run and driver).
 */
export const PROFILE_SAMPLE_THRESHOLD = 200_000;
export const PROFILE_SAMPLE_ROWS = 100_000;
const SAMPLE_TABLE = '__assay_profile_sample';

export interface ProfileOptions {
  bins: number;
  topK: number;
  /** Columns per query (tests use a small one to exercise chunking). */
  columnChunk?: number;
}

interface Ranged {
  ref: ColumnRef;
  lo: number;
  hi: number;
}

/**
 * Profiles the columns of one table: counts, nulls, distinct, min/max/mean/std in one scan per
 * chunk of columns; quantiles and histograms (on a fixed-seed sample above 200,000 rows); top-k of
 * text and boolean columns; a few sample values. Any width works: every query covers at most
 * `columnChunk` columns.
 */
export async function profileTable(driver: DuckDriver, table: string, columns: readonly ColumnInfo[], options: ProfileOptions, ctx: JobContext): Promise<TableProfile> {
  const started = Date.now();
  const chunk = Math.max(1, options.columnChunk ?? PROFILE_COLUMN_CHUNK);
  const refs: ColumnRef[] = columns.map((c, i) => ({ name: c.name, type: c.type, kind: columnKind(c.type), alias: `c${i}` }));
  const source = quoteIdent(table);

  ctx.progress(0.02, 'counting rows');
  const rowCount = toNumber(rowsOf(await driver.query(`SELECT count(*) AS n FROM ${source}`, ctx.signal))[0]?.n);
  const distinctExact = rowCount <= EXACT_DISTINCT_MAX_ROWS;
  const profiles: ColumnProfile[] = refs.map((ref) => emptyProfile(ref, rowCount, distinctExact));
  const byAlias = new Map(refs.map((ref, i) => [ref.alias, profiles[i] as ColumnProfile]));
  const refChunks = chunksOf(refs, chunk);
  // Temporal ranges in epoch seconds, for the histograms.
  const epochRange = new Map<string, { lo: number; hi: number }>();

  for (const [c, part] of refChunks.entries()) {
    throwIfAborted(ctx.signal);
    ctx.progress(0.05 + (0.25 * c) / refChunks.length, refChunks.length > 1 ? `summary statistics (columns ${c * chunk + 1}–${c * chunk + part.length})` : 'summary statistics');
    const { summary, scales } = await summaryOf(driver, table, part, distinctExact, ctx);
    for (const ref of part) {
      const p = byAlias.get(ref.alias);
      if (!p) continue;
      const nonNull = toNumber(summary[`${ref.alias}_nn`]);
      p.nullCount = rowCount - nonNull;
      p.nullFraction = rowCount > 0 ? p.nullCount / rowCount : 0;
      p.distinct = ref.kind === 'other' ? 0 : Math.min(nonNull, toNumber(summary[`${ref.alias}_d`]));
      if (ref.kind === 'numeric') {
        const num = (key: string): number | null => {
          const v = toNumber(summary[`${ref.alias}_${key}`]);
          return Number.isFinite(v) ? v : null;
        };
        p.min = num('min');
        p.max = num('max');
        // Mean and std of scaled values times the scale; a std beyond the largest double stays null.
        const scale = scales.get(ref.alias) ?? 1;
        const mean = num('mean');
        const std = num('std');
        p.mean = mean === null || !Number.isFinite(mean * scale) ? null : mean * scale;
        p.std = std === null || !Number.isFinite(std * scale) ? null : std * scale;
      } else if (ref.kind === 'temporal' || ref.kind === 'categorical') {
        const min = summary[`${ref.alias}_min`];
        const max = summary[`${ref.alias}_max`];
        p.min = min === null || min === undefined ? null : String(min);
        p.max = max === null || max === undefined ? null : String(max);
        if (ref.kind === 'temporal') epochRange.set(ref.alias, { lo: toNumber(summary[`${ref.alias}_lo`]), hi: toNumber(summary[`${ref.alias}_hi`]) });
      }
    }
    // FLOAT/DOUBLE columns with non-null values that are not finite: which ones (NaN, +inf, -inf).
    const nonFinite = part.filter((ref) => ref.kind === 'numeric' && isFloatType(ref.type) && toNumber(summary[`${ref.alias}_nn`]) > toNumber(summary[`${ref.alias}_fin`]));
    if (nonFinite.length > 0) {
      const counts = rowsOf(await driver.query(nonFiniteSql(table, nonFinite), ctx.signal))[0] ?? {};
      for (const ref of nonFinite) {
        const p = byAlias.get(ref.alias);
        if (!p) continue;
        p.nanCount = toNumber(counts[`${ref.alias}_nan`]);
        p.posInfCount = toNumber(counts[`${ref.alias}_pinf`]);
        p.negInfCount = toNumber(counts[`${ref.alias}_ninf`]);
      }
    }
  }

  const sampledRows = await distributions(driver, table, refs, byAlias, epochRange, rowCount, options.bins, chunk, ctx);

  const categorical = refs.map((ref, index) => ({ ref, index })).filter(({ ref }) => ref.kind === 'categorical' || ref.kind === 'boolean');
  const topChunks = chunksOf(categorical, chunk);
  for (const [c, part] of topChunks.entries()) {
    throwIfAborted(ctx.signal);
    ctx.progress(0.7 + (0.2 * c) / topChunks.length, 'top values');
    const topSql = topKSql(table, part.map((e) => e.ref), options.topK);
    if (!topSql) continue;
    for (const entry of part) {
      const p = profiles[entry.index];
      if (p) p.topK = [];
    }
    for (const row of rowsOf(await driver.query(topSql, ctx.signal))) {
      const entry = part[toNumber(row.c)];
      const p = entry ? profiles[entry.index] : undefined;
      p?.topK?.push({ value: row.v === null || row.v === undefined ? null : String(row.v), count: toNumber(row.n) });
    }
  }

  ctx.progress(0.9, 'sample values');
  if (rowCount > 0) {
    for (const part of refChunks) {
      throwIfAborted(ctx.signal);
      const cols = part.map((r) => `${r.kind === 'temporal' ? temporalText(r.type, quoteIdent(r.name)) : `CAST(${quoteIdent(r.name)} AS VARCHAR)`} AS ${r.alias}`).join(', ');
      const sample = rowsOf(await driver.query(`SELECT ${cols} FROM ${source} LIMIT 500`, ctx.signal));
      for (const ref of part) {
        const seen = new Set<string>();
        for (const row of sample) {
          const v = row[ref.alias];
          if (v === null || v === undefined) continue;
          seen.add(String(v).slice(0, 200));
          if (seen.size >= 5) break;
        }
        const p = byAlias.get(ref.alias);
        if (p) p.samples = [...seen];
      }
    }
  }
  ctx.progress(1, 'done');
  return { table, rowCount, columns: profiles, elapsedMs: Date.now() - started, sampledRows, distinctExact };
}

/**
 * The summary row of one chunk of columns. Mean and std are first computed on the values as they
 * are; when that overflows (DuckDB refuses a std whose running sum of squares passes the largest
 * double, e.g. 1e308 and -1e308; a mean of values near 1e308 comes back infinite), once more on
 * each numeric column divided by the power of two nearest its largest magnitude, and the caller
 * multiplies back. Power-of-two scaling is exact: ordinary data never takes this path, and would
 * give the same bits if it did. The extra two scans are paid only by such columns' chunks.
 */
async function summaryOf(
  driver: DuckDriver,
  table: string,
  part: ColumnRef[],
  distinctExact: boolean,
  ctx: JobContext,
): Promise<{ summary: Record<string, unknown>; scales: Map<string, number> }> {
  const numeric = part.filter((ref) => ref.kind === 'numeric');
  let summary: Record<string, unknown> | null = null;
  try {
    summary = rowsOf(await driver.query(summarySql(table, part, distinctExact), ctx.signal))[0] ?? {};
  } catch (err) {
    throwIfAborted(ctx.signal);
    if (numeric.length === 0 || !/out of range/i.test(err instanceof Error ? err.message : String(err))) throw err;
  }
  const overflowed = (row: Record<string, unknown>): boolean =>
    numeric.some((ref) => Number.isFinite(toNumber(row[`${ref.alias}_min`])) && !Number.isFinite(toNumber(row[`${ref.alias}_mean`])));
  if (summary !== null && !overflowed(summary)) return { summary, scales: new Map() };
  const row = rowsOf(await driver.query(magnitudeSql(table, numeric), ctx.signal))[0] ?? {};
  const scales = new Map(numeric.map((ref) => [ref.alias, scaleFor(toNumber(row[`${ref.alias}_abs`]))]));
  return { summary: rowsOf(await driver.query(summarySql(table, part, distinctExact, scales), ctx.signal))[0] ?? {}, scales };
}

/**
 * Quantiles and histograms. Distribution shapes of big tables come from a fixed-seed sample:
 * one GROUP BY per column over millions of rows costs more than the whole summary.
 * Returns the sample's size, or null when the whole table was used.
 */
async function distributions(
  driver: DuckDriver,
  table: string,
  refs: ColumnRef[],
  byAlias: Map<string, ColumnProfile>,
  epochRange: Map<string, { lo: number; hi: number }>,
  rowCount: number,
  bins: number,
  chunk: number,
  ctx: JobContext,
): Promise<number | null> {
  throwIfAborted(ctx.signal);
  const distributed = refs.filter((r) => r.kind === 'numeric' || r.kind === 'temporal');
  if (distributed.length === 0) return null;
  let relation = quoteIdent(table);
  let sampledRows: number | null = null;
  if (rowCount > PROFILE_SAMPLE_THRESHOLD) {
    ctx.progress(0.3, `sampling ${PROFILE_SAMPLE_ROWS.toLocaleString('en-US')} rows`);
    const cols = distributed.map((r) => quoteIdent(r.name)).join(', ');
    // Rows chosen by a hash of their row id: the same sample on every run, thread count and
    // driver (DuckDB's own sampling depends on how threads split the scan). A view has no row id:
    // it falls back to system sampling.
    const perMillion = Math.ceil((1_000_000 * PROFILE_SAMPLE_ROWS) / rowCount);
    const create = (filter: string): string => `CREATE OR REPLACE TEMP TABLE ${quoteIdent(SAMPLE_TABLE)} AS SELECT ${cols} FROM ${quoteIdent(table)} ${filter}`;
    try {
      await driver.query(create(`WHERE hash(rowid + 42) % 1000000 < ${perMillion}`), ctx.signal);
    } catch (err) {
      throwIfAborted(ctx.signal);
      if (!/rowid/i.test(err instanceof Error ? err.message : String(err))) throw err;
      await driver.query(create(`USING SAMPLE ${((100 * PROFILE_SAMPLE_ROWS) / rowCount).toFixed(4)} PERCENT (system, 42)`), ctx.signal);
    }
    relation = quoteIdent(SAMPLE_TABLE);
    sampledRows = toNumber(rowsOf(await driver.query(`SELECT count(*) AS n FROM ${relation}`))[0]?.n);
  }
  try {
    const parts = chunksOf(distributed, chunk);
    for (const [c, part] of parts.entries()) {
      throwIfAborted(ctx.signal);
      ctx.progress(0.35 + (0.35 * c) / parts.length, 'quantiles and histograms');
      const qSql = quantileSql(relation, part);
      if (qSql) {
        const qRow = rowsOf(await driver.query(qSql, ctx.signal))[0] ?? {};
        for (const ref of part) {
          const q = qRow[`${ref.alias}_q`] as { toArray?: () => ArrayLike<unknown> } | null | undefined;
          const p = byAlias.get(ref.alias);
          if (p && q && typeof q.toArray === 'function') {
            const values = Array.from(q.toArray(), toNumber);
            p.quantiles = QUANTILES.map((qq, k) => ({ q: qq, value: values[k] ?? Number.NaN })).filter((e) => Number.isFinite(e.value));
          }
        }
      }
      const ranged: Ranged[] = [];
      for (const ref of part) {
        const p = byAlias.get(ref.alias);
        if (!p) continue;
        const range = ref.kind === 'numeric' ? { lo: Number(p.min ?? Number.NaN), hi: Number(p.max ?? Number.NaN) } : epochRange.get(ref.alias);
        if (range && p.min !== null && Number.isFinite(range.lo) && Number.isFinite(range.hi)) ranged.push({ ref, lo: range.lo, hi: range.hi });
      }
      const histSql = histogramSql(relation, ranged, bins);
      if (!histSql) continue;
      const counts = ranged.map(() => new Map<number, number>());
      for (const row of rowsOf(await driver.query(histSql, ctx.signal))) counts[toNumber(row.c)]?.set(toNumber(row.b), toNumber(row.n));
      ranged.forEach((r, i) => {
        const p = byAlias.get(r.ref.alias);
        if (p) p.histogram = buildHistogram(r.lo, r.hi, bins, counts[i] ?? new Map());
      });
    }
  } finally {
    if (sampledRows !== null) await driver.query(`DROP TABLE IF EXISTS ${quoteIdent(SAMPLE_TABLE)}`).catch(() => undefined);
  }
  return sampledRows;
}
