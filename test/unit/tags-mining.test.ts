import fs from 'node:fs';
import path from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RulesMineResult, TagMetrics } from '../../workers/api';
import { rulesCommand, tagsCommand } from '../../workers/cli/tags';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { ruleColumns } from '../../workers/tags/ast';
import { evaluateRule } from '../../workers/tags/evaluate';
import { DEFAULT_SPLIT } from '../../workers/tags/mining-jobs';
import { parseTagSet } from '../../workers/tags/tag';
import { vectorToFloat64 } from '../../workers/data/arrow-values';
import { splitHoldout, tagMetrics } from '../../workers/tags/validation';
import { failure } from '../helpers/engine';
import { samples, tempDir } from '../helpers/paths';

let engine: NodeEngine;
let shoppers: Table;
const dir = tempDir('tags-mining');

const MINE = {
  source: { table: 'online_shoppers_intention' },
  target: 'Revenue',
  positive: 'true',
  minPrecision: 0.35,
  maxConditions: 4,
  maxRules: 5,
  seed: 42,
  timeBudgetMs: 60_000,
};

async function readAll(sql: string): Promise<Table> {
  const r = await engine.client.run('sql.run', { sql, preview: 0 });
  const page = await engine.client.run('sql.fetch', { resultId: r.resultId as string, offset: 0, limit: r.rowCount });
  await engine.client.run('sql.release', { resultId: r.resultId as string });
  return tableFromIPC(page.ipc);
}

/** The best rule `col > t` or `col <= t` over every numeric column and threshold, by F1 on the training rows. */
function bestSingleThreshold(table: Table, labels: Uint8Array, train: Uint8Array): { column: string; op: '>' | '<='; threshold: number; f1: number } {
  let best = { column: '', op: '>' as '>' | '<=', threshold: 0, f1: -1 };
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (train[i]) positives += labels[i] as number;
  for (const field of table.schema.fields) {
    if (field.name === 'Revenue' || !/Int|Float|Double|Decimal/i.test(String(field.type))) continue;
    const v = vectorToFloat64(table.getChild(field.name), table.numRows);
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (train[i] && !Number.isNaN(v[i] as number)) rows.push(i);
    rows.sort((a, b) => (v[a] as number) - (v[b] as number));
    // Sweep: rows[0..k] are `<= t`, the rest `> t`, at every change of value.
    let tpLow = 0;
    for (let k = 0; k < rows.length; k++) {
      tpLow += labels[rows[k] as number] as number;
      const t = v[rows[k] as number] as number;
      if (k + 1 < rows.length && v[rows[k + 1] as number] === t) continue;
      const nLow = k + 1;
      const f1Low = (2 * tpLow) / (nLow + positives);
      const f1High = (2 * (positives - tpLow)) / (rows.length - nLow + positives);
      if (f1Low > best.f1) best = { column: field.name, op: '<=', threshold: t, f1: f1Low };
      if (f1High > best.f1) best = { column: field.name, op: '>', threshold: t, f1: f1High };
    }
  }
  return best;
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'path', path: samples.shoppers } });
  shoppers = await readAll('SELECT * FROM online_shoppers_intention');
  await engine.client.run('sql.run', { sql: 'CREATE TABLE one_class AS SELECT range AS x, range % 3 AS z, true AS y FROM range(50)' });
  await engine.client.run('sql.run', { sql: 'CREATE TABLE no_rows AS SELECT 1 AS x, true AS y WHERE false' });
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('rules.mine on online shoppers (Revenue)', { timeout: 180_000 }, () => {
  let result: RulesMineResult;
  const phases: string[] = [];

  beforeAll(async () => {
    result = await engine.client.run('rules.mine', MINE, { onProgress: (p) => phases.push(p.phase) });
  });

  it('finds rules on PageValues that beat the best single-threshold rule on holdout F1', () => {
    const n = shoppers.numRows;
    const revenue = shoppers.getChild('Revenue');
    const labels = Uint8Array.from({ length: n }, (_, i) => (revenue?.get(i) === true ? 1 : 0));
    const holdout = splitHoldout(n, DEFAULT_SPLIT, labels, null);
    const train = holdout.map((h) => 1 - h);
    expect(result.rows).toEqual({ train: n - holdout.reduce((s, v) => s + v, 0), holdout: holdout.reduce((s, v) => s + v, 0) });

    expect(result.rules.length).toBeGreaterThan(0);
    expect(result.rules.some((r) => ruleColumns(r.ast).includes('PageValues'))).toBe(true);
    // The reported set metrics are what the set's AST gives on these rows.
    const setFires = evaluateRule(result.set.ast as NonNullable<RulesMineResult['set']['ast']>, shoppers);
    const mined = tagMetrics(setFires, labels, holdout);
    expect([mined.tp, mined.fp, mined.fn]).toEqual([result.set.holdout.tp, result.set.holdout.fp, result.set.holdout.fn]);

    const single = bestSingleThreshold(shoppers, labels, train);
    expect(single.column).toBe('PageValues');
    const v = vectorToFloat64(shoppers.getChild(single.column), n);
    const singleFires = Uint8Array.from(v, (x) => (single.op === '>' ? (x > single.threshold ? 1 : 0) : x <= single.threshold ? 1 : 0));
    const baseline = tagMetrics(singleFires, labels, holdout);
    console.log(`mined set holdout F1 ${mined.f1.value?.toFixed(4)} (${result.rules.length} rules) vs best single threshold ${single.column} ${single.op} ${single.threshold}: ${baseline.f1.value?.toFixed(4)}`);
    expect(mined.f1.value as number).toBeGreaterThan(baseline.f1.value as number);
  });

  it('gives each rule its evidence, and the set as a tag set of draft rule tags', () => {
    for (const r of result.rules) {
      expect(r.train.tp + r.train.fp).toBe(r.train.support);
      expect(r.holdout.tp + r.holdout.fp).toBe(r.holdout.support);
      expect(r.outOfBag.tp / r.outOfBag.support).toBeGreaterThanOrEqual(MINE.minPrecision);
      expect(r.examples.truePositives.length).toBeGreaterThan(0);
      expect(r.text.length).toBeGreaterThan(0);
      // Thresholds are readable: at most 4 significant digits.
      for (const m of r.text.matchAll(/[<>]=? (-?[\d.]+)/g)) expect(String(m[1]).replace(/^-?0?\.?0*/, '').replace('.', '').length).toBeLessThanOrEqual(4);
    }
    expect(result.application).toMatch(/any of the rules fires/);
    expect(result.set.cumulative.length).toBe(result.rules.length);
    const set = parseTagSet(result.tagSet);
    expect(set.tags.map((t) => t.status)).toEqual(result.rules.map(() => 'draft'));
    expect(set.tags.map((t) => (t.definition.kind === 'rule' ? t.definition.text : ''))).toEqual(result.rules.map((r) => r.text));
    // Each tag carries its holdout figures, the split and the target they were measured on.
    set.tags.forEach((t, k) => {
      expect(t.metrics).toMatchObject({ by: 'rules.mine', text: result.rules[k]?.text, target: { column: 'Revenue', positive: 'true' }, split: result.split });
      expect(t.metrics?.holdout).toEqual(result.rules[k]?.holdout);
      expect(t.description).not.toMatch(/precision/);
    });
    expect(phases.some((p) => /searching rules/.test(p))).toBe(true);
  });

  it('is deterministic for a seed', async () => {
    const again = await engine.client.run('rules.mine', MINE);
    expect(again.rules.map((r) => r.text)).toEqual(result.rules.map((r) => r.text));
    expect(again.set.holdout).toEqual(result.set.holdout);
  });

  it('keeps to its time budget and can be cancelled', async () => {
    const quick = await engine.client.run('rules.mine', { ...MINE, timeBudgetMs: 1 });
    expect(quick.stoppedEarly).toBe(true);
    const controller = new AbortController();
    const run = engine.client.run('rules.mine', MINE, { signal: controller.signal, onProgress: (p) => (p.fraction > 0.1 ? controller.abort() : undefined) });
    expect((await failure(run)).code).toBe('CANCELLED');
  });

  it('validates its own rules on the same holdout rows (tags.validate)', async () => {
    const checked = await engine.client.run('tags.validate', {
      tagSet: result.tagSet,
      source: { table: 'online_shoppers_intention' },
      target: 'Revenue',
      gates: { perTag: [{ metric: 'precision', min: 0.5 }, { metric: 'coverage', min: 0.01 }] },
    });
    checked.tags.forEach((t, k) => expect((t.holdout as TagMetrics).tp).toBe(result.rules[k]?.holdout.tp));
    for (const t of checked.tags) {
      const precision = (t.holdout as TagMetrics).precision.value as number;
      expect(t.status).toBe(precision >= 0.5 && (t.holdout as TagMetrics).coverage.value! >= 0.01 ? 'validated' : 'draft');
      if (t.status === 'draft') expect(t.gates.reasons[0]).toMatch(/on holdout \(95% CI/);
    }
  });
});

describe('rules.mine on bad input', () => {
  it('fails in plain words', async () => {
    expect((await failure(engine.client.run('rules.mine', { ...MINE, target: 'Nope' }))).message).toMatch(/The target "Nope" is not a column/);
    expect((await failure(engine.client.run('rules.mine', { ...MINE, source: { table: 'one_class' }, target: 'y', positive: undefined }))).message).toMatch(/single class/);
    expect((await failure(engine.client.run('rules.mine', { ...MINE, source: { table: 'no_rows' }, target: 'y' }))).message).toMatch(/0 rows/);
    expect((await failure(engine.client.run('rules.mine', { ...MINE, source: { table: 'missing' } }))).code).toBe('NOT_FOUND');
    expect((await failure(engine.client.run('rules.mine', { ...MINE, minPrecision: 1.5 }))).message).toMatch(/minimum precision must be in \(0, 1\]/);
    expect((await failure(engine.client.run('rules.mine', { ...MINE, split: { kind: 'all' } }))).message).toMatch(/needs holdout rows/);
    expect((await failure(engine.client.run('rules.mine', { ...MINE, target: 'Month' }))).message).toMatch(/"true" does not occur in "Month"/);
  });
});

describe('assay rules mine / assay tags eval', { timeout: 180_000 }, () => {
  function capture(): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
  }
  // The shared engine, left open by each command (it closes in afterAll).
  const deps = { startEngine: async (): Promise<NodeEngine> => ({ ...engine, close: async () => undefined }) };

  it('mines a tag set into a file and measures it on any data', async () => {
    const file = path.join(dir, 'tags.json');
    const mine = capture();
    const code = await rulesCommand(['mine', samples.shoppers, '--target', 'Revenue', '--positive', 'TRUE', '--min-precision', '0.5', '--max-rules', '3', '--seed', '3', '--out', file], mine.io, deps);
    // The shared engine already holds the file: the CLI loads it again under another name, with a warning.
    expect(mine.err.filter((l) => !/already exists/.test(l))).toEqual([]);
    expect(code).toBe(0);
    const text = mine.out.join('\n');
    // The positive value reads as it was given (TRUE), naming the same class as true.
    expect(text).toMatch(/Rules for Revenue = TRUE: \d rules?/);
    expect(text).toMatch(/1\. .*PageValues/);
    expect(text).toMatch(/holdout: precision 0\.\d{3} \[0\.\d{3}-0\.\d{3}\]/);
    const set = parseTagSet(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(set.tags.length).toBeGreaterThan(0);
    const written = set.tags[0]?.metrics?.holdout as TagMetrics;
    expect(written.precision.value).toBeGreaterThan(0.3);
    expect(written.precision.low).toBeLessThanOrEqual(written.precision.value as number);
    expect(written.rows).toBeGreaterThan(3000);
    expect(set.tags[0]?.metrics?.target).toEqual({ column: 'Revenue', positive: 'TRUE' });

    const evaluated = capture();
    expect(await tagsCommand(['eval', file, samples.shoppers, '--target', 'Revenue'], evaluated.io, deps)).toBe(0);
    expect(evaluated.out.join('\n')).toMatch(/12,330 rows/);
    expect(evaluated.out.join('\n')).toMatch(/precision \[95% CI\]/);
    const coverageOnly = capture();
    expect(await tagsCommand(['eval', file, samples.shoppers, '--json'], coverageOnly.io, deps)).toBe(0);
    const json = JSON.parse(coverageOnly.out.join('\n')) as { rows: number; tags: Array<{ metrics: { support: number; precision?: unknown } }> };
    expect(json.rows).toBe(12330);
    expect(json.tags[0]?.metrics.precision).toBeUndefined();
    expect(json.tags[0]?.metrics.support).toBeGreaterThan(0);
    // A tag set written before tags carried metrics reads the same.
    const older = path.join(dir, 'tags-without-metrics.json');
    const stripped = JSON.parse(fs.readFileSync(file, 'utf8')) as { tags: Array<Record<string, unknown>> };
    for (const t of stripped.tags) delete t.metrics;
    fs.writeFileSync(older, JSON.stringify(stripped));
    const fromOlder = capture();
    expect(await tagsCommand(['eval', older, samples.shoppers, '--json'], fromOlder.io, deps)).toBe(0);
    expect(JSON.parse(fromOlder.out.join('\n'))).toEqual(json);
  });

  it('exits 2 on a bad command line and 1 on bad data', async () => {
    const noTarget = capture();
    expect(await rulesCommand(['mine', samples.shoppers, '--out', path.join(dir, 'x.json')], noTarget.io, deps)).toBe(2);
    expect(noTarget.err.join('\n')).toMatch(/needs --target COL/);
    const badP = capture();
    expect(await rulesCommand(['mine', samples.shoppers, '--target', 'Revenue', '--min-precision', '2', '--out', path.join(dir, 'x.json')], badP.io, deps)).toBe(2);
    expect(badP.err.join('\n')).toMatch(/--min-precision must be in \(0, 1\]/);
    const help = capture();
    expect(await tagsCommand(['--help'], help.io, deps)).toBe(0);
    expect(help.out.join('\n')).toMatch(/^Usage: assay tags eval/);
    const wrongTarget = capture();
    expect(await rulesCommand(['mine', samples.shoppers, '--target', 'Nope', '--out', path.join(dir, 'x.json')], wrongTarget.io, deps)).toBe(1);
    expect(wrongTarget.err.join('\n')).toMatch(/The target "Nope" is not a column/);
    expect(fs.existsSync(path.join(dir, 'x.json'))).toBe(false);
  });
});
