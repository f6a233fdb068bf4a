/**
 * The labels area's jobs: train a labeler on a text and a label column, export/load its file,
 * apply it to a table (rows in input order plus label, confidence, label_source), evaluate it,
 * and list the rows it is least sure of. Text is read from DuckDB as Arrow and tokenized from
 * the UTF-8 buffers directly.
 */
import { Dictionary, Float64, Int32, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import type { DataEngine } from '../data/engine';
import { describeRelation, resolveRelation, stableRelation } from '../data/relation';
import { quoteIdent } from '../data/sql-text';
import type { DataSourceRef } from '../data/types';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { jobRegistrar, type JobContext, type JobHost } from '../protocol/host';
import { RawRowsBuilder, forEachTextCancellable } from './features';
import { DEFAULT_MIN_PRECISION, LabelScorer, checkTrainSettings, trainLabeler, type Labeler } from './labeler';
import { REPORTED_PRECISIONS, accuracy, coverageAtPrecision, macroF1, precisionCoverageCurve } from './metrics';
import { labelerFromFile, labelerToFile, type LabelerFile } from './model-file';
import { mineLabelRules, ruleHitsCancellable, textsOf, type LabelRule } from './rules';
import { yieldNow } from './slices';
import { Featurizer } from './tokenize';
import { describeRelation as describeValueColumns } from '../tags/tag-data';
import { prepareValue, VALUE_COLUMN, type ValueSpec, type ValueSummary } from '../tags/value-data';
import { valueStatsByGroup } from '../tags/value-stats';
import type {
  LabelEvaluation,
  LabelJobs,
  LabelerSummary,
  LabelsApplyParams,
  LabelsApplyResult,
  LabelsEvalParams,
  LabelsReviewParams,
  LabelsReviewResult,
  LabelsTrainParams,
  ReviewRow,
} from './types';

interface StoredLabeler {
  labeler: Labeler;
  rules: LabelRule[];
  summary: LabelerSummary;
  file: LabelerFile | null;
}

const PREDICTIONS = '__assay_labels_pred';
let applyCounter = 0;
const OUTPUT_COLUMNS = ['label', 'confidence', 'label_source'];

/** Arrow dictionary vector of `values[ids[i]]` (NULL where ids[i] < 0): DuckDB reads it as VARCHAR. */
function dictionaryVector(values: string[], ids: Int32Array, dictionaryId: number): Vector {
  const n = ids.length;
  const validity = new Uint8Array((n + 7) >> 3);
  const indices = new Int32Array(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    if (id < 0) nulls++;
    else {
      validity[i >> 3] = (validity[i >> 3] as number) | (1 << (i & 7));
      indices[i] = id;
    }
  }
  const type = new Dictionary(new Utf8(), new Int32(), dictionaryId);
  return makeVector(makeData({ type, length: n, nullCount: nulls, nullBitmap: validity, data: indices, dictionary: vectorFromArray(values, new Utf8()) }));
}

/** Arrow Float64 vector with NULL where the value is NaN. */
function nullableFloat64(values: Float64Array): Vector {
  const n = values.length;
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(values[i] as number)) nulls++;
    else validity[i >> 3] = (validity[i >> 3] as number) | (1 << (i & 7));
  }
  return makeVector(makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: validity, data: values }));
}

function findColumn(all: Array<{ name: string; type: string }>, name: unknown, role: string): string {
  if (typeof name !== 'string' || name.trim() === '') throw new EngineError('BAD_INPUT', `Choose the ${role} column.`);
  const c = all.find((col) => col.name === name) ?? all.find((col) => col.name.toLowerCase() === name.toLowerCase());
  if (!c) throw new EngineError('BAD_INPUT', `The ${role} column "${name}" is not a column of the data (its columns: ${all.map((col) => col.name).join(', ')}).`);
  return c.name;
}

/** One labelling decision per row, streamed: the first keyword rule that fires, else the classifier. */
class RowLabeller {
  private readonly scorer: LabelScorer;
  private readonly ruleClass: Int32Array;
  readonly featurizer: Featurizer;
  /** Set by label(): class id (-1: none), confidence (NaN: none), source (-1 none, 0 classifier, i+1 rule i), second best. */
  classId = -1;
  confidence = Number.NaN;
  source = -1;
  second = -1;
  secondConfidence = 0;

  constructor(
    readonly labeler: Labeler,
    readonly rules: readonly LabelRule[],
  ) {
    this.featurizer = new Featurizer(labeler.hashBits);
    this.scorer = new LabelScorer(labeler);
    this.ruleClass = Int32Array.from(rules, (r) => labeler.classes.indexOf(r.label));
  }

  /** Rule hits of every row of a text vector (all -1 without rules: no strings are made then); cancellable. */
  hits(vector: Vector, signal: AbortSignal | undefined): Promise<Int32Array> {
    return ruleHitsCancellable(this.rules, vector, signal);
  }

  label(features: ReturnType<Featurizer['ofString']> | null, ruleHit = -1): void {
    this.second = -1;
    this.secondConfidence = 0;
    if (ruleHit >= 0 && (this.ruleClass[ruleHit] as number) >= 0) {
      this.classId = this.ruleClass[ruleHit] as number;
      this.confidence = (this.rules[ruleHit] as LabelRule).holdoutPrecision;
      this.source = ruleHit + 1;
      return;
    }
    if (!features || features.total === 0) {
      this.classId = -1;
      this.confidence = Number.NaN;
      this.source = -1;
      return;
    }
    const best = this.scorer.best(features);
    this.classId = best;
    this.source = best < 0 ? -1 : 0;
    this.confidence = best < 0 ? Number.NaN : (this.scorer.probabilities[best] as number);
    if (best >= 0) {
      const p = this.scorer.probabilities;
      for (let c = 0; c < p.length; c++) {
        if (c !== best && (p[c] as number) > this.secondConfidence) {
          this.second = c;
          this.secondConfidence = p[c] as number;
        }
      }
    }
  }

  /** Whether the current decision passes the labeler's thresholds (rules always do). */
  passesThreshold(): boolean {
    if (this.source > 0) return true;
    if (this.classId < 0) return false;
    const t = this.labeler.thresholds[this.classId] as number;
    return !Number.isNaN(t) && this.confidence >= t;
  }
}

export class LabelService {
  private readonly labelers = new Map<string, StoredLabeler>();
  private counter = 0;

  constructor(private readonly data: DataEngine) {}

  /** Forgets a labeler (its weights can be tens of MB); later jobs on its id get NOT_FOUND. */
  release(id: string): { released: boolean } {
    return { released: this.labelers.delete(id) };
  }

  private stored(id: string): StoredLabeler {
    const s = this.labelers.get(id);
    if (!s) throw new EngineError('NOT_FOUND', 'That labeler is not loaded; train it again or open its file.');
    return s;
  }

  private keep(labeler: Labeler, rules: LabelRule[], meta: Omit<LabelerSummary, 'labelerId' | 'classes' | 'rules'>, file: LabelerFile | null): LabelerSummary {
    const labelerId = `labeler_${++this.counter}`;
    const summary: LabelerSummary = { labelerId, classes: labeler.classes, rules, ...meta };
    this.labelers.set(labelerId, { labeler, rules, summary, file });
    return summary;
  }

  private async columns(source: DataSourceRef, purpose: string, signal: AbortSignal): Promise<{ relation: string; all: Array<{ name: string; type: string }> }> {
    const relation = await resolveRelation(this.data, source, purpose);
    return { relation, all: await describeRelation(this.data, relation, signal) };
  }

  async train(params: LabelsTrainParams, ctx: JobContext): Promise<LabelerSummary> {
    const settings = { holdout: params.holdout, minPrecision: params.minPrecision, seed: params.seed, epochs: params.epochs, c: params.c };
    checkTrainSettings(settings);
    if (params.corrections !== undefined && !Array.isArray(params.corrections)) throw new EngineError('BAD_INPUT', 'corrections must be a list of {text, label}.');
    const { relation, all } = await this.columns(params.source, 'to train a labeler on', ctx.signal);
    const textColumn = findColumn(all, params.textColumn, 'text');
    const labelColumn = findColumn(all, params.labelColumn, 'label');
    if (textColumn === labelColumn) throw new EngineError('BAD_INPUT', 'The text and the label must be different columns.');
    ctx.progress(0.02, 'reading texts');
    const table = await this.data.driver.query(`SELECT CAST(${quoteIdent(textColumn)} AS VARCHAR) AS t, CAST(${quoteIdent(labelColumn)} AS VARCHAR) AS l FROM ${relation}`, ctx.signal);
    const n = table.numRows;
    if (n === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to learn from.');
    const corrections = (params.corrections ?? []).filter((c) => c && typeof c.text === 'string' && typeof c.label === 'string' && c.label !== '');
    const labelVector = table.getChild('l') as Vector;
    const classIndex = new Map<string, number>();
    const y = new Int32Array(n + corrections.length).fill(-1);
    const labelOf = (value: unknown): string | null => (value === null || value === undefined || String(value).trim() === '' ? null : String(value));
    for (let r = 0; r < n; r++) {
      const label = labelOf(labelVector.get(r));
      if (label !== null && !classIndex.has(label)) classIndex.set(label, classIndex.size);
    }
    for (const c of corrections) if (!classIndex.has(c.label)) classIndex.set(c.label, classIndex.size);
    // Labels in sorted order: the same labeler for the same rows whatever their order.
    const classes = [...classIndex.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const idOf = new Map(classes.map((c, i) => [c, i]));
    for (let r = 0; r < n; r++) {
      const label = labelOf(labelVector.get(r));
      y[r] = label === null ? -1 : (idOf.get(label) as number);
    }
    corrections.forEach((c, i) => {
      y[n + i] = idOf.get(c.label) as number;
    });
    ctx.progress(0.05, 'tokenizing');
    const featurizer = new Featurizer();
    const raw = new RawRowsBuilder();
    const textVector = table.getChild('t') as Vector;
    await forEachTextCancellable(textVector, featurizer, (f) => raw.add(f), ctx.signal);
    for (const c of corrections) raw.add(featurizer.ofString(c.text));
    throwIfAborted(ctx.signal);
    ctx.progress(0.15, 'training');
    const minPrecision = settings.minPrecision ?? DEFAULT_MIN_PRECISION;
    const { labeler, report, holdout } = await trainLabeler({ raw: raw.finish(), y, classes, trainOnlyFrom: n }, settings, featurizer.bits, {
      signal: ctx.signal,
      onEpoch: (epoch, epochs) => ctx.progress(0.15 + (0.7 * epoch) / epochs, `training: pass ${epoch} of at most ${epochs}`),
    });
    let rules: LabelRule[] = [];
    if (params.keywordRules !== false) {
      ctx.progress(0.88, 'mining keyword rules');
      const mined = await mineLabelRules({
        column: textColumn,
        texts: textsOf(textVector, corrections.map((c) => c.text)),
        y,
        classes,
        holdout,
        minPrecision,
        seed: settings.seed ?? 0,
        signal: ctx.signal,
      });
      rules = mined.rules;
      report.rules = { count: rules.length, holdoutMatched: holdout.length > 0 ? mined.holdoutMatched / holdout.length : 0, holdoutPrecision: mined.holdoutMatched > 0 ? mined.holdoutRight / mined.holdoutMatched : null };
    }
    if (corrections.length > 0) report.warnings.push(`${corrections.length} reviewed row${corrections.length === 1 ? '' : 's'} added to the training rows.`);
    ctx.progress(1, 'done');
    return this.keep(labeler, rules, { textColumn, labelColumn, report }, null);
  }

  exportFile(labelerId: string): LabelerFile {
    const s = this.stored(labelerId);
    return labelerToFile(s.labeler, { textColumn: s.summary.textColumn, labelColumn: s.summary.labelColumn, rules: s.rules, report: s.summary.report });
  }

  load(file: unknown): LabelerSummary {
    const { labeler, file: parsed } = labelerFromFile(file);
    return this.keep(labeler, parsed.rules, { textColumn: String(parsed.textColumn ?? ''), labelColumn: String(parsed.labelColumn ?? ''), report: parsed.report }, parsed);
  }

  async apply(params: LabelsApplyParams, ctx: JobContext): Promise<LabelsApplyResult> {
    const started = Date.now();
    const stored = this.stored(params.labelerId);
    const out = typeof params.outputTable === 'string' ? params.outputTable.trim() : '';
    if (!out) throw new EngineError('BAD_INPUT', 'Name the table to write the labels into.');
    const minConfidence = params.minConfidence ?? 0;
    if (typeof minConfidence !== 'number' || !(minConfidence >= 0 && minConfidence <= 1)) throw new EngineError('BAD_INPUT', `The minimum confidence must be from 0 to 1 (got ${String(params.minConfidence)}).`);
    const { relation, all } = await this.columns(params.source, 'to label', ctx.signal);
    const textColumn = findColumn(all, params.textColumn ?? stored.summary.textColumn, 'text');
    const warnings: string[] = [];
    let stable: { relation: string; release(): Promise<void> } | undefined;
    // Per call: two applies at once never read each other's predictions.
    const predictionsTable = `${PREDICTIONS}_${++applyCounter}`;
    const staged = `__assay_labels_out_${applyCounter}`;
    try {
      ctx.progress(0.02, 'reading texts');
      // A table is read twice in the same (insertion) order; a query is copied once so it is too.
      stable = await stableRelation(this.data, relation, ctx.signal);
      const table = await this.data.driver.query(`SELECT CAST(${quoteIdent(textColumn)} AS VARCHAR) AS t FROM ${stable.relation}`, ctx.signal);
      const n = table.numRows;
      ctx.progress(0.1, `labelling ${n.toLocaleString('en-US')} rows`);
      const labeller = new RowLabeller(stored.labeler, stored.rules);
      const classIds = new Int32Array(n);
      const confidence = new Float64Array(n);
      const sources = new Int32Array(n);
      let fromRules = 0;
      let fromClassifier = 0;
      let emptyText = 0;
      let next = 50_000;
      const vector = table.getChild('t') as Vector;
      const hits = await labeller.hits(vector, ctx.signal);
      await forEachTextCancellable(vector, labeller.featurizer, (f, r) => {
        labeller.label(f, hits[r] as number);
        if (labeller.classId < 0) emptyText++;
        const keep = labeller.classId >= 0 && labeller.confidence >= minConfidence && (!params.precisionThresholds || labeller.passesThreshold());
        classIds[r] = keep ? labeller.classId : -1;
        confidence[r] = labeller.confidence;
        sources[r] = keep ? labeller.source : -1;
        if (keep && labeller.source > 0) fromRules++;
        else if (keep) fromClassifier++;
        if (r === next) {
          next += 50_000;
          ctx.progress(0.1 + (0.7 * r) / n, `labelling: ${r.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} rows`);
        }
      }, ctx.signal);
      throwIfAborted(ctx.signal);
      await yieldNow();
      ctx.progress(0.82, `writing ${out}`);
      const sourceNames = ['classifier', ...labeller.rules.map((r) => `rule:${r.id}`)];
      const predictions = new Table({
        label: dictionaryVector(stored.labeler.classes, classIds, 0),
        confidence: nullableFloat64(confidence),
        label_source: dictionaryVector(sourceNames, sources, 1),
      });
      await this.data.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(predictionsTable)}`);
      await this.data.driver.insertArrowIPC(predictionsTable, tableToIPC(predictions, 'stream'), true);
      const excluded: string[] = [];
      for (const name of OUTPUT_COLUMNS) {
        const old = all.find((c) => c.name.toLowerCase() === name);
        if (old) {
          excluded.push(old.name);
          warnings.push(`The input's own "${old.name}" column is replaced by the labeler's in ${out}.`);
        }
      }
      // POSITIONAL JOIN: row i of the predictions belongs to row i of the input (no row numbers, no sort).
      // Built under a staging name first: the output may replace the very table being labelled.
      await this.data.driver.query(
        `CREATE TABLE ${quoteIdent(staged)} AS SELECT s.*${excluded.length > 0 ? ` EXCLUDE (${excluded.map(quoteIdent).join(', ')})` : ''}, p.label, p.confidence, p.label_source FROM ${stable.relation} s POSITIONAL JOIN ${quoteIdent(predictionsTable)} p`,
        ctx.signal,
      );
      await stable.release();
      stable = undefined;
      const existing = await this.data.tableNames();
      const clash = existing.find((t) => t.toLowerCase() === out.toLowerCase());
      if (clash) await this.data.driver.query(`DROP TABLE ${quoteIdent(clash)}`);
      await this.data.driver.query(`ALTER TABLE ${quoteIdent(staged)} RENAME TO ${quoteIdent(out)}`);
      if (emptyText > 0) warnings.push(`${emptyText.toLocaleString('en-US')} row${emptyText === 1 ? ' has' : 's have'} no word the labeler knows (empty, blank or unseen text): no label.`);
      ctx.progress(1, 'done');
      return {
        table: await this.data.describe(out),
        rows: n,
        labelled: { rules: fromRules, classifier: fromClassifier },
        unlabelled: n - fromRules - fromClassifier,
        emptyText,
        warnings,
        elapsedMs: Date.now() - started,
      };
    } finally {
      await this.data.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(predictionsTable)}`).catch(() => undefined);
      await this.data.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(staged)}`).catch(() => undefined);
      await stable?.release();
    }
  }

  /** Reads a text (and optionally label) column in the relation's own order. */
  private async readRows(
    source: DataSourceRef,
    textColumnName: string,
    labelColumnName: string | null,
    purpose: string,
    ctx: JobContext,
    value?: ValueSpec,
  ): Promise<{ text: Vector; label: Vector | null; n: number; valued: { values: Float64Array; summary: ValueSummary } | null; release(): Promise<void> }> {
    const { relation, all } = await this.columns(source, purpose, ctx.signal);
    const textColumn = findColumn(all, textColumnName, 'text');
    const labelColumn = labelColumnName === null ? null : findColumn(all, labelColumnName, 'label');
    // A value (GMV) is read in the same query as the texts, so each row's value lines up with its label.
    const prepared = value ? await prepareValue(this.data, relation, await describeValueColumns(this.data, relation, ctx.signal), value, ctx.signal) : null;
    const stable = await stableRelation(this.data, prepared?.relation ?? relation, ctx.signal);
    try {
      const table = await this.data.driver.query(
        `SELECT CAST(${quoteIdent(textColumn)} AS VARCHAR) AS t${labelColumn ? `, CAST(${quoteIdent(labelColumn)} AS VARCHAR) AS l` : ''}${prepared ? `, ${quoteIdent(VALUE_COLUMN)}` : ''} FROM ${stable.relation}`,
        ctx.signal,
      );
      const valued = prepared ? prepared.read(table) : null;
      return { text: table.getChild('t') as Vector, label: labelColumn ? (table.getChild('l') as Vector) : null, n: table.numRows, valued, release: stable.release };
    } catch (err) {
      await stable.release();
      throw err;
    }
  }

  async evaluate(params: LabelsEvalParams, ctx: JobContext): Promise<LabelEvaluation> {
    const stored = this.stored(params.labelerId);
    const rows = await this.readRows(params.source, params.textColumn ?? stored.summary.textColumn, params.labelColumn, 'to evaluate the labeler on', ctx, params.value);
    // With a value: each row's assigned label (-1: none), to judge every label by its GMV like a tag.
    const assignedLabel = new Int32Array(rows.n).fill(-1);
    try {
      const classOf = new Map(stored.labeler.classes.map((c, i) => [c, i]));
      const labeller = new RowLabeller(stored.labeler, stored.rules);
      const truth: number[] = [];
      const best: number[] = [];
      const confidence: number[] = [];
      let unknownLabels = 0;
      let withoutLabel = 0;
      let assigned = 0;
      let assignedRight = 0;
      let fromRules = 0;
      const labelVector = rows.label as Vector;
      const hits = await labeller.hits(rows.text, ctx.signal);
      await forEachTextCancellable(rows.text, labeller.featurizer, (f, r) => {
        const raw: unknown = labelVector.get(r);
        if (raw === null || raw === undefined || String(raw).trim() === '') {
          withoutLabel++;
          return;
        }
        const t = classOf.get(String(raw));
        if (t === undefined) unknownLabels++;
        labeller.label(f, hits[r] as number);
        const truthId = t ?? -2;
        truth.push(truthId);
        best.push(labeller.classId);
        confidence.push(Number.isNaN(labeller.confidence) ? 0 : labeller.confidence);
        if (labeller.passesThreshold()) {
          assignedLabel[r] = labeller.classId;
          assigned++;
          if (labeller.source > 0) fromRules++;
          if (labeller.classId === truthId) assignedRight++;
        }
      }, ctx.signal);
      throwIfAborted(ctx.signal);
      const n = truth.length;
      if (n === 0) throw new EngineError('BAD_INPUT', `No row has a label in "${params.labelColumn}": there is nothing to evaluate against.`);
      const correct = truth.map((t, i) => (t === best[i] ? 1 : 0));
      const coverageAt: Record<string, number> = {};
      for (const p of REPORTED_PRECISIONS) coverageAt[String(p)] = coverageAtPrecision(confidence, correct, p);
      // Labels the labeler never saw count against it: macro-F1 over its classes plus one "unknown" class.
      const k = stored.labeler.classes.length;
      const truthF1 = truth.map((t) => (t < 0 ? k : t));
      const bestF1 = best.map((b) => (b < 0 ? k + 1 : b));
      ctx.progress(1, 'done');
      return {
        rows: n,
        unknownLabels,
        withoutLabel,
        accuracy: accuracy(truth, best),
        macroF1: macroF1(truthF1, bestF1, k + 2),
        coverageAt,
        atThresholds: { precision: assigned > 0 ? assignedRight / assigned : null, coverage: assigned / n, fromRules },
        curve: precisionCoverageCurve(confidence, correct),
        ...(rows.valued
          ? { value: { ...rows.valued.summary, labels: valueStatsByGroup(rows.valued.values, assignedLabel, stored.labeler.classes.length).map((stats, i) => ({ label: stored.labeler.classes[i] as string, stats })) } }
          : {}),
      };
    } finally {
      await rows.release();
    }
  }

  async review(params: LabelsReviewParams, ctx: JobContext): Promise<LabelsReviewResult> {
    const stored = this.stored(params.labelerId);
    const limit = params.limit ?? 200;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new EngineError('BAD_INPUT', `The review list holds 1 to 10,000 rows (got ${String(params.limit)}).`);
    const rows = await this.readRows(params.source, params.textColumn ?? stored.summary.textColumn, null, 'to review', ctx);
    try {
      const labeller = new RowLabeller(stored.labeler, stored.rules);
      const candidates: Array<{ row: number; margin: number; best: number; confidence: number; second: number; secondConfidence: number }> = [];
      const hits = await labeller.hits(rows.text, ctx.signal);
      await forEachTextCancellable(rows.text, labeller.featurizer, (f, r) => {
        if (!f || f.total === 0) return;
        labeller.label(f, hits[r] as number);
        if (labeller.passesThreshold()) return;
        candidates.push({
          row: r,
          margin: labeller.classId < 0 ? -1 : labeller.confidence - labeller.secondConfidence,
          best: labeller.classId,
          confidence: Number.isNaN(labeller.confidence) ? 0 : labeller.confidence,
          second: labeller.second,
          secondConfidence: labeller.secondConfidence,
        });
      }, ctx.signal);
      throwIfAborted(ctx.signal);
      candidates.sort((a, b) => a.margin - b.margin || a.row - b.row);
      const classes = stored.labeler.classes;
      const out: ReviewRow[] = candidates.slice(0, limit).map((c) => ({
        row: c.row,
        text: String(rows.text.get(c.row) ?? ''),
        best: c.best >= 0 ? (classes[c.best] as string) : null,
        confidence: c.confidence,
        second: c.second >= 0 ? (classes[c.second] as string) : null,
        secondConfidence: c.secondConfidence,
      }));
      ctx.progress(1, 'done');
      return { rows: out, unlabelled: candidates.length, total: rows.n };
    } finally {
      await rows.release();
    }
  }
}

/** Registers this area's jobs on the engine host. */
export function registerLabelJobs(host: JobHost, engine: DataEngine): void {
  const on = jobRegistrar<LabelJobs>(host);
  const service = new LabelService(engine);
  on('labels.train', (p, ctx) => service.train(p, ctx));
  on('labels.export', async (p) => service.exportFile(p.labelerId));
  on('labels.load', async (p) => service.load(p.file));
  on('labels.apply', (p, ctx) => service.apply(p, ctx));
  on('labels.eval', (p, ctx) => service.evaluate(p, ctx));
  on('labels.review', (p, ctx) => service.review(p, ctx));
  on('labels.release', async (p) => service.release(p.labelerId));
}
