// End to end on trained models: lr/fm/deepfm trained by the engine on generated CTR data, exported
// as SQL (DuckDB, both layouts) and ONNX, scored there, and compared with the app's own predictions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainOutcome } from '../../workers/api';
import { ctrOnnxInputs } from '../../workers/ctr/export-onnx';
import { readCtrModel } from '../../workers/ctr/model-file';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { generateCtr, writeCtr } from '../../scripts/gen-ctr';
import { queryRows } from '../helpers/packs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-ctr-export-'));
let engine: NodeEngine;
const split = { kind: 'stratified' as const, validFraction: 0.25, seed: 5 };
const models: Record<string, TrainOutcome> = {};
/** App predictions by row id, per model. */
const appScores: Record<string, Map<number, number>> = {};

async function predicted(modelId: string, name: string): Promise<Map<number, number>> {
  await engine.client.run('model.predict', { modelId, source: { table: 'keyed' }, outputTable: `p_${name}` });
  const rows = await queryRows(engine.client, `SELECT rid, prediction FROM p_${name}`);
  return new Map(rows.map((r) => [Number(r.rid), Number(r.prediction)]));
}

beforeAll(async () => {
  const data = generateCtr({ rows: 3000, seed: 19, numeric: 2, categorical: 4, maxLevels: 30, missing: 0.05, interaction: 2 });
  await writeCtr(data, dir, false);
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'path', path: path.join(dir, 'ctr.csv') } });
  await engine.client.run('sql.run', { sql: 'CREATE TABLE keyed AS SELECT row_number() OVER () AS rid, * FROM ctr' });
  const train = (kind: 'lr' | 'fm' | 'deepfm', params: Record<string, number | string>) => engine.client.run('model.train', { source: { table: 'ctr' }, target: 'label', kind, params, split });
  models.lr = await train('lr', { epochs: 2 });
  models.fm = await train('fm', { k: 4, epochs: 2 });
  models.fmHashed = await train('fm', { k: 3, epochs: 2, hash_buckets: 64 });
  models.deepfm = await train('deepfm', { k: 4, epochs: 2, hidden: '8,4' });
  for (const [name, outcome] of Object.entries(models)) appScores[name] = await predicted(outcome.model.modelId, name);
}, 240_000);

afterAll(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exports of trained models score as the app does', () => {
  for (const name of ['lr', 'fm', 'fmHashed'] as const) {
    for (const layout of ['inline', 'tables'] as const) {
      it(`${name}: DuckDB SQL (${layout}) equals model.predict within 1e-6 relative on every row`, async () => {
        const out = await engine.client.run('model.exportCtr', { modelId: (models[name] as TrainOutcome).model.modelId, format: 'sql', dialect: 'duckdb', layout, table: ['keyed'], keep: ['rid'], weightsTable: [`w_${name}`] });
        if (out.setup) await engine.client.run('sql.run', { sql: out.setup });
        const rows = await queryRows(engine.client, (out.query as string).replace(/;\s*$/, ''));
        const app = appScores[name] as Map<number, number>;
        expect(rows).toHaveLength(app.size);
        let worst = 0;
        for (const r of rows) {
          const expected = app.get(Number(r.rid)) as number;
          worst = Math.max(worst, Math.abs(Number(r.prediction) - expected) / Math.max(Math.abs(expected), 1e-12));
        }
        expect(worst).toBeLessThanOrEqual(1e-6);
      });
    }
  }

  for (const name of ['deepfm', 'fm'] as const) {
    it(`${name}: ONNX in onnxruntime-web equals model.predict within 1e-5 on every row`, async () => {
      const modelId = (models[name] as TrainOutcome).model.modelId;
      const { onnx } = await engine.client.run('model.exportCtr', { modelId, format: 'onnx' });
      const { weights } = readCtrModel((await engine.client.run('model.export', { modelId })).json);
      const rows = await queryRows(engine.client, 'SELECT * FROM keyed ORDER BY rid');
      const session = await ort.InferenceSession.create(onnx as Uint8Array);
      const { slots, values, dims } = ctrOnnxInputs(weights, rows);
      const result = await session.run({ slots: new ort.Tensor('int64', slots, dims), values: new ort.Tensor('float32', values, dims) });
      const probability = result.probability?.data as Float32Array;
      const app = appScores[name] as Map<number, number>;
      let worst = 0;
      rows.forEach((r, i) => (worst = Math.max(worst, Math.abs((probability[i] as number) - (app.get(Number(r.rid)) as number)))));
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  }

  it('refuses SQL for DeepFM and any export of a tree model, in plain words', async () => {
    await expect(engine.client.run('model.exportCtr', { modelId: (models.deepfm as TrainOutcome).model.modelId, format: 'sql' })).rejects.toThrow(/DeepFM model has no SQL form/);
    const gbdt = await engine.client.run('model.train', { source: { table: 'ctr' }, target: 'label', params: { num_boost_round: 3 }, split });
    await expect(engine.client.run('model.exportCtr', { modelId: gbdt.model.modelId, format: 'onnx' })).rejects.toThrow(/SQL and ONNX export are for lr, fm and deepfm models/);
  });
});
