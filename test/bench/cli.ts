/**
 * `npm run bench -- --only cli`: the `assay` command line on native DuckDB (its default) against
 * duckdb-wasm (ASSAY_DUCKDB=wasm, the app's DuckDB in Node), side by side in the same run:
 * - start-up: time to the first line of output of `assay profile` on a small file, and to exit;
 * - features + tags over generated events (~10M rows by default: `--cli-users N` scales it).
 * Each figure is the median (and range) of several runs; the ratio is native ÷ wasm.
 * Reports numbers; asserts nothing.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '../../scripts/gen';
import { parseRule } from '../../workers/tags/parser';
import { repoRoot } from './app-server';

type Driver = 'native' | 'wasm';
const DRIVERS: Driver[] = ['wasm', 'native'];

interface Timing {
  firstOutputMs: number;
  exitMs: number;
}

interface Figure {
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface CliBenchResult {
  startup: Record<Driver, { firstOutput: Figure; exit: Figure }>;
  events: number;
  features: Record<Driver, Figure>;
  tags: Record<Driver, Figure>;
}

const figure = (values: number[]): Figure => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { medianMs, minMs: sorted[0] as number, maxMs: sorted[sorted.length - 1] as number };
};

const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const show = (f: Figure): string => `${fmt(f.medianMs)} (${fmt(f.minMs)}–${fmt(f.maxMs)})`;

/** Runs `assay ARGS` on a driver; resolves with the time to the first stdout byte and to exit. */
function timeAssay(driver: Driver, args: string[]): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstOutputMs = Number.NaN;
    let stderr = '';
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], {
      env: { ...process.env, ASSAY_DUCKDB: driver },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', () => {
      if (Number.isNaN(firstOutputMs)) firstOutputMs = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const exitMs = performance.now() - started;
      if (code !== 0) reject(new Error(`assay ${args.join(' ')} (${driver}) exited with ${code}: ${stderr.trim().split('\n')[0]}`));
      else resolve({ firstOutputMs: Number.isNaN(firstOutputMs) ? exitMs : firstOutputMs, exitMs });
    });
  });
}

/** The generated events of `users` users as Parquet (cached under .generated/). */
async function ensureEvents(users: number): Promise<{ file: string; rows: number }> {
  const dir = path.join(repoRoot, '.generated', `cli-events-${users}`);
  const file = path.join(dir, 'events.parquet');
  const info = path.join(dir, 'rows.json');
  if (!fs.existsSync(file) || !fs.existsSync(info)) {
    console.log(`Generating events for ${users.toLocaleString('en')} users (seed 42) into ${path.relative(repoRoot, dir)}/ ...`);
    const result = await generate({ users, seed: 42, outDir: dir, tables: ['events'], log: () => undefined });
    fs.writeFileSync(info, JSON.stringify({ events: result.rows.events }));
  }
  return { file, rows: (JSON.parse(fs.readFileSync(info, 'utf8')) as { events: number }).events };
}

/** A few rule tags over the RFM and funnel features. */
function writeTags(file: string): void {
  const rules: Array<[string, string]> = [
    ['loyal', 'frequency >= 3 AND recency <= 60'],
    ['big_spender', 'monetary >= 500'],
    ['browser', 'view_count >= 20 AND purchase_count = 0'],
    ['lapsed', 'recency > 120'],
  ];
  const tags = rules.map(([id, text]) => ({ id, name: id, group: 'behaviour', definition: { kind: 'rule', text, ast: parseRule(text) } }));
  fs.writeFileSync(file, JSON.stringify({ schema: 'assay.tagset/1', tags }, null, 2));
}

export async function runCliBench(options: { runs: number; users: number }): Promise<CliBenchResult> {
  const small = path.join(repoRoot, 'samples', 'online_shoppers_intention', 'online_shoppers_intention.csv');
  // One untimed run each: builds the CLI bundle and warms the file cache.
  for (const d of DRIVERS) await timeAssay(d, ['profile', small]);
  const startup = {} as CliBenchResult['startup'];
  const timings: Record<Driver, Timing[]> = { wasm: [], native: [] };
  // Alternate the drivers so that drift on a busy machine falls on both alike.
  for (let i = 0; i < Math.max(options.runs, 5); i++) for (const d of DRIVERS) timings[d].push(await timeAssay(d, ['profile', small]));
  for (const d of DRIVERS) startup[d] = { firstOutput: figure(timings[d].map((t) => t.firstOutputMs)), exit: figure(timings[d].map((t) => t.exitMs)) };
  console.log('  start-up, `assay profile` on a 12,330-row CSV (median (range)):');
  for (const d of DRIVERS) console.log(`    ${d.padEnd(6)} first output ${show(startup[d].firstOutput)}, exit ${show(startup[d].exit)}`);
  console.log(`    ratio native/wasm: first output ${(startup.native.firstOutput.medianMs / startup.wasm.firstOutput.medianMs).toFixed(2)}x (target: native first output <= 500 ms)`);

  const events = await ensureEvents(options.users);
  const work = fs.mkdtempSync(path.join(repoRoot, '.generated', 'cli-bench-'));
  const tagsFile = path.join(work, 'tags.json');
  writeTags(tagsFile);
  const featureArgs = (out: string): string[] => [
    'features', 'all', events.file, '--key', 'user_id', '--time', 'ts', '--as-of', '2025-07-01', '--value', 'price', '--event-type', 'event_type', '--view', 'view', '--purchase', 'purchase', '--out', out,
  ];
  const features = {} as CliBenchResult['features'];
  const tags = {} as CliBenchResult['tags'];
  const featureRuns: Record<Driver, number[]> = { wasm: [], native: [] };
  const tagRuns: Record<Driver, number[]> = { wasm: [], native: [] };
  try {
    for (let i = 0; i < options.runs; i++) {
      for (const d of DRIVERS) {
        const out = path.join(work, `features-${d}.parquet`);
        featureRuns[d].push((await timeAssay(d, featureArgs(out))).exitMs);
        tagRuns[d].push((await timeAssay(d, ['tags', 'eval', tagsFile, out])).exitMs);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`  features (all templates) + tags eval over ${events.rows.toLocaleString('en')} events (median (range) of ${options.runs}):`);
  for (const d of DRIVERS) {
    features[d] = figure(featureRuns[d]);
    tags[d] = figure(tagRuns[d]);
    console.log(`    ${d.padEnd(6)} features ${show(features[d])}, tags eval ${show(tags[d])}`);
  }
  console.log(`    ratio native/wasm: features ${(features.native.medianMs / features.wasm.medianMs).toFixed(2)}x, tags ${(tags.native.medianMs / tags.wasm.medianMs).toFixed(2)}x`);
  return { startup, events: events.rows, features, tags };
}
