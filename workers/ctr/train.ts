/**
 * The CTR trainer: LR, FM and DeepFM by mini-batch gradient descent on field slots.
 *
 * The sparse part (first-order weights and embeddings) is written by hand on typed arrays: a batch
 * touches a few thousand slots of tables that may hold millions, and tfjs's gradient of gather
 * (unsortedSegmentSum) materialises a dense [slots × k] gradient that the optimiser then sweeps in
 * full every batch (measured in the README). Here the gradient is accumulated only for the slots a
 * batch touches and the optimiser updates only those ("lazy" Adam/Adagrad, as TensorFlow's
 * LazyAdam and PyTorch's SparseAdam do). DeepFM's MLP runs on tfjs (mlp-tf.ts) where dense matrix
 * products pay. Everything is seeded: same data, seed and backend, same model.
 */
import { EngineError, cancelledError } from '../protocol/errors';
import { auc as aucOf, logloss as loglossOf } from '../gbdt/metrics';
import { createRng } from '../gbdt/rng';
import type { RoundReport } from '../gbdt/train';
import type { EncodedRows } from './encode';
import type { CtrRowSource } from './row-source';
import type { CtrParams } from './params';
import { slotCount, type CtrEncoding, type CtrWeights, type DenseLayer } from './weights';
import type { BackendPreference } from '../compute/backend-choice';
import { loadTf, mlpForward, mlpStep, type MlpParams, type MlpShape, type TfBackend } from './mlp-tf';

export interface CtrTrainOptions {
  params: CtrParams;
  encoding: CtrEncoding;
  signal: AbortSignal;
  /** DeepFM's MLP backend: 'auto' (WebGPU only on a hardware adapter, else WASM), 'webgpu' or 'cpu' (mlp-tf.ts). */
  backend?: BackendPreference;
  /** After every epoch (the history entry) and every few batches (batch progress); training waits for it. */
  onEpoch?: (report: RoundReport) => void | Promise<void>;
  onBatch?: (epoch: number, batch: number, batches: number) => void | Promise<void>;
}

export interface CtrTrainResult {
  weights: CtrWeights;
  history: RoundReport[];
  /** 0-based epoch the weights come from (the best on validation with early stopping), null when every epoch was kept. */
  bestEpoch: number | null;
  /** 'webgpu' when DeepFM's MLP ran on tfjs's WebGPU backend; 'cpu' covers tfjs WASM/CPU and the typed arrays. */
  backend: { name: 'cpu' | 'webgpu'; reason: string };
  secondsPerEpoch: number[];
}

const ADAM_B1 = 0.9;
const ADAM_B2 = 0.999;
const EPS = 1e-8;
const FTRL_BETA = 1;

/** One parameter table with its optimiser state (two slots per coordinate at most). */
class Table {
  readonly values: Float32Array;
  readonly grad: Float32Array;
  readonly s1: Float32Array;
  readonly s2: Float32Array;
  constructor(size: number) {
    this.values = new Float32Array(size);
    this.grad = new Float32Array(size);
    this.s1 = new Float32Array(size);
    this.s2 = new Float32Array(size);
  }
}

class Optimiser {
  step = 0;
  private c1 = 1;
  private c2 = 1;
  constructor(
    private readonly kind: CtrParams['optimizer'],
    private readonly lr: number,
    private readonly l2: number,
  ) {}

  /** Call once per batch before the updates. */
  next(): void {
    this.step++;
    this.c1 = 1 - ADAM_B1 ** this.step;
    this.c2 = 1 - ADAM_B2 ** this.step;
  }

  /** FTRL keeps z, n and derives the weight; its state must start at the initial weights. */
  prepare(t: Table): void {
    if (this.kind !== 'ftrl') return;
    for (let i = 0; i < t.values.length; i++) t.s1[i] = -(t.values[i] as number) * (FTRL_BETA / this.lr + this.l2);
  }

  /** Updates coordinates [from, to) of a table from its gradient (plus L2 when `decay`), zeroing the gradient. */
  update(t: Table, from: number, to: number, decay: boolean): void {
    const { values: w, grad: g, s1, s2 } = t;
    const lr = this.lr;
    const l2 = decay ? this.l2 : 0;
    if (this.kind === 'adam') {
      const c1 = this.c1;
      const c2 = this.c2;
      for (let i = from; i < to; i++) {
        const gi = (g[i] as number) + l2 * (w[i] as number);
        g[i] = 0;
        const m = ADAM_B1 * (s1[i] as number) + (1 - ADAM_B1) * gi;
        const v = ADAM_B2 * (s2[i] as number) + (1 - ADAM_B2) * gi * gi;
        s1[i] = m;
        s2[i] = v;
        w[i] = (w[i] as number) - (lr * (m / c1)) / (Math.sqrt(v / c2) + EPS);
      }
    } else if (this.kind === 'adagrad') {
      for (let i = from; i < to; i++) {
        const gi = (g[i] as number) + l2 * (w[i] as number);
        g[i] = 0;
        const acc = (s1[i] as number) + gi * gi;
        s1[i] = acc;
        w[i] = (w[i] as number) - (lr * gi) / (Math.sqrt(acc) + EPS);
      }
    } else {
      // FTRL-proximal (McMahan et al. 2013), no L1: z accumulates g - sigma*w, n the squared gradients.
      for (let i = from; i < to; i++) {
        const gi = g[i] as number;
        g[i] = 0;
        const n = s2[i] as number;
        const n2 = n + gi * gi;
        const sigma = (Math.sqrt(n2) - Math.sqrt(n)) / lr;
        const z = (s1[i] as number) + gi - sigma * (w[i] as number);
        s1[i] = z;
        s2[i] = n2;
        w[i] = -z / ((FTRL_BETA + Math.sqrt(n2)) / lr + this.l2);
      }
    }
  }
}

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Trains one CTR model on a source's rows (in memory or streamed from DuckDB: row-source.ts). The
 * caller has checked the labels hold both classes in the training rows.
 */
export async function trainCtr(source: CtrRowSource, options: CtrTrainOptions): Promise<CtrTrainResult> {
  const { params, encoding, signal } = options;
  // The rows and labels of the batch (or validation chunk) in hand: the source hands them out.
  let rows: EncodedRows;
  let labels: Float32Array;
  const F = source.fields;
  const K = params.kind === 'lr' ? 0 : params.k;
  const deep = params.kind === 'deepfm';
  const rng = createRng(params.seed);

  const offsets = new Int32Array(F + 1);
  encoding.fields.forEach((field, f) => (offsets[f + 1] = (offsets[f] as number) + slotCount(field)));
  const totalSlots = offsets[F] as number;
  const linear = new Table(totalSlots);
  const embed = new Table(totalSlots * K);
  for (let i = 0; i < embed.values.length; i++) embed.values[i] = 0.01 * gaussian(rng);

  // The bias starts at the training rows' log-odds, so early batches learn structure, not the base rate.
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, source.trainPositives / Math.max(1, source.trainRows)));
  const biasTable = new Table(1);
  biasTable.values[0] = Math.log(rate / (1 - rate));

  const widths = deep ? [F * K, ...params.hidden, 1] : [];
  const mlpShape: MlpShape = { widths };
  const mlpW: Table[] = [];
  const mlpB: Table[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l] as number;
    const fanOut = widths[l + 1] as number;
    const w = new Table(fanIn * fanOut);
    const limit = Math.sqrt(6 / (fanIn + fanOut)); // Glorot uniform
    for (let i = 0; i < w.values.length; i++) w.values[i] = (2 * rng() - 1) * limit;
    mlpW.push(w);
    mlpB.push(new Table(fanOut));
  }
  const optimiser = new Optimiser(params.optimizer, params.learning_rate, params.l2);
  for (const t of [linear, embed, biasTable, ...mlpW, ...mlpB]) optimiser.prepare(t);

  let tfBackend: TfBackend | null = null;
  if (deep) tfBackend = await loadTf(options.backend ?? 'auto');
  const backendReason = deep
    ? `${(tfBackend as TfBackend).reason}; embeddings and first-order weights on typed arrays (sparse updates)`
    : 'typed arrays (sparse gradient and optimiser updates on the slots a batch touches; no dense model part, so no tfjs)';
  const mlpParams = (): MlpParams => ({ weights: mlpW.map((t) => t.values), biases: mlpB.map((t) => t.values) });

  const B = Math.min(params.batch_size, Math.max(1, source.trainRows));
  const touched = new Int32Array(B * F);
  const stamp = new Int32Array(totalSlots).fill(-1);
  const sums = new Float64Array(B * Math.max(K, 1));
  const margins = new Float64Array(B);
  const mlpInput = deep ? new Float32Array(B * F * K) : new Float32Array(0);

  /** First-order + FM part of a batch's margins (and the MLP input), float32 parameters. */
  const forward = (idx: Uint32Array, from: number, n: number, into: Float64Array, x: Float32Array | null): void => {
    const w = linear.values;
    const E = embed.values;
    for (let b = 0; b < n; b++) {
      const r = idx[from + b] as number;
      const base = r * F;
      let m = biasTable.values[0] as number;
      let squares = 0;
      const sb = b * K;
      for (let k = 0; k < K; k++) sums[sb + k] = 0;
      for (let f = 0; f < F; f++) {
        const s = (offsets[f] as number) + (rows.slots[base + f] as number);
        const v = rows.values[base + f] as number;
        m += (w[s] as number) * v;
        const at = s * K;
        const xb = (b * F + f) * K;
        for (let k = 0; k < K; k++) {
          const e = (E[at + k] as number) * v;
          sums[sb + k] = (sums[sb + k] as number) + e;
          squares += e * e;
          if (x) x[xb + k] = e;
        }
      }
      let pairs = 0;
      for (let k = 0; k < K; k++) pairs += (sums[sb + k] as number) * (sums[sb + k] as number);
      into[b] = m + 0.5 * (pairs - squares);
    }
  };

  /** Validation log loss and AUC with the current parameters (no dropout), chunk by chunk from the source. */
  const validate = async (): Promise<{ logloss: number; auc: number }> => {
    const probs = new Float64Array(source.validRows);
    const ys = new Float64Array(source.validRows);
    const part = new Float64Array(B);
    const x = deep ? new Float32Array(B * F * K) : null;
    const idx = new Uint32Array(B);
    for await (const chunk of source.chunks('valid', signal)) {
      rows = chunk.rows;
      labels = chunk.labels;
      for (let from = 0; from < chunk.rows.rows; from += B) {
        const n = Math.min(B, chunk.rows.rows - from);
        for (let b = 0; b < n; b++) idx[b] = from + b;
        forward(idx, 0, n, part, x);
        const deepOut = deep && x ? await mlpForward(tfBackend as TfBackend, mlpShape, mlpParams(), x.subarray(0, n * F * K), n) : null;
        for (let b = 0; b < n; b++) {
          const m = (part[b] as number) + (deepOut ? (deepOut[b] as number) : 0);
          probs[chunk.first + from + b] = 1 / (1 + Math.exp(-m));
          ys[chunk.first + from + b] = labels[from + b] as number;
        }
      }
    }
    return { logloss: loglossOf(probs, ys), auc: aucOf(probs, ys) };
  };

  const history: RoundReport[] = [];
  const secondsPerEpoch: number[] = [];
  const metric = params.eval_metric;
  const hasValid = source.validRows > 0;
  if (params.early_stopping_rounds > 0 && !hasValid) throw new EngineError('BAD_INPUT', 'Early stopping needs a validation share above 0 (or early_stopping_rounds=0).');
  let best: { score: number; epoch: number; snapshot: Float32Array[] } | null = null;
  const tables = [linear, embed, biasTable, ...mlpW, ...mlpB];
  const batches = Math.ceil(source.trainRows / B);
  let lastYield = Date.now();

  for (let epoch = 0; epoch < params.epochs; epoch++) {
    const started = Date.now();
    let lossSum = 0;
    let batch = -1;
    // Each epoch visits the training rows in a fresh, seeded order (the source's shuffle, row-source.ts).
    for await (const next of source.trainBatches(B, rng, signal)) {
      batch++;
      if (signal.aborted) throw cancelledError();
      rows = next.rows;
      labels = next.labels;
      const { order, from, n } = next;
      forward(order, from, n, margins, deep ? mlpInput : null);
      optimiser.next();
      const g = new Float64Array(n);
      const computeGradient = (deepOut: Float32Array | null): Float32Array => {
        const out = new Float32Array(n);
        for (let b = 0; b < n; b++) {
          const m = (margins[b] as number) + (deepOut ? (deepOut[b] as number) : 0);
          const p = 1 / (1 + Math.exp(-m));
          const y = labels[order[from + b] as number] as number;
          lossSum -= y > 0.5 ? Math.log(Math.max(p, 1e-15)) : Math.log(Math.max(1 - p, 1e-15));
          g[b] = (p - y) / n;
          out[b] = g[b] as number;
        }
        return out;
      };
      let dInput: Float32Array | null = null;
      if (deep) {
        const masks = params.hidden.map((width) => {
          if (params.dropout <= 0) return null;
          const mask = new Float32Array(n * width);
          const keep = 1 / (1 - params.dropout);
          for (let i = 0; i < mask.length; i++) mask[i] = rng() < params.dropout ? 0 : keep;
          return mask;
        });
        const grads = await mlpStep(tfBackend as TfBackend, mlpShape, mlpParams(), mlpInput.subarray(0, n * F * K), n, masks, computeGradient);
        dInput = grads.input;
        grads.weights.forEach((dw, l) => (mlpW[l] as Table).grad.set(dw));
        grads.biases.forEach((db, l) => (mlpB[l] as Table).grad.set(db));
      } else computeGradient(null);

      // Backward through the first-order and FM terms, accumulating only touched slots.
      let touchedCount = 0;
      const E = embed.values;
      const gw = linear.grad;
      const gE = embed.grad;
      let gBias = 0;
      for (let b = 0; b < n; b++) {
        const r = order[from + b] as number;
        const gb = g[b] as number;
        gBias += gb;
        const base = r * F;
        const sb = b * K;
        for (let f = 0; f < F; f++) {
          const s = (offsets[f] as number) + (rows.slots[base + f] as number);
          const v = rows.values[base + f] as number;
          if (stamp[s] !== batch) {
            stamp[s] = batch;
            touched[touchedCount++] = s;
          }
          gw[s] = (gw[s] as number) + gb * v;
          if (K === 0) continue;
          const at = s * K;
          const gv = gb * v;
          const xb = (b * F + f) * K;
          for (let k = 0; k < K; k++) {
            // d/de of 0.5*((Σ e v)^2 - Σ (e v)^2) is v*(sum - e*v); the MLP adds v * d/dx.
            let d = gv * ((sums[sb + k] as number) - (E[at + k] as number) * v);
            if (dInput) d += (dInput[xb + k] as number) * v;
            gE[at + k] = (gE[at + k] as number) + d;
          }
        }
      }
      biasTable.grad[0] = gBias;
      optimiser.update(biasTable, 0, 1, false);
      for (let t = 0; t < touchedCount; t++) {
        const s = touched[t] as number;
        optimiser.update(linear, s, s + 1, true);
        if (K > 0) optimiser.update(embed, s * K, s * K + K, true);
      }
      for (const layer of mlpW) optimiser.update(layer, 0, layer.values.length, true);
      for (const layer of mlpB) optimiser.update(layer, 0, layer.values.length, false);
      if (Date.now() - lastYield > 100) {
        await options.onBatch?.(epoch, batch + 1, batches);
        await yieldToEventLoop();
        lastYield = Date.now();
      }
    }
    // Batch numbers restart every epoch: clear the stamps so a slot's first touch is seen again.
    stamp.fill(-1);
    secondsPerEpoch.push((Date.now() - started) / 1000);
    // 1-based, as boosted trees number their rounds (curves, CLI, best-epoch marks read it alike).
    const report: RoundReport = { round: epoch + 1, train: { logloss: lossSum / Math.max(1, source.trainRows) } };
    if (hasValid) {
      const v = await validate();
      report.valid = { logloss: v.logloss, auc: v.auc };
      const score = metric === 'auc' ? v.auc : -v.logloss;
      if (!best || score > best.score) best = { score, epoch, snapshot: tables.map((t) => t.values.slice()) };
    }
    history.push(report);
    await options.onEpoch?.(report);
    await yieldToEventLoop();
    if (best && params.early_stopping_rounds > 0 && epoch - best.epoch >= params.early_stopping_rounds) break;
  }

  let bestEpoch: number | null = null;
  if (best && params.early_stopping_rounds > 0 && best.epoch !== history.length - 1) {
    tables.forEach((t, i) => t.values.set(best.snapshot[i] as Float32Array));
    bestEpoch = best.epoch;
  } else if (best && params.early_stopping_rounds > 0) bestEpoch = best.epoch;

  const weights: CtrWeights = {
    kind: params.kind,
    encoding,
    bias: biasTable.values[0] as number,
    linear: encoding.fields.map((_, f) => linear.values.slice(offsets[f] as number, offsets[f + 1] as number)),
    k: K,
    embeddings: K > 0 ? encoding.fields.map((_, f) => embed.values.slice((offsets[f] as number) * K, (offsets[f + 1] as number) * K)) : [],
    mlp: mlpW.map(
      (t, l): DenseLayer => ({
        weights: t.values.slice(),
        bias: (mlpB[l] as Table).values.slice(),
        inputs: widths[l] as number,
        outputs: widths[l + 1] as number,
        activation: l === mlpW.length - 1 ? 'linear' : 'relu',
      }),
    ),
  };
  return { weights, history, bestEpoch, backend: { name: tfBackend?.name === 'webgpu' ? 'webgpu' : 'cpu', reason: backendReason }, secondsPerEpoch };
}
