/** Numeric Arrow columns as flat typed arrays, NaN for NULL: the form the compute kernels read. */
import type { Table, Vector } from 'apache-arrow';

function fillNumbers(vector: Vector | null | undefined, out: Float32Array | Float64Array): Float32Array | Float64Array {
  if (!vector) return out.fill(Number.NaN);
  let at = 0;
  for (const chunk of vector.data) {
    const values = chunk.values as ArrayLike<number | bigint>;
    const validity = chunk.nullBitmap;
    const offset = chunk.offset;
    // Chunk by chunk, honouring validity bits (a NULL's value slot holds garbage).
    const hasNulls = chunk.nullCount > 0 && validity && validity.length > 0;
    for (let i = 0; i < chunk.length; i++) {
      const bit = offset + i;
      if (hasNulls && ((validity[bit >> 3] as number) & (1 << (bit & 7))) === 0) out[at++] = Number.NaN;
      else out[at++] = Number(values[bit]);
    }
  }
  return out;
}

export function vectorToFloat32(vector: Vector | null | undefined, length: number): Float32Array {
  return fillNumbers(vector, new Float32Array(length)) as Float32Array;
}

export function vectorToFloat64(vector: Vector | null | undefined, length: number): Float64Array {
  return fillNumbers(vector, new Float64Array(length)) as Float64Array;
}

export function tableColumnsToFloat32(table: Table, names: string[]): Float32Array[] {
  return names.map((name) => vectorToFloat32(table.getChild(name), table.numRows));
}

/** A SQL scalar as a JS number: BIGINT arrives as bigint, NULL as NaN. */
export function toNumber(value: unknown): number {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return Number.NaN;
  return Number(value);
}

/** The rows of a small result (aggregates, a page) as plain objects. */
export function rowsOf(table: Table): Array<Record<string, unknown>> {
  return table.toArray().map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
}
