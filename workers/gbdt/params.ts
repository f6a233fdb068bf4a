import { EngineError } from '../protocol/errors';

export type Objective = 'binary:logistic' | 'reg:squarederror' | 'multi:softprob';
export type EvalMetric = 'logloss' | 'auc' | 'rmse' | 'mlogloss' | 'error';

/** Training parameters, with XGBoost's names and defaults. */
export interface GbdtParams {
  objective: Objective;
  /** Number of boosting rounds. */
  num_boost_round: number;
  eta: number;
  max_depth: number;
  min_child_weight: number;
  /** min_split_loss */
  gamma: number;
  lambda: number;
  alpha: number;
  subsample: number;
  colsample_bytree: number;
  max_delta_step: number;
  scale_pos_weight: number;
  /** Null: XGBoost 1.x's 0.5 for binary:logistic and multi:softprob, the label mean for regression. */
  base_score: number | null;
  max_bin: number;
  seed: number;
  /** Threads for histogram building (0 = the host's default: every core it offers). Results do not depend on it. */
  nthread: number;
  num_class: number;
  eval_metric: EvalMetric[];
  /** Rounds without improvement on the validation set before stopping; 0 = off. */
  early_stopping_rounds: number;
}

export const DEFAULT_PARAMS: GbdtParams = {
  objective: 'binary:logistic',
  num_boost_round: 100,
  eta: 0.3,
  max_depth: 6,
  min_child_weight: 1,
  gamma: 0,
  lambda: 1,
  alpha: 0,
  subsample: 1,
  colsample_bytree: 1,
  max_delta_step: 0,
  scale_pos_weight: 1,
  base_score: null,
  max_bin: 256,
  seed: 0,
  nthread: 0,
  num_class: 0,
  eval_metric: [],
  early_stopping_rounds: 0,
};

const ALIASES: Record<string, keyof GbdtParams> = {
  learning_rate: 'eta',
  min_split_loss: 'gamma',
  reg_lambda: 'lambda',
  reg_alpha: 'alpha',
  random_state: 'seed',
  n_estimators: 'num_boost_round',
  nrounds: 'num_boost_round',
  rounds: 'num_boost_round',
};

const OBJECTIVES: Objective[] = ['binary:logistic', 'reg:squarederror', 'multi:softprob'];
const METRICS: EvalMetric[] = ['logloss', 'auc', 'rmse', 'mlogloss', 'error'];

function bad(message: string): EngineError {
  return new EngineError('BAD_INPUT', message);
}

function num(name: string, value: unknown, check: (v: number) => boolean, rule: string): number {
  const v = typeof value === 'string' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw bad(`Parameter ${name} must be ${rule} (got ${String(value)}).`);
  return v;
}

/** The default evaluation metric of an objective, as XGBoost picks it. */
export function defaultMetric(objective: Objective): EvalMetric {
  return objective === 'binary:logistic' ? 'logloss' : objective === 'multi:softprob' ? 'mlogloss' : 'rmse';
}

/** Validates and completes parameters given by XGBoost name (or common alias); values may be strings. */
export function resolveParams(given: Record<string, unknown>): GbdtParams {
  const p: GbdtParams = { ...DEFAULT_PARAMS, eval_metric: [] };
  for (const [rawKey, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const key = ALIASES[rawKey] ?? rawKey;
    switch (key) {
      case 'objective':
        if (!OBJECTIVES.includes(value as Objective)) throw bad(`Unknown objective "${String(value)}"; use one of ${OBJECTIVES.join(', ')}.`);
        p.objective = value as Objective;
        break;
      case 'num_boost_round':
        p.num_boost_round = num(rawKey, value, (v) => Number.isInteger(v) && v >= 1 && v <= 100_000, 'a whole number of rounds >= 1');
        break;
      case 'eta':
        p.eta = num(rawKey, value, (v) => v > 0 && v <= 1, 'in (0, 1]');
        break;
      case 'max_depth':
        p.max_depth = num(rawKey, value, (v) => Number.isInteger(v) && v >= 1 && v <= 30, 'a whole number from 1 to 30');
        break;
      case 'min_child_weight':
      case 'gamma':
      case 'lambda':
      case 'alpha':
      case 'max_delta_step':
        p[key] = num(rawKey, value, (v) => v >= 0, '>= 0');
        break;
      case 'subsample':
      case 'colsample_bytree':
        p[key] = num(rawKey, value, (v) => v > 0 && v <= 1, 'in (0, 1]');
        break;
      case 'scale_pos_weight':
        p.scale_pos_weight = num(rawKey, value, (v) => v > 0, '> 0');
        break;
      case 'base_score':
        p.base_score = value === null ? null : num(rawKey, value, () => true, 'a number');
        break;
      case 'max_bin':
        p.max_bin = num(rawKey, value, (v) => Number.isInteger(v) && v >= 2 && v <= 256, 'a whole number from 2 to 256');
        break;
      case 'seed':
        p.seed = num(rawKey, value, (v) => Number.isInteger(v), 'a whole number');
        break;
      case 'num_class':
        p.num_class = num(rawKey, value, (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
        break;
      case 'early_stopping_rounds':
        p.early_stopping_rounds = num(rawKey, value, (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
        break;
      case 'eval_metric': {
        const list = Array.isArray(value) ? value : String(value).split(',');
        for (const m of list) {
          if (!METRICS.includes(m as EvalMetric)) throw bad(`Unknown eval_metric "${String(m)}"; use ${METRICS.join(', ')}.`);
        }
        p.eval_metric = list as EvalMetric[];
        break;
      }
      case 'nthread':
        p.nthread = num(rawKey, value, (v) => Number.isInteger(v) && v >= 0 && v <= 256, 'a whole number from 0 to 256');
        break;
      case 'tree_method':
      case 'verbosity':
        break; // accepted for compatibility; Assay always trains with histograms
      default:
        throw bad(`Unknown parameter "${rawKey}".`);
    }
  }
  if (p.eval_metric.length === 0) p.eval_metric = p.objective === 'binary:logistic' ? ['logloss', 'auc'] : [defaultMetric(p.objective)];
  return p;
}

/**
 * Early stopping's patience when training has validation rows and nobody chose one: 10% of the
 * rounds, at least 20 (100 rounds -> 20, 500 -> 50). Boosting past the best validation round only
 * fits the training rows more closely, so by default the model keeps its best round.
 */
export function defaultEarlyStoppingRounds(rounds: number): number {
  return Math.max(20, Math.round(rounds / 10));
}
