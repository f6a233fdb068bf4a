/**
 * The model kinds Assay trains and their parameters, with defaults and one line of help each. The
 * CLI's `assay train --help` and the Models view's parameter form both read this one list, and the
 * CTR trainer resolves its parameters against it (so a default shown is the default used).
 */

export type ModelKind = 'gbdt' | 'lr' | 'fm' | 'deepfm';

export interface ModelParamSpec {
  name: string;
  /** 'number' takes any number within the rule; 'choice' one of `choices`; 'list' a comma-separated list of whole numbers. */
  type: 'number' | 'choice' | 'list';
  default: number | string;
  help: string;
  choices?: string[];
}

export interface ModelKindSpec {
  kind: ModelKind;
  label: string;
  help: string;
  params: ModelParamSpec[];
}

const optimisation: ModelParamSpec[] = [
  { name: 'epochs', type: 'number', default: 10, help: 'Passes over the training rows (at most; early stopping may end sooner).' },
  { name: 'batch_size', type: 'number', default: 1024, help: 'Rows per mini-batch (one optimiser step).' },
  { name: 'optimizer', type: 'choice', default: 'adam', choices: ['adam', 'adagrad', 'ftrl'], help: 'adam, adagrad or ftrl (FTRL-proximal, per coordinate).' },
  { name: 'learning_rate', type: 'number', default: 0.01, help: 'Step size of the optimiser.' },
  { name: 'l2', type: 'number', default: 1e-6, help: 'L2 penalty on the embeddings and first-order weights of the rows in a batch.' },
  { name: 'early_stopping_rounds', type: 'number', default: 2, help: 'Stop after this many epochs without improvement on the validation rows and keep the best epoch (0 = off).' },
  { name: 'eval_metric', type: 'choice', default: 'logloss', choices: ['logloss', 'auc'], help: 'Validation metric that early stopping watches.' },
  { name: 'seed', type: 'number', default: 0, help: 'Seed for initial weights, batch order and dropout (same seed, same model).' },
];

const encoding: ModelParamSpec[] = [
  { name: 'min_count', type: 'number', default: 1, help: 'Text levels seen fewer times share the "other" slot of their field.' },
  { name: 'hash_buckets', type: 'number', default: 0, help: 'Hash text levels (MD5) into this many buckets per field instead of a vocabulary (0 = vocabulary).' },
  { name: 'log1p', type: 'number', default: 1, help: '1: numbers become sign(x)*ln(1+|x|) before standardising (heavy-tailed counts); 0: as they are.' },
  { name: 'standardize', type: 'number', default: 1, help: '1: numbers are centred and scaled to unit variance on the training rows; 0: left as they are.' },
  { name: 'rows_in_memory', type: 'number', default: 0, help: 'Most encoded rows held in memory; with more, training streams them from DuckDB in chunks, shuffled within a window (0 = about 512 MB).' },
];

const embedding: ModelParamSpec[] = [{ name: 'k', type: 'number', default: 8, help: 'Embedding size: factors per level (k >= 1).' }];

/** Every kind the Models view and `assay train --model` offer; gbdt first, the default. */
export const MODEL_KINDS: ModelKindSpec[] = [
  {
    kind: 'gbdt',
    label: 'Gradient-boosted trees',
    help: 'XGBoost-compatible boosted trees (hist method); any XGBoost parameter by name.',
    params: [
      { name: 'num_boost_round', type: 'number', default: 100, help: 'Boosting rounds.' },
      { name: 'eta', type: 'number', default: 0.3, help: 'Learning rate (shrinkage per tree).' },
      { name: 'max_depth', type: 'number', default: 6, help: 'Deepest level of a tree.' },
      { name: 'min_child_weight', type: 'number', default: 1, help: 'Least hessian sum in a leaf.' },
      { name: 'lambda', type: 'number', default: 1, help: 'L2 penalty on leaf weights.' },
      { name: 'subsample', type: 'number', default: 1, help: 'Share of rows sampled per tree.' },
      { name: 'colsample_bytree', type: 'number', default: 1, help: 'Share of features sampled per tree.' },
      { name: 'seed', type: 'number', default: 0, help: 'Seed for sampling.' },
    ],
  },
  {
    kind: 'lr',
    label: 'Logistic regression',
    help: 'Binary logistic regression on one-hot (or hashed) text levels plus numbers.',
    params: [...optimisation, ...encoding],
  },
  {
    kind: 'fm',
    label: 'Factorization machine',
    help: 'Logistic regression plus pairwise interactions of every two fields through k-dimensional embeddings.',
    params: [...embedding, ...optimisation, ...encoding],
  },
  {
    kind: 'deepfm',
    label: 'DeepFM',
    help: 'A factorization machine plus an MLP over the same field embeddings.',
    params: [
      ...embedding,
      { name: 'hidden', type: 'list', default: '64,32', help: 'Widths of the MLP hidden layers (ReLU), comma-separated.' },
      { name: 'dropout', type: 'number', default: 0.1, help: 'Dropout rate on the MLP hidden layers while training (0 = none).' },
      ...optimisation,
      ...encoding,
    ],
  },
];

export function isModelKind(value: unknown): value is ModelKind {
  return value === 'gbdt' || value === 'lr' || value === 'fm' || value === 'deepfm';
}

export function modelKindSpec(kind: ModelKind): ModelKindSpec {
  return MODEL_KINDS.find((k) => k.kind === kind) as ModelKindSpec;
}

/** Where a saved CTR model ends, in words (the epoch counterpart of GBDT's describeModelEnd). */
export function describeEpochEnd(bestEpoch: number | null, epochsTrained: number, params: Record<string, unknown>): string {
  const planned = Number(params.epochs ?? epochsTrained);
  if (bestEpoch === null) return `all ${epochsTrained} epochs trained (no early stopping)`;
  const how = epochsTrained < planned ? `training stopped after ${String(params.early_stopping_rounds)} epochs without improvement` : `all ${planned} epochs ran`;
  return `epoch ${bestEpoch + 1} of ${epochsTrained} trained: the best by validation ${String(params.eval_metric ?? 'logloss')} (early stopping; ${how})`;
}
