import type { GbdtParams } from './params';

/** L1 soft-thresholding of a gradient sum (reg_alpha). */
function thresholdL1(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

export type SplitParams = Pick<GbdtParams, 'lambda' | 'alpha' | 'min_child_weight' | 'max_delta_step'>;

/** Optimal node weight, as XGBoost's CalcWeight. */
export function calcWeight(p: SplitParams, g: number, h: number): number {
  if (h < p.min_child_weight || h <= 0) return 0;
  let w = -thresholdL1(g, p.alpha) / (h + p.lambda);
  if (p.max_delta_step !== 0 && Math.abs(w) > p.max_delta_step) w = Math.sign(w) * p.max_delta_step;
  return w;
}

/** Structure score of a node, as XGBoost's CalcGain. */
export function calcGain(p: SplitParams, g: number, h: number): number {
  if (h < p.min_child_weight || h <= 0) return 0;
  if (p.max_delta_step === 0) {
    const t = p.alpha === 0 ? g : thresholdL1(g, p.alpha);
    return (t * t) / (h + p.lambda);
  }
  const w = calcWeight(p, g, h);
  const ret = -(2 * g * w + (h + p.lambda) * w * w);
  return p.alpha === 0 ? ret : ret + p.alpha * Math.abs(w);
}

export interface SplitCandidate {
  gain: number;
  feature: number;
  /** Bins <= bin go left. */
  bin: number;
  defaultLeft: boolean;
  leftG: number;
  leftH: number;
}

/**
 * Best split of one node from its histogram (layout: [(f * 256 + bin) * 2] = G, +1 = H, bin 255
 * = missing). Each threshold is tried with missing values sent right and sent left.
 */
export function findBestSplit(
  hist: Float64Array,
  features: Int32Array,
  binCounts: Int32Array,
  G: number,
  H: number,
  p: SplitParams,
): SplitCandidate | null {
  if (p.alpha === 0 && p.max_delta_step === 0) return findBestSplitL2(hist, features, binCounts, G, H, p.lambda, p.min_child_weight);
  const parentGain = calcGain(p, G, H);
  const mcw = p.min_child_weight;
  let best: SplitCandidate | null = null;
  let bestGain = 0;
  for (let fi = 0; fi < features.length; fi++) {
    const f = features[fi] as number;
    const base = f * 512;
    const nb = binCounts[f] as number;
    const gm = hist[base + 510] as number;
    const hm = hist[base + 511] as number;
    const hasMissing = hm > 0;
    let gl = 0;
    let hl = 0;
    for (let b = 0; b < nb - 1; b++) {
      gl += hist[base + b * 2] as number;
      hl += hist[base + b * 2 + 1] as number;
      // Missing goes right.
      let gr = G - gl;
      let hr = H - hl;
      if (hl >= mcw && hr >= mcw && hl > 0 && hr > 0) {
        const gain = calcGain(p, gl, hl) + calcGain(p, gr, hr) - parentGain;
        if (gain > bestGain) {
          bestGain = gain;
          best = { gain, feature: f, bin: b, defaultLeft: false, leftG: gl, leftH: hl };
        }
      }
      if (hasMissing) {
        const gl2 = gl + gm;
        const hl2 = hl + hm;
        gr = G - gl2;
        hr = H - hl2;
        if (hl2 >= mcw && hr >= mcw && hl2 > 0 && hr > 0) {
          const gain = calcGain(p, gl2, hl2) + calcGain(p, gr, hr) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            best = { gain, feature: f, bin: b, defaultLeft: true, leftG: gl2, leftH: hl2 };
          }
        }
      }
    }
    // All present values left, missing right (a split on missingness).
    if (hasMissing && nb >= 1) {
      const glAll = G - gm;
      const hlAll = H - hm;
      if (hlAll >= mcw && hm >= mcw && hlAll > 0) {
        const gain = calcGain(p, glAll, hlAll) + calcGain(p, gm, hm) - parentGain;
        if (gain > bestGain) {
          bestGain = gain;
          best = { gain, feature: f, bin: nb - 1, defaultLeft: false, leftG: glAll, leftH: hlAll };
        }
      }
    }
  }
  return best;
}

/**
 * findBestSplit for the common parameters (alpha = 0, max_delta_step = 0): the same candidates in
 * the same order and the same arithmetic (calcGain is g * g / (h + lambda) there), with the gain
 * inlined. An empty bin past the first leaves the left sums as they were, so its candidates equal
 * the previous bin's and cannot win a strict comparison: it is skipped.
 */
function findBestSplitL2(hist: Float64Array, features: Int32Array, binCounts: Int32Array, G: number, H: number, lambda: number, mcw: number): SplitCandidate | null {
  const parentGain = H < mcw || H <= 0 ? 0 : (G * G) / (H + lambda);
  let bestGain = 0;
  let bestFeature = -1;
  let bestBin = 0;
  let bestLeft = false;
  let bestG = 0;
  let bestH = 0;
  const gainOf = (g: number, h: number): number => (h < mcw || h <= 0 ? 0 : (g * g) / (h + lambda));
  for (let fi = 0; fi < features.length; fi++) {
    const f = features[fi] as number;
    const base = f * 512;
    const nb = binCounts[f] as number;
    const gm = hist[base + 510] as number;
    const hm = hist[base + 511] as number;
    const hasMissing = hm > 0;
    let gl = 0;
    let hl = 0;
    for (let b = 0; b < nb - 1; b++) {
      const hb = hist[base + b * 2 + 1] as number;
      if (hb === 0 && b > 0 && hist[base + b * 2] === 0) continue;
      gl += hist[base + b * 2] as number;
      hl += hb;
      let hr = H - hl;
      if (hl >= mcw && hr >= mcw && hl > 0 && hr > 0) {
        const gain = gainOf(gl, hl) + gainOf(G - gl, hr) - parentGain;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestLeft = false;
          bestG = gl;
          bestH = hl;
        }
      }
      if (hasMissing) {
        const gl2 = gl + gm;
        const hl2 = hl + hm;
        hr = H - hl2;
        if (hl2 >= mcw && hr >= mcw && hl2 > 0 && hr > 0) {
          const gain = gainOf(gl2, hl2) + gainOf(G - gl2, hr) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = f;
            bestBin = b;
            bestLeft = true;
            bestG = gl2;
            bestH = hl2;
          }
        }
      }
    }
    if (hasMissing && nb >= 1) {
      const glAll = G - gm;
      const hlAll = H - hm;
      if (hlAll >= mcw && hm >= mcw && hlAll > 0) {
        const gain = gainOf(glAll, hlAll) + gainOf(gm, hm) - parentGain;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = nb - 1;
          bestLeft = false;
          bestG = glAll;
          bestH = hlAll;
        }
      }
    }
  }
  return bestFeature < 0 ? null : { gain: bestGain, feature: bestFeature, bin: bestBin, defaultLeft: bestLeft, leftG: bestG, leftH: bestH };
}
