/**
 * k-means assignment and update kernels. Every kernel returns the same labels: the nearest
 * centroid in float64 (ties to the lowest index). Fast kernels score in float32 and hand the rows
 * whose best and runner-up are within the float32 error bound to `refineRows`, which decides them
 * in float64; so the WASM and WebGPU kernels agree exactly with each other and with the reference.
 *
 * The update (per-cluster sums, float64, rows in order) is shared by every backend: it is O(n d)
 * against the assignment's O(n k d), and summing in one fixed order keeps centroids bit-identical
 * across backends.
 */

/** The scaled data: n rows x d columns, row-major float32 (the values every backend works on). */
export interface KmeansData {
  x: Float32Array;
  n: number;
  d: number;
}

export interface KmeansKernel {
  readonly backend: 'cpu' | 'webgpu';
  /** Nearest centroid of every row (centroids: k x d, float64) into `labels`; returns how many rows needed the float64 check. */
  assign(data: KmeansData, centroids: Float64Array, k: number, labels: Int32Array): Promise<number>;
  /** Per-cluster sums (k x d) and counts of the rows, in row order. Overwrites `sums` and `counts`. */
  update(data: KmeansData, labels: Int32Array, k: number, sums: Float64Array, counts: Float64Array): Promise<void>;
  dispose(): void;
}

/**
 * Bound on |gap_float32 - gap_exact| relative to (|x|^2 + max |c|^2): each float32 score
 * |c|^2 - 2 x.c is off by at most (d + 3) u (|c|^2 + 2 |x||c|) <= 2 (d + 3) u (|x|^2 + max|c|^2)
 * (u = 2^-24: centroid rounding, d products and d + 1 additions); a gap by twice that; doubled
 * again for the rounding of the bound's own terms.
 */
export function float32GapFactor(d: number): number {
  return 8 * (d + 3) * 2 ** -24;
}

/** Squared distance from row i to centroid c in float64. */
export function squaredDistance(data: KmeansData, i: number, centroids: Float64Array, c: number): number {
  const { x, d } = data;
  let s = 0;
  const xo = i * d;
  const co = c * d;
  for (let j = 0; j < d; j++) {
    const t = (x[xo + j] as number) - (centroids[co + j] as number);
    s += t * t;
  }
  return s;
}

/** The float64 nearest centroid of row i (lowest index on ties). */
export function nearestExact(data: KmeansData, i: number, centroids: Float64Array, k: number): number {
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let c = 0; c < k; c++) {
    const dist = squaredDistance(data, i, centroids, c);
    if (dist < bestDist) {
      bestDist = dist;
      best = c;
    }
  }
  return best;
}

/** Decides the flagged rows in float64. */
export function refineRows(data: KmeansData, centroids: Float64Array, k: number, labels: Int32Array, flagged: ArrayLike<number>, count: number): void {
  for (let f = 0; f < count; f++) {
    const i = flagged[f] as number;
    labels[i] = nearestExact(data, i, centroids, k);
  }
}

/** Squared row norms in float64, rounded to float32 (for the float32 error bound). */
export function rowNorms(data: KmeansData): Float32Array {
  const { x, n, d } = data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j] as number;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** The update step in plain JS (the reference; the same adds in the same order as the WASM one). */
export function updateJs(data: KmeansData, labels: Int32Array, k: number, sums: Float64Array, counts: Float64Array): void {
  const { x, n, d } = data;
  sums.fill(0, 0, k * d);
  counts.fill(0, 0, k);
  for (let i = 0; i < n; i++) {
    const l = labels[i] as number;
    counts[l] = (counts[l] as number) + 1;
    const base = l * d;
    for (let j = 0; j < d; j++) sums[base + j] = (sums[base + j] as number) + (x[i * d + j] as number);
  }
}

/** Reference kernel: float64 for every row. Slow; for tests and as the definition of the labels. */
export const referenceKmeansKernel: KmeansKernel = {
  backend: 'cpu',
  async assign(data, centroids, k, labels) {
    for (let i = 0; i < data.n; i++) labels[i] = nearestExact(data, i, centroids, k);
    return data.n;
  },
  async update(data, labels, k, sums, counts) {
    updateJs(data, labels, k, sums, counts);
  },
  dispose() {},
};

/**
 * kmeans.wat (wabt 1.0.32: `wat2wasm kmeans.wat`), embedded so no file needs serving. `assign`
 * scores tiles of 4 rows x 8 centroids with f32x4 SIMD; `update` is the float64 sum loop (f64x2).
 */
const KMEANS_WASM_BASE64 =
  'AGFzbQEAAAABJwNgCn97e3t/f319f38Bf2ALf39/f39/f399fX8Bf2AGf39/f39/AAMEAwABAgUDAQABBxwDBm1lbW9yeQIABmFzc2lnbgABBnVwZGF0ZQACCrcPA7ACAQN7IAEgASAB/Q0ICQoLDA0ODwABAgMEBQYH/egBIgogCiAK/Q0EBQYHAAECAwwNDg8ICQoL/egBIQogA/0M/////////////////////yABIAr9Qf1SIgsgCyAL/Q0ICQoLDA0ODwABAgMEBQYH/bcBIgsgCyAL/Q0EBQYHAAECAwwNDg8ICQoL/bcBIQsgAv0MAACAfwAAgH8AAIB/AACAfyABIAMgC/03/VL96AEiDCAMIAz9DQgJCgsMDQ4PAAECAwQFBgf96AEiDCAMIAz9DQQFBgcAAQIDDA0ODwgJCgv96AEhDCAEIABBAnRqIAv9GwA2AgAgDP0fACAK/R8AkyAGIAUgAEECdGoqAgAgB5KUXkUEQCAIIAlBAnRqIAA2AgAgCUEBaiEJCyAJC8sLAgx/GXsgBUECdCERIAJBAnQiEyIUIBRqIhUgFGohFiAAIQwCQANAIAtBBGogAUsNAUMAAIB//RMiHiEf/QwAAAAAAAAAAAAAAAAAAAAAISBDAACAf/0TIiMhJP0MAAAAAAAAAAAAAAAAAAAAACElQwAAgH/9EyIoISn9DAAAAAAAAAAAAAAAAAAAAAAhKkMAAIB//RMiLSEu/QwAAAAAAAAAAAAAAAAAAAAAIS/9DAAAAAABAAAAAgAAAAMAAAAhGUEAIQ0CQANAIA0gBU8NASAEIA1BAnRqIQ4gDv0ABAAhHCAO/QAEECEdIA79AAQAISEgDv0ABBAhIiAO/QAEACEmIA79AAQQIScgDv0ABAAhKyAO/QAEECEsIAMgDUECdGohDiAMIQ8gDyACQQJ0aiEQAkADQCAPIBBPDQEgDv0ABAAhGiAO/QAEECEbIA/9CQIAIhcgGv3mASAc/eQBIRwgFyAb/eYBIB395AEhHSAPIBRq/QkCACIXIBr95gEgIf3kASEhIBcgG/3mASAi/eQBISIgDyAVav0JAgAiFyAa/eYBICb95AEhJiAXIBv95gEgJ/3kASEnIA8gFmr9CQIAIhcgGv3mASAr/eQBISsgFyAb/eYBICz95AEhLCAOIBFqIQ4gD0EEaiEPDAALCyAcIB79QyEYIB4gHyAc/egBIBj9UiEfIBwgHiAY/VIhHiAZICAgGP1SISAgHSAe/UMhGCAeIB8gHf3oASAY/VIhHyAdIB4gGP1SIR4gGf0MBAAAAAQAAAAEAAAABAAAAP2uASAgIBj9UiEgICEgI/1DIRggIyAkICH96AEgGP1SISQgISAjIBj9UiEjIBkgJSAY/VIhJSAiICP9QyEYICMgJCAi/egBIBj9UiEkICIgIyAY/VIhIyAZ/QwEAAAABAAAAAQAAAAEAAAA/a4BICUgGP1SISUgJiAo/UMhGCAoICkgJv3oASAY/VIhKSAmICggGP1SISggGSAqIBj9UiEqICcgKP1DIRggKCApICf96AEgGP1SISkgJyAoIBj9UiEoIBn9DAQAAAAEAAAABAAAAAQAAAD9rgEgKiAY/VIhKiArIC39QyEYIC0gLiAr/egBIBj9UiEuICsgLSAY/VIhLSAZIC8gGP1SIS8gLCAt/UMhGCAtIC4gLP3oASAY/VIhLiAsIC0gGP1SIS0gGf0MBAAAAAQAAAAEAAAABAAAAP2uASAvIBj9UiEvIBn9DAgAAAAIAAAACAAAAAgAAAD9rgEhGSANQQhqIQ0MAAsLIAsgHiAfICAgBiAHIAggCSAKIBIQACESIAtBAWogIyAkICUgBiAHIAggCSAKIBIQACESIAtBAmogKCApICogBiAHIAggCSAKIBIQACESIAtBA2ogLSAuIC8gBiAHIAggCSAKIBIQACESIAwgE0EEbGohDCALQQRqIQsMAAsLAkADQCALIAFPDQFDAACAf/0TIh4hH/0MAAAAAAAAAAAAAAAAAAAAACEg/QwAAAAAAQAAAAIAAAADAAAAIRlBACENAkADQCANIAVPDQEgBCANQQJ0aiEOIA79AAQAIRwgDv0ABBAhHSADIA1BAnRqIQ4gDCEPIA8gAkECdGohEAJAA0AgDyAQTw0BIA79AAQAIRogDv0ABBAhGyAP/QkCACIXIBr95gEgHP3kASEcIBcgG/3mASAd/eQBIR0gDiARaiEOIA9BBGohDwwACwsgHCAe/UMhGCAeIB8gHP3oASAY/VIhHyAcIB4gGP1SIR4gGSAgIBj9UiEgIB0gHv1DIRggHiAfIB396AEgGP1SIR8gHSAeIBj9UiEeIBn9DAQAAAAEAAAABAAAAAQAAAD9rgEgICAY/VIhICAZ/QwIAAAACAAAAAgAAAAIAAAA/a4BIRkgDUEIaiENDAALCyALIB4gHyAgIAYgByAIIAkgCiASEAAhEiAMIBNBAWxqIQwgC0EBaiELDAALCyASC7UBAQZ/IAAhCQJAA0AgBiABTw0BIAMgBkECdGooAgAhByAFIAdBA3RqIgsgCysDAEQAAAAAAADwP6A5AwAgBCAHIAJsQQN0aiEIIAkgAkF+cUECdGohCgJAA0AgCSAKTw0BIAggCP0ABAAgCf1dAwD9X/3wAf0LBAAgCEEQaiEIIAlBCGohCQwACwsgAkEBcQRAIAggCCsDACAJKgIAu6A5AwAgCUEEaiEJCyAGQQFqIQYMAAsLCw==';

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

let compiledModule: WebAssembly.Module | null = null;

export function kmeansWasmBytes(): Uint8Array {
  return decodeBase64(KMEANS_WASM_BASE64);
}

type AssignFn = (x: number, n: number, d: number, ct: number, cn: number, kPad: number, labels: number, xn: number, factor: number, maxCn: number, flagged: number) => number;
type UpdateFn = (x: number, n: number, d: number, labels: number, sums: number, counts: number) => void;

const PAGE = 65536;
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * The CPU kernel: WebAssembly SIMD. The data is copied into WASM memory once per data set
 * (cached by the identity of `data.x`, assumed unchanged while it is in use).
 */
export function createWasmKmeansKernel(): KmeansKernel {
  compiledModule ??= new WebAssembly.Module(kmeansWasmBytes() as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(compiledModule, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const assignWasm = instance.exports.assign as AssignFn;
  const updateWasm = instance.exports.update as UpdateFn;
  let loaded: Float32Array | null = null;
  let layout = { x: 0, xn: 0, labels: 0, flagged: 0, free: 0 };

  const ensureBytes = (end: number): void => {
    const pages = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) memory.grow(pages);
  };

  const load = (data: KmeansData): void => {
    if (loaded === data.x) return;
    const { n, d } = data;
    const x = 0;
    const xn = align16(x + n * d * 4);
    const labels = align16(xn + n * 4);
    const flagged = align16(labels + n * 4);
    const free = align16(flagged + n * 4);
    ensureBytes(free);
    new Float32Array(memory.buffer, x, n * d).set(data.x.subarray(0, n * d));
    new Float32Array(memory.buffer, xn, n).set(rowNorms(data));
    layout = { x, xn, labels, flagged, free };
    loaded = data.x;
  };

  return {
    backend: 'cpu',
    async assign(data, centroids, k, labels) {
      load(data);
      const { n, d } = data;
      const kPad = Math.ceil(k / 8) * 8;
      const ct = layout.free;
      const cn = align16(ct + d * kPad * 4);
      ensureBytes(cn + kPad * 4);
      const ctView = new Float32Array(memory.buffer, ct, d * kPad).fill(0);
      const cnView = new Float32Array(memory.buffer, cn, kPad).fill(Number.POSITIVE_INFINITY);
      let maxCn = 0;
      for (let c = 0; c < k; c++) {
        let norm = 0;
        for (let j = 0; j < d; j++) {
          const v = Math.fround(centroids[c * d + j] as number);
          ctView[j * kPad + c] = -2 * v;
          norm += (centroids[c * d + j] as number) ** 2;
        }
        cnView[c] = norm;
        maxCn = Math.max(maxCn, cnView[c] as number);
      }
      const count = assignWasm(layout.x, n, d, ct, cn, kPad, layout.labels, layout.xn, float32GapFactor(d), maxCn, layout.flagged);
      const out = new Int32Array(memory.buffer, layout.labels, n);
      refineRows(data, centroids, k, out, new Int32Array(memory.buffer, layout.flagged, count), count);
      labels.set(out);
      return count;
    },
    async update(data, labels, k, sums, counts) {
      load(data);
      const { n, d } = data;
      const sumsAt = layout.free;
      const countsAt = sumsAt + k * d * 8;
      ensureBytes(countsAt + k * 8);
      new Int32Array(memory.buffer, layout.labels, n).set(labels.subarray(0, n));
      new Float64Array(memory.buffer, sumsAt, k * d + k).fill(0);
      updateWasm(layout.x, n, d, layout.labels, sumsAt, countsAt);
      sums.set(new Float64Array(memory.buffer, sumsAt, k * d));
      counts.set(new Float64Array(memory.buffer, countsAt, k));
    },
    dispose() {
      loaded = null;
    },
  };
}
