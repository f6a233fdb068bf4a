/**
 * Encoded rows kept in DuckDB and read back in chunks, so CTR training and evaluation hold a fixed
 * number of encoded rows whatever the size of the data.
 *
 * `EncodedRowStore` encodes a relation once with a saved encoding into a temp table (one INTEGER
 * slot or DOUBLE value column per field, the label, and each row's part — training or validation —
 * and position within it, sorted by part and position so a chunk is a range DuckDB finds by its
 * zone maps). The relation's rows are matched to their split by position (POSITIONAL JOIN), in the
 * order a plain SELECT of the relation returns them, as the split itself was read.
 *
 * `StreamedRowSource` trains from the store with buffers of `capacity` rows, allocated once:
 * - each epoch visits the training rows' chunks (capacity/4 rows or so) in a seeded random order
 *   (Fisher-Yates with the trainer's generator);
 * - chunks fill a window (the buffer) as far as it holds them; the window's rows are shuffled
 *   together (seeded) and cut into batches; the rows short of a whole batch move to the front of
 *   the buffer and are shuffled into the next window. Every training row is visited once per
 *   epoch, ceil(rows / batch) batches as in memory, and the order is deterministic for a seed (it
 *   is not the in-memory order: that shuffles all rows at once).
 * - validation and evaluation read the parts in order, a buffer at a time.
 */
import { Int32, Int8, makeData, makeVector, Table, tableToIPC } from 'apache-arrow';
import type { DuckDriver } from '../data/driver';
import { quoteIdent } from '../data/sql-text';
import { toNumber } from '../data/arrow-values';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { allocateEncodedRows, encodedSelect, fillEncoded, float64Column, forEachValue, type EncodedRows } from './encode';
import { firstRows, shuffleInPlace, type CtrRowSource, type RowBatch, type RowChunk, type RowPart } from './row-source';
import type { CtrEncoding } from './weights';

/** Part codes in the store (and in the `parts` array the caller passes). */
export const TRAIN_PART = 0;
export const VALID_PART = 1;

let stores = 0;

/**
 * Columns of every row of `relation` in its order, as Float64 (NULL = NaN): e.g. the label and the
 * split's value, which the split needs before any row is encoded.
 */
export async function readRowColumns(driver: DuckDriver, relation: string, expressions: Record<string, string>, signal: AbortSignal): Promise<{ rows: number; columns: Record<string, Float64Array> }> {
  const names = Object.keys(expressions);
  const table = await driver.query(`SELECT ${names.map((name, i) => `CAST(${expressions[name] as string} AS DOUBLE) AS "c${i}"`).join(', ')} FROM ${relation}`, signal);
  const columns: Record<string, Float64Array> = {};
  names.forEach((name, i) => (columns[name] = float64Column(table.getChild(`c${i}`), table.numRows)));
  return { rows: table.numRows, columns };
}

/**
 * Each row's part (training or validation) uploaded beside the relation, matched by position: the
 * relation's rows of one part are a relation too (to measure the encoding on the training rows).
 */
export class RowParts {
  private constructor(
    private readonly driver: DuckDriver,
    readonly relation: string,
    readonly table: string,
    readonly trainRows: number,
    readonly validRows: number,
  ) {}

  /** `parts[i]` is row i's part: TRAIN_PART or VALID_PART (any other value leaves the row out). */
  static async upload(driver: DuckDriver, relation: string, parts: Uint8Array): Promise<RowParts> {
    const table = `__assay_ctr_parts_${++stores}`;
    const n = parts.length;
    const positions = new Int32Array(n);
    let train = 0;
    let valid = 0;
    for (let i = 0; i < n; i++) positions[i] = parts[i] === TRAIN_PART ? train++ : parts[i] === VALID_PART ? valid++ : -1;
    const arrow = new Table({
      __assay_part: makeVector(makeData({ type: new Int8(), length: n, data: Int8Array.from(parts) })),
      __assay_pos: makeVector(makeData({ type: new Int32(), length: n, data: positions })),
    });
    try {
      await driver.insertArrowIPC(table, tableToIPC(arrow, 'stream'), true);
    } catch (error) {
      // The insert may have created the table before it failed (or was cancelled): leave nothing behind.
      await dropQuietly(driver, table);
      throw error;
    }
    return new RowParts(driver, relation, table, train, valid);
  }

  /** The relation's rows with their part and position columns (`__assay_part`, `__assay_pos`). */
  withParts(): string {
    return `(SELECT * FROM ${this.relation} POSITIONAL JOIN ${quoteIdent(this.table)})`;
  }

  /** The relation's rows of one part, with the relation's columns only. */
  rowsOf(part: RowPart): string {
    return `(SELECT s.* FROM ${this.relation} AS s POSITIONAL JOIN ${quoteIdent(this.table)} AS p WHERE p."__assay_part" = ${part === 'train' ? TRAIN_PART : VALID_PART})`;
  }

  async drop(): Promise<void> {
    await dropQuietly(this.driver, this.table);
  }
}

/** Drops a temp table if it exists, ignoring failures (cleanup must not hide the error that caused it). */
async function dropQuietly(driver: DuckDriver, table: string): Promise<void> {
  await driver.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`).catch(() => undefined);
}

/** The number of rows of a relation. */
export async function countRows(driver: DuckDriver, relation: string, signal: AbortSignal): Promise<number> {
  const table = await driver.query(`SELECT count(*) AS "n" FROM ${relation}`, signal);
  return toNumber(table.getChild('n')?.get(0));
}

/** The relation's rows encoded in a DuckDB temp table, split into training and validation parts. */
export class EncodedRowStore {
  private constructor(
    private readonly driver: DuckDriver,
    private readonly table: string,
    readonly encoding: CtrEncoding,
    readonly trainRows: number,
    readonly validRows: number,
  ) {}

  /** Encodes the rows of `parts` with `encoding`; `labelSql` is the label's SQL over the relation's columns. */
  static async build(driver: DuckDriver, parts: RowParts, encoding: CtrEncoding, labelSql: string, signal: AbortSignal): Promise<EncodedRowStore> {
    const table = `__assay_ctr_rows_${++stores}`;
    const { select, joins, release } = await encodedSelect(driver, encoding);
    try {
      // The label's expression names bare columns; the vocabulary tables' columns are __assay_level/__assay_slot.
      await driver.query(
        `CREATE OR REPLACE TEMP TABLE ${quoteIdent(table)} AS SELECT s."__assay_part", s."__assay_pos", CAST(${labelSql} AS FLOAT) AS "__assay_label", ${select.join(', ')} ` +
          `FROM ${parts.withParts()} AS s ${joins.join(' ')} ` +
          `WHERE s."__assay_part" IN (${TRAIN_PART}, ${VALID_PART}) ORDER BY s."__assay_part", s."__assay_pos"`,
        signal,
      );
    } catch (error) {
      // A cancel can land after DuckDB created the table (the native driver reports CANCELLED at its
      // next check): there is no store to drop it later, so it goes here.
      await dropQuietly(driver, table);
      throw error;
    } finally {
      await release();
    }
    return new EncodedRowStore(driver, table, encoding, parts.trainRows, parts.validRows);
  }

  rowsOf(part: RowPart): number {
    return part === 'train' ? this.trainRows : this.validRows;
  }

  /** Reads rows [from, from + count) of a part into rows [at, at + count) of `into` and `labels`. */
  async read(part: RowPart, from: number, count: number, into: EncodedRows, labels: Float32Array, at: number, signal: AbortSignal): Promise<void> {
    const code = part === 'train' ? TRAIN_PART : VALID_PART;
    const columns = this.encoding.fields.map((_, f) => `"x${f}"`).join(', ');
    const result = await this.driver.query(
      `SELECT "__assay_label", ${columns} FROM ${quoteIdent(this.table)} WHERE "__assay_part" = ${code} AND "__assay_pos" >= ${from} AND "__assay_pos" < ${from + count} ORDER BY "__assay_pos"`,
      signal,
    );
    throwIfAborted(signal);
    if (result.numRows !== count) {
      throw new EngineError(
        'BAD_INPUT',
        `The data changed while it was read: ${count.toLocaleString('en-US')} encoded rows were expected at this step and ${result.numRows.toLocaleString('en-US')} came back. Save the query's rows as a table and use that.`,
        { expected: count, read: result.numRows },
      );
    }
    fillEncoded(result, this.encoding, into, at);
    forEachValue(result.getChild('__assay_label'), (r, v) => (labels[at + r] = v ?? Number.NaN));
  }

  /** Every row of a part in memory (the in-memory path). */
  async readAll(part: RowPart, signal: AbortSignal, precise = false): Promise<{ rows: EncodedRows; labels: Float32Array }> {
    const n = this.rowsOf(part);
    const rows = allocateEncodedRows(n, this.encoding.fields.length, precise);
    const labels = new Float32Array(n);
    if (n > 0) await this.read(part, 0, n, rows, labels, 0, signal);
    return { rows, labels };
  }

  async drop(): Promise<void> {
    await dropQuietly(this.driver, this.table);
  }
}

/**
 * Uploads each row's part beside `relation`, encodes the rows into a store and hands both to
 * `use`; both temp tables are dropped whatever happens (a cancel, a failed build, an error in `use`).
 * `encoding` may be measured on the parts first (training measures it on the training rows).
 */
export async function withEncodedStore<T>(
  driver: DuckDriver,
  relation: string,
  partOf: Uint8Array,
  encoding: CtrEncoding | ((parts: RowParts) => Promise<CtrEncoding>),
  labelSql: string,
  signal: AbortSignal,
  use: (store: EncodedRowStore, parts: RowParts) => Promise<T>,
): Promise<T> {
  const parts = await RowParts.upload(driver, relation, partOf);
  try {
    const chosen = typeof encoding === 'function' ? await encoding(parts) : encoding;
    const store = await EncodedRowStore.build(driver, parts, chosen, labelSql, signal);
    try {
      return await use(store, parts);
    } finally {
      await store.drop();
    }
  } finally {
    await parts.drop();
  }
}

/** Training rows streamed from a store through buffers of `capacity` rows (see the file comment). */
export class StreamedRowSource implements CtrRowSource {
  readonly fields: number;
  readonly trainRows: number;
  readonly validRows: number;
  readonly description: string;
  private readonly buffer: EncodedRows;
  private readonly labels: Float32Array;
  private readonly order: Uint32Array;
  /** Rows carried between windows (fewer than a batch): their slots, values and labels. */
  private readonly carry: { rows: EncodedRows; labels: Float32Array };
  /** Rows the window buffer holds: the budget less a batch, which the carry buffer takes. */
  readonly capacity: number;
  private readonly batchSize: number;

  /**
   * Holds at most `budgetRows` encoded rows at once (window buffer plus carry). `trainPositives` is
   * the sum of the training labels (known from the split); `batchSize` the training batch (0 when
   * the source only evaluates); `precise` keeps float64 values (evaluation on a table, as predict
   * encodes), training reads float32.
   */
  constructor(
    private readonly store: EncodedRowStore,
    budgetRows: number,
    readonly trainPositives: number,
    options: { batchSize?: number; precise?: boolean } = {},
  ) {
    this.batchSize = options.batchSize ?? 0;
    if (budgetRows < 3 * this.batchSize) throw new Error(`a budget of ${budgetRows} rows cannot hold the batches of ${this.batchSize}`);
    this.fields = store.encoding.fields.length;
    this.trainRows = store.trainRows;
    this.validRows = store.validRows;
    this.capacity = Math.max(1, budgetRows - this.batchSize);
    const precise = options.precise === true;
    this.buffer = allocateEncodedRows(this.capacity, this.fields, precise);
    this.labels = new Float32Array(this.capacity);
    this.order = new Uint32Array(this.capacity);
    const carried = Math.max(0, this.batchSize - 1);
    this.carry = { rows: allocateEncodedRows(carried, this.fields, precise), labels: new Float32Array(carried) };
    this.description = `training rows streamed from DuckDB, at most ${budgetRows.toLocaleString('en-US')} encoded rows in memory, shuffled within windows of chunks`;
  }

  /** Every buffer this source allocates is made once and lives as long as it: their bytes are its peak. */
  get peakBytes(): number {
    const bytes = (rows: EncodedRows): number => rows.slots.byteLength + rows.values.byteLength;
    return bytes(this.buffer) + this.labels.byteLength + this.order.byteLength + bytes(this.carry.rows) + this.carry.labels.byteLength;
  }

  /** Rows per chunk for a batch size: four chunks and a batch's carry fit a window. */
  chunkRows(batchSize: number): number {
    return Math.max(1, Math.floor((this.capacity - batchSize) / 4));
  }

  async *trainBatches(batchSize: number, rng: () => number, signal: AbortSignal): AsyncGenerator<RowBatch> {
    if (batchSize > this.batchSize) throw new Error(`the source was sized for batches of ${this.batchSize}, not ${batchSize}`);
    const N = this.trainRows;
    const C = this.chunkRows(batchSize);
    const chunks = Math.ceil(N / C);
    const chunkOrder = new Uint32Array(chunks);
    for (let c = 0; c < chunks; c++) chunkOrder[c] = c;
    shuffleInPlace(chunkOrder, chunks, rng);
    let filled = 0;
    let next = 0;
    for (;;) {
      while (next < chunks) {
        const first = (chunkOrder[next] as number) * C;
        const count = Math.min(C, N - first);
        if (filled + count > this.capacity) break;
        await this.store.read('train', first, count, this.buffer, this.labels, filled, signal);
        filled += count;
        next++;
      }
      if (filled === 0) return;
      for (let i = 0; i < filled; i++) this.order[i] = i;
      shuffleInPlace(this.order, filled, rng);
      const last = next >= chunks;
      const usable = last ? filled : filled - (filled % batchSize);
      for (let from = 0; from < usable; from += batchSize) {
        yield { rows: this.buffer, labels: this.labels, order: this.order, from, n: Math.min(batchSize, usable - from) };
      }
      if (last) return;
      filled = this.carryToFront(usable, filled);
    }
  }

  /** Moves the window's unvisited rows (order[usable .. filled)) to the front of the buffer; returns their count. */
  private carryToFront(usable: number, filled: number): number {
    const rest = filled - usable;
    if (rest === 0) return 0;
    const F = this.fields;
    const { rows: hold, labels: holdLabels } = this.carry;
    for (let i = 0; i < rest; i++) {
      const r = this.order[usable + i] as number;
      hold.slots.set(this.buffer.slots.subarray(r * F, r * F + F), i * F);
      hold.values.set(this.buffer.values.subarray(r * F, r * F + F), i * F);
      holdLabels[i] = this.labels[r] as number;
    }
    this.buffer.slots.set(hold.slots.subarray(0, rest * F), 0);
    this.buffer.values.set(hold.values.subarray(0, rest * F), 0);
    this.labels.set(holdLabels.subarray(0, rest), 0);
    return rest;
  }

  async *chunks(part: RowPart, signal: AbortSignal): AsyncGenerator<RowChunk> {
    const total = this.store.rowsOf(part);
    for (let first = 0; first < total; first += this.capacity) {
      const n = Math.min(this.capacity, total - first);
      await this.store.read(part, first, n, this.buffer, this.labels, 0, signal);
      yield { rows: firstRows(this.buffer, n), labels: this.labels.subarray(0, n), first };
    }
  }

  async head(part: RowPart, limit: number, signal: AbortSignal): Promise<RowChunk> {
    const n = Math.min(limit, this.capacity, this.store.rowsOf(part));
    if (n > 0) await this.store.read(part, 0, n, this.buffer, this.labels, 0, signal);
    return { rows: firstRows(this.buffer, n), labels: this.labels.subarray(0, n), first: 0 };
  }
}
