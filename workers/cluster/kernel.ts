/**
 * k-means assignment and update kernels. Every kernel returns the same labels: the nearest
 * centroid in float64 (ties to the lowest index). Fast kernels score in float32 and hand the rows
 * whose best and runner-up are within the float32 error bound to `refineRows`, which decides them
 * in float64; so the WASM and WebGPU kernels agree exactly with each other and with the reference.
 *
 * The update gives per-cluster sums exactly (exact-sums.ts: each sum is the exact sum of the
 * rows' values, handed back as a few float64 terms and rounded once), so every backend's
 * centroids are bit-identical however it orders its adds.
 */
import { columnBits, splitPlan, type ClusterSums, type SplitPlan } from './exact-sums';
import { dataFingerprint, sameFingerprint, type DataFingerprint } from './fingerprint';
import { decodeBase64 } from '../compute/base64';


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
  /** Per-cluster exact sums (k x d) and counts of the rows. Overwrites `sums` and `counts`. */
  update(data: KmeansData, labels: Int32Array, k: number, sums: ClusterSums, counts: Float64Array): Promise<void>;
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

/** The update step in plain JS (the reference: exact-sums.ts `splitPlan`'s split applied to every value, i.e. a flush after every row). */
export function updateJs(data: KmeansData, labels: Int32Array, k: number, sums: ClusterSums, counts: Float64Array): void {
  const { x, n, d } = data;
  const { parts, constants } = splitPlan(columnBits(data), n);
  const values = sums.reset(k, d, parts);
  counts.fill(0, 0, k);
  for (let i = 0; i < n; i++) {
    const l = labels[i] as number;
    counts[l] = (counts[l] as number) + 1;
    for (let j = 0; j < d; j++) {
      let v = x[i * d + j] as number;
      for (let p = 0; p < parts - 1; p++) {
        const c = constants[p * d + j] as number;
        const hi = v + c - c;
        values[(p * k + l) * d + j] = (values[(p * k + l) * d + j] as number) + hi;
        v -= hi;
      }
      values[((parts - 1) * k + l) * d + j] = (values[((parts - 1) * k + l) * d + j] as number) + v;
    }
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
 * scores tiles of 4 rows x 8 centroids with f32x4 SIMD; `update` adds rows into running float64 sums and flushes them into exact parts (f64x2).
 */
const KMEANS_WASM_BASE64 =
  'AGFzbQEAAAABWQdgCn97e3t/f319f38Bf2ALf39/f39/f399fX8Bf2AGf39/f39/AGANf39/f39/f39/f39/fwBgCH9/f39/f39/AGAIf39/f39/f38Bf2AHf39/f39/fwF/AwkIAAECAwQFBgIFAwEAAQcyBgZtZW1vcnkCAAZhc3NpZ24AAQZ1cGRhdGUAAwVyZXN0cwAEBXJvdW5kAAYDYWRkAAcK5xkIsAIBA3sgASABIAH9DQgJCgsMDQ4PAAECAwQFBgf96AEiCiAKIAr9DQQFBgcAAQIDDA0ODwgJCgv96AEhCiAD/Qz/////////////////////IAEgCv1B/VIiCyALIAv9DQgJCgsMDQ4PAAECAwQFBgf9twEiCyALIAv9DQQFBgcAAQIDDA0ODwgJCgv9twEhCyAC/QwAAIB/AACAfwAAgH8AAIB/IAEgAyAL/Tf9Uv3oASIMIAwgDP0NCAkKCwwNDg8AAQIDBAUGB/3oASIMIAwgDP0NBAUGBwABAgMMDQ4PCAkKC/3oASEMIAQgAEECdGogC/0bADYCACAM/R8AIAr9HwCTIAYgBSAAQQJ0aioCACAHkpReRQRAIAggCUECdGogADYCACAJQQFqIQkLIAkLywsCDH8ZeyAFQQJ0IREgAkECdCITIhQgFGoiFSAUaiEWIAAhDAJAA0AgC0EEaiABSw0BQwAAgH/9EyIeIR/9DAAAAAAAAAAAAAAAAAAAAAAhIEMAAIB//RMiIyEk/QwAAAAAAAAAAAAAAAAAAAAAISVDAACAf/0TIighKf0MAAAAAAAAAAAAAAAAAAAAACEqQwAAgH/9EyItIS79DAAAAAAAAAAAAAAAAAAAAAAhL/0MAAAAAAEAAAACAAAAAwAAACEZQQAhDQJAA0AgDSAFTw0BIAQgDUECdGohDiAO/QAEACEcIA79AAQQIR0gDv0ABAAhISAO/QAEECEiIA79AAQAISYgDv0ABBAhJyAO/QAEACErIA79AAQQISwgAyANQQJ0aiEOIAwhDyAPIAJBAnRqIRACQANAIA8gEE8NASAO/QAEACEaIA79AAQQIRsgD/0JAgAiFyAa/eYBIBz95AEhHCAXIBv95gEgHf3kASEdIA8gFGr9CQIAIhcgGv3mASAh/eQBISEgFyAb/eYBICL95AEhIiAPIBVq/QkCACIXIBr95gEgJv3kASEmIBcgG/3mASAn/eQBIScgDyAWav0JAgAiFyAa/eYBICv95AEhKyAXIBv95gEgLP3kASEsIA4gEWohDiAPQQRqIQ8MAAsLIBwgHv1DIRggHiAfIBz96AEgGP1SIR8gHCAeIBj9UiEeIBkgICAY/VIhICAdIB79QyEYIB4gHyAd/egBIBj9UiEfIB0gHiAY/VIhHiAZ/QwEAAAABAAAAAQAAAAEAAAA/a4BICAgGP1SISAgISAj/UMhGCAjICQgIf3oASAY/VIhJCAhICMgGP1SISMgGSAlIBj9UiElICIgI/1DIRggIyAkICL96AEgGP1SISQgIiAjIBj9UiEjIBn9DAQAAAAEAAAABAAAAAQAAAD9rgEgJSAY/VIhJSAmICj9QyEYICggKSAm/egBIBj9UiEpICYgKCAY/VIhKCAZICogGP1SISogJyAo/UMhGCAoICkgJ/3oASAY/VIhKSAnICggGP1SISggGf0MBAAAAAQAAAAEAAAABAAAAP2uASAqIBj9UiEqICsgLf1DIRggLSAuICv96AEgGP1SIS4gKyAtIBj9UiEtIBkgLyAY/VIhLyAsIC39QyEYIC0gLiAs/egBIBj9UiEuICwgLSAY/VIhLSAZ/QwEAAAABAAAAAQAAAAEAAAA/a4BIC8gGP1SIS8gGf0MCAAAAAgAAAAIAAAACAAAAP2uASEZIA1BCGohDQwACwsgCyAeIB8gICAGIAcgCCAJIAogEhAAIRIgC0EBaiAjICQgJSAGIAcgCCAJIAogEhAAIRIgC0ECaiAoICkgKiAGIAcgCCAJIAogEhAAIRIgC0EDaiAtIC4gLyAGIAcgCCAJIAogEhAAIRIgDCATQQRsaiEMIAtBBGohCwwACwsCQANAIAsgAU8NAUMAAIB//RMiHiEf/QwAAAAAAAAAAAAAAAAAAAAAISD9DAAAAAABAAAAAgAAAAMAAAAhGUEAIQ0CQANAIA0gBU8NASAEIA1BAnRqIQ4gDv0ABAAhHCAO/QAEECEdIAMgDUECdGohDiAMIQ8gDyACQQJ0aiEQAkADQCAPIBBPDQEgDv0ABAAhGiAO/QAEECEbIA/9CQIAIhcgGv3mASAc/eQBIRwgFyAb/eYBIB395AEhHSAOIBFqIQ4gD0EEaiEPDAALCyAcIB79QyEYIB4gHyAc/egBIBj9UiEfIBwgHiAY/VIhHiAZICAgGP1SISAgHSAe/UMhGCAeIB8gHf3oASAY/VIhHyAdIB4gGP1SIR4gGf0MBAAAAAQAAAAEAAAABAAAAP2uASAgIBj9UiEgIBn9DAgAAAAIAAAACAAAAAgAAAD9rgEhGSANQQhqIQ0MAAsLIAsgHiAfICAgBiAHIAggCSAKIBIQACESIAwgE0EBbGohDCALQQFqIQsMAAsLIBILzgIDBX8DewN8IANBA3QhCiAAIANBfnFBA3RqIQYCQANAIAAgBk8NASAA/QAEACELIAD9DAAAAAAAAAAAAAAAAAAAAAD9CwQAIAEhByACIQggBEEBayEJAkADQCAJRQ0BIAsgCP0ABAAiDP3wASAM/fEBIQ0gByAH/QAEACAN/fAB/QsEACALIA398QEhCyAHIAVqIQcgCCAKaiEIIAlBAWshCQwACwsgByAH/QAEACAL/fAB/QsEACAAQRBqIQAgAUEQaiEBIAJBEGohAgwACwsgA0EBcQRAIAArAwAhDiAARAAAAAAAAAAAOQMAIAEhByACIQggBEEBayEJAkADQCAJRQ0BIA4gCCsDACIPoCAPoSEQIAcgBysDACAQoDkDACAOIBChIQ4gByAFaiEHIAggCmohCCAJQQFrIQkMAAsLIAcgBysDACAOoDkDAAsLyAIBCn8gAkEDdCETIAAhECAMIAFNIRYCQANAIA0gAU8NASADIA1BAnRqKAIAIQ4gBSAOQQN0aiISIBIrAwBEAAAAAAAA8D+gOQMAIAkgDiATbGohDyAQIAJBfnFBAnRqIRECQANAIBAgEU8NASAPIA/9AAQAIBD9XQMA/V/98AH9CwQAIA9BEGohDyAQQQhqIRAMAAsLIAJBAXEEQCAPIA8rAwAgECoCALugOQMAIBBBBGohEAsgFgRAIAogDkECdGoiFSgCAEEBaiIUIAxPBEAgCSAOIBNsaiAEIA4gE2xqIAYgAiAHIAgQAkEAIRQLIBUgFDYCAAsgDUEBaiENDAALC0EAIQ4CQANAIA4gC08NASAKIA5BAnRqKAIAIBZFcgRAIAkgDiATbGogBCAOIBNsaiAGIAIgByAIEAILIA5BAWohDgwACwsLwgECBn8DfCAAIQggACABQQR0aiEJAkADQCAIIAlPDQEgCCgCBCEKIAgrAwghDiADIAZqIAIgCCgCAEECdGooAgAgB2wgCmpBA3RqIQsgBCAHIApqQQN0aiEMIAVBAmshDQJAA0AgDUEATA0BIA4gDCsDACIPoCAPoSEQIAsgCysDACAQoDkDACAOIBChIQ4gCyAGaiELIAwgB0EDdGohDCANQQFrIQ0MAAsLIAsgCysDACAOoDkDACAIQRBqIQgMAAsLC14CA3wBfyAAKgIAuyIIIAIrAwAiCaAgCaEhCiABIAq2OAIAIAggCmEEQCAGDwsgBiAHTwRAQX8PCyAFIAZBBHRqIgsgAzYCACALIAQ2AgQgCyAIIAqhOQMIIAZBAWoL8QICB38HeyAAIQogBCELAkADQCAHIAFPDQEgAyEMQQAhCAJAA0AgCEEEaiACSw0BIAr9AAQAIg79XyEPIA4gDv0NCAkKCwwNDg8AAQIDBAUGB/1fIRAgDyAM/QAEACIR/fABIBH98QEhEyAQIAz9AAQQIhL98AEgEv3xASEUIAsgE/1eIBT9Xv0NAAECAwQFBgcQERITFBUWF/0LBAAgDyAT/UggECAU/Uj9UP1TBEBBACEJAkADQCAJQQRPDQEgCiAJQQJ0aiALIAlBAnRqIAwgCUEDdGogByAIIAlqIAUgDSAGEAUiDUEASARAQX8PCyAJQQFqIQkMAAsLCyAKQRBqIQogC0EQaiELIAxBIGohDCAIQQRqIQgMAAsLAkADQCAIIAJPDQEgCiALIAwgByAIIAUgDSAGEAUiDUEASARAQX8PCyAKQQRqIQogC0EEaiELIAxBCGohDCAIQQFqIQgMAAsLIAdBAWohBwwACwsgDQu1AQEGfyAAIQkCQANAIAYgAU8NASADIAZBAnRqKAIAIQcgBSAHQQN0aiILIAsrAwBEAAAAAAAA8D+gOQMAIAQgByACbEEDdGohCCAJIAJBfnFBAnRqIQoCQANAIAkgCk8NASAIIAj9AAQAIAn9XQMA/V/98AH9CwQAIAhBEGohCCAJQQhqIQkMAAsLIAJBAXEEQCAIIAgrAwAgCSoCALugOQMAIAlBBGohCQsgBkEBaiEGDAALCws=';

let compiledModule: WebAssembly.Module | null = null;

export function kmeansWasmBytes(): Uint8Array {
  return decodeBase64(KMEANS_WASM_BASE64);
}

type AssignFn = (x: number, n: number, d: number, ct: number, cn: number, kPad: number, labels: number, xn: number, factor: number, maxCn: number, flagged: number) => number;
type UpdateFn = (x: number, n: number, d: number, labels: number, sums: number, counts: number, consts: number, parts: number, partBytes: number, fast: number, pending: number, k: number, rowsPerFlush: number) => void;
type AddFn = (x: number, n: number, d: number, labels: number, sums: number, counts: number) => void;
type RestsFn = (records: number, count: number, labels: number, sums: number, consts: number, parts: number, partBytes: number, d: number) => void;
type RoundFn = (x: number, n: number, d: number, consts: number, out: number, records: number, maxRecords: number) => number;

type SummingMethod = 'plain sums' | 'rounded copy' | 'running sums';

/** WASM memory the rounded copy of the data may take the kernel to; beyond it the update splits as it adds (slower, same sums). */
const ROUNDED_COPY_LIMIT = 2 ** 31;

/** What the update adds: the values themselves, or (exact-sums.ts) the values rounded to part 0's unit and the list of their rests. */
interface UpdateSource {
  plan: SplitPlan;
  /**
   * 'plain sums': one part, the values' float64 sums are exact; 'rounded copy': the values at
   * valuesAt are rounded to part 0's unit, added to part 0 as they come, their rests split into
   * the other parts; 'running sums': the values, split into the parts every rowsPerFlush rows.
   */
  method: SummingMethod;
  valuesAt: number;
  /** 16-byte records (row i32, column i32, rest f64). */
  restsAt: number;
  restCount: number;
}

const PAGE = 65536;
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/**
 * The CPU kernel: WebAssembly SIMD. The data is copied into WASM memory once per data set
 * (cached by the identity of `data.x`, assumed unchanged while it is in use).
 */
export interface WasmKmeansKernel extends KmeansKernel {
  /** How the update sums the current data set (exact-sums.ts `SplitPlan`); null before the first update. */
  readonly summing: { method: SummingMethod; parts: number; rowsPerFlush: number; rests: number } | null;
}

export function createWasmKmeansKernel(): WasmKmeansKernel {
  compiledModule ??= new WebAssembly.Module(kmeansWasmBytes() as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(compiledModule, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const assignWasm = instance.exports.assign as AssignFn;
  const updateWasm = instance.exports.update as UpdateFn;
  const restsWasm = instance.exports.rests as RestsFn;
  const addWasm = instance.exports.add as AddFn;
  const roundWasm = instance.exports.round as RoundFn;
  // The data in WASM memory: copied once per array. `x` must not change after the first call
  // (pass a new array); the sampled fingerprint (fingerprint.ts) catches most rewrites and copies again.
  let loaded: { x: Float32Array; fingerprint: DataFingerprint } | null = null;
  let layout = { x: 0, xn: 0, labels: 0, flagged: 0, free: 0 };
  let source: UpdateSource | null = null;

  const ensureBytes = (end: number): void => {
    const pages = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) memory.grow(pages);
  };

  const load = (data: KmeansData): void => {
    const fingerprint = dataFingerprint(data.x, data.n * data.d);
    if (loaded && loaded.x === data.x && sameFingerprint(loaded.fingerprint, fingerprint)) return;
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
    loaded = { x: data.x, fingerprint };
    source = null;
  };

  /**
   * Once per data set, for the update: with more than one part, every value rounded to part 0's
   * unit (a float32 again) and the rests of the few values with bits below it, so that the
   * update adds rows as they are, with no split, and splits only the rests. Where that copy would
   * not fit, the values themselves, split when flushed.
   */
  const updateSource = (data: KmeansData): UpdateSource => {
    if (source) return source;
    const { n, d } = data;
    const plan = splitPlan(columnBits(data), n);
    source = { plan, method: plan.parts === 1 ? 'plain sums' : 'running sums', valuesAt: layout.x, restsAt: 0, restCount: 0 };
    const roundedAt = layout.free;
    const constsAt = align16(roundedAt + n * d * 4);
    const restsAt = align16(constsAt + d * 8);
    // Rests are few for most data (2.5% of normal values at 1M rows); past a sixteenth of the
    // values, splitting as rows are added is about as fast.
    const maxRests = Math.floor((n * d) / 16);
    if (plan.parts === 1 || restsAt + maxRests * 16 > ROUNDED_COPY_LIMIT) return source;
    ensureBytes(restsAt + maxRests * 16);
    new Float64Array(memory.buffer, constsAt, d).set(plan.constants.subarray(0, d));
    const count = roundWasm(layout.x, n, d, constsAt, roundedAt, restsAt, maxRests);
    if (count < 0) return source;
    layout.free = align16(restsAt + count * 16);
    // Sums of rounded values are exact over any number of rows: added as they come, like any float64 sums.
    source = { plan, method: 'rounded copy', valuesAt: roundedAt, restsAt, restCount: count };
    return source;
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
      const { plan, method, valuesAt, restsAt, restCount } = updateSource(data);
      const { parts, constants } = plan;
      const sumsAt = layout.free;
      const countsAt = sumsAt + parts * k * d * 8;
      const fastAt = countsAt + k * 8;
      const constsAt = fastAt + k * d * 8;
      const pendingAt = constsAt + constants.byteLength;
      ensureBytes(pendingAt + k * 4);
      new Int32Array(memory.buffer, layout.labels, n).set(labels.subarray(0, n));
      new Float64Array(memory.buffer, sumsAt, parts * k * d + k + k * d).fill(0);
      new Float64Array(memory.buffer, constsAt, constants.length).set(constants);
      new Int32Array(memory.buffer, pendingAt, k).fill(0);
      if (method !== 'running sums') {
        addWasm(valuesAt, n, d, layout.labels, sumsAt, countsAt);
        if (restCount > 0) restsWasm(restsAt, restCount, layout.labels, sumsAt, constsAt, parts, k * d * 8, d);
      } else {
        updateWasm(valuesAt, n, d, layout.labels, sumsAt, countsAt, constsAt, parts, k * d * 8, fastAt, pendingAt, k, plan.rowsPerFlush);
      }
      sums.reset(k, d, parts).set(new Float64Array(memory.buffer, sumsAt, parts * k * d));
      counts.set(new Float64Array(memory.buffer, countsAt, k));
    },
    get summing() {
      if (!source) return null;
      return { method: source.method, parts: source.plan.parts, rowsPerFlush: source.plan.rowsPerFlush, rests: source.restCount };
    },
    dispose() {
      loaded = null;
      source = null;
    },
  };
}
