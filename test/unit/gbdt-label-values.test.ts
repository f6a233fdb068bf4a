/**
 * Positive classes named as the file writes them: DuckDB reads a yes/no column as BOOLEAN (and
 * 1/0 as a number), and every place that takes a positive value must still accept "yes".
 * Also: a named positive on a multi-class label is refused (never a silent multi-class model),
 * early stopping is on by default where there are validation rows, and overfitting is called out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booleanPolarity, findLabelValue, guessPositiveValue, oppositeSpelling, otherLabelValue } from '../../workers/data/label-values';
import { overfittingWarning } from '../../workers/gbdt/model-end';
import { defaultEarlyStoppingRounds } from '../../workers/gbdt/params';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import type { TagSetInput } from '../../workers/tags/tag';
import { failure } from '../helpers/engine';
import { samples } from '../helpers/paths';

describe('label values (pure)', () => {
  it('knows the spellings of true and false in any case, and their opposites in the same case', () => {
    for (const v of ['yes', 'Y', 'TRUE', 't', '1', '1.0']) expect(booleanPolarity(v)).toBe(true);
    for (const v of ['no', 'N', 'False', 'f', '0', '0.00']) expect(booleanPolarity(v)).toBe(false);
    for (const v of ['maybe', '2', '', 'yess']) expect(booleanPolarity(v)).toBeUndefined();
    expect([oppositeSpelling('yes'), oppositeSpelling('YES'), oppositeSpelling('Yes'), oppositeSpelling('y'), oppositeSpelling('1'), oppositeSpelling('F')]).toEqual(['no', 'NO', 'No', 'n', '0', 'T']);
  });

  it('finds a named value: exact, then ignoring case, then by meaning on a yes/no-like column', () => {
    // A BOOLEAN column (the file said yes/no): the name the user gave is what is recorded.
    expect(findLabelValue('yes', ['false', 'true'], true)).toEqual({ read: 'true', named: 'yes' });
    expect(findLabelValue('N', ['false', 'true'], true)).toEqual({ read: 'false', named: 'N' });
    expect(findLabelValue('TRUE', ['false', 'true'], true)).toEqual({ read: 'true', named: 'TRUE' });
    // Text and number columns: the column's own value is recorded.
    expect(findLabelValue('yes', ['N', 'Y'], false)).toEqual({ read: 'Y', named: 'Y' });
    expect(findLabelValue('Yes', ['no', 'yes'], false)).toEqual({ read: 'yes', named: 'yes' });
    expect(findLabelValue('yes', ['0', '1'], false)).toEqual({ read: '1', named: '1' });
    expect(findLabelValue('gold', ['gold', 'silver'], false)).toEqual({ read: 'gold', named: 'gold' });
    // Not every value is yes/no-like, or two values mean the same: no guessing.
    expect(findLabelValue('yes', ['0', '1', '2'], false)).toBeUndefined();
    expect(findLabelValue('yes', ['Y', 'yes', 'no'], false)).toEqual({ read: 'yes', named: 'yes' });
    expect(findLabelValue('true', ['Y', 'yes', 'no'], false)).toBeUndefined();
    expect(findLabelValue('maybe', ['false', 'true'], true)).toBeUndefined();
  });

  it('names the other class in the positive one\'s spelling, and guesses the positive only when the values tell', () => {
    expect(otherLabelValue({ read: 'true', named: 'yes' }, ['false', 'true'])).toEqual({ read: 'false', named: 'no' });
    expect(otherLabelValue({ read: 'Y', named: 'Y' }, ['N', 'Y'])).toEqual({ read: 'N', named: 'N' });
    expect(guessPositiveValue(['false', 'true'], true)).toEqual({ read: 'true', named: 'true' });
    expect(guessPositiveValue(['neg', 'pos'], false)).toEqual({ read: 'pos', named: 'pos' });
    expect(guessPositiveValue(['N', 'Y'], false)).toEqual({ read: 'Y', named: 'Y' });
    expect(guessPositiveValue(['gold', 'silver'], false)).toBeUndefined();
  });

  it('early stopping patience: 10% of the rounds, at least 20', () => {
    expect([defaultEarlyStoppingRounds(20), defaultEarlyStoppingRounds(100), defaultEarlyStoppingRounds(500), defaultEarlyStoppingRounds(1000)]).toEqual([20, 20, 50, 100]);
  });

  it('calls a model overfitted only when training and validation figures are far apart', () => {
    const binary = (auc: number) => ({ binary: { auc } }) as never;
    expect(overfittingWarning(binary(0.999), binary(0.65), 19, 39)).toMatch(/^overfitting: at the best iteration \(round 20 of 39\), training AUC is 0\.999 but validation AUC 0\.650/);
    expect(overfittingWarning(binary(0.97), binary(0.92), null, 100)).toBeNull();
    expect(overfittingWarning(binary(0.99), null, null, 100)).toBeNull();
    const regression = (rmse: number) => ({ regression: { rmse } }) as never;
    expect(overfittingWarning(regression(1), regression(2), null, 50)).toMatch(/after 50 rounds, validation RMSE is 2\.0 times the training RMSE/);
  });
});

describe('positive values in the engine', { timeout: 120_000 }, () => {
  let engine: NodeEngine;
  beforeAll(async () => {
    engine = await createInProcessEngine();
    await engine.client.run('data.open', { source: { kind: 'path', path: samples.bank } });
    await engine.client.run('sql.run', {
      sql: `CREATE TABLE labels AS SELECT range AS x, (range * 7919) % 101 AS noise,
              CASE WHEN range % 3 = 0 THEN 'Y' ELSE 'N' END AS yn_text,
              CASE WHEN range % 3 = 0 THEN 1 ELSE 0 END AS one_zero,
              CASE WHEN range % 3 = 0 THEN 'yes' ELSE 'no' END AS yes_text,
              CAST(range % 3 AS VARCHAR) AS three,
              hash(range) % 2 AS coin
            FROM range(600)`,
    });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('reads the bank sample\'s y (yes/no in the file) as BOOLEAN, and trains with positive "yes" in any spelling', async () => {
    const catalog = await engine.client.run('data.catalog', {});
    expect(catalog.find((t) => t.name === 'bank_additional')?.columns.find((c) => c.name === 'y')?.type).toBe('BOOLEAN');
    for (const positive of ['yes', 'YES', 'y', '1', 'true']) {
      const r = await engine.client.run('model.train', { source: { table: 'bank_additional' }, target: 'y', positive, features: ['duration', 'age'], params: { num_boost_round: 3, max_depth: 2 } });
      expect(r.model.label.positive).toBe(positive);
      expect(r.evaluation.valid?.binary?.positives).toBe(Math.round(451 * 0.2));
    }
    const no = await engine.client.run('model.train', { source: { table: 'bank_additional' }, target: 'y', positive: 'no', features: ['duration', 'age'], params: { num_boost_round: 3, max_depth: 2 } });
    expect(no.model.label).toEqual({ kind: 'binary', positive: 'no', negative: 'yes' });
    expect(no.evaluation.valid?.binary?.positives).toBe(Math.round(3668 * 0.2));
    const bad = await failure(engine.client.run('model.train', { source: { table: 'bank_additional' }, target: 'y', positive: 'maybe', params: { num_boost_round: 2 } }));
    expect(bad.message).toMatch(/"maybe" does not occur in "y" \(its values are false and true: the column was read as yes\/no \(BOOLEAN\), so yes\/y\/true\/t\/1 or no\/n\/false\/f\/0 name its values\)/);
  });

  it('accepts yes for Y/N text and 1/0 numbers, and evaluates a model on a table that spells its label differently', async () => {
    const text = await engine.client.run('model.train', { source: { table: 'labels' }, target: 'yn_text', positive: 'yes', features: ['x'], params: { num_boost_round: 2 } });
    expect(text.model.label).toEqual({ kind: 'binary', positive: 'Y', negative: 'N' });
    const numbers = await engine.client.run('model.train', { source: { table: 'labels' }, target: 'one_zero', positive: 'yes', features: ['x'], params: { num_boost_round: 2 } });
    expect(numbers.model.label).toEqual({ kind: 'binary', positive: '1', negative: '0' });
    // Trained on a BOOLEAN column with positive "yes"; evaluated on text "yes"/"no" and on 1/0.
    const trained = await engine.client.run('model.train', { source: { sql: 'SELECT x, yes_text = \'yes\' AS flag FROM labels' }, target: 'flag', positive: 'yes', features: ['x'], params: { num_boost_round: 2 } });
    expect(trained.model.label).toEqual({ kind: 'binary', positive: 'yes', negative: 'no' });
    const onText = await engine.client.run('model.evaluate', { modelId: trained.model.modelId, threshold: 0.5, source: { sql: 'SELECT x, yes_text AS flag FROM labels' } });
    expect(onText.binary?.positives).toBe(200);
    const onNumbers = await engine.client.run('model.evaluate', { modelId: trained.model.modelId, threshold: 0.5, source: { sql: 'SELECT x, one_zero AS flag FROM labels' } });
    expect(onNumbers.binary?.positives).toBe(200);
  });

  it('refuses a positive value on a multi-class label (no silent multi-class model), and on a non-binary objective', async () => {
    const three = await failure(engine.client.run('model.train', { source: { table: 'labels' }, target: 'three', positive: '2', features: ['x'], params: { num_boost_round: 2 } }));
    expect(three.code).toBe('BAD_INPUT');
    expect(three.message).toMatch(/The positive value "2" names one class of a binary model, but "three" has 3 values \(0, 1, 2\)\. Leave the positive value out to train a multi-class model/);
    const objective = await failure(engine.client.run('model.train', { source: { table: 'labels' }, target: 'three', positive: '2', features: ['x'], params: { objective: 'multi:softprob', num_boost_round: 2 } }));
    expect(objective.message).toMatch(/A positive value names a class of a binary model; multi:softprob has none/);
    const multi = await engine.client.run('model.train', { source: { table: 'labels' }, target: 'three', features: ['x'], params: { num_boost_round: 2 } });
    expect(multi.model.label.kind).toBe('multiclass');
  });

  it('tag mining and tag validation take "yes" on the BOOLEAN column too', async () => {
    const mined = await engine.client.run('rules.mine', { source: { table: 'bank_additional' }, target: 'y', positive: 'yes', features: ['duration', 'nr.employed'], minPrecision: 0.3, maxRules: 2, timeBudgetMs: 5000, seed: 1 });
    expect(mined.positive).toBe('yes');
    expect(mined.rules.length).toBeGreaterThan(0);
    expect(mined.baseRate.train).toBeCloseTo(451 / 4119, 2);
    const text = 'duration > 600';
    const tagSet: TagSetInput = { tags: [{ id: 'long_calls', name: 'long_calls', group: 'basic', definition: { kind: 'rule', text, ast: parseRule(text) } }] };
    const byWord = await engine.client.run('tags.validate', { tagSet, source: { table: 'bank_additional' }, target: 'y', positive: 'Yes', split: { kind: 'all' } });
    const byValue = await engine.client.run('tags.validate', { tagSet, source: { table: 'bank_additional' }, target: 'y', positive: 'true', split: { kind: 'all' } });
    expect(byWord.tags[0]?.holdout).toEqual(byValue.tags[0]?.holdout);
    expect((byWord.tags[0]?.holdout as { positives?: number }).positives).toBe(451);
  });
});

describe('training defaults: early stopping and the overfitting warning', { timeout: 120_000 }, () => {
  let engine: NodeEngine;
  beforeAll(async () => {
    engine = await createInProcessEngine();
    // Labels independent of the features: deep trees learn the training rows by heart.
    await engine.client.run('sql.run', { sql: 'CREATE TABLE noise AS SELECT range AS id, (range * 7919) % 1009 AS a, (range * 104729) % 997 AS b, hash(range * 31) % 2 AS y FROM range(2000)' });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('stops early by default where there are validation rows, keeps the best round, and warns about overfitting', async () => {
    const r = await engine.client.run('model.train', { source: { table: 'noise' }, target: 'y', features: ['a', 'b'], params: { num_boost_round: 200, max_depth: 8 } });
    expect(r.model.params.early_stopping_rounds).toBe(20);
    expect(r.model.bestIteration).not.toBeNull();
    expect(r.model.trees).toBe((r.model.bestIteration as number) + 1);
    expect(r.history.length).toBeLessThan(200);
    expect(r.warnings.some((w) => /^overfitting: at the best iteration \(round \d+ of \d+\), training AUC is 0\.\d+ but validation AUC 0\.\d+/.test(w))).toBe(true);
  });

  it('an explicit 0 turns early stopping off, and without validation rows it stays off', async () => {
    const off = await engine.client.run('model.train', { source: { table: 'noise' }, target: 'y', features: ['a', 'b'], params: { num_boost_round: 30, max_depth: 3, early_stopping_rounds: 0 } });
    expect(off.model.bestIteration).toBeNull();
    expect(off.history).toHaveLength(30);
    const noValid = await engine.client.run('model.train', { source: { table: 'noise' }, target: 'y', features: ['a', 'b'], params: { num_boost_round: 30, max_depth: 3 }, split: { kind: 'random', validFraction: 0 } });
    expect(noValid.model.bestIteration).toBeNull();
    expect(noValid.model.params.early_stopping_rounds).toBe(0);
    expect(noValid.warnings.some((w) => w.startsWith('overfitting'))).toBe(false);
  });
});
