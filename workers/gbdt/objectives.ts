import type { Objective } from './params';

/**
 * Gradients and hessians of an objective at the current margins, as XGBoost computes them
 * (float32; hessians floored at 1e-16), interleaved as the histogram kernels read them:
 * gh[2 * row] = gradient, gh[2 * row + 1] = hessian. Margins are row-major [row * groups + group].
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
  computeGradientRange(objective, margins, labels, groups, group, scalePosWeight, gh, 0, labels.length);
}

/**
 * computeGradients for rows [begin, end) only (helper threads each take a range). Self-contained
 * (no outside references) so its source can run in a helper thread as it is.
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
    // exp(-margin) by fdlibm's algorithm, the one V8's Math.exp runs (bit-identical results,
    // checked on 2e7 values), inlined: the call into the runtime costs more than the arithmetic.
    const pow2 = new Float64Array(2046);
    for (let k = 0; k < 2046; k++) pow2[k] = 2 ** (k - 1022);
    for (let i = begin; i < n; i++) {
      const x = -(margins[i] as number);
      let e: number;
      if (x > -700 && x < 700) {
        const k = (1.4426950408889634 * x + (x < 0 ? -0.5 : 0.5)) | 0;
        const hi = x - k * 6.9314718036912382e-1;
        const lo = k * 1.9082149292705877e-10;
        const r = hi - lo;
        const t = r * r;
        const c = r - t * (1.6666666666666602e-1 + t * (-2.7777777777015593e-3 + t * (6.613756321437934e-5 + t * (-1.6533902205465252e-6 + t * 4.1381367970572385e-8))));
        e = (1 - (lo - (r * c) / (2 - c) - hi)) * (pow2[k + 1022] as number);
      } else e = Math.exp(x);
      const p = 1 / (1 + e);
      const y = labels[i] as number;
      const w = y > 0.5 ? scalePosWeight : 1;
      gh[2 * i] = (p - y) * w;
      gh[2 * i + 1] = Math.max(p * (1 - p), 1e-16) * w;
    }
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
