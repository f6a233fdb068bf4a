/**
 * Pure helpers of the Models view: reading training progress, shaping engine results (history,
 * SHAP, importance) into what the charts draw, and turning the setup form into TrainParams.
 * Nothing here computes a metric: curves, SHAP values and scores all come from the engine.
 */
import { MODEL_KINDS, type BinaryEvaluation, type ColumnInfo, type FeatureImportance, type ModelKind, type ModelSummary, type RoundReport, type ShapSummary, type TrainOutcome, type TrainParams } from '../../../workers/api';

// ------------------------------------------------------------------ progress and learning curves

/** One point of a learning curve read from a progress phase, e.g. "round 12 of 100: valid logloss 0.31234". */
export interface RoundPoint {
  round: number;
  total: number;
  set: 'train' | 'valid';
  metric: string;
  value: number;
}

// Boosted trees report rounds; the CTR kinds (lr, fm, deepfm) report epochs the same way.
const ROUND_PHASE = /^(?:round|epoch) (\d+) of (\d+): (train|valid) ([A-Za-z_]+) (-?[\d.]+(?:e[-+]?\d+)?|NaN|Infinity)$/i;

export function parseRoundPhase(phase: string): RoundPoint | null {
  const match = ROUND_PHASE.exec(phase.trim());
  if (!match) return null;
  const value = Number(match[5]);
  if (!Number.isFinite(value)) return null;
  return { round: Number(match[1]), total: Number(match[2]), set: match[3]?.toLowerCase() === 'valid' ? 'valid' : 'train', metric: match[4] as string, value };
}

/** What one step of training is called for a model kind: trees add rounds, the CTR kinds run epochs. */
export function stepWord(kind: ModelKind | undefined): 'round' | 'epoch' {
  return kind === undefined || kind === 'gbdt' ? 'round' : 'epoch';
}

/** Adds a live point, keeping rounds in order and one point per round (a repeated report replaces). */
export function addLivePoint(points: readonly RoundPoint[], point: RoundPoint): RoundPoint[] {
  const kept = points.filter((p) => p.round !== point.round || p.set !== point.set || p.metric !== point.metric);
  kept.push(point);
  return kept.sort((a, b) => a.round - b.round);
}

/** A learning-curve series: one eval metric on one data set, per round. */
export interface CurveSeries {
  name: string;
  set: 'train' | 'valid';
  rounds: number[];
  values: number[];
}

/** Metrics recorded in a training history, in the order the engine reported them. */
export function historyMetrics(history: readonly RoundReport[]): string[] {
  const first = history[0];
  if (!first) return [];
  const names = Object.keys(first.train);
  for (const name of Object.keys(first.valid ?? {})) if (!names.includes(name)) names.push(name);
  return names;
}

/** Train and valid series of one metric from the history the engine returns at the end. */
export function curvesFromHistory(history: readonly RoundReport[], metric: string): CurveSeries[] {
  const series: CurveSeries[] = [];
  for (const set of ['train', 'valid'] as const) {
    const rounds: number[] = [];
    const values: number[] = [];
    for (const report of history) {
      const value = (set === 'train' ? report.train : report.valid)?.[metric as keyof RoundReport['train']];
      if (typeof value === 'number' && Number.isFinite(value)) {
        rounds.push(report.round);
        values.push(value);
      }
    }
    if (rounds.length > 0) series.push({ name: `${set} ${metric}`, set, rounds, values });
  }
  return series;
}

/** The live series while training runs (the progress phase names one set and metric per round). */
export function curvesFromLive(points: readonly RoundPoint[]): CurveSeries[] {
  const byKey = new Map<string, CurveSeries>();
  for (const point of points) {
    const key = `${point.set} ${point.metric}`;
    const series = byKey.get(key) ?? { name: key, set: point.set, rounds: [], values: [] };
    series.rounds.push(point.round);
    series.values.push(point.value);
    byKey.set(key, series);
  }
  return [...byKey.values()];
}

// ------------------------------------------------------------------ setup form

/** XGBoost parameters the form shows, in order, with XGBoost's defaults and a short meaning. */
export const PARAM_FIELDS = [
  { name: 'eta', fallback: 0.3, hint: 'learning rate (shrinks each tree)' },
  { name: 'max_depth', fallback: 6, hint: 'deepest split path of a tree' },
  { name: 'num_boost_round', fallback: 100, hint: 'number of trees (rounds)' },
  { name: 'min_child_weight', fallback: 1, hint: 'least hessian sum in a leaf' },
  { name: 'gamma', fallback: 0, hint: 'least loss reduction to split' },
  { name: 'lambda', fallback: 1, hint: 'L2 penalty on leaf weights' },
  { name: 'alpha', fallback: 0, hint: 'L1 penalty on leaf weights' },
  { name: 'subsample', fallback: 1, hint: 'share of rows per tree' },
  { name: 'colsample_bytree', fallback: 1, hint: 'share of features per tree' },
  { name: 'max_delta_step', fallback: 0, hint: 'cap on a leaf step (0 = none)' },
  { name: 'scale_pos_weight', fallback: 1, hint: 'weight of positive rows' },
  { name: 'max_bin', fallback: 256, hint: 'histogram bins per feature' },
  { name: 'seed', fallback: 0, hint: 'random seed' },
  { name: 'early_stopping_rounds', fallback: 0, hint: 'stop after this many rounds without improvement on the validation rows and keep the best round (0 = off)' },
] as const;

export type ParamName = (typeof PARAM_FIELDS)[number]['name'];

/**
 * Parameters whose field starts empty because Assay picks a value unlike XGBoost's default:
 * early stopping is on where there are validation rows (patience 10% of the rounds, at least 20).
 */
export const AUTO_PARAMS: Partial<Record<ParamName, string>> = {
  early_stopping_rounds: 'auto: with validation rows, 10% of the rounds (at least 20)',
};

/** The parameter fields as a new form shows them: XGBoost's defaults, empty where Assay chooses. */
export function initialParamText(): Partial<Record<ParamName, string>> {
  return Object.fromEntries(PARAM_FIELDS.map((f) => [f.name, AUTO_PARAMS[f.name] !== undefined ? '' : String(f.fallback)]));
}

export type ObjectiveChoice = 'auto' | 'binary:logistic' | 'reg:squarederror' | 'multi:softprob';

export interface SetupForm {
  source: { kind: 'table'; table: string } | { kind: 'sql'; sql: string };
  target: string;
  /** '' = let the engine pick (booleans, yes/no, 1/0). */
  positive: string;
  /** Ticked feature columns; null when the columns are not known (the engine then uses all but the target). */
  features: string[] | null;
  objective: ObjectiveChoice;
  /** Parameter text as typed; '' = the default. */
  params: Partial<Record<ParamName, string>>;
  split: { kind: 'random' | 'stratified' | 'time' | 'entity'; validFraction: string; timeColumn: string; keyColumn?: string; folds?: string };
  name: string;
  /** Histogram backend; absent = 'auto'. */
  backend?: HistogramBackendChoice;
  /** Model kind; absent = 'gbdt'. */
  kind?: ModelKind;
  /** Parameter text of the CTR kinds (lr, fm, deepfm) as typed, by name; '' or absent = the default. */
  ctrParams?: Record<string, string>;
}

/** The CTR kinds' parameters as the form shows them: empty (the default shows as a placeholder). */
export function ctrParamSpecs(kind: ModelKind): (typeof MODEL_KINDS)[number]['params'] {
  return MODEL_KINDS.find((k) => k.kind === kind)?.params ?? [];
}

/** Checks and converts the CTR kinds' parameter text; unknown names are ignored (another kind's). */
function ctrParamsFromText(kind: ModelKind, text: Record<string, string>, problems: string[]): Record<string, number | string> {
  const params: Record<string, number | string> = {};
  for (const spec of ctrParamSpecs(kind)) {
    const raw = (text[spec.name] ?? '').trim();
    if (raw === '') continue;
    if (spec.type === 'number') {
      const value = Number(raw);
      if (!Number.isFinite(value)) problems.push(`${spec.name} must be a number (got "${raw}").`);
      else params[spec.name] = value;
    } else if (spec.type === 'choice') {
      if (!spec.choices?.includes(raw)) problems.push(`${spec.name} must be one of ${spec.choices?.join(', ')} (got "${raw}").`);
      else params[spec.name] = raw;
    } else if (!/^\d+(\s*,\s*\d+)*$/.test(raw)) {
      problems.push(`${spec.name} must be whole numbers separated by commas, e.g. ${String(spec.default)} (got "${raw}").`);
    } else {
      params[spec.name] = raw.replace(/\s+/g, '');
    }
  }
  return params;
}

export type HistogramBackendChoice = 'auto' | 'webgpu' | 'cpu';

export const BACKEND_CHOICES: Array<{ value: HistogramBackendChoice; label: string; hint: string }> = [
  { value: 'auto', label: 'auto', hint: 'WebGPU on a real GPU adapter, otherwise the CPU (WebAssembly) kernel' },
  { value: 'webgpu', label: 'WebGPU', hint: 'the WebGPU kernel on any adapter, software ones included; fails when there is none' },
  { value: 'cpu', label: 'CPU', hint: 'the WebAssembly kernel on this machine’s CPU' },
];

/** "Histograms: CPU (why)" for a trained model; null when the engine did not say (imported models). */
export function describeBackend(backend: { name: 'cpu' | 'webgpu'; reason: string } | undefined): string | null {
  if (!backend) return null;
  return `histograms on ${backend.name === 'webgpu' ? 'WebGPU' : 'the CPU'}${backend.reason ? ` (${backend.reason})` : ''}`;
}

/** TrainParams from the form, or the problems with it in plain words. */
export function trainParamsFromForm(form: SetupForm): { ok: true; params: TrainParams } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const source = form.source.kind === 'table' ? { table: form.source.table } : { sql: form.source.sql };
  if (form.source.kind === 'table' && !form.source.table) problems.push('Choose a table to train on.');
  if (form.source.kind === 'sql' && !form.source.sql.trim()) problems.push('Write the query to train on.');
  if (!form.target) problems.push('Choose the target column (what the model predicts).');
  const features = form.features?.filter((f) => f !== form.target) ?? null;
  if (features && features.length === 0) problems.push('Tick at least one feature column.');
  const kind = form.kind ?? 'gbdt';
  let params: Record<string, number | string> = {};
  if (kind === 'gbdt') {
    if (form.objective !== 'auto') params.objective = form.objective;
    for (const field of PARAM_FIELDS) {
      const text = (form.params[field.name] ?? '').trim();
      if (text === '') continue;
      const value = Number(text);
      if (!Number.isFinite(value)) problems.push(`${field.name} must be a number (got "${text}").`);
      else params[field.name] = value;
    }
  } else {
    if (form.objective !== 'auto' && form.objective !== 'binary:logistic') problems.push(`${kind} models are binary classifiers: choose the objective auto or binary:logistic, or train boosted trees.`);
    params = ctrParamsFromText(kind, form.ctrParams ?? {}, problems);
  }
  const validText = form.split.validFraction.trim();
  const validFraction = validText === '' ? 0.2 : Number(validText);
  if (!(validFraction >= 0 && validFraction < 1)) problems.push(`The validation share must be a number from 0 to just under 1 (got "${validText}").`);
  if (form.split.kind === 'time' && !form.split.timeColumn) problems.push('Choose the time column for a split by time.');
  if (form.split.kind === 'entity' && !form.split.keyColumn) problems.push('Choose the column that names the entity (e.g. a customer id) for a split by entity.');
  const foldsText = (form.split.folds ?? '').trim();
  const folds = foldsText === '' ? undefined : Number(foldsText);
  if (folds !== undefined && !(Number.isInteger(folds) && folds >= 2 && folds <= 20)) problems.push(`Cross-validation folds must be a whole number from 2 to 20, or empty for none (got "${foldsText}").`);
  if (folds !== undefined && form.split.kind === 'time') problems.push('A split by time holds out the latest rows; cross-validate with a random, stratified or entity split.');
  if (problems.length > 0) return { ok: false, problems };
  const split: TrainParams['split'] = { kind: form.split.kind, validFraction };
  if (form.split.kind === 'time') split.timeColumn = form.split.timeColumn;
  if (form.split.kind === 'entity') split.keyColumn = form.split.keyColumn;
  const trainParams: TrainParams = { source, target: form.target, params, split };
  if (folds !== undefined) trainParams.cv = folds;
  if (features) trainParams.features = features;
  if (form.positive) trainParams.positive = form.positive;
  if (form.name.trim()) trainParams.name = form.name.trim();
  if (kind !== 'gbdt') trainParams.kind = kind;
  else if (form.backend && form.backend !== 'auto') trainParams.backend = form.backend;
  return { ok: true, params: trainParams };
}

/** By default every column but the target is a feature. */
export function defaultFeatures(columns: readonly ColumnInfo[], target: string): string[] {
  return columns.filter((c) => c.name !== target).map((c) => c.name);
}

/** A text target is where the user must say which value is the positive class. */
export function isTextType(type: string): boolean {
  return /^(VARCHAR|TEXT|STRING|CHAR|BPCHAR|ENUM)/i.test(type);
}

/** Columns a time split can order by. */
export function isTimeType(type: string): boolean {
  return /^(DATE|TIMESTAMP|TIME)/i.test(type) || /^(BIGINT|INTEGER|DOUBLE|FLOAT|HUGEINT|SMALLINT|TINYINT|UBIGINT|UINTEGER)/i.test(type);
}

// ------------------------------------------------------------------ results

/** Leak and overfitting warnings first: they decide whether the model can be trusted at all. */
export function splitWarnings(warnings: readonly string[]): { leaks: string[]; overfitting: string[]; others: string[] } {
  const isLeak = (w: string): boolean => w.toLowerCase().startsWith('possible leak');
  const isOverfit = (w: string): boolean => w.toLowerCase().startsWith('overfitting');
  return { leaks: warnings.filter(isLeak), overfitting: warnings.filter(isOverfit), others: warnings.filter((w) => !isLeak(w) && !isOverfit(w)) };
}

/**
 * Which round the saved model ends at, in words, so its figures are not mistaken for the last
 * round's: "best iteration: round 25 of 35 trained (early stopping, patience 20)". `roundsTrained`
 * is unknown for models opened from a file or the workspace.
 */
export function describeSavedRounds(summary: Pick<ModelSummary, 'bestIteration' | 'trees' | 'params' | 'objective' | 'label'>, roundsTrained: number | null): string {
  const patience = Number(summary.params.early_stopping_rounds ?? 0);
  if (summary.bestIteration === null) return roundsTrained !== null ? `all ${roundsTrained} rounds trained (early stopping off)` : 'every round trained';
  const best = summary.bestIteration + 1;
  const of = roundsTrained !== null ? ` of ${roundsTrained} trained` : '';
  return `best iteration: round ${best}${of}${patience > 0 ? ` (early stopping, patience ${patience})` : ''}; the saved model ends there`;
}

/** Where a CTR model (lr, fm, deepfm) ends, in epochs: "best epoch 4 of 6 trained (early stopping)". */
export function describeEpochs(summary: Pick<ModelSummary, 'bestIteration' | 'params'>, epochsTrained: number | null): string {
  const trained = epochsTrained ?? (Number(summary.params.epochs_trained) || null);
  if (summary.bestIteration === null) return trained !== null ? `${trained} epochs trained (early stopping off)` : 'every epoch trained';
  return `best epoch ${summary.bestIteration + 1}${trained !== null ? ` of ${trained} trained` : ''} (early stopping); the saved model is that epoch's`;
}

export type ImportanceKind = 'gain' | 'cover' | 'weight';

/** The largest `top` features by one importance measure, largest first. */
export function importanceBars(importance: readonly FeatureImportance[], kind: ImportanceKind, top = 20): Array<{ feature: string; value: number }> {
  return importance
    .map((imp) => ({ feature: imp.feature, value: imp[kind] }))
    .filter((bar) => bar.value > 0)
    .sort((a, b) => b.value - a.value || a.feature.localeCompare(b.feature))
    .slice(0, top);
}

/** One feature's row of a SHAP beeswarm. */
export interface BeeswarmRow {
  feature: string;
  /** Index of the feature in the SHAP summary. */
  index: number;
  meanAbs: number;
  /** SHAP value per sampled row. */
  shap: number[];
  /** Vertical position: the row's lane plus a small spread so dots do not sit on each other. */
  lane: number[];
  /** The feature value scaled to [0, 1] within the feature (colour), null where it is missing. */
  colour: Array<number | null>;
  /** The raw feature value, for hover text. */
  value: number[];
}

/** Deterministic spread in (-0.5, 0.5): the same row always lands in the same place. */
function spread(row: number, feature: number): number {
  const h = Math.sin((row + 1) * 12.9898 + (feature + 1) * 78.233) * 43758.5453;
  return h - Math.floor(h) - 0.5;
}

/**
 * The beeswarm's rows: the `top` features by mean |SHAP|, the most important on top (the highest
 * lane). Each dot is one sampled row; x = its SHAP value, colour = its feature value.
 */
export function beeswarmRows(shap: ShapSummary, top = 15, jitter = 0.35): BeeswarmRow[] {
  const F = shap.features.length;
  const order = shap.features.map((_, f) => f).sort((a, b) => (shap.meanAbs[b] ?? 0) - (shap.meanAbs[a] ?? 0)).slice(0, top);
  return order.map((f, rank) => {
    const laneBase = order.length - 1 - rank;
    const present: number[] = [];
    for (let r = 0; r < shap.rows; r++) {
      const v = shap.featureValues[r * F + f] as number;
      if (Number.isFinite(v)) present.push(v);
    }
    present.sort((a, b) => a - b);
    // Colour between the 5th and 95th percentiles, so one outlier does not paint every other dot "low".
    let lo = quantileOfSorted(present, 0.05);
    let hi = quantileOfSorted(present, 0.95);
    if (!(hi > lo)) {
      lo = present[0] ?? 0;
      hi = present[present.length - 1] ?? 0;
    }
    const row: BeeswarmRow = { feature: shap.features[f] as string, index: f, meanAbs: shap.meanAbs[f] ?? 0, shap: [], lane: [], colour: [], value: [] };
    for (let r = 0; r < shap.rows; r++) {
      const v = shap.featureValues[r * F + f] as number;
      row.shap.push(shap.values[r * F + f] as number);
      row.lane.push(laneBase + spread(r, f) * 2 * jitter);
      row.value.push(v);
      row.colour.push(Number.isFinite(v) ? (hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5) : null);
    }
    return row;
  });
}

/** Linear-interpolated quantile of sorted values (NaN when there are none). */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(sorted.length - 1, below + 1);
  return (sorted[below] as number) + ((sorted[above] as number) - (sorted[below] as number)) * (at - below);
}

/** Feature value against its SHAP value, for the sampled rows where the feature is present. */
export function dependencePoints(shap: ShapSummary, feature: string): { x: number[]; y: number[] } {
  const F = shap.features.length;
  const f = shap.features.indexOf(feature);
  const x: number[] = [];
  const y: number[] = [];
  if (f < 0) return { x, y };
  for (let r = 0; r < shap.rows; r++) {
    const v = shap.featureValues[r * F + f] as number;
    if (!Number.isFinite(v)) continue;
    x.push(v);
    y.push(shap.values[r * F + f] as number);
  }
  return { x, y };
}

export interface WaterfallStep {
  label: string;
  value: number;
  measure: 'absolute' | 'relative' | 'total';
}

/**
 * One row's explanation: the bias, then the largest contributions (by |SHAP|), the rest folded into
 * one step, ending at the margin. bias + every contribution = margin (TreeSHAP's local accuracy).
 */
export function waterfallSteps(shap: ShapSummary, row: number, maxSteps = 12): { steps: WaterfallStep[]; bias: number; margin: number } {
  const F = shap.features.length;
  if (!(row >= 0 && row < shap.rows)) throw new Error(`Row ${row} is not among the ${shap.rows} explained rows.`);
  const bias = shap.bias[row] as number;
  const contributions = shap.features.map((feature, f) => ({ feature, value: shap.values[row * F + f] as number, raw: shap.featureValues[row * F + f] as number }));
  contributions.sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
  const shown = contributions.slice(0, maxSteps).filter((c) => c.value !== 0);
  const rest = contributions.slice(maxSteps).reduce((sum, c) => sum + c.value, 0);
  const steps: WaterfallStep[] = [{ label: 'bias', value: bias, measure: 'absolute' }];
  for (const c of shown) steps.push({ label: `${c.feature} = ${Number.isFinite(c.raw) ? formatShort(c.raw) : 'missing'}`, value: c.value, measure: 'relative' });
  const others = contributions.length - Math.min(contributions.length, maxSteps);
  if (others > 0 && rest !== 0) steps.push({ label: `${others} other features`, value: rest, measure: 'relative' });
  const margin = shap.margins[row] as number;
  steps.push({ label: 'margin', value: margin, measure: 'total' });
  return { steps, bias, margin };
}

function formatShort(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Number(value.toPrecision(4)).toString();
}

/** The summary the engine returned (or the one saved in a workspace), if it looks like one. */
export function asModelSummary(value: unknown): ModelSummary | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<ModelSummary>;
  if (typeof v.modelId !== 'string' || typeof v.name !== 'string' || typeof v.objective !== 'string' || !Array.isArray(v.features)) return null;
  if (typeof v.label !== 'object' || v.label === null) return null;
  return value as ModelSummary;
}

/** A table name from a model name: letters, digits and underscores. */
export function scoreTableName(modelName: string): string {
  const base = modelName.trim().replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'model';
  return `${/^[0-9]/.test(base) ? `m_${base}` : base}_scores`;
}

// ------------------------------------------------------------------ comparing two models

/** A model trained in this session, with what decides its validation rows. */
export interface TrainedRun {
  outcome: TrainOutcome;
  /** Source, target, positive value and split: equal keys mean the same validation rows (the split is seeded). */
  rowsKey: string;
}

/** The key of the validation rows a training will use. */
export function validationRowsKey(params: TrainParams): string {
  const split = params.split;
  return JSON.stringify([params.source, params.target, params.positive ?? null, split?.kind ?? 'stratified', split?.validFraction ?? 0.2, split?.timeColumn ?? null, split?.keyColumn ?? null, split?.seed ?? null]);
}

/** The other binary models validated on the same rows as `modelId` (the most recent last). */
export function comparableRuns(runs: readonly TrainedRun[], modelId: string): TrainedRun[] {
  const self = runs.find((r) => r.outcome.model.modelId === modelId);
  if (!self || !self.outcome.evaluation.valid?.binary) return [];
  return runs.filter((r) => r !== self && r.rowsKey === self.rowsKey && r.outcome.evaluation.valid?.binary?.rows === self.outcome.evaluation.valid?.binary?.rows);
}

export interface ComparisonRow {
  metric: string;
  a: string;
  b: string;
  difference: string;
  /** Which model is better on this metric ('' = equal or no direction). */
  better: 'a' | 'b' | '';
}

/** Side-by-side metrics of two binary evaluations on the same rows. */
export function comparisonRows(a: BinaryEvaluation, b: BinaryEvaluation): ComparisonRow[] {
  const rows: Array<[string, number, number, 'higher' | 'lower']> = [
    ['AUC', a.auc, b.auc, 'higher'],
    ['logloss', a.logloss, b.logloss, 'lower'],
    ['accuracy', a.accuracy, b.accuracy, 'higher'],
    ['precision', a.precision, b.precision, 'higher'],
    ['recall', a.recall, b.recall, 'higher'],
    ['F1', a.f1, b.f1, 'higher'],
  ];
  return rows.map(([metric, x, y, direction]) => {
    const diff = y - x;
    const better: ComparisonRow['better'] = diff === 0 || !Number.isFinite(diff) ? '' : (diff > 0) === (direction === 'higher') ? 'b' : 'a';
    return { metric, a: x.toFixed(4), b: y.toFixed(4), difference: `${diff >= 0 ? '+' : ''}${diff.toFixed(4)}`, better };
  });
}

/** A cross-validation's metrics as rows: "auc 0.812 ± 0.014 (0.801, 0.830, 0.805)". */
export function crossValidationRows(cv: NonNullable<TrainOutcome['crossValidation']>): Array<{ metric: string; mean: string; sd: string; folds: string }> {
  return Object.entries(cv.metrics).map(([metric, m]) => ({ metric, mean: m.mean.toFixed(4), sd: m.sd.toFixed(4), folds: m.values.map((v) => v.toFixed(4)).join(', ') }));
}
