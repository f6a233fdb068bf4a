import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnProfile, TableProfile } from '../../workers/api';
import { binWidth, buildHistogram, nonFiniteNote, scaleFor } from '../../workers/data/profile';
import type { NodeDriverKind } from '../../workers/node/driver-choice';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { nonFiniteNote as cardNote } from '../../renderer/views/data/card-data';
import { nanParquetBytes } from '../helpers/bad-input';
import { repoRoot, tempDir } from '../helpers/paths';
import { runProcess } from '../helpers/process';

/**
 * NaN, +inf and -inf in a FLOAT/DOUBLE column are counted and left out of the numeric figures;
 * doubles near ±1e308 get a mean and std all the same. Both drivers, CSV and Parquet.
 */
const KINDS: NodeDriverKind[] = ['wasm', 'native'];
const dir = tempDir('profile-non-finite');
const engines = new Map<NodeDriverKind, NodeEngine>();

/** 400 rows: amount = i * 0.25, NaN every tenth row, +inf at i % 50 == 1, -inf at i % 50 == 2. */
const amountOf = (i: number): string => (i % 10 === 0 ? 'nan' : i % 50 === 1 ? 'inf' : i % 50 === 2 ? '-inf' : (i * 0.25).toFixed(2));
const mixedCsv = `id,amount,qty\n${Array.from({ length: 400 }, (_, i) => `${i},${amountOf(i)},${i % 7}`).join('\n')}\n`;
const finiteAmounts = Array.from({ length: 400 }, (_, i) => i)
  .filter((i) => i % 10 !== 0 && i % 50 !== 1 && i % 50 !== 2)
  .map((i) => i * 0.25);

function stats(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** quantile_cont: linear interpolation between order statistics. */
function quantile(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

beforeAll(async () => {
  fs.writeFileSync(path.join(dir, 'mixed.csv'), mixedCsv);
  fs.writeFileSync(path.join(dir, 'huge.csv'), 'a,b\n1e308,2\n1e308,3\n-1e308,4\n');
  // The mean alone overflows (1e308 + 1e308): the std does not.
  fs.writeFileSync(path.join(dir, 'twins.csv'), 'a\n1e308\n1e308\n');
  // A std beyond the largest double: no number to give.
  fs.writeFileSync(path.join(dir, 'widest.csv'), 'a\n1.7e308\n-1.7e308\n');
  fs.writeFileSync(path.join(dir, 'all-nan.csv'), 'a,b\nnan,1\nnan,2\n,3\n');
  fs.writeFileSync(path.join(dir, 'nan.parquet'), await nanParquetBytes());
  for (const kind of KINDS) engines.set(kind, await createInProcessEngine(kind));
}, 120_000);
afterAll(async () => {
  for (const engine of engines.values()) await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function profileOf(kind: NodeDriverKind, file: string): Promise<TableProfile> {
  const engine = engines.get(kind) as NodeEngine;
  const opened = await engine.client.run('data.open', { source: { kind: 'path', path: path.join(dir, file) } });
  try {
    return await engine.client.run('data.profile', { table: opened.name, bins: 10 });
  } finally {
    await engine.client.run('data.drop', { table: opened.name });
  }
}

function column(profile: TableProfile, name: string): ColumnProfile {
  const c = profile.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
}

describe.each(KINDS)('profile of non-finite numbers on %s', (kind) => {
  it('CSV: figures over the finite values; NaN, +inf and -inf counted; other columns untouched', async () => {
    const p = await profileOf(kind, 'mixed.csv');
    const amount = column(p, 'amount');
    expect(amount.type).toBe('DOUBLE');
    expect(amount).toMatchObject({ rowCount: 400, nullCount: 0, nanCount: 40, posInfCount: 8, negInfCount: 8 });
    expect(finiteAmounts).toHaveLength(344);
    const sorted = [...finiteAmounts].sort((a, b) => a - b);
    const { mean, std } = stats(finiteAmounts);
    expect(amount.min).toBe(sorted[0]);
    expect(amount.max).toBe(sorted.at(-1));
    expect(amount.mean).toBeCloseTo(mean, 9);
    expect(amount.std).toBeCloseTo(std, 9);
    expect(amount.quantiles?.map((q) => q.q)).toEqual([0.05, 0.25, 0.5, 0.75, 0.95]);
    for (const q of amount.quantiles ?? []) expect(q.value, `q${q.q}`).toBeCloseTo(quantile(sorted, q.q), 9);
    // The histogram holds the finite values only, every one of them.
    expect(amount.histogram).toHaveLength(10);
    expect((amount.histogram ?? []).reduce((s, b) => s + b.count, 0)).toBe(344);
    expect(amount.histogram?.[0]?.lo).toBe(sorted[0]);
    expect(amount.histogram?.at(-1)?.hi).toBe(sorted.at(-1));
    expect(nonFiniteNote(amount)).toBe('40 NaN, 8 +inf, 8 -inf (left out of the statistics)');

    const qty = column(p, 'qty');
    expect(qty).not.toHaveProperty('nanCount');
    expect(qty.mean).toBeCloseTo(Array.from({ length: 400 }, (_, i) => i % 7).reduce((s, v) => s + v, 0) / 400, 12);
    expect(nonFiniteNote(qty)).toBeNull();
  });

  it('Parquet written by DuckDB: NaN in a DOUBLE, ±inf in a FLOAT', async () => {
    const p = await profileOf(kind, 'nan.parquet');
    const amount = column(p, 'amount');
    const finite = Array.from({ length: 400 }, (_, i) => i).filter((i) => i % 10 !== 0).map((i) => i * 0.25);
    expect(amount).toMatchObject({ type: 'DOUBLE', nanCount: 40, posInfCount: 0, negInfCount: 0, min: 0.25, max: 99.75 });
    expect(amount.mean).toBeCloseTo(stats(finite).mean, 9);
    expect(amount.std).toBeCloseTo(stats(finite).std, 9);
    const score = column(p, 'score');
    expect(score).toMatchObject({ type: 'FLOAT', nanCount: 0, posInfCount: 8, negInfCount: 8, min: 0, max: 6 });
    expect((score.histogram ?? []).reduce((s, b) => s + b.count, 0)).toBe(384);
    expect(column(p, 'id')).not.toHaveProperty('nanCount');
  });

  it('doubles near ±1e308: mean and std computed at a scale, exact to the last digits', async () => {
    const huge = column(await profileOf(kind, 'huge.csv'), 'a');
    expect(huge).toMatchObject({ min: -1e308, max: 1e308 });
    expect(huge).not.toHaveProperty('nanCount');
    // Values a, a, -a: mean a/3, sample std a * sqrt(4/3).
    expect((huge.mean as number) / 1e308).toBeCloseTo(1 / 3, 12);
    expect((huge.std as number) / 1e308).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect((huge.histogram ?? []).map((b) => b.count)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(huge.histogram?.at(-1)?.hi).toBe(1e308);
    expect(huge.quantiles?.find((q) => q.q === 0.5)?.value).toBe(1e308);

    const twins = column(await profileOf(kind, 'twins.csv'), 'a');
    expect(twins).toMatchObject({ min: 1e308, max: 1e308, mean: 1e308, std: 0 });

    const widest = column(await profileOf(kind, 'widest.csv'), 'a');
    expect(widest).toMatchObject({ min: -1.7e308, max: 1.7e308, mean: 0, std: null });
    expect((widest.histogram ?? []).map((b) => b.count)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('a column of NaN only: no figures, the count said', async () => {
    const a = column(await profileOf(kind, 'all-nan.csv'), 'a');
    expect(a).toMatchObject({ nullCount: 1, nanCount: 2, posInfCount: 0, negInfCount: 0, min: null, max: null, mean: null, std: null, histogram: null });
    expect(a.quantiles ?? []).toEqual([]);
    expect(nonFiniteNote(a)).toBe('2 NaN (left out of the statistics)');
  });
});

describe('helpers', () => {
  it('scales by a power of two at or below the largest magnitude, and splits bins over ranges wider than a double', () => {
    expect(scaleFor(1e308)).toBe(2 ** 1023);
    expect(scaleFor(1.5)).toBe(1);
    expect(scaleFor(0)).toBe(1);
    expect(scaleFor(Number.NaN)).toBe(1);
    expect(binWidth(0, 10, 4)).toBe(2.5);
    expect(binWidth(-1.7e308, 1.7e308, 2)).toBe(1.7e308);
    const bins = buildHistogram(-1.7e308, 1.7e308, 2, new Map([[0, 1], [1, 1]]));
    expect(bins).toEqual([{ lo: -1.7e308, hi: 0, count: 1 }, { lo: 0, hi: 1.7e308, count: 1 }]);
  });

  it('the profile card and `assay profile` say it in the same words', () => {
    for (const counts of [{}, { nanCount: 0, posInfCount: 0, negInfCount: 0 }, { nanCount: 2, posInfCount: 1, negInfCount: 0 }, { nanCount: 0, posInfCount: 0, negInfCount: 12_345 }]) {
      expect(cardNote(counts)).toBe(nonFiniteNote(counts));
    }
    expect(cardNote({ nanCount: 2, posInfCount: 1, negInfCount: 0 })).toBe('2 NaN, 1 +inf (left out of the statistics)');
    expect(cardNote({ negInfCount: 12_345 })).toBe('12,345 -inf (left out of the statistics)');
  });
});

describe('assay profile', { timeout: 120_000 }, () => {
  it('prints the figures of the finite values and names the NaN and infinities under the table', async () => {
    const r = await runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), 'profile', path.join(dir, 'mixed.csv')], { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('amount: 40 NaN, 8 +inf, 8 -inf (left out of the statistics)');
    const amountRow = r.stdout.split('\n').find((l) => l.startsWith('amount '));
    expect(amountRow?.split('│').map((c) => c.trim()).slice(4, 6)).toEqual(['0.75', '99.75']);
    expect(r.stdout).not.toMatch(/qty: /);
  });
});
