/**
 * The model jobs' types (train, evaluate, explain, score, import, export). `workers/api.ts`
 * re-exports them; the model code in this folder imports them from here.
 */
import type { DataSourceRef, TableInfo } from '../data/types';
import type { BinaryEvaluation, MulticlassEvaluation, RegressionEvaluation } from './evaluation';
import type { Objective } from './params';
import type { FeatureImportance } from './predict';
import type { RoundReport } from './train';
import type { ModelKind } from '../ctr/kinds';
import type { CtrExportParams, CtrExportResult } from '../ctr/export-types';

export interface SplitSpec {
  /** 'entity': whole entities (rows sharing `keyColumn`) held out, by a hash of the key. */
  kind: 'random' | 'stratified' | 'time' | 'entity';
  /** For kind 'entity': the column naming the entity (user, customer). */
  keyColumn?: string;
  /** k-fold cross-validation: hold out fold `fold` (0-based) of `folds` instead of `validFraction`. */
  folds?: number;
  fold?: number;
  /** Share of rows held out for validation (0 = none). Default 0.2. */
  validFraction?: number;
  /** For kind 'time': the latest rows by this column are held out. */
  timeColumn?: string;
  seed?: number;
}

export interface TrainParams {
  source: DataSourceRef;
  target: string;
  /** The positive label value for a binary target given as text (or any two values). */
  positive?: string;
  /** Feature columns; all other supported columns when absent. */
  features?: string[];
  /** XGBoost parameters by name (objective, eta, max_depth, num_boost_round, ...). */
  params?: Record<string, number | string | string[]>;
  split?: SplitSpec;
  name?: string;
  /** Histogram backend: 'auto' (WebGPU only on a real adapter, else CPU), 'webgpu' or 'cpu'. */
  backend?: 'auto' | 'webgpu' | 'cpu';
  /**
   * k-fold cross-validation (2..20): train once per fold, each holding out one fold of the rows
   * (or of the entities, with an entity split), then the model on the plain split; the outcome
   * carries every fold's validation metrics (TrainOutcome.crossValidation).
   */
  cv?: number;
  /** Model kind (workers/ctr/kinds.ts: MODEL_KINDS lists each kind's params); 'gbdt' when absent. */
  kind?: ModelKind;
}

export interface LabelInfo {
  kind: 'binary' | 'regression' | 'multiclass';
  positive?: string;
  negative?: string;
  classes?: string[];
}

export interface ModelFeature {
  name: string;
  column: string;
  kind: 'numeric' | 'date' | 'timestamp' | 'onehot';
  level?: string;
}

export interface ModelSummary {
  modelId: string;
  /** 'gbdt' for boosted trees; lr, fm or deepfm for the CTR family (always binary:logistic). */
  kind: ModelKind;
  name: string;
  objective: Objective;
  target: string;
  label: LabelInfo;
  features: ModelFeature[];
  trees: number;
  bestIteration: number | null;
  params: Record<string, unknown>;
  trainedAt: string;
  rows: { train: number; valid: number };
  /**
   * The backend that built the histograms (gbdt) or ran training (CTR kinds: 'cpu' covers tfjs's
   * wasm and cpu backends and the typed-array kernels; the reason names which), and why it was picked.
   */
  backend?: { name: 'cpu' | 'webgpu'; reason: string };
}

export interface ModelEvaluation {
  binary?: BinaryEvaluation;
  regression?: RegressionEvaluation;
  multiclass?: MulticlassEvaluation;
}

/** Validation metrics of every fold of a cross-validation, with their mean and standard deviation. */
export interface CrossValidation {
  folds: number;
  split: SplitSpec['kind'];
  keyColumn?: string;
  /** Rounds (epochs) each fold trained: all that were asked for (no early stopping in folds). */
  rounds?: number[];
  metrics: Record<string, { mean: number; sd: number; values: number[] }>;
}

export interface TrainOutcome {
  /** With TrainParams.cv: the folds' validation metrics (the model itself is trained on the plain split). */
  crossValidation?: CrossValidation;
  model: ModelSummary;
  history: RoundReport[];
  evaluation: { train: ModelEvaluation; valid: ModelEvaluation | null };
  importance: FeatureImportance[];
  /** FM and DeepFM: the strongest field pairs, mean |<e_a·v_a, e_b·v_b>| over the validation rows, strongest first. */
  interactions?: Array<{ a: string; b: string; strength: number }>;
  /** Plain-words warnings, e.g. "possible leak: duration ...". */
  warnings: string[];
  elapsedMs: number;
}

export interface ShapSummary {
  features: string[];
  /** Indices (within the validation rows) of the explained rows. */
  rowIndices: number[];
  /** Row-major [row * features.length + f] SHAP values for a sample of rows. */
  values: Float64Array;
  /** The same rows' feature values (NaN = missing), for colouring the beeswarm. */
  featureValues: Float64Array;
  /** Bias (expected margin) per sampled row. */
  bias: Float64Array;
  margins: Float64Array;
  rows: number;
  /** Mean |SHAP| per feature, the order of a summary plot. */
  meanAbs: number[];
  /** The output group explained (the class for multi:softprob; 0 otherwise). The engine always sets it. */
  classIndex?: number;
  /** Names of the output groups: the classes for multi:softprob, one entry otherwise. The engine always sets it. */
  classes?: string[];
}

export interface ShapParams {
  modelId: string;
  sampleRows?: number;
  /** Explain this one row (an index within the model's evaluation rows) instead of a sample. */
  rowIndex?: number;
  /** Multi-class: the class to explain. Default: the row's predicted class, or class 0 for a sample. */
  classIndex?: number;
}

export interface EvaluateParams {
  modelId: string;
  threshold: number;
  /**
   * Evaluate on these rows instead of the model's validation rows (an imported model has none).
   * They become the model's evaluation rows, which SHAP then explains.
   */
  source?: DataSourceRef;
  /** With `source`: the column of true values; default the model's own target. */
  target?: string;
  /** With `source`, binary models whose positive value is not recorded: the positive value. */
  positive?: string;
}

export interface PredictParams {
  modelId: string;
  source: DataSourceRef;
  /** Write source columns + prediction into this table. */
  outputTable: string;
  /** Also add one shap_<feature> column per feature and shap_bias. */
  withShap?: boolean;
  /**
   * Where a tree model's margins are computed: 'auto' (default) and 'cpu' score on the CPU; 'webgpu'
   * on the device (any adapter, software ones included; the same numbers bit for bit), or fails in
   * plain words without one. 'auto' stays on the CPU until the device is measured to pay.
   * lr/fm/deepfm models score on the CPU and refuse 'webgpu'.
   */
  backend?: 'auto' | 'webgpu' | 'cpu';
}

export interface ModelJobs {
  'model.train': { params: TrainParams; result: TrainOutcome };
  'model.evaluate': { params: EvaluateParams; result: ModelEvaluation };
  'model.shap': { params: ShapParams; result: ShapSummary };
  'model.predict': { params: PredictParams; result: TableInfo };
  'model.export': { params: { modelId: string }; result: { json: string; fileName: string } };
  /** An lr/fm/deepfm model as SQL (lr, fm; any pack dialect) or ONNX (workers/ctr/export-formats.ts). */
  'model.exportCtr': { params: CtrExportParams; result: CtrExportResult };
  'model.import': { params: { json: string; name?: string }; result: ModelSummary };
  'model.list': { params: Record<string, never>; result: ModelSummary[] };
}
