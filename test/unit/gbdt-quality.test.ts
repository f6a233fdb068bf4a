import fs from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableColumnsToFloat32, vectorToFloat32 } from '../../workers/data/arrow-values';
import { featureSelectList, type FeatureEncoding } from '../../workers/gbdt/encoding';
import { auc } from '../../workers/gbdt/metrics';
import { predict } from '../../workers/gbdt/predict';
import { resolveParams } from '../../workers/gbdt/params';
import { createRng } from '../../workers/gbdt/rng';
import { trainGbdt } from '../../workers/gbdt/train';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { samples, tempDir } from '../helpers/paths';
import { findXgboostPython, readMatrix, runXgboost, writeMatrix } from '../helpers/xgboost';

const { python, reason } = findXgboostPython();
const dir = tempDir('quality');
let engine: NodeEngine;

beforeAll(async () => {
  engine = await createInProcessEngine();
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Stratified 80/20 split with a fixed seed: per class, a shuffled 20% is held out. */
function stratifiedSplit(labels: Float32Array, seed: number): { train: number[]; test: number[] } {
  const rng = createRng(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const idx = Array.from(labels.keys()).filter((i) => labels[i] === cls);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    }
    const cut = Math.round(idx.length * 0.2);
    test.push(...idx.slice(0, cut));
    train.push(...idx.slice(cut));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

describe.skipIf(!python)(`model quality against XGBoost (${reason})`, () => {
  it('matches XGBoost test AUC within 0.005 on online shoppers (stratified 80/20, same parameters)', async () => {
    await engine.client.run('data.open', { source: { kind: 'path', path: samples.shoppers } });
    // The model's own encoding (one-hot Month and VisitorType, booleans as 0/1).
    const probe = await engine.client.run('model.train', { source: { table: 'online_shoppers_intention' }, target: 'Revenue', params: { num_boost_round: 1 } });
    const encoding: FeatureEncoding = {
      version: 1,
      columns: [],
      features: probe.model.features.map((f) => (f.kind === 'onehot' ? { name: f.name, column: f.column, kind: 'onehot', level: f.level as string } : { name: f.name, column: f.column, kind: f.kind })) as FeatureEncoding['features'],
    };
    const result = await engine.client.run('sql.run', { sql: `SELECT ${featureSelectList(encoding)}, CAST(Revenue AS DOUBLE) AS label FROM online_shoppers_intention`, preview: 0 });
    const window = await engine.client.run('sql.fetch', { resultId: result.resultId as string, offset: 0, limit: 20_000 });
    const table = tableFromIPC(window.ipc);
    expect(table.numRows).toBe(12_330);
    const columns = tableColumnsToFloat32(table, encoding.features.map((_, i) => `f${i}`));
    const labels = vectorToFloat32(table.getChild('label'), table.numRows);
    const { train, test } = stratifiedSplit(labels, 42);
    const pick = (rows: number[]) => ({
      columns: columns.map((c) => Float32Array.from(rows, (r) => c[r] as number)),
      labels: Float32Array.from(rows, (r) => labels[r] as number),
    });
    const tr = pick(train);
    const te = pick(test);
    const params = { objective: 'binary:logistic', max_depth: 4, eta: 0.05, num_boost_round: 300, min_child_weight: 1 };

    const { model } = await trainGbdt(tr, { params: resolveParams({ ...params, eval_metric: 'logloss' }), featureNames: encoding.features.map((f) => f.name) });
    const assayAuc = auc(predict(model, te.columns, te.labels.length), te.labels);

    const files = { x: path.join(dir, 'x.csv'), y: path.join(dir, 'y.csv'), x_test: path.join(dir, 'xt.csv') };
    writeMatrix(files.x, tr.columns);
    writeMatrix(files.x_test, te.columns);
    fs.writeFileSync(files.y, Array.from(tr.labels).join('\n'));
    const testPred = path.join(dir, 'xgb-test.csv');
    await runXgboost(python as string, { task: 'train', ...files, params, model_out: path.join(dir, 'm.json'), pred_out: path.join(dir, 'p.csv'), test_pred_out: testPred }, dir);
    const xgbAuc = auc(readMatrix(testPred).flat(), te.labels);

    expect(xgbAuc).toBeGreaterThan(0.9);
    expect(Math.abs(assayAuc - xgbAuc)).toBeLessThanOrEqual(0.005);
  });
});
