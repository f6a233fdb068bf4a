/**
 * Words about a trained model's rounds: where the saved model ends (the best iteration or the last
 * round) and whether it fits its training rows much better than the validation rows. Light on
 * imports: the CLI's main thread uses it.
 */
import type { ModelEvaluation, ModelSummary } from './types';

/** Gaps between training and validation figures of the saved model above which it is called overfitted. */
export const OVERFIT_GAPS = { auc: 0.1, accuracy: 0.1, rmseRatio: 1.5 } as const;

/**
 * A plain-words warning when the saved model does much better on its training rows than on the
 * validation rows: AUC (binary) or accuracy (multi-class) 0.1 or more apart, or a validation RMSE
 * 1.5 times the training one (regression). Null without validation rows or below those gaps.
 */
export function overfittingWarning(train: ModelEvaluation, valid: ModelEvaluation | null, bestIteration: number | null, roundsTrained: number): string | null {
  if (!valid) return null;
  const at = bestIteration !== null ? `at the best iteration (round ${bestIteration + 1} of ${roundsTrained})` : `after ${roundsTrained} rounds`;
  const advice = 'It fits its training rows far better than new ones; try a smaller max_depth, a lower eta, a larger min_child_weight, or subsample below 1.';
  let gap: string | null = null;
  if (train.binary && valid.binary && train.binary.auc - valid.binary.auc >= OVERFIT_GAPS.auc) gap = `training AUC is ${train.binary.auc.toFixed(3)} but validation AUC ${valid.binary.auc.toFixed(3)}`;
  else if (train.multiclass && valid.multiclass && train.multiclass.accuracy - valid.multiclass.accuracy >= OVERFIT_GAPS.accuracy) {
    gap = `training accuracy is ${(train.multiclass.accuracy * 100).toFixed(1)}% but validation accuracy ${(valid.multiclass.accuracy * 100).toFixed(1)}%`;
  } else if (train.regression && valid.regression && valid.regression.rmse >= OVERFIT_GAPS.rmseRatio * train.regression.rmse && valid.regression.rmse > 0) {
    gap = `validation RMSE is ${(valid.regression.rmse / Math.max(train.regression.rmse, Number.MIN_VALUE)).toFixed(1)} times the training RMSE (${valid.regression.rmse.toPrecision(4)} against ${train.regression.rmse.toPrecision(4)})`;
  }
  return gap ? `overfitting: ${at}, ${gap}. ${advice}` : null;
}

/**
 * Where the saved model ends, in words: "round 27 of 47 trained: the best iteration by validation
 * auc (early stopping after 10 rounds without improvement)", or "all 100 rounds trained".
 */
export function describeModelEnd(model: Pick<ModelSummary, 'bestIteration' | 'params'>, roundsTrained: number): string {
  const patience = Number(model.params.early_stopping_rounds ?? 0);
  const metrics = model.params.eval_metric;
  const metric = Array.isArray(metrics) ? String(metrics[metrics.length - 1] ?? '') : '';
  if (model.bestIteration === null) return `all ${roundsTrained} rounds trained (no early stopping)`;
  const planned = Number(model.params.num_boost_round ?? roundsTrained);
  const how = roundsTrained < planned ? `training stopped after ${patience} rounds without improvement` : `all ${planned} rounds ran`;
  return `round ${model.bestIteration + 1} of ${roundsTrained} trained: the best iteration by validation ${metric || 'metric'} (early stopping, patience ${patience}; ${how})`;
}
