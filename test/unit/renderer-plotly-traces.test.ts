/**
 * Assay draws with Plotly's cartesian bundle (renderer/components/plotly.ts), which has no WebGL
 * traces (scattergl, heatmapgl, …): a trace type it lacks draws nothing. Every figure builder is
 * built here, each chart kind at sizes that once switched to WebGL, and its traces checked.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterProjection, ClusterSweepPoint, PortraitCard } from '../../workers/api';
import { barFigure, heatmapFigure, rowChartFigure, type PlotColumns, type PlotValue } from '../../renderer/views/chart/chart-data';
import type { ChartColumn } from '../../renderer/views/chart/chart-sql';
import type { BeeswarmRow } from '../../renderer/views/models/model-data';
import {
  beeswarmFigure,
  calibrationFigure,
  dependenceFigure,
  gainLiftFigure,
  importanceFigure,
  learningCurveFigure,
  prFigure,
  rocFigure,
  waterfallFigure,
} from '../../renderer/views/models/model-figures';
import { elbowFigure, profileFigure, projectionFigure, silhouetteFigure, sizesFigure } from '../../renderer/views/segments/segment-figures';
import { overlapFigure } from '../../renderer/views/tags/tag-figures';

/** The trace types of plotly.js-cartesian-dist-min that Assay uses. */
const BUNDLED_TRACE_TYPES = new Set(['bar', 'box', 'heatmap', 'histogram', 'scatter']);

const traceTypes = (figure: { data: readonly unknown[] }): unknown[] => figure.data.map((trace) => (trace as { type?: unknown }).type);

function expectBundled(name: string, figure: { data: readonly unknown[] }): void {
  expect(figure.data.length, `${name} has traces`).toBeGreaterThan(0);
  for (const type of traceTypes(figure)) expect(BUNDLED_TRACE_TYPES.has(type as string), `${name} draws a "${String(type)}" trace`).toBe(true);
}

describe('every figure uses trace types of the bundled (cartesian) Plotly', () => {
  it('result charts of every kind, large ones included', () => {
    const n = 20_000;
    const data: PlotColumns = {
      rowCount: n,
      columns: new Map<string, PlotValue[]>([
        ['a', Array.from({ length: n }, (_v, i) => i)],
        ['b', Array.from({ length: n }, (_v, i) => (i * 7) % 101)],
        ['g', Array.from({ length: n }, (_v, i) => `g${i % 3}`)],
      ]),
    };
    const a: ChartColumn = { name: 'a', kind: 'numeric' };
    const b: ChartColumn = { name: 'b', kind: 'numeric' };
    const g: ChartColumn = { name: 'g', kind: 'categorical' };
    for (const type of ['histogram', 'line', 'scatter', 'box'] as const) {
      for (const color of [null, g]) expectBundled(`${type} chart`, rowChartFigure({ type, data, x: type === 'box' ? g : a, y: type === 'histogram' ? null : b, color }));
    }
    const rows = { x: ['g0', 'g1', 'g2'], key2: ['p', 'q', 'p'], value: [3, 4, 5] };
    expectBundled('bar chart', barFigure(rows, g, b, g));
    expectBundled('bar chart (counts)', barFigure({ ...rows, key2: null }, g, null, null));
    expectBundled('heatmap', heatmapFigure(rows, g, { name: 'k', kind: 'categorical' }));
  });

  it('segment charts', () => {
    const points = 1_000;
    const projection: ClusterProjection = {
      explained: [0.6, 0.2],
      fitRows: points,
      rows: Array.from({ length: points }, (_v, i) => i),
      x: Array.from({ length: points }, (_v, i) => Math.sin(i)),
      y: Array.from({ length: points }, (_v, i) => Math.cos(i)),
      segment: Array.from({ length: points }, (_v, i) => i % 3),
      centroids: [
        [0, 0],
        [1, 1],
        [2, 2],
      ],
    };
    expectBundled('projection', projectionFigure(projection, ['a', 'b', 'c']));
    expectBundled('sizes', sizesFigure([10, 20, 30], ['a', 'b', 'c']));
    const card: PortraitCard = {
      segment: 'a',
      size: 10,
      share: 0.5,
      features: [{ feature: 'f', segmentMean: 2, populationMean: 1, populationStd: 1, lift: 2, z: 1, missing: 0 }],
      distinguishing: ['f'],
      topCategories: [],
      rule: null,
      suggestedName: 'High f',
    };
    expectBundled('profile', profileFigure([card], ['f'], ['a']));
    const sweep = (k: number): ClusterSweepPoint => ({ k, inertia: 100 / k, silhouette: k > 1 ? 0.5 : null, daviesBouldin: null, calinskiHarabasz: null, iterations: 5, converged: true, sizes: [], elapsedMs: 1 });
    expectBundled('elbow', elbowFigure([sweep(1), sweep(2), sweep(3)], 2));
    expectBundled('silhouette', silhouetteFigure([sweep(1), sweep(2), sweep(3)], 2));
  });

  it('model and tag charts', () => {
    const curve = { x: [0, 0.5, 1], y: [0, 0.8, 1] };
    const evaluation = { rows: 10, positives: 3, auc: 0.9, logloss: 0.3, threshold: 0.5, accuracy: 0.9, precision: 1, recall: 0.67, f1: 0.8, confusion: { tp: 2, fp: 0, tn: 7, fn: 1 }, roc: curve, pr: curve, gain: curve, lift: curve, calibration: { ...curve, count: [1, 2, 3] } };
    expectBundled('learning curve', learningCurveFigure([{ name: 'logloss', set: 'valid', rounds: [1, 2, 3], values: [0.6, 0.5, 0.45] }], 10, 3));
    expectBundled('ROC', rocFigure(evaluation));
    expectBundled('PR', prFigure(evaluation));
    expectBundled('gain/lift', gainLiftFigure(evaluation));
    expectBundled('calibration', calibrationFigure(evaluation));
    expectBundled('importance', importanceFigure([{ feature: 'f', value: 2 }], 'gain'));
    const lane: BeeswarmRow = { feature: 'f', index: 0, meanAbs: 1, shap: [0.1, -0.2, 0.3], lane: [0, 0, 0], value: [1, 2, 3], colour: [0.1, null, 0.9] };
    expectBundled('beeswarm', beeswarmFigure([lane]));
    expectBundled('dependence', dependenceFigure('f', { x: [1, 2, 3], y: [0.1, 0.2, 0.3] }));
    expectBundled('waterfall', waterfallFigure([{ label: 'bias', value: 0.1, measure: 'absolute' }, { label: 'f = 1', value: 0.2, measure: 'relative' }, { label: 'margin', value: 0.3, measure: 'total' }]));
    expectBundled('tag overlap', overlapFigure({ ids: ['a', 'b'], names: ['a', 'b'], jaccard: [[1, 0.25], [0.25, 1]] }));
  });
});
