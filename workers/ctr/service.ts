/**
 * The CTR family (lr, fm, deepfm) behind the same model jobs as GBDT: `ModelService` hands every
 * job on a CTR model (or a train with kind lr/fm/deepfm) to this service, which shares its label
 * rules and row split (so a GBDT and an FM trained on the same data hold out the same rows).
 */
import { Table, makeVector, tableToIPC } from 'apache-arrow';
import type { DataSourceRef, TableInfo } from '../data/types';
import type { DataEngine } from '../data/engine';
import { describeRelation, resolveRelation, stableRelation } from '../data/relation';
import { quoteIdent } from '../data/sql-text';
import { EngineError, throwIfAborted } from '../protocol/errors';
import type { JobContext } from '../protocol/host';
import { splitValueExpression, withoutSplitColumns } from '../gbdt/row-split';
import { evaluateBinary } from '../gbdt/evaluation';
import { logloss as loglossOf } from '../gbdt/metrics';
import { createRng } from '../gbdt/rng';
import type { FeatureImportance } from '../gbdt/predict';
import type { EvaluateParams, LabelInfo, ModelEvaluation, ModelFeature, ModelSummary, PredictParams, TrainOutcome, TrainParams } from '../gbdt/types';
import { buildCtrEncoding, ctrNeededColumns, type EncodedRows } from './encode';
import { checkScoringColumns, scoredSource } from '../gbdt/scoring-columns';
import { readCtrModel, writeCtrModel, type CtrModelMeta } from './model-file';
import { resolveCtrParams } from './params';
import { probabilities, scoreRows, sigmoid } from './score';
import { MemoryRowSource, type CtrRowSource, type RowPart } from './row-source';
import { StreamedRowSource, TRAIN_PART, VALID_PART, countRows, readRowColumns, withEncodedStore, type EncodedRowStore, type RowParts } from './stream';
import { trainCtr } from './train';
import type { CtrParams } from './params';
import type { CtrEncoding, CtrKind, CtrWeights } from './weights';

/** What the model service lends: ids from its counter, its label rules and its row split. */
export interface CtrServiceHooks {
  nextId(): { modelId: string; number: number };
  /** The binary label's info and its SQL (1 = positive), as GBDT decides it. */
  binaryLabel(relation: string, target: string, type: string, positive: string | undefined, signal: AbortSignal): Promise<{ info: LabelInfo; expression: string }>;
  /** The evaluation label of a stored model's classes on another table. */
  evaluationLabel(known: LabelInfo, relation: string, target: string, type: string, positive: string | undefined, signal: AbortSignal): Promise<{ info: LabelInfo; expression: string }>;
  splitRows(n: number, labels: Float32Array, params: TrainParams, splitValues: ArrayLike<number> | null): { train: Uint32Array; valid: Uint32Array };
}

/** The strongest FM field interactions: mean |<e_f·v_f, e_g·v_g>| over the validation rows. */
export interface FieldInteraction {
  a: string;
  b: string;
  strength: number;
}

interface StoredCtrModel {
  summary: ModelSummary;
  weights: CtrWeights;
  /**
   * Probabilities and labels of the rows the model is evaluated on (validation rows; the training
   * rows without any; a table's after model.evaluate on it): evaluation at another threshold needs no more.
   */
  evalScores: PartScores | null;
}

/**
 * A part's probabilities and labels, in row order. The evaluation rows' (kept with the model) are
 * Float64; the training rows' (measured once, then dropped) are Float32 probabilities and the
 * store's Float32 labels: 8 bytes a row instead of 16, since every training row is scored.
 */
interface PartScores {
  probs: Float64Array | Float32Array;
  labels: Float64Array | Float32Array;
}

/**
 * Encoded bytes per row a source holds: an Int32 slot and a value per field (float32 for training,
 * float64 when `precise`: evaluation and predict encode as predict does), a label and a visiting-order entry.
 */
function bytesPerRow(fields: number, precise = false): number {
  return fields * (precise ? 12 : 8) + 8;
}

/** The automatic budget of encoded rows in memory (rows_in_memory=0). */
export const AUTO_ENCODED_BYTES = 512 * 2 ** 20;

/** Permutation importance and FM interactions look at this many rows at most. */
const IMPORTANCE_ROWS = 20_000;

/** The most encoded rows a model may hold in memory: rows_in_memory, or about AUTO_ENCODED_BYTES' worth. */
export function encodedRowBudget(rowsInMemory: number, fields: number, precise = false): number {
  return rowsInMemory > 0 ? rowsInMemory : Math.max(1, Math.floor(AUTO_ENCODED_BYTES / bytesPerRow(fields, precise)));
}

/**
 * The trainer's rows: all in memory when they fit the budget, else streamed from the store through
 * buffers of the budget's size.
 */
async function rowSource(store: EncodedRowStore, cp: CtrParams, positives: number, signal: AbortSignal): Promise<CtrRowSource> {
  const F = store.encoding.fields.length;
  const budget = encodedRowBudget(cp.rows_in_memory, F);
  const batch = Math.min(cp.batch_size, Math.max(1, store.trainRows));
  if (store.trainRows + store.validRows <= budget) {
    return new MemoryRowSource(await store.readAll('train', signal), await store.readAll('valid', signal));
  }
  if (budget < 3 * batch) {
    throw new EngineError('BAD_INPUT', `rows_in_memory=${budget.toLocaleString('en-US')} is too small to stream ${(store.trainRows + store.validRows).toLocaleString('en-US')} rows in batches of ${batch}: it must hold at least three batches (${3 * batch}). Raise it, or lower batch_size.`);
  }
  return new StreamedRowSource(store, budget, positives, { batchSize: batch });
}

/** Probabilities of a part's rows, scored chunk by chunk as the source reads them. */
async function scorePart(weights: CtrWeights, source: CtrRowSource, part: RowPart, signal: AbortSignal): Promise<PartScores> {
  const n = part === 'train' ? source.trainRows : source.validRows;
  // Training rows: Float32 (see PartScores); the labels are the store's Float32 values, so they stay exact.
  const probs = part === 'train' ? new Float32Array(n) : new Float64Array(n);
  const labels = part === 'train' ? new Float32Array(n) : new Float64Array(n);
  for await (const chunk of source.chunks(part, signal)) {
    const margins = await scoreRows(weights, chunk.rows, () => throwIfAborted(signal));
    for (let i = 0; i < chunk.rows.rows; i++) {
      probs[chunk.first + i] = sigmoid(margins[i] as number);
      labels[chunk.first + i] = chunk.labels[i] as number;
    }
  }
  return { probs, labels };
}

export function isCtrKind(kind: unknown): kind is CtrKind {
  return kind === 'lr' || kind === 'fm' || kind === 'deepfm';
}

function modelFeatures(encoding: CtrEncoding): ModelFeature[] {
  return encoding.fields.map((f) =>
    f.kind === 'numeric'
      ? { name: f.name, column: f.name, kind: f.source === 'date' ? 'date' : f.source === 'timestamp' ? 'timestamp' : 'numeric' }
      : // A text field is one-hot over its levels (or buckets): one feature per field, no single level.
        { name: f.name, column: f.name, kind: 'onehot' },
  );
}

export class CtrService {
  private readonly models = new Map<string, StoredCtrModel>();

  constructor(
    private readonly data: DataEngine,
    private readonly hooks: CtrServiceHooks,
  ) {}

  has(modelId: string): boolean {
    return this.models.has(modelId);
  }

  /** Drops a model from memory (cross-validation's fold models). */
  forget(modelId: string): void {
    this.models.delete(modelId);
  }

  list(): ModelSummary[] {
    return [...this.models.values()].map((m) => m.summary);
  }

  private stored(modelId: string): StoredCtrModel {
    const m = this.models.get(modelId);
    if (!m) throw new EngineError('NOT_FOUND', 'That model is not loaded; train or import it again.');
    return m;
  }

  /** The trained parameters of a loaded CTR model (the exporters' input). */
  weights(modelId: string): CtrWeights {
    return this.stored(modelId).weights;
  }

  async train(params: TrainParams, ctx: JobContext): Promise<TrainOutcome> {
    const started = Date.now();
    const kind = params.kind;
    if (!isCtrKind(kind)) throw new EngineError('BAD_INPUT', `Unknown model kind "${String(kind)}"; use gbdt, lr, fm or deepfm.`);
    const warnings: string[] = [];
    if (typeof params.target !== 'string' || !params.target) throw new EngineError('BAD_INPUT', 'Choose a target column.');
    const cp = resolveCtrParams(kind, { ...(params.params ?? {}) });
    const source = await resolveRelation(this.data, params.source, 'to train on');
    // A query is copied once so encoding, label and split all see the same rows in the same order.
    const stable = await stableRelation(this.data, source, ctx.signal);
    try {
      const relation = stable.relation;
      const columns = await describeRelation(this.data, relation, ctx.signal);
      const targetColumn = columns.find((c) => c.name === params.target);
      if (!targetColumn) throw new EngineError('BAD_INPUT', `The target "${params.target}" is not a column of the data.`);
      ctx.progress(0.01, 'checking the target');
      const label = await this.hooks.binaryLabel(relation, params.target, targetColumn.type, params.positive, ctx.signal);
      // Split first: the encoding is then measured on the training rows alone (validation rows and
      // held-out folds get what training saw, their unseen levels "other").
      const splitExpression = splitValueExpression(params.split, columns);
      ctx.progress(0.02, 'splitting rows');
      const read = await readRowColumns(this.data.driver, relation, splitExpression ? { label: label.expression, time: splitExpression } : { label: label.expression }, ctx.signal);
      const n = read.rows;
      if (n === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to train on.');
      const labels = Float32Array.from(read.columns.label as Float64Array);
      // Float64 split values, as GBDT reads them, so both kinds hold out the same rows.
      const { train, valid } = this.hooks.splitRows(n, labels, params, read.columns.time ?? null);
      let positives = 0;
      for (const i of train) positives += labels[i] as number;
      if (positives === 0 || positives === train.length) throw new EngineError('BAD_INPUT', 'The training rows hold a single class; use more data or another split.');
      const partOf = new Uint8Array(n).fill(VALID_PART);
      for (const i of train) partOf[i] = TRAIN_PART;
      const measure = async (parts: RowParts): Promise<CtrEncoding> => {
        ctx.progress(0.03, 'measuring fields on the training rows');
        const measured = await buildCtrEncoding(
          this.data.driver,
          parts.rowsOf('train'),
          // The split's entity key or time column is no default feature (as for GBDT).
          params.features && params.features.length > 0 ? columns : withoutSplitColumns(params.split, columns, warnings),
          params.target,
          params.features,
          { minCount: cp.min_count, hashBuckets: cp.hash_buckets, log1p: cp.log1p === 1, standardize: cp.standardize === 1 },
          warnings,
          ctx.signal,
        );
        ctx.progress(0.06, 'encoding rows');
        return measured;
      };
      return await withEncodedStore(this.data.driver, relation, partOf, measure, label.expression, ctx.signal, async (store) => {
        const encoding = store.encoding;
        const source = await rowSource(store, cp, positives, ctx.signal);

        ctx.progress(0.1, `training ${kind} on ${train.length.toLocaleString('en-US')} rows`);
        const result = await trainCtr(source, {
          params: cp,
          // DeepFM's MLP: WebGPU only on a hardware adapter for auto (ctr/mlp-tf.ts), as GBDT's histograms.
          backend: params.backend,
          encoding,
          signal: ctx.signal,
          onBatch: (epoch, batch, batches) => ctx.progress(0.1 + (0.8 * (epoch + batch / batches)) / cp.epochs, `epoch ${epoch + 1} of ${cp.epochs}: batch ${batch} of ${batches}`),
          onEpoch: (report) => {
            const v = report.valid?.[cp.eval_metric] ?? report.train.logloss;
            ctx.progress(0.1 + (0.8 * report.round) / cp.epochs, `epoch ${report.round} of ${cp.epochs}: ${report.valid ? `valid ${cp.eval_metric}` : 'train logloss'} ${v?.toFixed(5) ?? ''}`);
          },
        });
        throwIfAborted(ctx.signal);
        ctx.progress(0.92, 'evaluating');
        const check = (): void => throwIfAborted(ctx.signal);
        const trainScores = await scorePart(result.weights, source, 'train', ctx.signal);
        const validScores = valid.length > 0 ? await scorePart(result.weights, source, 'valid', ctx.signal) : null;
        const evaluation = {
          train: { binary: evaluateBinary(trainScores.probs, trainScores.labels, 0.5) },
          valid: validScores ? { binary: evaluateBinary(validScores.probs, validScores.labels, 0.5) } : null,
        };
        ctx.progress(0.95, 'measuring field importance');
        // Importance and interactions on the first validation rows (the training rows without any).
        const sample = await source.head(validScores ? 'valid' : 'train', IMPORTANCE_ROWS, ctx.signal);
        const importance = await permutationImportance(result.weights, sample.rows, Float64Array.from(sample.labels), cp.seed, check);
        const interactions = kind === 'lr' ? [] : fieldInteractions(result.weights, sample.rows);
        if (evaluation.valid && evaluation.train.binary.auc - evaluation.valid.binary.auc > 0.1) {
          warnings.push(`The model fits the training rows far better than the validation rows (AUC ${evaluation.train.binary.auc.toFixed(3)} vs ${evaluation.valid.binary.auc.toFixed(3)}): it overfits. Try a larger l2, a smaller k, min_count above 1 or fewer epochs.`);
        }
        const { modelId, number } = this.hooks.nextId();
        const summary: ModelSummary = {
          modelId,
          kind,
          name: params.name?.trim() || `${params.target} ${kind} ${number}`,
          objective: 'binary:logistic',
          target: params.target,
          label: label.info,
          features: modelFeatures(encoding),
          trees: 0,
          bestIteration: result.bestEpoch,
          params: { ...cp, epochs_trained: result.history.length, seconds_per_epoch: result.secondsPerEpoch, encoded_bytes: source.peakBytes, streamed: source instanceof StreamedRowSource ? 1 : 0 },
          trainedAt: new Date().toISOString(),
          rows: { train: train.length, valid: valid.length },
          backend: { ...result.backend, reason: `${result.backend.reason}; ${source.description}` },
        };
        // Only the evaluation rows' scores and labels stay: the Models view's curves and comparison need no more.
        this.models.set(modelId, { summary, weights: result.weights, evalScores: validScores ?? trainScores });
        ctx.progress(1, 'done');
        return { model: summary, history: result.history, evaluation, importance, interactions, warnings, elapsedMs: Date.now() - started };
      });
    } finally {
      await stable.release();
    }
  }

  async evaluateAt(modelId: string, threshold: number): Promise<ModelEvaluation> {
    const m = this.stored(modelId);
    if (!(threshold >= 0 && threshold <= 1)) throw new EngineError('BAD_INPUT', 'The threshold must be between 0 and 1.');
    if (!m.evalScores) throw new EngineError('BAD_INPUT', 'This model has no rows to evaluate on yet. An imported model is evaluated on a table: choose one that holds its features and the true target.');
    return { binary: evaluateBinary(m.evalScores.probs, m.evalScores.labels, threshold) };
  }

  async evaluateJob(params: EvaluateParams, ctx: JobContext): Promise<ModelEvaluation> {
    if (params.source === undefined) return this.evaluateAt(params.modelId, Number(params.threshold));
    const m = this.stored(params.modelId);
    const threshold = Number(params.threshold);
    if (!(threshold >= 0 && threshold <= 1)) throw new EngineError('BAD_INPUT', 'The threshold must be between 0 and 1.');
    const target = (typeof params.target === 'string' ? params.target.trim() : '') || m.summary.target;
    if (!target) throw new EngineError('BAD_INPUT', 'Name the target column that holds the true values to evaluate against.');
    const source = await resolveRelation(this.data, params.source as DataSourceRef, 'to evaluate on');
    // A query is copied once (as for training): describe, the label check, the count and the
    // positional join each read the relation, and a query such as USING SAMPLE would differ each time.
    const stable = await stableRelation(this.data, source, ctx.signal);
    let info: LabelInfo;
    let n: number;
    try {
      const relation = stable.relation;
      const columns = await describeRelation(this.data, relation, ctx.signal);
      const targetColumn = columns.find((c) => c.name === target);
      if (!targetColumn) throw new EngineError('BAD_INPUT', `The target "${target}" is not a column of the data.`);
      await checkScoringColumns(this.data.driver, relation, columns, ctrNeededColumns(m.weights.encoding), scoredSource(params.source), ctx.signal);
      const label = await this.hooks.evaluationLabel(m.summary.label, relation, target, targetColumn.type, params.positive, ctx.signal);
      info = label.info;
      ctx.progress(0.2, 'encoding rows');
      n = await countRows(this.data.driver, relation, ctx.signal);
      if (n === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to evaluate on.');
      const rows = n;
      // Every row is an evaluation row, encoded in DuckDB and scored a buffer at a time; only scores stay.
      m.evalScores = await withEncodedStore(this.data.driver, relation, new Uint8Array(n).fill(VALID_PART), m.weights.encoding, label.expression, ctx.signal, async (store) => {
        ctx.progress(0.6, `scoring ${rows.toLocaleString('en-US')} rows`);
        const budget = Math.max(1, Math.min(rows, encodedRowBudget(Number(m.summary.params.rows_in_memory ?? 0) || 0, m.weights.encoding.fields.length, true)));
        return scorePart(m.weights, new StreamedRowSource(store, budget, 0, { precise: true }), 'valid', ctx.signal);
      });
    } finally {
      await stable.release();
    }
    m.summary = { ...m.summary, target, label: info, rows: { ...m.summary.rows, valid: n } };
    return this.evaluateAt(m.summary.modelId, threshold);
  }

  async predictInto(params: PredictParams, ctx: JobContext): Promise<TableInfo> {
    const m = this.stored(params.modelId);
    if (params.withShap) throw new EngineError('BAD_INPUT', `SHAP values are computed for tree models; a ${m.summary.kind} model reports field importance instead. Score without SHAP.`);
    const relation = await resolveRelation(this.data, params.source, 'to score');
    const out = typeof params.outputTable === 'string' ? params.outputTable.trim() : '';
    if (!out) throw new EngineError('BAD_INPUT', 'Name the table to write predictions into.');
    await checkScoringColumns(this.data.driver, relation, await describeRelation(this.data, relation, ctx.signal), ctrNeededColumns(m.weights.encoding), scoredSource(params.source), ctx.signal);
    const staging = '__assay_ctr_score';
    ctx.progress(0.05, 'reading rows');
    // Stored in row-number order, so a row's position in a scan is its number (the store reads by position).
    await this.data.driver.query(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(staging)} AS SELECT * FROM (SELECT row_number() OVER () - 1 AS "__assay_row", * FROM ${relation}) ORDER BY "__assay_row"`, ctx.signal);
    try {
      await this.data.driver.query('DROP TABLE IF EXISTS "__assay_ctr_preds"');
      const n = await this.scoreInto(m, quoteIdent(staging), '__assay_ctr_preds', ctx);
      ctx.progress(0.8, `writing the table (${n.toLocaleString('en-US')} rows)`);
      const existing = await this.data.tableNames();
      if (existing.some((t) => t.toLowerCase() === out.toLowerCase())) await this.data.driver.query(`DROP TABLE ${quoteIdent(out)}`);
      await this.data.driver.query(
        `CREATE TABLE ${quoteIdent(out)} AS SELECT s.* EXCLUDE ("__assay_row"), p."prediction" FROM ${quoteIdent(staging)} s JOIN "__assay_ctr_preds" p USING ("__assay_row") ORDER BY "__assay_row"`,
        ctx.signal,
      );
    } finally {
      await this.data.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`).catch(() => undefined);
      await this.data.driver.query('DROP TABLE IF EXISTS "__assay_ctr_preds"').catch(() => undefined);
    }
    ctx.progress(1, 'done');
    return this.data.describe(out);
  }

  /**
   * Scores every row of `relation` a buffer at a time (encoded in DuckDB, at most the model's budget
   * of encoded rows in memory) into a new table `into` of ("__assay_row", "prediction") by scan position.
   */
  private async scoreInto(m: StoredCtrModel, relation: string, into: string, ctx: JobContext): Promise<number> {
    ctx.progress(0.1, 'encoding rows');
    const n = await countRows(this.data.driver, relation, ctx.signal);
    await withEncodedStore(this.data.driver, relation, new Uint8Array(n).fill(VALID_PART), m.weights.encoding, '0', ctx.signal, async (store) => {
      const budget = Math.max(1, Math.min(n, encodedRowBudget(Number(m.summary.params.rows_in_memory ?? 0) || 0, m.weights.encoding.fields.length, true)));
      const source = new StreamedRowSource(store, budget, 0, { precise: true });
      let created = false;
      for await (const chunk of source.chunks('valid', ctx.signal)) {
        ctx.progress(0.4 + (0.4 * chunk.first) / Math.max(1, n), `scoring rows ${chunk.first.toLocaleString('en-US')} of ${n.toLocaleString('en-US')}`);
        const probs = probabilities(await scoreRows(m.weights, chunk.rows, () => throwIfAborted(ctx.signal)));
        const arrow = new Table({
          __assay_row: makeVector(Int32Array.from({ length: probs.length }, (_, i) => chunk.first + i)),
          prediction: makeVector(probs),
        });
        await this.data.driver.insertArrowIPC(into, tableToIPC(arrow, 'stream'), !created);
        created = true;
      }
      if (!created) await this.data.driver.query(`CREATE TABLE ${quoteIdent(into)} ("__assay_row" INTEGER, "prediction" DOUBLE)`, ctx.signal);
    });
    return n;
  }

  exportModel(modelId: string): { json: string; fileName: string } {
    const m = this.stored(modelId);
    const meta: CtrModelMeta = {
      name: m.summary.name,
      target: m.summary.target,
      label: m.summary.label,
      params: m.summary.params,
      backend: m.summary.backend ?? null,
      trainedAt: m.summary.trainedAt,
      bestEpoch: m.summary.bestIteration,
    };
    return { json: writeCtrModel(m.weights, meta), fileName: `${m.summary.name.replace(/[^A-Za-z0-9_-]+/g, '_')}.json` };
  }

  importModel(json: string, name?: string, expectedKind?: string): ModelSummary {
    const { weights, meta } = readCtrModel(json, expectedKind);
    const { modelId, number } = this.hooks.nextId();
    const summary: ModelSummary = {
      modelId,
      kind: weights.kind,
      name: name?.trim() || meta.name || `imported ${weights.kind} model ${number}`,
      objective: 'binary:logistic',
      target: meta.target,
      label: meta.label,
      features: modelFeatures(weights.encoding),
      trees: 0,
      bestIteration: meta.bestEpoch,
      params: meta.params,
      trainedAt: meta.trainedAt || new Date().toISOString(),
      rows: { train: 0, valid: 0 },
      ...(meta.backend ? { backend: meta.backend } : {}),
    };
    this.models.set(modelId, { summary, weights, evalScores: null });
    return summary;
  }
}

/**
 * Field-level permutation importance: the rise in log loss when one field's slots are shuffled
 * across the rows (seeded), breaking its link to the label. Reported as `gain` (the loss the field
 * saves), cover and weight 0. Each field is shuffled in place and put back, so the rows are never
 * copied whole (they may be a streaming source's buffer).
 */
export async function permutationImportance(weights: CtrWeights, rows: EncodedRows, labels: Float64Array, seed: number, check?: () => void): Promise<FeatureImportance[]> {
  const limit = Math.min(rows.rows, 20_000);
  const sample: EncodedRows = limit === rows.rows ? rows : { rows: limit, fields: rows.fields, slots: rows.slots.subarray(0, limit * rows.fields), values: rows.values.subarray(0, limit * rows.fields) };
  const y = labels.subarray(0, limit);
  const base = loglossOf(probabilities(await scoreRows(weights, sample)), y);
  const F = rows.fields;
  const rng = createRng(seed + 7919);
  const out: FeatureImportance[] = [];
  const { slots, values } = sample;
  const keptSlots = new Int32Array(limit);
  const keptValues = new Float64Array(limit);
  for (let f = 0; f < F; f++) {
    const field = weights.encoding.fields[f] as CtrWeights['encoding']['fields'][number];
    check?.();
    for (let i = 0; i < limit; i++) {
      keptSlots[i] = slots[i * F + f] as number;
      keptValues[i] = values[i * F + f] as number;
    }
    for (let i = limit - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const a = i * F + f;
      const b = j * F + f;
      [slots[a], slots[b]] = [slots[b] as number, slots[a] as number];
      [values[a], values[b]] = [values[b] as number, values[a] as number];
    }
    let shuffled: number;
    try {
      shuffled = loglossOf(probabilities(await scoreRows(weights, sample)), y);
    } finally {
      for (let i = 0; i < limit; i++) {
        slots[i * F + f] = keptSlots[i] as number;
        values[i * F + f] = keptValues[i] as number;
      }
    }
    out.push({ feature: field.name, gain: Math.max(0, shuffled - base), cover: 0, weight: 0 });
  }
  return out;
}

/** Mean |<e_f v_f, e_g v_g>| per field pair over (up to 20,000 of) the rows, strongest first (top 20). */
export function fieldInteractions(weights: CtrWeights, rows: EncodedRows): FieldInteraction[] {
  const F = rows.fields;
  const K = weights.k;
  if (K === 0 || F < 2) return [];
  const limit = Math.min(rows.rows, 20_000);
  const totals = new Float64Array(F * F);
  const vecs = new Float64Array(F * K);
  for (let r = 0; r < limit; r++) {
    for (let f = 0; f < F; f++) {
      const s = rows.slots[r * F + f] as number;
      const v = rows.values[r * F + f] as number;
      const e = weights.embeddings[f] as Float32Array;
      for (let k = 0; k < K; k++) vecs[f * K + k] = (e[s * K + k] as number) * v;
    }
    for (let f = 0; f < F; f++) {
      for (let g = f + 1; g < F; g++) {
        let dot = 0;
        for (let k = 0; k < K; k++) dot += (vecs[f * K + k] as number) * (vecs[g * K + k] as number);
        totals[f * F + g] = (totals[f * F + g] as number) + Math.abs(dot);
      }
    }
  }
  const out: FieldInteraction[] = [];
  const names = weights.encoding.fields.map((f) => f.name);
  for (let f = 0; f < F; f++) for (let g = f + 1; g < F; g++) out.push({ a: names[f] as string, b: names[g] as string, strength: (totals[f * F + g] as number) / Math.max(1, limit) });
  return out.sort((x, y) => y.strength - x.strength).slice(0, 20);
}
