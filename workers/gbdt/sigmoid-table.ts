/**
 * The binary:logistic gradient pair from a sigmoid table: the one every CPU path computes (the
 * single-thread trainer and the helper threads) and the WGSL twin of the device-resident trainer
 * reproduces bit for bit. Only integer ops and correctly rounded float32 ops; no exp, no fused
 * multiply-add.
 *
 * THE SPEC (float32 `f32()` = one correctly rounded float32 result; JavaScript computes a sum or
 * product of float32 values in float64 and rounds once with Math.fround, which equals the float32
 * op: float64 has more than 2 * 24 + 2 bits, so the double rounding is innocuous):
 *
 *   table (built once, float64, uploaded as it is; 4097 u32):
 *     T[k] = round(2^24 / (1 + exp(-(k / 128 - 16))))            k = 0..4096; T[0] = 2, T[4096] = 2^24 - 2
 *   per row, margin m (float32; never NaN in training, NaN takes the -16 branch here),
 *   label y (0 or 1), w = f32(scale_pos_weight) for y = 1, else 1:
 *     mc = m >= -16 ? (m <= 16 - 2^-7 ? m : 16 - 2^-7) : -16  (a select: exact)
 *     x  = f32(mc + 16) * 128                                    (the f32 add; x 128 is exact; 0 <= x <= 4095)
 *     i  = u32(floor(x))                                         (0..4095)
 *     q  = u32(floor((x - f32(i)) * 65536))                     (x - i exact (Sterbenz), x 65536 exact; 0..65535)
 *     pq = T[i] + (((T[i + 1] - T[i]) * q) >> 16)                (u32: T[i + 1] - T[i] <= 2^15, product < 2^31)
 *     p  = f32(pq) * 2^-24                                       (exact: pq < 2^24)
 *     g  = f32(p - y)                                            (exact)
 *     h  = f32(p * f32(1 - p))                                   (1 - p exact; the product rounded once)
 *     h  = floor(h * 2^32) * 2^-32                               (exact: a multiple of 2^-32, h * 2^32 >= 2^9)
 *     h  = max(h, f32(1e-16))                                    (XGBoost's hessian floor; never hit: pq >= 2)
 *     g  = f32(g * w),  h = f32(h * w)                           (w = 1 leaves them as they are)
 *
 * Why the 2^-32 grid: with w = 1 every g is a multiple of 2^-24 (|g| < 1) and every h a multiple
 * of 2^-32 (h <= 1/4), so float64 sums of up to 2^23 rows' pairs are exact: the same in any order,
 * on any thread count, and equal to the device's 64-bit fixed-point sums (scale >= 2^32). The
 * grid costs at most 2^-32 of h (relative 2e-3 at the table's ends, 5e-6 at |m| = 10).
 *
 * |p - sigmoid(m)| <= 1.2e-6 for every float32 m (linear interpolation between 1/128 steps,
 * < 7.4e-7; table rounding 3e-8; the floor of the interpolation 6e-8; the float32 rounding of
 * m + 16, up to 9.5e-7 in margin times a slope <= 1/4; the clamp at +-16, 1.1e-7), monotone in m.
 */

/** Entries per unit of margin, the margin range covered, and the fixed-point scale of p. */
export const SIGMOID_STEPS_PER_UNIT = 128;
export const SIGMOID_MARGIN_LIMIT = 16;
export const SIGMOID_SCALE = 2 ** 24;

/** The table T of the spec: 4097 u32 (self-contained: helper threads run its source). */
export function buildSigmoidTable(): Uint32Array {
  const table = new Uint32Array(4097);
  for (let k = 0; k <= 4096; k++) table[k] = Math.round(16777216 / (1 + Math.exp(-(k / 128 - 16))));
  return table;
}

let shared: Uint32Array | null = null;

/** The table, built once per thread. */
export function sigmoidTable(): Uint32Array {
  shared ??= buildSigmoidTable();
  return shared;
}

/** p of the spec for one float32 margin, as a number (exact in float32). Self-contained. */
export function tableSigmoid(margin: number, table: Uint32Array): number {
  const m = Math.fround(margin);
  const mc = m >= -16 ? (m <= 15.9921875 ? m : 15.9921875) : -16;
  const x = Math.fround(mc + 16) * 128;
  const i = Math.floor(x);
  const q = Math.floor((x - i) * 65536);
  const lo = table[i] as number;
  const pq = lo + ((((table[i + 1] as number) - lo) * q) >>> 16);
  return pq / 16777216;
}

/**
 * binary:logistic gradient pairs of rows [begin, end) by the spec above: gh[2i] = g, gh[2i + 1] = h
 * (float32), margins[i] the row's margin (one output), labels 0/1. Self-contained (no outside
 * references) so its source can run in a helper thread as it is.
 */
export function logisticGradientRange(margins: Float32Array, labels: Float32Array, table: Uint32Array, scalePosWeight: number, gh: Float32Array, begin: number, end: number): void {
  const w1 = Math.fround(scalePosWeight);
  const floor = Math.fround(1e-16);
  for (let i = begin; i < end; i++) {
    const m = margins[i] as number;
    const mc = m >= -16 ? (m <= 15.9921875 ? m : 15.9921875) : -16;
    const x = Math.fround(mc + 16) * 128;
    const k = x | 0; // floor: 0 <= x <= 4095
    const q = ((x - k) * 65536) | 0;
    const lo = table[k] as number;
    const p = (lo + ((((table[k + 1] as number) - lo) * q) >>> 16)) / 16777216;
    const y = labels[i] as number;
    const g = p - y; // exact in float32
    let h = Math.floor(Math.fround(p * (1 - p)) * 4294967296) / 4294967296;
    if (h < floor) h = floor;
    if (y > 0.5 && w1 !== 1) {
      gh[2 * i] = g * w1; // the store rounds the float64 product once: f32(g * w)
      gh[2 * i + 1] = h * w1;
    } else {
      gh[2 * i] = g;
      gh[2 * i + 1] = h;
    }
  }
}
