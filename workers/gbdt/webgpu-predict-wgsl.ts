/**
 * WGSL for prediction on the device (webgpu-predict.ts). Everything that decides a number is done
 * on integers, so the result does not depend on how a GPU treats float32 edge cases (WGSL lets an
 * implementation flush subnormals and treat infinities and NaN as indeterminate, and a driver may
 * compile with fast math):
 *   - comparisons: x < threshold on order-preserving integer keys of the float32 bits (key below),
 *     NaN tested on the bits;
 *   - sums: float32 addition emulated on the bits (addF32), round to nearest even with subnormals,
 *     infinities and signed zeros, as the CPU's Float32Array sums are.
 */

/** Node records are 4 u32: left child, right child, feature slot | defaultLeft << 31, threshold key or leaf bits. */
export const LEAF = 0xffffffff;

/** Bit 31 of a node's feature word: missing values go left. */
export const DEFAULT_LEFT_BIT = 0x80000000;

/**
 * Order-preserving key of a float32 bit pattern (non-NaN): a < b as floats exactly when
 * key(a) < key(b) as unsigned integers (-0 taken as +0 first, as IEEE compares them equal).
 * A NaN threshold gets 0, which no value's key is below: the CPU's x < NaN is false, so right.
 */
export function thresholdKey(bits: number): number {
  const b = bits >>> 0;
  if ((b & 0x7fffffff) > 0x7f800000) return 0;
  const c = b === 0x80000000 ? 0 : b;
  return (c & 0x80000000 ? ~c : c | 0x80000000) >>> 0;
}

/** The shared functions: NaN test, key (as thresholdKey) and the exact float32 addition. */
export const FLOAT_BITS_WGSL = /* wgsl */ `
const SIGN = 0x80000000u;
const ABS = 0x7fffffffu;
const INF = 0x7f800000u;
const QNAN = 0x7fc00000u;

fn isNan(b: u32) -> bool {
  return (b & ABS) > INF;
}

// For a non-NaN b: thresholdKey in webgpu-predict-wgsl.ts.
fn orderKey(b: u32) -> u32 {
  let c = select(b, 0u, b == SIGN);
  return select(c | SIGN, ~c, (c & SIGN) != 0u);
}

// a + b in float32 on the bits: round to nearest even, subnormals kept, x + (-x) = +0,
// (-0) + (-0) = -0, inf + -inf = NaN. Mantissas carry 3 extra bits (guard, round, sticky).
fn addF32(a: u32, b: u32) -> u32 {
  if (isNan(a) || isNan(b)) { return QNAN; }
  var x = a;
  var y = b;
  if ((b & ABS) > (a & ABS)) {
    x = b;
    y = a;
  }
  if ((x & ABS) == INF) {
    if ((y & ABS) == INF && x != y) { return QNAN; }
    return x;
  }
  if ((y & ABS) == 0u) {
    // Both zero: the sum is -0 only when both are.
    if ((x & ABS) == 0u) { return x & y; }
    return x;
  }
  let sign = x & SIGN;
  var ex = i32((x >> 23u) & 0xffu);
  var ey = i32((y >> 23u) & 0xffu);
  var mx = x & 0x7fffffu;
  var my = y & 0x7fffffu;
  // Subnormals have exponent 1 and no implicit bit.
  if (ex == 0) { ex = 1; } else { mx = mx | 0x800000u; }
  if (ey == 0) { ey = 1; } else { my = my | 0x800000u; }
  mx = mx << 3u;
  my = my << 3u;
  let d = u32(ex - ey);
  if (d >= 27u) {
    my = 1u;
  } else if (d > 0u) {
    let lost = my & ((1u << d) - 1u);
    my = (my >> d) | select(0u, 1u, lost != 0u);
  }
  var e = ex;
  var m: u32;
  if (((x ^ y) & SIGN) == 0u) {
    m = mx + my;
    if (m >= 0x8000000u) {
      m = (m >> 1u) | (m & 1u);
      e = e + 1;
    }
  } else {
    m = mx - my;
    if (m == 0u) { return 0u; }
    // Leading bit back to bit 26, but not below exponent 1 (then the result is subnormal).
    let s = min(i32(countLeadingZeros(m)) - 5, e - 1);
    m = m << u32(s);
    e = e - s;
  }
  let low = m & 7u;
  m = m >> 3u;
  if (low > 4u || (low == 4u && (m & 1u) == 1u)) {
    m = m + 1u;
    if (m == 0x1000000u) {
      m = m >> 1u;
      e = e + 1;
    }
  }
  if (e >= 255) { return sign | INF; }
  if (m < 0x800000u) { return sign | m; }
  return sign | (u32(e) << 23u) | (m & 0x7fffffu);
}
`;

/**
 * One invocation per row walks every tree, output group by output group, trees in model order
 * within a group, and adds each leaf to its group's sum (starting at the base margin): the CPU's
 * order, so the same float32 sums.
 *
 * trees: [groups + 1 offsets into the roots][roots, grouped]; x: the block column-major, one
 * column of `stride` rows per feature slot, raw float32 bits.
 */
export const predictWgsl = (workgroupSize: number): string => /* wgsl */ `
struct Params {
  rows: u32,
  stride: u32,
  groups: u32,
  base: u32,
  maxDepth: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> nodes: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> trees: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;

${FLOAT_BITS_WGSL}

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= params.rows) { return; }
  let groups = params.groups;
  let stride = params.stride;
  for (var g = 0u; g < groups; g++) {
    var sum = params.base;
    let end = trees[g + 1u];
    for (var t = trees[g]; t < end; t++) {
      var node = nodes[trees[groups + 1u + t]];
      // At most maxDepth steps (the deepest tree's depth, measured on the host) reach a leaf.
      for (var d = 0u; d < params.maxDepth && node.x != ${LEAF}u; d++) {
        let v = x[(node.z & ABS) * stride + i];
        var goLeft: bool;
        if (isNan(v)) {
          goLeft = (node.z & SIGN) != 0u;
        } else {
          goLeft = orderKey(v) < node.w;
        }
        node = nodes[select(node.y, node.x, goLeft)];
      }
      sum = addF32(sum, node.w);
    }
    out[i * groups + g] = sum;
  }
}
`;

/** A test kernel: out[i] = addF32(a[i], b[i]) (the addition checked against the CPU on its own). */
export const addTestWgsl = (workgroupSize: number): string => /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<u32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

${FLOAT_BITS_WGSL}

@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&out)) { return; }
  out[i] = addF32(a[i], b[i]);
}
`;
