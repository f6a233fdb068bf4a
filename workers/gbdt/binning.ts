/** The bin that holds missing values (NaN) in every feature. */
export const MISSING_BIN = 255;
/** At most this many value bins per feature (one more byte value is the missing bin). */
export const MAX_VALUE_BINS = 255;
export const SKETCH_SAMPLE = 200_000;
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Cut points of one feature: bin k holds values v (as float32) with cuts[k-1] <= v < cuts[k].
 * A split "bins <= k go left" is the XGBoost condition `x < cuts[k]`.
 */
export interface FeatureCuts {
  cuts: Float32Array;
}

/**
 * Sorts float32 values without NaN ascending, as Float32Array.prototype.sort does (-0 before +0),
 * by an LSD radix sort on order-preserving bit patterns: three passes of 11, 11 and 10 bits,
 * several times faster than the comparison sort on the 200k-value sketch samples.
 */
export function sortFloat32(values: Float32Array): void {
  const n = values.length;
  if (n < 2048) {
    values.sort();
    return;
  }
  let keys: Uint32Array = new Uint32Array(values.buffer, values.byteOffset, n);
  const original = keys;
  // Negative floats: flip all bits (reverses their order); others: set the sign bit.
  for (let i = 0; i < n; i++) {
    const u = keys[i] as number;
    keys[i] = u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
  }
  let other: Uint32Array = new Uint32Array(n);
  const counts = new Uint32Array(2048);
  for (const [shift, bits] of [[0, 11], [11, 11], [22, 10]] as const) {
    const mask = (1 << bits) - 1;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const b = ((keys[i] as number) >>> shift) & mask;
      counts[b] = (counts[b] as number) + 1;
    }
    let sum = 0;
    for (let b = 0; b <= mask; b++) {
      const c = counts[b] as number;
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i] as number;
      const b = (k >>> shift) & mask;
      other[counts[b] as number] = k;
      counts[b] = (counts[b] as number) + 1;
    }
    [keys, other] = [other, keys];
  }
  // Three passes leave the result in the scratch array: back to floats in the caller's buffer.
  for (let i = 0; i < n; i++) {
    const k = keys[i] as number;
    original[i] = k & 0x80000000 ? (k & 0x7fffffff) >>> 0 : ~k >>> 0;
  }
}

/** Quantile cut points for a feature from its float32 values (NaN = missing), computed once per dataset. */
export function computeCuts(values: Float32Array, maxBin: number, seed = 0): FeatureCuts {
  const bins = Math.min(maxBin, MAX_VALUE_BINS);
  // Sketch on a fixed-seed sample for large columns; exact on small ones.
  let sample: Float32Array;
  let present = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) present++;
  if (present <= SKETCH_SAMPLE) {
    sample = new Float32Array(present);
    let j = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isNaN(v)) sample[j++] = v;
    }
  } else {
    // A fixed-seed stratified sample (missing values are skipped): one random row from each of
    // SKETCH_SAMPLE equal slices, so the reads walk the column forwards (random positions over
    // a multi-megabyte column cost a cache miss each) and every part of the column is covered.
    // createRng(seed ^ 0x5bd1e995) inlined (the same mulberry32 steps): training threads run this
    // function from its source, where imports do not resolve.
    let state = ((seed ^ 0x5bd1e995) >>> 0) ^ 0x9e3779b9;
    const n = values.length;
    const step = n / SKETCH_SAMPLE;
    const picked = new Float32Array(SKETCH_SAMPLE);
    let j = 0;
    for (let k = 0; k < SKETCH_SAMPLE; k++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      const v = values[Math.min(n - 1, Math.floor((k + u) * step))] as number;
      if (!Number.isNaN(v)) picked[j++] = v;
    }
    sample = picked.subarray(0, j);
  }
  sortFloat32(sample);
  if (sample.length === 0) return { cuts: new Float32Array([FLOAT32_MAX]) };
  const total = sample.length;
  let distinct = 1;
  for (let i = 1; i < total; i++) if (sample[i] !== sample[i - 1]) distinct++;
  const cuts: number[] = [];
  if (distinct <= bins) {
    // One bin per distinct value: the cut above a value is the next distinct value.
    for (let i = 1; i < total; i++) if (sample[i] !== sample[i - 1]) cuts.push(sample[i] as number);
  } else {
    // Equal-frequency cuts: the value at each rank k * total / bins, kept strictly increasing.
    let last = sample[0] as number;
    for (let k = 1; k < bins; k++) {
      const v = sample[Math.floor((k * total) / bins)] as number;
      if (v > last) {
        cuts.push(v);
        last = v;
      }
    }
  }
  // Cuts stay strictly increasing: FLOAT32_MAX and +Infinity (possible sample values) fall in the
  // last bin, which is open above (its bound is finite, so JSON can carry it).
  while (cuts.length > 0 && (cuts[cuts.length - 1] as number) >= FLOAT32_MAX) cuts.pop();
  cuts.push(FLOAT32_MAX);
  return { cuts: Float32Array.from(cuts) };
}

/** Bin index of a float32 value: the first k with v < cuts[k]. */
export function binOf(cuts: Float32Array, v: number): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v < (cuts[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Bins of every row and feature, in two layouts: row-major `bins[row * nFeatures + f]` (a row's
 * bins are adjacent for histogram builds) and one column per feature (partitioning reads one
 * feature of many rows).
 */
export interface BinnedMatrix {
  nRows: number;
  nFeatures: number;
  bins: Uint8Array;
  columnBins: Uint8Array[];
  cuts: FeatureCuts[];
}

/**
 * Bin indices of one column: the first k with v < cuts[k] (cuts end with FLOAT32_MAX), NaN -> MISSING_BIN.
 * (computeCuts, sortFloat32 and binColumn also run in training threads from their source text,
 * next to the constants above under the same names, so they use nothing imported: see
 * parallel-histogram.ts and its test.)
 */
export function binColumn(col: Float32Array, cuts: Float32Array, out: Uint8Array): void {
  // Cuts padded to 256 with +Infinity so the search is eight fixed halvings without bounds checks.
  const padded = new Float64Array(256).fill(Infinity);
  padded.set(cuts);
  const last = cuts.length - 1;
  // Each halving adds a comparison's 0/1 rather than branching on it: the branches would be
  // unpredictable (about 4x slower). NaN compares false throughout and is sent to MISSING_BIN.
  for (let i = 0; i < col.length; i++) {
    const v = col[i] as number;
    let lo = +(v >= (padded[127] as number)) << 7;
    lo += +(v >= (padded[lo + 63] as number)) << 6;
    lo += +(v >= (padded[lo + 31] as number)) << 5;
    lo += +(v >= (padded[lo + 15] as number)) << 4;
    lo += +(v >= (padded[lo + 7] as number)) << 3;
    lo += +(v >= (padded[lo + 3] as number)) << 2;
    lo += +(v >= (padded[lo + 1] as number)) << 1;
    lo += +(v >= (padded[lo] as number));
    const bin = lo < last ? lo : last; // +Infinity lands in the open last bin
    out[i] = v !== v ? MISSING_BIN : bin;
  }
}

export function binColumns(columns: Float32Array[], maxBin: number, seed = 0, existingCuts?: FeatureCuts[]): BinnedMatrix {
  const nFeatures = columns.length;
  const nRows = columns[0]?.length ?? 0;
  const bins = new Uint8Array(nRows * nFeatures);
  const columnBins: Uint8Array[] = [];
  const cuts: FeatureCuts[] = [];
  for (let f = 0; f < nFeatures; f++) {
    const col = columns[f] as Float32Array;
    const fc = existingCuts?.[f] ?? computeCuts(col, maxBin, seed + f);
    cuts.push(fc);
    const colBins = new Uint8Array(nRows);
    binColumn(col, fc.cuts, colBins);
    columnBins.push(colBins);
  }
  // Columns to rows in slices of rows whose part of the row-major matrix stays in cache: a
  // whole column at a time writes one byte per cache line of the matrix.
  const SLICE = 2048;
  for (let start = 0; start < nRows; start += SLICE) {
    const stop = Math.min(start + SLICE, nRows);
    for (let f = 0; f < nFeatures; f++) {
      const colBins = columnBins[f] as Uint8Array;
      for (let i = start, k = start * nFeatures + f; i < stop; i++, k += nFeatures) bins[k] = colBins[i] as number;
    }
  }
  return { nRows, nFeatures, bins, columnBins, cuts };
}
