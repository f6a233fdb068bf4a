/**
 * UI responsiveness: long tasks (main-thread tasks over 50 ms) seen by a PerformanceObserver in
 * Chromium while the built app runs the flows a new user runs: first start with the samples, the
 * idle preload of Plotly's script that follows it (none in builds before it), open
 * a 541,909-row file, train a model (training updates, then the results render), run k-means and
 * show its results. Per flow: the count of long tasks, the longest, and the total blocking time
 * (the sum of each task's time over 50 ms). The target is no long task over 200 ms.
 *
 *   npm run bench -- --only ui [--runs R] [--profile]
 *
 * --profile also records a CPU profile of each flow (CDP Profiler) and prints the functions with
 * the most self time, to see what runs in the long tasks; the profiles go to .bench/ui-*.cpuprofile.
 * Each chart draw is a User Timing measure (`plot <testid>`); the slowest are printed per run, and
 * every one in order with ASSAY_BENCH_DRAWS=1. ASSAY_BENCH_DIST=<folder> measures another build
 * (e.g. an older commit's) in place of dist/. Results also go to .bench/ui.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath, repoRoot, serveBuiltApp } from './app-server';

/** Long tasks over this are what the issue asks to remove. */
export const LONG_TASK_TARGET_MS = 200;
/** A task's time beyond this counts as blocking (the long-task threshold). */
const BLOCKING_THRESHOLD_MS = 50;
/** After a flow's last visible change, long tasks still landing (chart layout, effects) belong to it. */
const SETTLE_MS = 1_500;
/** The app preloads Plotly when idle a few seconds after start (renderer/components/plotly.ts). */
const PRELOAD_WAIT_MS = 12_000;

/** The mark renderer/components/plotly.ts sets when its idle preload starts (PLOTLY_PRELOAD_MARK). */
const PRELOAD_MARK = 'assay: plotly preload';

const FLOWS = ['first start (samples)', 'idle Plotly preload', 'open a file (541,909 rows)', 'training updates', 'model results render', 'k-means results'] as const;
export type Flow = (typeof FLOWS)[number];

interface LongTask {
  start: number;
  duration: number;
}

/** One flow in one run. */
export interface FlowRun {
  longTasks: number;
  longestMs: number;
  blockingMs: number;
  /** Every long task's duration, longest first. */
  durationsMs: number[];
}

export interface UiBenchResult {
  runs: number;
  machine: { cores: number; loadBefore: number[]; loadAfter: number[] };
  flows: Record<Flow, { runs: FlowRun[]; medianLongestMs: number; medianBlockingMs: number; medianCount: number }>;
}

/** Installed before any page script: keeps every long task and the time some elements first appear. */
const OBSERVER_SCRIPT = `(() => {
  const tasks = [];
  const marks = {};
  window.__assayLongTasks = tasks;
  window.__assayMarks = marks;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) tasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
  const watched = { metrics: '[data-testid="model-metrics"]', portraits: '[data-testid="portrait-card"]' };
  const check = () => {
    for (const [name, selector] of Object.entries(watched)) if (marks[name] === undefined && document.querySelector(selector)) marks[name] = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true });
})();`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function summarise(tasks: LongTask[]): FlowRun {
  const durations = tasks.map((t) => t.duration).sort((a, b) => b - a);
  return {
    longTasks: tasks.length,
    longestMs: durations[0] ?? 0,
    blockingMs: durations.reduce((sum, d) => sum + Math.max(0, d - BLOCKING_THRESHOLD_MS), 0),
    durationsMs: durations.map((d) => Math.round(d)),
  };
}

const now = (page: Page): Promise<number> => page.evaluate('performance.now()') as Promise<number>;
const longTasks = (page: Page): Promise<LongTask[]> => page.evaluate('window.__assayLongTasks') as Promise<LongTask[]>;
const marks = (page: Page): Promise<Record<string, number>> => page.evaluate('window.__assayMarks') as Promise<Record<string, number>>;
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS));

/** Self time per function over a CPU profile, largest first (idle left out). */
function topSelfTime(profile: { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>; samples?: number[]; timeDeltas?: number[] }, count: number): string[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byNode.get(samples[i]!);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0) / 1000);
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, ms]) => `${ms.toFixed(0).padStart(6)} ms  ${key}`);
}

/** Runs the flows once in a fresh browser; returns the long tasks of each flow. */
async function runOnce(url: string, bigFile: string, profileTo: string | null, runIndex: number): Promise<Record<Flow, FlowRun>> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const windows: Array<{ flow: Flow; from: number; to: number }> = [];
  let cdp: CDPSession | null = null;
  const profiled = async (flow: Flow, body: () => Promise<void>): Promise<void> => {
    if (cdp) await cdp.send('Profiler.start');
    await body();
    if (cdp && profileTo) {
      const { profile } = await cdp.send('Profiler.stop');
      const file = path.join(profileTo, `ui-${flow.replace(/[^a-z0-9]+/gi, '-')}-${runIndex}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      console.log(`    ${flow}: top self time (${path.relative(repoRoot, file)})`);
      for (const line of topSelfTime(profile as Parameters<typeof topSelfTime>[0], 12)) console.log(`      ${line}`);
    }
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.addInitScript({ content: OBSERVER_SCRIPT });
    if (profileTo) {
      cdp = await page.context().newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    }

    // First start: from navigation to the sample workspace loaded and its first profile drawn, and
    // on to the end of the idle preload of Plotly's script, so its long task is counted here.
    await profiled('first start (samples)', async () => {
      await page.goto(url, { waitUntil: 'commit' });
      await page.locator('[data-testid="app"][data-ready="true"]').waitFor({ timeout: 120_000 });
      await page.locator('[data-testid="profile-card"]').first().waitFor({ timeout: 60_000 });
      // Builds from before the preload never load Plotly here: give up waiting after PRELOAD_WAIT_MS.
      // A function, not a string: the app's CSP forbids evaluating strings in the page.
      const preloaded = await page
        .waitForFunction(() => 'Plotly' in globalThis, undefined, { timeout: PRELOAD_WAIT_MS })
        .then(() => true)
        .catch((error: unknown) => {
          if (error instanceof Error && error.name === 'TimeoutError') return false;
          throw error;
        });
      if (!preloaded) console.log(`    (Plotly was not preloaded within ${PRELOAD_WAIT_MS / 1000} s of the first profile)`);
      await settle();
      // Tasks from the preload's start on are its own flow (still on the user's first minute).
      const preloadStart = (await page.evaluate((mark) => performance.getEntriesByName(mark, 'mark')[0]?.startTime ?? null, PRELOAD_MARK)) as number | null;
      const end = await now(page);
      windows.push({ flow: 'first start (samples)', from: 0, to: preloadStart ?? end });
      if (preloadStart !== null) windows.push({ flow: 'idle Plotly preload', from: preloadStart, to: end });
    });

    // Open a file: the full online_retail (gzipped CSV) through the file input, until its profile shows.
    await profiled('open a file (541,909 rows)', async () => {
      const from = await now(page);
      await page.getByTestId('file-input').setInputFiles(bigFile);
      const table = path.basename(bigFile).replace(/\..*$/, '');
      await page.locator(`[data-testid="catalog-table"][data-table="${table}"]`).waitFor({ timeout: 120_000 });
      await page.locator('[data-testid="job-row"]').first().waitFor({ state: 'detached', timeout: 120_000 });
      await page.locator('[data-testid="profile-card"]').first().waitFor({ timeout: 60_000 });
      await settle();
      windows.push({ flow: 'open a file (541,909 rows)', from, to: await now(page) });
    });

    // Train 150 rounds on the shoppers sample; the results are every chart of the evaluation and SHAP.
    await profiled('training updates', async () => {
      await page.getByTestId('tab-models').click();
      await page.getByTestId('model-source-table').selectOption('online_shoppers_intention');
      await page.getByTestId('model-target').selectOption('Revenue');
      await page.getByTestId('model-param-num_boost_round').fill('150');
      const from = await now(page);
      await page.getByTestId('model-train').click();
      await page.getByTestId('model-metrics').waitFor({ timeout: 180_000 });
      for (const chart of ['model-roc', 'model-learning-curve', 'model-beeswarm', 'model-dependence', 'model-waterfall']) {
        await page.locator(`[data-testid="${chart}"][data-rendered="true"]`).waitFor({ timeout: 120_000 });
      }
      await settle();
      const resultsShown = (await marks(page)).metrics ?? from;
      windows.push({ flow: 'training updates', from, to: resultsShown });
      windows.push({ flow: 'model results render', from: resultsShown, to: await now(page) });
    });

    // k-means with k = 4 on every numeric column of the shoppers sample (12,330 rows).
    await profiled('k-means results', async () => {
      await page.getByTestId('tab-segments').click();
      await page.getByTestId('cluster-table').selectOption('online_shoppers_intention');
      await page.getByTestId('cluster-all-numeric').click();
      await page.getByTestId('cluster-k').fill('4');
      const from = await now(page);
      await page.getByTestId('cluster-run').click();
      await page.getByTestId('portrait-card').nth(3).waitFor({ timeout: 180_000 });
      for (const chart of ['segments-projection', 'segments-sizes', 'segments-profile']) {
        await page.locator(`[data-testid="${chart}"][data-rendered="true"]`).waitFor({ timeout: 120_000 });
      }
      await settle();
      windows.push({ flow: 'k-means results', from, to: await now(page) });
    });

    const tasks = await longTasks(page);
    const plots = (await page.evaluate("performance.getEntriesByType('measure').filter((m) => m.name.startsWith('plot ')).map((m) => ({ name: m.name, start: m.startTime, duration: m.duration }))")) as Array<{ name: string; start: number; duration: number }>;
    const slowest = plots.sort((a, b) => b.duration - a.duration).slice(0, 6);
    if (slowest.length > 0) console.log(`    slowest chart draws: ${slowest.map((p) => `${p.name.slice(5)} ${Math.round(p.duration)} ms`).join(', ')}`);
    if (process.env.ASSAY_BENCH_DRAWS) console.log(plots.sort((a, b) => a.start - b.start).map((p) => `${Math.round(p.start)} ${p.name} ${Math.round(p.duration)}`).join('\n'));
    if (errors.length > 0) console.log(`    page errors: ${errors.join('; ')}`);
    const result = {} as Record<Flow, FlowRun>;
    for (const flow of FLOWS) {
      const inFlow = windows.filter((w) => w.flow === flow);
      // A task belongs to the flow whose window holds its end (a render that shows a result ends after the mark).
      result[flow] = summarise(tasks.filter((t) => inFlow.some((w) => t.start + t.duration > w.from && t.start + t.duration <= w.to)));
    }
    return result;
  } finally {
    await browser.close();
  }
}

/** The full online_retail under its own table name, so it does not replace the sample's table. */
function bigFileCopy(): string {
  const source = path.join(repoRoot, 'samples/online_retail_uci/online_retail.csv.gz');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-ui-bench-'));
  const copy = path.join(dir, 'retail_full.csv.gz');
  fs.copyFileSync(source, copy);
  return copy;
}

export async function runUiBench(options: { runs: number; profile: boolean }): Promise<UiBenchResult> {
  const loadBefore = os.loadavg();
  const app = await serveBuiltApp();
  const bigFile = bigFileCopy();
  const profileTo = options.profile ? path.join(repoRoot, '.bench') : null;
  if (profileTo) fs.mkdirSync(profileTo, { recursive: true });
  const perRun: Array<Record<Flow, FlowRun>> = [];
  try {
    for (let i = 0; i < options.runs; i++) {
      console.log(`  run ${i + 1} of ${options.runs} (fresh browser) ...`);
      const run = await runOnce(app.url, bigFile, profileTo, i + 1);
      for (const flow of FLOWS) console.log(`    ${flow}: ${run[flow].longTasks} long tasks [${run[flow].durationsMs.slice(0, 8).join(', ')}${run[flow].durationsMs.length > 8 ? ', ...' : ''}] ms`);
      perRun.push(run);
    }
  } finally {
    app.close();
    fs.rmSync(path.dirname(bigFile), { recursive: true, force: true });
  }
  const flows = {} as UiBenchResult['flows'];
  for (const flow of FLOWS) {
    const runs = perRun.map((r) => r[flow]);
    flows[flow] = {
      runs,
      medianLongestMs: median(runs.map((r) => r.longestMs)),
      medianBlockingMs: median(runs.map((r) => r.blockingMs)),
      medianCount: median(runs.map((r) => r.longTasks)),
    };
  }
  printUiTable(flows, options.runs);
  return { runs: options.runs, machine: { cores: os.cpus().length, loadBefore, loadAfter: os.loadavg() }, flows };
}

function printUiTable(flows: UiBenchResult['flows'], runs: number): void {
  const range = (values: number[]): string => `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}`;
  const header = ['flow', 'long tasks', 'longest ms', 'total blocking ms', `target: none > ${LONG_TASK_TARGET_MS} ms`];
  const body = FLOWS.map((flow) => {
    const f = flows[flow];
    const longest = f.runs.map((r) => r.longestMs);
    return [
      flow,
      `${f.medianCount} (${range(f.runs.map((r) => r.longTasks))})`,
      `${Math.round(f.medianLongestMs)} (${range(longest)})`,
      `${Math.round(f.medianBlockingMs)} (${range(f.runs.map((r) => r.blockingMs))})`,
      Math.max(...longest) <= LONG_TASK_TARGET_MS ? 'met' : 'NOT met',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\nLong tasks per flow, median (range) of ${runs} runs:`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of body) console.log(line(r));
}
