/**
 * The prediction kernel: a small WebAssembly module assembled here at run time (no build step,
 * nothing to serve), which walks every tree of a compiled forest for a block of rows.
 *
 * Layout: each tree is padded to a complete binary tree of its depth, so a row's walk is D steps
 * of `node = 2 * node + 1 + goRight` with no branch on the data. A node is 8 bytes: [i32 byte
 * offset of its feature's column in the block][f32 threshold], and goRight = x >= threshold.
 * Missing values: the block holds every column twice, NaN made -Infinity in the first copy and
 * +Infinity in the second (split, below); a default-left node reads the first copy, a
 * default-right node the second. So float32(x) < threshold goes left and NaN follows the
 * default, exactly the reference walk (compileForest refuses the thresholds where this would not
 * hold: NaN, and -Infinity on a default-left node). A leaf shallower than D becomes a padded
 * subtree whose leaves all hold its value. Several rows walk a tree side by side (LANES) so the
 * CPU overlaps their dependent loads; margins are summed in float32 (f32.add) in tree order, as
 * XGBoost sums them.
 */

const enum Op {
  Block = 0x02,
  Loop = 0x03,
  End = 0x0b,
  Br = 0x0c,
  BrIf = 0x0d,
  LocalGet = 0x20,
  LocalSet = 0x21,
  LocalTee = 0x22,
  I32Load = 0x28,
  F32Load = 0x2a,
  F32Store = 0x38,
  I32Const = 0x41,
  I32Eqz = 0x45,
  I32GeU = 0x4f,
  F32Ne = 0x5c,
  F32Ge = 0x60,
  I32Add = 0x6a,
  I32Sub = 0x6b,
  I32Mul = 0x6c,
  I32And = 0x71,
  I32Or = 0x72,
  I32Shl = 0x74,
  I32ShrU = 0x76,
  F32Add = 0x92,
}

const VOID_BLOCK = 0x40;
const I32 = 0x7f;
const V128 = 0x7b;
const SIMD_PREFIX = 0xfd;

const enum Simd {
  V128Load = 0x00,
  V128Store = 0x0b,
  V128Const = 0x0c,
  F32x4Eq = 0x41,
  V128Bitselect = 0x52,
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(text));
  return [...uleb(bytes.length), ...bytes];
}

/** Rows walked side by side in the kernel. */
export const PREDICT_LANES = 8;

type Emit = {
  code: number[];
  get(l: number): void;
  set(l: number): void;
  tee(l: number): void;
  i32c(v: number): void;
  op(...ops: number[]): void;
  load(opcode: Op, offset: number): void;
};

function emitter(): Emit {
  const code: number[] = [];
  return {
    code,
    get: (l) => void code.push(Op.LocalGet, ...uleb(l)),
    set: (l) => void code.push(Op.LocalSet, ...uleb(l)),
    tee: (l) => void code.push(Op.LocalTee, ...uleb(l)),
    i32c: (v) => void code.push(Op.I32Const, ...sleb(v)),
    op: (...ops) => void code.push(...ops),
    load: (opcode, offset) => void code.push(opcode, 2, ...uleb(offset)),
  };
}

/**
 * run(rows, rowsEnd, trees, nTrees, sums, groupStride). The block is column-major: a row's value
 * of a feature is at row pointer + the node's feature offset, row pointers 4 bytes apart;
 * [rows, rowsEnd) is a multiple of LANES rows. trees is nTrees records of 4 i32 (node base,
 * leaf base minus the internal-node count, depth, group byte offset); sums holds float32
 * margins, `groupStride` bytes per row.
 */
function runBody(): number[] {
  const P = { rows: 0, rowsEnd: 1, trees: 2, nTrees: 3, sums: 4, groupStride: 5 };
  let next = 6;
  const t = next++;
  const tp = next++;
  const nodeBase = next++;
  const leafBase = next++;
  const depth = next++;
  const rp = next++;
  const sp = next++;
  const d = next++;
  const k = next++;
  const childBias = next++;
  const nodes = Array.from({ length: PREDICT_LANES }, () => next++);
  const { code, get, set, tee, i32c, op, load } = emitter();

  // for (t = 0; t < nTrees; t++)
  i32c(0);
  set(t);
  op(Op.Block, VOID_BLOCK, Op.Loop, VOID_BLOCK);
  get(t);
  get(P.nTrees);
  op(Op.I32GeU, Op.BrIf, 1);
  get(P.trees);
  get(t);
  i32c(4);
  op(Op.I32Shl, Op.I32Add);
  tee(tp);
  load(Op.I32Load, 0);
  set(nodeBase);
  i32c(8);
  get(nodeBase);
  op(Op.I32Sub);
  set(childBias);
  // Leaf slot p = (address - nodeBase) / 8 is at leafBase + p * 4 = leafBase - nodeBase / 2 + address / 2.
  get(tp);
  load(Op.I32Load, 4);
  get(nodeBase);
  i32c(1);
  op(Op.I32ShrU, Op.I32Sub);
  set(leafBase);
  get(tp);
  load(Op.I32Load, 8);
  set(depth);
  get(P.sums);
  get(tp);
  load(Op.I32Load, 12);
  op(Op.I32Add);
  set(sp);
  get(P.rows);
  set(rp);
  // for (rp = rows; rp < rowsEnd; rp += LANES * 4)
  op(Op.Block, VOID_BLOCK, Op.Loop, VOID_BLOCK);
  get(rp);
  get(P.rowsEnd);
  op(Op.I32GeU, Op.BrIf, 1);
  for (const n of nodes) {
    get(nodeBase);
    set(n);
  }
  get(depth);
  set(d);
  // while (d > 0): one level for every lane
  op(Op.Block, VOID_BLOCK, Op.Loop, VOID_BLOCK);
  get(d);
  op(Op.I32Eqz, Op.BrIf, 1);
  for (let lane = 0; lane < PREDICT_LANES; lane++) {
    const n = nodes[lane] as number;
    // n is the node's byte address: left child = 2n - nodeBase + 8, right = left + 8 when
    // x >= threshold, x = f32 at rp + lane * 4 + featureOffset.
    get(n);
    i32c(1);
    op(Op.I32Shl);
    get(childBias);
    op(Op.I32Add);
    get(rp);
    get(n);
    load(Op.I32Load, 0);
    op(Op.I32Add);
    load(Op.F32Load, lane * 4);
    get(n);
    load(Op.F32Load, 4);
    op(Op.F32Ge);
    i32c(3);
    op(Op.I32Shl, Op.I32Add);
    set(n);
  }
  get(d);
  i32c(1);
  op(Op.I32Sub);
  set(d);
  op(Op.Br, 0, Op.End, Op.End);
  // sums[row] += leaf value (each row's sum is its own, trees in order).
  for (let lane = 0; lane < PREDICT_LANES; lane++) {
    get(sp);
    get(P.groupStride);
    i32c(lane);
    op(Op.I32Mul, Op.I32Add);
    tee(k);
    get(k);
    load(Op.F32Load, 0);
    get(leafBase);
    get(nodes[lane] as number);
    i32c(1);
    op(Op.I32ShrU, Op.I32Add);
    load(Op.F32Load, 0);
    op(Op.F32Add);
    code.push(Op.F32Store, 2, 0);
  }
  get(rp);
  i32c(PREDICT_LANES * 4);
  op(Op.I32Add);
  set(rp);
  get(sp);
  get(P.groupStride);
  i32c(PREDICT_LANES);
  op(Op.I32Mul, Op.I32Add);
  set(sp);
  op(Op.Br, 0, Op.End, Op.End);
  get(t);
  i32c(1);
  op(Op.I32Add);
  set(t);
  op(Op.Br, 0, Op.End, Op.End, Op.End);
  return [...vec([[...uleb(next - 6), I32]]), ...code];
}

/**
 * split(src, dst, bytes): the missing-value trick. For every f32 of src (bytes a multiple of 16),
 * dst gets it with NaN made -Infinity (read by default-left nodes: -Inf >= threshold is false,
 * so left) and dst + bytes gets it with NaN made +Infinity (default-right nodes: right). Other
 * values are copied as they are, so x >= threshold is the reference test for them.
 */
function splitBody(): number[] {
  const P = { src: 0, dst: 1, bytes: 2 };
  const i = 3;
  const at = 4;
  const x = 5;
  const { code, get, set, tee, i32c, op } = emitter();
  const simd = (opcode: number, ...rest: number[]): void => void code.push(SIMD_PREFIX, ...uleb(opcode), ...rest);
  const splat = (v: number): void => {
    const bytes = Array.from(new Uint8Array(new Float32Array([v, v, v, v]).buffer));
    simd(Simd.V128Const, ...bytes);
  };
  // Four floats at a time: where x == x keep x, else the infinity.
  const pick = (infinity: number): void => {
    get(x);
    splat(infinity);
    get(x);
    get(x);
    simd(Simd.F32x4Eq);
    simd(Simd.V128Bitselect);
    simd(Simd.V128Store, 4, 0);
  };
  i32c(0);
  set(i);
  op(Op.Block, VOID_BLOCK, Op.Loop, VOID_BLOCK);
  get(i);
  get(P.bytes);
  op(Op.I32GeU, Op.BrIf, 1);
  get(P.src);
  get(i);
  op(Op.I32Add);
  simd(Simd.V128Load, 4, 0);
  code.push(Op.LocalSet, ...uleb(x));
  get(P.dst);
  get(i);
  op(Op.I32Add);
  tee(at);
  pick(-Infinity);
  get(at);
  get(P.bytes);
  op(Op.I32Add);
  pick(Infinity);
  get(i);
  i32c(16);
  op(Op.I32Add);
  set(i);
  op(Op.Br, 0, Op.End, Op.End, Op.End);
  return [...vec([[2, I32], [1, V128]]), ...code];
}

function buildModule(): Uint8Array {
  const bodies = [runBody(), splitBody()];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([
        [0x60, ...vec(Array.from({ length: 6 }, () => [I32])), 0],
        [0x60, ...vec(Array.from({ length: 3 }, () => [I32])), 0],
      ]),
    ),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(
      7,
      vec([
        [...name('memory'), 0x02, 0],
        [...name('run'), 0x00, 0],
        [...name('split'), 0x00, 1],
      ]),
    ),
    ...section(10, vec(bodies.map((body) => [...uleb(body.length), ...body]))),
  ];
  return Uint8Array.from(bytes);
}

let compiled: WebAssembly.Module | null = null;

export type PredictKernelRun = (rows: number, rowsEnd: number, trees: number, nTrees: number, sums: number, groupStride: number) => void;
export type PredictKernelSplit = (src: number, dst: number, bytes: number) => void;

export interface PredictKernelInstance {
  memory: WebAssembly.Memory;
  run: PredictKernelRun;
  split: PredictKernelSplit;
}

/** The compiled kernel module (compiled once; a WebAssembly.Module can be posted to a thread). */
export function predictKernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(buildModule() as Uint8Array<ArrayBuffer>);
  return compiled;
}

/** A fresh instance (own memory) of the prediction kernel. */
export function instantiatePredictKernel(): PredictKernelInstance {
  const instance = new WebAssembly.Instance(predictKernelModule(), {});
  return { memory: instance.exports.memory as WebAssembly.Memory, run: instance.exports.run as PredictKernelRun, split: instance.exports.split as PredictKernelSplit };
}
