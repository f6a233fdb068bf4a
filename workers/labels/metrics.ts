/**
 * Labelling quality on held-out rows: accuracy, macro-F1, the precision/coverage curve of a
 * confidence threshold, the coverage reachable at a precision, and per-label thresholds chosen
 * for a target precision.
 */

/** Precision levels every report states the reachable coverage at. */
export const REPORTED_PRECISIONS = [0.9, 0.95, 0.99] as const;

/** A label needs this many held-out rows predicted as it for a threshold of its own; fewer use the overall threshold. */
export const MIN_ROWS_FOR_OWN_THRESHOLD = 5;

export interface CurvePoint {
  /** Rows with confidence >= threshold are labelled. */
  threshold: number;
  coverage: number;
  precision: number;
}

/** Indices sorted by confidence, highest first (ties by index: deterministic). */
function byConfidence(indices: ArrayLike<number>, confidence: ArrayLike<number>): number[] {
  return Array.from(indices).sort((a, b) => (confidence[b] as number) - (confidence[a] as number) || a - b);
}

/**
 * Every cut of rows sorted by confidence at which the threshold can sit (ties kept together):
 * the kept count, correct count and the threshold.
 */
function cuts(order: number[], confidence: ArrayLike<number>, correct: ArrayLike<number>): Array<{ kept: number; right: number; threshold: number }> {
  const out: Array<{ kept: number; right: number; threshold: number }> = [];
  let right = 0;
  for (let i = 0; i < order.length; i++) {
    right += correct[order[i] as number] as number;
    const here = confidence[order[i] as number] as number;
    const next = i + 1 < order.length ? (confidence[order[i + 1] as number] as number) : -Infinity;
    if (next < here) out.push({ kept: i + 1, right, threshold: here });
  }
  return out;
}

/** The lowest threshold whose kept rows reach `precision` (null if none), with the rows it keeps. */
export function thresholdForPrecision(indices: ArrayLike<number>, confidence: ArrayLike<number>, correct: ArrayLike<number>, precision: number): { threshold: number; kept: number } | null {
  let best: { threshold: number; kept: number } | null = null;
  for (const cut of cuts(byConfidence(indices, confidence), confidence, correct)) {
    if (cut.right / cut.kept >= precision - 1e-12) best = { threshold: cut.threshold, kept: cut.kept };
  }
  return best;
}

/** Share of rows a single confidence threshold can label at `precision` or better. */
export function coverageAtPrecision(confidence: ArrayLike<number>, correct: ArrayLike<number>, precision: number): number {
  const n = confidence.length;
  if (n === 0) return 0;
  const all = Array.from({ length: n }, (_, i) => i);
  const found = thresholdForPrecision(all, confidence, correct, precision);
  return found ? found.kept / n : 0;
}

/** The precision/coverage curve of one confidence threshold over all rows, thinned to about `points` points. */
export function precisionCoverageCurve(confidence: ArrayLike<number>, correct: ArrayLike<number>, points = 101): CurvePoint[] {
  const n = confidence.length;
  if (n === 0) return [];
  const all = cuts(
    byConfidence(
      Array.from({ length: n }, (_, i) => i),
      confidence,
    ),
    confidence,
    correct,
  );
  const step = Math.max(1, Math.ceil(all.length / points));
  const out: CurvePoint[] = [];
  for (let i = 0; i < all.length; i++) {
    if (i % step !== 0 && i !== all.length - 1) continue;
    const c = all[i] as { kept: number; right: number; threshold: number };
    out.push({ threshold: c.threshold, coverage: c.kept / n, precision: c.right / c.kept });
  }
  return out;
}

export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const n = truth.length;
  if (n === 0) return 0;
  let right = 0;
  for (let i = 0; i < n; i++) if (truth[i] === predicted[i]) right++;
  return right / n;
}

/** Macro-F1 over the classes that occur in the truth or the predictions (scikit-learn's default labels). */
export function macroF1(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number {
  const tp = new Float64Array(classes);
  const fp = new Float64Array(classes);
  const fn = new Float64Array(classes);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as number;
    const p = predicted[i] as number;
    if (t === p) tp[t] = (tp[t] as number) + 1;
    else {
      if (p >= 0) fp[p] = (fp[p] as number) + 1;
      if (t >= 0) fn[t] = (fn[t] as number) + 1;
    }
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++) {
    const support = (tp[c] as number) + (fp[c] as number) + (fn[c] as number);
    if (support === 0) continue;
    present++;
    sum += (2 * (tp[c] as number)) / (2 * (tp[c] as number) + (fp[c] as number) + (fn[c] as number));
  }
  return present === 0 ? 0 : sum / present;
}
