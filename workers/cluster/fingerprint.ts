/**
 * The k-means caches (column widths, checked data, data copied into WASM memory or uploaded to
 * the device) are keyed by the identity of `x`. Contract: `x` must not change after the first
 * call with it; to cluster other values, pass a new array. A rewrite in place would leave the
 * cache stale silently (CPU sums no longer exact, device limbs that may overflow, a stale copy),
 * so each cache also keeps this fingerprint and recomputes on a mismatch: the length and a hash
 * of up to 64 evenly spaced values' bits, first and last included. It is a cheap check, not a
 * proof: a rewrite that touches none of the sampled values goes unseen.
 */

const SAMPLES = 64;

export interface DataFingerprint {
  length: number;
  hash: number;
}

export function dataFingerprint(x: Float32Array, length = x.length): DataFingerprint {
  const words = new Uint32Array(x.buffer, x.byteOffset, length);
  let hash = 0x811c9dc5 ^ length;
  if (length > 0) {
    const samples = Math.min(SAMPLES, length);
    for (let s = 0; s < samples; s++) {
      const at = samples === 1 ? 0 : Math.round((s * (length - 1)) / (samples - 1));
      // Multiply and shift right after each value: a multiply alone never moves a change of the
      // top bit (a sign) down, so an even number of sign flips would cancel out.
      let word = Math.imul((words[at] as number) ^ at, 0x9e3779b1);
      word ^= word >>> 16;
      hash = Math.imul(hash ^ word, 0x85ebca6b);
      hash ^= hash >>> 13;
    }
  }
  return { length, hash: hash >>> 0 };
}

export function sameFingerprint(a: DataFingerprint, b: DataFingerprint): boolean {
  return a.length === b.length && a.hash === b.hash;
}
