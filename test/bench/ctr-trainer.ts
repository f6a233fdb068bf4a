/**
 * Trainer-only CTR benchmark: Assay's LR/FM/DeepFM trainer (workers/ctr/train.ts, in process, on
 * rows encoded here exactly as ctr_torch.py encodes them: log1p + standardised numerics with a
 * missing slot, a vocabulary of every level) against the PyTorch reference on the same generated
 * rows and split (last 20% held out). No DuckDB and no engine: it measures the trainers alone, so it
 * can run where only Node, tfjs's .wasm files and a Python with torch exist (test/bench/
 * ctr-trainer-bundle.mjs bundles it for a quiet machine). `npm run bench -- --only ctr` measures the
 * whole path through the engine.
 *
 *   node bin/run-ts.mjs test/bench/ctr-trainer.ts --rows 1000000 --threads 1,2 --epochs 3 [--kinds lr,fm,deepfm] [--dir .bench/ctr-trainer]
 *
 * Prints, per kind: Assay's AUC and s/epoch (median of the epochs), PyTorch's at each thread count,
 * and the ratio Assay / PyTorch; the 1-minute load average beside every training. Asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ctrCsvLines, generateCtr } from '../../scripts/gen-ctr';
import { resolveCtrParams } from '../../workers/ctr/params';
import { MemoryRowSource } from '../../workers/ctr/row-source';
import { trainCtr } from '../../workers/ctr/train';
import { auc as aucOf } from '../../workers/gbdt/metrics';
import { scoreRows } from '../../workers/ctr/score';
import type { CtrEncoding, CtrField } from '../../workers/ctr/weights';
import type { EncodedRows } from '../../workers/ctr/encode';

type Kind = 'lr' | 'fm' | 'deepfm';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? String(process.argv[i + 1]) : fallback;
}

const rows = Number(arg('rows', '200000'));
const epochs = Number(arg('epochs', '3'));
const threads = arg('threads', '1,2').split(',').map(Number);
const kinds = arg('kinds', 'lr,fm,deepfm').split(',') as Kind[];
const dir = arg('dir', path.join('.bench', `ctr-trainer-${rows}`));
const python = process.env.PYTHON ?? '/usr/bin/python3';
const torchScript = process.env.CTR_TORCH ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'ctr_torch.py');
const K = 16;
const BATCH = 4096;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const load = (): string => os.loadavg()[0]?.toFixed(1) ?? '?';
const log = (line: string): void => console.log(line);

const data = generateCtr({ rows, seed: 42, maxLevels: Math.min(100_000, Math.max(1000, Math.floor(rows / 10))) });
fs.mkdirSync(dir, { recursive: true });
const csv = path.join(dir, 'ctr.csv');
if (!fs.existsSync(csv)) {
  const fd = fs.openSync(csv, 'w');
  let buffer: string[] = [];
  ctrCsvLines(data, (line) => {
    buffer.push(line);
    if (buffer.length >= 10_000) {
      fs.writeSync(fd, buffer.join('\n') + '\n');
      buffer = [];
    }
  });
  if (buffer.length > 0) fs.writeSync(fd, buffer.join('\n') + '\n');
  fs.closeSync(fd);
}

// Encoding as ctr_torch.py's encode(): over every row, as the reference does.
const F = data.numeric.length + data.categorical.length;
const slots = new Int32Array(rows * F);
const values = new Float32Array(rows * F);
const fields: CtrField[] = [];
data.numeric.forEach((col, f) => {
  let sum = 0;
  let squares = 0;
  let n = 0;
  let missing = false;
  const t = (v: number): number => Math.sign(v) * Math.log1p(Math.abs(v));
  for (const v of col) {
    if (Number.isFinite(v)) {
      sum += t(v);
      squares += t(v) ** 2;
      n++;
    } else missing = true;
  }
  const mean = n > 0 ? sum / n : 0;
  const std = Math.sqrt(Math.max(0, squares / Math.max(1, n) - mean * mean)) || 1;
  for (let r = 0; r < rows; r++) {
    const v = col[r] as number;
    if (Number.isFinite(v)) values[r * F + f] = (t(v) - mean) / std;
    else {
      slots[r * F + f] = 1;
      values[r * F + f] = 1;
    }
  }
  fields.push({ kind: 'numeric', name: `I${f + 1}`, source: 'numeric', transform: 'log1p', mean, std, missingIndicator: missing });
});
data.categorical.forEach((c, j) => {
  const f = data.numeric.length + j;
  for (let r = 0; r < rows; r++) {
    slots[r * F + f] = (c.index[r] as number) + 1;
    values[r * F + f] = 1;
  }
  fields.push({ kind: 'categorical', name: `C${j + 1}`, encoding: 'vocabulary', levels: c.levels, hashBuckets: 0 });
});
const encoding: CtrEncoding = { version: 1, fields };
const labels = Float32Array.from(data.labels);
const nValid = Math.round(rows * 0.2);
const nTrain = rows - nValid;
const part = (from: number, to: number): { rows: EncodedRows; labels: Float32Array } => ({
  rows: { rows: to - from, fields: F, slots: slots.subarray(from * F, to * F), values: values.subarray(from * F, to * F) },
  labels: labels.subarray(from, to),
});

log(`data: ${rows.toLocaleString('en-US')} rows × ${F} fields, Bayes AUC ${data.bayesAuc.toFixed(4)}; k ${K}, batch ${BATCH}, ${epochs} epochs, Adam lr 0.01, last 20% held out; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${load()}`);
const table: string[] = [];
for (const kind of kinds) {
  const before = load();
  const params = resolveCtrParams(kind, { ...(kind === 'lr' ? {} : { k: K }), batch_size: BATCH, epochs, optimizer: 'adam', learning_rate: 0.01, early_stopping_rounds: 0, seed: 0 });
  const result = await trainCtr(new MemoryRowSource(part(0, nTrain), part(nTrain, rows)), { params, encoding, signal: new AbortController().signal });
  const valid = part(nTrain, rows);
  const margins = await scoreRows(result.weights, valid.rows);
  const auc = aucOf(margins, valid.labels);
  const assaySeconds = median(result.secondsPerEpoch);
  log(`  Assay ${kind}: AUC ${auc.toFixed(4)}, s/epoch ${result.secondsPerEpoch.map((s) => s.toFixed(2)).join(' ')} (load ${before} → ${load()}); ${result.backend.reason}`);
  table.push(`| ${kind} | Assay (1 thread) | ${auc.toFixed(4)} | ${assaySeconds.toFixed(2)} | | ${before} → ${load()} |`);
  for (const t of threads) {
    const pyBefore = load();
    const py = spawnSync(python, [torchScript, '--csv', csv, '--model', kind, '--k', String(K), '--epochs', String(epochs), '--batch', String(BATCH), '--threads', String(t), '--seed', '0'], {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: String(t), CUDA_VISIBLE_DEVICES: '' },
      maxBuffer: 16 << 20,
    });
    if (py.status !== 0) {
      log(`  PyTorch ${kind} ${t} thread(s) failed: ${py.stderr.slice(-1500)}`);
      continue;
    }
    const figure = JSON.parse(py.stdout.trim().split('\n').pop() as string) as { auc: number; seconds_per_epoch: number[]; torch: string };
    const torchSeconds = median(figure.seconds_per_epoch);
    log(`  PyTorch ${figure.torch} ${kind} ${t} thread(s): AUC ${figure.auc.toFixed(4)}, s/epoch ${figure.seconds_per_epoch.map((s) => s.toFixed(2)).join(' ')} (load ${pyBefore} → ${load()})`);
    table.push(`| ${kind} | PyTorch ${figure.torch}, ${t} thread(s) | ${figure.auc.toFixed(4)} | ${torchSeconds.toFixed(2)} | ${(assaySeconds / torchSeconds).toFixed(2)}× | ${pyBefore} → ${load()} |`);
  }
}
log('');
log(`| model | side | test AUC | s/epoch (median of ${epochs}) | Assay / PyTorch s/epoch | load (1 min) |`);
log('| --- | --- | --- | --- | --- | --- |');
for (const line of table) log(line);
process.exit(0);
