/**
 * `assay predict` on a new month's file whose date column no longer parses (it loads as text):
 * one plain line naming the column, both types and the table, exit code 1, no DuckDB Binder Error;
 * the same month with its dates intact scores.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../workers/gbdt/rng';
import { repoRoot, tempDir, writeFixture } from '../helpers/paths';
import { runProcess } from '../helpers/process';

const dir = tempDir('assay-predict-types-cli-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rows(n: number, seed: number): string {
  const random = createRng(seed);
  const lines = ['ts,amount,bought'];
  for (let i = 0; i < n; i++) {
    const day = 1 + (i % 28);
    const amount = random() * 100;
    lines.push(`2024-01-${String(day).padStart(2, '0')} 10:00:00,${amount.toFixed(2)},${amount + day * 2 + (random() - 0.5) * 30 > 80 ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

const trainCsv = writeFixture(dir, 'train.csv', rows(800, 1));
const goodMonth = writeFixture(dir, 'new_month.csv', rows(200, 2));
const textMonth = writeFixture(dir, 'text_month.csv', rows(200, 2).replace(/2024-01-(\d\d) 10:00:00/g, '$1.01.2024 10h'));

function assay(...args: string[]) {
  return runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { timeoutMs: 120_000 });
}

describe('assay predict on a file whose column types changed', { timeout: 240_000 }, () => {
  it('refuses in one plain line naming the column, both types and the table', async () => {
    const model = path.join(dir, 'model.json');
    const trained = await assay('train', trainCsv, '--target', 'bought', '--positive', 'yes', '--features', 'ts,amount', '--rounds', '10', '--backend', 'wasm', '--out', model);
    expect(trained.code, trained.stderr).toBe(0);

    const good = await assay('predict', model, goodMonth, '--out', path.join(dir, 'good.csv'));
    expect(good.code, good.stderr).toBe(0);

    const out = path.join(dir, 'text.csv');
    const bad = await assay('predict', model, textMonth, '--out', out);
    expect(bad.code).toBe(1);
    const lines = bad.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error: Column "ts" was TIMESTAMP when the model was trained and is VARCHAR in "text_month"\. Convert it in a query \(SELECT \* REPLACE \(TRY_CAST\("ts" AS TIMESTAMP\) AS "ts"\)/);
    expect(bad.stderr).not.toMatch(/Binder Error|Candidate functions|\n\s+at /);
    expect(fs.existsSync(out)).toBe(false);
  });
});
