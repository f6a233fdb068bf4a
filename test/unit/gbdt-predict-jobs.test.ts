import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine } from '../../workers/data/engine';
import { ModelService } from '../../workers/gbdt/jobs';
import { resolveParams } from '../../workers/gbdt/params';
import { trainGbdt } from '../../workers/gbdt/train';
import { toXgboostJson } from '../../workers/gbdt/xgboost-json';
import { NodeDuckDriver } from '../../workers/node/driver-node';
import { loadParquetNode } from '../../workers/node/engine-node';
import { EngineError } from '../../workers/protocol/errors';
import type { JobContext } from '../../workers/protocol/host';

let driver: NodeDuckDriver;
let service: ModelService;
const ctx = { signal: new AbortController().signal, progress: () => undefined } as unknown as JobContext;

/** Seeded-looking but SQL-computed rows: x1, x2 in [0, 1), a 3-class label and a yes/no label. */
const ROWS = `SELECT i, ((i * 7919) % 1000) / 1000.0 AS x1, ((i * 104729) % 997) / 997.0 AS x2 FROM range(900) t(i)`;

beforeAll(async () => {
  driver = await NodeDuckDriver.create();
  const engine = new DataEngine(driver, loadParquetNode);
  await driver.query(
    `CREATE TABLE pts AS SELECT x1, CASE WHEN i % 10 = 0 THEN NULL ELSE x2 END AS x2,
       CASE WHEN x1 + x2 < 0.7 THEN 'a' WHEN x1 + x2 < 1.3 THEN 'b' ELSE 'c' END AS cls,
       CASE WHEN x1 > x2 THEN 'yes' ELSE 'no' END AS buy,
       CASE WHEN x1 > x2 THEN 1 ELSE 0 END AS y01
     FROM (${ROWS})`,
  );
  service = new ModelService(engine);
});
afterAll(async () => {
  await driver.close();
});

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<EngineError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected a failure');
}

describe('model.shap for multi-class models', () => {
  it('explains the class asked for, the predicted class of a single row by default, and stays additive', async () => {
    const outcome = await service.train({ source: { table: 'pts' }, target: 'cls', features: ['x1', 'x2'], params: { num_boost_round: 8, max_depth: 3 }, split: { kind: 'random', validFraction: 0.3, seed: 1 } }, ctx);
    const id = outcome.model.modelId;
    const summary0 = service.shap(id, 60);
    expect(summary0.classIndex).toBe(0);
    expect(summary0.classes).toEqual(['a', 'b', 'c']);
    const summary2 = service.shapJob({ modelId: id, sampleRows: 60, classIndex: 2 });
    expect(summary2.classIndex).toBe(2);
    expect(summary2.rowIndices).toEqual(summary0.rowIndices);
    let differ = 0;
    for (let i = 0; i < summary0.values.length; i++) if (summary0.values[i] !== summary2.values[i]) differ++;
    expect(differ).toBeGreaterThan(0);
    for (const s of [summary0, summary2]) {
      for (let r = 0; r < s.rows; r++) {
        let sum = s.bias[r] as number;
        for (let f = 0; f < s.features.length; f++) sum += s.values[r * s.features.length + f] as number;
        expect(Math.abs(sum - (s.margins[r] as number))).toBeLessThan(1e-4);
      }
    }
    // One row: the class with the largest margin unless told otherwise.
    for (const row of [0, 5, 17]) {
      const perClass = [0, 1, 2].map((k) => service.shap(id, 1, row, k).margins[0] as number);
      const predicted = perClass.indexOf(Math.max(...perClass));
      expect(service.shap(id, 1, row).classIndex).toBe(predicted);
    }
    expect((await failure(() => service.shap(id, 10, undefined, 3))).message).toMatch(/between 0 and 2/);
  });
});

describe('evaluating imported models on a table', () => {
  it('says why an imported model cannot be evaluated alone, then evaluates it on a table with the same metrics as before', async () => {
    const outcome = await service.train({ source: { table: 'pts' }, target: 'buy', features: ['x1', 'x2'], params: { num_boost_round: 10, max_depth: 3 }, split: { kind: 'random', validFraction: 0, seed: 1 } }, ctx);
    const { json } = service.exportModel(outcome.model.modelId);
    const imported = service.importModel(json, 'buy again');
    expect(imported.rows).toEqual({ train: 0, valid: 0 });
    expect((await failure(() => service.evaluateAt(imported.modelId, 0.5))).message).toMatch(/evaluated on a table/);
    expect((await failure(() => service.shap(imported.modelId))).message).toMatch(/evaluating on a table/);

    const evaluation = await service.evaluateJob({ modelId: imported.modelId, threshold: 0.5, source: { table: 'pts' } }, ctx);
    const original = outcome.evaluation.train.binary;
    expect(evaluation.binary?.rows).toBe(900);
    expect(evaluation.binary?.auc).toBe(original?.auc);
    expect(evaluation.binary?.confusion).toEqual(original?.confusion);
    // The rows stay: threshold changes and SHAP now work on them.
    expect(service.evaluateAt(imported.modelId, 0.3).binary?.rows).toBe(900);
    expect(service.shap(imported.modelId, 20).rows).toBe(20);
    expect(service.list().find((m) => m.modelId === imported.modelId)?.rows.valid).toBe(900);
  });

  it('evaluates a plain XGBoost model (no Assay attributes) given the target, and rejects targets that do not fit', async () => {
    const table = await driver.query('SELECT x1, x2, y01 FROM pts');
    const col = (name: string) => Float32Array.from(table.getChild(name)?.toArray() as ArrayLike<number>, (v) => (v === null ? Number.NaN : Number(v)));
    const { model } = await trainGbdt({ columns: [col('x1'), col('x2')], labels: col('y01') }, { params: resolveParams({ num_boost_round: 5, max_depth: 2 }), featureNames: ['x1', 'x2'] });
    const plain = service.importModel(toXgboostJson(model), 'plain');
    expect(plain.target).toBe('');
    expect((await failure(service.evaluateOn({ modelId: plain.modelId, threshold: 0.5, source: { table: 'pts' } }, ctx))).message).toMatch(/Name the target/);
    const evaluation = await service.evaluateOn({ modelId: plain.modelId, threshold: 0.5, source: { table: 'pts' }, target: 'y01' }, ctx);
    expect(evaluation.binary?.positives).toBe(Number((await driver.query('SELECT sum(y01) AS s FROM pts')).getChild('s')?.get(0)));
    expect(evaluation.binary?.auc).toBeGreaterThan(0.9);
    expect((await failure(service.evaluateOn({ modelId: plain.modelId, threshold: 0.5, source: { table: 'pts' }, target: 'cls' }, ctx))).message).toMatch(/two values/);
    expect((await failure(service.evaluateOn({ modelId: plain.modelId, threshold: 0.5, source: { sql: 'SELECT x1, y01 FROM pts' }, target: 'y01' }, ctx))).message).toMatch(/no column "x2"/);
  });
});
