/**
 * The CTR trainer's batch kernels in WASM SIMD (ctr-kernels.wat; wabt: `wat2wasm ctr-kernels.wat`,
 * embedded below so no file needs serving).
 *
 * A batch is described by its distinct slots: each (row, field) cell names a distinct slot u of the
 * batch and a value v. Criteo-like batches repeat levels heavily (4096 rows x 39 fields hold ~16k
 * distinct slots of 160k cells), so the work is done once per distinct slot where the maths allows:
 * - FM: the per-row sums of v e_u (fieldSums) and, backwards, each slot's sum of v g_b sums_b
 *   (embeddingGradient), on compact [slots x K] rows instead of the whole embedding table;
 * - DeepFM's first MLP layer: x_b W = sum_f v_bf (e_sf W_f), W_f being field f's K rows of W, so each
 *   distinct embedding is projected once and the projections summed per row (forward); backwards
 *   G[u] = sum of v dZ_b over the cells of slot u, dW_f += e_u^T G[u] and de_u = G[u] W_f^T
 *   (backward): about a tenth of the dense product's multiply-adds.
 * Arithmetic is float32, as PyTorch trains (the trainer before these kernels kept FM's row sums in
 * float64); the results are the dense float32 computation's up to summation order, and tests
 * compare them with a float64 reference.
 */
import { EngineError } from '../protocol/errors';
import { decodeBase64 } from '../compute/base64';

const CTR_KERNELS_WASM_BASE64 =
  'AGFzbQEAAAABFgJgCH9/f39/f39/AGAHf39/f39/fwADBgUAAAAAAQUDAQABBzwGBm1lbW9yeQIAB3Byb2plY3QAAAlnYXRoZXJTdW0AAQpzY2F0dGVyU3VtAAIFb3V0ZXIAAwRiYWNrAAQKpAwF7wICCX8FeyAHQQJ0IQggBSAIbCEJAkADQCAKIARPDQEgACAKIAhsaiELIAMgAiAKQQJ0aigCACAJbGohDSABIAogBmxBAnRqIAVBAnRqIRBBACEMAkADQCAMIAhPDQH9DAAAAAAAAAAAAAAAAAAAAAAhEv0MAAAAAAAAAAAAAAAAAAAAACET/QwAAAAAAAAAAAAAAAAAAAAAIRT9DAAAAAAAAAAAAAAAAAAAAAAhFSANIAxqIQ4gECAFQQJ0ayEPAkADQCAPIBBPDQEgD/0JAgAhESASIBEgDv0ABAD95gH95AEhEiATIBEgDv0ABBD95gH95AEhEyAUIBEgDv0ABCD95gH95AEhFCAVIBEgDv0ABDD95gH95AEhFSAOIAhqIQ4gD0EEaiEPDAALCyALIAxqIBL9CwQAIAsgDGogE/0LBBAgCyAMaiAU/QsEICALIAxqIBX9CwQwIAxBwABqIQwMAAsLIApBAWohCgwACwsLswICB38FeyAHQQJ0IQgCQANAIAkgBU8NASAAIAkgCGxqIQogCUEBaiAGbEECdCENQQAhCwJAA0AgCyAITw0BIAQgC2r9AAQAIRAgBCALav0ABBAhESAEIAtq/QAEICESIAQgC2r9AAQwIRMgDSAGQQJ0ayEMAkADQCAMIA1PDQEgAyAMav0JAgAhDyABIAtqIAIgDGooAgAgCGxqIQ4gECAPIA79AAQA/eYB/eQBIRAgESAPIA79AAQQ/eYB/eQBIREgEiAPIA79AAQg/eYB/eQBIRIgEyAPIA79AAQw/eYB/eQBIRMgDEEEaiEMDAALCyAKIAtqIBD9CwQAIAogC2ogEf0LBBAgCiALaiAS/QsEICAKIAtqIBP9CwQwIAtBwABqIQsMAAsLIAlBAWohCQwACwsLowICB38FeyAHQQJ0IQggAEEAIAQgCGz8CwACQANAIAkgBU8NASABIAkgCGxqIQogCUEBaiAGbEECdCENQQAhCwJAA0AgCyAITw0BIAogC2r9AAQAIRAgCiALav0ABBAhESAKIAtq/QAEICESIAogC2r9AAQwIRMgDSAGQQJ0ayEMAkADQCAMIA1PDQEgAyAMav0JAgAhDyAAIAtqIAIgDGooAgAgCGxqIQ4gDiAO/QAEACAPIBD95gH95AH9CwQAIA4gDv0ABBAgDyAR/eYB/eQB/QsEECAOIA79AAQgIA8gEv3mAf3kAf0LBCAgDiAO/QAEMCAPIBP95gH95AH9CwQwIAxBBGohDAwACwsgC0HAAGohCwwACwsgCUEBaiEJDAALCwuvAgIJfwV7IAdBAnQhCCAFIAhsIQkCQANAIAogBE8NASADIAogCGxqIQsgACACIApBAnRqKAIAIAlsaiENIAEgCiAGbEECdGogBUECdGohEEEAIQwCQANAIAwgCE8NASALIAxq/QAEACESIAsgDGr9AAQQIRMgCyAMav0ABCAhFCALIAxq/QAEMCEVIA0gDGohDiAQIAVBAnRrIQ8CQANAIA8gEE8NASAP/QkCACERIA4gDv0ABAAgESAS/eYB/eQB/QsEACAOIA79AAQQIBEgE/3mAf3kAf0LBBAgDiAO/QAEICARIBT95gH95AH9CwQgIA4gDv0ABDAgESAV/eYB/eQB/QsEMCAOIAhqIQ4gD0EEaiEPDAALCyAMQcAAaiEMDAALCyAKQQFqIQoMAAsLC6UCAgh/AXsgBkECdCEHIAUgB2whCCAAIQ4CQANAIAkgBE8NASABIAkgB2xqIQogAyACIAlBAnRqKAIAIAhsaiEMIAwgCGohDQJAA0AgDCANTw0B/QwAAAAAAAAAAAAAAAAAAAAAIQ9BACELA0AgDyAKIAtq/QAEACAMIAtq/QAEAP3mAf3kASEPIA8gCiALav0ABBAgDCALav0ABBD95gH95AEhDyAPIAogC2r9AAQgIAwgC2r9AAQg/eYB/eQBIQ8gDyAKIAtq/QAEMCAMIAtq/QAEMP3mAf3kASEPIAtBwABqIQsgCyAHSQ0ACyAOIA/9HwAgD/0fAZIgD/0fAiAP/R8DkpI4AgAgDkEEaiEOIAwgB2ohDAwACwsgCUEBaiEJDAALCws=';

let compiled: WebAssembly.Module | null = null;

/** The embedded binary (a test checks it is ctr-kernels.wat compiled). */
export function ctrKernelsWasm(): Uint8Array<ArrayBuffer> {
  return decodeBase64(CTR_KERNELS_WASM_BASE64);
}

type ProjectFn = (P: number, Eu: number, fieldOf: number, W: number, U: number, K: number, Es: number, Hp: number) => void;
type GatherFn = (Z: number, P: number, uid: number, vals: number, bias: number, B: number, F: number, Hp: number) => void;
type ScatterFn = (G: number, D: number, uid: number, vals: number, U: number, B: number, F: number, Hp: number) => void;
type BackFn = (dEu: number, G: number, fieldOf: number, W: number, U: number, K: number, Hp: number) => void;

const PAGE = 65536;
/** Swept rows are padded to a multiple of 16 floats: each kernel loop holds 16 in four SIMD registers. */
const LANES = 16;
/** WASM32 memory tops out at 4 GiB; stay well below it. */
const MAX_BYTES = 3 * 1024 ** 3;

const pad = (n: number): number => Math.ceil(n / LANES) * LANES;

interface Layout {
  rowCap: number;
  slotCap: number;
  zeros: number;
  bias: number;
  weights: number;
  dWeights: number;
  uid: number;
  vals: number;
  weighted: number;
  sums: number;
  z: number;
  dz: number;
  fieldOf: number;
  eu: number;
  gs: number;
  /** DeepFM's projections P in the forward pass, then its grouped gradients G (P is dead by then). */
  pg: number;
  dEu: number;
  end: number;
}

/**
 * Kernels and WASM memory for one training run (or scoring pass): F fields of K-wide embeddings
 * and, for DeepFM, a first MLP layer of H outputs (H = 0: none). Per batch the caller loads the
 * cells' distinct-slot indices and values (load), fills the distinct embeddings (embeddings), then
 * runs the passes it needs.
 */
export class CtrBatchKernels {
  /** Row stride of the distinct embeddings and field sums (K padded to 16). */
  readonly Kp: number;
  /** Row stride of the first layer's outputs (H padded to 16; 0 without a layer). */
  readonly Hp: number;
  private readonly memory: WebAssembly.Memory;
  private readonly project: ProjectFn;
  private readonly gather: GatherFn;
  private readonly scatter: ScatterFn;
  private readonly outer: ProjectFn;
  private readonly back: BackFn;
  private layout: Layout;

  constructor(
    readonly F: number,
    readonly K: number,
    readonly H: number,
  ) {
    if (F < 1 || K < 1 || H < 0) throw new Error(`CTR batch kernels need fields and an embedding width (got F=${F}, K=${K}, H=${H})`);
    this.Kp = pad(K);
    this.Hp = pad(H);
    compiled ??= new WebAssembly.Module(ctrKernelsWasm());
    const e = new WebAssembly.Instance(compiled, {}).exports;
    this.memory = e.memory as WebAssembly.Memory;
    this.project = e.project as ProjectFn;
    this.gather = e.gatherSum as GatherFn;
    this.scatter = e.scatterSum as ScatterFn;
    this.outer = e.outer as ProjectFn;
    this.back = e.back as BackFn;
    this.layout = this.plan(0, 0);
  }

  private plan(rowCap: number, slotCap: number): Layout {
    const { F, K, Kp, Hp } = this;
    let end = 64;
    const take = (bytes: number): number => {
      const at = end;
      end = Math.ceil((at + bytes) / 64) * 64;
      return at;
    };
    const zeros = take(Kp * 4);
    const bias = take(Hp * 4);
    const weights = take(F * K * Hp * 4);
    const dWeights = take(F * K * Hp * 4);
    const uid = take(rowCap * F * 4);
    const vals = take(rowCap * F * 4);
    const weighted = take(rowCap * F * 4);
    const sums = take(rowCap * Kp * 4);
    const z = take(rowCap * Hp * 4);
    const dz = take(rowCap * Hp * 4);
    const fieldOf = take(slotCap * 4);
    const eu = take(slotCap * Kp * 4);
    const gs = take(slotCap * Kp * 4);
    const pg = take(slotCap * Hp * 4);
    const dEu = take(slotCap * K * 4);
    return { rowCap, slotCap, zeros, bias, weights, dWeights, uid, vals, weighted, sums, z, dz, fieldOf, eu, gs, pg, dEu, end };
  }

  /**
   * Room for `rows` rows and `slots` distinct slots. The weights come first, so growing keeps
   * them; the per-batch areas move and are refilled by the caller.
   */
  private reserve(rows: number, slots: number): void {
    const L = this.layout;
    if (rows <= L.rowCap && slots <= L.slotCap) return;
    // Slots grow with headroom: the distinct count drifts from batch to batch.
    const next = this.plan(Math.max(rows, L.rowCap), Math.max(L.slotCap, Math.min(rows * this.F, Math.ceil(slots * 1.25)), slots));
    if (next.end > MAX_BYTES) {
      throw new EngineError('BAD_INPUT', `A batch of ${rows.toLocaleString('en-US')} rows needs ${(next.end / 1024 ** 3).toFixed(1)} GiB of kernel memory for ${this.F} fields (k = ${this.K}${this.H ? `, first hidden layer ${this.H}` : ''}), over the 3 GiB a WebAssembly worker can hold. Choose a smaller batch_size.`);
    }
    const pages = Math.ceil(next.end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    this.layout = next;
  }

  private f32(at: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, length);
  }

  /**
   * Loads a batch: `uid` and `vals` are [rows x F] (each cell's distinct slot and value) and
   * `fieldOf` the field of each of the `slots` distinct slots. Then fill embeddings().
   */
  load(rows: number, slots: number, uid: Int32Array, vals: Float32Array, fieldOf: Int32Array): void {
    this.reserve(rows, slots);
    const L = this.layout;
    const F = this.F;
    new Int32Array(this.memory.buffer, L.uid, rows * F).set(uid.subarray(0, rows * F));
    this.f32(L.vals, rows * F).set(vals.subarray(0, rows * F));
    new Int32Array(this.memory.buffer, L.fieldOf, slots).set(fieldOf.subarray(0, slots));
  }

  /** The distinct embeddings [slots x Kp] of the loaded batch, zeroed for the caller to fill (columns past K stay 0). */
  embeddings(slots: number): Float32Array {
    const view = this.f32(this.layout.eu, slots * this.Kp);
    // After a re-plan the area holds older bytes; padding must read 0 (sums' columns past K).
    if (this.Kp !== this.K) view.fill(0);
    return view;
  }

  /** Per row, the sum over its cells of v e_u: [rows x Kp]. */
  fieldSums(rows: number): Float32Array {
    const L = this.layout;
    this.gather(L.sums, L.eu, L.uid, L.vals, L.zeros, rows, this.F, this.Kp);
    return this.f32(L.sums, rows * this.Kp);
  }

  /** Where the caller writes each cell's weight (for FM: g_b v) before embeddingGradient(): [rows x F]. */
  cellWeights(rows: number): Float32Array {
    return this.f32(this.layout.weighted, rows * this.F);
  }

  /** Per distinct slot, the sum over its cells of weight x (the row's field sums): [slots x Kp]. */
  embeddingGradient(rows: number, slots: number): Float32Array {
    const L = this.layout;
    this.scatter(L.gs, L.sums, L.uid, L.weighted, slots, rows, this.F, this.Kp);
    return this.f32(L.gs, slots * this.Kp);
  }

  /** Copies DeepFM's first layer in: weights [F*K x H] row-major, bias [H]; rows padded to Hp. */
  setWeights(weights: Float32Array, bias: Float32Array): void {
    const { F, K, H, Hp } = this;
    const L = this.layout;
    const W = this.f32(L.weights, F * K * Hp);
    if (Hp === H) W.set(weights.subarray(0, F * K * H));
    else for (let r = 0; r < F * K; r++) W.set(weights.subarray(r * H, r * H + H), r * Hp);
    this.f32(L.bias, Hp).set(bias.subarray(0, H));
  }

  /** DeepFM's first-layer pre-activations [rows x Hp] (columns past H are 0) of the loaded batch. */
  forward(rows: number, slots: number): Float32Array {
    const L = this.layout;
    this.project(L.pg, L.eu, L.fieldOf, L.weights, slots, this.K, this.Kp, this.Hp);
    this.gather(L.z, L.pg, L.uid, L.vals, L.bias, rows, this.F, this.Hp);
    return this.f32(L.z, rows * this.Hp);
  }

  /** Where the caller writes d loss / d pre-activation [rows x Hp] before backward() (columns past H must be 0). */
  outputGradient(rows: number): Float32Array {
    return this.f32(this.layout.dz, rows * this.Hp);
  }

  /**
   * Gradients of the first layer for the batch last run forward: the weights' [F*K x H] (written
   * into `dWeights`) and the distinct embeddings' [slots x K] (a view into WASM memory). The bias
   * gradient is the column sums of the output gradient, which the caller has.
   */
  backward(rows: number, slots: number, dWeights: Float32Array): Float32Array {
    const { F, K, Kp, H, Hp } = this;
    const L = this.layout;
    this.scatter(L.pg, L.dz, L.uid, L.vals, slots, rows, F, Hp);
    const dW = this.f32(L.dWeights, F * K * Hp);
    dW.fill(0);
    this.outer(L.dWeights, L.eu, L.fieldOf, L.pg, slots, K, Kp, Hp);
    this.back(L.dEu, L.pg, L.fieldOf, L.weights, slots, K, Hp);
    if (Hp === H) dWeights.set(dW);
    else for (let r = 0; r < F * K; r++) dWeights.set(dW.subarray(r * Hp, r * Hp + H), r * H);
    return this.f32(L.dEu, slots * K);
  }
}
