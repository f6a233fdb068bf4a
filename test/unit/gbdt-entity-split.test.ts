import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import { splitRowIndices } from '../../workers/gbdt/row-split';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';

/**
 * Entity-level holdout, k-fold cross-validation (by row or by entity) and id-like columns, for
 * boosted trees and the CTR kinds alike (one split function serves both).
 */
describe('splitRowIndices', () => {
  const n = 1000;
  const labels = Float32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 1 : 0));
  const entityOf = (i: number): number => Math.floor(i / 5);
  // What splitValueExpression computes in DuckDB: the entity's bucket in [0, 1).
  const buckets = Float32Array.from({ length: n }, (_, i) => ((entityOf(i) * 2654435761) % 1_000_000) / 1_000_000);

  it('holds out whole entities: no entity on both sides', () => {
    const { train, valid } = splitRowIndices(n, labels, { kind: 'entity', keyColumn: 'user', validFraction: 0.3 }, buckets);
    const trainEntities = new Set(Array.from(train, entityOf));
    for (const i of valid) expect(trainEntities.has(entityOf(i))).toBe(false);
    expect(valid.length / n).toBeGreaterThan(0.15);
    expect(valid.length / n).toBeLessThan(0.45);
  });

  it('k folds partition the rows (random, stratified) and the entities (entity); each fold keeps the class balance when stratified', () => {
    for (const kind of ['random', 'stratified', 'entity'] as const) {
      const seen = new Uint8Array(n);
      for (let fold = 0; fold < 5; fold++) {
        const { train, valid } = splitRowIndices(n, labels, { kind, keyColumn: 'user', folds: 5, fold }, kind === 'entity' ? buckets : null);
        expect(train.length + valid.length).toBe(n);
        for (const i of valid) seen[i] = (seen[i] as number) + 1;
        if (kind === 'stratified') expect(Array.from(valid).filter((i) => labels[i] === 1).length).toBe(50);
        if (kind === 'entity') {
          const trainEntities = new Set(Array.from(train, entityOf));
          for (const i of valid) expect(trainEntities.has(entityOf(i))).toBe(false);
        }
      }
      expect(Array.from(seen).every((c) => c === 1), `${kind}: every row validates exactly once`).toBe(true);
    }
  });

  it('keeps the stratified split it always made (same seed, same rows)', () => {
    const a = splitRowIndices(n, labels, { kind: 'stratified', validFraction: 0.2, seed: 7 }, null);
    const b = splitRowIndices(n, labels, undefined, null);
    expect(a.valid.length).toBe(200);
    expect(b.valid.length).toBe(200);
    expect(Array.from(a.valid)).not.toEqual(Array.from(b.valid));
    expect(Array.from(splitRowIndices(n, labels, { kind: 'stratified', validFraction: 0.2, seed: 7 }, null).valid)).toEqual(Array.from(a.valid));
  });

  it('refuses folds on a time split and folds out of range, in plain words', () => {
    const times = Float32Array.from({ length: n }, (_, i) => i);
    expect(() => splitRowIndices(n, labels, { kind: 'time', timeColumn: 't', folds: 3, fold: 0 }, times)).toThrow(/time split holds out the latest rows/);
    expect(() => splitRowIndices(n, labels, { kind: 'random', folds: 1, fold: 0 }, null)).toThrow(EngineError);
    expect(() => splitRowIndices(n, labels, { kind: 'random', folds: 3, fold: 3 }, null)).toThrow(/The fold must be 0 to 2/);
    expect(() => splitRowIndices(n, labels, { kind: 'entity', keyColumn: 'user' }, null)).toThrow(/needs the key column/);
  });
});

describe('training with an entity split, cross-validation and id-like columns', { timeout: 120_000 }, () => {
  let engine: NodeEngine;
  beforeAll(async () => {
    engine = await createInProcessEngine();
    // 400 users with 6 events each; the label is a property of the user (buyers spend more), so a
    // row split leaks a user's other rows into training. event_id is a unique whole number.
    await engine.client.run('sql.run', {
      sql: `CREATE TABLE events AS SELECT i AS event_id, i // 6 AS user_id, (hash(i // 6) % 7 = 0) AS buyer,
              CAST((hash(i) % 1000) AS DOUBLE) / 10 + CASE WHEN hash(i // 6) % 7 = 0 THEN 40 ELSE 0 END AS spend,
              CAST(hash(i * 31) % 5 AS INTEGER) AS visits
            FROM range(2400) t(i)`,
      preview: 0,
    });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('holds out whole users, and leaves the unique event_id out of the features with a notice', async () => {
    const outcome = await engine.client.run('model.train', {
      source: { table: 'events' },
      target: 'buyer',
      params: { num_boost_round: 10, max_depth: 3 },
      split: { kind: 'entity', keyColumn: 'user_id', validFraction: 0.25, seed: 1 },
    });
    expect(outcome.model.features.map((f) => f.column)).not.toContain('event_id');
    expect(outcome.warnings.join('\n')).toMatch(/"event_id" was left out: its whole-number values are unique/);
    // user_id names the entity the split holds out: left out too (it repeats, so not as an id).
    expect(outcome.model.features.map((f) => f.column)).not.toContain('user_id');
    expect(outcome.warnings.join('\n')).toMatch(/"user_id" was left out of the features: it names the entity/);
    expect(outcome.model.rows.valid % 6).toBe(0);
    // Named, the id column is used.
    const named = await engine.client.run('model.train', { source: { table: 'events' }, target: 'buyer', features: ['event_id', 'spend'], params: { num_boost_round: 3 } });
    expect(named.model.features.map((f) => f.column)).toContain('event_id');
  });

  it('cross-validates by entity for boosted trees and an FM: k fold metrics, mean and sd, then the model on the plain split', async () => {
    for (const kind of ['gbdt', 'fm'] as const) {
      const phases: string[] = [];
      const before = (await engine.client.run('model.list', {})).length;
      const outcome = await engine.client.run(
        'model.train',
        {
          source: { table: 'events' },
          target: 'buyer',
          features: ['spend', 'visits'],
          kind,
          params: kind === 'gbdt' ? { num_boost_round: 10, max_depth: 3 } : { epochs: 3, k: 4 },
          split: { kind: 'entity', keyColumn: 'user_id', validFraction: 0.2 },
          cv: 3,
        },
        { onProgress: (p) => phases.push(p.phase) },
      );
      const cv = outcome.crossValidation;
      expect(cv?.folds, kind).toBe(3);
      expect(cv?.split).toBe('entity');
      expect(cv?.metrics.auc?.values).toHaveLength(3);
      const values = cv?.metrics.auc?.values ?? [];
      expect(cv?.metrics.auc?.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / 3, 12);
      expect(cv?.metrics.auc?.sd).toBeGreaterThanOrEqual(0);
      expect(phases.some((p) => p.startsWith('fold 2 of 3: '))).toBe(true);
      expect(phases.some((p) => p.startsWith('final model: '))).toBe(true);
      // Only the final model stays loaded.
      expect((await engine.client.run('model.list', {})).length).toBe(before + 1);
    }
  });

  it('explains a missing key column and bad fold counts', async () => {
    const missing = await failure(engine.client.run('model.train', { source: { table: 'events' }, target: 'buyer', split: { kind: 'entity', keyColumn: 'customer' } }));
    expect(missing.message).toMatch(/The key column "customer" is not a column of the data/);
    const folds = await failure(engine.client.run('model.train', { source: { table: 'events' }, target: 'buyer', cv: 1 }));
    expect(folds.message).toMatch(/Cross-validation takes 2 to 20 folds/);
  });
});

describe('cross-validation folds are scored honestly', { timeout: 120_000 }, () => {
  it('folds train every round (no early stopping on the rows they are scored on), and the split key is not a feature', async () => {
    const engine = await createInProcessEngine();
    try {
      await engine.client.run('sql.run', {
        sql: `CREATE TABLE visits AS SELECT i // 4 AS customer, (hash(i // 4) % 5 = 0) AS buyer, CAST(hash(i) % 100 AS DOUBLE) AS pages FROM range(1200) t(i)`,
        preview: 0,
      });
      const phases: string[] = [];
      const outcome = await engine.client.run(
        'model.train',
        { source: { table: 'visits' }, target: 'buyer', params: { num_boost_round: 30, max_depth: 2 }, split: { kind: 'entity', keyColumn: 'customer' }, cv: 2 },
        { onProgress: (p) => phases.push(p.phase) },
      );
      // Pure noise: early stopping would stop each fold early; the folds run all 30 rounds.
      expect(outcome.crossValidation?.rounds).toEqual([30, 30]);
      expect(phases.some((p) => p.startsWith('fold 2 of 2: '))).toBe(true);
      expect(outcome.model.features.map((f) => f.column)).toEqual(['pages']);
      expect(outcome.warnings.join('\n')).toMatch(/"customer" was left out of the features: it names the entity the split holds out/);
    } finally {
      await engine.close();
    }
  });
});
