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
  const out = new Float64Array(4);
  bestSplitOfFeatures(hist, 0, 512, features, 0, features.length, binCounts, G, H, p.lambda, p.alpha, p.min_child_weight, p.max_delta_step, out, 0);
  return decodeSplit(out, 0);
}

/**
 * The candidate bestSplitOfFeatures wrote at out[at] (null when none): gain, left sums, and the
 * feature, bin and missing direction packed as feature * 512 + bin * 2 + (defaultLeft ? 1 : 0).
 */
export function decodeSplit(out: Float64Array, at: number): SplitCandidate | null {
  const code = out[at + 3] as number;
  if (code < 0) return null;
  return { gain: out[at] as number, feature: Math.floor(code / 512), bin: Math.floor(code / 2) % 256, defaultLeft: code % 2 === 1, leftG: out[at + 1] as number, leftH: out[at + 2] as number };
}

/**
 * The best split over features[fi0, fi1) of the histogram at hist[base + f * stride + ...], as
 * out[at] = gain, out[at + 1] = left G, out[at + 2] = left H, out[at + 3] = the packed feature,
 * bin and missing direction (-1: no candidate gains more than 0). Candidates are tried in
 * feature order, then bin order, and only a strictly larger gain replaces the best: so the best of
 * several feature ranges, taken in range order with the same strict comparison, is the best of all
 * (the training threads split the features of a node between them). Self-contained: the helper
 * threads run it from its source text.
 *
 * With alpha = 0 and max_delta_step = 0 (the defaults) the gain is inlined (calcGain is
 * g * g / (h + lambda) there), and an empty bin past the first is skipped: it leaves the left sums
 * as they were, so its candidates equal the previous bin's and cannot win a strict comparison.
 */
export function bestSplitOfFeatures(
  hist: Float64Array,
  base: number,
  stride: number,
  features: Int32Array,
  fi0: number,
  fi1: number,
  binCounts: Int32Array,
  G: number,
  H: number,
  lambda: number,
  alpha: number,
  mcw: number,
  maxDeltaStep: number,
  out: Float64Array,
  at: number,
): void {
  let bestGain = 0;
  let bestCode = -1;
  let bestG = 0;
  let bestH = 0;
  if (alpha === 0 && maxDeltaStep === 0) {
    const parentGain = H < mcw || H <= 0 ? 0 : (G * G) / (H + lambda);
    for (let fi = fi0; fi < fi1; fi++) {
      const f = features[fi] as number;
      const fb = base + f * stride;
      const nb = binCounts[f] as number;
      const gm = hist[fb + 510] as number;
      const hm = hist[fb + 511] as number;
      const hasMissing = hm > 0;
      let gl = 0;
      let hl = 0;
      for (let b = 0; b < nb - 1; b++) {
        const hb = hist[fb + b * 2 + 1] as number;
        if (hb === 0 && b > 0 && hist[fb + b * 2] === 0) continue;
        gl += hist[fb + b * 2] as number;
        hl += hb;
        let hr = H - hl;
        if (hl >= mcw && hr >= mcw && hl > 0 && hr > 0) {
          const gr = G - gl;
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            bestCode = f * 512 + b * 2;
            bestG = gl;
            bestH = hl;
          }
        }
        if (hasMissing) {
          const gl2 = gl + gm;
          const hl2 = hl + hm;
          hr = H - hl2;
          if (hl2 >= mcw && hr >= mcw && hl2 > 0 && hr > 0) {
            const gr = G - gl2;
            const gain = (gl2 * gl2) / (hl2 + lambda) + (gr * gr) / (hr + lambda) - parentGain;
            if (gain > bestGain) {
              bestGain = gain;
              bestCode = f * 512 + b * 2 + 1;
              bestG = gl2;
              bestH = hl2;
            }
          }
        }
      }
      // All present values left, missing right (a split on missingness).
      if (hasMissing && nb >= 1) {
        const glAll = G - gm;
        const hlAll = H - hm;
        if (hlAll >= mcw && hm >= mcw && hlAll > 0) {
          const gain = (hlAll < mcw || hlAll <= 0 ? 0 : (glAll * glAll) / (hlAll + lambda)) + (gm * gm) / (hm + lambda) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            bestCode = f * 512 + (nb - 1) * 2;
            bestG = glAll;
            bestH = hlAll;
          }
        }
      }
    }
  } else {
    // calcWeight and calcGain of XGBoost, written out (this function must stand alone).
    const threshold = (g: number): number => (g > alpha ? g - alpha : g < -alpha ? g + alpha : 0);
    const weight = (g: number, h: number): number => {
      if (h < mcw || h <= 0) return 0;
      let w = -threshold(g) / (h + lambda);
      if (maxDeltaStep !== 0 && Math.abs(w) > maxDeltaStep) w = Math.sign(w) * maxDeltaStep;
      return w;
    };
    const gainOf = (g: number, h: number): number => {
      if (h < mcw || h <= 0) return 0;
      if (maxDeltaStep === 0) {
        const t = alpha === 0 ? g : threshold(g);
        return (t * t) / (h + lambda);
      }
      const w = weight(g, h);
      const ret = -(2 * g * w + (h + lambda) * w * w);
      return alpha === 0 ? ret : ret + alpha * Math.abs(w);
    };
    const parentGain = gainOf(G, H);
    for (let fi = fi0; fi < fi1; fi++) {
      const f = features[fi] as number;
      const fb = base + f * stride;
      const nb = binCounts[f] as number;
      const gm = hist[fb + 510] as number;
      const hm = hist[fb + 511] as number;
      const hasMissing = hm > 0;
      let gl = 0;
      let hl = 0;
      for (let b = 0; b < nb - 1; b++) {
        gl += hist[fb + b * 2] as number;
        hl += hist[fb + b * 2 + 1] as number;
        // Missing goes right.
        let hr = H - hl;
        if (hl >= mcw && hr >= mcw && hl > 0 && hr > 0) {
          const gain = gainOf(gl, hl) + gainOf(G - gl, hr) - parentGain;
          if (gain > bestGain) {
            bestGain = gain;
            bestCode = f * 512 + b * 2;
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
              bestCode = f * 512 + b * 2 + 1;
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
            bestCode = f * 512 + (nb - 1) * 2;
            bestG = glAll;
            bestH = hlAll;
          }
        }
      }
    }
  }
  out[at] = bestGain;
  out[at + 1] = bestG;
  out[at + 2] = bestH;
  out[at + 3] = bestCode;
}
