import { auc, logloss } from './metrics';

export interface Curve {
  x: number[];
  y: number[];
}

export interface BinaryEvaluation {
  rows: number;
  positives: number;
  auc: number;
  logloss: number;
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** x = false positive rate, y = true positive rate. */
  roc: Curve;
  /** x = recall, y = precision. */
  pr: Curve;
  /** x = fraction of rows targeted (by descending score), y = cumulative share of positives captured. */
  gain: Curve;
  /** x = fraction targeted, y = lift over the base rate. */
  lift: Curve;
  /** x = mean predicted probability per bin, y = observed positive rate; count per bin. */
  calibration: Curve & { count: number[] };
}

export interface RegressionEvaluation {
  rows: number;
  rmse: number;
  mae: number;
  r2: number;
}

export interface MulticlassEvaluation {
  rows: number;
  accuracy: number;
  mlogloss: number;
  /** confusion[actual][predicted] */
  confusion: number[][];
}

function downsample(xs: number[], ys: number[], max = 200): Curve {
  if (xs.length <= max) return { x: xs, y: ys };
  const x: number[] = [];
  const y: number[] = [];
  const step = (xs.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) {
    const k = Math.round(i * step);
    x.push(xs[k] as number);
    y.push(ys[k] as number);
  }
  return { x, y };
}

export function confusionAt(probs: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): { tp: number; fp: number; tn: number; fn: number } {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < probs.length; i++) {
    const predicted = (probs[i] as number) >= threshold;
    const actual = (labels[i] as number) > 0.5;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/** Everything the Models view shows for a binary model, computed in the engine. */
export function evaluateBinary(probs: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): BinaryEvaluation {
  const n = probs.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (probs[b] as number) - (probs[a] as number));
  let positives = 0;
  for (let i = 0; i < n; i++) if ((labels[i] as number) > 0.5) positives++;
  const negatives = n - positives;
  const fpr: number[] = [0];
  const tpr: number[] = [0];
  const rec: number[] = [];
  const prec: number[] = [];
  const frac: number[] = [0];
  const gain: number[] = [0];
  const lift: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    if ((labels[i] as number) > 0.5) tp++;
    else fp++;
    // Emit a point at the end of each run of equal scores.
    const nextScore = k + 1 < n ? (probs[order[k + 1] as number] as number) : Number.NaN;
    if (nextScore === (probs[i] as number)) continue;
    fpr.push(negatives > 0 ? fp / negatives : 0);
    tpr.push(positives > 0 ? tp / positives : 0);
    rec.push(positives > 0 ? tp / positives : 0);
    prec.push(tp / (tp + fp));
    frac.push((k + 1) / n);
    gain.push(positives > 0 ? tp / positives : 0);
    lift.push(positives > 0 ? tp / (k + 1) / (positives / n) : 0);
  }
  const bins = 10;
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  const count = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const p = probs[i] as number;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + ((labels[i] as number) > 0.5 ? 1 : 0);
    count[b] = (count[b] as number) + 1;
  }
  const calX: number[] = [];
  const calY: number[] = [];
  const calN: number[] = [];
  for (let b = 0; b < bins; b++) {
    if ((count[b] as number) === 0) continue;
    calX.push((sumP[b] as number) / (count[b] as number));
    calY.push((sumY[b] as number) / (count[b] as number));
    calN.push(count[b] as number);
  }
  const c = confusionAt(probs, labels, threshold);
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0;
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0;
  return {
    rows: n,
    positives,
    auc: auc(probs, labels),
    logloss: logloss(probs, labels),
    threshold,
    accuracy: n > 0 ? (c.tp + c.tn) / n : 0,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    confusion: c,
    roc: downsample(fpr, tpr),
    pr: downsample(rec, prec),
    gain: downsample(frac, gain),
    lift: downsample(frac.slice(1), lift),
    calibration: { x: calX, y: calY, count: calN },
  };
}

export function evaluateRegression(preds: ArrayLike<number>, labels: ArrayLike<number>): RegressionEvaluation {
  const n = preds.length;
  let se = 0;
  let ae = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += labels[i] as number;
  mean /= Math.max(1, n);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (preds[i] as number) - (labels[i] as number);
    se += d * d;
    ae += Math.abs(d);
    ss += ((labels[i] as number) - mean) ** 2;
  }
  return { rows: n, rmse: Math.sqrt(se / Math.max(1, n)), mae: ae / Math.max(1, n), r2: ss > 0 ? 1 - se / ss : 0 };
}

export function evaluateMulticlass(probs: ArrayLike<number>, labels: ArrayLike<number>, k: number): MulticlassEvaluation {
  const n = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((probs[i * k + c] as number) > (probs[i * k + best] as number)) best = c;
    const y = labels[i] as number;
    (confusion[y] as number[])[best] = ((confusion[y] as number[])[best] as number) + 1;
    if (best === y) correct++;
    loss -= Math.log(Math.min(1 - 1e-16, Math.max(1e-16, probs[i * k + y] as number)));
  }
  return { rows: n, accuracy: correct / Math.max(1, n), mlogloss: loss / Math.max(1, n), confusion };
}
