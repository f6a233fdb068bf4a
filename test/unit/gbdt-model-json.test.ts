import { describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import { fromXgboostJson, parseBaseScore, toXgboostJson } from '../../workers/gbdt/xgboost-json';
import type { BoostedModel } from '../../workers/gbdt/model';

/** A one-split model: f0 < 0.5 -> -0.2 else 0.3, missing goes left. */
function tinyModel(): BoostedModel {
  return {
    objective: 'binary:logistic',
    numClass: 0,
    baseScore: 0.5,
    numFeature: 1,
    featureNames: ['f0'],
    treeInfo: [0],
    bestIteration: null,
    trees: [
      {
        left: Int32Array.from([1, -1, -1]),
        right: Int32Array.from([2, -1, -1]),
        parent: Int32Array.from([2147483647, 0, 0]),
        feature: Int32Array.from([0, 0, 0]),
        threshold: Float32Array.from([0.5, -0.2, 0.3]),
        defaultLeft: Uint8Array.from([1, 0, 0]),
        lossChange: Float32Array.from([1, 0, 0]),
        sumHessian: Float32Array.from([10, 5, 5]),
        baseWeight: Float32Array.from([0, -0.2, 0.3]),
      },
    ],
  };
}

function readError(text: string): EngineError {
  try {
    fromXgboostJson(text);
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    return err as EngineError;
  }
  throw new Error('expected the model to be refused');
}

describe('XGBoost JSON models', () => {
  it('round-trips, writing floats XGBoost accepts (always with a point or exponent)', () => {
    const text = toXgboostJson(tinyModel());
    expect(text).toMatch(/"split_conditions":\[0\.5,-0\.2\d*,0\.3\d*\]/);
    expect(text).not.toMatch(/"sum_hessian":\[10,/);
    const back = fromXgboostJson(text);
    expect(Array.from(back.trees[0]?.threshold ?? [])).toEqual(Array.from(tinyModel().trees[0]?.threshold ?? []));
  });

  it('reads base_score in the 1.x ("5E-1") and 3.x ("[5E-1]") forms', () => {
    expect(parseBaseScore('5E-1')).toBe(0.5);
    expect(parseBaseScore('[2.5E-1]')).toBe(0.25);
  });

  it('refuses malformed models with a clear error', () => {
    const good = JSON.parse(toXgboostJson(tinyModel())) as { learner: { gradient_booster: { model: { trees: Array<Record<string, unknown>> } }; objective: { name: string } } };
    expect(readError('{"learner": {').message).toMatch(/invalid JSON/);
    expect(readError('{"version": [1, 7, 4]}').message).toMatch(/learner is missing/);
    const wrongType = structuredClone(good);
    (wrongType.learner.gradient_booster.model.trees[0] as Record<string, unknown>).left_children = 'nope';
    expect(readError(JSON.stringify(wrongType)).message).toMatch(/left_children is not a list/);
    const outOfRange = structuredClone(good);
    (outOfRange.learner.gradient_booster.model.trees[0] as Record<string, unknown>).left_children = [7, -1, -1];
    expect(readError(JSON.stringify(outOfRange)).message).toMatch(/children out of range/);
    const objective = structuredClone(good);
    objective.learner.objective.name = 'rank:pairwise';
    expect(readError(JSON.stringify(objective)).message).toMatch(/objective "rank:pairwise" is not supported/);
    const categorical = structuredClone(good);
    (categorical.learner.gradient_booster.model.trees[0] as Record<string, unknown>).split_type = [1, 0, 0];
    expect(readError(JSON.stringify(categorical)).message).toMatch(/categorical splits/);
  });
});
