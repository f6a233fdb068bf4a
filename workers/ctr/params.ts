import { EngineError } from '../protocol/errors';
import type { CtrKind } from './weights';
import { modelKindSpec, type ModelParamSpec } from './kinds';

/** The CTR trainer's parameters, completed from MODEL_KINDS' defaults. */
export interface CtrParams {
  kind: CtrKind;
  k: number;
  hidden: number[];
  dropout: number;
  epochs: number;
  batch_size: number;
  optimizer: 'adam' | 'adagrad' | 'ftrl';
  learning_rate: number;
  l2: number;
  early_stopping_rounds: number;
  eval_metric: 'logloss' | 'auc';
  seed: number;
  min_count: number;
  hash_buckets: number;
  log1p: number;
  standardize: number;
  /** Most encoded rows in memory (0 = automatic); more rows stream from DuckDB (workers/ctr/stream.ts). */
  rows_in_memory: number;
}

function bad(message: string): EngineError {
  return new EngineError('BAD_INPUT', message);
}

/** Per-parameter rules beyond "a number": [check, rule in words]. */
const RULES: Record<string, [(v: number) => boolean, string]> = {
  k: [(v) => Number.isInteger(v) && v >= 1 && v <= 512, 'a whole number from 1 to 512'],
  dropout: [(v) => v >= 0 && v < 1, 'in [0, 1)'],
  epochs: [(v) => Number.isInteger(v) && v >= 1 && v <= 10_000, 'a whole number >= 1'],
  batch_size: [(v) => Number.isInteger(v) && v >= 1 && v <= 1_000_000, 'a whole number >= 1'],
  learning_rate: [(v) => v > 0 && v <= 10, 'in (0, 10]'],
  l2: [(v) => v >= 0, '>= 0'],
  early_stopping_rounds: [(v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0'],
  seed: [(v) => Number.isInteger(v), 'a whole number'],
  min_count: [(v) => Number.isInteger(v) && v >= 1, 'a whole number >= 1'],
  hash_buckets: [(v) => Number.isInteger(v) && v >= 0 && v <= 100_000_000, 'a whole number >= 0 (0 = vocabulary)'],
  log1p: [(v) => v === 0 || v === 1, '0 or 1'],
  standardize: [(v) => v === 0 || v === 1, '0 or 1'],
  rows_in_memory: [(v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0 (0 = automatic)'],
};

const ALIASES: Record<string, string> = { eta: 'learning_rate', lr: 'learning_rate', embedding_dim: 'k', batch: 'batch_size', patience: 'early_stopping_rounds' };

function parseValue(spec: ModelParamSpec, raw: unknown): number | string | number[] {
  if (spec.type === 'choice') {
    const v = String(raw).trim().toLowerCase();
    if (!spec.choices?.includes(v)) throw bad(`Parameter ${spec.name} must be one of ${spec.choices?.join(', ')} (got ${String(raw)}).`);
    return v;
  }
  if (spec.type === 'list') {
    const text = Array.isArray(raw) ? raw.join(',') : String(raw).trim();
    if (text === '' || text === '0') return [];
    const list = text.split(',').map((s) => Number(s.trim()));
    if (list.some((v) => !Number.isInteger(v) || v < 1 || v > 4096)) throw bad(`Parameter ${spec.name} must list whole-number layer widths from 1 to 4096, e.g. 64,32 (got ${text}).`);
    return list;
  }
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  const rule = RULES[spec.name];
  if (typeof v !== 'number' || !Number.isFinite(v) || (rule && !rule[0](v))) throw bad(`Parameter ${spec.name} must be ${rule?.[1] ?? 'a number'} (got ${String(raw)}).`);
  return v;
}

/** Validates and completes the parameters of one CTR kind; unknown names are refused, naming the kind's. */
export function resolveCtrParams(kind: CtrKind, given: Record<string, unknown>): CtrParams {
  const specs = modelKindSpec(kind).params;
  const out: Record<string, number | string | number[]> = {};
  for (const spec of specs) out[spec.name] = parseValue(spec, spec.default);
  for (const [rawKey, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const key = ALIASES[rawKey] ?? rawKey;
    if (key === 'objective') {
      if (value !== 'binary:logistic') throw bad(`A ${kind} model is binary:logistic only (got objective ${String(value)}).`);
      continue;
    }
    const spec = specs.find((s) => s.name === key);
    if (!spec) throw bad(`Unknown parameter "${rawKey}" for a ${kind} model; its parameters are ${specs.map((s) => s.name).join(', ')}.`);
    out[key] = parseValue(spec, value);
  }
  return {
    kind,
    k: kind === 'lr' ? 0 : (out.k as number),
    hidden: kind === 'deepfm' ? (out.hidden as number[]) : [],
    dropout: kind === 'deepfm' ? (out.dropout as number) : 0,
    epochs: out.epochs as number,
    batch_size: out.batch_size as number,
    optimizer: out.optimizer as CtrParams['optimizer'],
    learning_rate: out.learning_rate as number,
    l2: out.l2 as number,
    early_stopping_rounds: out.early_stopping_rounds as number,
    eval_metric: out.eval_metric as CtrParams['eval_metric'],
    seed: out.seed as number,
    min_count: out.min_count as number,
    hash_buckets: out.hash_buckets as number,
    log1p: out.log1p as number,
    standardize: out.standardize as number,
    rows_in_memory: out.rows_in_memory as number,
  };
}
