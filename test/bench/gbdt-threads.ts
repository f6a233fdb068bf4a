/**
 * Benchmark: how the CPU trainer scales with threads, against XGBoost's `hist` at the same thread
 * count, same data file, same parameters, same machine, in the same run (issue 16).
 *
 *   node bin/run-ts.mjs test/bench/gbdt-threads.ts [--rows 1000000] [--features 32] [--rounds 100]
 *     [--depth 6] [--threads 1,2,4,8,16] [--runs 3 | --runs 1,1,3,3,3] [--deadline-s S]
 *     [--python /usr/bin/python3] [--xgb-script test/bench/xgb_bench.py] [--no-xgb]
 *     [--compare-spin-ms 0.5 | none]   (the first thread count again with that helper spin)
 *   npm run bench -- --only gbdt-threads        (thread counts 1, 2, 4, ... up to the cores)
 *
 * Data: a seeded synthetic table (integer-coded, continuous with missing values, skewed columns;
 * a label from a non-linear score), 80% train / 20% test, written once as float32 files that
 * XGBoost reads. Timed on both sides: everything from float columns to a trained model (Assay:
 * thread start, binning, boosting; XGBoost: DMatrix build, boosting). Per thread count: the
 * median and range of the runs, process CPU time (all threads), the wall ratio, both test AUCs (equal
 * within 0.002: the two sketch continuous columns' cut points differently) and whether Assay grew
 * the same trees as at the first thread count. Prints as it goes, so a run cut
 * short still leaves its figures; --deadline-s skips the runs that would start past it.
 * Self-contained (no DuckDB, no files of the repository but the XGBoost script), so it bundles into
 * one file: `npx esbuild test/bench/gbdt-threads.ts --bundle --platform=node --format=esm
 * --outfile=.gpu/cpu-bench.mjs` (see .gpu/cpu-bench.sh on the lent machine).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auc } from '../../workers/gbdt/metrics';
import { predict } from '../../workers/gbdt/predict';
import { resolveParams } from '../../workers/gbdt/params';
import { createRng } from '../../workers/gbdt/rng';
import { trainGbdt, type FeatureData } from '../../workers/gbdt/train';
import { createNodeHistogramKernel } from '../../workers/node/histogram-threads';
import { HELPER_SPIN_MS } from '../../workers/gbdt/parallel-histogram';

export interface ThreadsBenchOptions {
  rows: number;
  features: number;
  rounds: number;
  depth: number;
  threads: number[];
  /** Runs per thread count (one entry per count, or one for all). */
  runs: number[];
  /** Seconds after the start past which no further run starts (0: none). */
  deadlineS: number;
  python: string;
  xgbScript: string | null;
  /**
   * Helper spin (ms) to compare at the first thread count (same runs again, Assay only), or null:
   * how much keeping helpers awake between steps is worth on this machine.
   */
  compareSpinMs: number | null;
}

interface Run {
  wallMs: number;
  cpuMs: number;
}

export interface ThreadsRow {
  threads: number;
  assay: Run[];
  xgboost: Run[];
  assayAuc: number;
  xgboostAuc: number | null;
  /** Assay's trees equal those of the first thread count. */
  sameTrees: boolean;
}

const cpuNowMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * A seeded table with a mix of column kinds as real tables have them: integer codes with few
 * values, continuous values with ~5% missing, heavy-tailed amounts. The label is drawn from a
 * logistic score that mixes several columns non-linearly, so trees of depth 6 keep finding splits.
 */
export function syntheticTable(rows: number, features: number, seed: number): FeatureData {
  const rng = createRng(seed);
  const columns = Array.from({ length: features }, () => new Float32Array(rows));
  const labels = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < features; f++) {
      const kind = f % 4;
      const u = rng();
      let v: number;
      if (kind === 0) v = Math.floor(u * (3 + (f % 13))); // codes: 3..15 values
      else if (kind === 1) v = rng() < 0.05 ? Number.NaN : u * 100 - 50;
      else if (kind === 2) v = Math.exp(u * 8) - 1; // amounts, heavy tail
      else v = rng() < 0.02 ? Number.NaN : Math.round(u * 1000) / 10;
      (columns[f] as Float32Array)[i] = v;
    }
    const c = (f: number): number => {
      const v = (columns[f % features] as Float32Array)[i] as number;
      return Number.isNaN(v) ? 0 : v;
    };
    const z = 0.6 * (c(0) - 1) + 0.04 * c(1) + 0.5 * Math.log1p(c(2)) - 2 + (c(3) > 50 ? 0.8 : -0.3) + (c(4) % 3 === 0 && c(5) > 0 ? 0.9 : 0) + 0.3 * Math.sin(c(9) / 8) + 0.2 * Math.log1p(c(6)) * (c(7) > 30 ? 1 : -1);
    labels[i] = rng() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { columns, labels };
}

function slice(data: FeatureData, begin: number, end: number): FeatureData {
  return { columns: data.columns.map((c) => c.slice(begin, end)), labels: data.labels.slice(begin, end) };
}

function writeRowMajor(file: string, columns: Float32Array[]): void {
  const rows = columns[0]?.length ?? 0;
  const F = columns.length;
  const out = new Float32Array(rows * F);
  for (let f = 0; f < F; f++) {
    const c = columns[f] as Float32Array;
    for (let i = 0; i < rows; i++) out[i * F + f] = c[i] as number;
  }
  fs.writeFileSync(file, out);
}

/** The XGBoost script beside this file, or in the working directory's test/bench (a bundle). */
export function findXgbScript(): string | null {
  const candidates = [path.join(path.dirname(fileURLToPath(import.meta.url)), 'xgb_bench.py'), path.join(process.cwd(), 'test', 'bench', 'xgb_bench.py')];
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

const seconds = (ms: number): string => (ms / 1000).toFixed(2);
const spread = (runs: Run[]): string => {
  const w = runs.map((r) => r.wallMs);
  if (w.length === 0) return 'n/a';
  const m = seconds(median(w));
  return w.length === 1 ? m : `${m} [${seconds(Math.min(...w))}-${seconds(Math.max(...w))}]`;
};

export async function runThreadsBench(options: ThreadsBenchOptions): Promise<ThreadsRow[]> {
  const started = performance.now();
  const pastDeadline = (): boolean => options.deadlineS > 0 && (performance.now() - started) / 1000 > options.deadlineS;
  const t0 = performance.now();
  const all = syntheticTable(options.rows, options.features, 1);
  const nTrain = Math.floor(options.rows * 0.8);
  const train = slice(all, 0, nTrain);
  const test = slice(all, nTrain, options.rows);
  const params = { max_depth: options.depth, eta: 0.1, num_boost_round: options.rounds, max_bin: 256 };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-threads-bench-'));
  const files = { x_train: path.join(tmp, 'xtr.bin'), y_train: path.join(tmp, 'ytr.bin'), x_test: path.join(tmp, 'xte.bin'), y_test: path.join(tmp, 'yte.bin') };
  writeRowMajor(files.x_train, train.columns);
  writeRowMajor(files.x_test, test.columns);
  fs.writeFileSync(files.y_train, train.labels);
  fs.writeFileSync(files.y_test, test.labels);
  const cpus = os.cpus();
  console.log(`gbdt threads: ${nTrain.toLocaleString('en-US')} train / ${(options.rows - nTrain).toLocaleString('en-US')} test rows x ${options.features} features, ${options.rounds} rounds, depth ${options.depth}, eta 0.1, 256 bins; data ready in ${seconds(performance.now() - t0)} s`);
  console.log(`machine: ${os.availableParallelism()} cores (${cpus[0]?.model ?? 'unknown'}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}`);
  if (!options.xgbScript) console.log('XGBoost: not run (--no-xgb, or xgb_bench.py not found: pass --xgb-script); Assay only');

  const rows: ThreadsRow[] = [];
  let firstTrees: string | null = null;
  let xgbVersion = '';
  try {
    for (let k = 0; k < options.threads.length; k++) {
      const threads = options.threads[k] as number;
      const runs = options.runs[Math.min(k, options.runs.length - 1)] ?? 1;
      if (pastDeadline()) {
        console.log(`${threads} threads: skipped (past the ${options.deadlineS} s deadline)`);
        continue;
      }
      const row: ThreadsRow = { threads, assay: [], xgboost: [], assayAuc: Number.NaN, xgboostAuc: null, sameTrees: true };
      for (let r = 0; r < runs && (r === 0 || !pastDeadline()); r++) {
        const wall0 = performance.now();
        const cpu0 = cpuNowMs();
        // Thread start counts: a caller pays for it, as XGBoost's caller pays for the DMatrix.
        const kernel = createNodeHistogramKernel(threads);
        const result = await trainGbdt(train, { params: resolveParams({ ...params, eval_metric: 'logloss' }), featureNames: train.columns.map((_, f) => `f${f}`), evaluateTrain: false, kernel });
        const wallMs = performance.now() - wall0;
        const steps = kernel.stepTimes?.() ?? {};
        kernel.dispose?.();
        row.assay.push({ wallMs, cpuMs: cpuNowMs() - cpu0 });
        if (r === 0 || r === runs - 1) {
          // Where the wall time went: threaded steps (all threads at work), the rest on the calling
          // thread alone. The first run starts the threads; later ones reuse them (warm).
          const inSteps = Object.values(steps).reduce((sum, x) => sum + x.ms, 0);
          const list = Object.entries(steps).sort((x, y) => y[1].ms - x[1].ms).map(([name, x]) => `${name} ${(x.ms / 1000).toFixed(2)} s/${x.count}`);
          console.log(`   ${threads} threads, run ${r + 1} (wall ${(wallMs / 1000).toFixed(2)} s), steps: ${list.join(', ')}; outside steps ${((wallMs - inSteps) / 1000).toFixed(2)} s`);
        }
        if (r === 0) {
          row.assayAuc = auc(predict(result.model, test.columns, test.labels.length), test.labels);
          const trees = createHash('sha256').update(JSON.stringify(result.model.trees)).digest('hex');
          firstTrees ??= trees;
          row.sameTrees = trees === firstTrees;
        }
      }
      if (options.xgbScript) {
        const spec = path.join(tmp, 'spec.json');
        fs.writeFileSync(spec, JSON.stringify({ ...files, features: options.features, params, threads: Array.from({ length: runs }, () => threads), skip_predict: true, include_dmatrix: true, stream: true }));
        const py = spawnSync(options.python, [options.xgbScript, spec], { encoding: 'utf8', maxBuffer: 1 << 24 });
        const lines = (py.stdout ?? '').split('\n').filter((l) => l.startsWith('{'));
        for (const line of lines) {
          const x = JSON.parse(line) as { train_ms: number; train_cpu_ms: number; auc: number; xgboost: string };
          row.xgboost.push({ wallMs: x.train_ms, cpuMs: x.train_cpu_ms });
          row.xgboostAuc = x.auc;
          xgbVersion = x.xgboost;
        }
        if (py.status !== 0 || lines.length === 0) console.log(`XGBoost failed at ${threads} threads: ${(py.stderr || String(py.error ?? '')).trim().split('\n').slice(-3).join(' | ')}`);
      }
      rows.push(row);
      if (k === 0 && threads > 1 && options.compareSpinMs !== null && !pastDeadline()) {
        const other: Run[] = [];
        for (let r = 0; r < runs && (r === 0 || !pastDeadline()); r++) {
          const wall0 = performance.now();
          const cpu0 = cpuNowMs();
          const kernel = createNodeHistogramKernel(threads, { spinMs: options.compareSpinMs });
          await trainGbdt(train, { params: resolveParams({ ...params, eval_metric: 'logloss' }), featureNames: train.columns.map((_, f) => `f${f}`), evaluateTrain: false, kernel });
          kernel.dispose?.();
          other.push({ wallMs: performance.now() - wall0, cpuMs: cpuNowMs() - cpu0 });
        }
        // Against the default's runs after the first (these start warm too: the threads exist).
        const warm = row.assay.length > 1 ? row.assay.slice(1) : row.assay;
        console.log(`   ${threads} threads with helpers spinning ${options.compareSpinMs} ms between steps: assay wall ${spread(other)} s cpu ${seconds(median(other.map((v) => v.cpuMs)))} s; default ${HELPER_SPIN_MS} ms, runs after the first: wall ${spread(warm)} s cpu ${seconds(median(warm.map((v) => v.cpuMs)))} s`);
      }
      const a = median(row.assay.map((x) => x.wallMs));
      const x = row.xgboost.length > 0 ? median(row.xgboost.map((v) => v.wallMs)) : Number.NaN;
      const aucText = row.xgboostAuc === null ? `auc ${row.assayAuc.toFixed(6)}` : `auc ${row.assayAuc.toFixed(6)} vs ${row.xgboostAuc.toFixed(6)} (diff ${(row.assayAuc - row.xgboostAuc).toExponential(1)}, ${Math.abs(row.assayAuc - row.xgboostAuc) <= 0.002 ? 'within' : 'NOT within'} 0.002)`;
      console.log(
        `${String(threads).padStart(2)} threads (${runs} run${runs > 1 ? 's' : ''}): assay wall ${spread(row.assay)} s cpu ${seconds(median(row.assay.map((v) => v.cpuMs)))} s | ` +
          `xgboost wall ${spread(row.xgboost)} s cpu ${row.xgboost.length > 0 ? seconds(median(row.xgboost.map((v) => v.cpuMs))) : 'n/a'} s | ` +
          `ratio ${Number.isNaN(x) ? 'n/a' : (a / x).toFixed(2)} | ${aucText} | trees ${row.sameTrees ? 'same as first count' : 'DIFFER from first count'}`,
      );
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // The summary table (wall seconds: median of the runs; ratio = Assay / XGBoost).
  const cell = (runs: Run[]): string => (runs.length > 0 ? seconds(median(runs.map((r) => r.wallMs))) : '-');
  console.log(`\n| threads | ${rows.map((r) => r.threads).join(' | ')} |`);
  console.log(`|---|${rows.map(() => '---|').join('')}`);
  console.log(`| Assay wall s | ${rows.map((r) => cell(r.assay)).join(' | ')} |`);
  console.log(`| XGBoost ${xgbVersion} wall s | ${rows.map((r) => cell(r.xgboost)).join(' | ')} |`);
  console.log(`| ratio | ${rows.map((r) => (r.xgboost.length > 0 ? (median(r.assay.map((v) => v.wallMs)) / median(r.xgboost.map((v) => v.wallMs))).toFixed(2) : '-')).join(' | ')} |`);
  console.log(`| Assay cpu s | ${rows.map((r) => seconds(median(r.assay.map((v) => v.cpuMs)))).join(' | ')} |`);
  console.log(`| XGBoost cpu s | ${rows.map((r) => (r.xgboost.length > 0 ? seconds(median(r.xgboost.map((v) => v.cpuMs))) : '-')).join(' | ')} |`);
  console.log(`trees identical at every thread count: ${rows.every((r) => r.sameTrees) ? 'yes' : 'NO'}; total ${seconds(performance.now() - started)} s`);
  return rows;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const list = (text: string): number[] => text.split(',').map(Number);
  const options: ThreadsBenchOptions = {
    rows: Number(arg('rows', '1000000')),
    features: Number(arg('features', '32')),
    rounds: Number(arg('rounds', '100')),
    depth: Number(arg('depth', '6')),
    threads: list(arg('threads', '1,2,4,8,16')),
    runs: list(arg('runs', '3')),
    deadlineS: Number(arg('deadline-s', '0')),
    python: arg('python', '/usr/bin/python3'),
    xgbScript: process.argv.includes('--no-xgb') ? null : arg('xgb-script', '') || findXgbScript(),
    compareSpinMs: arg('compare-spin-ms', '0.5') === 'none' ? null : Number(arg('compare-spin-ms', '0.5')),
  };
  const bad = [options.rows, options.features, options.rounds, options.depth, ...options.threads, ...options.runs].some((v) => !Number.isInteger(v) || v < 1);
  if (bad) throw new Error('--rows, --features, --rounds, --depth, --threads and --runs take positive integers');
  await runThreadsBench(options);
}
