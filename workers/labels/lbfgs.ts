/**
 * Multinomial logistic regression by full-batch L-BFGS: the same objective and optimiser as
 * scikit-learn's LogisticRegression (lbfgs), so the same optimum:
 *
 *   mean cross-entropy over the training rows + ||W||² / (2·C·n)   (the bias is not penalised)
 *
 * The L2 term is exact on every weight (not only on the weights a row touches, as the per-row
 * AdaGrad in softmax.ts does), and a full-batch method is deterministic and stops at a measured
 * gradient (max |g| ≤ tol, scikit-learn's default 1e-4) rather than after a fixed number of epochs.
 * One iteration costs one pass over the rows (forward and backward) plus O(m·weights) vector work.
 * Memory: the weights, gradient, previous gradient and direction in Float64, and m pairs of
 * history vectors in Float32 (88 bytes per weight with m = 7); softmax.ts uses AdaGrad above
 * LBFGS_MAX_WEIGHTS, or when a pass over the rows costs more than LBFGS_MAX_PASS_WORK.
 */
import { cancelledError } from '../protocol/errors';
import type { SparseRows } from './features';
import { ROWS_PER_SLICE, yieldNow } from './slices';

/** The fitted weights (softmax.ts's SoftmaxWeights, by shape: softmax.ts imports this file). */
export interface FittedSoftmax {
  features: number;
  classes: number;
  /** features × classes, row-major. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface LbfgsOptions {
  /** Inverse L2 strength, as scikit-learn's C. */
  c: number;
  /** At most this many iterations (each is one pass over the rows, more when the line search backtracks). */
  maxIterations: number;
  /** Stop when the largest gradient entry is at most this (scikit-learn's `tol`). */
  tolerance: number;
  /** History pairs kept. */
  memory: number;
  signal?: AbortSignal;
  onIteration?: (iteration: number, maxIterations: number, loss: number) => void;
}

export const DEFAULT_LBFGS = { maxIterations: 300, tolerance: 1e-4, memory: 7 } as const;

/** Weights (features × classes + classes) above which L-BFGS's history would cost too much memory (≈ 530 MB at this size). */
export const LBFGS_MAX_WEIGHTS = 6_000_000;

/**
 * Multiply-adds of one pass (training entries × classes) above which L-BFGS's ~100 passes would take
 * too long on one thread (about 2 s a pass here at this size: minutes in all); 16× Instacart's
 * departments (7,400 titles, 21 labels), e.g. about 120,000 titles with 21 labels.
 */
export const LBFGS_MAX_PASS_WORK = 200_000_000;

interface Problem {
  x: SparseRows;
  y: Int32Array;
  rows: Int32Array;
  features: number;
  classes: number;
  l2: number;
  signal?: AbortSignal;
}

/**
 * Cross-entropy of rows `rows[from, to)` at `theta` (returned, summed) and its unscaled gradient
 * added into `grad`. Synchronous and small, so V8 optimises the hot loop (it would not inside the
 * async caller).
 */
function accumulate(problem: Problem, theta: Float64Array, grad: Float64Array, p: Float64Array, from: number, to: number): number {
  const { x, y, rows, classes: k } = problem;
  const weightCount = problem.features * k;
  const rowStart = x.rowStart;
  const col = x.col;
  const val = x.val;
  let loss = 0;
  for (let i = from; i < to; i++) {
    const r = rows[i] as number;
    const first = rowStart[r] as number;
    const last = rowStart[r + 1] as number;
    for (let c = 0; c < k; c++) p[c] = theta[weightCount + c] as number;
    for (let e = first; e < last; e++) {
      const v = val[e] as number;
      const base = (col[e] as number) * k;
      for (let c = 0; c < k; c++) p[c] = (p[c] as number) + v * (theta[base + c] as number);
    }
    let max = -Infinity;
    for (let c = 0; c < k; c++) if ((p[c] as number) > max) max = p[c] as number;
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const ex = Math.exp((p[c] as number) - max);
      p[c] = ex;
      sum += ex;
    }
    const target = y[r] as number;
    loss -= Math.log((p[target] as number) / sum);
    for (let c = 0; c < k; c++) p[c] = (p[c] as number) / sum;
    p[target] = (p[target] as number) - 1;
    for (let c = 0; c < k; c++) grad[weightCount + c] = (grad[weightCount + c] as number) + (p[c] as number);
    for (let e = first; e < last; e++) {
      const v = val[e] as number;
      const base = (col[e] as number) * k;
      for (let c = 0; c < k; c++) grad[base + c] = (grad[base + c] as number) + v * (p[c] as number);
    }
  }
  return loss;
}

/**
 * Objective at `theta` ([W row-major features × classes, then the bias]) and its gradient into
 * `grad`. Async: yields every ROWS_PER_SLICE rows so a long pass can be cancelled.
 */
async function objective(problem: Problem, theta: Float64Array, grad: Float64Array, p: Float64Array): Promise<number> {
  const { rows, classes: k, l2 } = problem;
  const weightCount = problem.features * k;
  grad.fill(0);
  let loss = 0;
  const n = rows.length;
  for (let from = 0; from < n; from += ROWS_PER_SLICE) {
    if (from > 0) {
      await yieldNow();
      if (problem.signal?.aborted) throw cancelledError();
    }
    loss += accumulate(problem, theta, grad, p, from, Math.min(n, from + ROWS_PER_SLICE));
  }
  return finishObjective(theta, grad, weightCount, k, n, l2, loss);
}

/** Scales the summed loss and gradient to means and adds the L2 term (weights only). */
function finishObjective(theta: Float64Array, grad: Float64Array, weightCount: number, k: number, n: number, l2: number, loss: number): number {
  const inv = 1 / Math.max(1, n);
  let squares = 0;
  for (let j = 0; j < weightCount; j++) {
    const w = theta[j] as number;
    grad[j] = (grad[j] as number) * inv + l2 * w;
    squares += w * w;
  }
  for (let c = 0; c < k; c++) grad[weightCount + c] = (grad[weightCount + c] as number) * inv;
  return loss * inv + 0.5 * l2 * squares;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, length: number): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i] as number);
    if (v > m) m = v;
  }
  return m;
}

/** Trains softmax weights on `rows` of `x` (class ids `y`) by L-BFGS with a backtracking (Armijo) line search. */
export async function trainSoftmaxLbfgs(x: SparseRows, y: Int32Array, rows: Int32Array, features: number, classes: number, options: LbfgsOptions): Promise<FittedSoftmax> {
  const k = classes;
  const size = features * k + k;
  const m = Math.max(1, options.memory);
  const problem: Problem = { x, y, rows, features, classes: k, l2: 1 / (options.c * Math.max(1, rows.length)), signal: options.signal };
  const theta = new Float64Array(size);
  let grad = new Float64Array(size);
  let gradNew = new Float64Array(size);
  const direction = new Float64Array(size);
  const history = Array.from({ length: m }, () => ({ s: new Float32Array(size), y: new Float32Array(size), rho: 0 }));
  const alpha = new Float64Array(m);
  const p = new Float64Array(k);
  let stored = 0;
  let newest = -1;
  let loss = await objective(problem, theta, grad, p);
  for (let iteration = 1; iteration <= options.maxIterations; iteration++) {
    if (maxAbs(grad) <= options.tolerance) break;
    // Two-loop recursion: direction = -H·grad.
    direction.set(grad);
    for (let i = 0; i < stored; i++) {
      const h = history[(newest - i + m) % m] as (typeof history)[number];
      const a = h.rho * dot(h.s, direction, size);
      alpha[i] = a;
      for (let j = 0; j < size; j++) direction[j] = (direction[j] as number) - a * (h.y[j] as number);
    }
    if (stored > 0) {
      const h = history[newest] as (typeof history)[number];
      const gamma = 1 / (h.rho * dot(h.y, h.y, size));
      for (let j = 0; j < size; j++) direction[j] = (direction[j] as number) * gamma;
    } else {
      // First step: a unit-length step along the gradient.
      const scale = 1 / Math.sqrt(dot(grad, grad, size));
      for (let j = 0; j < size; j++) direction[j] = (direction[j] as number) * scale;
    }
    for (let i = stored - 1; i >= 0; i--) {
      const h = history[(newest - i + m) % m] as (typeof history)[number];
      const b = h.rho * dot(h.y, direction, size);
      const a = (alpha[i] as number) - b;
      for (let j = 0; j < size; j++) direction[j] = (direction[j] as number) + a * (h.s[j] as number);
    }
    for (let j = 0; j < size; j++) direction[j] = -(direction[j] as number);
    let slope = dot(grad, direction, size);
    if (!(slope < 0)) {
      // Not a descent direction (float32 history gone stale): restart from the gradient.
      stored = 0;
      const scale = 1 / Math.sqrt(dot(grad, grad, size));
      for (let j = 0; j < size; j++) direction[j] = -(grad[j] as number) * scale;
      slope = dot(grad, direction, size);
    }
    // Backtracking line search from step 1, moving theta in place.
    let step = 1;
    let taken = 0;
    let lossNew = loss;
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      const move = step - taken;
      for (let j = 0; j < size; j++) theta[j] = (theta[j] as number) + move * (direction[j] as number);
      taken = step;
      lossNew = await objective(problem, theta, gradNew, p);
      if (lossNew <= loss + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) {
      // No decrease along the direction at any step tried: back to the last point, which is as good as this precision allows.
      for (let j = 0; j < size; j++) theta[j] = (theta[j] as number) - taken * (direction[j] as number);
      break;
    }
    const slot = (newest + 1) % m;
    const h = history[slot] as (typeof history)[number];
    let sy = 0;
    for (let j = 0; j < size; j++) {
      const s = step * (direction[j] as number);
      const yv = (gradNew[j] as number) - (grad[j] as number);
      h.s[j] = s;
      h.y[j] = yv;
      sy += s * yv;
    }
    if (sy > 1e-12) {
      h.rho = 1 / sy;
      newest = slot;
      stored = Math.min(m, stored + 1);
    } else if (stored === m) {
      // The slot held the oldest pair, now overwritten: it is gone from the history.
      stored = m - 1;
    }
    const swap = grad;
    grad = gradNew;
    gradNew = swap;
    const relativeDecrease = (loss - lossNew) / Math.max(Math.abs(loss), Math.abs(lossNew), 1);
    loss = lossNew;
    options.onIteration?.(iteration, options.maxIterations, loss);
    await yieldNow();
    if (options.signal?.aborted) throw cancelledError();
    // scipy's factr-style stop: the objective no longer moves at float64 precision.
    if (relativeDecrease <= 64 * Number.EPSILON) break;
  }
  const weightCount = features * k;
  return { features, classes: k, weights: Float32Array.from(theta.subarray(0, weightCount)), bias: Float32Array.from(theta.subarray(weightCount)) };
}
