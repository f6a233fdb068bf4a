import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainOutcome, TrainParams } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { readCtrModel, writeCtrModel } from '../../workers/ctr/model-file';
import { probabilities, scoreMargins, scoreRows } from '../../workers/ctr/score';
import { slotCount } from '../../workers/ctr/weights';
import { failure } from '../helpers/engine';
import { sharedDatasets } from '../helpers/paths';
import { generateCtr, softAuc, writeCtr } from '../../scripts/gen-ctr';

// One engine and one small interaction-heavy generated set (FM-structured truth) for the file.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-ctr-'));
let engine: NodeEngine;
let bayesAuc = 0;
const split = { kind: 'stratified' as const, validFraction: 0.25, seed: 5 };

function sql(text: string): Promise<unknown> {
  return engine.client.run('sql.run', { sql: text });
}

async function rowsOf(text: string): Promise<Array<Record<string, unknown>>> {
  const out = await engine.client.run('sql.run', { sql: text });
  const fetched = await engine.client.run('sql.fetch', { resultId: out.resultId as string, offset: 0, limit: 100_000 });
  await engine.client.run('sql.release', { resultId: out.resultId as string });
  return tableFromIPC(fetched.ipc)
    .toArray()
    .map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
}

function train(kind: TrainParams['kind'], params: Record<string, number | string> = {}, extra: Partial<TrainParams> = {}): Promise<TrainOutcome> {
  return engine.client.run('model.train', { source: { table: 'ctr' }, target: 'label', kind, params, split, ...extra });
}

beforeAll(async () => {
  const data = generateCtr({ rows: 12_000, seed: 11, numeric: 2, categorical: 6, maxLevels: 40, missing: 0.02, interaction: 2.5 });
  bayesAuc = data.bayesAuc;
  await writeCtr(data, dir, false);
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'path', path: path.join(dir, 'ctr.csv') } });
}, 60_000);

afterAll(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the CTR generator', () => {
  it('reports the exact Bayes AUC of its soft labels and is seeded', () => {
    const a = generateCtr({ rows: 2000, seed: 3, categorical: 4, numeric: 1, maxLevels: 30 });
    const b = generateCtr({ rows: 2000, seed: 3, categorical: 4, numeric: 1, maxLevels: 30 });
    expect(a.labels).toEqual(b.labels);
    expect(a.bayesAuc).toBe(b.bayesAuc);
    // Soft AUC by brute force over every (positive, negative) weighting of two rows.
    const p = a.probabilities.subarray(0, 300);
    let num = 0;
    let den = 0;
    for (let i = 0; i < p.length; i++) {
      for (let j = 0; j < p.length; j++) {
        if (i === j) continue;
        const w = p[i]! * (1 - p[j]!);
        den += w;
        num += p[i]! > p[j]! ? w : p[i] === p[j] ? w / 2 : 0;
      }
    }
    // The brute force counts i==j pairs out; softAuc counts a row against itself as a tie (half), a 1/n effect.
    expect(Math.abs(softAuc(Float64Array.from(p), Float64Array.from(p)) - num / den)).toBeLessThan(5e-3);
    expect(a.bayesAuc).toBeGreaterThan(0.6);
    expect(a.bayesAuc).toBeLessThan(1);
  });
});

describe('CTR models on interaction-heavy data', () => {
  let fm: TrainOutcome;
  let lr: TrainOutcome;
  let gbdt: TrainOutcome;

  beforeAll(async () => {
    fm = await train('fm', { k: 8, epochs: 12 });
    lr = await train('lr', { epochs: 12 });
    gbdt = await engine.client.run('model.train', { source: { table: 'ctr' }, target: 'label', params: { num_boost_round: 60, max_depth: 6 }, split });
  }, 120_000);

  it('FM clearly beats one-hot LR and GBDT on the same validation rows, below the Bayes AUC', () => {
    const auc = (o: TrainOutcome): number => o.evaluation.valid?.binary?.auc ?? Number.NaN;
    expect(fm.model.rows).toEqual(gbdt.model.rows);
    expect(auc(fm)).toBeGreaterThan(auc(lr) + 0.03);
    expect(auc(fm)).toBeGreaterThan(auc(gbdt) + 0.03);
    expect(auc(fm)).toBeLessThan(bayesAuc + 0.02);
    expect(fm.model.kind).toBe('fm');
    expect(gbdt.model.kind).toBe('gbdt');
  });

  it('reports epochs as history, field importance, FM interactions and the backend', () => {
    expect(fm.history.length).toBeGreaterThan(1);
    expect(fm.history[0]?.valid?.auc).toBeGreaterThan(0.5);
    expect(fm.importance.map((i) => i.feature).sort()).toEqual(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'I1', 'I2']);
    expect(Math.max(...fm.importance.map((i) => i.gain))).toBeGreaterThan(0);
    // 8 fields: 28 pairs, the 20 strongest reported.
    expect(fm.interactions?.length).toBe(20);
    expect(fm.interactions?.[0]?.strength).toBeGreaterThanOrEqual(fm.interactions?.[1]?.strength ?? 0);
    expect(fm.model.backend?.reason).toMatch(/typed arrays/);
    expect(lr.interactions).toEqual([]);
  });

  it('lists CTR and GBDT models together and evaluates a CTR model at another threshold', async () => {
    const list = await engine.client.run('model.list', {});
    expect(list.map((m) => m.kind)).toEqual(expect.arrayContaining(['fm', 'lr', 'gbdt']));
    const at = await engine.client.run('model.evaluate', { modelId: fm.model.modelId, threshold: 0.9 });
    expect(at.binary?.auc).toBeCloseTo(fm.evaluation.valid?.binary?.auc ?? 0, 10);
    expect(at.binary?.threshold).toBe(0.9);
    const shap = await failure(engine.client.run('model.shap', { modelId: fm.model.modelId }));
    expect(shap.message).toMatch(/tree models/);
  });

  it('scores from the saved weights: predict equals an exported, re-imported model, in input order', async () => {
    const { json } = await engine.client.run('model.export', { modelId: fm.model.modelId });
    const imported = await engine.client.run('model.import', { json });
    expect(imported.kind).toBe('fm');
    await engine.client.run('model.predict', { modelId: fm.model.modelId, source: { sql: 'SELECT * FROM ctr LIMIT 500' }, outputTable: 'p_a' });
    await engine.client.run('model.predict', { modelId: imported.modelId, source: { sql: 'SELECT * FROM ctr LIMIT 500' }, outputTable: 'p_b' });
    const rows = await rowsOf('SELECT a.C1 AS c1, b.C1 AS c1b, a.prediction AS pa, b.prediction AS pb FROM p_a a POSITIONAL JOIN p_b b');
    const input = await rowsOf('SELECT C1 FROM ctr LIMIT 500');
    expect(rows).toHaveLength(500);
    rows.forEach((r, i) => {
      expect(r.pa).toBe(r.pb);
      expect(r.c1).toBe(input[i]?.C1);
    });
  });

  it('is deterministic for a seed', async () => {
    const again = await train('fm', { k: 8, epochs: 12 });
    expect(again.history).toEqual(fm.history);
    const a = (await engine.client.run('model.export', { modelId: fm.model.modelId })).json;
    const b = (await engine.client.run('model.export', { modelId: again.model.modelId })).json;
    expect(JSON.parse(b).weightData).toBe(JSON.parse(a).weightData);
  });
});

describe('CTR input pipeline', () => {
  it('scores unseen and NULL levels alike (the field\'s "other" slot), and NaN/Inf numbers like NULL', async () => {
    const m = await train('fm', { k: 4, epochs: 2 });
    await sql(`CREATE OR REPLACE TABLE odd AS (SELECT * REPLACE ('never-seen-level' AS C1) FROM ctr LIMIT 50)
               UNION ALL (SELECT * REPLACE (NULL AS C1) FROM ctr LIMIT 50)`);
    await engine.client.run('model.predict', { modelId: m.model.modelId, source: { table: 'odd' }, outputTable: 'odd_p' });
    const p = (await rowsOf('SELECT prediction FROM odd_p')).map((r) => Number(r.prediction));
    for (let i = 0; i < 50; i++) expect(p[i]).toBe(p[i + 50]);
    // A DOUBLE column with NaN and Inf: both count as missing, like NULL.
    await sql(`CREATE OR REPLACE TABLE nums AS SELECT CAST(I1 AS DOUBLE) AS I1, * EXCLUDE (I1) FROM ctr`);
    await sql(`UPDATE nums SET I1 = CASE WHEN rowid % 3 = 0 THEN 'nan'::DOUBLE WHEN rowid % 3 = 1 THEN 'inf'::DOUBLE ELSE I1 END WHERE rowid < 300`);
    const n = await engine.client.run('model.train', { source: { table: 'nums' }, target: 'label', kind: 'lr', params: { epochs: 2 }, split });
    expect(n.evaluation.valid?.binary?.auc).toBeGreaterThan(0.5);
    await sql(`CREATE OR REPLACE TABLE nums3 AS (SELECT * REPLACE ('nan'::DOUBLE AS I1) FROM nums LIMIT 5) UNION ALL (SELECT * REPLACE ('-inf'::DOUBLE AS I1) FROM nums LIMIT 5) UNION ALL (SELECT * REPLACE (NULL AS I1) FROM nums LIMIT 5)`);
    await engine.client.run('model.predict', { modelId: n.model.modelId, source: { table: 'nums3' }, outputTable: 'nums3_p' });
    const q = (await rowsOf('SELECT prediction FROM nums3_p')).map((r) => Number(r.prediction));
    for (let i = 0; i < 5; i++) {
      expect(q[i]).toBe(q[i + 10]);
      expect(q[i + 5]).toBe(q[i + 10]);
    }
  }, 60_000);

  it('hashes levels with MD5 as the contract says (first 32 bits, big-endian, mod buckets, +1)', async () => {
    const m = await train('lr', { epochs: 1, hash_buckets: 97 });
    const { json } = await engine.client.run('model.export', { modelId: m.model.modelId });
    const { weights } = readCtrModel(json);
    const c1 = weights.encoding.fields.findIndex((f) => f.name === 'C1');
    expect(weights.encoding.fields[c1]).toMatchObject({ encoding: 'hash', hashBuckets: 97 });
    // Give every bucket a distinct weight and read the slot each level landed in back from the score.
    const probe = { ...weights, bias: 0, linear: weights.linear.map((w, f) => (f === c1 ? Float32Array.from(w, (_, s) => s / 100) : new Float32Array(w.length))) };
    const probeModel = await engine.client.run('model.import', { json: writeCtrModel(probe, { name: 'probe', target: 'label', label: { kind: 'binary', positive: '1', negative: '0' }, params: {}, backend: null, trainedAt: '', bestEpoch: null }) });
    await engine.client.run('model.predict', { modelId: probeModel.modelId, source: { sql: 'SELECT * FROM ctr LIMIT 200' }, outputTable: 'hash_p' });
    const rows = await rowsOf('SELECT C1, prediction FROM hash_p');
    for (const r of rows) {
      const slot = Math.round(100 * Math.log(Number(r.prediction) / (1 - Number(r.prediction))));
      const expected = r.C1 === null ? 0 : 1 + (crypto.createHash('md5').update(String(r.C1), 'utf8').digest().readUInt32BE(0) % 97);
      expect(slot).toBe(expected);
    }
  });

  it('trains DeepFM on tfjs and scores it from CtrWeights as its training validation did', async () => {
    const d = await train('deepfm', { k: 4, epochs: 2, hidden: '16,8', early_stopping_rounds: 0 });
    expect(d.model.backend?.reason).toMatch(/tfjs (WASM|CPU) backend/);
    const last = d.history[d.history.length - 1];
    // The trainer's float32 forward pass (tfjs MLP) and the float64 CtrWeights scorer agree.
    expect(Math.abs((last?.valid?.logloss ?? 0) - (d.evaluation.valid?.binary?.logloss ?? 1))).toBeLessThan(1e-4);
    const { json } = await engine.client.run('model.export', { modelId: d.model.modelId });
    const file = JSON.parse(json) as { weightSpecs: Array<{ name: string; shape: number[] }> };
    expect(file.weightSpecs.filter((s) => s.name.startsWith('mlp/')).map((s) => s.shape)).toEqual([[8 * 4, 16], [16], [16, 8], [8], [8, 1], [1]]);
    // The jobs' scorer (float32 MLP: first layer per distinct embedding, the rest on tfjs) stays within 1e-6 of the float64 reference.
    const { weights } = readCtrModel(json);
    const n = 9000; // three scoring batches: distinct slots are collected afresh per batch
    const F = weights.encoding.fields.length;
    const slots = new Int32Array(n * F);
    const values = new Float64Array(n * F);
    for (let i = 0; i < n * F; i++) {
      const field = weights.encoding.fields[i % F]!;
      slots[i] = field.kind === 'numeric' ? 0 : (i * 7919) % slotCount(field);
      values[i] = field.kind === 'numeric' ? ((i % 13) - 6) / 3 : 1;
    }
    const rows = { rows: n, fields: F, slots, values };
    const reference = probabilities(scoreMargins(weights, rows));
    const jobs = probabilities(await scoreRows(weights, rows));
    for (let i = 0; i < n; i++) expect(Math.abs(jobs[i]! - reference[i]!) / reference[i]!).toBeLessThan(1e-6);
  }, 60_000);

  it('trains a DeepFM without hidden layers (one linear layer over the embeddings) without tfjs, scored as validation did', async () => {
    const d = await train('deepfm', { k: 4, epochs: 2, hidden: '0', early_stopping_rounds: 0 });
    expect(d.model.backend?.reason).toMatch(/^no tfjs: the MLP has no hidden layer; the MLP's first layer runs once per distinct embedding/);
    const last = d.history[d.history.length - 1];
    expect(Math.abs((last?.valid?.logloss ?? 0) - (d.evaluation.valid?.binary?.logloss ?? 1))).toBeLessThan(1e-4);
    const { json } = await engine.client.run('model.export', { modelId: d.model.modelId });
    const { weights } = readCtrModel(json);
    expect(weights.mlp.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([[8 * 4, 1, 'linear']]);
  }, 60_000);

  it('stops early at the best validation epoch and keeps it; Adagrad and FTRL train too', async () => {
    const m = await train('fm', { k: 8, epochs: 40, learning_rate: 0.05, early_stopping_rounds: 1 });
    expect(m.history.length).toBeLessThan(40);
    const losses = m.history.map((h) => h.valid?.logloss ?? Number.POSITIVE_INFINITY);
    expect(m.model.bestIteration).toBe(losses.indexOf(Math.min(...losses)));
    expect(m.model.bestIteration).toBe(m.history.length - 2);
    // The saved weights are the best epoch's: evaluation reproduces that epoch's validation loss.
    expect(m.evaluation.valid?.binary?.logloss).toBeCloseTo(Math.min(...losses), 4);
    for (const optimizer of ['adagrad', 'ftrl']) {
      const o = await train('lr', { epochs: 3, optimizer, learning_rate: 0.1 });
      expect(o.evaluation.valid?.binary?.auc).toBeGreaterThan(0.6);
    }
  }, 60_000);

  it('cancels training at a batch boundary', async () => {
    const handle = engine.client.start('model.train', { source: { table: 'ctr' }, target: 'label', kind: 'fm', params: { epochs: 2000, batch_size: 64, early_stopping_rounds: 0 }, split });
    await new Promise((r) => setTimeout(r, 1500));
    handle.cancel();
    await expect(handle.result).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('CTR bad input', () => {
  it('refuses a single-class label, k <= 0, unknown parameters and a named all-null or one-level field', async () => {
    await sql(`CREATE OR REPLACE TABLE bad AS SELECT *, 1 AS one, NULL::VARCHAR AS nothing, 'same' AS constant FROM ctr LIMIT 500`);
    const single = await failure(engine.client.run('model.train', { source: { table: 'bad' }, target: 'one', kind: 'fm' }));
    expect(single.message).toMatch(/single class/);
    const k0 = await failure(train('fm', { k: 0 }));
    expect(k0.message).toBe('Parameter k must be a whole number from 1 to 512 (got 0).');
    const unknown = await failure(train('lr', { max_depth: 3 }));
    expect(unknown.message).toMatch(/Unknown parameter "max_depth" for a lr model/);
    const allNull = await failure(engine.client.run('model.train', { source: { table: 'bad' }, target: 'label', kind: 'lr', features: ['C1', 'nothing'] }));
    expect(allNull.message).toBe('Feature "nothing" every row is missing; it cannot help a model.');
    const oneLevel = await failure(engine.client.run('model.train', { source: { table: 'bad' }, target: 'label', kind: 'lr', features: ['C1', 'constant'] }));
    expect(oneLevel.message).toMatch(/"constant" it has the same value in every row/);
    // Not named: left out with a warning.
    const fine = await engine.client.run('model.train', { source: { table: 'bad' }, target: 'label', kind: 'lr', params: { epochs: 1 } });
    expect(fine.warnings.join('\n')).toMatch(/"nothing" was left out: every row is missing/);
    expect(fine.warnings.join('\n')).toMatch(/"constant" was left out: it has the same value in every row/);
  });

  it('refuses model files from a newer Assay, of another kind, of an unknown kind or damaged', async () => {
    const m = await train('lr', { epochs: 1 });
    const { json } = await engine.client.run('model.export', { modelId: m.model.modelId });
    const doc = JSON.parse(json) as Record<string, unknown>;
    const newer = await failure(engine.client.run('model.import', { json: JSON.stringify({ ...doc, version: 2 }) }));
    expect(newer.message).toMatch(/written by a newer Assay \(CTR format version 2\)/);
    expect(() => readCtrModel(json, 'fm')).toThrow('This is a lr model file, not a fm one.');
    const odd = await failure(engine.client.run('model.import', { json: JSON.stringify({ ...doc, kind: 'svm' }) }));
    expect(odd.message).toMatch(/unknown model kind "svm"/);
    const cut = await failure(engine.client.run('model.import', { json: JSON.stringify({ ...doc, weightData: String(doc.weightData).slice(0, 40) }) }));
    expect(cut.message).toMatch(/damaged/);
  });
});

const samples = path.join(sharedDatasets, 'ctr_samples_deepctr');
describe.skipIf(!fs.existsSync(samples))('Criteo and Avazu samples (../shared/datasets/ctr_samples_deepctr; skipped where ../shared is absent)', () => {
  it('load and train an FM with hashed and vocabulary fields', async () => {
    await engine.client.run('data.open', { source: { kind: 'path', path: path.join(samples, 'criteo_sample.txt') }, tableName: 'criteo', format: 'csv' });
    const catalog = await engine.client.run('data.catalog', {});
    const criteo = catalog.find((t) => /criteo/i.test(t.name))?.name as string;
    const a = await engine.client.run('model.train', { source: { table: criteo }, target: 'label', kind: 'fm', params: { k: 4, epochs: 3, hash_buckets: 1000 }, split: { kind: 'stratified', validFraction: 0.25, seed: 1 } });
    expect(a.model.features.filter((f) => f.kind === 'onehot').length).toBeGreaterThanOrEqual(20);
    expect(Number.isFinite(a.evaluation.valid?.binary?.auc)).toBe(true);
    await engine.client.run('data.open', { source: { kind: 'path', path: path.join(samples, 'avazu_sample.txt') }, tableName: 'avazu', format: 'csv' });
    const avazu = (await engine.client.run('data.catalog', {})).find((t) => /avazu/i.test(t.name))?.name as string;
    const b = await engine.client.run('model.train', { source: { table: avazu }, target: 'click', kind: 'lr', params: { epochs: 3 }, split: { kind: 'stratified', validFraction: 0.25, seed: 1 } });
    expect(b.model.rows.train + b.model.rows.valid).toBe(100);
  });
});
