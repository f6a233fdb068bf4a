/**
 * A focused GBDT timing for development: the first --rows rows of the 1M-row bench table (cached
 * float32 columns), Assay against XGBoost in the same run, wall and process CPU time.
 *
 *   node bin/run-ts.mjs test/bench/gbdt-focus.ts [--rows 300000] [--rounds 50] [--nthread 1] [--xgb 1,2|none] [--repeat 1]
 *
 * With --repeat N each side trains N times and the fastest run counts (a busy machine only ever
 * adds time).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auc } from '../../workers/gbdt/metrics';
import { predict } from '../../workers/gbdt/predict';
import { resolveParams } from '../../workers/gbdt/params';
import { trainGbdt } from '../../workers/gbdt/train';
import { loadBenchFeatures } from './gbdt';
import { createNodeHistogramKernel } from '../../workers/node/histogram-threads';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const rows = Number(arg('rows', '300000'));
const rounds = Number(arg('rounds', '50'));
const nthread = Number(arg('nthread', '1'));
const xgbThreads = arg('xgb', '1');
const all = await loadBenchFeatures(1_000_000);
const nTrain = Math.floor(rows * 0.8);
const train = { columns: all.columns.map((c) => c.slice(0, nTrain)), labels: all.labels.slice(0, nTrain) };
const test = { columns: all.columns.map((c) => c.slice(nTrain, rows)), labels: all.labels.slice(nTrain, rows) };
const params = { max_depth: 6, eta: 0.1, num_boost_round: rounds, max_bin: 256 };
const repeat = Number(arg('repeat', '1'));
let wall = Infinity;
let cpu = Infinity;
let result: Awaited<ReturnType<typeof trainGbdt>> | undefined;
for (let k = 0; k < repeat; k++) {
  const kernel = nthread > 1 ? createNodeHistogramKernel(nthread) : undefined;
  const w0 = performance.now();
  const c0 = cpuMs();
  result = await trainGbdt(train, { params: resolveParams({ ...params, eval_metric: 'logloss' }), featureNames: all.featureNames, evaluateTrain: false, kernel });
  kernel?.dispose?.();
  const w = performance.now() - w0;
  if (w < wall) {
    wall = w;
    cpu = cpuMs() - c0;
  }
}
if (!result) throw new Error('--repeat must be at least 1');
const testAuc = auc(predict(result.model, test.columns, test.labels.length), test.labels);
console.log(`assay nthread=${nthread}: wall ${(wall / 1000).toFixed(2)} s, cpu ${(cpu / 1000).toFixed(2)} s, auc ${testAuc.toFixed(5)} (${nTrain} x ${train.columns.length}, ${rounds} rounds)`);
if (process.argv.includes('--dump')) fs.writeFileSync('/tmp/gbdt-focus-model.json', JSON.stringify(result.model.trees.slice(0, 3)));
if (xgbThreads !== 'none') {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-gbdt-focus-'));
  const rowMajor = (cols: Float32Array[]): Buffer => {
    const r = cols[0]?.length ?? 0;
    const out = new Float32Array(r * cols.length);
    cols.forEach((c, f) => {
      for (let i = 0; i < r; i++) out[i * cols.length + f] = c[i] as number;
    });
    return Buffer.from(out.buffer);
  };
  const files = { x_train: path.join(tmp, 'xtr.bin'), y_train: path.join(tmp, 'ytr.bin'), x_test: path.join(tmp, 'xte.bin'), y_test: path.join(tmp, 'yte.bin') };
  fs.writeFileSync(files.x_train, rowMajor(train.columns));
  fs.writeFileSync(files.x_test, rowMajor(test.columns));
  fs.writeFileSync(files.y_train, Buffer.from(train.labels.buffer));
  fs.writeFileSync(files.y_test, Buffer.from(test.labels.buffer));
  const spec = path.join(tmp, 'spec.json');
  const threadList = xgbThreads.split(',').map(Number).flatMap((t) => Array.from({ length: repeat }, () => t));
  fs.writeFileSync(spec, JSON.stringify({ ...files, features: train.columns.length, params, threads: threadList, skip_predict: true }));
  const py = spawnSync('/usr/bin/python3', [path.join(repoRoot, 'test/bench/xgb_bench.py'), spec], { encoding: 'utf8' });
  fs.rmSync(tmp, { recursive: true, force: true });
  const runs = JSON.parse(py.stdout || '[]') as Array<{ threads: number; train_ms: number; train_cpu_ms: number; auc: number }>;
  const fastest = [...new Set(runs.map((r) => r.threads))].map((t) => runs.filter((r) => r.threads === t).sort((a, b) => a.train_ms - b.train_ms)[0]!);
  for (const r of fastest) {
    console.log(`xgboost nthread=${r.threads}: wall ${(r.train_ms / 1000).toFixed(2)} s, cpu ${(r.train_cpu_ms / 1000).toFixed(2)} s, auc ${r.auc.toFixed(5)}; assay/xgb wall ${(wall / r.train_ms).toFixed(2)}x cpu ${(cpu / r.train_cpu_ms).toFixed(2)}x`);
  }
  if (py.status !== 0) console.log(py.stderr);
}
