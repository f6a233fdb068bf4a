import type { Objective } from './params';

/**
 * Gradients and hessians of an objective at the current margins, as XGBoost computes them
 * (float32; hessians floored at 1e-16), interleaved as the histogram kernels read them:
 * gh[2 * row] = gradient, gh[2 * row + 1] = hessian. Margins are row-major [row * groups + group].
 */
export function computeGradients(
  objective: Objective,
  margins: Float64Array,
  labels: Float32Array,
  groups: number,
  group: number,
  scalePosWeight: number,
  gh: Float32Array,
): void {
  const n = labels.length;
  if (objective === 'binary:logistic') {
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(margins[i] as number)));
      const y = labels[i] as number;
      const w = y > 0.5 ? scalePosWeight : 1;
      gh[2 * i] = (p - y) * w;
      gh[2 * i + 1] = Math.max(p * (1 - p), 1e-16) * w;
    }
  } else if (objective === 'reg:squarederror') {
    for (let i = 0; i < n; i++) {
      gh[2 * i] = (margins[i] as number) - (labels[i] as number);
      gh[2 * i + 1] = 1;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const base = i * groups;
      let max = -Infinity;
      for (let k = 0; k < groups; k++) max = Math.max(max, margins[base + k] as number);
      let sum = 0;
      for (let k = 0; k < groups; k++) sum += Math.exp((margins[base + k] as number) - max);
      const p = Math.exp((margins[base + group] as number) - max) / sum;
      const y = (labels[i] as number) === group ? 1 : 0;
      gh[2 * i] = p - y;
      gh[2 * i + 1] = Math.max(2 * p * (1 - p), 1e-16);
    }
  }
}

/** Transforms margins into predictions in place: probabilities or values. */
export function transformMargins(objective: Objective, margins: Float64Array, groups: number): Float64Array {
  const out = new Float64Array(margins.length);
  if (objective === 'binary:logistic') {
    for (let i = 0; i < margins.length; i++) out[i] = Math.fround(1 / (1 + Math.exp(-(margins[i] as number))));
  } else if (objective === 'reg:squarederror') {
    for (let i = 0; i < margins.length; i++) out[i] = margins[i] as number;
  } else {
    const n = margins.length / groups;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let k = 0; k < groups; k++) max = Math.max(max, margins[i * groups + k] as number);
      let sum = 0;
      for (let k = 0; k < groups; k++) sum += Math.exp((margins[i * groups + k] as number) - max);
      for (let k = 0; k < groups; k++) out[i * groups + k] = Math.fround(Math.exp((margins[i * groups + k] as number) - max) / sum);
    }
  }
  return out;
}
