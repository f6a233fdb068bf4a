import { createRng } from './rng';

/** The bin that holds missing values (NaN) in every feature. */
export const MISSING_BIN = 255;
/** At most this many value bins per feature (one more byte value is the missing bin). */
export const MAX_VALUE_BINS = 255;
const SKETCH_SAMPLE = 200_000;
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Cut points of one feature: bin k holds values v (as float32) with cuts[k-1] <= v < cuts[k].
 * A split "bins <= k go left" is the XGBoost condition `x < cuts[k]`.
 */
export interface FeatureCuts {
  cuts: Float32Array;
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
    const rng = createRng(seed ^ 0x5bd1e995);
    sample = new Float32Array(SKETCH_SAMPLE);
    let j = 0;
    // Reservoir sampling over the present values.
    let seen = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) continue;
      if (j < SKETCH_SAMPLE) sample[j++] = v;
      else {
        const r = Math.floor(rng() * (seen + 1));
        if (r < SKETCH_SAMPLE) sample[r] = v;
      }
      seen++;
    }
  }
  sample.sort();
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
  cuts.push(FLOAT32_MAX); // the last bin is open above (finite, so JSON can carry it)
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

/** Row-major bin matrix: bins[row * nFeatures + f] (a row's bins are adjacent for histogram builds). */
export interface BinnedMatrix {
  nRows: number;
  nFeatures: number;
  bins: Uint8Array;
  cuts: FeatureCuts[];
}

export function binColumns(columns: Float32Array[], maxBin: number, seed = 0, existingCuts?: FeatureCuts[]): BinnedMatrix {
  const nFeatures = columns.length;
  const nRows = columns[0]?.length ?? 0;
  const bins = new Uint8Array(nRows * nFeatures);
  const cuts: FeatureCuts[] = [];
  for (let f = 0; f < nFeatures; f++) {
    const col = columns[f] as Float32Array;
    const fc = existingCuts?.[f] ?? computeCuts(col, maxBin, seed + f);
    cuts.push(fc);
    const c = fc.cuts;
    const last = c.length - 1;
    for (let i = 0; i < nRows; i++) {
      const v = col[i] as number;
      if (v !== v) {
        bins[i * nFeatures + f] = MISSING_BIN;
        continue;
      }
      let lo = 0;
      let hi = last;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (v < (c[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      bins[i * nFeatures + f] = lo;
    }
  }
  return { nRows, nFeatures, bins, cuts };
}
