/**
 * WGSL for the engine's 64-bit fixed point (gbdt/webgpu-histogram.ts: fixedPointScale,
 * writeFixedPoint): fixedPoint(x, scale) gives round(x * scale) as two's complement (low, high)
 * words, bit for bit as writeFixedPoint does on the CPU. x * scale is exact in float32 (scale is a
 * power of two and |x * scale| <= 2^61); Math.round's rule (halves toward +infinity) is applied to
 * |v| with an exact fraction (|v| - floor(|v|) is exact by Sterbenz's lemma); the integer-valued
 * float is unpacked from its bits. Subnormal products may be flushed to zero by the device: they
 * round to 0 anyway (|v| < 2^-126).
 */
export const FIXED_POINT_WGSL = /* wgsl */ `
fn fixedPoint(x: f32, scale: f32) -> vec2<u32> {
  let v = x * scale;
  let a = abs(v);
  let whole = floor(a);
  let fraction = a - whole;
  // Math.round: up on a half for positive values, down (toward zero) on a half for negative ones.
  let up = select(fraction > 0.5, fraction >= 0.5, v >= 0.0);
  let r = whole + select(0.0, 1.0, up);
  var lo = 0u;
  var hi = 0u;
  if (r >= 1.0) {
    let bits = bitcast<u32>(r);
    let e = i32((bits >> 23u) & 0xffu) - 127;
    let m = (bits & 0x7fffffu) | 0x800000u;
    if (e < 23) {
      lo = m >> u32(23 - e);
    } else {
      let shift = u32(e - 23);
      if (shift == 0u) {
        lo = m;
      } else if (shift < 32u) {
        lo = m << shift;
        hi = m >> (32u - shift);
      } else {
        hi = m << (shift - 32u);
      }
    }
  }
  if (v < 0.0 && (lo | hi) != 0u) {
    lo = ~lo + 1u;
    hi = ~hi + select(0u, 1u, lo == 0u);
  }
  return vec2<u32>(lo, hi);
}
`;

/**
 * WGSL: 64-bit adds as two u32 atomics into the shader's `localHist` (workgroup) and `hist`
 * (storage) arrays: the low word's carry goes into the high word, so the total is the exact sum
 * modulo 2^64 whatever the order of the adds. Both arrays must be declared by the shader.
 */
export const ATOMIC_ADD64_WGSL = /* wgsl */ `
fn addLocal(i: u32, lo: u32, hi: u32) {
  let old = atomicAdd(&localHist[i], lo);
  let high = hi + select(0u, 1u, old + lo < old);
  if (high != 0u) { atomicAdd(&localHist[i + 1u], high); }
}

fn addGlobal(i: u32, lo: u32, hi: u32) {
  let old = atomicAdd(&hist[i], lo);
  let high = hi + select(0u, 1u, old + lo < old);
  if (high != 0u) { atomicAdd(&hist[i + 1u], high); }
}
`;
