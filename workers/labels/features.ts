/**
 * Hashed n-gram counts of many texts (from Arrow text columns), the vocabulary a labeler keeps
 * (the hash slots seen in training, with their idf), and tf·idf weighting with one L2 norm per
 * part (words, characters), as scikit-learn's TfidfVectorizer does per vectorizer.
 */
import { Type, type Data, type Vector } from 'apache-arrow';
import { throwIfAborted } from '../protocol/errors';
import { yieldNow } from './slices';
import type { Featurizer, RawFeatures } from './tokenize';

/** Raw counts of many rows, CSR-like: row r is entries `[rowStart[r], rowStart[r+1])`, its character part from `charStart[r]`. */
export interface RawRows {
  n: number;
  rowStart: Int32Array;
  charStart: Int32Array;
  slot: Int32Array;
  count: Float32Array;
  /** Rows whose text is NULL, empty or has no letter or digit. */
  empty: Uint8Array;
}

/** Collects RawFeatures row by row into RawRows. */
export class RawRowsBuilder {
  private n = 0;
  private size = 0;
  private rowStart = new Int32Array(1025);
  private charStart = new Int32Array(1024);
  private empty = new Uint8Array(1024);
  private slot = new Int32Array(1 << 16);
  private count = new Float32Array(1 << 16);

  private growRows(): void {
    const cap = this.charStart.length * 2;
    const rs = new Int32Array(cap + 1);
    rs.set(this.rowStart);
    this.rowStart = rs;
    const cs = new Int32Array(cap);
    cs.set(this.charStart);
    this.charStart = cs;
    const e = new Uint8Array(cap);
    e.set(this.empty);
    this.empty = e;
  }

  private growEntries(need: number): void {
    let cap = this.slot.length;
    while (cap < need) cap *= 2;
    const s = new Int32Array(cap);
    s.set(this.slot);
    this.slot = s;
    const c = new Float32Array(cap);
    c.set(this.count);
    this.count = c;
  }

  add(f: RawFeatures | null): void {
    if (this.n === this.charStart.length) this.growRows();
    const total = f ? f.total : 0;
    if (this.size + total > this.slot.length) this.growEntries(this.size + total);
    this.rowStart[this.n] = this.size;
    this.charStart[this.n] = this.size + (f ? f.wordCount : 0);
    this.empty[this.n] = total === 0 ? 1 : 0;
    if (f && total > 0) {
      this.slot.set(f.index.subarray(0, total), this.size);
      this.count.set(f.count.subarray(0, total), this.size);
      this.size += total;
    }
    this.n++;
    this.rowStart[this.n] = this.size;
  }

  finish(): RawRows {
    return {
      n: this.n,
      rowStart: this.rowStart.slice(0, this.n + 1),
      charStart: this.charStart.slice(0, this.n),
      slot: this.slot.slice(0, this.size),
      count: this.count.slice(0, this.size),
      empty: this.empty.slice(0, this.n),
    };
  }
}

function isValid(chunk: Data, i: number): boolean {
  if (chunk.nullCount === 0 || !chunk.nullBitmap || chunk.nullBitmap.length === 0) return true;
  const bit = chunk.offset + i;
  return ((chunk.nullBitmap[bit >> 3] as number) & (1 << (bit & 7))) !== 0;
}

/** Rows tokenized between checks of the clock (cancel and progress). */
const ROWS_PER_BLOCK = 4096;
/** The longest a cancellable text loop runs between yields to the event loop. */
const MS_BETWEEN_YIELDS = 50;

/** Rows `[from, to)` of one Arrow chunk (which starts at vector row `rowBase`) through the featurizer. */
function visitRows(vector: Vector, chunk: Data, from: number, to: number, rowBase: number, featurizer: Featurizer, each: (features: RawFeatures | null, row: number) => void): void {
  const typeId = chunk.type.typeId;
  if (typeId === Type.Utf8 || typeId === Type.LargeUtf8) {
    const offsets = chunk.valueOffsets as ArrayLike<number | bigint>;
    const bytes = chunk.values as Uint8Array;
    for (let i = from; i < to; i++) {
      if (!isValid(chunk, i)) {
        each(null, rowBase + i);
        continue;
      }
      // apache-arrow slices valueOffsets with the chunk: index by i (the null bitmap is not sliced).
      each(featurizer.ofUtf8(bytes, Number(offsets[i]), Number(offsets[i + 1])), rowBase + i);
    }
  } else {
    for (let i = from; i < to; i++) {
      const value: unknown = vector.get(rowBase + i);
      each(value === null || value === undefined ? null : featurizer.ofString(String(value)), rowBase + i);
    }
  }
}

/**
 * Calls `each(features | null)` for every row of a text vector, in order, reading the UTF-8 bytes
 * of Arrow's buffers directly (NULL gives null). Other column types go through their string form.
 */
export function forEachText(vector: Vector, featurizer: Featurizer, each: (features: RawFeatures | null, row: number) => void): void {
  let rowBase = 0;
  for (const chunk of vector.data) {
    visitRows(vector, chunk, 0, chunk.length, rowBase, featurizer, each);
    rowBase += chunk.length;
  }
}

/**
 * forEachText for jobs: yields to the event loop at least every 50 ms, so a cancel (or a progress
 * message) gets through mid-loop, and throws the typed CANCELLED error once `signal` is aborted.
 */
export async function forEachTextCancellable(vector: Vector, featurizer: Featurizer, each: (features: RawFeatures | null, row: number) => void, signal: AbortSignal | undefined): Promise<void> {
  let rowBase = 0;
  let since = performance.now();
  for (const chunk of vector.data) {
    for (let from = 0; from < chunk.length; from += ROWS_PER_BLOCK) {
      visitRows(vector, chunk, from, Math.min(chunk.length, from + ROWS_PER_BLOCK), rowBase, featurizer, each);
      if (performance.now() - since >= MS_BETWEEN_YIELDS) {
        await yieldNow();
        throwIfAborted(signal);
        since = performance.now();
      }
    }
    rowBase += chunk.length;
  }
  throwIfAborted(signal);
}

/** Raw features of every row of a text vector. */
export function rawRowsOf(vector: Vector, featurizer: Featurizer): RawRows {
  const builder = new RawRowsBuilder();
  forEachText(vector, featurizer, (f) => builder.add(f));
  return builder.finish();
}

/** The hash slots a labeler knows (sorted) and their idf: unseen slots are ignored, as a fitted vocabulary ignores unknown words. */
export interface Vocabulary {
  slots: Int32Array;
  idf: Float32Array;
}

/**
 * The vocabulary of the training rows: slots seen in at least one of them, with the smooth idf
 * `ln((1 + n) / (1 + df)) + 1`. With `maxFeatures`, only the most frequent slots are kept.
 */
export function fitVocabulary(raw: RawRows, rows: Int32Array, maxFeatures = Infinity): Vocabulary {
  const df = new Map<number, number>();
  for (const r of rows) {
    for (let e = raw.rowStart[r] as number; e < (raw.rowStart[r + 1] as number); e++) {
      const s = raw.slot[e] as number;
      df.set(s, (df.get(s) ?? 0) + 1);
    }
  }
  let entries = [...df.entries()];
  if (entries.length > maxFeatures) {
    // Most frequent first; ties by slot, so the choice is deterministic.
    entries.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    entries = entries.slice(0, maxFeatures);
  }
  entries.sort((a, b) => a[0] - b[0]);
  const n = rows.length;
  const slots = new Int32Array(entries.length);
  const idf = new Float32Array(entries.length);
  entries.forEach(([slot, count], i) => {
    slots[i] = slot;
    idf[i] = Math.log((1 + n) / (1 + count)) + 1;
  });
  return { slots, idf };
}

/** Slot -> feature id (or -1), for a hash space of `bits` bits. */
export function slotLookup(vocabulary: Vocabulary, bits: number): Int32Array {
  const lookup = new Int32Array(1 << bits).fill(-1);
  vocabulary.slots.forEach((slot, id) => {
    lookup[slot] = id;
  });
  return lookup;
}

/** Weighted rows, CSR: row r is `col/val[rowStart[r], rowStart[r+1])` over feature ids. */
export interface SparseRows {
  n: number;
  rowStart: Int32Array;
  col: Int32Array;
  val: Float32Array;
}

/**
 * tf·idf of one part of a row's entries `[from, to)` into `col/val` from `at`, L2-normalised;
 * unknown slots are dropped. Returns the new end.
 */
function weighPart(slot: ArrayLike<number>, count: ArrayLike<number>, from: number, to: number, lookup: Int32Array, idf: Float32Array, col: Int32Array, val: Float32Array, at: number): number {
  const start = at;
  let norm = 0;
  for (let e = from; e < to; e++) {
    const id = lookup[slot[e] as number] as number;
    if (id < 0) continue;
    const w = (count[e] as number) * (idf[id] as number);
    col[at] = id;
    val[at] = w;
    norm += w * w;
    at++;
  }
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let e = start; e < at; e++) val[e] = (val[e] as number) * inv;
  }
  return at;
}

/** One row's weighted features into `col/val` (which must hold `f.total` entries); returns the entry count. */
export function weighFeatures(f: RawFeatures, lookup: Int32Array, idf: Float32Array, col: Int32Array, val: Float32Array): number {
  const end = weighPart(f.index, f.count, 0, f.wordCount, lookup, idf, col, val, 0);
  return weighPart(f.index, f.count, f.wordCount, f.total, lookup, idf, col, val, end);
}

/** Weighted, normalised rows of raw counts under a vocabulary. */
export function weighRows(raw: RawRows, lookup: Int32Array, idf: Float32Array): SparseRows {
  const col = new Int32Array(raw.slot.length);
  const val = new Float32Array(raw.slot.length);
  const rowStart = new Int32Array(raw.n + 1);
  let at = 0;
  for (let r = 0; r < raw.n; r++) {
    rowStart[r] = at;
    at = weighPart(raw.slot, raw.count, raw.rowStart[r] as number, raw.charStart[r] as number, lookup, idf, col, val, at);
    at = weighPart(raw.slot, raw.count, raw.charStart[r] as number, raw.rowStart[r + 1] as number, lookup, idf, col, val, at);
  }
  rowStart[raw.n] = at;
  return { n: raw.n, rowStart, col: col.slice(0, at), val: val.slice(0, at) };
}
