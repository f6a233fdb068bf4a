import type { Table, Vector } from 'apache-arrow';

/** A numeric Arrow column as float32 with NaN for NULL (chunk by chunk, honouring validity bits). */
export function vectorToFloat32(vector: Vector | null | undefined, length: number): Float32Array {
  const out = new Float32Array(length);
  if (!vector) return out.fill(Number.NaN);
  let at = 0;
  for (const chunk of vector.data) {
    const values = chunk.values as ArrayLike<number | bigint>;
    const validity = chunk.nullBitmap;
    const offset = chunk.offset;
    const hasNulls = chunk.nullCount > 0 && validity && validity.length > 0;
    for (let i = 0; i < chunk.length; i++) {
      const bit = offset + i;
      if (hasNulls && ((validity[bit >> 3] as number) & (1 << (bit & 7))) === 0) out[at++] = Number.NaN;
      else out[at++] = Number(values[bit]);
    }
  }
  return out;
}

export function tableColumnsToFloat32(table: Table, names: string[]): Float32Array[] {
  return names.map((name) => vectorToFloat32(table.getChild(name), table.numRows));
}
