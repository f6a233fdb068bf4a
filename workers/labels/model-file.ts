/**
 * The labeler file `assay labels train` writes and `assay labels apply` runs: JSON, versioned.
 * Typed arrays travel as base64 of their little-endian bytes (every host Assay runs on is
 * little-endian). A file of another kind or a newer version is refused in words.
 */
import { EngineError } from '../protocol/errors';
import { slotLookup } from './features';
import type { LabelReport, Labeler } from './labeler';
import type { LabelRule } from './rules';
import { DEFAULT_HASH_BITS } from './tokenize';

export const LABELER_KIND = 'assay-labeler';
export const LABELER_VERSION = 1;

/** How texts become features: recorded so a reader can tell what the weights mean. */
export const TOKENIZER_DESCRIPTION = {
  normalise: 'Unicode lowercase; NFD with U+0300-U+036F removed',
  words: 'runs of \\p{L}\\p{N}\\p{M}; each Han/Hiragana/Katakana character alone',
  wordNgrams: [1, 2],
  charNgrams: [2, 4],
  charPadding: 'one space each side of a word (char_wb)',
  hash: 'FNV-1a 32-bit over code points, seeded per kind, murmur3 fmix32, low bits',
  weighting: 'tf * smooth idf, L2 per part (words, characters)',
} as const;

export interface LabelerFile {
  kind: typeof LABELER_KIND;
  version: number;
  createdAt: string;
  textColumn: string;
  labelColumn: string;
  tokenizer: typeof TOKENIZER_DESCRIPTION & { hashBits: number };
  classes: string[];
  temperature: number;
  minPrecision: number;
  /** Per class; null: never assigned at minPrecision. */
  thresholds: Array<number | null>;
  /** Hash slots known (Int32, base64) and their idf (Float32, base64). */
  vocabulary: { slots: string; idf: string };
  /** Float32 features × classes, base64. */
  weights: string;
  bias: number[];
  /** Keyword rules tried before the classifier, in order. */
  rules: LabelRule[];
  report: LabelReport;
}

function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) out += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(out);
}

function base64ToBytes(text: string): Uint8Array {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function typedToBase64(array: Int32Array | Float32Array): string {
  return bytesToBase64(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
}

export function labelerToFile(labeler: Labeler, meta: { textColumn: string; labelColumn: string; rules: LabelRule[]; report: LabelReport }): LabelerFile {
  return {
    kind: LABELER_KIND,
    version: LABELER_VERSION,
    createdAt: new Date().toISOString(),
    textColumn: meta.textColumn,
    labelColumn: meta.labelColumn,
    tokenizer: { ...TOKENIZER_DESCRIPTION, hashBits: labeler.hashBits },
    classes: labeler.classes,
    temperature: labeler.temperature,
    minPrecision: labeler.minPrecision,
    thresholds: Array.from(labeler.thresholds, (t) => (Number.isNaN(t) ? null : t)),
    vocabulary: { slots: typedToBase64(labeler.vocabulary.slots), idf: typedToBase64(labeler.vocabulary.idf) },
    weights: typedToBase64(labeler.model.weights),
    bias: Array.from(labeler.model.bias),
    rules: meta.rules,
    report: meta.report,
  };
}

function bad(message: string): EngineError {
  return new EngineError('BAD_INPUT', `This is not a usable labeler file: ${message}`);
}

function decodeTyped<T extends Int32Array | Float32Array>(text: unknown, make: (buffer: ArrayBuffer) => T, what: string): T {
  if (typeof text !== 'string') throw bad(`${what} is missing.`);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(text);
  } catch {
    throw bad(`${what} is not base64.`);
  }
  if (bytes.length % 4 !== 0) throw bad(`${what} has a length that is not a whole number of values.`);
  return make(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/** A labeler file read back: checked kind, version and sizes; the in-memory labeler and what the file says about itself. */
export function labelerFromFile(value: unknown): { labeler: Labeler; file: LabelerFile } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('expected a JSON object.');
  const f = value as Partial<LabelerFile> & Record<string, unknown>;
  if (f.kind !== LABELER_KIND) {
    throw new EngineError('BAD_INPUT', `This file is not an Assay labeler (its kind is ${f.kind === undefined ? 'missing' : JSON.stringify(f.kind)}; a labeler says "${LABELER_KIND}"). Make one with assay labels train.`);
  }
  if (typeof f.version !== 'number' || !Number.isInteger(f.version) || f.version < 1) throw bad('its version is missing.');
  if (f.version > LABELER_VERSION) {
    throw new EngineError('BAD_INPUT', `This labeler was written by a newer Assay (format version ${f.version}; this one reads up to ${LABELER_VERSION}). Update Assay to use it.`);
  }
  const classes = f.classes;
  if (!Array.isArray(classes) || classes.length < 2 || classes.some((c) => typeof c !== 'string')) throw bad('it needs at least two labels, as text.');
  const k = classes.length;
  const hashBits = f.tokenizer?.hashBits ?? DEFAULT_HASH_BITS;
  if (!Number.isInteger(hashBits) || hashBits < 8 || hashBits > 24) throw bad('its hash size is out of range.');
  const slots = decodeTyped(f.vocabulary?.slots, (b) => new Int32Array(b), 'the vocabulary');
  const idf = decodeTyped(f.vocabulary?.idf, (b) => new Float32Array(b), 'the idf table');
  const weights = decodeTyped(f.weights, (b) => new Float32Array(b), 'the weights');
  if (idf.length !== slots.length) throw bad('the vocabulary and idf table differ in length.');
  if (weights.length !== slots.length * k) throw bad(`the weights hold ${weights.length} values, not ${slots.length} n-grams × ${k} labels.`);
  for (const s of slots) if (s < 0 || s >= 1 << hashBits) throw bad('the vocabulary names a slot outside the hash space.');
  if (!Array.isArray(f.bias) || f.bias.length !== k || f.bias.some((b) => typeof b !== 'number')) throw bad('the bias needs one number per label.');
  if (!Array.isArray(f.thresholds) || f.thresholds.length !== k) throw bad('it needs one threshold per label.');
  const temperature = typeof f.temperature === 'number' && f.temperature > 0 ? f.temperature : 1;
  const vocabulary = { slots, idf };
  const labeler: Labeler = {
    classes: classes as string[],
    hashBits,
    vocabulary,
    lookup: slotLookup(vocabulary, hashBits),
    model: { features: slots.length, classes: k, weights, bias: Float32Array.from(f.bias) },
    temperature,
    minPrecision: typeof f.minPrecision === 'number' ? f.minPrecision : 0,
    thresholds: Float64Array.from(f.thresholds, (t) => (typeof t === 'number' ? t : Number.NaN)),
  };
  const rules = Array.isArray(f.rules) ? f.rules : [];
  for (const rule of rules as unknown[]) {
    const r = rule as Partial<LabelRule> | null;
    const ok = r !== null && typeof r === 'object' && typeof r.label === 'string' && classes.includes(r.label) && (r.mode === 'word' || r.mode === 'phrase') && typeof r.text === 'string' && r.text.trim() !== '' && typeof r.holdoutPrecision === 'number';
    if (!ok) throw bad('a keyword rule needs a label of the labeler, a mode (word or phrase), its text and its held-out precision.');
  }
  return { labeler, file: { ...(f as LabelerFile), rules } };
}
