import { Table, tableToIPC, vectorFromArray, Float64, Int64, Utf8, DateDay, Bool } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  MAX_SERIES,
  OTHER_LABEL,
  aggregateClientSide,
  barFigure,
  heatmapFigure,
  plotColumnsFromIpc,
  rowChartFigure,
  seriesLabels,
  thinRows,
  uniqueColumnsOf,
  type PlotColumns,
} from '../../renderer/views/chart/chart-data';
import { CHART_AXES, axesAfterTypeChange, columnKind, defaultAxes, missingAxis, reconcileAxes } from '../../renderer/views/chart/chart-model';
import type { ColumnInfo } from '../../workers/api';

const columns: ColumnInfo[] = [
  { name: 'month', type: 'VARCHAR' },
  { name: 'visits', type: 'BIGINT' },
  { name: 'revenue', type: 'DECIMAL(18,2)' },
  { name: 'day', type: 'DATE' },
  { name: 'bought', type: 'BOOLEAN' },
];

describe('column kinds and default axes', () => {
  it('classifies DuckDB and Arrow type names', () => {
    expect(['BIGINT', 'DOUBLE', 'DECIMAL(18,3)', 'HUGEINT', 'Int64', 'Float64', 'Uint8'].map(columnKind)).toEqual(Array(7).fill('numeric'));
    expect(['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_NS', 'Date32<DAY>', 'Timestamp<MICROSECOND>'].map(columnKind)).toEqual(Array(6).fill('temporal'));
    expect(['BOOLEAN', 'Bool'].map(columnKind)).toEqual(['boolean', 'boolean']);
    expect(['VARCHAR', 'Utf8', 'UUID'].map(columnKind)).toEqual(['categorical', 'categorical', 'categorical']);
    // Lists and arrays are not their element type.
    expect(['BIGINT[]', 'DOUBLE[2]', 'TIMESTAMP[]', 'DECIMAL(18,3)[]', 'VARCHAR[]'].map(columnKind)).toEqual(Array(5).fill('other'));
    expect(['INTEGER[]', 'STRUCT(a INTEGER)', 'BLOB'].map(columnKind)).toEqual(['other', 'other', 'other']);
  });

  it('picks columns by kind for each chart type', () => {
    expect(defaultAxes('histogram', columns)).toEqual({ x: 'visits', y: null, color: null });
    expect(defaultAxes('bar', columns)).toEqual({ x: 'month', y: null, color: null });
    expect(defaultAxes('line', columns)).toEqual({ x: 'day', y: 'visits', color: null });
    expect(defaultAxes('scatter', columns)).toEqual({ x: 'visits', y: 'revenue', color: null });
    expect(defaultAxes('box', columns)).toEqual({ x: 'month', y: 'visits', color: null });
    expect(defaultAxes('heatmap', columns)).toEqual({ x: 'month', y: 'bought', color: null });
  });

  it('plots the value column of an already aggregated result instead of counting rows', () => {
    expect(defaultAxes('bar', columns, new Set(['month']))).toEqual({ x: 'month', y: 'visits', color: null });
    expect(axesAfterTypeChange('bar', columns, { x: 'visits', y: null, color: null }, new Set(), new Set(['month']))).toEqual({ x: 'month', y: 'visits', color: null });
    const data = plotColumns({ month: ['Jan', 'Feb', null], visits: [3, 3, 1], day: ['a', 'b', 'c'] });
    expect([...uniqueColumnsOf(data, true)]).toEqual(['month', 'day']);
    expect(uniqueColumnsOf(data, false).size).toBe(0);
  });

  it('keeps fitting choices when the type changes and drops the rest', () => {
    expect(reconcileAxes('scatter', columns, { x: 'revenue', y: 'month', color: 'bought' })).toEqual({ x: 'revenue', y: 'visits', color: 'bought' });
    // Box has no colour axis: the choice is cleared.
    expect(reconcileAxes('box', columns, { x: 'bought', y: 'revenue', color: 'month' })).toEqual({ x: 'bought', y: 'revenue', color: null });
    // A column that no longer exists falls back to the default.
    expect(reconcileAxes('histogram', columns, { x: 'gone', y: null, color: null }).x).toBe('visits');
  });

  it('keeps hand-picked axes across type changes and re-defaults the rest', () => {
    // From a histogram of visits (default, untouched) to a line: the line's own defaults apply.
    expect(axesAfterTypeChange('line', columns, { x: 'visits', y: null, color: null }, new Set())).toEqual({ x: 'day', y: 'visits', color: null });
    // The user picked revenue as x: it stays, and y avoids repeating it.
    expect(axesAfterTypeChange('scatter', columns, { x: 'revenue', y: null, color: null }, new Set(['x'] as const))).toEqual({ x: 'revenue', y: 'visits', color: null });
    // A hand-picked column that does not fit the new type gives way to the default.
    expect(axesAfterTypeChange('histogram', columns, { x: 'month', y: null, color: null }, new Set(['x'] as const))).toEqual({ x: 'visits', y: null, color: null });
  });

  it('explains what is missing', () => {
    const textOnly: ColumnInfo[] = [{ name: 's', type: 'VARCHAR' }];
    expect(missingAxis('histogram', defaultAxes('histogram', textOnly), textOnly)).toMatch(/needs a numeric or temporal column for "Value"/);
    expect(missingAxis('bar', defaultAxes('bar', textOnly), textOnly)).toBeNull();
    expect(missingAxis('scatter', { x: 'visits', y: null, color: null }, columns)).toBe('Pick a column for "Y".');
    expect(CHART_AXES.bar.find((a) => a.role === 'y')?.required).toBe(false);
  });
});

describe('plot values from Arrow', () => {
  it('turns big integers, dates and booleans into values Plotly draws', () => {
    const table = new Table({
      n: vectorFromArray([1n, null, 3n], new Int64()),
      d: vectorFromArray([new Date(Date.UTC(2024, 1, 29)), null, new Date(Date.UTC(2024, 2, 1))], new DateDay()),
      f: vectorFromArray([1.5, Number.NaN, null], new Float64()),
      b: vectorFromArray([true, null, false], new Bool()),
      s: vectorFromArray(['x', null, 'z'], new Utf8()),
    });
    const data = plotColumnsFromIpc(tableToIPC(table, 'stream'), ['n', 'd', 'f', 'b', 's']);
    expect(data.rowCount).toBe(3);
    expect(data.columns.get('n')).toEqual([1, null, 3]);
    expect(data.columns.get('d')).toEqual(['2024-02-29', null, '2024-03-01']);
    expect(data.columns.get('f')).toEqual([1.5, null, null]);
    expect(data.columns.get('b')).toEqual(['true', null, 'false']);
    expect(data.columns.get('s')).toEqual(['x', null, 'z']);
    expect([...plotColumnsFromIpc(tableToIPC(table, 'stream'), ['s']).columns.keys()]).toEqual(['s']);
  });
});

function plotColumns(values: Record<string, Array<number | string | null>>): PlotColumns {
  const entries = Object.entries(values);
  return { rowCount: entries[0]?.[1].length ?? 0, columns: new Map(entries) };
}

describe('chart figures', () => {
  it('merges rare series into "(other)" beyond the series limit', () => {
    const values: Array<string | null> = [...Array.from({ length: 100 }, (_v, i) => `g${i % 20}`), 'g0', 'g0', null];
    const labels = seriesLabels(values);
    const distinct = new Set(labels);
    expect(distinct.size).toBe(MAX_SERIES);
    expect(distinct.has(OTHER_LABEL)).toBe(true);
    expect(labels[100]).toBe('g0');
    expect(labels[102]).toBe(OTHER_LABEL);
    expect(seriesLabels(['a', null])).toEqual(['a', 'NULL']);
  });

  it('draws a histogram per colour group with overlay bars', () => {
    const fig = rowChartFigure({
      type: 'histogram',
      data: plotColumns({ v: [1, 2, 3, 4], g: ['a', 'b', 'a', null] }),
      x: { name: 'v', kind: 'numeric' },
      y: null,
      color: { name: 'g', kind: 'categorical' },
    });
    expect(fig.data.map((t) => [t.type, t.name, t.x])).toEqual([
      ['histogram', 'a', [1, 3]],
      ['histogram', 'b', [2]],
      ['histogram', 'NULL', [4]],
    ]);
    expect(fig.layout.barmode).toBe('overlay');
    expect(fig.layout.showlegend).toBe(true);
    expect(fig.layout.xaxis).toEqual({ title: { text: 'v' }, type: 'linear' });
  });

  it('sorts line points by x and draws large scatters as SVG scatters', () => {
    const line = rowChartFigure({ type: 'line', data: plotColumns({ t: ['2024-01-03', '2024-01-01', '2024-01-02'], y: [3, 1, 2] }), x: { name: 't', kind: 'temporal' }, y: { name: 'y', kind: 'numeric' }, color: null });
    expect(line.data[0]).toMatchObject({ type: 'scatter', mode: 'lines', x: ['2024-01-01', '2024-01-02', '2024-01-03'], y: [1, 2, 3] });
    expect(line.layout.xaxis.type).toBe('date');
    const n = 6_000;
    const bigData = plotColumns({ a: Array.from({ length: n }, (_v, i) => i), b: Array.from({ length: n }, (_v, i) => -i) });
    const scatter = rowChartFigure({ type: 'scatter', data: bigData, x: { name: 'a', kind: 'numeric' }, y: { name: 'b', kind: 'numeric' }, color: null });
    // Plotly's cartesian bundle has no WebGL (scattergl) trace: every size is an SVG scatter.
    expect(scatter.data[0]).toMatchObject({ type: 'scatter', mode: 'markers' });
    expect(scatter.data[0]?.x).toHaveLength(n);
    const bigLine = rowChartFigure({ type: 'line', data: bigData, x: { name: 'a', kind: 'numeric' }, y: { name: 'b', kind: 'numeric' }, color: null });
    expect(bigLine.data[0]).toMatchObject({ type: 'scatter', mode: 'lines' });
    const thin = thinRows(bigData, 1000);
    expect(thin.rowCount).toBeLessThanOrEqual(1000);
    expect(thin.columns.get('a')?.slice(0, 3)).toEqual([0, 6, 12]);
    expect(thin.columns.get('b')).toHaveLength(thin.rowCount);
    expect(thinRows(bigData, n)).toBe(bigData);
  });

  it('draws box plots grouped by x', () => {
    const fig = rowChartFigure({ type: 'box', data: plotColumns({ g: ['a', 'b', 'a'], v: [1, 5, 3] }), x: { name: 'g', kind: 'categorical' }, y: { name: 'v', kind: 'numeric' }, color: null });
    expect(fig.data).toEqual([{ type: 'box', name: 'v', y: [1, 5, 3], x: ['a', 'b', 'a'], boxpoints: 'outliers' }]);
  });

  it('aggregates client-side the same way as the GROUP BY query', () => {
    const counted = aggregateClientSide(['a', 'b', 'a', null], null, null);
    expect(counted).toEqual({ x: ['a', 'b', null], key2: null, value: [2, 1, 1] });
    const summed = aggregateClientSide(['a', 'a', 'b'], ['x', 'y', 'x'], [1, 2, null]);
    expect(summed).toEqual({ x: ['a', 'a', 'b'], key2: ['x', 'y', 'x'], value: [1, 2, 0] });
  });

  it('builds grouped bars and a heatmap matrix', () => {
    const bars = barFigure({ x: ['a', 'a', 'b'], key2: ['x', 'y', 'x'], value: [1, 2, 3] }, { name: 'k', kind: 'categorical' }, { name: 'amt', kind: 'numeric' }, { name: 'c', kind: 'categorical' });
    expect(bars.data.map((t) => [t.name, t.x, t.y])).toEqual([['x', ['a', 'b'], [1, 3]], ['y', ['a'], [2]]]);
    expect(bars.layout.yaxis.title.text).toBe('sum of amt');
    expect(bars.layout.barmode).toBe('group');
    const heat = heatmapFigure({ x: ['b', 'a', 'a'], key2: [2, 1, 2], value: [5, 6, 7] }, { name: 'k', kind: 'categorical' }, { name: 'n', kind: 'numeric' });
    expect(heat.data[0]).toMatchObject({ type: 'heatmap', x: ['a', 'b'], y: [1, 2], z: [[6, null], [7, 5]] });
    expect(heat.layout.xaxis.type).toBe('category');
    expect(heat.layout.yaxis.type).toBe('linear');
    const binned = heatmapFigure({ x: [0.123456, 3.333333], key2: ['u', null], value: [1, 2] }, { name: 'n', kind: 'numeric' }, { name: 'k', kind: 'categorical' });
    expect(binned.data[0]?.x).toEqual([0.1235, 3.333]);
    expect(binned.data[0]?.y).toEqual(['u', 'NULL']);
  });
});
