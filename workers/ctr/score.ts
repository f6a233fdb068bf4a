/**
 * Scores rows from `CtrWeights` alone (the contract in weights.ts). `scoreMargins` is the reference:
 * float64 arithmetic over the float32 weights, one row at a time. `scoreRows` is what the jobs use
 * (predict, evaluation, importance): the same float64 first-order and FM terms, and for DeepFM the
 * MLP in float32 batches (as ONNX runtimes run it; its first layer per distinct embedding, the rest
 * on tfjs), within ~1e-6 of the reference. The trainer's own float32 pass serves only its per-epoch metric.
 */
import type { CtrWeights } from './weights';
import type { EncodedRows } from './encode';
import { loadTf, mlpForward as mlpForwardTf } from './mlp-tf';
import { CtrBatchKernels } from './ctr-kernels';

export function sigmoid(m: number): number {
  return m >= 0 ? 1 / (1 + Math.exp(-m)) : Math.exp(m) / (1 + Math.exp(m));
}

/** Margins (log-odds) of every encoded row. `signalCheck` is called every few thousand rows (cancel). */
export function scoreMargins(weights: CtrWeights, rows: EncodedRows, signalCheck?: () => void): Float64Array {
  const F = rows.fields;
  if (F !== weights.encoding.fields.length) throw new Error(`rows have ${F} fields, the model ${weights.encoding.fields.length}`);
  const K = weights.k;
  const withFm = weights.kind !== 'lr' && K > 0;
  const mlp = weights.kind === 'deepfm' ? weights.mlp : [];
  const out = new Float64Array(rows.rows);
  const sum = new Float64Array(K);
  const input = new Float64Array(F * K);
  const widest = mlp.reduce((w, l) => Math.max(w, l.outputs, l.inputs), 0);
  const a = new Float64Array(widest);
  const b = new Float64Array(widest);
  const { slots, values } = rows;
  for (let r = 0; r < rows.rows; r++) {
    if (signalCheck && (r & 4095) === 0) signalCheck();
    let margin = weights.bias;
    let squares = 0;
    sum.fill(0);
    const base = r * F;
    for (let f = 0; f < F; f++) {
      const s = slots[base + f] as number;
      const v = values[base + f] as number;
      margin += ((weights.linear[f] as Float32Array)[s] as number) * v;
      if (!withFm) continue;
      const e = weights.embeddings[f] as Float32Array;
      const at = s * K;
      for (let k = 0; k < K; k++) {
        const x = (e[at + k] as number) * v;
        sum[k] = (sum[k] as number) + x;
        squares += x * x;
        input[f * K + k] = x;
      }
    }
    if (withFm) {
      let pairs = 0;
      for (let k = 0; k < K; k++) pairs += (sum[k] as number) * (sum[k] as number);
      margin += 0.5 * (pairs - squares);
    }
    if (mlp.length > 0) margin += mlpForward(mlp, input, a, b);
    out[r] = margin;
  }
  return out;
}

/** The MLP of one row (float64), returning its single output. */
function mlpForward(layers: CtrWeights['mlp'], input: Float64Array, a: Float64Array, b: Float64Array): number {
  let current: Float64Array = input;
  let next = a;
  for (let l = 0; l < layers.length; l++) {
    const layer = layers[l] as CtrWeights['mlp'][number];
    const { inputs, outputs, weights: W, bias } = layer;
    for (let j = 0; j < outputs; j++) next[j] = bias[j] as number;
    for (let i = 0; i < inputs; i++) {
      const x = current[i] as number;
      if (x === 0) continue;
      const row = i * outputs;
      for (let j = 0; j < outputs; j++) next[j] = (next[j] as number) + x * (W[row + j] as number);
    }
    if (layer.activation === 'relu') for (let j = 0; j < outputs; j++) if ((next[j] as number) < 0) next[j] = 0;
    current = next;
    next = next === a ? b : a;
  }
  return current[0] as number;
}

export function probabilities(margins: Float64Array): Float64Array {
  const out = new Float64Array(margins.length);
  for (let i = 0; i < margins.length; i++) out[i] = sigmoid(margins[i] as number);
  return out;
}

const SCORE_BATCH = 4096;

/**
 * Margins of every row for the jobs: the reference for lr/fm; for DeepFM the same float64
 * first-order and FM terms, and the MLP in float32 batches: its first layer once per distinct
 * embedding of a batch (ctr-kernels.ts, as training runs it), the layers after it on tfjs.
 */
export async function scoreRows(weights: CtrWeights, rows: EncodedRows, signalCheck?: () => void): Promise<Float64Array> {
  if (weights.kind !== 'deepfm' || weights.mlp.length === 0) return scoreMargins(weights, rows, signalCheck);
  const shallow: CtrWeights = { ...weights, kind: 'fm', mlp: [] };
  const margins = scoreMargins(shallow, rows, signalCheck);
  const F = rows.fields;
  const K = weights.k;
  const [first, ...rest] = weights.mlp as [CtrWeights['mlp'][number], ...CtrWeights['mlp']];
  const H = first.outputs;
  const backend = rest.length > 0 ? await loadTf() : null;
  const restShape = { widths: [H, ...rest.map((l) => l.outputs)] };
  const restParams = { weights: rest.map((l) => l.weights), biases: rest.map((l) => l.bias) };
  const kernels = new CtrBatchKernels(F, K, H);
  const { Kp, Hp } = kernels;
  // Distinct slots per batch over one numbering of every field's levels (field f from offsets[f]).
  const offsets = new Int32Array(F + 1);
  weights.embeddings.forEach((e, f) => (offsets[f + 1] = (offsets[f] as number) + e.length / K));
  const mark = new Int32Array(offsets[F] as number).fill(-1);
  const slotIndex = new Int32Array(offsets[F] as number);
  const n0 = Math.min(SCORE_BATCH, rows.rows);
  const uid = new Int32Array(n0 * F);
  const vals = new Float32Array(n0 * F);
  const distinctField = new Int32Array(n0 * F);
  const distinctLevel = new Int32Array(n0 * F);
  const activations = new Float32Array(n0 * H);
  const out = new Float32Array(n0);
  let weightsSet = false;
  for (let from = 0, pass = 0; from < rows.rows; from += SCORE_BATCH, pass++) {
    signalCheck?.();
    const n = Math.min(SCORE_BATCH, rows.rows - from);
    let U = 0;
    for (let i = 0; i < n * F; i++) {
      const f = i % F;
      const level = rows.slots[from * F + i] as number;
      const s = (offsets[f] as number) + level;
      if (mark[s] !== pass) {
        mark[s] = pass;
        slotIndex[s] = U;
        distinctField[U] = f;
        distinctLevel[U] = level;
        U++;
      }
      uid[i] = slotIndex[s] as number;
      vals[i] = rows.values[from * F + i] as number;
    }
    kernels.load(n, U, uid, vals, distinctField);
    if (!weightsSet) kernels.setWeights(first.weights, first.bias);
    weightsSet = true;
    const eu = kernels.embeddings(U);
    for (let u = 0; u < U; u++) {
      const at = (distinctLevel[u] as number) * K;
      eu.set((weights.embeddings[distinctField[u] as number] as Float32Array).subarray(at, at + K), u * Kp);
    }
    const z = kernels.forward(n, U);
    const relu = first.activation === 'relu';
    let mlpOut: Float32Array = out;
    if (!backend) for (let b = 0; b < n; b++) out[b] = relu ? Math.max(0, z[b * Hp] as number) : (z[b * Hp] as number);
    else {
      for (let b = 0; b < n; b++) for (let j = 0; j < H; j++) activations[b * H + j] = relu ? Math.max(0, z[b * Hp + j] as number) : (z[b * Hp + j] as number);
      mlpOut = await mlpForwardTf(backend, restShape, restParams, activations.subarray(0, n * H), n);
    }
    for (let b = 0; b < n; b++) margins[from + b] = (margins[from + b] as number) + (mlpOut[b] as number);
  }
  return margins;
}
