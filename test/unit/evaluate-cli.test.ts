/**
 * `assay evaluate MODEL FILE`: the Models view's "Evaluate on a table", headless. A model trained
 * on one file is measured on another labelled file: the metrics must be the engine's
 * (model.evaluate on the same rows), for two classes (at a threshold), a number and an lr model;
 * bad arguments and a missing target column fail in plain words.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../workers/gbdt/rng';
import { repoRoot, tempDir, writeFixture } from '../helpers/paths';
import { runProcess } from '../helpers/process';

const dir = tempDir('assay-evaluate-cli-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function rows(n: number, seed: number, missingTargets = false): string {
  const random = createRng(seed);
  const lines = ['a,b,bought,spend'];
  for (let i = 0; i < n; i++) {
    const a = random() * 4;
    const b = random() * 2 - 1;
    const z = a + b + (random() - 0.5) * 1.5;
    const bought = missingTargets && i % 50 === 7 ? '' : z > 2 ? 'yes' : 'no';
    lines.push(`${a.toFixed(4)},${b.toFixed(4)},${bought},${(3 * a - b + random()).toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

const trainCsv = writeFixture(dir, 'train.csv', rows(1500, 1));
const newCsv = writeFixture(dir, 'new_month.csv', rows(600, 2));
const gappyCsv = writeFixture(dir, 'gappy.csv', rows(600, 2, true));

function assay(...args: string[]) {
  return runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { timeoutMs: 120_000 });
}

async function train(target: string, kind = 'gbdt'): Promise<string> {
  const model = path.join(dir, `${target}-${kind}.json`);
  const result = await assay('train', trainCsv, '--target', target, '--features', 'a,b', '--model', kind, '--rounds', kind === 'gbdt' ? '20' : '2', '--backend', 'wasm', '--out', model);
  expect(result.code, result.stderr).toBe(0);
  return model;
}

describe('assay evaluate', { timeout: 240_000 }, () => {
  it('two classes: AUC, log loss and the confusion matrix at the threshold', async () => {
    const model = await train('bought');
    const result = await assay('evaluate', model, newCsv, '--threshold', '0.3');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { target: string; binary: { rows: number; positives: number; auc: number; logloss: number; threshold: number; confusion: Record<string, number>; roc?: unknown } };
    expect(report.target).toBe('bought');
    expect(report.binary.rows).toBe(600);
    expect(report.binary.threshold).toBe(0.3);
    expect(report.binary.auc).toBeGreaterThan(0.8);
    expect(report.binary.auc).toBeLessThan(1);
    const { tp, fp, tn, fn } = report.binary.confusion as { tp: number; fp: number; tn: number; fn: number };
    expect(tp + fp + tn + fn).toBe(report.binary.rows);
    expect(tp + fn).toBe(report.binary.positives);
    // Curves only when asked for.
    expect(report.binary.roc).toBeUndefined();
    const lower = JSON.parse((await assay('evaluate', model, newCsv, '--threshold', '0.7', '--curves')).stdout) as typeof report;
    // A higher threshold predicts fewer positives; the AUC does not depend on it.
    expect(lower.binary.confusion.tp! + lower.binary.confusion.fp!).toBeLessThan(tp + fp);
    expect(lower.binary.auc).toBe(report.binary.auc);
    expect(lower.binary.roc).toBeDefined();
    // --importance: mean |SHAP| per feature on the file's rows; "a" drives the label more than "b".
    const explained = await assay('evaluate', model, newCsv, '--importance');
    expect(explained.code, explained.stderr).toBe(0);
    const importance = (JSON.parse(explained.stdout) as { importance: { rows: number; features: Array<{ feature: string; meanAbsShap: number }> } }).importance;
    expect(importance.rows).toBe(600);
    expect(importance.features.map((f) => f.feature)).toEqual(['a', 'b']);
    expect(importance.features[0]?.meanAbsShap).toBeGreaterThan(importance.features[1]?.meanAbsShap as number);
    expect(importance.features[1]?.meanAbsShap).toBeGreaterThan(0);
  });

  it('a number: RMSE of the model on the new file; an lr model evaluates too', async () => {
    const regression = await train('spend');
    const result = await assay('evaluate', regression, newCsv);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { regression: { rows: number; rmse: number } };
    expect(report.regression.rows).toBe(600);
    expect(report.regression.rmse).toBeGreaterThan(0);
    expect(report.regression.rmse).toBeLessThan(1.5);
    const lr = await train('bought', 'lr');
    const scored = await assay('evaluate', lr, newCsv);
    expect(scored.code, scored.stderr).toBe(0);
    expect((JSON.parse(scored.stdout) as { kind: string; binary: { auc: number } }).binary.auc).toBeGreaterThan(0.8);
  });

  it('refuses bad arguments before any work, and a file without the target column in plain words', async () => {
    const model = await train('bought');
    const threshold = await assay('evaluate', model, newCsv, '--threshold', '1.5');
    expect(threshold.code).toBe(2);
    expect(threshold.stderr).toMatch(/--threshold must be a number between 0 and 1 \(got 1\.5\)/);
    const missing = await assay('evaluate', model);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/evaluate takes MODEL\.json and FILE/);
    const noTarget = writeFixture(dir, 'no_target.csv', 'a,b\n1,0.5\n2,-0.5\n');
    const failed = await assay('evaluate', model, noTarget);
    expect(failed.code).toBe(1);
    expect(failed.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed.stderr).toMatch(/bought/);
    // Rows without a true value are refused, counted, with the way out.
    const gaps = await assay('evaluate', model, gappyCsv);
    expect(gaps.code).toBe(1);
    expect(gaps.stderr).toMatch(/^error: 12 rows have no value in the target "bought"\. Filter them out first/);
    const help = await assay('evaluate', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Evaluate on a table/);
  });
});
