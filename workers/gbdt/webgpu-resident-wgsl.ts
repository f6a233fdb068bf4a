/**
 * The WGSL passes of the device-resident trainer (webgpu-resident.ts; the design is described
 * there). Every pass is written for a workgroup of `wg` invocations (a power of two, 32-256).
 * 64-bit fixed-point values are vec2<u32> (low, high; two's complement), added and subtracted
 * exactly with carries.
 */
import { ATOMIC_ADD64_WGSL, FIXED_POINT_WGSL } from '../compute/fixed-point-wgsl';

/** Bins per feature in a node histogram; bin 255 holds missing values. */
export const RESIDENT_BINS = 256;
/** u32 words of one split record (see splitFindWgsl). */
export const RECORD_WORDS = 16;

const I64_WGSL = /* wgsl */ `
fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}
fn sub64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  return vec2<u32>(a.x - b.x, a.y - b.y - select(0u, 1u, a.x < b.x));
}
fn positive64(a: vec2<u32>) -> bool {
  return bitcast<i32>(a.y) > 0 || (a.y == 0u && a.x != 0u);
}
fn less64(a: vec2<u32>, b: vec2<u32>) -> bool {
  return bitcast<i32>(a.y) < bitcast<i32>(b.y) || (a.y == b.y && a.x < b.x);
}
// A non-negative value the CPU reads without rounding: at most 53 significant bits.
fn exactInF64(a: vec2<u32>) -> bool {
  if (a.y == 0u) { return true; }
  let top = 63u - countLeadingZeros(a.y);
  let bottom = select(countTrailingZeros(a.x), 32u + countTrailingZeros(a.y), a.x == 0u);
  return top - bottom < 53u;
}
fn toF32(a: vec2<u32>) -> f32 {
  return f32(bitcast<i32>(a.y)) * 4294967296.0 + f32(a.x);
}
`;

/**
 * Per row: the binary:logistic gradient pair by the sigmoid table (sigmoid-table.ts, the spec
 * followed step by step: a select, f32 add, exact scalings, integer interpolation, then single
 * correctly rounded f32 ops, no fused multiply-add; hessians on the 2^-32 grid), turned into 64-bit fixed point
 * (fixed-point-wgsl.ts) at the tree's scales; and a fresh tree's rows: rows[i] = i, every row in
 * node 0.
 */
export const gradientWgsl = (wg: number): string => /* wgsl */ `
struct Params {
  n: u32,
  stride: u32,
  positiveWeight: f32,
  gradientScale: f32,
  hessianScale: f32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> margins: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<f32>;
@group(0) @binding(3) var<storage, read> table: array<u32>;
@group(0) @binding(4) var<storage, read_write> gh: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> rows: array<u32>;
@group(0) @binding(6) var<storage, read_write> nodeOfRow: array<u32>;
${FIXED_POINT_WGSL}
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var i = gid.x; i < params.n; i += params.stride) {
    let m = margins[i];
    let mc = select(-16.0, select(15.9921875, m, m <= 15.9921875), m >= -16.0);
    let x = (mc + 16.0) * 128.0;
    let k = u32(x);
    let q = u32((x - f32(k)) * 65536.0);
    let lo = table[k];
    let pq = lo + (((table[k + 1u] - lo) * q) >> 16u);
    let p = f32(pq) * (1.0 / 16777216.0);
    let y = labels[i];
    var g = p - y;
    var h = p * (1.0 - p);
    h = floor(h * 4294967296.0) * (1.0 / 4294967296.0);
    h = max(h, 1e-16);
    if (y > 0.5 && params.positiveWeight != 1.0) {
      g = g * params.positiveWeight;
      h = h * params.positiveWeight;
    }
    let qg = fixedPoint(g, params.gradientScale);
    let qh = fixedPoint(h, params.hessianScale);
    gh[i] = vec4<u32>(qg.x, qg.y, qh.x, qh.y);
    rows[i] = i;
    nodeOfRow[i] = 0u;
  }
}
`;

/** Features per workgroup of the histogram pass: each row's index and gradient pair read once for all four. */
export const FEATURES_PER_GROUP = 4;

/**
 * Node histograms: workgroup (x, group) takes chunk table[x].y of job table[x].x's build range
 * (ranges[job] = begin, count, slot, the sibling's slot) and features 4 * group .. 4 * group + 3,
 * adds its rows' fixed-point pairs into a workgroup histogram per feature (16 KB, the default
 * workgroup memory limit), then into hist[slot][feature]. Integer sums: the result does not
 * depend on the order (webgpu-histogram.ts has the one-feature kernel for the per-level path).
 */
export const buildWgsl = (wg: number): string => /* wgsl */ `
struct Params {
  nFeatures: u32,
  rowsPerWorkgroup: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> bins: array<u32>;
@group(0) @binding(2) var<storage, read> gh: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> rows: array<u32>;
@group(0) @binding(4) var<storage, read> table: array<vec2<u32>>;
@group(0) @binding(5) var<storage, read> ranges: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read_write> hist: array<atomic<u32>>;

const GROUP: u32 = ${FEATURES_PER_GROUP}u;
var<workgroup> localHist: array<atomic<u32>, ${FEATURES_PER_GROUP * RESIDENT_BINS * 4}>;

${ATOMIC_ADD64_WGSL}

@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let firstFeature = group.y * GROUP;
  let features = min(GROUP, params.nFeatures - firstFeature);
  let entry = table[group.x];
  let range = ranges[entry.x];
  let end = range.x + range.y;
  let start = min(range.x + entry.y * params.rowsPerWorkgroup, end);
  let stop = min(start + params.rowsPerWorkgroup, end);
  for (var p = start + t; p < stop; p += ${wg}u) {
    let r = rows[p];
    let q = gh[r];
    let rowByte = r * params.nFeatures + firstFeature;
    for (var k = 0u; k < features; k++) {
      let byteIndex = rowByte + k;
      let bin = (bins[byteIndex >> 2u] >> ((byteIndex & 3u) * 8u)) & 0xffu;
      let at = (k * ${RESIDENT_BINS}u + bin) * 4u;
      addLocal(at, q.x, q.y);
      addLocal(at + 2u, q.z, q.w);
    }
  }
  workgroupBarrier();
  for (var i = t; i < features * ${RESIDENT_BINS}u; i += ${wg}u) {
    let gLo = atomicLoad(&localHist[i * 4u]);
    let gHi = atomicLoad(&localHist[i * 4u + 1u]);
    let hLo = atomicLoad(&localHist[i * 4u + 2u]);
    let hHi = atomicLoad(&localHist[i * 4u + 3u]);
    let base = ((range.z * params.nFeatures + firstFeature) * ${RESIDENT_BINS}u + i) * 4u;
    if ((gLo | gHi) != 0u) { addGlobal(base, gLo, gHi); }
    if ((hLo | hHi) != 0u) { addGlobal(base + 2u, hLo, hHi); }
  }
}
`;

/**
 * The larger child's histogram: parent - smaller child, exactly (64-bit integers). Workgroup
 * (x, job): words of the job's parent slot (jobs[job].w, in the previous level's buffer) and of
 * its smaller child (ranges[job].z), into ranges[job].w.
 */
export const subtractWgsl = (wg: number): string => /* wgsl */ `
struct Params {
  nFeatures: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> parentHist: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> childHist: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> jobs: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> ranges: array<vec4<u32>>;
${I64_WGSL}
@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) group: vec3<u32>) {
  let job = group.y;
  let perSlot = params.nFeatures * ${RESIDENT_BINS}u;
  let i = gid.x;
  if (i >= perSlot) { return; }
  let parentSlot = jobs[job * 2u + 1u].w;
  let range = ranges[job];
  let parent = parentHist[parentSlot * perSlot + i];
  let small = childHist[range.z * perSlot + i];
  let g = sub64(parent.xy, small.xy);
  let h = sub64(parent.zw, small.zw);
  childHist[range.w * perSlot + i] = vec4<u32>(g, h);
}
`;

/**
 * Split finding for one (node slot, feature) per workgroup, in float32 on exact sums. Each
 * invocation takes 256 / wg consecutive bins; an exact 64-bit scan gives every threshold's left
 * sums. Candidates as split.ts's bestSplitOfFeatures (alpha = 0, max_delta_step = 0): bins
 * 0..nb-2 with missing right and (when there are missing rows) missing left, then all present
 * values left; an empty bin past the first is skipped (its candidates equal the previous bin's).
 * Record (RECORD_WORDS u32 at (slot * nFeatures + feature) * RECORD_WORDS):
 *   0 best code (feature-local: bin * 2 + missing-left; -1: no valid candidate), 1 its f32 gain,
 *   2 the best f32 gain of the candidates whose left sums differ from the best's (-3e38: none),
 *   3 the largest gain magnitude |left term| + |right term| + |parent term| seen (error scale),
 *   4 flags (1: a candidate's min_child_weight test was too close to call: see evaluate),
 *   5..8 the best's exact left sums (gradient lo/hi, hessian lo/hi), 9..12 the node's sums.
 * Ties in f32 gain go to the lowest code, as the CPU's strict comparison in bin order does.
 */
export const splitFindWgsl = (wg: number): string => /* wgsl */ `
struct Params {
  nFeatures: u32,
  pad0: u32,
  lambda: f32,
  minChildWeight: f32,
  invGradientScale: f32,
  invHessianScale: f32,
  // ceil(min_child_weight * hessian scale) as a 64-bit integer: the CPU's float64 test, exactly.
  mcwLo: u32,
  mcwHi: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> hist: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> binCounts: array<u32>;
@group(0) @binding(3) var<storage, read_write> records: array<u32>;
${I64_WGSL}
const PER: u32 = ${RESIDENT_BINS / wg}u;
const NONE_GAIN: f32 = -3.0e38;
const NONE_CODE: i32 = 0x7fffffff;
var<workgroup> scanSums: array<vec4<u32>, ${wg}>;
var<workgroup> redGain: array<f32, ${wg}>;
var<workgroup> redCode: array<i32, ${wg}>;
var<workgroup> redMag: array<f32, ${wg}>;
var<workgroup> redFlag: array<u32, ${wg}>;
var<workgroup> bestLeft: vec4<u32>;

struct Candidate { gain: f32, mag: f32, valid: bool, uncertain: bool }

fn evaluate(gl: vec2<u32>, hl: vec2<u32>, G: vec2<u32>, H: vec2<u32>, parentGain: f32) -> Candidate {
  var c: Candidate;
  let gr = sub64(G, gl);
  let hr = sub64(H, hl);
  let glf = toF32(gl) * params.invGradientScale;
  let hlf = toF32(hl) * params.invHessianScale;
  let grf = toF32(gr) * params.invGradientScale;
  let hrf = toF32(hr) * params.invHessianScale;
  let mcw = vec2<u32>(params.mcwLo, params.mcwHi);
  c.valid = positive64(hl) && positive64(hr) && !less64(hl, mcw) && !less64(hr, mcw);
  // The CPU reads a sum of more than 53 significant bits rounded to float64 (error < 2^8 units,
  // sums stay below 2^61): a side within 2^12 units of the threshold then is too close to call.
  let leftExact = exactInF64(hl);
  let nearLeft = !leftExact && less64(sub64(hl, mcw), vec2<u32>(4097u, 0u)) && less64(sub64(mcw, hl), vec2<u32>(4097u, 0u));
  let nearRight = !(leftExact && exactInF64(H)) && less64(sub64(hr, mcw), vec2<u32>(4097u, 0u)) && less64(sub64(mcw, hr), vec2<u32>(4097u, 0u));
  c.uncertain = positive64(hl) && positive64(hr) && (nearLeft || nearRight);
  let left = (glf * glf) / (hlf + params.lambda);
  let right = (grf * grf) / (hrf + params.lambda);
  c.gain = left + right - parentGain;
  c.mag = left + right + abs(parentGain);
  return c;
}

fn better(gain: f32, code: i32, bestGain: f32, bestCode: i32) -> bool {
  return gain > bestGain || (gain == bestGain && code < bestCode);
}

@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let slot = group.x;
  let feature = group.y;
  let base = (slot * params.nFeatures + feature) * ${RESIDENT_BINS}u;
  let nb = binCounts[feature];
  // This invocation's bins (bin 255, missing, is kept out of the threshold sums).
  var own = vec4<u32>(0u);
  for (var k = 0u; k < PER; k++) {
    let b = t * PER + k;
    if (b < 255u) {
      let v = hist[base + b];
      own = vec4<u32>(add64(own.xy, v.xy), add64(own.zw, v.zw));
    }
  }
  scanSums[t] = own;
  workgroupBarrier();
  // Inclusive scan of the invocations' sums (Hillis-Steele).
  for (var step = 1u; step < ${wg}u; step = step * 2u) {
    var v = scanSums[t];
    if (t >= step) {
      let o = scanSums[t - step];
      v = vec4<u32>(add64(v.xy, o.xy), add64(v.zw, o.zw));
    }
    workgroupBarrier();
    scanSums[t] = v;
    workgroupBarrier();
  }
  let missing = hist[base + 255u];
  let present = scanSums[${wg - 1}u];
  let G = add64(present.xy, missing.xy);
  let H = add64(present.zw, missing.zw);
  let hasMissing = positive64(missing.zw);
  let Gf = toF32(G) * params.invGradientScale;
  let Hf = toF32(H) * params.invHessianScale;
  var parentGain = 0.0;
  if (!less64(H, vec2<u32>(params.mcwLo, params.mcwHi)) && positive64(H)) { parentGain = (Gf * Gf) / (Hf + params.lambda); }
  let inclusive = scanSums[t];
  let before = vec4<u32>(sub64(inclusive.xy, own.xy), sub64(inclusive.zw, own.zw));

  // Pass 1: the best candidate, and the largest magnitude and the flags over all of them.
  var bestGain = NONE_GAIN;
  var bestCode = NONE_CODE;
  var mag = 0.0;
  var flag = 0u;
  var left = before;
  for (var k = 0u; k < PER; k++) {
    let b = t * PER + k;
    if (b >= 255u) { break; }
    let v = hist[base + b];
    left = vec4<u32>(add64(left.xy, v.xy), add64(left.zw, v.zw));
    let empty = all(v == vec4<u32>(0u));
    if (b + 1u < nb && !(empty && b > 0u)) {
      let a = evaluate(left.xy, left.zw, G, H, parentGain);
      if (a.uncertain) { flag = 1u; }
      if (a.valid) {
        mag = max(mag, a.mag);
        if (better(a.gain, i32(b * 2u), bestGain, bestCode)) { bestGain = a.gain; bestCode = i32(b * 2u); }
      }
      if (hasMissing) {
        let c = evaluate(add64(left.xy, missing.xy), add64(left.zw, missing.zw), G, H, parentGain);
        if (c.uncertain) { flag = 1u; }
        if (c.valid) {
          mag = max(mag, c.mag);
          if (better(c.gain, i32(b * 2u + 1u), bestGain, bestCode)) { bestGain = c.gain; bestCode = i32(b * 2u + 1u); }
        }
      }
    }
    if (b + 1u == nb && hasMissing) {
      let c = evaluate(left.xy, left.zw, G, H, parentGain);
      if (c.uncertain) { flag = 1u; }
      if (c.valid) {
        mag = max(mag, c.mag);
        if (better(c.gain, i32(b * 2u), bestGain, bestCode)) { bestGain = c.gain; bestCode = i32(b * 2u); }
      }
    }
  }
  redGain[t] = bestGain;
  redCode[t] = bestCode;
  redMag[t] = mag;
  redFlag[t] = flag;
  workgroupBarrier();
  for (var step = ${wg / 2}u; step > 0u; step = step / 2u) {
    if (t < step) {
      if (better(redGain[t + step], redCode[t + step], redGain[t], redCode[t])) {
        redGain[t] = redGain[t + step];
        redCode[t] = redCode[t + step];
      }
      redMag[t] = max(redMag[t], redMag[t + step]);
      redFlag[t] = redFlag[t] | redFlag[t + step];
    }
    workgroupBarrier();
  }
  let winnerGain = redGain[0];
  let winnerCode = redCode[0];
  let winnerMag = redMag[0];
  let winnerFlag = redFlag[0];
  workgroupBarrier();
  // The invocation holding the winner publishes its exact left sums.
  if (bestCode == winnerCode && winnerCode != NONE_CODE) {
    let wb = u32(winnerCode) / 2u;
    var l = before;
    for (var k = 0u; k < PER; k++) {
      let b = t * PER + k;
      if (b > wb || b >= 255u) { break; }
      let v = hist[base + b];
      l = vec4<u32>(add64(l.xy, v.xy), add64(l.zw, v.zw));
    }
    if ((u32(winnerCode) & 1u) == 1u) { l = vec4<u32>(add64(l.xy, missing.xy), add64(l.zw, missing.zw)); }
    bestLeft = l;
  }
  workgroupBarrier();
  let winnerLeft = bestLeft;

  // Pass 2: the best gain among candidates that split the rows differently from the winner.
  var runner = NONE_GAIN;
  left = before;
  for (var k = 0u; k < PER; k++) {
    let b = t * PER + k;
    if (b >= 255u) { break; }
    let v = hist[base + b];
    left = vec4<u32>(add64(left.xy, v.xy), add64(left.zw, v.zw));
    let empty = all(v == vec4<u32>(0u));
    if (b + 1u < nb && !(empty && b > 0u)) {
      if (!all(left == winnerLeft)) {
        let a = evaluate(left.xy, left.zw, G, H, parentGain);
        if (a.valid) { runner = max(runner, a.gain); }
      }
      if (hasMissing) {
        let l2 = vec4<u32>(add64(left.xy, missing.xy), add64(left.zw, missing.zw));
        if (!all(l2 == winnerLeft)) {
          let c = evaluate(l2.xy, l2.zw, G, H, parentGain);
          if (c.valid) { runner = max(runner, c.gain); }
        }
      }
    }
    if (b + 1u == nb && hasMissing && !all(left == winnerLeft)) {
      let c = evaluate(left.xy, left.zw, G, H, parentGain);
      if (c.valid) { runner = max(runner, c.gain); }
    }
  }
  redGain[t] = runner;
  workgroupBarrier();
  for (var step = ${wg / 2}u; step > 0u; step = step / 2u) {
    if (t < step) { redGain[t] = max(redGain[t], redGain[t + step]); }
    workgroupBarrier();
  }
  if (t == 0u) {
    let at = (slot * params.nFeatures + feature) * ${RECORD_WORDS}u;
    records[at] = bitcast<u32>(select(winnerCode, -1, winnerCode == NONE_CODE));
    records[at + 1u] = bitcast<u32>(winnerGain);
    records[at + 2u] = bitcast<u32>(redGain[0]);
    records[at + 3u] = bitcast<u32>(winnerMag);
    records[at + 4u] = winnerFlag;
    records[at + 5u] = winnerLeft.x;
    records[at + 6u] = winnerLeft.y;
    records[at + 7u] = winnerLeft.z;
    records[at + 8u] = winnerLeft.w;
    records[at + 9u] = G.x;
    records[at + 10u] = G.y;
    records[at + 11u] = H.x;
    records[at + 12u] = H.y;
  }
}
`;

/**
 * Splits the rows of each job's node (jobs[2 * job] = begin, count, feature, bin | defaultLeft <<
 * 8; jobs[2 * job + 1] = left id, right id, unused, parent slot): every row gets its child's node
 * id; unless `leafLevel` (the children are leaves), its index goes to the child's side of the
 * node's range in rowsOut (left from the front, right from the back; order within a side is not
 * kept: the sums are exact integers, so the order of rows does not matter). A workgroup takes
 * PARTITION_PER_THREAD * wg rows, counts its sides in workgroup memory and reserves its places
 * with one global atomic per side.
 */
export const PARTITION_PER_THREAD = 4;
export const partitionWgsl = (wg: number): string => /* wgsl */ `
struct Params {
  nFeatures: u32,
  rowsPerWorkgroup: u32,
  leafLevel: u32,
  pad0: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> bins: array<u32>;
@group(0) @binding(2) var<storage, read> rowsIn: array<u32>;
@group(0) @binding(3) var<storage, read_write> rowsOut: array<u32>;
@group(0) @binding(4) var<storage, read_write> nodeOfRow: array<u32>;
@group(0) @binding(5) var<storage, read> table: array<vec2<u32>>;
@group(0) @binding(6) var<storage, read> jobs: array<vec4<u32>>;
@group(0) @binding(7) var<storage, read_write> counters: array<atomic<u32>>;

var<workgroup> leftCount: atomic<u32>;
var<workgroup> rightCount: atomic<u32>;
var<workgroup> leftBase: u32;
var<workgroup> rightBase: u32;

@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let entry = table[group.x];
  let job = entry.x;
  let a = jobs[job * 2u];
  let ids = jobs[job * 2u + 1u];
  let end = a.x + a.y;
  let start = min(a.x + entry.y * params.rowsPerWorkgroup, end);
  let splitBin = a.w & 0xffu;
  let defaultLeft = (a.w >> 8u) != 0u;
  var rowOf: array<u32, ${PARTITION_PER_THREAD}>;
  var place: array<u32, ${PARTITION_PER_THREAD}>;
  var side: array<u32, ${PARTITION_PER_THREAD}>;
  for (var k = 0u; k < ${PARTITION_PER_THREAD}u; k++) {
    let p = start + k * ${wg}u + t;
    side[k] = 2u;
    if (p < end) {
      let r = rowsIn[p];
      let byteIndex = r * params.nFeatures + a.z;
      let bin = (bins[byteIndex >> 2u] >> ((byteIndex & 3u) * 8u)) & 0xffu;
      let goLeft = select(bin <= splitBin, defaultLeft, bin == 255u);
      nodeOfRow[r] = select(ids.y, ids.x, goLeft);
      rowOf[k] = r;
      if (goLeft) {
        side[k] = 0u;
        place[k] = atomicAdd(&leftCount, 1u);
      } else {
        side[k] = 1u;
        place[k] = atomicAdd(&rightCount, 1u);
      }
    }
  }
  if (params.leafLevel != 0u) { return; }
  workgroupBarrier();
  if (t == 0u) {
    leftBase = atomicAdd(&counters[job * 2u], atomicLoad(&leftCount));
    rightBase = atomicAdd(&counters[job * 2u + 1u], atomicLoad(&rightCount));
  }
  workgroupBarrier();
  for (var k = 0u; k < ${PARTITION_PER_THREAD}u; k++) {
    if (side[k] == 0u) {
      rowsOut[a.x + leftBase + place[k]] = rowOf[k];
    } else if (side[k] == 1u) {
      rowsOut[end - 1u - (rightBase + place[k])] = rowOf[k];
    }
  }
}
`;

/**
 * After a partition: per job, the build range of the smaller child (fewer rows; the left one on a
 * tie, as train.ts) with its slot (2 * job or 2 * job + 1) and the larger's slot, and both
 * children's row counts by node id (read back with the next level's records).
 */
export const rangesWgsl = (wg: number): string => /* wgsl */ `
struct Params {
  jobCount: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> jobs: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> counters: array<u32>;
@group(0) @binding(3) var<storage, read_write> ranges: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> nodeCount: array<u32>;

@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let job = gid.x;
  if (job >= params.jobCount) { return; }
  let a = jobs[job * 2u];
  let ids = jobs[job * 2u + 1u];
  let leftCount = counters[job * 2u];
  let rightCount = a.y - leftCount;
  nodeCount[ids.x] = leftCount;
  nodeCount[ids.y] = rightCount;
  if (leftCount <= rightCount) {
    ranges[job] = vec4<u32>(a.x, leftCount, job * 2u, job * 2u + 1u);
  } else {
    ranges[job] = vec4<u32>(a.x + leftCount, rightCount, job * 2u + 1u, job * 2u);
  }
}
`;

/** margins[row] += the value of the leaf the row ended in (float32 add, as the CPU trainer). */
export const leavesWgsl = (wg: number): string => /* wgsl */ `
struct Params {
  n: u32,
  stride: u32,
  pad0: u32,
  pad1: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> margins: array<f32>;
@group(0) @binding(2) var<storage, read> nodeOfRow: array<u32>;
@group(0) @binding(3) var<storage, read> leafValue: array<f32>;

@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  for (var i = gid.x; i < params.n; i += params.stride) {
    margins[i] = margins[i] + leafValue[nodeOfRow[i]];
  }
}
`;
