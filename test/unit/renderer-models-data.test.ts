import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, type RoundReport, type ShapSummary } from '../../workers/api';
import {
  AUTO_PARAMS,
  PARAM_FIELDS,
  addLivePoint,
  asModelSummary,
  beeswarmRows,
  curvesFromHistory,
  curvesFromLive,
  defaultFeatures,
  dependencePoints,
  describeSavedRounds,
  historyMetrics,
  importanceBars,
  initialParamText,
  parseRoundPhase,
  quantileOfSorted,
  scoreTableName,
  splitWarnings,
  trainParamsFromForm,
  waterfallSteps,
  type SetupForm,
} from '../../renderer/views/models/model-data';
import { beeswarmFigure, learningCurveFigure, rocFigure, waterfallFigure } from '../../renderer/views/models/model-figures';

describe('training progress', () => {
  it('reads the round, total, data set, metric and value from a phase', () => {
    expect(parseRoundPhase('round 12 of 100: valid logloss 0.31234')).toEqual({ round: 12, total: 100, set: 'valid', metric: 'logloss', value: 0.31234 });
    expect(parseRoundPhase('round 3 of 20: train rmse 1.5e-3')).toEqual({ round: 3, total: 20, set: 'train', metric: 'rmse', value: 0.0015 });
    expect(parseRoundPhase('round 1 of 5: valid auc -0.25')?.value).toBe(-0.25);
  });

  it('ignores phases that are not rounds, and rounds without a value', () => {
    expect(parseRoundPhase('reading rows')).toBeNull();
    expect(parseRoundPhase('evaluating')).toBeNull();
    expect(parseRoundPhase('round 4 of 10: valid logloss ')).toBeNull();
    expect(parseRoundPhase('round 4 of 10: valid logloss NaN')).toBeNull();
  });

  it('keeps live points in round order, one per round', () => {
    let points = addLivePoint([], { round: 2, total: 3, set: 'valid', metric: 'auc', value: 0.8 });
    points = addLivePoint(points, { round: 1, total: 3, set: 'valid', metric: 'auc', value: 0.7 });
    points = addLivePoint(points, { round: 2, total: 3, set: 'valid', metric: 'auc', value: 0.81 });
    expect(points.map((p) => [p.round, p.value])).toEqual([[1, 0.7], [2, 0.81]]);
    expect(curvesFromLive(points)).toEqual([{ name: 'valid auc', set: 'valid', rounds: [1, 2], values: [0.7, 0.81] }]);
  });

  it('re-plots train and valid series of one metric from the history', () => {
    const history: RoundReport[] = [
      { round: 1, train: { logloss: 0.5, auc: 0.8 }, valid: { logloss: 0.55, auc: 0.78 } },
      { round: 2, train: { logloss: 0.4, auc: 0.85 }, valid: { logloss: 0.5, auc: 0.8 } },
    ];
    expect(historyMetrics(history)).toEqual(['logloss', 'auc']);
    expect(curvesFromHistory(history, 'auc')).toEqual([
      { name: 'train auc', set: 'train', rounds: [1, 2], values: [0.8, 0.85] },
      { name: 'valid auc', set: 'valid', rounds: [1, 2], values: [0.78, 0.8] },
    ]);
    // No validation rows: only the train series.
    expect(curvesFromHistory([{ round: 1, train: { rmse: 2 } }], 'rmse').map((s) => s.set)).toEqual(['train']);
    expect(historyMetrics([])).toEqual([]);
  });
});

describe('setup form', () => {
  const form = (change: Partial<SetupForm> = {}): SetupForm => ({
    source: { kind: 'table', table: 'shoppers' },
    target: 'Revenue',
    positive: '',
    features: null,
    objective: 'auto',
    params: { eta: '0.3', num_boost_round: '20', max_depth: '' },
    split: { kind: 'stratified', validFraction: '0.25', timeColumn: '' },
    name: '',
    ...change,
  });

  it('shows every XGBoost default the engine uses, and leaves early stopping to the engine (on with validation rows)', () => {
    for (const field of PARAM_FIELDS) expect(field.fallback, field.name).toBe(DEFAULT_PARAMS[field.name]);
    const text = initialParamText();
    expect(text.early_stopping_rounds).toBe('');
    expect(AUTO_PARAMS.early_stopping_rounds).toMatch(/^auto: with validation rows, 10% of the rounds \(at least 20\)$/);
    expect(text.eta).toBe('0.3');
    // An empty field is not sent, so the engine's default applies; 0 still turns it off.
    const built = trainParamsFromForm(form({ params: text }));
    expect(built.ok && built.params.params).not.toHaveProperty('early_stopping_rounds');
    const off = trainParamsFromForm(form({ params: { ...text, early_stopping_rounds: '0' } }));
    expect(off.ok && off.params.params?.early_stopping_rounds).toBe(0);
  });

  it('builds TrainParams with numbers, leaving blanks and "auto" to the engine', () => {
    const built = trainParamsFromForm(form());
    expect(built).toEqual({
      ok: true,
      params: { source: { table: 'shoppers' }, target: 'Revenue', params: { eta: 0.3, num_boost_round: 20 }, split: { kind: 'stratified', validFraction: 0.25 } },
    });
    const full = trainParamsFromForm(form({ objective: 'binary:logistic', positive: 'yes', features: ['a', 'Revenue', 'b'], name: ' m1 ', source: { kind: 'sql', sql: 'SELECT 1' } }));
    expect(full.ok && full.params).toMatchObject({ source: { sql: 'SELECT 1' }, features: ['a', 'b'], positive: 'yes', name: 'm1', params: { objective: 'binary:logistic' } });
    const timed = trainParamsFromForm(form({ split: { kind: 'time', validFraction: '', timeColumn: 'day' } }));
    expect(timed.ok && timed.params.split).toEqual({ kind: 'time', validFraction: 0.2, timeColumn: 'day' });
  });

  it('names every problem in plain words', () => {
    const built = trainParamsFromForm(form({ target: '', features: [], params: { eta: 'fast' }, split: { kind: 'time', validFraction: '1.5', timeColumn: '' } }));
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(built.problems).toEqual([
      'Choose the target column (what the model predicts).',
      'Tick at least one feature column.',
      'eta must be a number (got "fast").',
      'The validation share must be a number from 0 to just under 1 (got "1.5").',
      'Choose the time column for a split by time.',
    ]);
  });

  it('defaults the features to every column but the target', () => {
    const columns = [{ name: 'a', type: 'DOUBLE' }, { name: 'y', type: 'BOOLEAN' }, { name: 'b', type: 'VARCHAR' }];
    expect(defaultFeatures(columns, 'y')).toEqual(['a', 'b']);
  });
});

function shapFixture(): ShapSummary {
  // 3 rows x 2 features (f0, f1); row r: bias 0.5, contributions as below; margin = bias + sum.
  const values = Float64Array.from([0.2, -0.1, -0.4, 0.3, 0, 0.05]);
  const featureValues = Float64Array.from([1, 10, 3, Number.NaN, 2, 30]);
  const bias = Float64Array.from([0.5, 0.5, 0.5]);
  const margins = Float64Array.from([0.6, 0.4, 0.55]);
  return { features: ['f0', 'f1'], rowIndices: [0, 1, 2], values, featureValues, bias, margins, rows: 3, meanAbs: [0.2, 0.15] };
}

describe('SHAP shaping', () => {
  it('gives one beeswarm dot per row per feature, most important feature on the top lane', () => {
    const rows = beeswarmRows(shapFixture(), 10, 0.3);
    expect(rows.map((r) => r.feature)).toEqual(['f0', 'f1']);
    expect(rows[0]?.shap).toEqual([0.2, -0.4, 0]);
    // Colour is the feature value scaled within the feature; missing values get no colour.
    expect(rows[0]?.colour).toEqual([0, 1, 0.5]);
    expect(rows[1]?.colour).toEqual([0, null, 1]);
    for (const [i, row] of rows.entries()) {
      const lane = rows.length - 1 - i;
      for (const y of row.lane) expect(Math.abs(y - lane)).toBeLessThanOrEqual(0.3);
    }
    // The spread is deterministic.
    expect(beeswarmRows(shapFixture(), 10, 0.3)[0]?.lane).toEqual(rows[0]?.lane);
    expect(beeswarmRows(shapFixture(), 1)).toHaveLength(1);
  });

  it('colours between the 5th and 95th percentiles so an outlier does not flatten the rest', () => {
    const rows = 21;
    const featureValues = Float64Array.from({ length: rows }, (_, r) => (r === rows - 1 ? 1000 : r));
    const shap: ShapSummary = { features: ['x'], rowIndices: Array.from({ length: rows }, (_, r) => r), values: new Float64Array(rows), featureValues, bias: new Float64Array(rows), margins: new Float64Array(rows), rows, meanAbs: [0] };
    const colour = beeswarmRows(shap)[0]?.colour as number[];
    // Without clipping, 0..19 would all sit below 0.02; with it they spread over the scale.
    expect(colour[10]).toBeGreaterThan(0.1);
    expect(colour[rows - 1]).toBe(1);
    expect(colour[0]).toBe(0);
    expect(quantileOfSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileOfSorted([], 0.5)).toBeNaN();
  });

  it('draws missing values as separate grey dots', () => {
    const figure = beeswarmFigure(beeswarmRows(shapFixture()));
    const points = figure.data.reduce((sum, trace) => sum + ((trace as { x: number[] }).x.length), 0);
    expect(points).toBe(6);
    expect(figure.data).toHaveLength(3);
  });

  it('pairs feature values with SHAP values for the dependence plot, skipping missing values', () => {
    expect(dependencePoints(shapFixture(), 'f1')).toEqual({ x: [10, 30], y: [-0.1, 0.05] });
    expect(dependencePoints(shapFixture(), 'nope')).toEqual({ x: [], y: [] });
  });

  it('builds a waterfall from bias through the largest contributions to the margin', () => {
    const { steps, bias, margin } = waterfallSteps(shapFixture(), 1);
    expect(bias).toBe(0.5);
    expect(margin).toBe(0.4);
    expect(steps).toEqual([
      { label: 'bias', value: 0.5, measure: 'absolute' },
      { label: 'f0 = 3', value: -0.4, measure: 'relative' },
      { label: 'f1 = missing', value: 0.3, measure: 'relative' },
      { label: 'margin', value: 0.4, measure: 'total' },
    ]);
    const relative = steps.filter((s) => s.measure !== 'total').reduce((sum, s) => sum + s.value, 0);
    expect(relative).toBeCloseTo(margin, 12);
    // Beyond maxSteps the rest is folded into one step, and the sum still reaches the margin.
    const folded = waterfallSteps(shapFixture(), 0, 1).steps;
    expect(folded.map((s) => s.label)).toEqual(['bias', 'f0 = 1', '1 other features', 'margin']);
    expect(folded.slice(0, -1).reduce((sum, s) => sum + s.value, 0)).toBeCloseTo(0.6, 12);
    expect(() => waterfallSteps(shapFixture(), 3)).toThrow(/not among the 3/);
  });

  it('draws the waterfall as floating bars the bundled Plotly has: each step starts where the last ended', () => {
    const { steps } = waterfallSteps(shapFixture(), 1);
    const figure = waterfallFigure(steps);
    expect(figure.data).toHaveLength(1);
    const trace = figure.data[0] as { type: string; orientation: string; y: string[]; base: number[]; x: number[]; marker: { color: string[] }; text: string[]; customdata: string[] };
    // The cartesian bundle has no `waterfall` trace; a bar with `base` draws the same steps.
    expect(trace.type).toBe('bar');
    expect(trace.orientation).toBe('h');
    expect(trace.y).toEqual(['bias', 'f0 = 3', 'f1 = missing', 'margin']);
    // bias 0.5 from zero, -0.4 from 0.5, +0.3 from 0.1, and the margin 0.4 from zero.
    expect(trace.x).toEqual([0.5, -0.4, 0.3, 0.4]);
    expect(trace.base[0]).toBe(0);
    expect(trace.base[1]).toBeCloseTo(0.5, 12);
    expect(trace.base[2]).toBeCloseTo(0.1, 12);
    expect(trace.base[3]).toBe(0);
    // Increasing red, decreasing blue, bias and margin grey, as the waterfall trace coloured them.
    expect(trace.marker.color).toEqual(['#374151', '#2563eb', '#dc2626', '#374151']);
    expect(trace.text).toEqual(['0.500', '-0.400', '+0.300', '0.400']);
    expect(trace.customdata).toEqual(['0.5000', '-0.4000 → 0.1000', '+0.3000 → 0.4000', '0.4000']);
    // Connectors join each step's end to the next bar, between the bars (bars span ±0.4 of a slot).
    const shapes = figure.layout.shapes as Array<{ x0: number; x1: number; y0: number; y1: number }>;
    expect(shapes).toHaveLength(3);
    expect(shapes.map((s) => s.x0)).toEqual(shapes.map((s) => s.x1));
    [0.5, 0.1, 0.4].forEach((end, i) => expect(shapes[i]!.x0).toBeCloseTo(end, 12));
    expect(shapes.map((s) => [s.y0, s.y1])).toEqual([
      [0.4, 0.6],
      [1.4, 1.6],
      [2.4, 2.6],
    ]);
  });
});

describe('results', () => {
  it('puts leak and overfitting warnings apart from the others', () => {
    const w = [
      '"id" was left out: it looks like an identifier.',
      'possible leak: "duration" alone separates the classes (AUC 0.990).',
      'Possible leak: x',
      'overfitting: at the best iteration (round 20 of 40), training AUC is 0.999 but validation AUC 0.650.',
    ];
    expect(splitWarnings(w)).toEqual({ leaks: [w[1], w[2]], overfitting: [w[3]], others: [w[0]] });
  });

  it('says which round the saved model ends at, so its figures are not read as the last round\'s', () => {
    const summary = { bestIteration: 24, trees: 25, objective: 'binary:logistic' as const, label: { kind: 'binary' as const }, params: { early_stopping_rounds: 20 } };
    expect(describeSavedRounds(summary, 45)).toBe('best iteration: round 25 of 45 trained (early stopping, patience 20); the saved model ends there');
    expect(describeSavedRounds(summary, null)).toBe('best iteration: round 25 (early stopping, patience 20); the saved model ends there');
    expect(describeSavedRounds({ ...summary, bestIteration: null, params: { early_stopping_rounds: 0 } }, 30)).toBe('all 30 rounds trained (early stopping off)');
    // The learning curve marks the best iteration when there is one.
    const series = [{ name: 'valid auc', set: 'valid' as const, rounds: [1, 2, 3], values: [0.7, 0.8, 0.79] }];
    const marked = learningCurveFigure(series, null, 2).layout as { shapes?: Array<{ x0: number }>; annotations?: Array<{ text: string }> };
    expect(marked.shapes?.[0]?.x0).toBe(2);
    expect(marked.annotations?.[0]?.text).toBe('best iteration (round 2): the saved model');
    expect((learningCurveFigure(series, null).layout as { shapes?: unknown[] }).shapes).toBeUndefined();
  });

  it('ranks importance by the chosen measure and drops unused features', () => {
    const importance = [
      { feature: 'a', gain: 5, cover: 100, weight: 2 },
      { feature: 'b', gain: 9, cover: 10, weight: 7 },
      { feature: 'c', gain: 0, cover: 0, weight: 0 },
    ];
    expect(importanceBars(importance, 'gain')).toEqual([{ feature: 'b', value: 9 }, { feature: 'a', value: 5 }]);
    expect(importanceBars(importance, 'cover').map((b) => b.feature)).toEqual(['a', 'b']);
    expect(importanceBars(importance, 'weight', 1)).toEqual([{ feature: 'b', value: 7 }]);
  });

  it('plots the engine ROC curve as given, with the AUC in its name', () => {
    const roc = { x: [0, 0.1, 1], y: [0, 0.8, 1] };
    const evaluation = { rows: 10, positives: 3, auc: 0.9123, logloss: 0.3, threshold: 0.5, accuracy: 0.9, precision: 1, recall: 0.67, f1: 0.8, confusion: { tp: 2, fp: 0, tn: 7, fn: 1 }, roc, pr: roc, gain: roc, lift: roc, calibration: { ...roc, count: [1, 2, 3] } };
    const trace = rocFigure(evaluation).data[0] as { x: number[]; y: number[]; name: string };
    expect(trace.x).toEqual(roc.x);
    expect(trace.y).toEqual(roc.y);
    expect(trace.name).toBe('ROC (AUC 0.912)');
  });

  it('recognises a saved summary and makes table names from model names', () => {
    expect(asModelSummary({ modelId: 'model_1', name: 'm', objective: 'binary:logistic', features: [], label: { kind: 'binary' } })).not.toBeNull();
    expect(asModelSummary({ name: 'm' })).toBeNull();
    expect(asModelSummary(null)).toBeNull();
    expect(scoreTableName('Revenue model 1')).toBe('Revenue_model_1_scores');
    expect(scoreTableName('2024 churn!')).toBe('m_2024_churn_scores');
    expect(scoreTableName('  ')).toBe('model_scores');
  });
});
