/**
 * The engine's 64-bit fixed point for exact, order-independent sums on the device (WGSL twin:
 * fixed-point-wgsl.ts). Used by the WebGPU histogram kernel and the device-resident trainer.
 */
const TWO_POW_32 = 4294967296;

/**
 * The power of two S for values whose absolute sum is `mass`: mass * S <= 2^61, so any sum of
 * rounded values stays below 2^63. Zero mass gives 1.
 */
export function fixedPointScale(mass: number): number {
  if (!(mass > 0)) return 1;
  let exponent = Math.ceil(Math.log2(mass));
  // log2 can be off by one near powers of two: settle on the least e with 2^e >= mass.
  while (2 ** exponent < mass) exponent++;
  while (2 ** (exponent - 1) >= mass) exponent--;
  return 2 ** (61 - exponent);
}

/**
 * Writes round(value * scale) as a 64-bit two's complement integer into out[at] (low word) and
 * out[at + 1] (high word). value * scale is exact (scale is a power of two and |result| <= 2^61).
 */
export function writeFixedPoint(value: number, scale: number, out: Uint32Array, at: number): void {
  const q = Math.round(value * scale);
  const high = Math.floor(q / TWO_POW_32);
  out[at] = q - high * TWO_POW_32;
  out[at + 1] = high >>> 0;
}

/** Reads a 64-bit two's complement integer (low, high words) back as value / scale. */
export function readFixedPoint(low: number, high: number, scale: number): number {
  return ((high | 0) * TWO_POW_32 + low) / scale;
}
