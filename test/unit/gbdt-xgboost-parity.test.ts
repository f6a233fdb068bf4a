import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { predict } from '../../workers/gbdt/predict';
import { resolveParams, type GbdtParams } from '../../workers/gbdt/params';
import { createRng } from '../../workers/gbdt/rng';
import { treeShap } from '../../workers/gbdt/shap';
import { trainGbdt } from '../../workers/gbdt/train';
import { fromXgboostJson, toXgboostJson } from '../../workers/gbdt/xgboost-json';
import { tempDir } from '../helpers/paths';
import { findXgboostPython, readMatrix, runXgboost, writeMatrix } from '../helpers/xgboost';

const { python, reason } = findXgboostPython();
const dir = tempDir('xgb');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Seeded data with missing values, integer-valued and continuous features, and ties. */
function synthetic(n: number, seed: number, kind: 'binary' | 'regression' | 'multiclass'): { columns: Float32Array[]; labels: Float32Array } {
  const rng = createRng(seed);
  const F = 6;
  const columns = Array.from({ length: F }, () => new Float32Array(n));
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = columns.map(() => 0);
    for (let f = 0; f < F; f++) x[f] = (rng() - 0.5) * 4;
    x[3] = Math.round(x[3]! * 2); // few distinct values
    const missing = rng() < 0.15;
    columns.forEach((c, f) => (c[i] = x[f]!));
    if (missing) columns[2]![i] = Number.NaN;
    const signal = x[0]! + (missing ? 1 : x[2]! * x[1]!) + 0.5 * x[3]! + (rng() - 0.5);
    labels[i] = kind === 'binary' ? (signal > 0 ? 1 : 0) : kind === 'regression' ? signal * 10 + 3 : signal < -1 ? 0 : signal < 1 ? 1 : 2;
  }
  return { columns, labels };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const cases: Array<{ kind: 'binary' | 'regression' | 'multiclass'; params: Record<string, number | string> }> = [
  { kind: 'binary', params: { objective: 'binary:logistic', max_depth: 4, eta: 0.3, num_boost_round: 30 } },
  { kind: 'regression', params: { objective: 'reg:squarederror', max_depth: 3, eta: 0.2, num_boost_round: 20, lambda: 2, alpha: 0.5 } },
  { kind: 'multiclass', params: { objective: 'multi:softprob', num_class: 3, max_depth: 3, eta: 0.3, num_boost_round: 10 } },
];

describe.skipIf(!python)(`XGBoost parity (${reason})`, () => {
  for (const c of cases) {
    it(`predicts exactly what XGBoost predicts for its own ${c.kind} model (import)`, async () => {
      const data = synthetic(3000, 11, c.kind);
      const x = path.join(dir, `${c.kind}-x.csv`);
      const y = path.join(dir, `${c.kind}-y.csv`);
      writeMatrix(x, data.columns);
      fs.writeFileSync(y, Array.from(data.labels).join('\n'));
      const modelOut = path.join(dir, `${c.kind}-xgb.json`);
      const predOut = path.join(dir, `${c.kind}-xgb-pred.csv`);
      await runXgboost(python as string, { task: 'train', x, y, params: c.params, model_out: modelOut, pred_out: predOut }, dir);
      const model = fromXgboostJson(fs.readFileSync(modelOut, 'utf8'));
      const ours = predict(model, data.columns, data.labels.length);
      const theirs = readMatrix(predOut).flat();
      expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-6);
    });

    it(`exports ${c.kind} models that XGBoost loads and scores identically, SHAP included`, async () => {
      const data = synthetic(3000, 12, c.kind);
      const params: GbdtParams = resolveParams({ ...c.params, eval_metric: c.kind === 'binary' ? 'logloss' : c.kind === 'regression' ? 'rmse' : 'mlogloss' });
      const { model } = await trainGbdt(data, { params, featureNames: ['a', 'b', 'c', 'd', 'e', 'f'] });
      const modelPath = path.join(dir, `${c.kind}-assay.json`);
      fs.writeFileSync(modelPath, toXgboostJson(model));
      const x = path.join(dir, `${c.kind}-x2.csv`);
      writeMatrix(x, data.columns);
      const predOut = path.join(dir, `${c.kind}-assay-pred.csv`);
      const contribsOut = path.join(dir, `${c.kind}-assay-contribs.csv`);
      await runXgboost(python as string, { task: 'predict', model: modelPath, x, pred_out: predOut, ...(c.kind === 'multiclass' ? {} : { contribs_out: contribsOut }) }, dir);
      const ours = predict(model, data.columns, data.labels.length);
      expect(maxAbsDiff(ours, readMatrix(predOut).flat())).toBeLessThanOrEqual(1e-6);
      if (c.kind !== 'multiclass') {
        const n = 300;
        const shap = treeShap(model, data.columns.map((col) => col.subarray(0, n)), n);
        const theirs = readMatrix(contribsOut).slice(0, n).flat();
        // XGBoost accumulates contributions in float32; ours are float64.
        expect(maxAbsDiff(shap.values, theirs)).toBeLessThanOrEqual(c.kind === 'regression' ? 1e-4 : 1e-5);
      }
    });
  }
});
