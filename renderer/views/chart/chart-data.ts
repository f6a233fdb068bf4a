/**
 * Chart data shaping: Arrow columns -> plain plot values, client-side grouping, and the Plotly
 * traces and layout for each chart type. Pure, so it is unit tested without a browser.
 */
import { type DataType, Type, tableFromIPC } from 'apache-arrow';
import { formatDateMs, formatTimeOfDay, formatTimestampMs, scaleDecimalString } from '../sql/format';
import type { ChartType } from '../sql/types';
import { isOrderedKind, type ChartColumn } from './chart-sql';

/** A value Plotly understands: numbers, strings (dates as ISO-like text), or a gap. */
export type PlotValue = number | string | null;

/** Named columns of plot values, all the same length. */
export interface PlotColumns {
  rowCount: number;
  columns: Map<string, PlotValue[]>;
}

/** Converts one Arrow value to a plot value, by the column's Arrow type. */
export function plotValueConverter(type: DataType): (value: unknown) => PlotValue {
  switch (type.typeId) {
    case Type.Int:
    case Type.Float:
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? (Number.isFinite(v) ? v : null) : Number(v as bigint));
    case Type.Decimal: {
      const scale = (type as DataType & { scale: number }).scale;
      return (v) => (v === null || v === undefined ? null : Number(scaleDecimalString(String(v), scale)));
    }
    case Type.Bool:
      return (v) => (v === null || v === undefined ? null : v ? 'true' : 'false');
    case Type.Date:
      return (v) => (typeof v === 'number' ? formatDateMs(v) : null);
    case Type.Timestamp:
      return (v) => (typeof v === 'number' ? formatTimestampMs(v) : null);
    case Type.Time: {
      const unit = (type as DataType & { unit: number }).unit;
      return (v) => (typeof v === 'number' || typeof v === 'bigint' ? formatTimeOfDay(v, unit) : null);
    }
    default:
      return (v) => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) : String(v));
  }
}

/** Arrow IPC stream -> plot columns (only the named ones, or all). */
export function plotColumnsFromIpc(ipc: Uint8Array, names?: readonly string[]): PlotColumns {
  const table = tableFromIPC(ipc);
  const columns = new Map<string, PlotValue[]>();
  table.schema.fields.forEach((field, index) => {
    if (names && !names.includes(field.name)) return;
    const vector = table.getChildAt(index);
    if (!vector) return;
    const convert = plotValueConverter(field.type);
    const values = new Array<PlotValue>(table.numRows);
    for (let r = 0; r < table.numRows; r++) values[r] = convert(vector.get(r));
    columns.set(field.name, values);
  });
  return { rowCount: table.numRows, columns };
}

/**
 * Columns whose values never repeat. Meaningful only when `data` holds the whole result (a small
 * result's inline preview); otherwise returns an empty set.
 */
export function uniqueColumnsOf(data: PlotColumns, wholeResult: boolean): Set<string> {
  const unique = new Set<string>();
  if (!wholeResult || data.rowCount < 2) return unique;
  for (const [name, values] of data.columns) {
    if (new Set(values.map((v) => (v === null ? '\u0000null' : typeof v === 'number' ? `n${v}` : `s${v}`))).size === values.length) unique.add(name);
  }
  return unique;
}

/** Most series drawn separately; smaller groups are merged into "(other)". */
export const MAX_SERIES = 12;
export const NULL_LABEL = 'NULL';
export const OTHER_LABEL = '(other)';

/** Group label per row: the MAX_SERIES - 1 most frequent groups keep their names. */
export function seriesLabels(values: readonly PlotValue[]): string[] {
  const counts = new Map<string, number>();
  const labels = values.map((v) => (v === null ? NULL_LABEL : String(v)));
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  if (counts.size <= MAX_SERIES) return labels;
  const kept = new Set([...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, MAX_SERIES - 1).map(([label]) => label));
  return labels.map((label) => (kept.has(label) ? label : OTHER_LABEL));
}

/** Row indices per series, in first-seen order ("(other)" last). */
export function splitSeries(labels: readonly string[]): Array<{ name: string; rows: number[] }> {
  const groups = new Map<string, number[]>();
  labels.forEach((label, row) => {
    const rows = groups.get(label);
    if (rows) rows.push(row);
    else groups.set(label, [row]);
  });
  return [...groups.entries()]
    .sort((a, b) => Number(a[0] === OTHER_LABEL) - Number(b[0] === OTHER_LABEL))
    .map(([name, rows]) => ({ name, rows }));
}

/** A loosely typed Plotly trace: only the fields this module sets. */
export interface Trace {
  /** Only traces of Plotly's cartesian bundle (see renderer/components/plotly.ts): it has no WebGL ones. */
  type: 'histogram' | 'bar' | 'scatter' | 'box' | 'heatmap';
  name?: string;
  x?: PlotValue[];
  y?: PlotValue[];
  z?: Array<Array<number | null>>;
  mode?: 'markers' | 'lines' | 'lines+markers';
  opacity?: number;
  marker?: { size?: number; opacity?: number };
  colorscale?: string;
  boxpoints?: false | 'outliers';
  hovertemplate?: string;
}

export interface ChartLayout {
  title?: { text: string };
  xaxis: { title: { text: string }; type?: 'category' | 'date' | 'linear' };
  yaxis: { title: { text: string }; type?: 'category' | 'date' | 'linear' };
  barmode?: 'group' | 'overlay' | 'stack';
  showlegend: boolean;
  legend?: { title: { text: string } };
}

export interface ChartFigure {
  data: Trace[];
  layout: ChartLayout;
}

const pick = (values: readonly PlotValue[] | undefined, rows: readonly number[]): PlotValue[] => rows.map((r) => values?.[r] ?? null);

export interface RowChartInput {
  type: Exclude<ChartType, 'bar' | 'heatmap'>;
  data: PlotColumns;
  x: ChartColumn | null;
  y: ChartColumn | null;
  color: ChartColumn | null;
}

function axisType(column: ChartColumn | null): 'category' | 'date' | 'linear' | undefined {
  if (!column) return undefined;
  if (column.kind === 'temporal') return 'date';
  if (column.kind === 'numeric') return 'linear';
  return 'category';
}

/** Histogram, line, scatter and box charts, drawn from rows. */
export function rowChartFigure(input: RowChartInput): ChartFigure {
  const { data, x, y, color } = input;
  const xs = x ? data.columns.get(x.name) : undefined;
  const ys = y ? data.columns.get(y.name) : undefined;
  const series = color ? splitSeries(seriesLabels(data.columns.get(color.name) ?? [])) : [{ name: 'all', rows: [...Array(data.rowCount).keys()] }];
  const split = color !== null;
  const layout: ChartLayout = {
    xaxis: { title: { text: x?.name ?? '' } },
    yaxis: { title: { text: y?.name ?? '' } },
    showlegend: split,
    ...(split && color ? { legend: { title: { text: color.name } } } : {}),
  };
  const data_: Trace[] = [];
  switch (input.type) {
    case 'histogram':
      layout.yaxis.title.text = 'rows';
      layout.barmode = 'overlay';
      for (const s of series) data_.push({ type: 'histogram', name: s.name, x: pick(xs, s.rows), ...(split ? { opacity: 0.6 } : {}) });
      break;
    case 'scatter':
      for (const s of series) data_.push({ type: 'scatter', mode: 'markers', name: s.name, x: pick(xs, s.rows), y: pick(ys, s.rows), marker: { size: 6, opacity: 0.7 } });
      break;
    case 'line': {
      const ordered = x !== null && isOrderedKind(x.kind);
      for (const s of series) {
        // Lines join points in x order; categorical x keeps the result's order.
        const rows = ordered ? [...s.rows].sort((a, b) => compareValues(xs?.[a] ?? null, xs?.[b] ?? null)) : s.rows;
        data_.push({ type: 'scatter', mode: 'lines', name: s.name, x: pick(xs, rows), y: pick(ys, rows) });
      }
      break;
    }
    case 'box': {
      layout.xaxis.title.text = x?.name ?? '';
      layout.yaxis.title.text = y?.name ?? '';
      layout.showlegend = false;
      const groups = x ? seriesLabels(xs ?? []) : null;
      data_.push({ type: 'box', name: y?.name ?? '', y: ys ? [...ys] : [], ...(groups ? { x: groups } : {}), boxpoints: 'outliers' });
      break;
    }
  }
  if (input.type !== 'box') {
    const xType = axisType(x);
    if (xType) layout.xaxis.type = xType;
    if (input.type !== 'histogram') {
      const yType = axisType(y);
      if (yType) layout.yaxis.type = yType;
    }
  }
  return { data: data_, layout };
}

/** Every k-th row so that at most `max` remain (keeps the shape of ordered data). */
export function thinRows(data: PlotColumns, max: number): PlotColumns {
  if (data.rowCount <= max) return data;
  const stride = Math.ceil(data.rowCount / max);
  const columns = new Map<string, PlotValue[]>();
  for (const [name, values] of data.columns) columns.set(name, values.filter((_v, i) => i % stride === 0));
  return { rowCount: Math.ceil(data.rowCount / stride), columns };
}

/** Numbers numerically, text by locale, NULL last. */
export function compareValues(a: PlotValue, b: PlotValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** Aggregated rows as both the GROUP BY query and the client-side fallback produce them. */
export interface AggregateRows {
  x: PlotValue[];
  /** Second key: the split (bar) or the y axis (heatmap). */
  key2: PlotValue[] | null;
  value: number[];
}

export function barFigure(rows: AggregateRows, x: ChartColumn, y: ChartColumn | null, color: ChartColumn | null): ChartFigure {
  const valueLabel = y ? `sum of ${y.name}` : 'rows';
  const xLabels = rows.x.map((v) => (v === null ? NULL_LABEL : v));
  const traces: Trace[] = [];
  if (rows.key2 && color) {
    const seriesOf = rows.key2.map((v) => (v === null ? NULL_LABEL : String(v)));
    for (const s of splitSeries(seriesOf)) {
      traces.push({ type: 'bar', name: s.name, x: s.rows.map((r) => xLabels[r] ?? null), y: s.rows.map((r) => rows.value[r] ?? null) });
    }
  } else {
    traces.push({ type: 'bar', name: valueLabel, x: xLabels, y: rows.value });
  }
  const xType = isOrderedKind(x.kind) ? (x.kind === 'temporal' ? 'date' : 'linear') : 'category';
  return {
    data: traces,
    layout: {
      xaxis: { title: { text: x.name }, type: rows.x.some((v) => v === null) ? 'category' : xType },
      yaxis: { title: { text: valueLabel } },
      barmode: 'group',
      showlegend: traces.length > 1,
      ...(color && traces.length > 1 ? { legend: { title: { text: color.name } } } : {}),
    },
  };
}

/** Heatmap: unique x and y labels (sorted) and a count matrix z[y][x]. */
export function heatmapFigure(rows: AggregateRows, x: ChartColumn, y: ChartColumn): ChartFigure {
  const ys = rows.key2 ?? [];
  const sortedUnique = (values: readonly PlotValue[]): PlotValue[] => [...new Set(values)].sort(compareValues);
  const xKeys = sortedUnique(rows.x);
  const yKeys = sortedUnique(ys);
  const xIndex = new Map(xKeys.map((v, i) => [v, i]));
  const yIndex = new Map(yKeys.map((v, i) => [v, i]));
  const z: Array<Array<number | null>> = yKeys.map(() => xKeys.map((): number | null => null));
  rows.value.forEach((value, r) => {
    const xi = xIndex.get(rows.x[r] ?? null);
    const yi = yIndex.get(ys[r] ?? null);
    const row = yi === undefined ? undefined : z[yi];
    if (row && xi !== undefined) row[xi] = (row[xi] ?? 0) + value;
  });
  // Binned numeric axes stay numeric (labels rounded); anything else, or a NULL key, is categorical.
  const numericAxis = (keys: readonly PlotValue[]): boolean => keys.length > 0 && keys.every((v) => typeof v === 'number');
  const xNumeric = numericAxis(xKeys);
  const yNumeric = numericAxis(yKeys);
  const label = (v: PlotValue): PlotValue => (v === null ? NULL_LABEL : typeof v === 'number' ? Number(v.toPrecision(4)) : v);
  return {
    data: [{ type: 'heatmap', x: xKeys.map(label), y: yKeys.map(label), z, colorscale: 'Viridis', hovertemplate: `${x.name}: %{x}<br>${y.name}: %{y}<br>rows: %{z}<extra></extra>` }],
    layout: {
      xaxis: { title: { text: x.name }, type: xNumeric ? 'linear' : 'category' },
      yaxis: { title: { text: y.name }, type: yNumeric ? 'linear' : 'category' },
      showlegend: false,
    },
  };
}

/** Reads the x / color|y / value columns of a GROUP BY chart query's result. */
export function aggregateRowsFromIpc(ipc: Uint8Array, secondKey: 'color' | 'y' | null): AggregateRows {
  const data = plotColumnsFromIpc(ipc);
  const value = (data.columns.get('value') ?? []).map((v) => (typeof v === 'number' ? v : Number(v ?? 0)));
  return {
    x: data.columns.get('x') ?? [],
    key2: secondKey ? (data.columns.get(secondKey) ?? []) : null,
    value,
  };
}

/**
 * The same aggregation as the GROUP BY queries, over rows already fetched: count per key, or
 * sum of `sumOf` per key. Used when the query cannot be wrapped (several statements).
 */
export function aggregateClientSide(keys: readonly PlotValue[], keys2: readonly PlotValue[] | null, sumOf: readonly PlotValue[] | null): AggregateRows {
  const cells = new Map<string, { x: PlotValue; k2: PlotValue; value: number }>();
  keys.forEach((x, r) => {
    const k2 = keys2 ? (keys2[r] ?? null) : null;
    const id = JSON.stringify([x, k2]);
    let cell = cells.get(id);
    if (!cell) {
      cell = { x, k2, value: 0 };
      cells.set(id, cell);
    }
    if (sumOf) {
      const v = sumOf[r];
      if (typeof v === 'number') cell.value += v;
    } else {
      cell.value += 1;
    }
  });
  const list = [...cells.values()];
  return { x: list.map((c) => c.x), key2: keys2 ? list.map((c) => c.k2) : null, value: list.map((c) => c.value) };
}
