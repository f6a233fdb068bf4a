/**
 * The CTR family's input pipeline: source columns -> field slots, computed in DuckDB and read back
 * through Arrow as typed arrays (no row objects). Building the encoding measures the training rows
 * only (numeric means/deviations, text vocabularies); encoding rows applies a saved encoding
 * (training, evaluation and scoring alike, as SQL: `encodedSelect`), so the slots a row gets never
 * depend on which job reads it. The jobs encode into a DuckDB table and read it back a buffer at a
 * time (stream.ts).
 *
 * Slots follow workers/ctr/weights.ts: a vocabulary level joins against an uploaded
 * (level, slot) table (unseen, rare and NULL levels -> slot 0, "other"); a hashed level is
 * 1 + first-32-bits-of-MD5 mod buckets, computed by DuckDB's md5() so every host hashes alike.
 * A numeric value that is NULL, NaN or infinite counts as missing: x = 0, and slot 1 (value 1)
 * when the field saw missing values in training.
 */
import { Int32, Table, Utf8, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import type { DuckDriver } from '../data/driver';
import { plainRows } from '../data/relation';
import { quoteIdent } from '../data/sql-text';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { sourceKind } from '../gbdt/encoding';
import type { NeededColumn } from '../gbdt/scoring-columns';
import { withoutSiblingLabels } from '../gbdt/sibling-labels';
import { toNumber } from '../data/arrow-values';
import type { CategoricalField, CtrEncoding, CtrField, NumericField } from './weights';

/** Rows as field slots: row-major [rows × fields] slot indices (local to each field) and values. */
export interface EncodedRows {
  rows: number;
  fields: number;
  slots: Int32Array;
  /** 1 for a categorical field; x (or 1 on the missing-indicator slot) for a numeric one. */
  values: Float32Array | Float64Array;
}

export interface EncodingOptions {
  minCount: number;
  hashBuckets: number;
  log1p: boolean;
  standardize: boolean;
}

/** Text columns with more distinct values than this and than half the rows look like identifiers. */
const IDENTIFIER_DISTINCT = 1000;

/** The SQL (DOUBLE) of a numeric field's raw value before the transform. */
function rawNumber(field: Pick<NumericField, 'name' | 'source'>, qualifier = ''): string {
  const col = qualifier + quoteIdent(field.name);
  switch (field.source) {
    case 'date':
      return `CAST(date_diff('day', DATE '1970-01-01', ${col}) AS DOUBLE)`;
    case 'timestamp':
      // epoch_us, not epoch(): the same DOUBLE for a TIMESTAMP, and a TIMESTAMPTZ's instant without
      // ICU, which duckdb-wasm lacks (as gbdt/encoding.ts and the pack SQL's DuckDB dialect).
      return `CAST(epoch_us(${col}) AS DOUBLE) / 1000000`;
    default:
      return `CAST(${col} AS DOUBLE)`;
  }
}

function transformed(raw: string, transform: NumericField['transform']): string {
  return transform === 'log1p' ? `(sign(${raw}) * ln(1 + abs(${raw})))` : raw;
}

/** x of a numeric field, NULL when missing (NULL, NaN or infinite). */
function numericExpression(field: NumericField, qualifier = ''): string {
  const raw = rawNumber(field, qualifier);
  const scaled = `((${transformed(raw, field.transform)} - ${field.mean}) / ${field.std})`;
  return `CASE WHEN ${raw} IS NULL OR NOT isfinite(${raw}) THEN NULL ELSE ${scaled} END`;
}

/** The hashed slot of a categorical field, in DuckDB (the contract's MD5 rule). */
export function hashSlotExpression(column: string, buckets: number, qualifier = ''): string {
  const text = `CAST(${qualifier}${quoteIdent(column)} AS VARCHAR)`;
  return `CASE WHEN ${text} IS NULL THEN 0 ELSE CAST(1 + CAST(('0x' || substr(md5(${text}), 1, 8)) AS UBIGINT) % ${buckets} AS INTEGER) END`;
}

function bad(message: string): EngineError {
  return new EngineError('BAD_INPUT', message);
}

/**
 * Measures the training relation and decides each field's encoding. The caller passes the training
 * rows only: validation rows and cross-validation folds' held-out rows are encoded with what
 * training saw (their unseen levels go to "other"), so they do not flatter the validation metrics. Unusable columns (all
 * missing, one value, identifier-like text) are left out with a warning, or refused when the
 * caller named them as features.
 */
export async function buildCtrEncoding(
  driver: DuckDriver,
  relation: string,
  columns: Array<{ name: string; type: string }>,
  target: string,
  requested: string[] | undefined,
  options: EncodingOptions,
  warnings: string[],
  signal: AbortSignal,
): Promise<CtrEncoding> {
  const named = requested !== undefined && requested.length > 0;
  const byName = new Map(columns.map((c) => [c.name, c]));
  const chosen = named
    ? requested.map((name) => {
        const c = byName.get(name);
        if (!c) throw bad(`Feature "${name}" is not a column of the data.`);
        if (name === target) throw bad(`The target "${target}" cannot also be a feature.`);
        if (sourceKind(c.type) === 'unsupported') throw bad(`Feature "${name}" has type ${c.type}, which cannot be used as a model feature.`);
        return c;
      })
    : withoutSiblingLabels(target, columns.filter((c) => c.name !== target && sourceKind(c.type) !== 'unsupported'), warnings);
  if (chosen.length === 0) throw bad('There are no usable feature columns (numbers, booleans, dates or text).');

  // One pass for every column's counts; numeric fields' moments come in a second pass once the transform is known.
  const stats: string[] = ['count(*) AS "__n"'];
  chosen.forEach((c, i) => {
    const col = quoteIdent(c.name);
    const kind = sourceKind(c.type);
    if (kind === 'text') stats.push(`count(${col}) AS "p${i}"`, `approx_count_distinct(${col}) AS "d${i}"`);
    else {
      const raw = rawNumber({ name: c.name, source: kind === 'numeric' ? 'numeric' : (kind as NumericField['source']) });
      stats.push(`count(CASE WHEN isfinite(${raw}) THEN 1 END) AS "p${i}"`, `count(DISTINCT CASE WHEN isfinite(${raw}) THEN ${raw} END) AS "d${i}"`);
    }
  });
  const counts = plainRows(await driver.query(`SELECT ${stats.join(', ')} FROM ${relation}`, signal))[0] ?? {};
  const total = toNumber(counts.__n);
  if (total === 0) throw bad('The data has 0 rows; there is nothing to train on.');

  const leaveOut = (name: string, why: string): void => {
    if (named) throw bad(`Feature "${name}" ${why}; it cannot help a model.`);
    warnings.push(`"${name}" was left out: ${why}.`);
  };
  const fields: CtrField[] = [];
  for (let i = 0; i < chosen.length; i++) {
    throwIfAborted(signal);
    const c = chosen[i] as { name: string; type: string };
    const kind = sourceKind(c.type);
    const present = toNumber(counts[`p${i}`]);
    const distinct = toNumber(counts[`d${i}`]);
    if (present === 0) {
      leaveOut(c.name, kind === 'text' ? 'every row is missing' : 'every row is missing (NULL, NaN or infinite)');
      continue;
    }
    if (distinct <= 1 && present === total) {
      leaveOut(c.name, 'it has the same value in every row');
      continue;
    }
    if (kind === 'text') {
      if (!named && distinct > IDENTIFIER_DISTINCT && distinct > total * 0.5 && options.hashBuckets === 0) {
        warnings.push(`"${c.name}" was left out: with ~${distinct.toLocaleString('en-US')} distinct values in ${total.toLocaleString('en-US')} rows it looks like an identifier.`);
        continue;
      }
      fields.push(await categoricalField(driver, relation, c.name, options, signal));
    } else {
      const source: NumericField['source'] = kind === 'numeric' ? 'numeric' : (kind as NumericField['source']);
      fields.push({
        kind: 'numeric',
        name: c.name,
        source,
        transform: options.log1p && source === 'numeric' ? 'log1p' : 'none',
        mean: 0,
        std: 1,
        missingIndicator: present < total,
      });
    }
  }
  if (fields.length === 0) throw bad('No feature column varies; there is nothing to learn from.');

  const numeric = fields.filter((f): f is NumericField => f.kind === 'numeric');
  if (options.standardize && numeric.length > 0) {
    const moments = numeric.map((f, i) => {
      const raw = rawNumber(f);
      const t = `CASE WHEN isfinite(${raw}) THEN ${transformed(raw, f.transform)} END`;
      return `avg(${t}) AS "m${i}", stddev_pop(${t}) AS "s${i}"`;
    });
    const row = plainRows(await driver.query(`SELECT ${moments.join(', ')} FROM ${relation}`, signal))[0] ?? {};
    numeric.forEach((f, i) => {
      const mean = toNumber(row[`m${i}`]);
      const std = toNumber(row[`s${i}`]);
      f.mean = Number.isFinite(mean) ? mean : 0;
      // A transform can collapse distinct values (never for log1p, which is one-to-one); guard the division.
      f.std = Number.isFinite(std) && std > 0 ? std : 1;
    });
  }
  return { version: 1, fields };
}

async function categoricalField(driver: DuckDriver, relation: string, name: string, options: EncodingOptions, signal: AbortSignal): Promise<CategoricalField> {
  if (options.hashBuckets > 0) return { kind: 'categorical', name, encoding: 'hash', levels: [], hashBuckets: options.hashBuckets };
  const col = quoteIdent(name);
  const table = await driver.query(
    `SELECT v FROM (SELECT CAST(${col} AS VARCHAR) AS v, count(*) AS n FROM ${relation} WHERE ${col} IS NOT NULL GROUP BY 1) WHERE n >= ${options.minCount} ORDER BY n DESC, v`,
    signal,
  );
  const levels = stringColumn(table.getChild('v'));
  return { kind: 'categorical', name, encoding: 'vocabulary', levels, hashBuckets: 0 };
}

function stringColumn(vector: Vector | null): string[] {
  if (!vector) return [];
  const out: string[] = new Array<string>(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = String(vector.get(i));
  return out;
}

let uploads = 0;

/**
 * The SELECT expressions of a saved encoding ("x0".."x{F-1}": a slot, or a numeric field's x with
 * NULL = missing) over source columns qualified `s.`, with the vocabulary tables they join (uploaded
 * here; `release` drops them).
 */
export async function encodedSelect(driver: DuckDriver, encoding: CtrEncoding): Promise<{ select: string[]; joins: string[]; release(): Promise<void> }> {
  const tag = ++uploads;
  const vocabTables: string[] = [];
  const select: string[] = [];
  const joins: string[] = [];
  const release = async (): Promise<void> => {
    for (const t of vocabTables) await driver.query(`DROP TABLE IF EXISTS ${quoteIdent(t)}`).catch(() => undefined);
  };
  try {
    for (let f = 0; f < encoding.fields.length; f++) {
      const field = encoding.fields[f] as CtrField;
      if (field.kind === 'numeric') select.push(`${numericExpression(field, 's.')} AS "x${f}"`);
      else if (field.encoding === 'hash') select.push(`${hashSlotExpression(field.name, field.hashBuckets, 's.')} AS "x${f}"`);
      else {
        const table = `__assay_ctr_vocab_${tag}_${f}`;
        vocabTables.push(table);
        const ipc = tableToIPC(
          new Table({
            __assay_level: vectorFromArray(field.levels, new Utf8()),
            __assay_slot: vectorFromArray(field.levels.map((_, i) => i + 1), new Int32()),
          }),
          'stream',
        );
        await driver.insertArrowIPC(table, ipc, true);
        joins.push(`LEFT JOIN ${quoteIdent(table)} AS "v${f}" ON "v${f}"."__assay_level" = CAST(s.${quoteIdent(field.name)} AS VARCHAR)`);
        select.push(`COALESCE("v${f}"."__assay_slot", 0) AS "x${f}"`);
      }
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { select, joins, release };
}

/** Room for `rows` encoded rows (float32 values, as training reads them; float64 when `precise`). */
export function allocateEncodedRows(rows: number, fields: number, precise = false): EncodedRows {
  return { rows, fields, slots: new Int32Array(rows * fields), values: precise ? new Float64Array(rows * fields) : new Float32Array(rows * fields) };
}

/** Bytes an EncodedRows' arrays hold. */
export function encodedBytes(rows: EncodedRows): number {
  return rows.slots.byteLength + rows.values.byteLength;
}

/**
 * Writes the "x0".."x{F-1}" columns of an encoded Arrow result into rows [at, at + numRows) of
 * `into`. Rows are row-major [row × field]: the fill goes a block of rows at a time, every field
 * of the block, so its writes stay in cache (column by column over a million rows they would not).
 */
export function fillEncoded(table: Table, encoding: CtrEncoding, into: EncodedRows, at: number): void {
  const F = encoding.fields.length;
  let base = at;
  for (const batch of table.batches) {
    const columns = encoding.fields.map((_, f) => columnData(batch.getChild(`x${f}`)));
    const n = batch.numRows;
    for (let from = 0; from < n; from += FILL_BLOCK) {
      const to = Math.min(n, from + FILL_BLOCK);
      for (let f = 0; f < F; f++) {
        const field = encoding.fields[f] as CtrField;
        const column = columns[f] as ColumnData;
        if (field.kind === 'numeric') fillNumeric(column, field.missingIndicator ? 1 : 0, f, F, into, base, from, to);
        else fillSlots(column, f, F, into, base, from, to);
      }
    }
    base += n;
  }
}

/** Rows per block of fillEncoded (a block's slots and values for 39 fields: ~160 KB). */
const FILL_BLOCK = 512;

/** One record batch's column as typed values, its null bitmap (null when none) and offset. */
interface ColumnData {
  /** Already sliced to the chunk by apache-arrow: row i is values[i]. */
  values: ArrayLike<number>;
  /** The unsliced null bitmap: row i is bit offset + i. */
  validity: Uint8Array | null;
  offset: number;
}

function columnData(vector: Vector | null): ColumnData {
  const chunk = vector?.data[0];
  if (!vector || !chunk || vector.data.length !== 1) throw new Error('an encoded column must be one Arrow chunk per record batch');
  const raw = chunk.values as ArrayLike<number> | BigInt64Array | BigUint64Array;
  // 64-bit integers arrive as bigints: converted once per batch (slots and doubles never are).
  const values: ArrayLike<number> = raw instanceof BigInt64Array || raw instanceof BigUint64Array ? Float64Array.from(raw, Number) : raw;
  const validity = chunk.nullCount > 0 && chunk.nullBitmap && chunk.nullBitmap.length > 0 ? chunk.nullBitmap : null;
  return { values, validity, offset: chunk.offset };
}

/** A numeric Arrow column as Float64 (NULL = NaN). */
export function float64Column(vector: Vector | null, rows: number): Float64Array {
  const out = new Float64Array(rows);
  forEachValue(vector, (r, v) => (out[r] = v === null ? Number.NaN : v));
  return out;
}

/** Calls back with each row's number (null when NULL), chunk by chunk. */
export function forEachValue(vector: Vector | null, visit: (row: number, value: number | null) => void): void {
  if (!vector) return;
  let at = 0;
  for (const chunk of vector.data) {
    const values = chunk.values as ArrayLike<number | bigint>;
    const validity = chunk.nullBitmap;
    const hasNulls = chunk.nullCount > 0 && validity && validity.length > 0;
    // apache-arrow slices `values` with the chunk; the null bitmap stays whole (it is indexed by bit).
    for (let i = 0; i < chunk.length; i++) {
      const bit = chunk.offset + i;
      if (hasNulls && ((validity[bit >> 3] as number) & (1 << (bit & 7))) === 0) visit(at++, null);
      else visit(at++, Number(values[i]));
    }
  }
}

/** Rows [from, to) of a batch's numeric column into rows base+from.. of `into`; missing -> the indicator slot. */
function fillNumeric(column: ColumnData, missing: number, f: number, F: number, into: EncodedRows, base: number, from: number, to: number): void {
  const { values: xs, validity, offset } = column;
  const { slots, values } = into;
  let at = (base + from) * F + f;
  for (let i = from; i < to; i++, at += F) {
    const bit = offset + i;
    const v = xs[i] as number;
    if ((validity && ((validity[bit >> 3] as number) & (1 << (bit & 7))) === 0) || !Number.isFinite(v)) {
      slots[at] = missing;
      values[at] = missing;
    } else {
      slots[at] = 0;
      values[at] = v;
    }
  }
}

/** Rows [from, to) of a batch's slot column (NULL -> slot 0) into rows base+from.. of `into`. */
function fillSlots(column: ColumnData, f: number, F: number, into: EncodedRows, base: number, from: number, to: number): void {
  const { values: xs, validity, offset } = column;
  const { slots, values } = into;
  let at = (base + from) * F + f;
  for (let i = from; i < to; i++, at += F) {
    const bit = offset + i;
    slots[at] = validity && ((validity[bit >> 3] as number) & (1 << (bit & 7))) === 0 ? 0 : (xs[i] as number);
    values[at] = 1;
  }
}

/** The SQL text of a numeric field's x (NULL = missing), for exporters that want DuckDB's form. */
export function numericFieldSql(field: NumericField): string {
  return numericExpression(field);
}

const TRAINED_AS: Record<NumericField['source'], string> = { numeric: 'a number', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'a timestamp' };

/** What a saved encoding reads from each source column, for the type check before scoring. */
export function ctrNeededColumns(encoding: CtrEncoding): NeededColumn[] {
  return encoding.fields.map((field): NeededColumn => {
    if (field.kind === 'numeric') {
      const use = field.source === 'date' || field.source === 'timestamp' ? field.source : 'number';
      return { name: field.name, use, trainedAs: TRAINED_AS[field.source] };
    }
    // A hashed field's text is hashed as written: no levels to check another type against.
    return { name: field.name, use: 'text', trainedAs: 'text', ...(field.encoding === 'vocabulary' ? { levels: field.levels } : {}) };
  });
}
