/**
 * Gets the data a chart needs from the engine: aggregated charts (bar, heatmap) run a GROUP BY
 * over the user's query; row charts fetch at most POINT_CAP rows of the result.
 */
import type { EngineClient, QueryResult } from '../../../workers/api';
import type { ChartType } from '../sql/types';
import {
  aggregateClientSide,
  aggregateRowsFromIpc,
  barFigure,
  heatmapFigure,
  plotColumnsFromIpc,
  rowChartFigure,
  thinRows,
  type AggregateRows,
  type ChartFigure,
  type PlotColumns,
} from './chart-data';
import { columnKind, type AxisChoice } from './chart-model';
import { BAR_CATEGORY_LIMIT, HEATMAP_CELL_LIMIT, asSubquerySource, buildBarQuery, buildHeatmapQuery, isOrderedKind, type ChartColumn } from './chart-sql';

/** Most rows fetched for a row-level chart (histogram, line, scatter, box). */
export const POINT_CAP = 50_000;
/** Most scatter points drawn: each is an SVG marker, and drawing gets slow beyond this. */
export const SVG_SCATTER_CAP = 10_000;

export interface ChartRequest {
  result: QueryResult;
  /** The query that produced the result. */
  sql: string;
  type: ChartType;
  axes: AxisChoice;
}

export interface LoadedChart {
  figure: ChartFigure;
  /** What the chart shows when it is not every row (a cap, a top-N), in plain words. */
  note: string | null;
  /** Points drawn: rows for row charts, bars or cells for aggregated ones. */
  pointsDrawn: number;
}

function chartColumn(result: QueryResult, name: string | null): ChartColumn | null {
  if (name === null) return null;
  const info = result.columns.find((c) => c.name === name);
  if (!info) throw new Error(`The result has no column "${name}".`);
  return { name: info.name, kind: columnKind(info.type) };
}

/** The first `limit` rows of a result, from its handle or its inline preview. */
async function fetchRows(engine: EngineClient, result: QueryResult, names: readonly string[], limit: number, signal?: AbortSignal): Promise<PlotColumns> {
  if (result.resultId === null) return plotColumnsFromIpc(result.preview, names);
  const page = await engine.run('sql.fetch', { resultId: result.resultId, offset: 0, limit: Math.min(limit, result.rowCount) }, signal ? { signal } : {});
  return plotColumnsFromIpc(page.ipc, names);
}

async function runAggregate(engine: EngineClient, sql: string, second: 'color' | 'y' | null, signal?: AbortSignal): Promise<AggregateRows> {
  const aggregated = await engine.run('sql.run', { sql, preview: 10_000 }, signal ? { signal } : {});
  if (aggregated.resultId !== null) void engine.run('sql.release', { resultId: aggregated.resultId }).catch(() => undefined);
  return aggregateRowsFromIpc(aggregated.preview, second);
}

const rowsText = (n: number): string => n.toLocaleString('en-US');

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, … for the notes under a chart. */
export function ordinal(n: number): string {
  const lastTwo = n % 100;
  const suffix = lastTwo >= 11 && lastTwo <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${rowsText(n)}${suffix}`;
}

export async function loadChart(engine: EngineClient, request: ChartRequest, signal?: AbortSignal): Promise<LoadedChart> {
  const { result, type } = request;
  const x = chartColumn(result, request.axes.x);
  const y = chartColumn(result, request.axes.y);
  const color = chartColumn(result, request.axes.color);
  const total = result.rowCount;

  if (type === 'bar' || type === 'heatmap') {
    if (!x || (type === 'heatmap' && !y)) throw new Error('Pick the columns to chart first.');
    const source = result.resultId === null ? null : asSubquerySource(request.sql);
    let rows: AggregateRows;
    let note: string | null = null;
    if (source !== null) {
      rows = type === 'bar'
        ? await runAggregate(engine, buildBarQuery({ source, x, y, color }), color ? 'color' : null, signal)
        : await runAggregate(engine, buildHeatmapQuery({ source, x, y: y as ChartColumn }), 'y', signal);
      if (type === 'bar' && !isOrderedKind(x.kind) && new Set(rows.x).size >= BAR_CATEGORY_LIMIT) note = `Showing the ${BAR_CATEGORY_LIMIT} largest categories of "${x.name}".`;
      if (type === 'heatmap' && rows.x.length >= HEATMAP_CELL_LIMIT) note = `Showing the ${rowsText(HEATMAP_CELL_LIMIT)} fullest cells.`;
    } else {
      // Several statements (or no handle): aggregate the rows at hand instead of re-running them.
      const names = [x.name, ...(y ? [y.name] : []), ...(color ? [color.name] : [])];
      const data = await fetchRows(engine, result, names, POINT_CAP, signal);
      const xs = data.columns.get(x.name) ?? [];
      rows = type === 'bar'
        ? aggregateClientSide(xs, color ? (data.columns.get(color.name) ?? []) : null, y ? (data.columns.get(y.name) ?? []) : null)
        : aggregateClientSide(xs, data.columns.get((y as ChartColumn).name) ?? [], null);
      if (data.rowCount < total) note = `Aggregated over the first ${rowsText(data.rowCount)} of ${rowsText(total)} rows (the query has several statements, so it is not re-run).`;
    }
    const figure = type === 'bar' ? barFigure(rows, x, y, color) : heatmapFigure(rows, x, y as ChartColumn);
    return { figure, note, pointsDrawn: rows.x.length };
  }

  const names = [x, y, color].filter((c): c is ChartColumn => c !== null).map((c) => c.name);
  if (names.length === 0) throw new Error('Pick the columns to chart first.');
  const fetched = await fetchRows(engine, result, names, POINT_CAP, signal);
  const data = type === 'scatter' ? thinRows(fetched, SVG_SCATTER_CAP) : fetched;
  const figure = rowChartFigure({ type, data, x, y, color });
  const notes: string[] = [];
  if (fetched.rowCount < total) notes.push(`Using the first ${rowsText(fetched.rowCount)} of ${rowsText(total)} rows.`);
  if (data.rowCount < fetched.rowCount) notes.push(`Drawing every ${ordinal(Math.ceil(fetched.rowCount / data.rowCount))} of them, so the chart stays quick.`);
  return { figure, note: notes.length > 0 ? notes.join(' ') : null, pointsDrawn: data.rowCount };
}
