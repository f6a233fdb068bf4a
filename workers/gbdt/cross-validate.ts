/**
 * k-fold cross-validation for every model kind: the same training k times, each holding out one
 * fold (of rows, or of whole entities with an entity split: gbdt/row-split.ts), then the model
 * itself on the plain split. Reports each fold's validation metrics and their mean and standard
 * deviation, so a model is judged by k estimates rather than one lucky split. Folds train every
 * round (epoch) asked for: early stopping would pick the best round on the fold's own validation
 * rows.
 */
import { EngineError, throwIfAborted } from '../protocol/errors';
import type { JobContext } from '../protocol/host';
import type { CrossValidation, TrainOutcome, TrainParams } from './types';

/** The validation metrics of a fold that cross-validation summarises, by kind of label. */
function foldMetrics(outcome: TrainOutcome): Record<string, number> {
  const valid = outcome.evaluation.valid;
  if (valid?.binary) return { auc: valid.binary.auc, logloss: valid.binary.logloss, accuracy: valid.binary.accuracy, f1: valid.binary.f1 };
  if (valid?.regression) return { rmse: valid.regression.rmse, mae: valid.regression.mae, r2: valid.regression.r2 };
  if (valid?.multiclass) return { accuracy: valid.multiclass.accuracy, mlogloss: valid.multiclass.mlogloss };
  return {};
}

/** Progress of one part (a fold) mapped into its share of the whole job. */
function partContext(ctx: JobContext, from: number, to: number, label: string): JobContext {
  return { signal: ctx.signal, progress: (fraction, phase) => ctx.progress(from + (to - from) * Math.min(1, Math.max(0, fraction)), `${label}: ${phase}`) };
}

export async function crossValidate(
  params: TrainParams,
  ctx: JobContext,
  train: (params: TrainParams, ctx: JobContext) => Promise<TrainOutcome>,
  forget: (modelId: string) => void,
): Promise<TrainOutcome> {
  const folds = params.cv as number;
  if (!Number.isInteger(folds) || folds < 2 || folds > 20) throw new EngineError('BAD_INPUT', `Cross-validation takes 2 to 20 folds (got ${String(params.cv)}).`);
  const split = params.split ?? { kind: 'stratified' as const };
  if (split.kind === 'time') throw new EngineError('BAD_INPUT', 'A time split holds out the latest rows; cross-validate with a random, stratified or entity split.');
  const { cv: _cv, ...single } = params;
  void _cv;
  const perFold: Array<Record<string, number>> = [];
  const roundsPerFold: number[] = [];
  const share = 1 / (folds + 1);
  for (let fold = 0; fold < folds; fold++) {
    throwIfAborted(ctx.signal);
    // Early stopping off in the folds: it would choose each fold's best round on the very rows that
    // fold is scored on, and the metrics would flatter the model.
    const foldParams = { ...(single.params ?? {}), early_stopping_rounds: 0 };
    const outcome = await train({ ...single, params: foldParams, split: { ...split, folds, fold }, name: `${params.name ?? params.target} fold ${fold + 1}` }, partContext(ctx, fold * share, (fold + 1) * share, `fold ${fold + 1} of ${folds}`));
    perFold.push(foldMetrics(outcome));
    roundsPerFold.push(outcome.history.length);
    // The fold models only measure: keep memory for the model that is kept.
    forget(outcome.model.modelId);
  }
  const final = await train(single, partContext(ctx, folds * share, 1, 'final model'));
  const names = Object.keys(perFold[0] ?? {});
  const summary: CrossValidation = {
    folds,
    split: split.kind,
    ...(split.kind === 'entity' && split.keyColumn ? { keyColumn: split.keyColumn } : {}),
    rounds: roundsPerFold,
    metrics: Object.fromEntries(
      names.map((name) => {
        const values = perFold.map((m) => m[name] as number);
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
        return [name, { mean, sd, values }];
      }),
    ),
  };
  return { ...final, crossValidation: summary };
}
