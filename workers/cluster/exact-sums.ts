/**
 * The k-means centroid update, defined once: the centroid of cluster c in column j is
 *
 *     round64(exact sum of x[i, j] over the rows i of c) / count(c)
 *
 * where the sum is taken exactly (no rounding at all) and round64 rounds it once to the nearest
 * float64 (ties to even); the division is one IEEE float64 division. The result does not depend
 * on the order the rows are added in, so every backend that computes the exact sum gives the same
 * bits: the CPU kernels (kernel.ts, kmeans.wat) split each value into float64 parts whose sums are
 * exact, the WebGPU kernel (webgpu-kmeans-update.ts) adds integer limbs with carries. Both hand
 * back the exact sum as a short list of float64 terms (`ClusterSums`), rounded here by
 * `roundedSum`, which is correctly rounded.
 *
 * The widths come from the data, once per data set (`columnBits`): every float32 value of column
 * j is an integer multiple of 2^lowBit[j] (the lowest set bit over the column) and below
 * 2^topBit[j] in magnitude, so it is an integer of fewer than B = topBit - lowBit bits in units
 * of 2^lowBit; a sum of n of them is below n * 2^B <= 2^(B + w) with w = ceil(log2 n).
 */
import { EngineError } from '../protocol/errors';
import { dataFingerprint, sameFingerprint, type DataFingerprint } from './fingerprint';

/**
 * Per column: every value is a multiple of 2^lowBit and below 2^topBit in magnitude (both 0 for
 * an all-zero column), and the sum of the values' magnitudes is below 2^massBit (from their
 * exponents: within a factor 2).
 */
export interface ColumnBits {
  lowBit: Int32Array;
  topBit: Int32Array;
  massBit: Int32Array;
}

interface Shape {
  x: Float32Array;
  n: number;
  d: number;
}

const bitsCache = new WeakMap<Float32Array, { n: number; d: number; fingerprint: DataFingerprint; bits: ColumnBits }>();

/**
 * The column widths of a data set (cached by the identity of `x`); also its finiteness check:
 * a NaN or infinite value is a BAD_INPUT error naming its row. `x` must not change after the
 * first call (pass a new array): stale widths would make the sums inexact or overflow the
 * device's limbs, so a sampled fingerprint (fingerprint.ts) is checked and a mismatch recomputes.
 */
export function columnBits(data: Shape): ColumnBits {
  const seen = bitsCache.get(data.x);
  const fingerprint = dataFingerprint(data.x, data.n * data.d);
  if (seen && seen.n === data.n && seen.d === data.d && sameFingerprint(seen.fingerprint, fingerprint)) return seen.bits;
  const { n, d } = data;
  const words = new Uint32Array(data.x.buffer, data.x.byteOffset, n * d);
  const low = new Int32Array(d).fill(1 << 30);
  const top = new Int32Array(d).fill(-(1 << 30));
  // Per column, how many values have each exponent: a value with exponent e > 0 is below
  // 2^(e - 126), a subnormal below 2^-126, which bounds the column's sum of magnitudes.
  const exponents = new Int32Array(d * 256);
  for (let i = 0, at = 0; i < n; i++) {
    for (let j = 0; j < d; j++, at++) {
      const u = words[at] as number;
      // Bits: sign, 8 exponent bits e, 23 mantissa bits; the value is m * 2^(max(e, 1) - 150)
      // with m the mantissa (and 2^23 when e > 0).
      const e = (u >>> 23) & 0xff;
      if (e === 0xff) throw new EngineError('BAD_INPUT', `Row ${i} has a missing or infinite value; impute or filter it first.`);
      if (e === 0) {
        const m = u & 0x7fffff;
        if (m === 0) continue; // a zero
        const lowest = -149 + 31 - Math.clz32(m & -m);
        if (lowest < (low[j] as number)) low[j] = lowest;
        const bound = -149 + 32 - Math.clz32(m);
        if (bound > (top[j] as number)) top[j] = bound;
        exponents[j * 256] = (exponents[j * 256] as number) + 1;
        continue;
      }
      exponents[j * 256 + e] = (exponents[j * 256 + e] as number) + 1;
      // The lowest set bit is at or above the mantissa's unit 2^(e - 150): look for it only when that could lower `low`.
      if (e - 150 < (low[j] as number)) {
        const m = (u & 0x7fffff) | 0x800000;
        const lowest = e - 150 + 31 - Math.clz32(m & -m);
        if (lowest < (low[j] as number)) low[j] = lowest;
      }
    }
  }
  const massBit = new Int32Array(d);
  for (let j = 0; j < d; j++) {
    let mass = 0;
    for (let e = 255; e >= 1; e--) {
      const count = exponents[j * 256 + e] as number;
      if (count === 0) continue;
      if (mass === 0 && e - 126 > (top[j] as number)) top[j] = e - 126; // the largest exponent
      mass += count * 2 ** (e - 126);
    }
    mass += (exponents[j * 256] as number) * 2 ** -126;
    // Up to 256 exact terms summed in float64: within 2^-45 (relative) of their sum.
    massBit[j] = mass > 0 ? Math.ceil(Math.log2(mass * (1 + 2 ** -40))) : 0;
  }
  for (let j = 0; j < d; j++) {
    if ((top[j] as number) < (low[j] as number)) {
      low[j] = 0;
      top[j] = 0;
    }
  }
  const bits = { lowBit: low, topBit: top, massBit };
  bitsCache.set(data.x, { n, d, fingerprint, bits });
  return bits;
}

/** w = ceil(log2 n): a sum of n values below 2^B in magnitude is below 2^(B + w). */
export function rowCountBits(n: number): number {
  return n <= 1 ? 0 : 32 - Math.clz32(n - 1);
}

/**
 * How the CPU kernels sum exactly in float64. Column j's values are multiples of 2^low, below
 * 2^top in magnitude, and their magnitudes sum to at most 2^e (`columnBits`); B = top - low,
 * w = ceil(log2 n).
 *
 * A column with e <= 53 + low and B <= 50 needs no split: every sum of its values, in any order,
 * is a multiple of 2^low of at most 2^(53 + low), so a float64 exactly.
 *
 * Other columns are split into parts. Part p < parts - 1 of a value v is hi = round(r / 2^b) * 2^b,
 * with r what the earlier parts left of v and b = boundary(p, j), computed as (r + C) - C with
 * C = 1.5 * 2^(b + 52) (exact when |r| <= 2^(b + 50): r + C then lies in [2^(b+52), 2^(b+53)),
 * where the float64 spacing is 2^b, and the subtraction is exact); the last part is the rest.
 * Each part is an integer multiple of its unit, and the parts of all the values split (at most
 * n) sum to at most 2^53 units, so every partial sum, in any order, is a float64 exactly:
 *   - part 0: b0 = max(e - 52, top - 50) (above low: e > 53 + low or top > low + 50);
 *     |v| < 2^top <= 2^(b0 + 50); |hi| <= |v| + 2^(b0 - 1), so the parts 0 sum to at most
 *     2^e + n * 2^(b0 - 1) <= 2^(52 + b0) + 2^(52 + b0);
 *   - part p > 0: bp = max(b(p-1) - cap1, low) with cap1 = min(51, 54 - w); the rest left by
 *     part p-1 is at most 2^(b(p-1) - 1) <= 2^(bp + 50), so hi is at most 2^(b(p-1) - 1 - bp)
 *     <= 2^(53 - w) units of 2^bp, and n of them at most 2^53;
 *   - the last part: a multiple of 2^low (every value is, so is every hi), at most
 *     2^(b(last) - 1) <= 2^(low + 53 - w) (b(last) - low <= cap1 by the choice of `parts`).
 * A column needing fewer parts than another gets boundaries clamped at `low`, where the rounding
 * keeps the rest whole (|r| <= 2^(low + 50): the rest of a split column, or a value of a column
 * with B <= 50) and later parts are 0.
 *
 * The WASM kernel (kernel.ts) adds rows in one of three ways:
 *   - plain sums (parts = 1): the values' float64 sums, exact as above;
 *   - rounded copy (most other data): every value rounded to part 0's unit once per data set
 *     (hi; a float32 again: at most 24 significant bits), and the list of the nonzero rests
 *     (v - hi, at most 2^(b0 - 1): the few values with bits below 2^b0), split into parts
 *     1 .. parts - 1 as above. Sums of hi values are exact over any subset of rows (the part 0
 *     bound above), so each update adds them into part 0's sums as they come;
 *   - running sums (many rests): rows added as they come into a running float64 sum per cluster
 *     and column, split into the parts when it holds `rowsPerFlush` rows, and at the end. m
 *     values sum to a multiple of 2^low below m * 2^top: exact for m <= 2^(53 - B), and within
 *     the constant's bound 2^(b0 + 50) for m <= 2^(b0 + 50 - top); a flushed sum a stands for
 *     its rows in the bounds above (|hi| <= |a| + 2^(b0 - 1), sum of |a| at most 2^e, at most n
 *     flushes).
 * The JS reference (`updateJs`) splits every value: running sums of one row.
 */
export interface SplitPlan {
  parts: number;
  /** (parts - 1) x d constants C, row p for part p. */
  constants: Float64Array;
  /** Rows a cluster's running float64 sums may hold before they are split into the parts. */
  rowsPerFlush: number;
}

export function splitPlan(bits: ColumnBits, n: number): SplitPlan {
  const d = bits.lowBit.length;
  const w = rowCountBits(n);
  const cap1 = Math.min(51, 54 - w);
  const boundaries: number[][] = [];
  let parts = 1;
  for (let j = 0; j < d; j++) {
    const low = bits.lowBit[j] as number;
    const top = bits.topBit[j] as number;
    const e = bits.massBit[j] as number;
    const column: number[] = [];
    if (e > 53 + low || top - low > 50) {
      let b = Math.max(e - 52, top - 50);
      column.push(b);
      while (b - low > cap1) {
        b = Math.max(b - cap1, low);
        column.push(b);
      }
    }
    boundaries.push(column);
    parts = Math.max(parts, column.length + 1);
  }
  const constants = new Float64Array((parts - 1) * d);
  let flushBits = 30;
  for (let j = 0; j < d; j++) {
    const column = boundaries[j] as number[];
    const low = bits.lowBit[j] as number;
    const top = bits.topBit[j] as number;
    for (let p = 0; p < parts - 1; p++) constants[p * d + j] = 1.5 * 2 ** (Math.max(column[p] ?? -Infinity, low) + 52);
    flushBits = Math.min(flushBits, 53 - (top - low));
    if (parts > 1) flushBits = Math.min(flushBits, (column[0] ?? low) + 50 - top);
  }
  return { parts, constants, rowsPerFlush: 2 ** Math.max(0, flushBits) };
}

/**
 * How the device adds values as integers: value v of column j is the integer v / 2^lowBit[j]
 * (exact: v is a multiple of 2^lowBit[j]), below 2^B in magnitude with B = topBit - lowBit; a sum
 * of n of them is below 2^(B + w), so B + w + 1 bits hold it in two's complement. `limbs` 32-bit
 * limbs cover every column (the widest); the device adds modulo 2^(32 limbs), which gives the
 * true sum because the true sum (and that of any subset of rows) fits.
 */
export function limbCount(bits: ColumnBits, n: number): number {
  const w = rowCountBits(n);
  let limbs = 1;
  for (let j = 0; j < bits.lowBit.length; j++) limbs = Math.max(limbs, Math.ceil(((bits.topBit[j] as number) - (bits.lowBit[j] as number) + w + 1) / 32));
  return limbs;
}

/** Per cluster and column, the exact sum as `terms` float64 values (term-major: values[(t * k + c) * d + j]). */
export class ClusterSums {
  k = 0;
  d = 0;
  terms = 0;
  values = new Float64Array(0);

  /** Room for `terms` zeroed terms of k x d sums. */
  reset(k: number, d: number, terms: number): Float64Array {
    this.k = k;
    this.d = d;
    this.terms = terms;
    if (this.values.length < terms * k * d) this.values = new Float64Array(terms * k * d);
    this.values.fill(0, 0, terms * k * d);
    return this.values;
  }

  /** The sum of cluster c, column j, with `extra` values added, rounded once to float64. */
  rounded(c: number, j: number, extra: readonly number[] = []): number {
    const { k, d, terms, values } = this;
    scratch.length = 0;
    for (let t = 0; t < terms; t++) scratch.push(values[(t * k + c) * d + j] as number);
    for (const v of extra) scratch.push(v);
    return roundedSum(scratch);
  }
}

const scratch: number[] = [];

/**
 * The exact sum of float64 values rounded once to float64, ties to even (CPython's math.fsum:
 * Shewchuk's exact partials, then the half-way correction). Exact sums that overflow are not
 * handled: k-means sums are far below that.
 */
export function roundedSum(values: readonly number[]): number {
  const partials: number[] = [];
  for (let x of values) {
    let i = 0;
    for (let p = 0; p < partials.length; p++) {
      let y = partials[p] as number;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    if (x !== 0) partials.push(x);
  }
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n] as number;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n] as number;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // The partials below `lo` may push a half-way case over: then round away from `hi`.
  if (n > 0 && ((lo < 0 && (partials[n - 1] as number) < 0) || (lo > 0 && (partials[n - 1] as number) > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** A row an empty cluster takes over (as scikit-learn): its values leave `from`'s sum and make `to`'s. */
export interface Relocation {
  row: number;
  from: number;
  to: number;
}

/**
 * The next centroids (k x d into `out`): each cluster's exact sum, less the rows relocated out of
 * it, rounded once and divided by its count; a relocated row is its new cluster's centroid; a
 * cluster with no rows keeps its centroid. `counts` already reflect the relocations.
 */
export function clusterMeans(data: Shape, sums: ClusterSums, counts: Float64Array, relocations: readonly Relocation[], previous: Float64Array, out: Float64Array): void {
  const { d, x } = data;
  const k = sums.k;
  const leaving = new Map<number, number[]>();
  const arriving = new Map<number, number>();
  for (const r of relocations) {
    leaving.set(r.from, [...(leaving.get(r.from) ?? []), r.row]);
    arriving.set(r.to, r.row);
  }
  const extra: number[] = [];
  for (let c = 0; c < k; c++) {
    const count = counts[c] as number;
    const arrived = arriving.get(c);
    const left = leaving.get(c);
    for (let j = 0; j < d; j++) {
      let v: number;
      if (arrived !== undefined) v = x[arrived * d + j] as number;
      else if (count === 0) v = previous[c * d + j] as number;
      else {
        extra.length = 0;
        if (left) for (const row of left) extra.push(-(x[row * d + j] as number));
        v = sums.rounded(c, j, extra) / count;
      }
      out[c * d + j] = v;
    }
  }
}
