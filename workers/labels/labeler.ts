/**
 * A labeler: the tokenizer settings, the vocabulary, the softmax weights, the calibration
 * temperature and a confidence threshold per label chosen on held-out rows for a target
 * precision. Training, scoring and the held-out report; no DuckDB here (jobs.ts reads the rows).
 */
import { createRng } from '../gbdt/rng';
import { EngineError } from '../protocol/errors';
import { fitVocabulary, slotLookup, weighFeatures, weighRows, type RawRows, type SparseRows, type Vocabulary } from './features';
import {
  MIN_ROWS_FOR_OWN_THRESHOLD,
  REPORTED_PRECISIONS,
  accuracy,
  coverageAtPrecision,
  macroF1,
  precisionCoverageCurve,
  thresholdForPrecision,
  type CurvePoint,
} from './metrics';
import { DEFAULT_SOFTMAX, defaultOptimizer, entriesOf, fitTemperature, logitsOf, logitsOfEntries, softmaxInPlace, trainSoftmax, type SoftmaxOptimizer, type SoftmaxWeights } from './softmax';
import type { RawFeatures } from './tokenize';

export const DEFAULT_MIN_PRECISION = 0.9;
export const DEFAULT_HOLDOUT = 0.2;
/** At most this many classes in a label set. */
export const MAX_CLASSES = 5000;
/** Weights kept at most (features × classes); above it the rarest n-grams are dropped (≈160 MB of Float32). */
export const MAX_WEIGHTS = 40_000_000;

/** Coverage reachable at each reported precision ("0.9", "0.95", "0.99"). */
export type CoverageAt = Record<string, number>;

export interface LabelQuality {
  label: string;
  /** Held-out rows of this label. */
  support: number;
  /** Held-out rows whose best guess is this label. */
  predicted: number;
  /** Confidence needed to assign this label (null: never assigned); `thresholdFrom` says where it came from. */
  threshold: number | null;
  thresholdFrom: 'own' | 'overall' | 'none';
  /** Of the rows assigned this label, the share that is right. */
  precision: number | null;
  /** Of this label's rows, the share assigned it. */
  recall: number;
  /** Of the rows whose best guess is this label, the share that passes its threshold. */
  coverage: number;
  /** Of the rows whose best guess is this label, the share a threshold of its own keeps at each precision. */
  coverageAt: CoverageAt;
}

export interface LabelReport {
  rows: { total: number; train: number; holdout: number; withoutLabel: number; emptyText: number };
  classes: number;
  /** Best guess (no threshold) on held-out rows. */
  accuracy: number;
  macroF1: number;
  temperature: number;
  minPrecision: number;
  /** With each label's threshold: precision of the assigned labels, recall over all held-out rows, share assigned. */
  overall: { precision: number | null; recall: number; coverage: number };
  /** Share of held-out rows one confidence threshold can label at 90/95/99% precision. */
  coverageAt: CoverageAt;
  curve: CurvePoint[];
  perLabel: LabelQuality[];
  /** Keyword rules kept (tried before the classifier): how many, the share of held-out rows they label first, and how rightly. */
  rules: { count: number; holdoutMatched: number; holdoutPrecision: number | null };
  warnings: string[];
  /** How the softmax weights were fitted: L-BFGS (full batch, exact L2) or per-row AdaGrad (large models). */
  optimizer: SoftmaxOptimizer;
  trainMs: number;
}

export interface TrainSettings {
  holdout?: number;
  minPrecision?: number;
  seed?: number;
  epochs?: number;
  c?: number;
  hashBits?: number;
}

export interface Labeler {
  classes: string[];
  hashBits: number;
  vocabulary: Vocabulary;
  lookup: Int32Array;
  model: SoftmaxWeights;
  temperature: number;
  minPrecision: number;
  /** Per class; NaN: never assigned at the target precision. */
  thresholds: Float64Array;
}

/** Confidence of each label for one text's features (probabilities into `out`); returns the best class, or -1 for a text with no known n-gram. */
export class LabelScorer {
  private readonly col: Int32Array;
  private readonly val: Float32Array;
  readonly probabilities: Float64Array;

  constructor(private readonly labeler: Labeler) {
    this.col = new Int32Array(1024);
    this.val = new Float32Array(1024);
    this.probabilities = new Float64Array(labeler.classes.length);
  }

  private buffers(total: number): { col: Int32Array; val: Float32Array } {
    if (total <= this.col.length) return { col: this.col, val: this.val };
    return { col: new Int32Array(total), val: new Float32Array(total) };
  }

  best(features: RawFeatures | null): number {
    if (!features || features.total === 0) return -1;
    const { col, val } = this.buffers(features.total);
    const count = weighFeatures(features, this.labeler.lookup, this.labeler.vocabulary.idf, col, val);
    if (count === 0) return -1;
    logitsOfEntries(this.labeler.model, col, val, count, this.probabilities);
    return softmaxInPlace(this.probabilities, this.labeler.classes.length, this.labeler.temperature);
  }
}

/** Stratified seeded split: about `fraction` of each class's rows held out (a class of one row stays in training; rows marked 2 always train). */
export function stratifiedSplit(y: Int32Array, usable: Uint8Array, classes: number, fraction: number, seed: number): { train: Int32Array; holdout: Int32Array } {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  const train: number[] = [];
  // usable 2: a reviewed row, always trained on (never held out).
  for (let r = 0; r < y.length; r++) {
    if (usable[r] === 2) train.push(r);
    else if (usable[r]) (byClass[y[r] as number] as number[]).push(r);
  }
  const rng = createRng(seed);
  const holdout: number[] = [];
  for (const rows of byClass) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = rows[i] as number;
      rows[i] = rows[j] as number;
      rows[j] = t;
    }
    // Whole rows: the fractional part by a seeded draw, so small classes still give some held-out rows.
    const exact = rows.length * fraction;
    const take = rows.length < 2 ? 0 : Math.min(rows.length - 1, Math.floor(exact) + (rng() < exact - Math.floor(exact) ? 1 : 0));
    for (let i = 0; i < rows.length; i++) (i < take ? holdout : train).push(rows[i] as number);
  }
  const sort = (a: number[]): Int32Array => Int32Array.from(a).sort();
  return { train: sort(train), holdout: sort(holdout) };
}

export interface Scored {
  best: Int32Array;
  confidence: Float64Array;
}

/** Best class and calibrated confidence of the given rows. */
export function scoreRows(labeler: Labeler, x: SparseRows, rows: Int32Array): Scored {
  const k = labeler.classes.length;
  const p = new Float64Array(k);
  const best = new Int32Array(rows.length);
  const confidence = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    if ((x.rowStart[r + 1] as number) === (x.rowStart[r] as number)) {
      best[i] = -1;
      confidence[i] = 0;
      return;
    }
    logitsOf(labeler.model, x, r, p);
    const b = softmaxInPlace(p, k, labeler.temperature);
    best[i] = b;
    confidence[i] = p[b] as number;
  });
  return { best, confidence };
}

function coverageAtAll(confidence: ArrayLike<number>, correct: ArrayLike<number>): CoverageAt {
  const out: CoverageAt = {};
  for (const p of REPORTED_PRECISIONS) out[String(p)] = coverageAtPrecision(confidence, correct, p);
  return out;
}

/** Per-label thresholds for `minPrecision` from held-out best guesses, and the report they give. */
export function chooseThresholds(
  classes: string[],
  truth: Int32Array,
  scored: Scored,
  minPrecision: number,
): { thresholds: Float64Array; perLabel: LabelQuality[]; overall: LabelReport['overall']; coverageAt: CoverageAt; curve: CurvePoint[] } {
  const k = classes.length;
  const n = truth.length;
  const correct = new Uint8Array(n);
  for (let i = 0; i < n; i++) correct[i] = scored.best[i] === truth[i] ? 1 : 0;
  const overallCut = thresholdForPrecision(
    Array.from({ length: n }, (_, i) => i),
    scored.confidence,
    correct,
    minPrecision,
  );
  const byPrediction: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) if ((scored.best[i] as number) >= 0) (byPrediction[scored.best[i] as number] as number[]).push(i);
  const thresholds = new Float64Array(k).fill(Number.NaN);
  const thresholdFrom: Array<LabelQuality['thresholdFrom']> = new Array(k).fill('none');
  for (let c = 0; c < k; c++) {
    const rows = byPrediction[c] as number[];
    if (rows.length >= MIN_ROWS_FOR_OWN_THRESHOLD) {
      const cut = thresholdForPrecision(rows, scored.confidence, correct, minPrecision);
      if (cut) {
        thresholds[c] = cut.threshold;
        thresholdFrom[c] = 'own';
      }
    } else if (overallCut) {
      // Too few held-out rows to judge this label alone: the threshold that reaches the precision over all labels.
      thresholds[c] = overallCut.threshold;
      thresholdFrom[c] = 'overall';
    }
  }
  const support = new Float64Array(k);
  for (let i = 0; i < n; i++) support[truth[i] as number] = (support[truth[i] as number] as number) + 1;
  const assigned = new Float64Array(k);
  const right = new Float64Array(k);
  let assignedAll = 0;
  let rightAll = 0;
  for (let i = 0; i < n; i++) {
    const b = scored.best[i] as number;
    if (b < 0) continue;
    const t = thresholds[b] as number;
    if (Number.isNaN(t) || (scored.confidence[i] as number) < t) continue;
    assigned[b] = (assigned[b] as number) + 1;
    assignedAll++;
    if (correct[i]) {
      right[b] = (right[b] as number) + 1;
      rightAll++;
    }
  }
  const perLabel: LabelQuality[] = classes.map((label, c) => {
    const rows = byPrediction[c] as number[];
    const coverageAt: CoverageAt = {};
    for (const p of REPORTED_PRECISIONS) {
      const cut = thresholdForPrecision(rows, scored.confidence, correct, p);
      coverageAt[String(p)] = rows.length === 0 || !cut ? 0 : cut.kept / rows.length;
    }
    return {
      label,
      support: support[c] as number,
      predicted: rows.length,
      threshold: Number.isNaN(thresholds[c] as number) ? null : (thresholds[c] as number),
      thresholdFrom: thresholdFrom[c] as LabelQuality['thresholdFrom'],
      precision: (assigned[c] as number) > 0 ? (right[c] as number) / (assigned[c] as number) : null,
      recall: (support[c] as number) > 0 ? (right[c] as number) / (support[c] as number) : 0,
      coverage: rows.length > 0 ? (assigned[c] as number) / rows.length : 0,
      coverageAt,
    };
  });
  return {
    thresholds,
    perLabel,
    overall: { precision: assignedAll > 0 ? rightAll / assignedAll : null, recall: n > 0 ? rightAll / n : 0, coverage: n > 0 ? assignedAll / n : 0 },
    coverageAt: coverageAtAll(scored.confidence, correct),
    curve: precisionCoverageCurve(scored.confidence, correct),
  };
}

export interface TrainInput {
  raw: RawRows;
  /** Class id per row; -1: no label (left out). */
  y: Int32Array;
  classes: string[];
  /** Rows `[trainOnlyFrom, n)` are reviewed rows: always in training, never held out. */
  trainOnlyFrom?: number;
}

export interface TrainProgress {
  signal?: AbortSignal;
  onEpoch?: (epoch: number, epochs: number) => void;
}

/** Trains a labeler on held-out-split rows and reports on the held-out part. */
export async function trainLabeler(input: TrainInput, settings: TrainSettings, hashBits: number, progress: TrainProgress = {}): Promise<{ labeler: Labeler; report: LabelReport; holdout: Int32Array; holdoutTruth: Int32Array }> {
  const started = Date.now();
  const { raw, y, classes } = input;
  const k = classes.length;
  const holdoutFraction = settings.holdout ?? DEFAULT_HOLDOUT;
  const minPrecision = settings.minPrecision ?? DEFAULT_MIN_PRECISION;
  const seed = settings.seed ?? 0;
  if (k < 2) throw new EngineError('BAD_INPUT', k === 0 ? 'No row has both a text and a label: there is nothing to learn from.' : `Every labelled row has the same label ("${classes[0]}"): a classifier needs at least two labels.`);
  if (k > MAX_CLASSES) throw new EngineError('BAD_INPUT', `The label column has ${k.toLocaleString('en-US')} different labels; at most ${MAX_CLASSES.toLocaleString('en-US')} are supported. Is it an id rather than a label?`);
  const usable = new Uint8Array(raw.n);
  let withoutLabel = 0;
  let emptyText = 0;
  for (let r = 0; r < raw.n; r++) {
    if ((y[r] as number) < 0) withoutLabel++;
    else if (raw.empty[r]) emptyText++;
    else usable[r] = input.trainOnlyFrom !== undefined && r >= input.trainOnlyFrom ? 2 : 1;
  }
  const warnings: string[] = [];
  if (emptyText > 0) warnings.push(`${emptyText.toLocaleString('en-US')} labelled row${emptyText === 1 ? ' has' : 's have'} no word in the text (empty, blank or only punctuation) and ${emptyText === 1 ? 'was' : 'were'} left out.`);
  const { train, holdout } = stratifiedSplit(y, usable, k, holdoutFraction, seed);
  if (train.length === 0) throw new EngineError('BAD_INPUT', 'No row has both a text with words and a label: there is nothing to learn from.');
  if (holdout.length === 0) throw new EngineError('BAD_INPUT', 'Too few labelled rows to hold any out: thresholds and the report need held-out rows (give more rows or a larger --holdout).');
  const seen = new Set<number>();
  for (const r of train) seen.add(y[r] as number);
  const unseen = classes.filter((_, c) => !seen.has(c));
  if (unseen.length > 0) warnings.push(`${unseen.length} label${unseen.length === 1 ? '' : 's'} only in held-out rows (never learnt): ${unseen.slice(0, 5).map((l) => JSON.stringify(l)).join(', ')}${unseen.length > 5 ? ', …' : ''}.`);
  const maxFeatures = Math.floor(MAX_WEIGHTS / k);
  const vocabulary = fitVocabulary(raw, train, maxFeatures);
  if (vocabulary.slots.length === maxFeatures) warnings.push(`With ${k.toLocaleString('en-US')} labels only the ${maxFeatures.toLocaleString('en-US')} most frequent n-grams are kept (a cap on the model's size).`);
  const lookup = slotLookup(vocabulary, hashBits);
  const x = weighRows(raw, lookup, vocabulary.idf);
  const optimizer = defaultOptimizer(vocabulary.slots.length, k, entriesOf(x, train));
  const model = await trainSoftmax(x, y, train, vocabulary.slots.length, k, {
    optimizer,
    c: settings.c,
    epochs: settings.epochs,
    seed,
    signal: progress.signal,
    onEpoch: (epoch, epochs) => progress.onEpoch?.(epoch, epochs),
  });
  // Temperature scaling on held-out rows: confidences that mean what they say.
  const logits = new Float64Array(holdout.length * k);
  const row = new Float64Array(k);
  holdout.forEach((r, i) => {
    logitsOf(model, x, r, row);
    logits.set(row, i * k);
  });
  const truth = Int32Array.from(holdout, (r) => y[r] as number);
  const temperature = fitTemperature(logits, truth, k);
  const labeler: Labeler = { classes, hashBits, vocabulary, lookup, model, temperature, minPrecision, thresholds: new Float64Array(k) };
  const scored = scoreRows(labeler, x, holdout);
  const chosen = chooseThresholds(classes, truth, scored, minPrecision);
  labeler.thresholds = chosen.thresholds;
  const never = chosen.perLabel.filter((l) => l.threshold === null && l.support > 0).length;
  if (never > 0) warnings.push(`${never} label${never === 1 ? '' : 's'} cannot reach precision ${minPrecision} on held-out rows and ${never === 1 ? 'is' : 'are'} never assigned automatically (their rows go to review).`);
  const report: LabelReport = {
    rows: { total: raw.n, train: train.length, holdout: holdout.length, withoutLabel, emptyText },
    classes: k,
    accuracy: accuracy(truth, scored.best),
    macroF1: macroF1(truth, scored.best, k),
    temperature,
    minPrecision,
    overall: chosen.overall,
    coverageAt: chosen.coverageAt,
    curve: chosen.curve,
    perLabel: chosen.perLabel,
    rules: { count: 0, holdoutMatched: 0, holdoutPrecision: null },
    warnings,
    optimizer,
    trainMs: Date.now() - started,
  };
  return { labeler, report, holdout, holdoutTruth: truth };
}

/** Settings a report is made with, checked: fractions in range, whole numbers where needed. */
export function checkTrainSettings(settings: TrainSettings): void {
  const h = settings.holdout;
  if (h !== undefined && !(typeof h === 'number' && h > 0 && h < 1)) throw new EngineError('BAD_INPUT', `The held-out share must be between 0 and 1 (got ${String(h)}).`);
  const p = settings.minPrecision;
  if (p !== undefined && !(typeof p === 'number' && p > 0 && p <= 1)) throw new EngineError('BAD_INPUT', `The minimum precision must be above 0 and at most 1 (got ${String(p)}).`);
  const e = settings.epochs;
  if (e !== undefined && !(Number.isInteger(e) && e >= 1 && e <= 1000)) throw new EngineError('BAD_INPUT', `Epochs must be a whole number from 1 to 1000 (got ${String(e)}).`);
  const c = settings.c;
  if (c !== undefined && !(typeof c === 'number' && c > 0 && Number.isFinite(c))) throw new EngineError('BAD_INPUT', `C must be a positive number (got ${String(c)}).`);
}

export { DEFAULT_SOFTMAX };
