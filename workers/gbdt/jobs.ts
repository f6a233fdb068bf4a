import { Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import type { DataSourceRef, TableInfo } from '../data/types';
import type {
  EvaluateParams,
  LabelInfo,
  ModelEvaluation,
  ModelFeature,
  ModelSummary,
  PredictParams,
  ShapParams,
  ShapSummary,
  TrainOutcome,
  TrainParams,
  ModelJobs,
} from './types';
import type { EngineHostOptions, HelperThreads } from '../compute/host-options';
import type { DataEngine } from '../data/engine';
import { describeRelation, plainRows as rows, resolveRelation } from '../data/relation';
import { describeLabelValues, findLabelValue, guessPositiveValue, otherLabelValue, type LabelValue } from '../data/label-values';
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { jobRegistrar, type JobContext, type JobHost } from '../protocol/host';
import { tableColumnsToFloat32, vectorToFloat32 } from '../data/arrow-values';
import {
  MAX_ONEHOT_LEVELS,
  featureSelectList,
  readEncodingAttribute,
  safeFeatureName,
  sourceKind,
  type FeatureEncoding,
  type FeatureSpec,
} from './encoding';
import { evaluateBinary, evaluateMulticlass, evaluateRegression } from './evaluation';
import { auc } from './metrics';
import { outputGroups, type BoostedModel } from './model';
import { featureImportance, predict, predictMargins, type FeatureImportance } from './predict';
import { predictMarginsParallel } from './predict-parallel';
import { createWebGpuPredictor, type WebGpuPredictor } from './webgpu-predict';

import { transformMargins } from './objectives';
import { overfittingWarning } from './model-end';
import { defaultEarlyStoppingRounds, resolveParams, type GbdtParams, type Objective } from './params';
import { createRng } from './rng';
import { splitRowIndices, splitValueExpression, withoutSplitColumns } from './row-split';
import { crossValidate } from './cross-validate';
import { withoutSiblingLabels } from './sibling-labels';
import { treeShap } from './shap';
import { pickHistogramKernel } from './backend-select';
import { createParallelHistogramKernel } from './parallel-histogram';
import { trainGbdt, type FeatureData } from './train';
import { fromXgboostJson, readAttributes, toXgboostJson } from './xgboost-json';
import { readLabelAttribute } from './model-attributes';
import { checkScoringColumns, gbdtNeededColumns, scoredSource } from './scoring-columns';
import { CtrService } from '../ctr/service';
import { looksLikeCtrModel } from '../ctr/model-file';
import { exportCtrModel } from '../ctr/export-formats';
import type { CtrExportParams, CtrExportResult } from '../ctr/export-types';

interface StoredModel {
  summary: ModelSummary;
  model: BoostedModel;
  encoding: FeatureEncoding;
  valid: FeatureData | null;
}



function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Models: train, evaluate, explain, score, import and export, on top of the data engine. */
export class ModelService {
  private readonly models = new Map<string, StoredModel>();
  private counter = 0;

  /**
   * `gpu` is the host's navigator.gpu, when it has one (browser workers). `helperThreads` lets
   * training (histograms) and scoring use threads the host spawns; results do not depend on them.
   */
  constructor(
    private readonly data: DataEngine,
    private readonly gpu?: unknown,
    private readonly helperThreads?: HelperThreads,
  ) {}

  /** Threads for a job: the nthread parameter, else every thread the host offers. */
  private threadCount(requested: number): number {
    const available = this.helperThreads?.count ?? 1;
    return requested > 0 ? Math.min(requested, Math.max(available, 1)) : available;
  }

  private relation(source: DataSourceRef): Promise<string> {
    return resolveRelation(this.data, source, 'to train on');
  }

  private describe(relation: string): Promise<Array<{ name: string; type: string }>> {
    return describeRelation(this.data, relation);
  }

  private stored(modelId: string): StoredModel {
    const m = this.models.get(modelId);
    if (!m) throw new EngineError('NOT_FOUND', 'That model is not loaded; train or import it again.');
    return m;
  }

  /** Drops a model from memory (cross-validation's fold models). */
  forget(modelId: string): void {
    if (!this.models.delete(modelId)) this.ctr().forget(modelId);
  }

  list(): ModelSummary[] {
    return [...[...this.models.values()].map((m) => m.summary), ...(this.ctrModels?.list() ?? [])].sort((a, b) => Number(a.modelId.slice(6)) - Number(b.modelId.slice(6)));
  }

  private ctrModels: CtrService | undefined;

  /**
   * The device predictor for 'webgpu' scoring: made on the first such job and kept, so later jobs
   * reuse its device, pipeline and uploaded forest. A failed start is not kept (the next job asks
   * again); nor is a predictor whose device failed (it is disposed, and the next job gets a new one).
   */
  private devicePredictor: Promise<WebGpuPredictor> | null = null;

  private webGpuPredictor(): Promise<WebGpuPredictor> {
    if (!this.devicePredictor) {
      const pending = createWebGpuPredictor(this.gpu);
      pending.catch(() => {
        if (this.devicePredictor === pending) this.devicePredictor = null;
      });
      this.devicePredictor = pending;
    }
    return this.devicePredictor;
  }

  /** Lets the kept device predictor go (the engine is closing). */
  dispose(): void {
    const pending = this.devicePredictor;
    this.devicePredictor = null;
    void pending?.then((predictor) => predictor.dispose(), () => undefined);
  }

  /** Margins of `model` on the device; after an internal failure (a lost device) the predictor is dropped. */
  private async deviceMargins(predictor: WebGpuPredictor, model: BoostedModel, columns: Float32Array[], n: number, signal: AbortSignal): Promise<Float64Array> {
    try {
      return await predictor.predictMargins(model, columns, n, { signal });
    } catch (error) {
      // Jobs run one at a time on the engine host, so no other job is using the predictor now.
      if (error instanceof EngineError && error.code === 'INTERNAL') {
        this.devicePredictor = null;
        predictor.dispose();
      }
      throw error;
    }
  }

  /** The CTR family (lr, fm, deepfm): jobs on those models go there, sharing ids, label rules and split. */
  private ctr(): CtrService {
    this.ctrModels ??= new CtrService(this.data, {
      nextId: () => ({ modelId: `model_${++this.counter}`, number: this.counter }),
      binaryLabel: (relation, target, type, positive, signal) => this.labelInfo(relation, target, type, 'binary:logistic', positive, signal),
      // evaluationLabel reads only the label and the objective of a binary model.
      evaluationLabel: (known, relation, target, type, positive, signal) =>
        this.evaluationLabel({ summary: { label: known }, model: { objective: 'binary:logistic', numClass: 0 } } as unknown as StoredModel, relation, target, type, positive, signal),
      splitRows: (n, labels, params, timeValues) => this.splitRows(n, labels, params, timeValues),
    });
    return this.ctrModels;
  }

  private isCtr(modelId: string): boolean {
    return this.ctrModels?.has(modelId) ?? false;
  }

  // ------------------------------------------------------------ training data

  private async buildEncoding(relation: string, columns: Array<{ name: string; type: string }>, target: string, requested: string[] | undefined, warnings: string[], signal: AbortSignal, split?: TrainParams['split']): Promise<FeatureEncoding> {
    const byName = new Map(columns.map((c) => [c.name, c]));
    let chosen: Array<{ name: string; type: string }>;
    if (requested && requested.length > 0) {
      chosen = requested.map((name) => {
        const c = byName.get(name);
        if (!c) throw new EngineError('BAD_INPUT', `Feature "${name}" is not a column of the data.`);
        if (name === target) throw new EngineError('BAD_INPUT', `The target "${target}" cannot also be a feature.`);
        if (sourceKind(c.type) === 'unsupported') throw new EngineError('BAD_INPUT', `Feature "${name}" has type ${c.type}, which cannot be used as a model feature.`);
        return c;
      });
    } else {
      chosen = withoutSplitColumns(split, withoutSiblingLabels(target, columns.filter((c) => c.name !== target && sourceKind(c.type) !== 'unsupported'), warnings), warnings);
    }
    const features: FeatureSpec[] = [];
    const countRow = rows(await this.data.driver.query(`SELECT count(*) AS n FROM ${relation}`, signal))[0];
    const total = Number(countRow?.n ?? 0);
    for (const c of chosen) {
      throwIfAborted(signal);
      const kind = sourceKind(c.type);
      if (kind === 'text') {
        const stats = rows(await this.data.driver.query(`SELECT approx_count_distinct(${quoteIdent(c.name)}) AS d FROM ${relation}`, signal))[0];
        const distinct = Number(stats?.d ?? 0);
        if (!requested && distinct > 1000 && distinct > total * 0.5) {
          warnings.push(`"${c.name}" was left out: with ~${distinct.toLocaleString('en-US')} distinct values it looks like an identifier.`);
          continue;
        }
        const levels = rows(
          await this.data.driver.query(
            `SELECT CAST(${quoteIdent(c.name)} AS VARCHAR) AS v, count(*) AS n FROM ${relation} WHERE ${quoteIdent(c.name)} IS NOT NULL GROUP BY 1 ORDER BY n DESC, v LIMIT ${MAX_ONEHOT_LEVELS}`,
            signal,
          ),
        ).map((r) => String(r.v));
        // A text column with no values has no levels: said as for any other empty column, not dropped unseen.
        if (levels.length === 0) {
          if (requested) throw new EngineError('BAD_INPUT', `Feature "${c.name}" has no values (every row is missing).`);
          warnings.push(`"${c.name}" was left out: every row is missing.`);
          continue;
        }
        if (distinct > MAX_ONEHOT_LEVELS) warnings.push(`"${c.name}" has ~${distinct.toLocaleString('en-US')} values; it is one-hot encoded over its ${MAX_ONEHOT_LEVELS} most frequent ones.`);
        for (const level of levels) features.push({ name: safeFeatureName(`${c.name}=${level}`), column: c.name, kind: 'onehot', level });
      } else if (kind === 'date' || kind === 'timestamp') {
        features.push({ name: safeFeatureName(c.name), column: c.name, kind });
      } else {
        if (!requested && (await looksLikeIntegerKey(this.data, relation, c, total, signal))) {
          warnings.push(`"${c.name}" was left out: its whole-number values are unique to (almost) every row, so it looks like an identifier (a key, not a measure). Name it among the features to use it anyway.`);
          continue;
        }
        features.push({ name: safeFeatureName(c.name), column: c.name, kind: 'numeric' });
      }
    }
    if (features.length === 0) throw new EngineError('BAD_INPUT', 'There are no usable feature columns (numbers, booleans, dates or text).');
    return { version: 1, features, columns: chosen };
  }

  private async labelInfo(relation: string, target: string, type: string, objective: Objective | undefined, positive: string | undefined, signal: AbortSignal): Promise<{ info: LabelInfo; objective: Objective; expression: string }> {
    const col = quoteIdent(target);
    const stats = rows(await this.data.driver.query(`SELECT count(*) AS n, count(${col}) AS nn, count(DISTINCT ${col}) AS d FROM ${relation}`, signal))[0] ?? {};
    const total = Number(stats.n);
    const missing = total - Number(stats.nn);
    const distinct = Number(stats.d);
    if (total === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to train on.');
    if (missing > 0) throw missingTargetError(missing, target);
    const kind = sourceKind(type);
    const values = rows(await this.data.driver.query(`SELECT DISTINCT CAST(${col} AS VARCHAR) AS v FROM ${relation} ORDER BY 1 LIMIT 101`, signal)).map((r) => String(r.v));
    if (positive !== undefined && objective !== undefined && objective !== 'binary:logistic') {
      throw new EngineError('BAD_INPUT', `A positive value names a class of a binary model; ${objective} has none. Leave the positive value out, or train binary:logistic.`);
    }
    // A named positive class asks for a binary model: never silently train a multi-class one instead.
    const chosen: Objective = objective ?? (distinct <= 2 || positive !== undefined ? 'binary:logistic' : kind === 'numeric' ? 'reg:squarederror' : 'multi:softprob');
    if (chosen === 'reg:squarederror') {
      if (kind !== 'numeric' && kind !== 'boolean') throw new EngineError('BAD_INPUT', `reg:squarederror needs a numeric target; "${target}" is ${type}.`);
      return { info: { kind: 'regression' }, objective: chosen, expression: `CAST(${col} AS DOUBLE)` };
    }
    if (chosen === 'multi:softprob') {
      if (distinct < 2) throw new EngineError('BAD_INPUT', `The target "${target}" has a single value (${values[0] ?? ''}); a classifier needs at least two classes.`);
      if (distinct > 100) throw new EngineError('BAD_INPUT', `The target "${target}" has more than 100 values; multi:softprob supports up to 100 classes.`);
      const cases = values.map((v, i) => `WHEN CAST(${col} AS VARCHAR) = ${quoteLiteral(v)} THEN ${i}`).join(' ');
      return { info: { kind: 'multiclass', classes: values }, objective: chosen, expression: `CAST(CASE ${cases} END AS DOUBLE)` };
    }
    // binary:logistic
    const booleanColumn = kind === 'boolean';
    if (distinct < 2) throw new EngineError('BAD_INPUT', `The target "${target}" has a single class (every row is ${values[0] ?? 'the same'}); a binary model needs both classes.`);
    const listed = `${values.slice(0, 5).join(', ')}${distinct > 5 ? ', ...' : ''}`;
    if (distinct > 2 && positive !== undefined) {
      // Refused rather than trained one-vs-rest: the model's classes would not be the label's values.
      throw new EngineError(
        'BAD_INPUT',
        `The positive value "${positive}" names one class of a binary model, but "${target}" has ${distinct > 100 ? 'more than 100' : distinct} values (${listed}). Leave the positive value out to train a multi-class model, or train on a query with a two-valued label, e.g. SELECT *, CAST(${col} AS VARCHAR) = ${quoteLiteral(positive)} AS ${quoteIdent(`${target}_is_${positive}`)} FROM ...`,
      );
    }
    if (distinct > 2) {
      throw new EngineError('BAD_INPUT', `binary:logistic needs a target with two values, but "${target}" has ${distinct > 100 ? 'more than 100' : distinct} (${listed}). Use multi:softprob, or build a 0/1 column.`);
    }
    let pos: LabelValue | undefined;
    if (positive !== undefined) {
      pos = findLabelValue(String(positive), values, booleanColumn);
      if (!pos) throw new EngineError('BAD_INPUT', `The positive value "${positive}" does not occur in "${target}" (its values are ${describeLabelValues(values, booleanColumn)}).`);
    } else {
      pos = guessPositiveValue(values, booleanColumn);
      if (!pos) throw new EngineError('BAD_INPUT', `Which value of "${target}" is the positive class: "${values[0] ?? ''}" or "${values[1] ?? ''}"? Name it (positive = ...).`);
    }
    const neg = otherLabelValue(pos, values);
    return {
      info: { kind: 'binary', positive: pos.named, ...(neg ? { negative: neg.named } : {}) },
      objective: chosen,
      expression: `CAST(CASE WHEN CAST(${col} AS VARCHAR) = ${quoteLiteral(pos.read)} THEN 1 ELSE 0 END AS DOUBLE)`,
    };
  }

  private splitRows(n: number, labels: Float32Array, params: TrainParams, splitValues: ArrayLike<number> | null): { train: Uint32Array; valid: Uint32Array } {
    return splitRowIndices(n, labels, params.split, splitValues);
  }

  // ------------------------------------------------------------ jobs

  async train(params: TrainParams, ctx: JobContext): Promise<TrainOutcome> {
    if (params.cv !== undefined) return crossValidate(params, ctx, (p, c) => this.train(p, c), (id) => this.forget(id));
    if (params.kind !== undefined && params.kind !== 'gbdt') return this.ctr().train(params, ctx);
    const started = Date.now();
    const warnings: string[] = [];
    if (typeof params.target !== 'string' || !params.target) throw new EngineError('BAD_INPUT', 'Choose a target column.');
    const relation = await this.relation(params.source);
    const columns = await this.describe(relation);
    const targetColumn = columns.find((c) => c.name === params.target);
    if (!targetColumn) throw new EngineError('BAD_INPUT', `The target "${params.target}" is not a column of the data.`);
    const given: Record<string, unknown> = { ...(params.params ?? {}) };
    const objectiveGiven = given.objective as Objective | undefined;
    ctx.progress(0.01, 'checking the target');
    const label = await this.labelInfo(relation, params.target, targetColumn.type, objectiveGiven, params.positive, ctx.signal);
    given.objective = label.objective;
    if (label.objective === 'multi:softprob') given.num_class = label.info.classes?.length ?? 0;
    const gp: GbdtParams = resolveParams(given);
    ctx.progress(0.03, 'choosing features');
    const encoding = await this.buildEncoding(relation, columns, params.target, params.features, warnings, ctx.signal, params.split);
    // Time and entity splits need a value per row (seconds; the entity's hash bucket).
    const splitExpression = splitValueExpression(params.split, columns);
    ctx.progress(0.05, 'reading rows');
    const timeSelect = splitExpression ? `, ${splitExpression} AS "__assay_time"` : '';
    const table = await this.data.driver.query(`SELECT ${featureSelectList(encoding)}, ${label.expression} AS "__assay_label"${timeSelect} FROM ${relation}`, ctx.signal);
    const n = table.numRows;
    if (n === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to train on.');
    const allColumns = tableColumnsToFloat32(table, encoding.features.map((_, i) => `f${i}`));
    const labels = vectorToFloat32(table.getChild('__assay_label'), n);
    // Float64: epoch seconds in float32 would lose two minutes of resolution.
    const splitColumn = splitExpression ? table.getChild('__assay_time') : null;
    const timeValues = splitColumn ? Float64Array.from({ length: n }, (_, i) => Number(splitColumn.get(i) ?? Number.NaN)) : null;

    // Columns that cannot inform a model.
    const requested = params.features && params.features.length > 0;
    const keep: number[] = [];
    encoding.features.forEach((spec, f) => {
      const col = allColumns[f] as Float32Array;
      let first = Number.NaN;
      let constant = true;
      let present = 0;
      for (let i = 0; i < n; i++) {
        const v = col[i] as number;
        if (v !== v) continue;
        if (present === 0) first = v;
        else if (v !== first) constant = false;
        present++;
      }
      if (present === 0) {
        if (requested) throw new EngineError('BAD_INPUT', `Feature "${spec.column}" has no values (every row is missing).`);
        warnings.push(`"${spec.column}" was left out: every row is missing.`);
      } else if (constant && spec.kind !== 'onehot') {
        if (requested) throw new EngineError('BAD_INPUT', `Feature "${spec.column}" is constant (${first} in every row); it cannot help a model.`);
        warnings.push(`"${spec.column}" was left out: it has the same value in every row.`);
      } else keep.push(f);
    });
    if (keep.length === 0) throw new EngineError('BAD_INPUT', 'No feature varies; there is nothing to learn from.');
    encoding.features = keep.map((f) => encoding.features[f] as FeatureSpec);
    const featureColumns = keep.map((f) => allColumns[f] as Float32Array);

    const { train: trainIdx, valid: validIdx } = this.splitRows(n, labels, params, timeValues);
    const take = (idx: Uint32Array): FeatureData => ({
      columns: featureColumns.map((col) => {
        const out = new Float32Array(idx.length);
        for (let k = 0; k < idx.length; k++) out[k] = col[idx[k] as number] as number;
        return out;
      }),
      labels: (() => {
        const out = new Float32Array(idx.length);
        for (let k = 0; k < idx.length; k++) out[k] = labels[idx[k] as number] as number;
        return out;
      })(),
    });
    const trainData = take(trainIdx);
    const validData = validIdx.length > 0 ? take(validIdx) : null;
    if (label.info.kind === 'binary') {
      const pos = trainData.labels.reduce((s, v) => s + v, 0);
      if (pos === 0 || pos === trainData.labels.length) throw new EngineError('BAD_INPUT', 'The training rows hold a single class; use more data or another split.');
    }
    if (gp.early_stopping_rounds > 0 && !validData) throw new EngineError('BAD_INPUT', 'Early stopping needs a validation share above 0.');
    // On by default where there are validation rows (an explicit 0 turns it off).
    if (given.early_stopping_rounds === undefined && validData) gp.early_stopping_rounds = defaultEarlyStoppingRounds(gp.num_boost_round);

    const names = encoding.features.map((f) => f.name);
    const rounds = gp.num_boost_round;
    ctx.progress(0.08, 'choosing a backend');
    const threads = this.threadCount(gp.nthread);
    const helpers = this.helperThreads;
    // WebGPU builds the histograms; the row-wise steps run on the helper threads when there are some.
    const rowThreads = helpers && threads > 1 ? { rowThreads: () => createParallelHistogramKernel(threads, helpers.spawn) } : {};
    const backend = await pickHistogramKernel(params.backend ?? 'auto', this.gpu, rowThreads, helpers && threads > 1
      ? () => ({ kernel: createParallelHistogramKernel(threads, helpers.spawn), threads })
      : undefined);
    let result: Awaited<ReturnType<typeof trainGbdt>>;
    try {
      result = await trainGbdt(trainData, {
        kernel: backend.kernel,
        params: gp,
        featureNames: names,
        ...(validData ? { valid: validData } : {}),
        signal: ctx.signal,
        // Train-set metrics every round only when they are cheap next to a round.
        evaluateTrain: !validData || trainData.labels.length <= 200_000,
        onRound: async (report) => {
          const metric = gp.eval_metric[gp.eval_metric.length - 1] ?? 'logloss';
          const v = report.valid?.[metric] ?? report.train[metric];
          ctx.progress(0.1 + (0.85 * report.round) / rounds, `round ${report.round} of ${rounds}: ${report.valid ? 'valid' : 'train'} ${metric} ${v?.toFixed(5) ?? ''}`);
          await yieldToEventLoop();
        },
      });
    } finally {
      backend.kernel.dispose?.();
    }
    ctx.progress(0.96, 'evaluating');
    const model = result.model;
    const evaluation = {
      train: this.evaluate(model, trainData, label.info, 0.5),
      valid: validData ? this.evaluate(model, validData, label.info, 0.5) : null,
    };
    const importance = featureImportance(model);
    const overfit = overfittingWarning(evaluation.train, evaluation.valid, model.bestIteration, result.history.length);
    if (overfit) warnings.push(overfit);
    warnings.push(...this.leakWarnings(importance, encoding, trainData, label.info));
    if (validData && label.info.kind === 'binary') {
      ctx.progress(0.97, 'checking for leaks');
      const ablation = await this.ablationWarning(importance, encoding, trainData, validData, gp, result.history, ctx.signal, (round, rounds) =>
        ctx.progress(0.97 + (0.02 * round) / rounds, `checking for leaks: retraining without the strongest column, round ${round} of ${rounds}`),
      );
      if (ablation && !warnings.some((w) => w.includes(`"${ablation.column}"`))) warnings.push(ablation.message);
    }

    const modelId = `model_${++this.counter}`;
    const summary: ModelSummary = {
      modelId,
      kind: 'gbdt',
      name: params.name?.trim() || `${params.target} model ${this.counter}`,
      objective: model.objective,
      target: params.target,
      label: label.info,
      features: encoding.features.map(toModelFeature),
      trees: model.trees.length,
      bestIteration: model.bestIteration,
      params: { ...gp },
      trainedAt: new Date().toISOString(),
      rows: { train: trainData.labels.length, valid: validData?.labels.length ?? 0 },
      backend: { name: backend.backend, reason: result.backendDetail ? `${backend.reason}; ${result.backendDetail}` : backend.reason },
    };
    this.models.set(modelId, { summary, model, encoding, valid: validData ?? trainData });
    ctx.progress(1, 'done');
    return { model: summary, history: result.history, evaluation, importance, warnings, elapsedMs: Date.now() - started };
  }

  private evaluate(model: BoostedModel, data: FeatureData, label: LabelInfo, threshold: number): ModelEvaluation {
    const preds = predict(model, data.columns, data.labels.length);
    if (label.kind === 'binary') return { binary: evaluateBinary(preds, data.labels, threshold) };
    if (label.kind === 'regression') return { regression: evaluateRegression(preds, data.labels) };
    return { multiclass: evaluateMulticlass(preds, data.labels, outputGroups(model)) };
  }

  /** "Possible leak" warnings: one column carrying most of the gain, or separating the classes alone. */
  private leakWarnings(importance: FeatureImportance[], encoding: FeatureEncoding, data: FeatureData, label: LabelInfo): string[] {
    const out: string[] = [];
    const { byColumn, total } = gainByColumn(importance, encoding);
    if (total > 0 && byColumn.size > 1) {
      const ranked = [...byColumn.entries()].sort((a, b) => b[1] - a[1]);
      const [column, gain] = ranked[0] as [string, number];
      const runnerUp = (ranked[1]?.[1] ?? 0) / total;
      const share = gain / total;
      // "Most of the gain": over half of it, or a dominant share (>= 30%) at least twice the next column's.
      if (share > 0.5 || (share >= 0.3 && share >= 2 * runnerUp)) out.push(`possible leak: "${column}" alone carries ${(share * 100).toFixed(0)}% of the model's gain. Check that it is known at the time of prediction.`);
    }
    if (label.kind === 'binary') {
      encoding.features.forEach((spec, f) => {
        if (spec.kind === 'onehot') return;
        const col = data.columns[f] as Float32Array;
        const scores: number[] = [];
        const ys: number[] = [];
        for (let i = 0; i < col.length; i++) {
          const v = col[i] as number;
          if (v === v) {
            scores.push(v);
            ys.push(data.labels[i] as number);
          }
        }
        const a = auc(scores, ys);
        const separation = Math.max(a, 1 - a);
        if (separation >= 0.97 && !out.some((w) => w.includes(`"${spec.column}"`))) {
          out.push(`possible leak: "${spec.column}" alone separates the classes (AUC ${separation.toFixed(3)}). Check that it is known at the time of prediction.`);
        }
      });
    }
    return out;
  }

  /**
   * Retrains without the column carrying the most gain (same parameters, at most 50 rounds) and
   * compares validation AUC at the same round: a model that collapses without one column leans
   * on it so much that it deserves a look (bank marketing's `duration` is the classic case).
   */
  private async ablationWarning(
    importance: FeatureImportance[],
    encoding: FeatureEncoding,
    train: FeatureData,
    valid: FeatureData,
    gp: GbdtParams,
    history: Array<{ valid?: { auc?: number } }>,
    signal: AbortSignal,
    onRound: (round: number, rounds: number) => void = () => undefined,
  ): Promise<{ column: string; message: string } | null> {
    const { byColumn, total } = gainByColumn(importance, encoding);
    if (total <= 0 || byColumn.size < 2) return null;
    const [column, gain] = [...byColumn.entries()].sort((a, b) => b[1] - a[1])[0] as [string, number];
    if (gain / total < 0.2) return null;
    const keep = encoding.features.map((f, i) => (f.column === column ? -1 : i)).filter((i) => i >= 0);
    if (keep.length === 0) return null;
    const rounds = Math.min(gp.num_boost_round, 50, history.length);
    const withAll = history[rounds - 1]?.valid?.auc;
    if (withAll === undefined || !Number.isFinite(withAll)) return null;
    const pick = (d: FeatureData): FeatureData => ({ columns: keep.map((i) => d.columns[i] as Float32Array), labels: d.labels });
    const reduced = await trainGbdt(pick(train), {
      params: { ...gp, num_boost_round: rounds, early_stopping_rounds: 0, eval_metric: ['auc'] },
      featureNames: keep.map((i) => encoding.features[i]?.name ?? `f${i}`),
      valid: pick(valid),
      signal,
      onRound: (report) => {
        onRound(report.round, rounds);
        return yieldToEventLoop();
      },
    });
    const without = reduced.history[reduced.history.length - 1]?.valid?.auc;
    if (without === undefined || !(withAll - without >= 0.05)) return null;
    return {
      column,
      message: `possible leak: "${column}" carries ${((gain / total) * 100).toFixed(0)}% of the model's gain, and without it validation AUC falls from ${withAll.toFixed(3)} to ${without.toFixed(3)}. Check that it is known at the time of prediction.`,
    };
  }

  evaluateAt(modelId: string, threshold: number): ModelEvaluation {
    const m = this.stored(modelId);
    if (!(threshold >= 0 && threshold <= 1)) throw new EngineError('BAD_INPUT', 'The threshold must be between 0 and 1.');
    if (!m.valid) throw new EngineError('BAD_INPUT', 'This model has no rows to evaluate on yet. An imported model is evaluated on a table: choose one that holds its features and the true target.');
    return this.evaluate(m.model, m.valid, m.summary.label, threshold);
  }

  /** The job form of evaluation: on the model's validation rows, or on `source` when given. */
  async evaluateJob(params: EvaluateParams, ctx: JobContext): Promise<ModelEvaluation> {
    if (this.isCtr(params.modelId)) return this.ctr().evaluateJob(params, ctx);
    if (params.source !== undefined) return this.evaluateOn(params, ctx);
    return this.evaluateAt(params.modelId, Number(params.threshold));
  }

  /**
   * Evaluates a model (typically an imported one, which has no validation rows) on a table or
   * query holding its features and the true target. The rows become the model's evaluation rows,
   * so threshold changes and SHAP work on them afterwards.
   */
  async evaluateOn(params: EvaluateParams, ctx: JobContext): Promise<ModelEvaluation> {
    const m = this.stored(params.modelId);
    const threshold = Number(params.threshold);
    if (!(threshold >= 0 && threshold <= 1)) throw new EngineError('BAD_INPUT', 'The threshold must be between 0 and 1.');
    const relation = await this.relation(params.source as DataSourceRef);
    const target = (typeof params.target === 'string' ? params.target.trim() : '') || m.summary.target;
    if (!target) throw new EngineError('BAD_INPUT', 'Name the target column that holds the true values to evaluate against.');
    const columns = await this.describe(relation);
    const targetColumn = columns.find((c) => c.name === target);
    if (!targetColumn) throw new EngineError('BAD_INPUT', `The target "${target}" is not a column of the data.`);
    await checkScoringColumns(this.data.driver, relation, columns, gbdtNeededColumns(m.encoding), scoredSource(params.source), ctx.signal);
    ctx.progress(0.05, 'checking the target');
    const { info, expression } = await this.evaluationLabel(m, relation, target, targetColumn.type, params.positive, ctx.signal);
    ctx.progress(0.2, 'reading rows');
    const table = await this.data.driver.query(`SELECT ${featureSelectList(m.encoding)}, ${expression} AS "__assay_label" FROM ${relation}`, ctx.signal);
    const n = table.numRows;
    if (n === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to evaluate on.');
    const data: FeatureData = { columns: tableColumnsToFloat32(table, m.encoding.features.map((_, i) => `f${i}`)), labels: vectorToFloat32(table.getChild('__assay_label'), n) };
    throwIfAborted(ctx.signal);
    ctx.progress(0.6, `scoring ${n.toLocaleString('en-US')} rows`);
    const evaluation = this.evaluate(m.model, data, info, threshold);
    m.valid = data;
    m.summary = { ...m.summary, target, label: info, rows: { ...m.summary.rows, valid: n } };
    ctx.progress(1, 'done');
    return evaluation;
  }

  /** How the target's values map to the model's outputs, checked against the values present. */
  private async evaluationLabel(m: StoredModel, relation: string, target: string, type: string, positive: string | undefined, signal: AbortSignal): Promise<{ info: LabelInfo; expression: string }> {
    const col = quoteIdent(target);
    const known = m.summary.label;
    const stats = rows(await this.data.driver.query(`SELECT count(*) AS n, count(${col}) AS nn FROM ${relation}`, signal))[0] ?? {};
    const missing = Number(stats.n) - Number(stats.nn);
    if (missing > 0) throw missingTargetError(missing, target);
    const values = rows(await this.data.driver.query(`SELECT DISTINCT CAST(${col} AS VARCHAR) AS v FROM ${relation} ORDER BY 1 LIMIT 101`, signal)).map((r) => String(r.v));
    const unknown = (allowed: string[]): string | undefined => values.find((v) => !allowed.includes(v));
    if (m.model.objective === 'reg:squarederror') {
      if (sourceKind(type) !== 'numeric' && sourceKind(type) !== 'boolean') throw new EngineError('BAD_INPUT', `A regression model needs a numeric target; "${target}" is ${type}.`);
      return { info: { kind: 'regression' }, expression: `CAST(${col} AS DOUBLE)` };
    }
    if (m.model.objective === 'multi:softprob') {
      const groups = outputGroups(m.model);
      if (known.classes && known.classes.length === groups) {
        const bad = unknown(known.classes);
        if (bad !== undefined) throw new EngineError('BAD_INPUT', `"${target}" has the value "${bad}", which is not one of the model's classes (${known.classes.slice(0, 5).join(', ')}${groups > 5 ? ', ...' : ''}).`);
        const cases = known.classes.map((v, i) => `WHEN CAST(${col} AS VARCHAR) = ${quoteLiteral(v)} THEN ${i}`).join(' ');
        return { info: known, expression: `CAST(CASE ${cases} END AS DOUBLE)` };
      }
      // Class names unknown (a plain XGBoost model): the target holds class indices 0..K-1.
      const classes = Array.from({ length: groups }, (_, k) => String(k));
      const bad = values.find((v) => !classes.includes(String(Number(v))));
      if (bad !== undefined) throw new EngineError('BAD_INPUT', `The model does not name its classes, so "${target}" must hold class numbers 0 to ${groups - 1}; it has "${bad}".`);
      return { info: { kind: 'multiclass', classes }, expression: `CAST(${col} AS DOUBLE)` };
    }
    // binary:logistic: the positive value may be named as the file writes it (yes for a column read as true/false).
    const booleanColumn = sourceKind(type) === 'boolean';
    if (values.length > 2) throw new EngineError('BAD_INPUT', `A binary model needs a target with two values, but "${target}" has ${values.length > 100 ? 'more than 100' : values.length} (${values.slice(0, 5).join(', ')}${values.length > 5 ? ', ...' : ''}).`);
    const named = positive ?? known.positive;
    let pos = named !== undefined ? findLabelValue(String(named), values, booleanColumn) : guessPositiveValue(values, booleanColumn);
    if (!pos) {
      if (named === undefined) throw new EngineError('BAD_INPUT', `Which value of "${target}" is the positive class${values.length === 2 ? `: "${values[0]}" or "${values[1]}"` : ''}? Name it (positive = ...).`);
      if (values.length === 2) throw new EngineError('BAD_INPUT', `The positive value "${named}" does not occur in "${target}" (its values are ${describeLabelValues(values, booleanColumn)}).`);
      // No row is positive (a small evaluation table may hold one class): the named value stands.
      pos = { read: String(named), named: String(named) };
    }
    const other = otherLabelValue(pos, values);
    // With the model's own classes, the other value must be its negative class.
    const modelNegative = named === known.positive ? known.negative : undefined;
    if (modelNegative !== undefined && other && !findLabelValue(modelNegative, [other.read], booleanColumn)) {
      throw new EngineError('BAD_INPUT', `"${target}" has the value "${other.read}", but the model's classes are "${pos.named}" and "${modelNegative}".`);
    }
    const negative = modelNegative ?? other?.named;
    return {
      info: { kind: 'binary', positive: pos.named, ...(negative !== undefined ? { negative } : {}) },
      expression: `CAST(CASE WHEN CAST(${col} AS VARCHAR) = ${quoteLiteral(pos.read)} THEN 1 ELSE 0 END AS DOUBLE)`,
    };
  }

  /** The job form of shap. */
  shapJob(params: ShapParams): ShapSummary {
    if (this.isCtr(params.modelId)) throw new EngineError('BAD_INPUT', 'SHAP values are computed for tree models; an lr, fm or deepfm model reports field importance and interactions instead.');
    return this.shap(params.modelId, params.sampleRows, params.rowIndex, params.classIndex);
  }

  /**
   * SHAP values for a fixed-seed random sample of the validation rows (files are often sorted, so
   * the first rows would not represent the data), or for one row when `rowIndex` is given. For
   * multi-class models `classIndex` picks the class explained: by default the row's predicted
   * class for one row, class 0 for a sample.
   */
  shap(modelId: string, sampleRows = 300, rowIndex?: number, classIndex?: number): ShapSummary {
    const m = this.stored(modelId);
    const data = m.valid;
    if (!data) throw new EngineError('BAD_INPUT', 'This model has no rows to explain yet. An imported model needs evaluating on a table (with its target) first.');
    const total = data.labels.length;
    let picked: number[];
    if (rowIndex !== undefined) {
      if (!Number.isInteger(rowIndex) || rowIndex < 0 || rowIndex >= total) throw new EngineError('BAD_INPUT', `Row ${rowIndex} is out of range (0..${total - 1}).`);
      picked = [rowIndex];
    } else {
      const want = Math.min(Math.max(1, Math.floor(sampleRows)), total, 2000);
      const rng = createRng(1234);
      const order = Array.from({ length: total }, (_, i) => i);
      for (let i = 0; i < want; i++) {
        const j = i + Math.floor(rng() * (total - i));
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      picked = order.slice(0, want).sort((a, b) => a - b);
    }
    const n = picked.length;
    const columns = data.columns.map((c) => Float32Array.from(picked, (r) => c[r] as number));
    const groups = outputGroups(m.model);
    const margins = predictMargins(m.model, columns, n);
    let g = 0;
    if (classIndex !== undefined) {
      if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= groups) throw new EngineError('BAD_INPUT', groups === 1 ? 'This model has one output; the class index must be 0.' : `The class index must be between 0 and ${groups - 1}.`);
      g = classIndex;
    } else if (rowIndex !== undefined) {
      // The predicted class: the largest margin (softmax keeps the order).
      for (let k = 1; k < groups; k++) if ((margins[k] as number) > (margins[g] as number)) g = k;
    }
    const shap = treeShap(m.model, columns, n);
    const F = m.model.numFeature;
    const values = new Float64Array(n * F);
    const bias = new Float64Array(n);
    const featureValues = new Float64Array(n * F);
    const meanAbs = new Array<number>(F).fill(0);
    for (let r = 0; r < n; r++) {
      const offset = (r * groups + g) * (F + 1);
      for (let f = 0; f < F; f++) {
        const v = shap.values[offset + f] as number;
        values[r * F + f] = v;
        meanAbs[f] = (meanAbs[f] as number) + Math.abs(v) / n;
        featureValues[r * F + f] = (columns[f] as Float32Array)[r] as number;
      }
      bias[r] = shap.values[offset + F] as number;
    }
    const rowMargins = new Float64Array(n);
    for (let r = 0; r < n; r++) rowMargins[r] = margins[r * groups + g] as number;
    const classes = groups === 1 ? [m.summary.label.positive ?? (m.summary.target || 'output')] : Array.from({ length: groups }, (_, k) => m.summary.label.classes?.[k] ?? String(k));
    return { features: m.model.featureNames, rowIndices: picked, values, featureValues, bias, margins: rowMargins, rows: n, meanAbs, classIndex: g, classes };
  }

  exportModel(modelId: string): { json: string; fileName: string } {
    if (this.isCtr(modelId)) return this.ctr().exportModel(modelId);
    const m = this.stored(modelId);
    const json = toXgboostJson(m.model, {
      assay_encoding: JSON.stringify(m.encoding),
      assay_label: JSON.stringify(m.summary.label),
      assay_target: m.summary.target,
    });
    return { json, fileName: `${m.summary.name.replace(/[^A-Za-z0-9_-]+/g, '_')}.json` };
  }

  /** SQL or ONNX of an lr/fm/deepfm model. */
  exportCtr(params: CtrExportParams): CtrExportResult {
    if (!this.isCtr(params.modelId)) {
      this.stored(params.modelId); // not loaded at all: NOT_FOUND
      throw new EngineError('BAD_INPUT', 'SQL and ONNX export are for lr, fm and deepfm models; a tree model exports as XGBoost JSON (and goes into rule packs as a model tag).');
    }
    const name = this.ctr().list().find((s) => s.modelId === params.modelId)?.name ?? params.modelId;
    return exportCtrModel(this.ctr().weights(params.modelId), name, params);
  }

  importModel(json: string, name?: string): ModelSummary {
    if (typeof json !== 'string' || json.length === 0) throw new EngineError('BAD_INPUT', 'The model file is empty.');
    if (looksLikeCtrModel(json)) return this.ctr().importModel(json, name);
    const model = fromXgboostJson(json);
    const attrs = readAttributes(json);
    let encoding: FeatureEncoding;
    if (attrs.assay_encoding) encoding = readEncodingAttribute(attrs.assay_encoding);
    else {
      // A plain XGBoost model: features are columns of the same names.
      encoding = { version: 1, features: model.featureNames.map((f) => ({ name: f, column: f, kind: 'numeric' as const })), columns: model.featureNames.map((f) => ({ name: f, type: 'DOUBLE' })) };
    }
    if (encoding.features.length !== model.numFeature) throw new EngineError('BAD_INPUT', `The model has ${model.numFeature} features but its encoding lists ${encoding.features.length}.`);
    const label: LabelInfo = attrs.assay_label
      ? readLabelAttribute(attrs.assay_label, model.objective, outputGroups(model))
      : model.objective === 'binary:logistic'
        ? { kind: 'binary' }
        : model.objective === 'multi:softprob'
          ? { kind: 'multiclass' }
          : { kind: 'regression' };
    const modelId = `model_${++this.counter}`;
    const summary: ModelSummary = {
      modelId,
      kind: 'gbdt',
      name: name?.trim() || `imported model ${this.counter}`,
      objective: model.objective,
      target: attrs.assay_target ?? '',
      label,
      features: encoding.features.map(toModelFeature),
      trees: model.trees.length,
      bestIteration: model.bestIteration,
      params: {},
      trainedAt: new Date().toISOString(),
      rows: { train: 0, valid: 0 },
    };
    this.models.set(modelId, { summary, model, encoding, valid: null });
    return summary;
  }

  async predictInto(params: PredictParams, ctx: JobContext): Promise<TableInfo> {
    const backend = params.backend ?? 'auto';
    if (backend !== 'auto' && backend !== 'webgpu' && backend !== 'cpu') throw new EngineError('BAD_INPUT', `The backend must be auto, webgpu or cpu (got ${String(backend)}).`);
    if (this.isCtr(params.modelId)) {
      // CTR scoring has no device path: say so rather than run on the CPU when the GPU was asked for.
      if (backend === 'webgpu') {
        const kind = this.ctr().list().find((s) => s.modelId === params.modelId)?.kind ?? 'lr, fm and deepfm';
        throw new EngineError('BAD_INPUT', `WebGPU scoring is for boosted-tree (gbdt) models; ${kind} models score on the CPU. Choose the CPU or auto backend.`);
      }
      return this.ctr().predictInto(params, ctx);
    }
    const m = this.stored(params.modelId);
    const relation = await this.relation(params.source);
    const out = typeof params.outputTable === 'string' ? params.outputTable.trim() : '';
    if (!out) throw new EngineError('BAD_INPUT', 'Name the table to write predictions into.');
    await checkScoringColumns(this.data.driver, relation, await this.describe(relation), gbdtNeededColumns(m.encoding), scoredSource(params.source), ctx.signal);
    // Before reading any rows: a missing GPU fails at once, in plain words.
    const device = backend === 'webgpu' ? await this.webGpuPredictor() : null;
    throwIfAborted(ctx.signal);
    const staging = '__assay_score';
    ctx.progress(0.05, 'reading rows');
    await this.data.driver.query(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(staging)} AS SELECT row_number() OVER () - 1 AS "__assay_row", * FROM ${relation}`, ctx.signal);
    try {
      const table = await this.data.driver.query(`SELECT ${featureSelectList(m.encoding)} FROM ${quoteIdent(staging)} ORDER BY "__assay_row"`, ctx.signal);
      const n = table.numRows;
      const cols = tableColumnsToFloat32(table, m.encoding.features.map((_, i) => `f${i}`));
      ctx.progress(0.4, `scoring ${n.toLocaleString('en-US')} rows${device ? ` on WebGPU (${device.adapterDescription})` : ''}`);
      const groups = outputGroups(m.model);
      const helpers = this.helperThreads;
      // The device's margins equal the CPU's bit for bit, and go through the same transform.
      const preds = device
        ? transformMargins(m.model.objective, await this.deviceMargins(device, m.model, cols, n, ctx.signal), groups)
        : helpers && helpers.count > 1
          ? transformMargins(m.model.objective, await predictMarginsParallel(m.model, cols, n, { threads: helpers.count, spawn: helpers.spawn, signal: ctx.signal }), groups)
          : predict(m.model, cols, n, ctx.signal);
      const arrow: Record<string, Vector> = { __assay_row: vectorFromArray(Array.from({ length: n }, (_, i) => i), new Int32()) };
      const selectExtra: string[] = [];
      if (groups === 1) {
        arrow.prediction = vectorFromArray(Array.from(preds), new Float64());
        selectExtra.push('p."prediction"');
      } else {
        const classes = m.summary.label.classes ?? Array.from({ length: groups }, (_, k) => String(k));
        const best = new Int32Array(n);
        for (let k = 0; k < groups; k++) {
          const col = new Float64Array(n);
          for (let r = 0; r < n; r++) {
            col[r] = preds[r * groups + k] as number;
            if (col[r]! > (preds[r * groups + (best[r] as number)] as number)) best[r] = k;
          }
          const name = `prob_${classes[k] ?? k}`;
          arrow[name] = vectorFromArray(Array.from(col), new Float64());
          selectExtra.push(`p.${quoteIdent(name)}`);
        }
        arrow.prediction = vectorFromArray(Array.from(best, (k) => classes[k] ?? String(k)), new Utf8());
        selectExtra.unshift('p."prediction"');
      }
      if (params.withShap) {
        ctx.progress(0.6, 'computing SHAP values');
        const shap = treeShap(m.model, cols, n);
        const F = m.model.numFeature;
        for (let f = 0; f <= F; f++) {
          const col = new Float64Array(n);
          for (let r = 0; r < n; r++) col[r] = shap.values[r * groups * (F + 1) + f] as number;
          const name = f === F ? 'shap_bias' : `shap_${m.model.featureNames[f]}`;
          arrow[name] = vectorFromArray(Array.from(col), new Float64());
          selectExtra.push(`p.${quoteIdent(name)}`);
        }
      }
      throwIfAborted(ctx.signal);
      ctx.progress(0.8, 'writing the table');
      await this.data.driver.query('DROP TABLE IF EXISTS "__assay_preds"');
      await this.data.driver.insertArrowIPC('__assay_preds', tableToIPC(new Table(arrow), 'stream'), true);
      const existing = await this.data.tableNames();
      if (existing.some((t) => t.toLowerCase() === out.toLowerCase())) await this.data.driver.query(`DROP TABLE ${quoteIdent(out)}`);
      await this.data.driver.query(
        `CREATE TABLE ${quoteIdent(out)} AS SELECT s.* EXCLUDE ("__assay_row"), ${selectExtra.join(', ')} FROM ${quoteIdent(staging)} s JOIN "__assay_preds" p USING ("__assay_row") ORDER BY "__assay_row"`,
        ctx.signal,
      );
    } finally {
      await this.data.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`).catch(() => undefined);
      await this.data.driver.query('DROP TABLE IF EXISTS "__assay_preds"').catch(() => undefined);
    }
    ctx.progress(1, 'done');
    return this.data.describe(out);
  }
}

/**
 * A whole-number column whose values are unique to 99% or more of at least 100 rows: a key such as
 * user_id or order_id. Such a column can only memorise rows (or leak their order), so it is left
 * out of a model's features unless named.
 */
async function looksLikeIntegerKey(data: DataEngine, relation: string, column: { name: string; type: string }, rowCount: number, signal: AbortSignal): Promise<boolean> {
  if (rowCount < 100 || !/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i.test(column.type)) return false;
  const col = quoteIdent(column.name);
  const stats = rows(await data.driver.query(`SELECT count(${col}) AS present, approx_count_distinct(${col}) AS distinct_values FROM ${relation}`, signal))[0];
  const present = Number(stats?.present ?? 0);
  return present >= 100 && Number(stats?.distinct_values ?? 0) >= 0.99 * present;
}

/** Total split gain per source column (one-hot levels add up to their column). */
function gainByColumn(importance: FeatureImportance[], encoding: FeatureEncoding): { byColumn: Map<string, number>; total: number } {
  const byColumn = new Map<string, number>();
  let total = 0;
  importance.forEach((imp, i) => {
    const column = encoding.features[i]?.column ?? imp.feature;
    byColumn.set(column, (byColumn.get(column) ?? 0) + imp.gain);
    total += imp.gain;
  });
  return { byColumn, total };
}

function toModelFeature(spec: FeatureSpec): ModelFeature {
  return spec.kind === 'onehot' ? { name: spec.name, column: spec.column, kind: spec.kind, level: spec.level } : { name: spec.name, column: spec.column, kind: spec.kind };
}

/** Registers the model jobs on the engine host. */
/** Rows without a true value cannot train or be measured: say how many, and the filter that drops them. */
function missingTargetError(missing: number, target: string): EngineError {
  const rowsText = missing === 1 ? '1 row has' : `${missing.toLocaleString('en-US')} rows have`;
  return new EngineError('BAD_INPUT', `${rowsText} no value in the target "${target}". Filter them out first (WHERE ${quoteIdent(target)} IS NOT NULL).`);
}

export function registerModelJobs(host: JobHost, engine: DataEngine, options: EngineHostOptions): void {
  const on = jobRegistrar<ModelJobs>(host);
  const models = new ModelService(engine, options.gpu, options.helperThreads);
  host.onDispose(() => models.dispose());
  on('model.train', (p, ctx) => models.train(p, ctx));
  on('model.evaluate', (p, ctx) => models.evaluateJob(p, ctx));
  on('model.shap', async (p) => models.shapJob(p));
  on('model.predict', (p, ctx) => models.predictInto(p, ctx));
  on('model.export', async (p) => models.exportModel(p.modelId));
  on('model.exportCtr', async (p) => models.exportCtr(p));
  on('model.import', async (p) => models.importModel(p.json, p.name));
  on('model.list', async () => models.list());
}
