import { binColumns } from '/work/main/workers/gbdt/binning';
import { createWasmHistogramKernel } from '/work/main/workers/gbdt/wasm-histogram';
import { cpuHistogramKernel } from '/work/main/workers/gbdt/histogram';
import { loadBenchFeatures } from '/work/main/test/bench/gbdt';
const all = await loadBenchFeatures(1_000_000);
const n = 240000;
const cols = all.columns.map((c) => c.slice(0, n));
let t = performance.now();
const data = binColumns(cols, 256, 0);
console.log('binColumns', (performance.now() - t).toFixed(0), 'ms');
const F = data.nFeatures;
const gh = new Float32Array(n * 2).map((_, i) => (i % 2 ? 0.25 : Math.sin(i)));
const rows = Uint32Array.from({ length: n }, (_, i) => i);
const features = Int32Array.from({ length: F }, (_, i) => i);
const out = new Float64Array(F * 512);
const k = createWasmHistogramKernel();
for (const [name, kern] of [['wasm', k], ['js', cpuHistogramKernel]] as const) {
  kern.build({ bins: data.bins, nFeatures: F, rows, begin: 0, end: n, gh, features }, out);
  t = performance.now();
  const reps = name === 'js' ? 3 : 20;
  for (let i = 0; i < reps; i++) kern.build({ bins: data.bins, nFeatures: F, rows, begin: 0, end: n, gh, features }, out);
  const ms = (performance.now() - t) / reps;
  console.log(name, ms.toFixed(2), 'ms/build', ((ms * 1e6) / (n * F)).toFixed(2), 'ns/update');
}
// distinct bins per feature
console.log(data.cuts.map((c) => c.cuts.length).join(','));
for (const keep of [0.5, 0.2, 0.05]) {
  const sub = Uint32Array.from(rows.filter((r) => ((r * 2654435761) >>> 0) / 2 ** 32 < keep));
  k.build({ bins: data.bins, nFeatures: F, rows: sub, begin: 0, end: sub.length, gh, features }, out);
  t = performance.now();
  for (let i = 0; i < 20; i++) k.build({ bins: data.bins, nFeatures: F, rows: sub, begin: 0, end: sub.length, gh, features }, out);
  const ms = (performance.now() - t) / 20;
  console.log('keep', keep, ms.toFixed(2), 'ms/build', ((ms * 1e6) / (sub.length * F)).toFixed(2), 'ns/update');
}
