/**
 * Labels benchmark: Assay's labeler (hashed word 1-2 + char 2-4 n-grams, softmax by full-batch
 * L-BFGS, C = 10) against scikit-learn (TF-IDF word 1-2 + char_wb 2-4, LogisticRegression lbfgs,
 * C = 10; test/bench/labels_sklearn.py) on the same split of the same rows: accuracy, macro-F1,
 * coverage at 90/95/99% precision, train time and labelling time. Then labelling 1M titles through
 * the engine's labels.apply job (DuckDB in, DuckDB out) against the 10 s target.
 *
 * Coverage at a precision is the same definition on both sides: the largest share of held-out rows
 * one confidence threshold over all rows keeps at that precision or better (ties kept together).
 * Assay's confidences are after temperature scaling (what its report and `labels apply` use);
 * scikit-learn's are its predict_proba.
 *
 * Both sides are deterministic, so quality figures are from one run. Assay is timed R times (median
 * and range); scikit-learn once per data set, in the same process run (it is the slow side: about
 * a minute on Instacart), so the ratio is against that single time.
 * Prints figures; asserts nothing.
 *
 *   node bin/run-ts.mjs test/bench/labels.ts [--runs R] [--rows N] [--label-rows N] [--parts instacart,synthetic,tfjs,apply]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogRows, writeCatalogCsv } from '../../scripts/gen-catalog';
import { RawRowsBuilder, fitVocabulary, slotLookup, weighRows } from '../../workers/labels/features';
import { logitsOf } from '../../workers/labels/softmax';
import { LabelScorer, stratifiedSplit, trainLabeler } from '../../workers/labels/labeler';
import { Featurizer } from '../../workers/labels/tokenize';
import { createInProcessEngine } from '../../workers/node/engine-node';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';

interface Dataset {
  name: string;
  texts: string[];
  labels: string[];
}

interface SideFigures {
  accuracy: number;
  macroF1: number;
  coverageAt: Record<string, number>;
  trainMs: number[];
  labelMs: number[];
}

export interface LabelsBenchResult {
  datasets: Array<{ name: string; rows: number; classes: number; assay: SideFigures; sklearn: SideFigures | null; note?: string }>;
  apply1M: { rows: number; wallMs: number[]; cpuMs: number[]; labelledPerSecond: number } | null;
  tfjsForward: { tfjsMs: number; ownMs: number } | null;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function spread(values: number[]): string {
  return `${(median(values) / 1000).toFixed(2)} s [${(Math.min(...values) / 1000).toFixed(2)}–${(Math.max(...values) / 1000).toFixed(2)}]`;
}

function ratio(a: number[], b: number[]): string {
  return `${(median(a) / median(b)).toFixed(2)}×`;
}

function instacart(): Dataset | null {
  const dir = path.resolve(here, '..', '..', '..', 'shared', 'datasets', 'instacart_sample');
  if (!fs.existsSync(path.join(dir, 'products.csv'))) return null;
  const out = execFileSync(
    PYTHON,
    ['-c', `import pandas as pd, json, sys\np=pd.read_csv(sys.argv[1]+'/products.csv').merge(pd.read_csv(sys.argv[1]+'/departments.csv'),on='department_id').sort_values('product_id')\nprint(json.dumps({'texts':p.product_name.tolist(),'labels':p.department.tolist()}))`, dir],
    { maxBuffer: 1 << 28 },
  ).toString();
  const parsed = JSON.parse(out) as { texts: string[]; labels: string[] };
  return { name: 'Instacart product_name -> department', ...parsed };
}

function catalog(rows: number): Dataset {
  const texts: string[] = [];
  const labels: string[] = [];
  for (const r of catalogRows(rows, 7)) {
    texts.push(r.title);
    labels.push(r.category);
  }
  return { name: `synthetic catalogue (${rows.toLocaleString('en')} titles)`, texts, labels };
}

async function benchDataset(data: Dataset, runs: number, labelTexts: string[], log: (line: string) => void): Promise<LabelsBenchResult['datasets'][number]> {
  const classes = [...new Set(data.labels)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const y = Int32Array.from(data.labels, (l) => classes.indexOf(l));
  let assay: SideFigures | null = null;
  let split: { train: Int32Array; holdout: Int32Array } | null = null;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const featurizer = new Featurizer();
    const raw = new RawRowsBuilder();
    for (const t of data.texts) raw.add(featurizer.ofString(t));
    const rows = raw.finish();
    const { labeler, report } = await trainLabeler({ raw: rows, y, classes }, {}, featurizer.bits);
    const trainMs = performance.now() - started;
    if (!split) {
      const usable = Uint8Array.from(rows.empty, (e) => (e ? 0 : 1));
      split = stratifiedSplit(y, usable, classes.length, 0.2, 0);
    }
    const labelStarted = performance.now();
    const scorer = new LabelScorer(labeler);
    let labelled = 0;
    for (const t of labelTexts) if (scorer.best(featurizer.ofString(t)) >= 0) labelled++;
    const labelMs = performance.now() - labelStarted;
    if (labelled === 0) throw new Error('nothing labelled');
    if (!assay) assay = { accuracy: report.accuracy, macroF1: report.macroF1, coverageAt: report.coverageAt, trainMs: [], labelMs: [] };
    assay.trainMs.push(trainMs);
    assay.labelMs.push(labelMs);
  }
  const a = assay as SideFigures;
  let sklearn: SideFigures | null = null;
  let note: string | undefined;
  const jobFile = path.join(os.tmpdir(), `assay-labels-bench-${process.pid}.json`);
  try {
    fs.writeFileSync(jobFile, JSON.stringify({ texts: data.texts, labels: data.labels, train: Array.from(split?.train ?? []), holdout: Array.from(split?.holdout ?? []), C: 10, label_texts: labelTexts }));
    // Once: deterministic, and the slow side (its single time is the reference of the ratios).
    const out = JSON.parse(execFileSync(PYTHON, [path.join(here, 'labels_sklearn.py'), jobFile], { maxBuffer: 1 << 24 }).toString()) as {
      accuracy: number;
      macroF1: number;
      coverageAt: Record<string, number>;
      trainSeconds: number;
      labelSeconds: number;
    };
    sklearn = { accuracy: out.accuracy, macroF1: out.macroF1, coverageAt: out.coverageAt, trainMs: [out.trainSeconds * 1000], labelMs: [out.labelSeconds * 1000] };
  } catch (err) {
    note = `scikit-learn reference not run: ${(err as Error).message.split('\n')[0]}`;
  } finally {
    fs.rmSync(jobFile, { force: true });
  }
  log(`  ${data.name}: ${data.texts.length.toLocaleString('en')} rows, ${classes.length} labels, same 80/20 stratified split`);
  log(`    accuracy      Assay ${a.accuracy.toFixed(4)}   sklearn ${sklearn ? sklearn.accuracy.toFixed(4) : 'n/a'}   (difference ${sklearn ? (a.accuracy - sklearn.accuracy).toFixed(4) : 'n/a'}; target ≥ -0.01)`);
  log(`    macro-F1      Assay ${a.macroF1.toFixed(4)}   sklearn ${sklearn ? sklearn.macroF1.toFixed(4) : 'n/a'}`);
  for (const p of ['0.9', '0.95', '0.99']) {
    const mine = a.coverageAt[p] ?? 0;
    const theirs = sklearn?.coverageAt[p];
    log(`    coverage@${String(Math.round(Number(p) * 100)).padEnd(3)}  Assay ${mine.toFixed(4)}   sklearn ${theirs !== undefined ? theirs.toFixed(4) : 'n/a'}${p === '0.95' ? '   (target: Assay ≥ sklearn)' : ''}`);
  }
  log(`    train         Assay ${spread(a.trainMs)} (${a.trainMs.length} runs)   sklearn ${sklearn ? spread(sklearn.trainMs) : 'n/a'} (1 run)   Assay/sklearn ${sklearn ? ratio(a.trainMs, sklearn.trainMs) : 'n/a'}`);
  log(`    label ${labelTexts.length.toLocaleString('en')} titles   Assay ${spread(a.labelMs)}   sklearn ${sklearn ? spread(sklearn.labelMs) : 'n/a'}   Assay/sklearn ${sklearn ? ratio(a.labelMs, sklearn.labelMs) : 'n/a'}`);
  if (note) log(`    ${note}`);
  return { name: data.name, rows: data.texts.length, classes: classes.length, assay: a, sklearn, ...(note ? { note } : {}) };
}

/**
 * One forward pass (logits of 200 rows) with tfjs-core's CPU backend (gather the rows'
 * weight rows, scale, segment-sum per row: tfjs has no sparse-dense product) against the labeler's
 * own typed-array loop on the same CSR rows and weights.
 */
async function benchTfjsForward(data: Dataset, log: (line: string) => void): Promise<{ tfjsMs: number; ownMs: number }> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const classes = [...new Set(data.labels)].sort();
  const featurizer = new Featurizer();
  const raw = new RawRowsBuilder();
  // 200 rows: tfjs's CPU gather + segment sum took minutes on 2,000 rows (the own loop: milliseconds).
  for (const t of data.texts.slice(0, 200)) raw.add(featurizer.ofString(t));
  const rows = raw.finish();
  const vocabulary = fitVocabulary(rows, Int32Array.from({ length: rows.n }, (_, i) => i));
  const x = weighRows(rows, slotLookup(vocabulary, featurizer.bits), vocabulary.idf);
  const k = classes.length;
  const weights = Float32Array.from({ length: vocabulary.slots.length * k }, (_, i) => Math.sin(i) * 0.01);
  const model = { features: vocabulary.slots.length, classes: k, weights, bias: new Float32Array(k) };
  const segment = new Int32Array(x.col.length);
  for (let r = 0; r < x.n; r++) for (let e = x.rowStart[r] as number; e < (x.rowStart[r + 1] as number); e++) segment[e] = r;
  const w = tf.tensor2d(weights, [vocabulary.slots.length, k]);
  const cols = tf.tensor1d(x.col, 'int32');
  const vals = tf.tensor2d(x.val, [x.val.length, 1]);
  const segs = tf.tensor1d(segment, 'int32');
  const timeTf = (): number => {
    const started = performance.now();
    const logits = tf.tidy(() => tf.unsortedSegmentSum(tf.mul(tf.gather(w, cols), vals), segs, x.n));
    logits.dataSync();
    logits.dispose();
    return performance.now() - started;
  };
  const out = new Float64Array(k);
  const timeOwn = (): number => {
    const started = performance.now();
    for (let r = 0; r < x.n; r++) logitsOf(model, x, r, out);
    return performance.now() - started;
  };
  timeOwn();
  const tfjsMs = median([timeTf(), timeTf()]);
  const ownMs = median([timeOwn(), timeOwn(), timeOwn()]);
  tf.dispose([w, cols, vals, segs]);
  log(`  forward pass over ${x.n.toLocaleString('en')} rows × ${k} labels: tfjs-core (cpu: gather + segment sum) ${tfjsMs.toFixed(0)} ms, own typed arrays ${ownMs.toFixed(0)} ms (tfjs/own ${(tfjsMs / ownMs).toFixed(1)}×)`);
  return { tfjsMs, ownMs };
}

/** Labels `rows` synthetic titles through the engine (labels.train on 20,000, then labels.apply on all). */
async function benchApply(rows: number, runs: number, log: (line: string) => void): Promise<LabelsBenchResult['apply1M']> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-labels-bench-'));
  const engine = await createInProcessEngine();
  try {
    const file = path.join(dir, 'catalog.csv');
    writeCatalogCsv(file, rows, 3);
    await engine.client.run('data.open', { source: { kind: 'path', path: file } });
    const trained = await engine.client.run('labels.train', { source: { sql: 'SELECT * FROM catalog LIMIT 20000' }, textColumn: 'title', labelColumn: 'category' });
    const wallMs: number[] = [];
    const cpuMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const result = await engine.client.run('labels.apply', { labelerId: trained.labelerId, source: { table: 'catalog' }, outputTable: 'catalog_labels' });
      wallMs.push(performance.now() - started);
      const used = process.cpuUsage(cpu);
      cpuMs.push((used.user + used.system) / 1000);
      if (result.rows !== rows) throw new Error(`labelled ${result.rows} rows, expected ${rows}`);
    }
    const m = median(wallMs);
    log(`  labels.apply on ${rows.toLocaleString('en')} titles (one thread, DuckDB read + label + write table): wall ${spread(wallMs)}, CPU ${spread(cpuMs)}  (target ≤ 10 s; ${Math.round(rows / (m / 1000)).toLocaleString('en')} titles/s; load average ${os.loadavg()[0]?.toFixed(1)})`);
    return { rows, wallMs, cpuMs, labelledPerSecond: rows / (m / 1000) };
  } finally {
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export type LabelsBenchPart = 'instacart' | 'synthetic' | 'tfjs' | 'apply';

export async function runLabelsBench(options: { runs?: number; rows?: number; labelRows?: number; parts?: LabelsBenchPart[]; log?: (line: string) => void } = {}): Promise<LabelsBenchResult> {
  const runs = options.runs ?? 3;
  const parts = new Set<LabelsBenchPart>(options.parts ?? ['instacart', 'synthetic', 'tfjs', 'apply']);
  const log = options.log ?? ((line: string) => console.log(line));
  const labelTexts = catalog(options.labelRows ?? 50_000).texts;
  const datasets: LabelsBenchResult['datasets'] = [];
  const ic = parts.has('instacart') ? instacart() : null;
  if (ic) datasets.push(await benchDataset(ic, runs, labelTexts, log));
  else if (parts.has('instacart')) log('  Instacart sample absent (../shared/datasets/instacart_sample): skipped');
  const synthetic = catalog(options.rows ?? 10_000);
  if (parts.has('synthetic')) datasets.push(await benchDataset(synthetic, runs, labelTexts, log));
  const tfjsForward = parts.has('tfjs') ? await benchTfjsForward(synthetic, log) : null;
  const apply1M = parts.has('apply') ? await benchApply(1_000_000, runs, log) : null;
  return { datasets, apply1M, tfjsForward };
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const value = (flag: string): number | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const only = args.indexOf('--parts');
  const parts = only >= 0 ? (String(args[only + 1]).split(',') as LabelsBenchPart[]) : undefined;
  await runLabelsBench({ runs: value('--runs'), rows: value('--rows'), labelRows: value('--label-rows'), ...(parts ? { parts } : {}) });
}
