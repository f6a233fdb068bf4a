/** Row sets as bitsets (bit i & 31 of word i >>> 5 is row i): packing, counting and Jaccard, shared by the evaluator, mining and validation. */

/** A set of rows: bit (i & 31) of word (i >>> 5) is row i. Bits past the last row are always 0. */
export type Bits = Uint32Array;

/** Packs 0/1 flags into 32-bit words, for fast AND/OR counts. */
export function toBitset(flags: Uint8Array, rows: Uint8Array | null = null): Uint32Array {
  const words = new Uint32Array((flags.length + 31) >>> 5);
  for (let i = 0; i < flags.length; i++) if (flags[i] && (!rows || rows[i])) words[i >>> 5] = (words[i >>> 5] as number) | (1 << (i & 31));
  return words;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function bitCount(a: Uint32Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += popcount32(a[i] as number);
  return c;
}

/** |A ∩ B| / |A ∪ B| of two bitsets (1 when both are empty: two tags that never fire agree). */
export function jaccardBits(a: Uint32Array, b: Uint32Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    inter += popcount32(x & y);
    union += popcount32(x | y);
  }
  return union === 0 ? 1 : inter / union;
}
