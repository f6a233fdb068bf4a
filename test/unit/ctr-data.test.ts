/**
 * The CTR data path: the encoding is fitted on the training rows only, rows beyond a budget are
 * streamed from DuckDB through fixed buffers (seeded window shuffle), and evaluation keeps scores,
 * not encoded rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainOutcome, TrainParams } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { NodeDuckDriver } from '../../workers/node/driver-node';
import { readCtrModel } from '../../workers/ctr/model-file';
import { referenceProbabilities } from '../../workers/ctr/score-reference';
import { EncodedRowStore, RowParts, StreamedRowSource, TRAIN_PART, VALID_PART } from '../../workers/ctr/stream';
import { createRng } from '../../workers/gbdt/rng';
import { evaluateBinary } from '../../workers/gbdt/evaluation';
import type { CtrEncoding, NumericField } from '../../workers/ctr/weights';
import { failure } from '../helpers/engine';
import { generateCtr, writeCtr } from '../../scripts/gen-ctr';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-ctr-data-'));
let engine: NodeEngine;
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

function train(table: string, kind: TrainParams['kind'], params: Record<string, number | string>, extra: Partial<TrainParams> = {}): Promise<TrainOutcome> {
  return engine.client.run('model.train', { source: { table }, target: 'label', kind, params, split, ...extra });
}

async function weightsOf(o: TrainOutcome): Promise<ReturnType<typeof readCtrModel>> {
  return readCtrModel((await engine.client.run('model.export', { modelId: o.model.modelId })).json);
}

beforeAll(async () => {
  const data = generateCtr({ rows: 8000, seed: 21, numeric: 2, categorical: 6, maxLevels: 40, missing: 0.02, interaction: 2.5 });
  await writeCtr(data, dir, false);
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'path', path: path.join(dir, 'ctr.csv') } });
  // Time-split data: the latest quarter validates. Text level 'late' occurs only there, 'once' once
  // in training and 40 times there, 'solo' in one training row; x drifts upwards in the validation rows.
  await sql(`CREATE TABLE drift AS SELECT
      TIMESTAMP '2024-01-01' + to_minutes(i) AS t,
      CASE WHEN i = 500 THEN 'solo' WHEN i >= 900 AND i % 5 = 0 THEN 'late' WHEN i = 10 OR (i >= 900 AND i % 5 = 1 AND i < 1100) THEN 'once' ELSE chr(CAST(97 + (i * 7) % 6 AS INTEGER)) END AS c,
      CAST((i * 37) % 101 AS DOUBLE) / 10 + CASE WHEN i >= 900 THEN 5 ELSE 0 END AS x,
      CAST(((i * 7) % 6 < 3) <> ((i * 13) % 10 < 3) AS INTEGER) AS label
    FROM range(1200) r(i)`);
  // The same rows with the validation rows' unseen levels NULL: "other" either way, so the same model.
  await sql(`CREATE TABLE drift_null AS SELECT * REPLACE (CASE WHEN c IN ('late', 'once') AND t >= TIMESTAMP '2024-01-01' + to_minutes(900) THEN NULL ELSE c END AS c) FROM drift`);
}, 60_000);

afterAll(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the encoding is fitted on the training rows only', () => {
  const timeSplit = { kind: 'time' as const, timeColumn: 't', validFraction: 0.25 };
  const params = { k: 4, epochs: 3, min_count: 2, log1p: 0, early_stopping_rounds: 0 };

  it('levels seen only in validation rows are "other"; mean and sd come from the training rows', async () => {
    const m = await train('drift', 'fm', params, { split: timeSplit });
    expect(m.model.rows).toEqual({ train: 900, valid: 300 });
    const { weights } = await weightsOf(m);
    const c = weights.encoding.fields.find((f) => f.name === 'c');
    expect(c?.kind === 'categorical' && c.levels.sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const x = weights.encoding.fields.find((f) => f.name === 'x') as NumericField;
    const [moments] = await rowsOf(`SELECT avg(x) AS m, stddev_pop(x) AS s FROM drift WHERE t < TIMESTAMP '2024-01-01' + to_minutes(900)`);
    expect(x.mean).toBeCloseTo(Number(moments?.m), 10);
    expect(x.std).toBeCloseTo(Number(moments?.s), 10);
  });

  it('validation metrics are those of the data with the unseen levels blanked (fitting on all rows gives them slots)', async () => {
    const a = await train('drift', 'fm', params, { split: timeSplit });
    const b = await train('drift_null', 'fm', params, { split: timeSplit });
    expect(a.evaluation.valid).toEqual(b.evaluation.valid);
    expect(a.history).toEqual(b.history);
    const [wa, wb] = [await weightsOf(a), await weightsOf(b)];
    expect(wa.weights.linear).toEqual(wb.weights.linear);
    // Measured on every row, 'once' (41 rows) would get a slot and 'late' too: another model.
    const all = await rowsOf(`SELECT count(DISTINCT c) AS n FROM drift`);
    expect(Number(all[0]?.n)).toBe(9);
  });

  it('cross-validation folds measure the encoding on their own training rows', async () => {
    // 'solo' is in one row: three of four folds train on it and give it a slot, the fold holding it out does not.
    let withSolo = 0;
    for (let fold = 0; fold < 4; fold++) {
      const m = await train('drift', 'lr', { epochs: 1, min_count: 1 }, { split: { kind: 'random', folds: 4, fold, seed: 1 }, features: ['c', 'x'] });
      const c = (await weightsOf(m)).weights.encoding.fields.find((f) => f.name === 'c');
      if (c?.kind === 'categorical' && c.levels.includes('solo')) withSolo++;
    }
    expect(withSolo).toBe(3);
  });
});

describe('rows streamed from DuckDB beyond rows_in_memory', () => {
  const fm = { k: 8, epochs: 6, batch_size: 128, learning_rate: 0.02, early_stopping_rounds: 2 };
  let memory: TrainOutcome;
  let streamed: TrainOutcome;

  beforeAll(async () => {
    memory = await train('ctr', 'fm', fm);
    streamed = await train('ctr', 'fm', { ...fm, rows_in_memory: 1500 });
  }, 120_000);

  it('streams with encoded-row memory bounded by the budget, AUC close to the in-memory path', () => {
    const F = 8;
    expect(memory.model.params.streamed).toBe(0);
    expect(streamed.model.params.streamed).toBe(1);
    expect(streamed.model.backend?.reason).toMatch(/streamed from DuckDB, at most 1,500 encoded rows/);
    // Slots (int32) and float32 values per field, a float32 label and a uint32 visiting-order entry per row.
    const bytes = Number(streamed.model.params.encoded_bytes);
    expect(bytes).toBeLessThanOrEqual(1500 * (F * 8 + 8));
    expect(Number(memory.model.params.encoded_bytes)).toBeGreaterThanOrEqual(8000 * F * 8);
    const auc = (o: TrainOutcome): number => o.evaluation.valid?.binary?.auc ?? Number.NaN;
    expect(auc(streamed)).toBeGreaterThan(0.6);
    expect(Math.abs(auc(streamed) - auc(memory))).toBeLessThan(0.01);
    expect(streamed.model.rows).toEqual(memory.model.rows);
    // Early stopping keeps the best validation epoch, as in memory.
    const losses = streamed.history.map((h) => h.valid?.logloss ?? Number.POSITIVE_INFINITY);
    expect(streamed.history.length).toBeGreaterThan(1);
    expect(streamed.model.bestIteration).toBe(losses.indexOf(Math.min(...losses)));
    expect(streamed.evaluation.valid?.binary?.logloss).toBeCloseTo(Math.min(...losses), 4);
  });

  it('is deterministic for a seed', async () => {
    const again = await train('ctr', 'fm', { ...fm, rows_in_memory: 1500 });
    expect(again.history).toEqual(streamed.history);
    expect((await weightsOf(again)).weights.embeddings).toEqual((await weightsOf(streamed)).weights.embeddings);
    const other = await train('ctr', 'fm', { ...fm, rows_in_memory: 1500, seed: 1, epochs: 1 });
    expect(other.history[0]).not.toEqual(streamed.history[0]);
  }, 60_000);

  it('evaluates from kept scores, and evaluates and predicts on a table chunk by chunk', async () => {
    const at = await engine.client.run('model.evaluate', { modelId: streamed.model.modelId, threshold: 0.3 });
    expect(at.binary?.auc).toBe(streamed.evaluation.valid?.binary?.auc);
    // 2,000 rows through the model's 1,500-row budget: two chunks.
    await sql('CREATE OR REPLACE TABLE ctr_head AS SELECT * FROM ctr LIMIT 2000');
    const onTable = await engine.client.run('model.evaluate', { modelId: streamed.model.modelId, threshold: 0.5, source: { table: 'ctr_head' }, target: 'label' });
    await engine.client.run('model.predict', { modelId: streamed.model.modelId, source: { table: 'ctr_head' }, outputTable: 'ctr_head_p' });
    const scored = await rowsOf('SELECT * FROM ctr_head_p');
    const reference = evaluateBinary(scored.map((r) => Number(r.prediction)), scored.map((r) => Number(r.label)), 0.5);
    expect(onTable.binary?.auc).toBeCloseTo(reference.auc, 12);
    expect(onTable.binary?.logloss).toBeCloseTo(reference.logloss, 9);
    // Predict scored the two chunks in input order: the row-object reference scorer agrees on every row.
    const input = await rowsOf('SELECT * FROM ctr_head');
    const expected = referenceProbabilities((await weightsOf(streamed)).weights, input);
    expect(scored).toHaveLength(2000);
    scored.forEach((r, i) => {
      expect(r.C1).toBe(input[i]?.C1);
      expect(Math.abs(Number(r.prediction) - (expected[i] as number))).toBeLessThan(1e-9);
    });
  });

  it('trains DeepFM streamed, and cancels at a batch boundary leaving no staging tables', async () => {
    const d = await train('ctr', 'deepfm', { k: 4, epochs: 1, hidden: '8', batch_size: 256, rows_in_memory: 2000, early_stopping_rounds: 0 });
    expect(d.model.params.streamed).toBe(1);
    expect(d.evaluation.valid?.binary?.auc).toBeGreaterThan(0.55);
    const handle = engine.client.start('model.train', { source: { table: 'ctr' }, target: 'label', kind: 'fm', params: { epochs: 2000, batch_size: 64, rows_in_memory: 1000, early_stopping_rounds: 0 }, split });
    await new Promise((r) => setTimeout(r, 1500));
    handle.cancel();
    await expect(handle.result).rejects.toMatchObject({ code: 'CANCELLED' });
    const left = await rowsOf(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '__assay_ctr%'`);
    expect(left).toEqual([]);
  }, 60_000);

  it('refuses a budget below three batches, in plain words', async () => {
    const err = await failure(train('ctr', 'fm', { epochs: 1, batch_size: 512, rows_in_memory: 1000 }));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/rows_in_memory=1,000 is too small .* at least three batches \(1536\)/);
    const neg = await failure(train('ctr', 'fm', { rows_in_memory: -1 }));
    expect(neg.message).toMatch(/rows_in_memory must be a whole number >= 0/);
  });
});

describe('StreamedRowSource', () => {
  it('visits every training row once per epoch in ceil(rows / batch) batches, seeded, through fixed buffers', async () => {
    const driver = await NodeDuckDriver.create();
    try {
      const n = 1000;
      await driver.query(`CREATE TABLE t AS SELECT CAST(range AS DOUBLE) AS id FROM range(${n})`);
      const partOf = Uint8Array.from({ length: n }, (_, i) => (i % 4 === 0 ? VALID_PART : TRAIN_PART));
      const parts = await RowParts.upload(driver, 't', partOf);
      const id: NumericField = { kind: 'numeric', name: 'id', source: 'numeric', transform: 'none', mean: 0, std: 1, missingIndicator: false };
      const encoding: CtrEncoding = { version: 1, fields: [id] };
      const signal = new AbortController().signal;
      const store = await EncodedRowStore.build(driver, parts, encoding, 'CAST(id AS BIGINT) % 2', signal);
      const source = new StreamedRowSource(store, 100, 0, { batchSize: 7 });
      const trainIds = [...Array(n).keys()].filter((i) => i % 4 !== 0);
      const epoch = async (rng: () => number): Promise<number[][]> => {
        const batches: number[][] = [];
        for await (const b of source.trainBatches(7, rng, signal)) {
          const ids: number[] = [];
          for (let i = 0; i < b.n; i++) {
            const r = b.order[b.from + i] as number;
            ids.push(b.rows.values[r] as number);
            expect(b.labels[r]).toBe((b.rows.values[r] as number) % 2);
          }
          batches.push(ids);
        }
        return batches;
      };
      const rng = createRng(3);
      const first = await epoch(rng);
      const second = await epoch(rng);
      for (const e of [first, second]) {
        expect(e).toHaveLength(Math.ceil(trainIds.length / 7));
        expect(e.slice(0, -1).every((b) => b.length === 7)).toBe(true);
        expect(e.flat().sort((a, b) => a - b)).toEqual(trainIds);
      }
      expect(second.flat()).not.toEqual(first.flat());
      // Shuffled across chunks: the first batch does not come from one stretch of rows.
      expect(Math.max(...(first[0] as number[])) - Math.min(...(first[0] as number[]))).toBeGreaterThan(100);
      const replay = createRng(3);
      expect(await epoch(replay)).toEqual(first);
      // Validation rows in order, a buffer at a time.
      const valid: number[] = [];
      for await (const c of source.chunks('valid', signal)) {
        expect(c.rows.rows).toBeLessThanOrEqual(source.capacity);
        for (let i = 0; i < c.rows.rows; i++) valid.push(c.rows.values[i] as number);
      }
      expect(valid).toEqual([...Array(n).keys()].filter((i) => i % 4 === 0));
      // 100 rows of budget: 93 in the window, 6 in the carry; 4 bytes of slot and value, label and order each.
      expect(source.peakBytes).toBe(93 * 16 + 6 * 12);
      await store.drop();
      await parts.drop();
    } finally {
      await driver.close();
    }
  });
});

describe('a TIMESTAMPTZ column as a CTR field on duckdb-wasm (no ICU)', () => {
  it('trains and scores: the field is the instant in epoch seconds, read without ICU', async () => {
    // 400 rows over March 2021 written with offsets; the label turns on at 2021-03-15 12:00 UTC.
    await sql(`CREATE OR REPLACE TABLE tz_ctr AS SELECT CAST(printf('2021-03-%02d %02d:00:00%s', 1 + i % 28, i % 24, CASE i % 3 WHEN 0 THEN '+05:30' WHEN 1 THEN '-05' ELSE '+00' END) AS TIMESTAMPTZ) AS seen, i FROM range(400) r(i)`);
    await sql("CREATE OR REPLACE TABLE tz_ctr_y AS SELECT seen, CASE WHEN epoch_us(seen) >= epoch_us(TIMESTAMPTZ '2021-03-15 12:00:00+00') THEN 1 ELSE 0 END AS label FROM tz_ctr");
    const lr = await train('tz_ctr_y', 'lr', { epochs: 30, learning_rate: 0.1, early_stopping_rounds: 0 });
    const field = (await weightsOf(lr)).weights.encoding.fields.find((f) => f.name === 'seen');
    expect(field).toMatchObject({ kind: 'numeric', source: 'timestamp' });
    // Standardised epoch seconds of March 2021: the mean lies inside the month.
    const mean = (field as { mean: number }).mean;
    expect(mean).toBeGreaterThan(Date.UTC(2021, 2, 1) / 1000);
    expect(mean).toBeLessThan(Date.UTC(2021, 2, 29) / 1000);
    expect(lr.evaluation.valid?.binary?.auc ?? 0).toBeGreaterThan(0.95);
  }, 60_000);
});
