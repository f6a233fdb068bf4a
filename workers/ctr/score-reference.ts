import { EngineError } from '../protocol/errors';
import { slotCount, type CategoricalField, type CtrField, type CtrWeights, type NumericField } from './weights';

/**
 * A float64 reference scorer for `CtrWeights`, row by row from plain values, written straight from
 * the contract in weights.ts and sharing nothing with training or the exports: the SQL export
 * (every dialect) and the ONNX export are checked against it. Slow on purpose (one row at a time).
 *
 * Raw values as a production engine would read them: numbers (or bigint), booleans, dates as a
 * `Date` or 'YYYY-MM-DD' text (or a number of days), timestamps as a `Date` or ISO text (or a number
 * of seconds), all UTC; null/undefined is missing.
 * A categorical value's text is `String(value)` (texts and integers read the same in every engine).
 */

// ---- MD5 (RFC 1321), enough of it to hash one level's UTF-8 text ----

const MD5_SHIFTS = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21];
const MD5_CONSTANTS = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

/** The 16-byte MD5 digest of `bytes`. */
export function md5(bytes: Uint8Array): Uint8Array {
  const bitLength = bytes.length * 8;
  const padded = new Uint8Array(((bytes.length + 8) >> 6) * 64 + 64);
  padded.set(bytes);
  padded[bytes.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, bitLength >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(bitLength / 2 ** 32), true);
  let a0 = 0x67452301;
  let b0 = 0xefcdab89;
  let c0 = 0x98badcfe;
  let d0 = 0x10325476;
  for (let chunk = 0; chunk < padded.length; chunk += 64) {
    let a = a0;
    let b = b0;
    let c = c0;
    let d = d0;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const sum = (a + f + (MD5_CONSTANTS[i] as number) + view.getUint32(chunk + g * 4, true)) | 0;
      const s = MD5_SHIFTS[i] as number;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << s) | (sum >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  const out = new Uint8Array(16);
  const outView = new DataView(out.buffer);
  [a0, b0, c0, d0].forEach((word, i) => outView.setUint32(i * 4, word >>> 0, true));
  return out;
}

/** First 32 bits of MD5 of the text's UTF-8 bytes, read big-endian, unsigned (the contract's hash). */
export function levelHash(text: string): number {
  const digest = md5(new TextEncoder().encode(text));
  return new DataView(digest.buffer).getUint32(0, false);
}

// ---- Field slots ----

/** The active slot of a field and the value it carries. */
export interface ActiveSlot {
  slot: number;
  value: number;
}

const MS_PER_DAY = 86_400_000;

function dateMillis(raw: unknown): number {
  if (raw instanceof Date) return raw.getTime();
  if (typeof raw === 'string') return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(raw) ? raw : `${raw.replace(' ', 'T')}Z`);
  return Number.NaN;
}

/** The field's number before transform (NaN when missing), as the contract reads each source type. */
function rawNumber(field: NumericField, raw: unknown): number {
  if (raw === null || raw === undefined) return Number.NaN;
  switch (field.source) {
    case 'numeric':
      return typeof raw === 'bigint' ? Number(raw) : typeof raw === 'number' ? raw : Number.NaN;
    case 'boolean':
      return typeof raw === 'boolean' ? (raw ? 1 : 0) : Number.NaN;
    case 'date':
      return typeof raw === 'number' ? raw : Math.floor(dateMillis(raw) / MS_PER_DAY);
    case 'timestamp':
      return typeof raw === 'number' ? raw : dateMillis(raw) / 1000;
  }
}

function numericSlot(field: NumericField, raw: unknown): ActiveSlot {
  const x = rawNumber(field, raw);
  if (!Number.isFinite(x)) return field.missingIndicator ? { slot: 1, value: 1 } : { slot: 0, value: 0 };
  const t = field.transform === 'log1p' ? Math.sign(x) * Math.log(1 + Math.abs(x)) : x;
  return { slot: 0, value: (t - field.mean) / field.std };
}

function categoricalSlot(field: CategoricalField, raw: unknown): ActiveSlot {
  if (raw === null || raw === undefined) return { slot: 0, value: 1 };
  const text = String(raw);
  if (field.encoding === 'hash') return { slot: 1 + (levelHash(text) % field.hashBuckets), value: 1 };
  const index = field.levels.indexOf(text);
  return { slot: index + 1, value: 1 };
}

/** Slot and value of one field for one raw value. */
export function activeSlot(field: CtrField, raw: unknown): ActiveSlot {
  return field.kind === 'numeric' ? numericSlot(field, raw) : categoricalSlot(field, raw);
}

/** Slots and values of every row, row-major [rows × fields] (the ONNX export's inputs). */
export function encodeRows(weights: Pick<CtrWeights, 'encoding'>, rows: ReadonlyArray<Record<string, unknown>>): { slots: Int32Array; values: Float64Array } {
  const fields = weights.encoding.fields;
  const slots = new Int32Array(rows.length * fields.length);
  const values = new Float64Array(rows.length * fields.length);
  rows.forEach((row, r) => {
    fields.forEach((field, f) => {
      const active = activeSlot(field, row[field.name]);
      slots[r * fields.length + f] = active.slot;
      values[r * fields.length + f] = active.value;
    });
  });
  return { slots, values };
}

// ---- Scores ----

function dense(input: Float64Array, layer: CtrWeights['mlp'][number]): Float64Array {
  const out = new Float64Array(layer.outputs);
  for (let o = 0; o < layer.outputs; o++) {
    let sum = layer.bias[o] as number;
    for (let i = 0; i < layer.inputs; i++) sum += (input[i] as number) * (layer.weights[i * layer.outputs + o] as number);
    out[o] = layer.activation === 'relu' ? Math.max(0, sum) : sum;
  }
  return out;
}

/** Checks the weights' shapes against their encoding, so a scorer never reads past an array. */
export function checkWeightShapes(weights: CtrWeights): void {
  const fields = weights.encoding.fields;
  const bad = (what: string): never => {
    throw new EngineError('BAD_INPUT', `The ${weights.kind} model's weights do not match its encoding: ${what}.`);
  };
  if (weights.linear.length !== fields.length) bad(`${weights.linear.length} linear tables for ${fields.length} fields`);
  fields.forEach((field, f) => {
    const slots = slotCount(field);
    if (weights.linear[f]?.length !== slots) bad(`field "${field.name}" has ${weights.linear[f]?.length} linear weights for ${slots} slots`);
    if (weights.kind !== 'lr' && weights.embeddings[f]?.length !== slots * weights.k) bad(`field "${field.name}" has ${weights.embeddings[f]?.length} embedding values for ${slots} slots × k ${weights.k}`);
  });
  if (weights.kind !== 'lr' && !(weights.k > 0)) bad(`k is ${weights.k}`);
  if (weights.kind === 'deepfm') {
    let width = fields.length * weights.k;
    weights.mlp.forEach((layer, i) => {
      if (layer.inputs !== width) bad(`MLP layer ${i + 1} takes ${layer.inputs} inputs, not ${width}`);
      if (layer.weights.length !== layer.inputs * layer.outputs || layer.bias.length !== layer.outputs) bad(`MLP layer ${i + 1} has arrays of the wrong size`);
      width = layer.outputs;
    });
    if (width !== 1 || weights.mlp.length === 0) bad('the MLP does not end in one output');
  }
}

/** Margins (before the sigmoid) of every row, in float64 from the float32 weights. */
export function referenceMargins(weights: CtrWeights, rows: ReadonlyArray<Record<string, unknown>>): Float64Array {
  checkWeightShapes(weights);
  const fields = weights.encoding.fields;
  const k = weights.kind === 'lr' ? 0 : weights.k;
  const { slots, values } = encodeRows(weights, rows);
  const out = new Float64Array(rows.length);
  const embedded = new Float64Array(fields.length * k);
  for (let r = 0; r < rows.length; r++) {
    let margin = weights.bias;
    for (let f = 0; f < fields.length; f++) {
      const slot = slots[r * fields.length + f] as number;
      const v = values[r * fields.length + f] as number;
      margin += (weights.linear[f]?.[slot] as number) * v;
      for (let j = 0; j < k; j++) embedded[f * k + j] = (weights.embeddings[f]?.[slot * k + j] as number) * v;
    }
    if (k > 0) {
      // Σ_{f<g} <e_f, e_g> = ½ Σ_j ((Σ_f e_fj)² − Σ_f e_fj²)
      for (let j = 0; j < k; j++) {
        let sum = 0;
        let squares = 0;
        for (let f = 0; f < fields.length; f++) {
          const e = embedded[f * k + j] as number;
          sum += e;
          squares += e * e;
        }
        margin += 0.5 * (sum * sum - squares);
      }
    }
    if (weights.kind === 'deepfm') {
      let activations: Float64Array = embedded;
      for (const layer of weights.mlp) activations = dense(activations, layer);
      margin += activations[0] as number;
    }
    out[r] = margin;
  }
  return out;
}

export const sigmoid = (margin: number): number => 1 / (1 + Math.exp(-margin));

/** Probabilities of every row (float64). */
export function referenceProbabilities(weights: CtrWeights, rows: ReadonlyArray<Record<string, unknown>>): Float64Array {
  return referenceMargins(weights, rows).map(sigmoid);
}
