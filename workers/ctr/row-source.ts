/**
 * Where the CTR trainer gets its encoded rows: a `CtrRowSource` hands out one epoch's training rows
 * batch by batch in a seeded random order, and the training or validation rows in order, chunk by
 * chunk (validation metrics, evaluation). Two kinds:
 * - `MemoryRowSource` (here): every encoded row in memory, one Fisher-Yates shuffle of all the
 *   training rows per epoch (small data: the fast path);
 * - `StreamedRowSource` (stream.ts): rows read from DuckDB in chunks into buffers of a fixed size,
 *   shuffled within a window of chunks (data larger than the worker holds comfortably).
 * The trainer reads a batch as rows `order[from .. from + n)` of `rows`, so both kinds feed the same
 * inner loops without copying rows into batch arrays.
 */
import type { EncodedRows } from './encode';

/** One mini-batch: rows order[from], ..., order[from + n - 1] of `rows` (labels alike). */
export interface RowBatch {
  rows: EncodedRows;
  labels: Float32Array;
  order: Uint32Array;
  from: number;
  n: number;
}

/** Rows `first .. first + rows.rows - 1` of a part, in order. Valid until the source reads again. */
export interface RowChunk {
  rows: EncodedRows;
  labels: Float32Array;
  first: number;
}

export type RowPart = 'train' | 'valid';

export interface CtrRowSource {
  readonly fields: number;
  readonly trainRows: number;
  readonly validRows: number;
  /** Sum of the training labels (the bias starts at their log-odds). */
  readonly trainPositives: number;
  /** The most bytes of encoded rows (slots, values, labels, visiting order) held at once. */
  readonly peakBytes: number;
  /** How the rows are held, in words (for the model's backend note). */
  readonly description: string;
  /** One epoch's training rows as batches of `batchSize` in a seeded random order (`rng` decides it). */
  trainBatches(batchSize: number, rng: () => number, signal: AbortSignal): AsyncGenerator<RowBatch>;
  /** A part's rows in their order, chunk by chunk. */
  chunks(part: RowPart, signal: AbortSignal): AsyncGenerator<RowChunk>;
  /** The first `limit` rows of a part (or all of them, if fewer). Valid until the source reads again. */
  head(part: RowPart, limit: number, signal: AbortSignal): Promise<RowChunk>;
}

/** The first `n` rows of `rows`, as views (no copy). */
export function firstRows(rows: EncodedRows, n: number): EncodedRows {
  if (n === rows.rows) return rows;
  return { rows: n, fields: rows.fields, slots: rows.slots.subarray(0, n * rows.fields), values: rows.values.subarray(0, n * rows.fields) };
}

/** Seeded Fisher-Yates of order[0 .. n). */
export function shuffleInPlace(order: Uint32Array, n: number, rng: () => number): void {
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
}

/** Every encoded row in memory; each epoch reshuffles the previous epoch's order of all training rows. */
export class MemoryRowSource implements CtrRowSource {
  readonly fields: number;
  readonly trainRows: number;
  readonly validRows: number;
  readonly trainPositives: number;
  readonly peakBytes: number;
  readonly description = 'every encoded row in memory, all training rows shuffled each epoch';
  private readonly order: Uint32Array;

  constructor(
    private readonly train: { rows: EncodedRows; labels: Float32Array },
    private readonly valid: { rows: EncodedRows; labels: Float32Array },
  ) {
    this.fields = train.rows.fields;
    this.trainRows = train.rows.rows;
    this.validRows = valid.rows.rows;
    let positives = 0;
    for (let i = 0; i < this.trainRows; i++) positives += train.labels[i] as number;
    this.trainPositives = positives;
    this.order = new Uint32Array(this.trainRows);
    for (let i = 0; i < this.trainRows; i++) this.order[i] = i;
    const bytes = (p: { rows: EncodedRows; labels: Float32Array }): number => p.rows.slots.byteLength + p.rows.values.byteLength + p.labels.byteLength;
    this.peakBytes = bytes(train) + bytes(valid) + this.order.byteLength;
  }

  async *trainBatches(batchSize: number, rng: () => number): AsyncGenerator<RowBatch> {
    shuffleInPlace(this.order, this.trainRows, rng);
    for (let from = 0; from < this.trainRows; from += batchSize) {
      yield { rows: this.train.rows, labels: this.train.labels, order: this.order, from, n: Math.min(batchSize, this.trainRows - from) };
    }
  }

  async *chunks(part: RowPart): AsyncGenerator<RowChunk> {
    const p = part === 'train' ? this.train : this.valid;
    if (p.rows.rows > 0) yield { rows: p.rows, labels: p.labels, first: 0 };
  }

  async head(part: RowPart, limit: number): Promise<RowChunk> {
    const p = part === 'train' ? this.train : this.valid;
    const n = Math.min(limit, p.rows.rows);
    return { rows: firstRows(p.rows, n), labels: p.labels.subarray(0, n), first: 0 };
  }
}
