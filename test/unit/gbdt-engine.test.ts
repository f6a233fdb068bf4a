import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainOutcome } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';
import { samples } from '../helpers/paths';

let engine: NodeEngine;

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'path', path: samples.shoppers } });
  await engine.client.run('data.open', { source: { kind: 'path', path: samples.bank } });
});
afterAll(async () => {
  await engine.close();
});


describe('model.train', () => {
  let outcome: TrainOutcome;
  const phases: string[] = [];

  beforeAll(async () => {
    outcome = await engine.client.run(
      'model.train',
      { source: { table: 'online_shoppers_intention' }, target: 'Revenue', params: { num_boost_round: 40, max_depth: 4, eta: 0.1, early_stopping_rounds: 0 }, split: { kind: 'stratified', validFraction: 0.2, seed: 42 } },
      { onProgress: (p) => phases.push(p.phase) },
    );
  });

  it('trains a binary model on a boolean target with one-hot text features and reports every round', () => {
    expect(outcome.model.label).toEqual({ kind: 'binary', positive: 'true', negative: 'false' });
    expect(outcome.model.rows).toEqual({ train: 9864, valid: 2466 });
    expect(outcome.model.features.some((f) => f.kind === 'onehot' && f.column === 'Month' && f.level === 'May')).toBe(true);
    expect(outcome.history).toHaveLength(40);
    expect(outcome.history[39]?.valid?.auc).toBeGreaterThan(0.9);
    expect(phases.some((p) => /^round \d+ of 40: valid auc 0\.\d+/.test(p))).toBe(true);
  });

  it('evaluates on the validation rows: metrics, curves and a confusion matrix that add up', () => {
    const v = outcome.evaluation.valid?.binary;
    expect(v).toBeDefined();
    if (!v) return;
    expect(v.rows).toBe(2466);
    expect(v.positives).toBe(382);
    const c = v.confusion;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(2466);
    expect(v.accuracy).toBeCloseTo((c.tp + c.tn) / 2466, 12);
    expect(v.roc.x[0]).toBe(0);
    expect(v.roc.y.at(-1)).toBe(1);
    expect(v.gain.y.at(-1)).toBe(1);
    expect(v.calibration.count.reduce((s, k) => s + k, 0)).toBe(2466);
  });

  it('ranks PageValues first by gain and explains predictions additively', async () => {
    const top = [...outcome.importance].sort((a, b) => b.gain - a.gain)[0];
    expect(top?.feature).toBe('PageValues');
    const shap = await engine.client.run('model.shap', { modelId: outcome.model.modelId, sampleRows: 50 });
    const F = shap.features.length;
    for (let r = 0; r < shap.rows; r++) {
      let sum = shap.bias[r] as number;
      for (let f = 0; f < F; f++) sum += shap.values[r * F + f] as number;
      expect(Math.abs(sum - (shap.margins[r] as number))).toBeLessThan(1e-4);
    }
  });

  it('re-evaluates at another threshold', async () => {
    const low = await engine.client.run('model.evaluate', { modelId: outcome.model.modelId, threshold: 0.1 });
    const high = await engine.client.run('model.evaluate', { modelId: outcome.model.modelId, threshold: 0.9 });
    expect(low.binary?.recall).toBeGreaterThan(high.binary?.recall ?? 1);
    expect(low.binary?.precision).toBeLessThan(high.binary?.precision ?? 0);
  });

  it('scores a table into a new table, one row per input row, in order, and round-trips through XGBoost JSON', async () => {
    const scored = await engine.client.run('model.predict', { modelId: outcome.model.modelId, source: { table: 'online_shoppers_intention' }, outputTable: 'scored' });
    expect(scored.rowCount).toBe(12_330);
    expect(scored.columns.at(-1)?.name).toBe('prediction');
    const exported = await engine.client.run('model.export', { modelId: outcome.model.modelId });
    const imported = await engine.client.run('model.import', { json: exported.json });
    expect(imported.features).toEqual(outcome.model.features);
    const again = await engine.client.run('model.predict', { modelId: imported.modelId, source: { table: 'online_shoppers_intention' }, outputTable: 'scored_again' });
    expect(again.rowCount).toBe(12_330);
    const diff = await engine.client.run('sql.run', { sql: 'SELECT max(abs(a.prediction - b.prediction)) AS d, count(*) AS n FROM scored a POSITIONAL JOIN scored_again b' });
    const { tableFromIPC } = await import('apache-arrow');
    const row = tableFromIPC(diff.preview).get(0)?.toJSON() as { d: number; n: bigint };
    expect(row.d).toBe(0);
  });
});

describe('model.train: labels, leaks and bad input', () => {
  it('warns "possible leak" for bank marketing\'s duration and names it', async () => {
    const r = await engine.client.run('model.train', { source: { table: 'bank_additional' }, target: 'y', params: { num_boost_round: 30, max_depth: 4, eta: 0.2 } });
    expect(r.warnings.join('\n')).toMatch(/possible leak: "duration"/);
  });

  it('needs the positive value when two text labels are ambiguous, and accepts yes/no', async () => {
    await engine.client.run('sql.run', { sql: "CREATE TABLE labels AS SELECT range AS x, CASE WHEN range % 3 = 0 THEN 'gold' ELSE 'silver' END AS tier, CASE WHEN range % 3 = 0 THEN 'yes' ELSE 'no' END AS yn, range % 3 AS three, range % 3 AS m FROM range(300)" });
    const ambiguous = await failure(engine.client.run('model.train', { source: { table: 'labels' }, target: 'tier', features: ['x'], params: { num_boost_round: 2 } }));
    expect(ambiguous.message).toMatch(/Which value of "tier" is the positive class: "gold" or "silver"\?/);
    const named = await engine.client.run('model.train', { source: { table: 'labels' }, target: 'tier', positive: 'gold', features: ['x'], params: { num_boost_round: 2 } });
    expect(named.model.label.positive).toBe('gold');
    const yn = await engine.client.run('model.train', { source: { table: 'labels' }, target: 'yn', features: ['x'], params: { num_boost_round: 2 } });
    expect(yn.model.label.positive).toBe('yes');
    const three = await failure(engine.client.run('model.train', { source: { table: 'labels' }, target: 'three', features: ['x'], params: { objective: 'binary:logistic', num_boost_round: 2 } }));
    expect(three.message).toMatch(/binary:logistic needs a target with two values, but "three" has 3/);
    const multi = await engine.client.run('model.train', { source: { table: 'labels' }, target: 'three', features: ['m'], params: { objective: 'multi:softprob', num_boost_round: 3 } });
    expect(multi.model.label.classes).toEqual(['0', '1', '2']);
    expect(multi.evaluation.valid?.multiclass?.accuracy).toBeGreaterThan(0.9);
  });

  it('gives clear errors for single-class labels, missing labels, all-NaN and constant features, 0 rows, rounds 0, max_depth 0', async () => {
    await engine.client.run('sql.run', { sql: 'CREATE TABLE bad AS SELECT range AS x, 1 AS one, NULL::DOUBLE AS empty, NULL::VARCHAR AS "empty text", range % 2 AS y, CASE WHEN range < 5 THEN NULL ELSE range % 2 END AS y_missing, CASE WHEN range = 3 THEN NULL ELSE range % 2 END AS "one missing", 7 AS constant_label FROM range(100)' });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ target: 'constant_label', features: ['x'] }, /single class/],
      [{ target: 'y_missing', features: ['x'] }, /5 rows have no value in the target "y_missing"/],
      [{ target: 'one missing', features: ['x'] }, /^1 row has no value in the target "one missing"\. Filter them out first \(WHERE "one missing" IS NOT NULL\)\.$/],
      [{ target: 'y', features: ['empty'] }, /Feature "empty" has no values/],
      [{ target: 'y', features: ['x', 'empty text'] }, /^Feature "empty text" has no values \(every row is missing\)\.$/],
      [{ target: 'y', features: ['one'] }, /Feature "one" is constant/],
      [{ target: 'y', features: ['x'], params: { num_boost_round: 0 } }, /num_boost_round must be a whole number of rounds >= 1/],
      [{ target: 'y', features: ['x'], params: { max_depth: 0 } }, /max_depth must be a whole number from 1 to 30/],
      [{ target: 'nope' }, /The target "nope" is not a column/],
    ];
    for (const [params, pattern] of cases) {
      const e = await failure(engine.client.run('model.train', { source: { table: 'bad' }, ...params } as never));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(pattern);
    }
    const empty = await failure(engine.client.run('model.train', { source: { sql: 'SELECT * FROM bad WHERE x < 0' }, target: 'y', features: ['x'] }));
    expect(empty.message).toMatch(/0 rows/);
    // Chosen by default, empty columns of any type are left out by name.
    const auto = await engine.client.run('model.train', { source: { sql: 'SELECT x, empty, "empty text", y FROM bad' }, target: 'y', params: { num_boost_round: 2 } });
    expect(auto.warnings).toEqual(expect.arrayContaining(['"empty" was left out: every row is missing.', '"empty text" was left out: every row is missing.']));
  });

  it('stops early on the validation set and keeps the best iteration', async () => {
    const r = await engine.client.run('model.train', {
      source: { table: 'online_shoppers_intention' },
      target: 'Revenue',
      params: { num_boost_round: 300, eta: 0.5, max_depth: 6, early_stopping_rounds: 5, eval_metric: 'logloss' },
    });
    expect(r.history.length).toBeLessThan(300);
    expect(r.model.bestIteration).not.toBeNull();
    expect(r.model.trees).toBe((r.model.bestIteration as number) + 1);
    expect(r.history.length).toBe((r.model.bestIteration as number) + 1 + 5);
  });

  it('is deterministic for a seed, subsampling included', async () => {
    const run = () => engine.client.run('model.train', { source: { table: 'online_shoppers_intention' }, target: 'Revenue', params: { num_boost_round: 5, subsample: 0.7, colsample_bytree: 0.6, seed: 3 } });
    const [a, b] = [await run(), await run()];
    expect(a.history).toEqual(b.history);
  });

  it('cancels training between rounds', async () => {
    const handle = engine.client.start('model.train', { source: { table: 'online_shoppers_intention' }, target: 'Revenue', params: { num_boost_round: 5000, eta: 0.01 } });
    await new Promise((r) => setTimeout(r, 1500));
    handle.cancel();
    await expect(handle.result).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('writes a model file that carries its encoding', async () => {
    const r = await engine.client.run('model.train', { source: { table: 'online_shoppers_intention' }, target: 'Revenue', params: { num_boost_round: 3 } });
    const { json } = await engine.client.run('model.export', { modelId: r.model.modelId });
    const doc = JSON.parse(json) as { learner: { attributes: Record<string, string>; feature_names: string[] } };
    expect(JSON.parse(doc.learner.attributes.assay_encoding as string).features).toHaveLength(r.model.features.length);
    expect(doc.learner.feature_names).toContain('Month=May');
    expect(path.basename('x')).toBe('x');
    void fs;
  });
});
