/**
 * The saved form of a CTR model: JSON with the kind, label, encoding, parameters, backend and the
 * weights in tfjs's own artifact layout (`weightSpecs` naming each tensor's shape, `weightData`
 * their float32 little-endian bytes one after another, base64), so
 * `tf.io.decodeWeights(bytes, weightSpecs)` reads them back as tensors. `format` and `version`
 * let a reader refuse what it does not know instead of misreading it.
 */
import { EngineError } from '../protocol/errors';
import type { LabelInfo } from '../gbdt/types';
import { slotCount, type CtrEncoding, type CtrKind, type CtrWeights, type DenseLayer } from './weights';

export const CTR_FORMAT = 'assay-ctr';
export const CTR_FORMAT_VERSION = 1;

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface CtrModelFile {
  format: typeof CTR_FORMAT;
  version: number;
  kind: CtrKind;
  name: string;
  target: string;
  label: LabelInfo;
  params: Record<string, unknown>;
  backend: { name: 'cpu' | 'webgpu'; reason: string } | null;
  trainedAt: string;
  bestEpoch: number | null;
  encoding: CtrEncoding;
  /** Embedding size (0 for lr). */
  k: number;
  /** Activation of each MLP layer (deepfm), in order. */
  activations: Array<'relu' | 'linear'>;
  weightSpecs: WeightSpec[];
  /** Base64 of the float32 values of every spec, in order. */
  weightData: string;
}

export interface CtrModelMeta {
  name: string;
  target: string;
  label: LabelInfo;
  params: Record<string, unknown>;
  backend: { name: 'cpu' | 'webgpu'; reason: string } | null;
  trainedAt: string;
  bestEpoch: number | null;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const chunk: string[] = [];
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    chunk.push(B64[n >> 18] as string, B64[(n >> 12) & 63] as string, B64[(n >> 6) & 63] as string, B64[n & 63] as string);
    if (chunk.length >= 65536) parts.push(chunk.splice(0).join(''));
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest > 1 ? (bytes[i + 1] as number) << 8 : 0);
    chunk.push(B64[n >> 18] as string, B64[(n >> 12) & 63] as string, rest > 1 ? (B64[(n >> 6) & 63] as string) : '=', '=');
  }
  parts.push(chunk.join(''));
  return parts.join('');
}

export function base64ToBytes(text: string): Uint8Array {
  const lookup = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) lookup[B64.charCodeAt(i)] = i;
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = lookup[clean.charCodeAt(i)] ?? -1;
    if (v < 0) throw new EngineError('BAD_INPUT', 'The model file is damaged: its weightData is not base64.');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 255;
    }
  }
  return out;
}

function tensorsOf(weights: CtrWeights): Array<{ spec: WeightSpec; values: Float32Array }> {
  const out: Array<{ spec: WeightSpec; values: Float32Array }> = [{ spec: { name: 'bias', shape: [1], dtype: 'float32' }, values: Float32Array.of(weights.bias) }];
  weights.encoding.fields.forEach((field, f) => {
    const slots = slotCount(field);
    out.push({ spec: { name: `linear/${f}`, shape: [slots], dtype: 'float32' }, values: weights.linear[f] as Float32Array });
    if (weights.k > 0) out.push({ spec: { name: `embedding/${f}`, shape: [slots, weights.k], dtype: 'float32' }, values: weights.embeddings[f] as Float32Array });
  });
  weights.mlp.forEach((layer, l) => {
    out.push({ spec: { name: `mlp/${l}/kernel`, shape: [layer.inputs, layer.outputs], dtype: 'float32' }, values: layer.weights });
    out.push({ spec: { name: `mlp/${l}/bias`, shape: [layer.outputs], dtype: 'float32' }, values: layer.bias });
  });
  return out;
}

export function writeCtrModel(weights: CtrWeights, meta: CtrModelMeta): string {
  const tensors = tensorsOf(weights);
  const total = tensors.reduce((n, t) => n + t.values.length, 0);
  const all = new Float32Array(total);
  let at = 0;
  for (const t of tensors) {
    all.set(t.values, at);
    at += t.values.length;
  }
  const bytes = new Uint8Array(all.buffer);
  // Float32Array bytes are the platform's order; every host Assay runs on is little-endian, as tfjs assumes.
  const file: CtrModelFile = {
    format: CTR_FORMAT,
    version: CTR_FORMAT_VERSION,
    kind: weights.kind,
    ...meta,
    encoding: weights.encoding,
    k: weights.k,
    activations: weights.mlp.map((l) => l.activation),
    weightSpecs: tensors.map((t) => t.spec),
    weightData: bytesToBase64(bytes),
  };
  return JSON.stringify(file);
}

/** True when the text is (or claims to be) an Assay CTR model file. */
export function looksLikeCtrModel(json: string): boolean {
  return /"format"\s*:\s*"assay-ctr"/.test(json.slice(0, 500));
}

function bad(message: string): EngineError {
  return new EngineError('BAD_INPUT', message);
}

/** Reads a CTR model file; `expectedKind` refuses a file of another kind. */
export function readCtrModel(json: string, expectedKind?: string): { weights: CtrWeights; meta: CtrModelMeta } {
  let file: Partial<CtrModelFile>;
  try {
    file = JSON.parse(json) as Partial<CtrModelFile>;
  } catch {
    throw bad('The model file is not valid JSON.');
  }
  if (file.format !== CTR_FORMAT) throw bad('This is not an Assay CTR model file (no "format": "assay-ctr").');
  if (typeof file.version !== 'number' || file.version > CTR_FORMAT_VERSION) {
    throw bad(`This model file was written by a newer Assay (CTR format version ${String(file.version)}); this version reads version ${CTR_FORMAT_VERSION}. Update Assay to use it.`);
  }
  const kind = file.kind;
  if (kind !== 'lr' && kind !== 'fm' && kind !== 'deepfm') throw bad(`The model file names an unknown model kind "${String(kind)}" (this Assay knows lr, fm and deepfm).`);
  if (expectedKind !== undefined && expectedKind !== kind) throw bad(`This is a ${kind} model file, not a ${expectedKind} one.`);
  const encoding = file.encoding;
  if (!encoding || encoding.version !== 1 || !Array.isArray(encoding.fields) || encoding.fields.length === 0) throw bad('The model file carries no readable field encoding.');
  const specs = file.weightSpecs ?? [];
  const bytes = base64ToBytes(file.weightData ?? '');
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 4));
  const tensors = new Map<string, Float32Array>();
  let at = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (at + size > floats.length) throw bad('The model file is damaged: its weights are shorter than its weightSpecs say.');
    tensors.set(spec.name, floats.slice(at, at + size));
    at += size;
  }
  const k = Number(file.k ?? 0);
  const need = (name: string, size: number): Float32Array => {
    const t = tensors.get(name);
    if (!t || t.length !== size) throw bad(`The model file is damaged: tensor ${name} is missing or has the wrong size for its encoding.`);
    return t;
  };
  const linear = encoding.fields.map((field, f) => need(`linear/${f}`, slotCount(field)));
  const embeddings = kind === 'lr' ? [] : encoding.fields.map((field, f) => need(`embedding/${f}`, slotCount(field) * k));
  const mlp: DenseLayer[] = [];
  const activations = file.activations ?? [];
  for (let l = 0; tensors.has(`mlp/${l}/kernel`); l++) {
    const spec = specs.find((s) => s.name === `mlp/${l}/kernel`) as WeightSpec;
    const [inputs, outputs] = spec.shape as [number, number];
    mlp.push({ weights: need(`mlp/${l}/kernel`, inputs * outputs), bias: need(`mlp/${l}/bias`, outputs), inputs, outputs, activation: activations[l] === 'relu' ? 'relu' : 'linear' });
  }
  if (kind === 'deepfm' && (mlp.length === 0 || mlp[0]?.inputs !== encoding.fields.length * k || mlp[mlp.length - 1]?.outputs !== 1)) {
    throw bad('The model file is damaged: its MLP does not fit its fields and embedding size.');
  }
  const weights: CtrWeights = { kind, encoding, bias: need('bias', 1)[0] as number, linear, k: kind === 'lr' ? 0 : k, embeddings, mlp };
  const meta: CtrModelMeta = {
    name: String(file.name ?? ''),
    target: String(file.target ?? ''),
    label: file.label ?? { kind: 'binary' },
    params: file.params ?? {},
    backend: file.backend ?? null,
    trainedAt: String(file.trainedAt ?? ''),
    bestEpoch: typeof file.bestEpoch === 'number' ? file.bestEpoch : null,
  };
  return { weights, meta };
}
