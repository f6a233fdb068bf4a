/**
 * Benchmark: Assay's engine (duckdb-wasm in Node, behind the job protocol) against native DuckDB
 * (@duckdb/node-api) on the same machine in the same run, plus the app's cold start in Chromium.
 *
 *   npm run bench [-- --only data,gbdt,kmeans,rules,ui] [--users N] [--runs R] [--skip-app] [--skip-gbdt] [--rounds N] [--profile]
 *
 * Reports numbers; asserts nothing. Each figure is the median of R runs (default 3), with wall time
 * and process CPU time (all threads). Native DuckDB runs with 1 thread (duckdb-wasm has one) and
 * again with 2 threads. Results also go to .bench/results.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { formatBytes, generate } from '../../scripts/gen';
import { CHROMIUM_ARGS, chromiumPath, repoRoot, serveBuiltApp } from './app-server';

const SECTIONS = ['data', 'gbdt', 'gbdt-threads', 'kmeans', 'gpu', 'rules', 'keywords', 'ui', 'cli', 'ctr', 'labels'] as const;
type Section = (typeof SECTIONS)[number];

interface BenchOptions {
  /** Which parts to run (default all); the app cold start belongs to 'data'. */
  sections: Set<Section>;
  users: number;
  runs: number;
  skipApp: boolean;
  skipGbdt: boolean;
  rounds: number;
  /** --profile: CPU profiles of the UI flows (ui section). */
  profile: boolean;
  /** --cli-users: users whose generated events the cli section reads (~12.3 events each). */
  cliUsers: number;
  /** ctr section: --ctr-rows, --ctr-k, --ctr-batch, --ctr-epochs, --ctr-threads, --ctr-kinds (test/bench/ctr.ts). */
  ctr: { rows: number; k: number; batch: number; epochs: number; threads: number[]; kinds: Array<'lr' | 'fm' | 'deepfm'> };
}

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { sections: new Set(SECTIONS), users: 1_000_000, runs: 3, skipApp: false, skipGbdt: false, rounds: 200, profile: false, cliUsers: 813_000, ctr: { rows: 100_000, k: 16, batch: 1024, epochs: 3, threads: [1, 2], kinds: ['lr', 'fm', 'deepfm'] } };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--users') options.users = Number(argv[++i]);
    else if (flag === '--runs') options.runs = Number(argv[++i]);
    else if (flag === '--skip-app') options.skipApp = true;
    else if (flag === '--skip-gbdt') options.skipGbdt = true;
    else if (flag === '--rounds') options.rounds = Number(argv[++i]);
    else if (flag === '--profile') options.profile = true;
    else if (flag === '--cli-users') options.cliUsers = Number(argv[++i]);
    else if (flag === '--ctr-rows' || flag === '--ctr-k' || flag === '--ctr-batch' || flag === '--ctr-epochs') options.ctr[flag.slice(6) as 'rows' | 'k' | 'batch' | 'epochs'] = Number(argv[++i]);
    else if (flag === '--ctr-threads') options.ctr.threads = String(argv[++i]).split(',').map(Number);
    else if (flag === '--ctr-kinds') options.ctr.kinds = String(argv[++i]).split(',') as Array<'lr' | 'fm' | 'deepfm'>;
    else if (flag === '--only') {
      const wanted = String(argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = wanted.filter((w) => !(SECTIONS as readonly string[]).includes(w));
      if (wanted.length === 0 || unknown.length > 0) throw new Error(`--only takes a comma list of ${SECTIONS.join(', ')}`);
      options.sections = new Set(wanted as Section[]);
    } else throw new Error(`unknown argument ${flag}; usage: npm run bench [-- --only ${SECTIONS.join(',')}] [--users N] [--runs R] [--skip-app] [--skip-gbdt] [--rounds N] [--profile] [--cli-users N] [--ctr-rows N] [--ctr-k K] [--ctr-batch B] [--ctr-epochs E] [--ctr-threads 1,2] [--ctr-kinds lr,fm,deepfm]`);
  }
  if (!Number.isInteger(options.users) || options.users < 1) throw new Error('--users must be a positive integer');
  if (!Number.isInteger(options.runs) || options.runs < 1) throw new Error('--runs must be a positive integer');
  if (options.skipGbdt) options.sections.delete('gbdt');
  return options;
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Sample {
  wallMs: number;
  cpuMs: number;
}

interface Measurement {
  /** Median wall and CPU time of the runs. */
  wallMs: number;
  cpuMs: number;
  runs: Sample[];
  /** Something the runs returned that shows they did the work (row counts). */
  check?: string;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Runs `body` `runs` times (after `before`, which is not timed) and keeps the medians. */
async function measure(
  runs: number,
  body: () => Promise<string | void>,
  before?: () => Promise<void>,
): Promise<Measurement> {
  const samples: Sample[] = [];
  let check: string | undefined;
  for (let i = 0; i < runs; i++) {
    await before?.();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await body();
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    samples.push({ wallMs, cpuMs: (used.user + used.system) / 1000 });
    if (typeof result === 'string') check = result;
  }
  return { wallMs: median(samples.map((s) => s.wallMs)), cpuMs: median(samples.map((s) => s.cpuMs)), runs: samples, check };
}

const formatMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
const describe = (m: Measurement): string =>
  Number.isFinite(m.cpuMs) ? `${formatMs(m.wallMs)} (cpu ${formatMs(m.cpuMs)})` : formatMs(m.wallMs);

// ---------------------------------------------------------------------------------------------
// Results table

interface Row {
  task: string;
  assay: Measurement | null;
  reference: Measurement | null;
  referenceLabel: string;
  target: string;
  note?: string;
}

const rows: Row[] = [];

function record(row: Row): void {
  rows.push(row);
  const ratio = row.assay && row.reference ? ratioText(row.assay, row.reference) : '';
  const parts = [
    `  ${row.task}:`,
    row.assay ? `assay ${describe(row.assay)}` : 'assay n/a',
    row.reference ? `${row.referenceLabel} ${describe(row.reference)}` : '',
    ratio ? `ratio ${ratio}` : '',
    row.assay?.check ? `[${row.assay.check}]` : '',
    row.note ? `(${row.note})` : '',
  ];
  console.log(parts.filter(Boolean).join('  '));
}

/** Wall-time ratio, and the CPU-time ratio beside it: on a busy shared machine the CPU ratio is the steadier one. */
const ratioText = (assay: Measurement, reference: Measurement): string =>
  `${(assay.wallMs / reference.wallMs).toFixed(2)}x (cpu ${(assay.cpuMs / reference.cpuMs).toFixed(2)}x)`;

const shorten = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

function printTable(): void {
  const header = ['task', 'assay', 'reference', 'ratio', 'target'];
  const body = rows.map((row) => [
    row.task,
    row.assay ? describe(row.assay) : shorten(row.note ?? 'n/a', 48),
    row.reference ? `${describe(row.reference)} ${row.referenceLabel}` : '-',
    row.assay && row.reference ? ratioText(row.assay, row.reference) : '-',
    row.target,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log('');
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of body) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------
// Data

async function ensureData(users: number): Promise<{ parquet: string; csv: string; dir: string }> {
  const dir = path.join(repoRoot, '.generated', users === 1_000_000 ? 'bench-1m' : `bench-${users}`);
  const parquet = path.join(dir, 'features.parquet');
  const csv = path.join(dir, 'features.csv');
  const infoPath = path.join(dir, 'gen-info.json');
  const info = fs.existsSync(infoPath) ? (JSON.parse(fs.readFileSync(infoPath, 'utf8')) as { rows?: { features?: number } }) : null;
  if (!fs.existsSync(parquet) || !fs.existsSync(csv) || info?.rows?.features !== users) {
    console.log(`Generating the ${users.toLocaleString('en')}-row features table (seed 42) into ${path.relative(repoRoot, dir)}/ ...`);
    const result = await generate({ users, seed: 42, outDir: dir, tables: ['features'], log: (l) => console.log(l) });
    console.log(`  generated in ${formatMs(result.elapsedMs)}`);
  }
  console.log(`Data: ${path.relative(repoRoot, parquet)} (${formatBytes(fs.statSync(parquet).size)}), ${path.relative(repoRoot, csv)} (${formatBytes(fs.statSync(csv).size)}), ${users.toLocaleString('en')} rows x 34 columns`);
  return { parquet, csv, dir };
}

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** Two keys, five aggregates: the same statement for both engines. */
const GROUP_BY_SQL = `SELECT country, device, count(*) AS users, avg(spend_180d) AS avg_spend, sum(orders_180d) AS orders,
  max(sessions_90d) AS max_sessions, avg(converted) AS conversion
FROM features GROUP BY country, device ORDER BY country, device`;

// ---------------------------------------------------------------------------------------------
// Native DuckDB

interface NativeFigures {
  start: Measurement;
  parquet: Measurement;
  csv: Measurement;
  summarize: Measurement;
  groupBy: Measurement;
}

async function countRows(connection: DuckDBConnection, table: string): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${table}`);
  return Number(reader.getRowsJS()[0]![0]);
}

async function benchNative(threads: number, files: { parquet: string; csv: string }, runs: number): Promise<NativeFigures> {
  let instance: DuckDBInstance | null = null;
  const start = await measure(runs, async () => {
    instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  }, async () => {
    instance?.closeSync();
  });
  const connection = await instance!.connect();
  await connection.run(`SET threads = ${threads}`);
  await connection.run('SET preserve_insertion_order = true');
  const drop = (table: string) => async (): Promise<void> => void (await connection.run(`DROP TABLE IF EXISTS ${table}`));

  const csv = await measure(runs, async () => {
    await connection.run(`CREATE TABLE features_csv AS SELECT * FROM read_csv(${sqlString(files.csv)})`);
    return `${(await countRows(connection, 'features_csv')).toLocaleString('en')} rows`;
  }, drop('features_csv'));
  await drop('features_csv')();
  const parquet = await measure(runs, async () => {
    await connection.run(`CREATE TABLE features AS SELECT * FROM read_parquet(${sqlString(files.parquet)})`);
    return `${(await countRows(connection, 'features')).toLocaleString('en')} rows`;
  }, drop('features'));
  const summarize = await measure(runs, async () => {
    const reader = await connection.runAndReadAll('SUMMARIZE features');
    return `${reader.currentRowCount} columns summarised`;
  });
  const groupBy = await measure(runs, async () => {
    const reader = await connection.runAndReadAll(GROUP_BY_SQL);
    return `${reader.currentRowCount} groups`;
  });
  connection.closeSync();
  (instance as DuckDBInstance | null)?.closeSync();
  return { start, parquet, csv, summarize, groupBy };
}

// ---------------------------------------------------------------------------------------------
// Assay's engine

interface AssayFigures {
  start: Measurement;
  parquet: Measurement;
  csv: Measurement;
  profile: Measurement;
  groupBy: Measurement;
  bundle: string;
}

async function benchAssay(files: { parquet: string; csv: string }, runs: number): Promise<AssayFigures> {
  let engine: NodeEngine | null = null;
  // Closing the previous engine is not part of a start.
  const start = await measure(runs, async () => {
    engine = await createInProcessEngine();
    return `${engine.info.bundle}, duckdb ${engine.info.duckdbVersion}`;
  }, async () => {
    await engine?.close();
  });
  const { client, info } = engine! as NodeEngine;
  const dropTable = (table: string) => async (): Promise<void> => {
    const catalog = await client.run('data.catalog', {});
    if (catalog.some((t) => t.name === table)) await client.run('data.drop', { table });
  };
  try {
    const csv = await measure(runs, async () => {
      const table = await client.run('data.open', { source: { kind: 'path', path: files.csv }, tableName: 'features_csv', replace: true });
      return `${table.rowCount.toLocaleString('en')} rows, ${table.columns.length} columns`;
    }, dropTable('features_csv'));
    await dropTable('features_csv')();
    const parquet = await measure(runs, async () => {
      const table = await client.run('data.open', { source: { kind: 'path', path: files.parquet }, tableName: 'features', replace: true });
      return `${table.rowCount.toLocaleString('en')} rows, ${table.columns.length} columns`;
    }, dropTable('features'));
    const profile = await measure(runs, async () => {
      const result = await client.run('data.profile', { table: 'features' });
      return `${result.columns.length} columns profiled`;
    });
    const groupBy = await measure(runs, async () => {
      const result = await client.run('sql.run', { sql: GROUP_BY_SQL });
      if (result.resultId) await client.run('sql.release', { resultId: result.resultId });
      return `${result.rowCount} groups`;
    });
    return { start, parquet, csv, profile, groupBy, bundle: info.bundle };
  } finally {
    await (engine as NodeEngine | null)?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// App cold start in Chromium

interface ColdStart {
  ready: Measurement;
  button: Measurement;
}

/** Installed before any page script: notes when the app is ready and when a button is usable. */
const MARKS_SCRIPT = `(() => {
  const marks = { ready: null, button: null };
  window.__assayBenchMarks = marks;
  const usable = (b) => !b.disabled && (typeof b.checkVisibility === 'function' ? b.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) : b.offsetParent !== null);
  const check = () => {
    if (marks.button === null) {
      for (const b of document.querySelectorAll('button')) if (usable(b)) { marks.button = performance.now(); break; }
    }
    if (marks.ready === null && document.querySelector('[data-ready="true"]')) marks.ready = performance.now();
    if (marks.ready !== null && marks.button !== null) { observer.disconnect(); clearInterval(timer); }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, attributes: true });
  const timer = setInterval(check, 10);
})();`;

async function benchColdStart(runs: number): Promise<ColdStart> {
  const { chromium } = await import('playwright-core');
  const executablePath = chromiumPath();
  const app = await serveBuiltApp();
  const url = app.url;
  try {
    const samples: Array<{ ready: number; button: number }> = [];
    for (let i = 0; i < runs; i++) {
      // A fresh browser (fresh profile, empty cache) per run: a cold start.
      const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (err) => errors.push(err.message));
        await page.addInitScript({ content: MARKS_SCRIPT });
        await page.goto(url, { waitUntil: 'commit' });
        // Poll from here: the app's CSP forbids the string evaluation page.waitForFunction does in
        // the page. The marks themselves are taken in the page, so polling does not blur them.
        const deadline = Date.now() + 60_000;
        for (;;) {
          const marks = (await page.evaluate('window.__assayBenchMarks')) as { ready: number | null; button: number | null } | undefined;
          if (marks && marks.ready !== null && marks.button !== null) break;
          if (Date.now() > deadline) {
            throw new Error(`the app did not become ready in 60 s (marks ${JSON.stringify(marks)})${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        const marks = (await page.evaluate('window.__assayBenchMarks')) as { ready: number; button: number };
        samples.push(marks);
      } finally {
        await browser.close();
      }
    }
    // Wall time inside the page from navigation start; the browser's CPU is not this process's.
    const asMeasurement = (key: 'ready' | 'button'): Measurement => ({
      wallMs: median(samples.map((s) => s[key])),
      cpuMs: Number.NaN,
      runs: samples.map((s) => ({ wallMs: s[key], cpuMs: Number.NaN })),
    });
    return { ready: asMeasurement('ready'), button: asMeasurement('button') };
  } finally {
    app.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  console.log(`Assay benchmark, ${startedAt.toISOString()}  (${os.cpus().length} cores, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, node ${process.version}, median of ${options.runs} runs)`);
  const outDir = path.join(repoRoot, '.bench');
  fs.mkdirSync(outDir, { recursive: true });
  if (options.sections.has('data')) await runDataBench(options, startedAt, loadBefore, outDir);

  if (options.sections.has('gbdt')) {
    console.log('\n--- GBDT: Assay vs XGBoost hist ---');
    const { runGbdtBench } = await import('./gbdt');
    const gbdt = await runGbdtBench({ users: options.users, rounds: options.rounds, threads: [1, 2] });
    fs.writeFileSync(path.join(outDir, 'gbdt.json'), JSON.stringify(gbdt, null, 2) + '\n');
  }
  if (options.sections.has('gbdt-threads')) {
    // Thread scaling against XGBoost hist (test/bench/gbdt-threads.ts): 1, 2, 4, ... up to the cores.
    const { runThreadsBench, findXgbScript } = await import('./gbdt-threads');
    const cores = os.availableParallelism();
    const threads = [1, 2, 4, 8, 16, 32, 64].filter((t) => t < cores).concat(cores);
    const rows = await runThreadsBench({ rows: options.users, features: 32, rounds: 100, depth: 6, threads, runs: [options.runs], deadlineS: 0, python: '/usr/bin/python3', xgbScript: findXgbScript(), compareSpinMs: null });
    fs.writeFileSync(path.join(outDir, 'gbdt-threads.json'), JSON.stringify(rows, null, 2) + '\n');
  }
  if (options.sections.has('kmeans')) {
    console.log('\n--- k-means: Assay vs scikit-learn KMeans (lloyd) ---');
    const { runKmeansBench } = await import('./kmeans');
    const kmeans = await runKmeansBench();
    fs.writeFileSync(path.join(outDir, 'kmeans.json'), JSON.stringify(kmeans, null, 2) + '\n');
  }
  if (options.sections.has('gpu')) {
    // WebGPU vs WASM (test/bench/gpu.ts); one line and nothing else without a hardware adapter.
    const { runGpuBench } = await import('./gpu');
    const gpu = await runGpuBench({ runs: options.runs });
    if (gpu) fs.writeFileSync(path.join(outDir, 'gpu.json'), JSON.stringify(gpu, null, 2) + '\n');
  }
  if (options.sections.has('keywords')) {
    console.log('\n--- Keyword rules: mining every class at once, and applying rules in JS vs the pack SQL in native DuckDB ---');
    const { runKeywordsBench } = await import('./keywords');
    const keywords = await runKeywordsBench({ runs: options.runs });
    fs.writeFileSync(path.join(outDir, 'keywords.json'), JSON.stringify(keywords, null, 2) + '\n');
  }
  if (options.sections.has('cli')) {
    console.log('\n--- CLI: native DuckDB (default) vs duckdb-wasm (ASSAY_DUCKDB=wasm) ---');
    const { runCliBench } = await import('./cli');
    const cli = await runCliBench({ runs: options.runs, users: options.cliUsers });
    fs.writeFileSync(path.join(outDir, 'cli.json'), JSON.stringify(cli, null, 2) + '\n');
  }
  if (options.sections.has('ctr')) {
    console.log('\n--- CTR: Assay LR/FM/DeepFM vs PyTorch (same data, fields, k, Adam, batch, epochs, split), plus GBDT ---');
    const { runCtrBench } = await import('./ctr');
    const ctr = await runCtrBench({ ...options.ctr, runs: options.runs, skipGbdt: options.skipGbdt });
    fs.writeFileSync(path.join(outDir, 'ctr.json'), JSON.stringify(ctr, null, 2) + '\n');
  }
  if (options.sections.has('labels')) {
    console.log('\n--- Labels: Assay labeler vs scikit-learn TF-IDF + LogisticRegression (same split), and 1M titles labelled ---');
    const { runLabelsBench } = await import('./labels');
    const labels = await runLabelsBench({ runs: options.runs });
    fs.writeFileSync(path.join(outDir, 'labels.json'), JSON.stringify(labels, null, 2) + '\n');
  }
  if (options.sections.has('rules')) {
    console.log('\n--- Rules: evaluation (JS vectorised vs DuckDB SQL) and mining ---');
    const { runRulesBench } = await import('./rules');
    const rules = await runRulesBench({ rows: 1_000_000, rules: 1000 });
    fs.writeFileSync(path.join(outDir, 'rules.json'), JSON.stringify(rules, null, 2) + '\n');
  }
  if (options.sections.has('ui')) {
    console.log('\n--- UI: long tasks in Chromium (PerformanceObserver longtask) per flow ---');
    const { runUiBench } = await import('./ui');
    try {
      const ui = await runUiBench({ runs: options.runs, profile: options.profile });
      fs.writeFileSync(path.join(outDir, 'ui.json'), JSON.stringify(ui, null, 2) + '\n');
    } catch (err) {
      console.log(`  UI benchmark not run: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  }
}

/** Loading, profiling and querying against native DuckDB, and the app's cold start. */
async function runDataBench(options: BenchOptions, startedAt: Date, loadBefore: number[], outDir: string): Promise<void> {
  const files = await ensureData(options.users);

  console.log('Native DuckDB, 1 thread ...');
  const native1 = await benchNative(1, files, options.runs);
  console.log('Native DuckDB, 2 threads ...');
  const native2 = await benchNative(2, files, options.runs);
  console.log("Assay's engine (duckdb-wasm in Node, in process, job protocol) ...");
  let assay: AssayFigures | null = null;
  let assayError: string | null = null;
  try {
    assay = await benchAssay(files, options.runs);
  } catch (err) {
    assayError = (err as Error).message;
    console.log(`  Assay's engine failed: ${assayError}`);
  }

  const count = options.users % 1_000_000 === 0 ? `${options.users / 1_000_000}M` : options.users.toLocaleString('en');
  const pairs: Array<{ task: string; pick: 'start' | 'parquet' | 'csv' | 'groupBy'; target: string }> = [
    { task: 'engine start (wasm compile / instance)', pick: 'start', target: '-' },
    { task: `load ${count} rows from Parquet`, pick: 'parquet', target: '<= 2x native 1T' },
    { task: `load ${count} rows from CSV`, pick: 'csv', target: '<= 2x native 1T' },
  ];
  for (const { task, pick, target } of pairs) {
    const mine = assay ? assay[pick] : null;
    record({ task, assay: mine, reference: native1[pick], referenceLabel: 'native 1T', target, note: assayError ?? undefined });
    record({ task, assay: mine, reference: native2[pick], referenceLabel: 'native 2T', target: '-', note: assayError ?? undefined });
  }
  record({ task: 'profile 34 columns (native: SUMMARIZE, no histograms/top-k)', assay: assay?.profile ?? null, reference: native1.summarize, referenceLabel: 'native 1T', target: '<= 1 s (issue); <= 2x native 1T', note: assayError ?? undefined });
  record({ task: 'profile 34 columns (native: SUMMARIZE, no histograms/top-k)', assay: assay?.profile ?? null, reference: native2.summarize, referenceLabel: 'native 2T', target: '-', note: assayError ?? undefined });
  record({ task: 'GROUP BY 2 keys, 5 aggregates', assay: assay?.groupBy ?? null, reference: native1.groupBy, referenceLabel: 'native 1T', target: '<= 2x native 1T', note: assayError ?? undefined });
  record({ task: 'GROUP BY 2 keys, 5 aggregates', assay: assay?.groupBy ?? null, reference: native2.groupBy, referenceLabel: 'native 2T', target: '-', note: assayError ?? undefined });

  let coldStart: ColdStart | null = null;
  let coldStartError: string | null = options.skipApp ? 'skipped (--skip-app)' : null;
  if (!options.skipApp) {
    console.log('App cold start (vite preview + Chromium, fresh browser per run) ...');
    try {
      coldStart = await benchColdStart(options.runs);
    } catch (err) {
      coldStartError = (err as Error).message;
    }
  }
  const coldNote = coldStartError ?? undefined;
  record({ task: 'app cold start -> data-ready="true"', assay: coldStart?.ready ?? null, reference: null, referenceLabel: '', target: '- (all 6 samples loaded)', note: coldNote });
  record({ task: 'app cold start -> first usable button', assay: coldStart?.button ?? null, reference: null, referenceLabel: '', target: '<= 1.5 s (interactive)', note: coldNote });

  printTable();
  const loadAfter = os.loadavg();
  console.log(`\nLoad average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}. Ratio = assay / reference (wall; cpu in brackets). Cold-start cpu is n/a (the browser is another process); "1T"/"2T" = native DuckDB threads; targets are the issue's (<= 2x native DuckDB, profile of 1M rows <= 1 s, cold start to interactive <= 1.5 s).`);

  const results = {
    startedAt: startedAt.toISOString(),
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadBefore, loadAfter },
    data: { users: options.users, parquet: path.relative(repoRoot, files.parquet), csv: path.relative(repoRoot, files.csv) },
    runs: options.runs,
    assayBundle: assay?.bundle ?? null,
    assayError,
    coldStartError,
    rows: rows.map((row) => ({
      task: row.task,
      assay: row.assay,
      reference: row.reference ? { label: row.referenceLabel, ...row.reference } : null,
      ratio: row.assay && row.reference ? row.assay.wallMs / row.reference.wallMs : null,
      cpuRatio: row.assay && row.reference ? row.assay.cpuMs / row.reference.cpuMs : null,
      target: row.target,
    })),
  };
  // NaN (cold-start cpu) is written as null.
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, (_k, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2) + '\n');
  console.log(`Results written to ${path.relative(process.cwd(), path.join(outDir, 'results.json'))}`);
}

await main();
