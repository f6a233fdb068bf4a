/**
 * SQL for aggregated charts (bar, heatmap). The user's query becomes a subquery and every column
 * name is quoted by construction, so names with spaces, quotes or keywords are safe.
 */
import type { ChartColumnKind } from './chart-model';

/** DuckDB identifier: double quotes, embedded double quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Most categories a bar chart shows (the largest ones), and most heatmap cells. */
export const BAR_CATEGORY_LIMIT = 50;
export const ORDERED_BAR_LIMIT = 5_000;
export const HEATMAP_CELL_LIMIT = 2_500;
export const HEATMAP_BINS = 30;

const QUERY_START = /^(select|with|from|values|table|pivot|unpivot|\()/i;

/**
 * Strips comments and trailing semicolons from a single query so it can be wrapped as a
 * subquery. Returns null when the text holds more than one statement or is not a query.
 */
export function asSubquerySource(sql: string): string | null {
  let out = '';
  let i = 0;
  let sawTerminator = false;
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
      out += ' ';
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      out += ' ';
      continue;
    }
    if (ch === "'" || ch === '"') {
      // Quoted literal or identifier; a doubled quote is an escaped quote inside it.
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch) {
          if (sql[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      if (sawTerminator) return null;
      out += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ';') {
      sawTerminator = true;
      i++;
      continue;
    }
    if (sawTerminator && !/\s/.test(ch)) return null;
    out += ch;
    i++;
  }
  const body = out.trim();
  if (body.length === 0 || !QUERY_START.test(body)) return null;
  return body;
}

export interface ChartColumn {
  name: string;
  kind: ChartColumnKind;
}

export interface BarQueryInput {
  source: string;
  x: ChartColumn;
  /** Summed when given; rows are counted otherwise. */
  y: ChartColumn | null;
  color: ChartColumn | null;
}

/** True for axes drawn in value order (numbers, time) rather than by size. */
export function isOrderedKind(kind: ChartColumnKind): boolean {
  return kind === 'numeric' || kind === 'temporal';
}

/**
 * Bar chart data: one row per (x[, color]) with `value` = count or sum. Categorical x keeps the
 * BAR_CATEGORY_LIMIT largest categories; ordered x (numbers, dates) is sorted by x.
 * Output columns: x, color (when split), value (DOUBLE).
 */
export function buildBarQuery(input: BarQueryInput): string {
  const value = input.y ? `coalesce(sum(${quoteIdent(input.y.name)}), 0)::DOUBLE` : 'count(*)::DOUBLE';
  const select = [`${quoteIdent(input.x.name)} AS x`];
  if (input.color) select.push(`${quoteIdent(input.color.name)} AS color`);
  const keys = input.color ? 'x, color' : 'x';
  const agg = `SELECT ${select.join(', ')}, ${value} AS value\nFROM (\n${input.source}\n) AS chart_source\nGROUP BY ${select.map((_s, i) => i + 1).join(', ')}`;
  if (isOrderedKind(input.x.kind)) {
    return `${agg}\nORDER BY ${keys} NULLS LAST\nLIMIT ${ORDERED_BAR_LIMIT}`;
  }
  return [
    `WITH agg AS (\n${agg}\n),`,
    `ranked AS (SELECT *, sum(value) OVER (PARTITION BY x) AS x_total FROM agg)`,
    `SELECT ${keys}, value FROM ranked`,
    `QUALIFY dense_rank() OVER (ORDER BY x_total DESC, x NULLS LAST) <= ${BAR_CATEGORY_LIMIT}`,
    `ORDER BY x_total DESC, x NULLS LAST${input.color ? ', color NULLS LAST' : ''}`,
  ].join('\n');
}

export interface HeatmapQueryInput {
  source: string;
  x: ChartColumn;
  y: ChartColumn;
}

/** Equal-width bin start for a numeric column, in a query that has `<p>_lo`, `<p>_hi` bounds. */
function binnedKey(column: string, prefix: string): string {
  const lo = `${prefix}_lo`;
  const hi = `${prefix}_hi`;
  const index = `least(floor((${column}::DOUBLE - ${lo}) / nullif(${hi} - ${lo}, 0) * ${HEATMAP_BINS}), ${HEATMAP_BINS - 1})`;
  return `coalesce(${lo} + (${hi} - ${lo}) / ${HEATMAP_BINS} * ${index}, ${lo})`;
}

/**
 * Heatmap data: rows counted per (x, y) cell; numeric axes are cut into HEATMAP_BINS equal-width
 * bins (labelled by their lower edge). The HEATMAP_CELL_LIMIT densest cells are kept.
 * Output columns: x, y, value (DOUBLE).
 */
export function buildHeatmapQuery(input: HeatmapQueryInput): string {
  const xBinned = input.x.kind === 'numeric';
  const yBinned = input.y.kind === 'numeric';
  const parts = [`WITH pairs AS (\nSELECT ${quoteIdent(input.x.name)} AS x, ${quoteIdent(input.y.name)} AS y\nFROM (\n${input.source}\n) AS chart_source\n)`];
  const boundColumns: string[] = [];
  if (xBinned) boundColumns.push('min(x)::DOUBLE AS x_lo, max(x)::DOUBLE AS x_hi');
  if (yBinned) boundColumns.push('min(y)::DOUBLE AS y_lo, max(y)::DOUBLE AS y_hi');
  if (boundColumns.length > 0) parts.push(`, bounds AS (SELECT ${boundColumns.join(', ')} FROM pairs)`);
  const xKey = xBinned ? binnedKey('x', 'x') : 'x';
  const yKey = yBinned ? binnedKey('y', 'y') : 'y';
  parts.push(`SELECT ${xKey} AS x, ${yKey} AS y, count(*)::DOUBLE AS value`);
  parts.push(boundColumns.length > 0 ? 'FROM pairs, bounds' : 'FROM pairs');
  parts.push('GROUP BY 1, 2');
  parts.push(`ORDER BY value DESC, 1 NULLS LAST, 2 NULLS LAST\nLIMIT ${HEATMAP_CELL_LIMIT}`);
  return parts.join('\n');
}
