/**
 * Benchmark: Assay's GBDT trainer against XGBoost's hist method (Debian's python3-xgboost) on the
 * generator's 1M-row features table, same parameters, same matrices, in the same run.
 *
 *   node bin/run-ts.mjs test/bench/gbdt.ts [--users N] [--rounds R] [--threads 1,2]
 *
 * Prints each figure beside the reference and the ratio; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../../scripts/gen';
import { DataEngine } from '../../workers/data/engine';
import { tableColumnsToFloat32, vectorToFloat32 } from '../../workers/gbdt/arrow-columns';
import { featureSelectList, safeFeatureName, sourceKind, type FeatureEncoding, type FeatureSpec } from '../../workers/gbdt/encoding';
import { auc } from '../../workers/gbdt/metrics';
import { predict } from '../../workers/gbdt/predict';
import { resolveParams } from '../../workers/gbdt/params';
import { createRng } from '../../workers/gbdt/rng';
import { trainGbdt } from '../../workers/gbdt/train';
import { NodeDuckDriver } from '../../workers/node/driver-node';
import { loadParquetNode } from '../../workers/node/engine-node';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const noProgress = { signal: new AbortController().signal, progress: () => undefined };

export async function runGbdtBench(options: { users: number; rounds: number; threads: number[] }): Promise<Record<string, unknown>> {
  const dir = path.join(repoRoot, '.generated', `bench-${options.users >= 1_000_000 ? `${options.users / 1_000_000}m` : options.users}`);
  const parquet = path.join(dir, 'features.parquet');
  if (!fs.existsSync(parquet)) await generate({ users: options.users, seed: 1, outDir: dir, tables: ['features'] });

  console.log(`loading ${path.relative(repoRoot, parquet)} through the engine...`);
  const driver = await NodeDuckDriver.create();
  const engine = new DataEngine(driver, loadParquetNode);
  const info = await engine.open({ source: { kind: 'path', path: parquet }, tableName: 'features' }, noProgress);
  const label = info.columns.find((c) => c.name === 'converted');
  if (!label) throw new Error('features table has no "converted" label');
  const features: FeatureSpec[] = [];
  for (const c of info.columns) {
    if (c.name === 'converted' || c.name === 'user_id') continue;
    const kind = sourceKind(c.type);
    if (kind === 'numeric' || kind === 'boolean') features.push({ name: safeFeatureName(c.name), column: c.name, kind: 'numeric' });
    else if (kind === 'date' || kind === 'timestamp') features.push({ name: safeFeatureName(c.name), column: c.name, kind });
    else if (kind === 'text') {
      // Low-cardinality categoricals as integer codes (one column each, as a GBDT benchmark uses).
      features.push({ name: safeFeatureName(c.name), column: c.name, kind: 'numeric' });
    }
  }
  const encoding: FeatureEncoding = { version: 1, columns: [], features };
  const select = features
    .map((f, i) => (sourceKind(info.columns.find((c) => c.name === f.column)?.type ?? '') === 'text' ? `CAST(dense_rank() OVER (ORDER BY "${f.column}") AS DOUBLE) AS "f${i}"` : featureSelectList({ ...encoding, features: [f] }).replace('AS "f0"', `AS "f${i}"`)))
    .join(', ');
  const table = await driver.query(`SELECT ${select}, CAST("converted" AS DOUBLE) AS label FROM features ORDER BY rowid`);
  const n = table.numRows;
  const F = features.length;
  const columns = tableColumnsToFloat32(table, features.map((_, i) => `f${i}`));
  const labels = vectorToFloat32(table.getChild('label'), n);
  await driver.close();

  // Seeded 80/20 split.
  const rng = createRng(7);
  const isTest = new Uint8Array(n);
  for (let i = 0; i < n; i++) isTest[i] = rng() < 0.2 ? 1 : 0;
  const pick = (test: boolean) => {
    const idx: number[] = [];
    for (let i = 0; i < n; i++) if ((isTest[i] === 1) === test) idx.push(i);
    return { columns: columns.map((c) => Float32Array.from(idx, (i) => c[i] as number)), labels: Float32Array.from(idx, (i) => labels[i] as number) };
  };
  const train = pick(false);
  const test = pick(true);
  console.log(`${n.toLocaleString('en-US')} rows x ${F} features; train ${train.labels.length.toLocaleString('en-US')}, test ${test.labels.length.toLocaleString('en-US')}`);

  const params = { max_depth: 6, eta: 0.1, num_boost_round: options.rounds, max_bin: 256 };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-gbdt-bench-'));
  const writeRowMajor = (file: string, cols: Float32Array[]): void => {
    const rows = cols[0]?.length ?? 0;
    const out = new Float32Array(rows * cols.length);
    for (let f = 0; f < cols.length; f++) {
      const c = cols[f] as Float32Array;
      for (let i = 0; i < rows; i++) out[i * cols.length + f] = c[i] as number;
    }
    fs.writeFileSync(file, Buffer.from(out.buffer));
  };
  const files = { x_train: path.join(tmp, 'xtr.bin'), y_train: path.join(tmp, 'ytr.bin'), x_test: path.join(tmp, 'xte.bin'), y_test: path.join(tmp, 'yte.bin') };
  writeRowMajor(files.x_train, train.columns);
  writeRowMajor(files.x_test, test.columns);
  fs.writeFileSync(files.y_train, Buffer.from(train.labels.buffer));
  fs.writeFileSync(files.y_test, Buffer.from(test.labels.buffer));

  console.log(`training Assay (1 thread, ${options.rounds} rounds)...`);
  const wall0 = performance.now();
  const cpu0 = cpuMs();
  const result = await trainGbdt(train, { params: resolveParams({ ...params, eval_metric: 'logloss' }), featureNames: features.map((f) => f.name), evaluateTrain: false });
  const assayTrainMs = performance.now() - wall0;
  const assayCpuMs = cpuMs() - cpu0;
  const assayAuc = auc(predict(result.model, test.columns, test.labels.length), test.labels);
  const p0 = performance.now();
  predict(result.model, columns, n);
  const assayPredictMs = performance.now() - p0;

  const specPath = path.join(tmp, 'spec.json');
  fs.writeFileSync(specPath, JSON.stringify({ ...files, features: F, params, threads: options.threads }));
  console.log(`training XGBoost (threads ${options.threads.join(', ')})...`);
  const py = spawnSync('/usr/bin/python3', [path.join(repoRoot, 'test', 'bench', 'xgb_bench.py'), specPath], { encoding: 'utf8', maxBuffer: 1 << 24 });
  fs.rmSync(tmp, { recursive: true, force: true });
  if (py.status !== 0) {
    console.log(`XGBoost reference unavailable: ${py.stderr.trim().split('\n').pop() ?? 'python3-xgboost missing'}`);
    return { assay: { trainMs: assayTrainMs, cpuMs: assayCpuMs, auc: assayAuc, predict1mMs: assayPredictMs } };
  }
  const refs = JSON.parse(py.stdout) as Array<{ threads: number; train_ms: number; train_cpu_ms: number; auc: number; predict_1m_ms: number; xgboost: string }>;
  const rows: string[][] = [];
  for (const r of refs) {
    rows.push([`train ${n.toLocaleString('en-US')}x${F}, ${options.rounds} rounds (XGBoost ${r.threads} thr)`, `${(assayTrainMs / 1000).toFixed(1)} s`, `${(r.train_ms / 1000).toFixed(1)} s`, `${(assayTrainMs / r.train_ms).toFixed(2)}x`, '<= 1.0x (1.5x first)']);
  }
  for (const r of refs) rows.push([`test AUC (XGBoost ${r.threads} thr)`, assayAuc.toFixed(4), r.auc.toFixed(4), `${(assayAuc - r.auc >= 0 ? '+' : '')}${(assayAuc - r.auc).toFixed(4)}`, 'within 0.002']);
  rows.push([`predict ${n.toLocaleString('en-US')} rows (XGBoost ${refs[0]?.threads} thr)`, `${assayPredictMs.toFixed(0)} ms`, `${refs[0]?.predict_1m_ms.toFixed(0)} ms`, `${(assayPredictMs / (refs[0]?.predict_1m_ms ?? 1)).toFixed(2)}x`, '<= 1 s']);
  const widths = [0, 1, 2, 3, 4].map((k) => Math.max(...[['task', 'assay', 'xgboost', 'ratio', 'target'], ...rows].map((r) => (r[k] ?? '').length)));
  console.log(`\nGBDT vs XGBoost ${refs[0]?.xgboost} (hist), depth 6, eta 0.1, 256 bins; Assay CPU ${(assayCpuMs / 1000).toFixed(1)} s, load ${os.loadavg()[0]?.toFixed(2)}`);
  for (const r of [['task', 'assay', 'xgboost', 'ratio', 'target'], ...rows]) console.log(r.map((c, k) => c.padEnd(widths[k] ?? 0)).join('  '));
  return { assay: { trainMs: assayTrainMs, cpuMs: assayCpuMs, auc: assayAuc, predict1mMs: assayPredictMs }, xgboost: refs };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const users = Number(arg('users', '1000000'));
  const rounds = Number(arg('rounds', '200'));
  const threads = arg('threads', '1,2').split(',').map(Number);
  const result = await runGbdtBench({ users, rounds, threads });
  fs.mkdirSync(path.join(repoRoot, '.bench'), { recursive: true });
  fs.writeFileSync(path.join(repoRoot, '.bench', 'gbdt.json'), JSON.stringify(result, null, 2));
}
