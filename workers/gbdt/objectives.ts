import type { Objective } from './params';
import { logisticGradientRange, sigmoidTable } from './sigmoid-table';

/**
 * Gradients and hessians of an objective at the current margins, as XGBoost computes them
 * (float32; hessians floored at 1e-16; binary:logistic's sigmoid from a table, sigmoid-table.ts),
 * interleaved as the histogram kernels read them: gh[2 * row] = gradient, gh[2 * row + 1] = hessian. Margins are row-major [row * groups + group].
 */
export function computeGradients(
  objective: Objective,
  margins: Float32Array,
  labels: Float32Array,
  groups: number,
  group: number,
  scalePosWeight: number,
  gh: Float32Array,
): void {
  if (objective === 'binary:logistic') return logisticGradientRange(margins, labels, sigmoidTable(), scalePosWeight, gh, 0, labels.length);
  computeGradientRange(objective, margins, labels, groups, group, scalePosWeight, gh, 0, labels.length);
}

/**
 * computeGradients for rows [begin, end) of reg:squarederror and multi:softprob (helper threads
 * each take a range); binary:logistic is logisticGradientRange (sigmoid-table.ts), the table
 * gradient the WebGPU trainer reproduces. Self-contained (no outside references) so its source can
 * run in a helper thread as it is.
 */
export function computeGradientRange(
  objective: Objective,
  margins: Float32Array,
  labels: Float32Array,
  groups: number,
  group: number,
  scalePosWeight: number,
  gh: Float32Array,
  begin: number,
  end: number,
): void {
  const n = end;
  if (objective === 'binary:logistic') {
    throw new Error('binary:logistic gradients come from logisticGradientRange (the sigmoid table)');
  } else if (objective === 'reg:squarederror') {
    for (let i = begin; i < n; i++) {
      gh[2 * i] = (margins[i] as number) - (labels[i] as number);
      gh[2 * i + 1] = 1;
    }
  } else {
    for (let i = begin; i < n; i++) {
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
export function transformMargins(objective: Objective, margins: Float64Array | Float32Array, groups: number): Float64Array {
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
