import { describe, expect, it } from 'vitest';
import { MODEL_KINDS, type BinaryEvaluation, type TrainOutcome } from '../../workers/api';
import {
  comparableRuns,
  crossValidationRows,
  comparisonRows,
  ctrParamSpecs,
  describeEpochs,
  initialParamText,
  parseRoundPhase,
  stepWord,
  trainParamsFromForm,
  validationRowsKey,
  type SetupForm,
  type TrainedRun,
} from '../../renderer/views/models/model-data';
import { learningCurveFigure, rocComparisonFigure } from '../../renderer/views/models/model-figures';

function form(change: Partial<SetupForm> = {}): SetupForm {
  return {
    source: { kind: 'table', table: 'clicks' },
    target: 'clicked',
    positive: '',
    features: null,
    objective: 'auto',
    params: initialParamText(),
    split: { kind: 'stratified', validFraction: '0.2', timeColumn: '' },
    name: '',
    ...change,
  };
}

describe('the Models view with the CTR kinds', () => {
  it('offers every kind with its own parameters, defaults from the engine list', () => {
    expect(MODEL_KINDS.map((k) => k.kind)).toEqual(['gbdt', 'lr', 'fm', 'deepfm']);
    expect(ctrParamSpecs('fm').map((p) => p.name)).toContain('k');
    expect(ctrParamSpecs('deepfm').map((p) => p.name)).toEqual(expect.arrayContaining(['k', 'hidden', 'dropout', 'epochs']));
    expect(ctrParamSpecs('lr').map((p) => p.name)).not.toContain('k');
  });

  it('builds TrainParams for an FM from the typed parameters: kind, numbers, choices, lists; no histogram backend', () => {
    const built = trainParamsFromForm(form({ kind: 'fm', backend: 'webgpu', ctrParams: { k: '16', epochs: ' 5 ', optimizer: 'adagrad', learning_rate: '' } }));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.params.kind).toBe('fm');
    expect(built.params.params).toEqual({ k: 16, epochs: 5, optimizer: 'adagrad' });
    expect(built.params.backend).toBeUndefined();
    const deep = trainParamsFromForm(form({ kind: 'deepfm', ctrParams: { hidden: '128, 64' } }));
    expect(deep.ok && deep.params.params).toEqual({ hidden: '128,64' });
  });

  it('explains bad CTR parameters in plain words, and refuses a regression objective', () => {
    const bad = trainParamsFromForm(form({ kind: 'fm', objective: 'reg:squarederror', ctrParams: { k: 'many', optimizer: 'sgd', hidden: '64;32' } }));
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.join(' ')).toMatch(/fm models are binary classifiers/);
    expect(bad.problems.join(' ')).toMatch(/k must be a number \(got "many"\)/);
    expect(bad.problems.join(' ')).toMatch(/optimizer must be one of adam, adagrad, ftrl/);
    const deep = trainParamsFromForm(form({ kind: 'deepfm', ctrParams: { hidden: '64;32' } }));
    expect(!deep.ok && deep.problems.join(' ')).toMatch(/hidden must be whole numbers separated by commas/);
  });

  it('keeps boosted trees as they were: XGBoost names, the histogram backend, no kind sent', () => {
    const built = trainParamsFromForm(form({ backend: 'cpu', ctrParams: { k: '16' } }));
    expect(built.ok && built.params.kind).toBeUndefined();
    expect(built.ok && built.params.backend).toBe('cpu');
    expect(built.ok && built.params.params).not.toHaveProperty('k');
  });

  it('reads epochs from the progress phases as rounds, and names the steps', () => {
    expect(parseRoundPhase('epoch 3 of 10: valid logloss 0.45123')).toEqual({ round: 3, total: 10, set: 'valid', metric: 'logloss', value: 0.45123 });
    expect(parseRoundPhase('epoch 1 of 10: batch 40 of 200')).toBeNull();
    expect(stepWord('fm')).toBe('epoch');
    expect(stepWord(undefined)).toBe('round');
    const figure = learningCurveFigure([{ name: 'valid logloss', set: 'valid', rounds: [1, 2], values: [0.5, 0.4] }], 10, 2, 'epoch');
    expect(JSON.stringify(figure.layout.xaxis)).toContain('"epoch"');
    expect(describeEpochs({ bestIteration: 3, params: {} }, 6)).toBe("best epoch 4 of 6 trained (early stopping); the saved model is that epoch's");
    expect(describeEpochs({ bestIteration: null, params: { epochs_trained: 5 } }, null)).toBe('5 epochs trained (early stopping off)');
  });
});

function evaluation(auc: number, logloss: number, rows = 1000): BinaryEvaluation {
  const curve = { x: [0, 0.5, 1], y: [0, auc, 1] };
  return {
    rows,
    positives: 100,
    auc,
    logloss,
    threshold: 0.5,
    accuracy: 0.9,
    precision: 0.5,
    recall: 0.4,
    f1: 0.44,
    confusion: { tp: 40, fp: 40, tn: 860, fn: 60 },
    roc: curve,
    pr: curve,
    gain: curve,
    lift: curve,
    calibration: { ...curve, count: [1, 2, 3] },
  };
}

function run(modelId: string, kind: 'gbdt' | 'fm', auc: number, table = 'clicks', rows = 1000): TrainedRun {
  const params = { source: { table }, target: 'clicked', split: { kind: 'stratified' as const, validFraction: 0.2 } };
  const outcome = {
    model: { modelId, name: `${kind} ${modelId}`, kind },
    evaluation: { train: { binary: evaluation(auc, 0.3, rows) }, valid: { binary: evaluation(auc, 0.3, rows) } },
  } as unknown as TrainOutcome;
  return { outcome, rowsKey: validationRowsKey(params) };
}

describe('comparing two models on the same validation rows', () => {
  it('pairs only models trained on the same data, target and split', () => {
    const runs = [run('m1', 'gbdt', 0.7), run('m2', 'fm', 0.8), run('m3', 'fm', 0.75, 'other_table'), run('m4', 'gbdt', 0.72, 'clicks', 999)];
    expect(comparableRuns(runs, 'm2').map((r) => r.outcome.model.modelId)).toEqual(['m1']);
    expect(comparableRuns(runs, 'm3')).toEqual([]);
    expect(comparableRuns(runs, 'missing')).toEqual([]);
  });

  it('puts the metrics side by side with the difference and the better model of each', () => {
    const rows = comparisonRows(evaluation(0.7, 0.4), evaluation(0.8, 0.35));
    expect(rows.find((r) => r.metric === 'AUC')).toEqual({ metric: 'AUC', a: '0.7000', b: '0.8000', difference: '+0.1000', better: 'b' });
    expect(rows.find((r) => r.metric === 'logloss')).toMatchObject({ difference: '-0.0500', better: 'b' });
    expect(rows.find((r) => r.metric === 'accuracy')?.better).toBe('');
    const figure = rocComparisonFigure([{ name: 'gbdt', evaluation: evaluation(0.7, 0.4) }, { name: 'fm', evaluation: evaluation(0.8, 0.3) }]);
    expect(figure.data.map((d) => (d as { name?: string }).name)).toEqual(['gbdt (AUC 0.700)', 'fm (AUC 0.800)', 'chance']);
  });
});

describe('entity split and cross-validation in the form', () => {
  it('sends the entity column and the folds, and explains what is missing', () => {
    const built = trainParamsFromForm(form({ split: { kind: 'entity', validFraction: '0.25', timeColumn: '', keyColumn: 'user_id', folds: '5' } }));
    expect(built.ok && built.params.split).toEqual({ kind: 'entity', validFraction: 0.25, keyColumn: 'user_id' });
    expect(built.ok && built.params.cv).toBe(5);
    const noKey = trainParamsFromForm(form({ split: { kind: 'entity', validFraction: '0.2', timeColumn: '' } }));
    expect(!noKey.ok && noKey.problems.join(' ')).toMatch(/Choose the column that names the entity/);
    const badFolds = trainParamsFromForm(form({ split: { kind: 'time', validFraction: '0.2', timeColumn: 'ts', folds: '1' } }));
    expect(!badFolds.ok && badFolds.problems.join(' ')).toMatch(/folds must be a whole number from 2 to 20.*split by time holds out the latest rows/);
    expect(crossValidationRows({ folds: 2, split: 'entity', keyColumn: 'user_id', metrics: { auc: { mean: 0.8, sd: 0.01, values: [0.79, 0.81] } } })).toEqual([{ metric: 'auc', mean: '0.8000', sd: '0.0100', folds: '0.7900, 0.8100' }]);
  });
});
