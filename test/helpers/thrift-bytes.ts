/** Thrift compact-protocol integers, for building Parquet page headers byte by byte in tests. */

/** An unsigned LEB128 varint. */
export function varint(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

/** A signed 32-bit integer in zigzag form (what compact Thrift writes as a varint). */
export const zigzag32 = (n: number): number => ((n << 1) ^ (n >> 31)) >>> 0;
