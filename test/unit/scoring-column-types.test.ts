/**
 * Scoring or evaluating a table whose column types differ from training (a new month's file where
 * a date no longer parses, or one "n/a" turns a number column into text): the model jobs refuse in
 * words naming the column, both types and the source, instead of DuckDB's Binder or Conversion
 * Error; types the encoding reads the same way still score. On both Node drivers, for a tree model
 * and an lr model. Then damaged or newer model attributes, and other Assay files given as a model.
 */
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineError } from '../../workers/api';
import type { NodeDriverKind } from '../../workers/node/driver-choice';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { createRng } from '../../workers/gbdt/rng';
import { failure } from '../helpers/engine';

const KINDS: NodeDriverKind[] = ['wasm', 'native'];
const MODELS = ['gbdt', 'lr'] as const;

/** ts a timestamp, amount a number, cat and two code columns text ("007" reads back as 7; "7" does not change). */
function trainCsv(n: number): string {
  const random = createRng(7);
  const lines = ['ts,amount,cat,code_z,code_p,y'];
  const codes = [
    ['007', '7'],
    ['12', '12'],
    ['x9', 'x9'],
  ];
  for (let i = 0; i < n; i++) {
    const day = 1 + (i % 28);
    const amount = random() * 100;
    const cat = ['a', 'b', 'c'][i % 3] as string;
    const [z, p] = codes[Math.floor(random() * 3)] as [string, string];
    const y = amount + (cat === 'a' ? 30 : 0) + day + (random() - 0.5) * 40 > 70 ? 'yes' : 'no';
    lines.push(`2024-01-${String(day).padStart(2, '0')} 10:00:00,${amount.toFixed(2)},${cat},${z},${p},${y}`);
  }
  return `${lines.join('\n')}\n`;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const FEATURES = ['ts', 'amount', 'cat', 'code_z', 'code_p'];

for (const driverKind of KINDS) {
  describe(`scoring data whose column types changed (${driverKind})`, { timeout: 240_000 }, () => {
    let engine: NodeEngine;
    const models = new Map<string, string>();

    beforeAll(async () => {
      engine = await createInProcessEngine(driverKind);
      const run = engine.client.run.bind(engine.client);
      await run('data.open', { source: { kind: 'bytes', name: 'train.csv', bytes: bytes(trainCsv(600)) } });
      // A month where the date came in another format, one with "n/a" in amount, and a file with only its header.
      await run('data.open', { source: { kind: 'bytes', name: 'textts.csv', bytes: bytes(trainCsv(50).replace(/2024-01-(\d\d) 10:00:00/g, '$1.01.2024 10h')) } });
      await run('data.open', { source: { kind: 'bytes', name: 'textamount.csv', bytes: bytes(trainCsv(50).replace(/\n(.*?),[\d.]+,(.*)\n/, '\n$1,n/a,$2\n')) } });
      await run('data.open', { source: { kind: 'bytes', name: 'header_only.csv', bytes: bytes('ts,amount,cat,code_z,code_p,y\n') } });
      for (const kind of MODELS) {
        const outcome = await run('model.train', {
          source: { table: 'train' },
          target: 'y',
          positive: 'yes',
          features: FEATURES,
          kind,
          params: kind === 'gbdt' ? { num_boost_round: 10, max_depth: 3 } : { epochs: 2 },
          split: { kind: 'random', validFraction: 0.2, seed: 1 },
        });
        models.set(kind, outcome.model.modelId);
      }
    }, 240_000);
    afterAll(async () => {
      await engine?.close();
    });

    async function scores(kind: string, source: { table: string } | { sql: string }): Promise<number[]> {
      const out = await engine.client.run('model.predict', { modelId: models.get(kind) as string, source, outputTable: 'scored' });
      const result = await engine.client.run('sql.run', { sql: `SELECT prediction FROM ${out.name}`, preview: 1000 });
      return tableFromIPC(result.preview).toArray().map((r: { prediction: number }) => r.prediction);
    }

    async function refusal(kind: string, source: { table: string } | { sql: string }, job: 'predict' | 'evaluate' = 'predict'): Promise<string> {
      const modelId = models.get(kind) as string;
      const err = await failure(
        job === 'predict' ? engine.client.run('model.predict', { modelId, source, outputTable: 'scored' }) : engine.client.run('model.evaluate', { modelId, source, target: 'y', threshold: 0.5 }),
      );
      expect(err.code).toBe('BAD_INPUT');
      expect(err.message).not.toMatch(/Binder Error|Conversion Error|Candidate functions/);
      expect(err.message.split('\n')).toHaveLength(1);
      return err.message;
    }

    for (const kind of MODELS) {
      it(`${kind}: a date column that now reads as text is named with both types and the table, when scoring and evaluating`, async () => {
        const trained = kind === 'gbdt' ? 'TIMESTAMP' : 'a timestamp';
        const expected = `Column "ts" was ${trained} when the model was trained and is VARCHAR in "textts".`;
        expect(await refusal(kind, { table: 'textts' })).toContain(expected);
        expect(await refusal(kind, { table: 'textts' }, 'evaluate')).toContain(expected);
        expect(await refusal(kind, { table: 'textts' })).toMatch(/TRY_CAST\("ts" AS TIMESTAMP\).*strptime/);
      });

      it(`${kind}: a number column holding "n/a" names the value; a header-only file says it has no rows`, async () => {
        expect(await refusal(kind, { table: 'textamount' })).toMatch(/^Column "amount" was (DOUBLE|a number) when the model was trained and is VARCHAR in "textamount": values such as "n\/a" are not numbers\./);
        expect(await refusal(kind, { table: 'header_only' })).toMatch(/^Column "ts" was .* and is VARCHAR in "header_only"\. The data has no rows, so every column reads as text\.$/);
      });

      it(`${kind}: types the encoding reads alike still score, with the same predictions where the values are the same`, async () => {
        const base = await scores(kind, { table: 'train' });
        expect(base).toHaveLength(600);
        // Numbers written as text, nanosecond timestamps, an ENUM category: the same values.
        const same = `SELECT * REPLACE (CAST(amount AS VARCHAR) AS amount, CAST(ts AS TIMESTAMP_NS) AS ts, CAST(cat AS ENUM('a', 'b', 'c')) AS cat) FROM train`;
        expect(await scores(kind, { sql: same })).toEqual(base);
        // Whole numbers for a DOUBLE, a DATE for a timestamp, a number for text levels that read back alike ("7", "12").
        const alike = `SELECT * REPLACE (CAST(round(amount) AS INTEGER) AS amount, CAST(ts AS DATE) AS ts, TRY_CAST(code_p AS BIGINT) AS code_p) FROM train`;
        expect(await scores(kind, { sql: alike })).toHaveLength(600);
      });

      it(`${kind}: refuses where the SQL would run but mean something else (a TIME for a timestamp, level "007" as a number)`, async () => {
        expect(await refusal(kind, { sql: 'SELECT * REPLACE (CAST(ts AS TIME) AS ts) FROM train' })).toMatch(/^Column "ts" was .* and is TIME in the query\./);
        expect(await refusal(kind, { sql: 'SELECT * REPLACE (TRY_CAST(code_z AS BIGINT) AS code_z) FROM train' })).toMatch(
          /^Column "code_z" was (VARCHAR|text) when the model was trained and is BIGINT in the query: the model's level "007" reads back as "7"/,
        );
        // A missing column is still named as before.
        expect(await refusal(kind, { sql: 'SELECT * EXCLUDE (cat) FROM train' })).toBe('The data has no column "cat", which the model needs.');
      });
    }
  });
}

describe('damaged or newer model attributes, and other Assay files given as a model', { timeout: 120_000 }, () => {
  let engine: NodeEngine;
  let exported: { learner: { attributes: Record<string, string> } };

  beforeAll(async () => {
    engine = await createInProcessEngine('wasm');
    await engine.client.run('data.open', { source: { kind: 'bytes', name: 'train.csv', bytes: bytes(trainCsv(300)) } });
    const outcome = await engine.client.run('model.train', { source: { table: 'train' }, target: 'y', positive: 'yes', features: ['amount', 'cat'], params: { num_boost_round: 5 }, split: { kind: 'random', validFraction: 0, seed: 1 } });
    exported = JSON.parse((await engine.client.run('model.export', { modelId: outcome.model.modelId })).json) as typeof exported;
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
  });

  function withAttribute(name: string, value: string): string {
    const doc = structuredClone(exported);
    doc.learner.attributes[name] = value;
    return JSON.stringify(doc);
  }

  async function importError(json: string): Promise<EngineError> {
    const err = await failure(engine.client.run('model.import', { json }));
    expect(err.code).toBe('BAD_INPUT');
    return err;
  }

  it('imports the exported model as it is', async () => {
    const summary = await engine.client.run('model.import', { json: JSON.stringify(exported) });
    expect(summary.label).toEqual({ kind: 'binary', positive: 'yes', negative: 'no' });
  });

  it('names a damaged feature encoding and one written by a newer Assay', async () => {
    expect((await importError(withAttribute('assay_encoding', '{bad'))).message).toBe(
      "The model's Assay feature encoding (attribute assay_encoding) is damaged: it is not valid JSON. Export the model again from Assay.",
    );
    const encoding = JSON.parse(exported.learner.attributes.assay_encoding as string) as { version: number; features: Array<Record<string, unknown>> };
    expect((await importError(withAttribute('assay_encoding', JSON.stringify({ ...encoding, version: 99 })))).message).toBe(
      'This model was written by a newer Assay (feature encoding version 99); this version reads version 1. Update Assay to use it.',
    );
    const badKind = { ...encoding, features: encoding.features.map((f, i) => (i === 0 ? { ...f, kind: 'spline' } : f)) };
    expect((await importError(withAttribute('assay_encoding', JSON.stringify(badKind)))).message).toMatch(/is damaged: feature "amount" has an unknown kind "spline"/);
  });

  it('refuses a damaged label rather than read its positive class as it stands', async () => {
    expect((await importError(withAttribute('assay_label', '{"kind":'))).message).toBe("The model's label (attribute assay_label) is damaged: it is not valid JSON. Export the model again from Assay.");
    expect((await importError(withAttribute('assay_label', '{"kind":"binary","positive":1,"negative":"no"}'))).message).toMatch(/assay_label\) is damaged: its positive class is not text/);
    expect((await importError(withAttribute('assay_label', '{"kind":"multiclass","classes":["no","yes"]}'))).message).toMatch(/damaged: it says "multiclass" where a binary:logistic model has a binary label/);
    expect((await importError(withAttribute('assay_label', '{"kind":"binary","positive":"yes","negative":"yes"}'))).message).toMatch(/both "yes"/);
  });

  it('says what a rule pack, a tag set or a labeler is instead of "learner is missing"', async () => {
    expect((await importError(JSON.stringify({ schema: 'assay.rulepack/2', name: 'p', tags: [] }))).message).toMatch(/^This is an Assay rule pack, not a model/);
    expect((await importError(JSON.stringify({ schema: 'assay.tagset/1', version: 1, tags: [] }))).message).toMatch(/^This is an Assay tag set, not a model/);
    expect((await importError(JSON.stringify({ kind: 'assay-labeler', version: 1 }))).message).toMatch(/^This is an Assay labeler, not a model/);
    // Anything else still reads as a malformed XGBoost model.
    expect((await importError('{"version": [1, 7, 4]}')).message).toMatch(/learner is missing/);
  });
});
