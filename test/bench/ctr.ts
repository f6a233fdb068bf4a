/**
 * Benchmark: Assay's LR, FM and DeepFM against the PyTorch reference (test/bench/ctr_torch.py) on the
 * same generated Criteo-like data (scripts/gen-ctr.ts: 13 numeric + 26 categorical fields, Zipf
 * levels, FM-structured truth with a known Bayes AUC), the same fields and encoding, embedding
 * size, optimiser (Adam), learning rate, batch size, epochs and split (the last 20% of the rows
 * held out, Assay's 'time' split on the row number); plus GBDT on the same split.
 *
 *   npm run bench -- --only ctr [--ctr-rows N] [--ctr-k K] [--ctr-batch B] [--ctr-epochs E] [--runs R]
 *                              [--ctr-threads 1,2] [--ctr-kinds lr,fm,deepfm] [--skip-gbdt]
 *
 * The figure: --ctr-rows 1000000 --ctr-batch 4096 --ctr-epochs 3 --ctr-threads 2 --runs 1
 * --skip-gbdt (about 10 minutes on an idle 2-core machine). The load average is printed beside
 * every run: on a shared machine the ratios move with it.
 * Prints AUC on the held-out rows and seconds per epoch (training only) for Assay and for PyTorch
 * at the given thread counts (torch.set_num_threads; Assay uses one thread whatever the count: its
 * trainer is typed-array and WASM SIMD code, and tfjs-wasm, which runs DeepFM's small layers after
 * the first, has no threads in Node), side by side as ratios Assay / PyTorch: the median and range
 * over R runs, each run measuring both in the same process sequence. Asserts nothing. Without
 * python3-torch the reference is skipped with one line.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainOutcome } from '../../workers/api';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { generateCtr, writeCtr } from '../../scripts/gen-ctr';

const PYTHON = '/usr/bin/python3';
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

export interface CtrBenchOptions {
  rows: number;
  k: number;
  batch: number;
  epochs: number;
  runs: number;
  threads: number[];
  kinds?: CtrBenchKind[];
  /** Leave out GBDT on the same split (slow at 1M rows). */
  skipGbdt?: boolean;
  log?: (line: string) => void;
}

export type CtrBenchKind = 'lr' | 'fm' | 'deepfm';
const ALL_KINDS: CtrBenchKind[] = ['lr', 'fm', 'deepfm'];

interface Figures {
  auc: number[];
  secondsPerEpoch: number[];
}

export interface CtrBenchResult {
  options: Omit<CtrBenchOptions, 'log'>;
  bayesAuc: number;
  assay: Partial<Record<CtrBenchKind, Figures>>;
  /** 1-minute load average at the start and end of every measured training, e.g. "lr run 1 Assay: 1.9 → 2.1". */
  load: string[];
  torch: Record<string, Figures> | null;
  torchSkipped: string | null;
  gbdt: { auc: number; seconds: number; trees: number } | null;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const range = (xs: number[]): string => `${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)}`;

function torchAvailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, sklearn, pandas'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `PyTorch reference skipped: ${PYTHON} cannot import torch/sklearn/pandas (apt-get install python3-torch python3-sklearn python3-pandas)`;
}

/** Per-epoch median of one training's epochs (the first epoch included: both sides pay their warm-up). */
const epochSeconds = (seconds: number[]): number => median(seconds);

export async function runCtrBench(options: CtrBenchOptions): Promise<CtrBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dir = path.join(repoRoot, '.bench', `ctr-${options.rows}`);
  const csv = path.join(dir, 'ctr.csv');
  const gen = { rows: options.rows, seed: 42, maxLevels: Math.min(100_000, Math.max(1000, Math.floor(options.rows / 10))) };
  const data = generateCtr(gen);
  if (!fs.existsSync(csv)) await writeCtr(data, dir, false);
  log(`data: ${options.rows.toLocaleString('en-US')} rows × 39 fields (13 numeric, 26 categorical, up to ${gen.maxLevels.toLocaleString('en-US')} levels), Bayes AUC ${data.bayesAuc.toFixed(4)}; k ${options.k}, batch ${options.batch}, ${options.epochs} epochs, Adam lr 0.01, last 20% held out`);

  const engine = await createInProcessEngine();
  const result: CtrBenchResult = {
    options: { rows: options.rows, k: options.k, batch: options.batch, epochs: options.epochs, runs: options.runs, threads: options.threads },
    bayesAuc: data.bayesAuc,
    assay: {},
    load: [],
    torch: null,
    torchSkipped: torchAvailable(),
    gbdt: null,
  };
  const kinds = options.kinds ?? ALL_KINDS;
  const load = (): string => os.loadavg()[0]?.toFixed(1) ?? '?';
  try {
    await engine.client.run('data.open', { source: { kind: 'path', path: csv } });
    await engine.client.run('sql.run', { sql: "CREATE OR REPLACE TABLE ctr_rows AS SELECT TIMESTAMP '2020-01-01' + to_seconds(CAST(row_number() OVER () AS BIGINT)) AS row_time, * FROM ctr" });
    const columns = (await engine.client.run('sql.run', { sql: 'SELECT * FROM ctr LIMIT 0' })).columns.map((c: { name: string }) => c.name);
    const features = columns.filter((c: string) => c !== 'label');
    // The 'time' split on the row's position: the last 20% of the file is held out, as in ctr_torch.py.
    const split = { kind: 'time' as const, timeColumn: 'row_time', validFraction: 0.2 };
    const train = (kind: CtrBenchKind | 'gbdt', params: Record<string, number | string>): Promise<TrainOutcome> =>
      engine.client.run('model.train', { source: { table: 'ctr_rows' }, target: 'label', kind, features, params, split });

    if (result.torchSkipped === null) result.torch = {};
    for (let run = 0; run < options.runs; run++) {
      for (const kind of kinds) {
        const loadBefore = load();
        const outcome = await train(kind, { ...(kind === 'lr' ? {} : { k: options.k }), batch_size: options.batch, epochs: options.epochs, optimizer: 'adam', learning_rate: 0.01, early_stopping_rounds: 0, seed: run });
        const seconds = (outcome.model.params.seconds_per_epoch as number[] | undefined) ?? [];
        const mine = (result.assay[kind] ??= { auc: [], secondsPerEpoch: [] });
        mine.auc.push(outcome.evaluation.valid?.binary?.auc ?? Number.NaN);
        mine.secondsPerEpoch.push(epochSeconds(seconds));
        result.load.push(`${kind} run ${run + 1} Assay: ${loadBefore} → ${load()}`);
        log(`  run ${run + 1} Assay ${kind}: AUC ${(outcome.evaluation.valid?.binary?.auc ?? Number.NaN).toFixed(4)}, s/epoch ${seconds.map((s) => s.toFixed(2)).join(' ')}; ${outcome.model.backend?.reason ?? ''} (load ${loadBefore} → ${load()})`);
        if (result.torch === null) continue;
        for (const threads of options.threads) {
          const args = [path.join(here, 'ctr_torch.py'), '--csv', csv, '--model', kind, '--k', String(options.k), '--epochs', String(options.epochs), '--batch', String(options.batch), '--threads', String(threads), '--seed', String(run)];
          const pyLoad = load();
          const py = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) }, maxBuffer: 16 << 20 });
          if (py.status !== 0) throw new Error(`ctr_torch.py failed: ${py.stderr.slice(-2000)}`);
          const figure = JSON.parse(py.stdout.trim().split('\n').pop() as string) as { auc: number; seconds_per_epoch: number[] };
          const key = `${kind}@${threads}`;
          result.torch[key] ??= { auc: [], secondsPerEpoch: [] };
          result.torch[key].auc.push(figure.auc);
          result.torch[key].secondsPerEpoch.push(epochSeconds(figure.seconds_per_epoch));
          result.load.push(`${kind} run ${run + 1} PyTorch ${threads} thread(s): ${pyLoad} → ${load()}`);
          log(`  run ${run + 1} PyTorch ${kind} ${threads} thread(s): AUC ${figure.auc.toFixed(4)}, s/epoch ${figure.seconds_per_epoch.map((s) => s.toFixed(2)).join(' ')} (load ${pyLoad} → ${load()})`);
        }
      }
    }
    const started = Date.now();
    const gbdt = options.skipGbdt ? null : await train('gbdt', { num_boost_round: 300, max_depth: 6, eta: 0.1 });
    if (gbdt) result.gbdt = { auc: gbdt.evaluation.valid?.binary?.auc ?? Number.NaN, seconds: (Date.now() - started) / 1000, trees: gbdt.model.trees };
  } finally {
    await engine.close();
  }

  log('');
  log('model    side                 AUC (median, range)        s/epoch (median, range)   Assay/PyTorch s/epoch (median, range)   ΔAUC Assay−PyTorch');
  for (const kind of kinds) {
    const a = result.assay[kind] as Figures;
    log(`${kind.padEnd(8)} Assay                ${median(a.auc).toFixed(4)} (${range(a.auc)})   ${median(a.secondsPerEpoch).toFixed(3)} (${range(a.secondsPerEpoch)})`);
    if (result.torch === null) continue;
    for (const threads of options.threads) {
      const t = result.torch[`${kind}@${threads}`] as Figures;
      const ratios = a.secondsPerEpoch.map((s, i) => s / (t.secondsPerEpoch[i] as number));
      const delta = a.auc.map((x, i) => x - (t.auc[i] as number));
      log(`${kind.padEnd(8)} PyTorch ${threads} thread(s)   ${median(t.auc).toFixed(4)} (${range(t.auc)})   ${median(t.secondsPerEpoch).toFixed(3)} (${range(t.secondsPerEpoch)})   ${median(ratios).toFixed(2)}× (${range(ratios)})                 ${median(delta) >= 0 ? '+' : ''}${median(delta).toFixed(4)}`);
    }
  }
  if (result.gbdt) log(`gbdt     Assay (300 rounds, depth 6, eta 0.1, early stopping)   AUC ${result.gbdt.auc.toFixed(4)}, ${result.gbdt.trees} trees, ${result.gbdt.seconds.toFixed(1)} s in all`);
  log(`Assay: one thread (${os.cpus().length} cores here); 1-minute load average per training: ${result.load.join('; ')}`);
  log(`Bayes AUC of the sample: ${result.bayesAuc.toFixed(4)}`);
  if (result.torchSkipped) log(result.torchSkipped);
  return result;
}
