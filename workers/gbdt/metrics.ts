/** Evaluation metrics, computed as XGBoost defines them. */

/** Area under the ROC curve with ties averaged (Mann-Whitney). NaN when one class is absent. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  for (let i = 0; i < n; i++) if ((labels[i] as number) > 0.5) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const s = scores[order[i] as number] as number;
    while (j + 1 < n && scores[order[j + 1] as number] === s) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if ((labels[order[k] as number] as number) > 0.5) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

const EPS = 1e-16;

export function logloss(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, probs[i] as number));
    const y = labels[i] as number;
    sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return sum / Math.max(1, probs.length);
}

export function errorRate(probs: ArrayLike<number>, labels: ArrayLike<number>, threshold = 0.5): number {
  let wrong = 0;
  for (let i = 0; i < probs.length; i++) if (((probs[i] as number) > threshold ? 1 : 0) !== (labels[i] as number)) wrong++;
  return wrong / Math.max(1, probs.length);
}

export function rmse(preds: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < preds.length; i++) sum += ((preds[i] as number) - (labels[i] as number)) ** 2;
  return Math.sqrt(sum / Math.max(1, preds.length));
}

/** Multi-class log loss over row-major probabilities [row * k + class]. */
export function mlogloss(probs: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  let sum = 0;
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    const p = Math.min(1 - EPS, Math.max(EPS, probs[i * k + (labels[i] as number)] as number));
    sum -= Math.log(p);
  }
  return sum / Math.max(1, n);
}

/** Whether a larger value of the metric is better (for early stopping). */
export function higherIsBetter(metric: string): boolean {
  return metric === 'auc';
}
