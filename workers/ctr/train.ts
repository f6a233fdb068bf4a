/**
 * The CTR trainer: LR, FM and DeepFM by mini-batch gradient descent on field slots.
 *
 * The sparse part (first-order weights and embeddings) is written by hand on typed arrays: a batch
 * touches a few thousand slots of tables that may hold millions, and tfjs's gradient of gather
 * (unsortedSegmentSum) materialises a dense [slots × k] gradient that the optimiser then sweeps in
 * full every batch (measured in the README). Here the gradient is accumulated only for the slots a
 * batch touches and the optimiser updates only those ("lazy" Adam/Adagrad, as TensorFlow's
 * LazyAdam and PyTorch's SparseAdam do).
 *
 * Work is done once per distinct slot of a batch where the maths allows (ctr-kernels.ts, WASM
 * SIMD): a Criteo-like batch of 4096 rows x 39 fields holds ~16k distinct slots of 160k cells. The
 * FM term's per-row sums and per-slot gradients, and DeepFM's first MLP layer (each distinct
 * embedding projected once, then summed per row; its gradients grouped the same way), which would
 * otherwise be the dense [4096 x F*k] by [F*k x 64] products that dominated training. The layers
 * after it are small dense products on tfjs (mlp-tf.ts). Everything is seeded: same data, seed and
 * backend, same model.
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
import { CtrBatchKernels } from './ctr-kernels';

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

  // DeepFM's first layer runs once per distinct slot of a batch (ctr-kernels.ts); tfjs runs the
  // layers after it, so a DeepFM without hidden layers needs no tfjs at all.
  const H1 = deep ? (widths[1] as number) : 0;
  const kernels = K > 0 ? new CtrBatchKernels(F, K, H1) : null;
  const Kp = kernels ? kernels.Kp : 0;
  const Hp = kernels ? kernels.Hp : 0;
  const restShape: MlpShape = { widths: widths.slice(1) };
  const hasRest = restShape.widths.length > 1;
  let tfBackend: TfBackend | null = null;
  if (hasRest) tfBackend = await loadTf(options.backend ?? 'auto');
  const backendReason = deep
    ? `${tfBackend ? tfBackend.reason : 'no tfjs: the MLP has no hidden layer'}; the MLP's first layer runs once per distinct embedding of a batch (WASM SIMD); embeddings and first-order weights on typed arrays (sparse updates)`
    : 'typed arrays and WASM SIMD (gradients and optimiser updates on the slots a batch touches; no dense model part, so no tfjs)';
  const restParams = (): MlpParams => ({ weights: mlpW.slice(1).map((t) => t.values), biases: mlpB.slice(1).map((t) => t.values) });

  const B = Math.min(params.batch_size, Math.max(1, source.trainRows));
  const margins = new Float64Array(B);
  // The batch's distinct slots in first-seen order: `mark` holds the pass that last saw a slot.
  const mark = new Int32Array(totalSlots).fill(-1);
  const slotIndex = new Int32Array(totalSlots);
  const distinct = new Int32Array(B * F);
  const distinctField = new Int32Array(B * F);
  const uid = new Int32Array(B * F);
  const cellValues = new Float32Array(B * F);
  let distinctCount = 0;
  let pass = 0;
  // Per distinct slot: |e|^2 (FM's squares), and backwards the first-order gradient and sum of g v^2.
  const norms = new Float64Array(B * F);
  const linearGrad = new Float64Array(B * F);
  const squareGrad = new Float64Array(B * F);
  const gradients = new Float64Array(B);
  const gradients32 = new Float32Array(B);
  // DeepFM: the first hidden layer's activations (ReLU, dropout) and gates for the backward pass.
  const activations = hasRest ? new Float32Array(B * H1) : new Float32Array(0);
  const gates = hasRest ? new Float32Array(B * H1) : new Float32Array(0);
  const deepOut = new Float32Array(B);

  /**
   * A batch's margins without the MLP (bias, first-order and FM terms), float32 parameters. Collects
   * the batch's distinct slots (uid, distinct, distinctField) and loads them into the kernels: the
   * FM sums and DeepFM's first layer work per distinct slot (ctr-kernels.ts).
   */
  const forward = (idx: Uint32Array, from: number, n: number, into: Float64Array): void => {
    const w = linear.values;
    const E = embed.values;
    pass++;
    let U = 0;
    const bias = biasTable.values[0] as number;
    for (let b = 0; b < n; b++) {
      const base = (idx[from + b] as number) * F;
      let m = bias;
      let squares = 0;
      for (let f = 0; f < F; f++) {
        const s = (offsets[f] as number) + (rows.slots[base + f] as number);
        const v = rows.values[base + f] as number;
        if (mark[s] !== pass) {
          mark[s] = pass;
          slotIndex[s] = U;
          distinct[U] = s;
          distinctField[U] = f;
          let norm = 0;
          for (let k = s * K; k < s * K + K; k++) norm += (E[k] as number) * (E[k] as number);
          norms[U] = norm;
          U++;
        }
        const u = slotIndex[s] as number;
        uid[b * F + f] = u;
        cellValues[b * F + f] = v;
        m += (w[s] as number) * v;
        squares += v * v * (norms[u] as number);
      }
      // FM's pairwise term 0.5 * (|sum v e|^2 - sum |v e|^2): the squares here, the sums below.
      into[b] = m - 0.5 * squares;
    }
    distinctCount = U;
    if (!kernels) return;
    kernels.load(n, U, uid, cellValues, distinctField);
    const eu = kernels.embeddings(U);
    for (let u = 0; u < U; u++) {
      const at = (distinct[u] as number) * K;
      eu.set(E.subarray(at, at + K), u * Kp);
    }
    const sums = kernels.fieldSums(n);
    for (let b = 0; b < n; b++) {
      let pairs = 0;
      for (let k = b * Kp; k < b * Kp + K; k++) pairs += (sums[k] as number) * (sums[k] as number);
      into[b] = (into[b] as number) + 0.5 * pairs;
    }
  };

  /** DeepFM's first-layer pre-activations [n x Hp] for the batch forward() last loaded. */
  const firstLayer = (n: number): Float32Array => {
    const k = kernels as CtrBatchKernels;
    k.setWeights((mlpW[0] as Table).values, (mlpB[0] as Table).values);
    return k.forward(n, distinctCount);
  };

  /**
   * The first layer's ReLU (times the dropout mask, already scaled) into `activations`, its gate
   * (h > 0, times the mask) into `gates`: the activation's gradient is the gate times the next's.
   */
  const activate = (z: Float32Array, n: number, mask: Float32Array | null): Float32Array => {
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < H1; j++) {
        const h = z[b * Hp + j] as number;
        const g = h > 0 ? (mask ? (mask[b * H1 + j] as number) : 1) : 0;
        gates[b * H1 + j] = g;
        activations[b * H1 + j] = h * g;
      }
    }
    return activations.subarray(0, n * H1);
  };

  /** DeepFM's MLP outputs of a batch without dropout (validation). */
  const deepForward = async (n: number): Promise<Float32Array> => {
    const z = firstLayer(n);
    if (!hasRest) {
      for (let b = 0; b < n; b++) deepOut[b] = z[b * Hp] as number;
      return deepOut;
    }
    return mlpForward(tfBackend as TfBackend, restShape, restParams(), activate(z, n, null), n);
  };

  /** Validation log loss and AUC with the current parameters (no dropout), chunk by chunk from the source. */
  const validate = async (): Promise<{ logloss: number; auc: number }> => {
    const probs = new Float64Array(source.validRows);
    const ys = new Float64Array(source.validRows);
    const part = new Float64Array(B);
    const idx = new Uint32Array(B);
    for await (const chunk of source.chunks('valid', signal)) {
      rows = chunk.rows;
      labels = chunk.labels;
      for (let from = 0; from < chunk.rows.rows; from += B) {
        const n = Math.min(B, chunk.rows.rows - from);
        for (let b = 0; b < n; b++) idx[b] = from + b;
        forward(idx, 0, n, part);
        const mlpOut = deep ? await deepForward(n) : null;
        for (let b = 0; b < n; b++) {
          const m = (part[b] as number) + (mlpOut ? (mlpOut[b] as number) : 0);
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
      forward(order, from, n, margins);
      optimiser.next();
      const computeGradient = (mlpOutputs: Float32Array | null): Float32Array => {
        for (let b = 0; b < n; b++) {
          const m = (margins[b] as number) + (mlpOutputs ? (mlpOutputs[b] as number) : 0);
          const p = 1 / (1 + Math.exp(-m));
          const y = labels[order[from + b] as number] as number;
          lossSum -= y > 0.5 ? Math.log(Math.max(p, 1e-15)) : Math.log(Math.max(1 - p, 1e-15));
          gradients[b] = (p - y) / n;
          gradients32[b] = gradients[b] as number;
        }
        return gradients32.subarray(0, n);
      };
      let dEmbedding: Float32Array | null = null;
      if (deep) {
        const masks = params.hidden.map((width) => {
          if (params.dropout <= 0) return null;
          const mask = new Float32Array(n * width);
          const keep = 1 / (1 - params.dropout);
          for (let i = 0; i < mask.length; i++) mask[i] = rng() < params.dropout ? 0 : keep;
          return mask;
        });
        const k = kernels as CtrBatchKernels;
        const z = firstLayer(n);
        const dz = k.outputGradient(n);
        dz.fill(0);
        if (!hasRest) {
          for (let b = 0; b < n; b++) deepOut[b] = z[b * Hp] as number;
          const gOut = computeGradient(deepOut.subarray(0, n));
          for (let b = 0; b < n; b++) dz[b * Hp] = gOut[b] as number;
        } else {
          const a = activate(z, n, masks[0] ?? null);
          const grads = await mlpStep(tfBackend as TfBackend, restShape, restParams(), a, n, masks.slice(1), computeGradient);
          grads.weights.forEach((dw, l) => (mlpW[l + 1] as Table).grad.set(dw));
          grads.biases.forEach((db, l) => (mlpB[l + 1] as Table).grad.set(db));
          const dA = grads.input;
          for (let b = 0; b < n; b++) for (let j = 0; j < H1; j++) dz[b * Hp + j] = (dA[b * H1 + j] as number) * (gates[b * H1 + j] as number);
        }
        const db0 = (mlpB[0] as Table).grad;
        for (let b = 0; b < n; b++) for (let j = 0; j < H1; j++) db0[j] = (db0[j] as number) + (dz[b * Hp + j] as number);
        dEmbedding = k.backward(n, distinctCount, (mlpW[0] as Table).grad);
      } else computeGradient(null);

      // Backward through the first-order and FM terms, per distinct slot u of the batch:
      //   d/dw_u = sum g_b v;  d/de_u = sum g_b v (sums_b - v e_u) = sum (g_b v) sums_b - e_u sum g_b v^2.
      const U = distinctCount;
      linearGrad.fill(0, 0, U);
      squareGrad.fill(0, 0, U);
      const weights = kernels ? kernels.cellWeights(n) : null;
      let gBias = 0;
      for (let b = 0; b < n; b++) {
        const gb = gradients[b] as number;
        gBias += gb;
        for (let i = b * F; i < b * F + F; i++) {
          const u = uid[i] as number;
          const v = cellValues[i] as number;
          linearGrad[u] = (linearGrad[u] as number) + gb * v;
          squareGrad[u] = (squareGrad[u] as number) + gb * v * v;
          if (weights) weights[i] = gb * v;
        }
      }
      const gw = linear.grad;
      const gE = embed.grad;
      const E = embed.values;
      const weighted = kernels ? kernels.embeddingGradient(n, U) : null;
      for (let u = 0; u < U; u++) {
        const s = distinct[u] as number;
        gw[s] = linearGrad[u] as number;
        if (!weighted) continue;
        const c = squareGrad[u] as number;
        for (let k = 0; k < K; k++) {
          let d = (weighted[u * Kp + k] as number) - (E[s * K + k] as number) * c;
          // The MLP's part, one row per distinct slot (ctr-kernels.ts).
          if (dEmbedding) d += dEmbedding[u * K + k] as number;
          gE[s * K + k] = d;
        }
      }
      biasTable.grad[0] = gBias;
      optimiser.update(biasTable, 0, 1, false);
      for (let t = 0; t < U; t++) {
        const s = distinct[t] as number;
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
