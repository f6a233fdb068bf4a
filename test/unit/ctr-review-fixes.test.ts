/**
 * Review fixes in the CTR engine (issue 13): DeepFM's MLP leaves no tensors behind and never runs
 * two steps at once on tfjs's global backend; a failed or cancelled encode leaves no temp table;
 * evaluation on a query reads one copy of its rows; encoded columns read from sliced Arrow chunks;
 * the row budget counts float64 values where evaluation and predict hold them.
 */
import { Float64, Int32, Table, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import type { DuckDriver } from '../../workers/data/driver';
import type { DataEngine } from '../../workers/data/engine';
import { stableRelation } from '../../workers/data/relation';
import { allocateEncodedRows, fillEncoded, float64Column, forEachValue } from '../../workers/ctr/encode';
import { loadTf, mlpForward, mlpStep, type MlpParams, type TfBackend } from '../../workers/ctr/mlp-tf';
import { encodedRowBudget, AUTO_ENCODED_BYTES } from '../../workers/ctr/service';
import { EncodedRowStore, RowParts, VALID_PART, withEncodedStore } from '../../workers/ctr/stream';
import type { CategoricalField, CtrEncoding, NumericField } from '../../workers/ctr/weights';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { NodeDuckDriver } from '../../workers/node/driver-node';
import { generateCtr, writeCtr } from '../../scripts/gen-ctr';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function mlpOf(widths: number[], seed: number): MlpParams {
  let s = seed;
  const next = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 0.2 - 0.1;
  return {
    weights: widths.slice(0, -1).map((w, l) => Float32Array.from({ length: w * (widths[l + 1] as number) }, next)),
    biases: widths.slice(1).map((w) => Float32Array.from({ length: w }, next)),
  };
}

describe('DeepFM MLP on tfjs', () => {
  const widths = [8, 6, 4, 1];
  const rows = 5;
  const x = Float32Array.from({ length: rows * 8 }, (_, i) => ((i * 7) % 11) / 11 - 0.5);

  it('leaves no tensors behind after steps and forward passes', async () => {
    const backend = await loadTf('cpu', undefined);
    const params = mlpOf(widths, 3);
    // Warm up once (a backend's first op may register tensors of its own).
    await mlpStep(backend, { widths }, params, x, rows, [null, null], (o) => o.map(() => 0.1));
    const before = backend.tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      await mlpStep(backend, { widths }, params, x, rows, [null, null], (o) => o.map(() => 0.1));
      await mlpForward(backend, { widths }, params, x, rows);
    }
    expect(backend.tf.memory().numTensors).toBe(before);
  });

  it('runs concurrent steps on different backends one at a time, each on its own backend', async () => {
    const wasm = await loadTf('cpu', undefined);
    const cpu: TfBackend = { tf: wasm.tf, name: 'cpu', reason: 'tfjs CPU backend (test)' };
    const params = mlpOf(widths, 5);
    const seen: string[] = [];
    const stepOn = (backend: TfBackend): Promise<unknown> =>
      mlpStep(backend, { widths }, params, x, rows, [null, null], (o) => {
        // Mid-step (after the forward pass's read): the active backend must still be this step's.
        seen.push(`${backend.name}:${wasm.tf.getBackend()}`);
        return o.map(() => 0.1);
      });
    await Promise.all([stepOn(wasm), stepOn(cpu), stepOn(wasm), stepOn(cpu)]);
    expect(seen).toHaveLength(4);
    for (const s of seen) expect(s.split(':')[0]).toBe(s.split(':')[1]);
    await wasm.tf.setBackend(wasm.name);
  });
});

describe('encoded columns from sliced Arrow chunks', () => {
  // apache-arrow slices a chunk's values but not its null bitmap: row i is values[i], bit offset + i.
  const numbers = vectorFromArray([10, null, 12, 13, null, 15, 16, 17, null, 19, 20], new Float64()).slice(3, 10);
  const slots = vectorFromArray([1, 2, null, 4, 5, null, 7, 8, 9, 10, 11], new Int32()).slice(3, 10);

  it('forEachValue and float64Column read the slice, nulls where the slice has them', () => {
    expect(numbers.data[0]?.offset).toBe(3);
    const seen: Array<number | null> = [];
    forEachValue(numbers, (_, v) => seen.push(v));
    expect(seen).toEqual([13, null, 15, 16, 17, null, 19]);
    expect(Array.from(float64Column(numbers, 7))).toEqual([13, Number.NaN, 15, 16, 17, Number.NaN, 19]);
  });

  it('fillEncoded writes the slice rows: values, the missing indicator and slot 0 for NULL', () => {
    const numeric: NumericField = { kind: 'numeric', name: 'n', source: 'numeric', transform: 'none', mean: 0, std: 1, missingIndicator: true };
    const categorical: CategoricalField = { kind: 'categorical', name: 'c', encoding: 'hash', levels: [], hashBuckets: 20 };
    const encoding: CtrEncoding = { version: 1, fields: [numeric, categorical] };
    const into = allocateEncodedRows(7, 2, true);
    fillEncoded(new Table({ x0: numbers, x1: slots }), encoding, into, 0);
    const field = (f: number, of: Int32Array | Float64Array | Float32Array): number[] => Array.from({ length: 7 }, (_, r) => of[r * 2 + f] as number);
    expect(field(0, into.values)).toEqual([13, 1, 15, 16, 17, 1, 19]);
    expect(field(0, into.slots)).toEqual([0, 1, 0, 0, 0, 1, 0]);
    expect(field(1, into.slots)).toEqual([4, 5, 0, 7, 8, 9, 10]);
  });
});

describe('temp tables after a failed or cancelled encode', () => {
  let driver: NodeDuckDriver;
  const id: NumericField = { kind: 'numeric', name: 'id', source: 'numeric', transform: 'none', mean: 0, std: 1, missingIndicator: false };
  const encoding: CtrEncoding = { version: 1, fields: [id] };

  beforeAll(async () => {
    driver = await NodeDuckDriver.create();
    await driver.query('CREATE TABLE t AS SELECT CAST(range AS DOUBLE) AS id FROM range(100)');
  });
  afterAll(async () => driver?.close());

  async function leftover(): Promise<number> {
    const t = await driver.query(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name LIKE '__assay_ctr_%'`);
    return Number(t.getChild('n')?.get(0));
  }

  /** The real driver, except that the statement matching `after` reports CANCELLED once it has run (as the native driver can). */
  function cancelledAfter(after: RegExp): DuckDriver {
    return new Proxy(driver, {
      get(target, prop) {
        if (prop === 'query') {
          return async (sql: string, signal?: AbortSignal) => {
            const out = await target.query(sql, signal);
            if (after.test(sql)) throw new EngineError('CANCELLED', 'The job was cancelled.');
            return out;
          };
        }
        if (prop === 'insertArrowIPC') {
          return async (table: string, ipc: Uint8Array, create: boolean) => {
            await target.insertArrowIPC(table, ipc, create);
            if (after.test(table)) throw new EngineError('CANCELLED', 'The job was cancelled.');
          };
        }
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as DuckDriver;
  }

  it('EncodedRowStore.build drops its table when the cancel lands after CREATE TEMP TABLE', async () => {
    const cancelling = cancelledAfter(/TEMP TABLE "__assay_ctr_rows_/);
    const parts = await RowParts.upload(driver, 't', new Uint8Array(100).fill(VALID_PART));
    const err = await EncodedRowStore.build(cancelling, parts, encoding, '0', new AbortController().signal).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('CANCELLED');
    await parts.drop();
    expect(await leftover()).toBe(0);
  });

  it('RowParts.upload drops its table when the insert reports a cancel', async () => {
    const err = await RowParts.upload(cancelledAfter(/^__assay_ctr_parts_/), 't', new Uint8Array(100).fill(VALID_PART)).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('CANCELLED');
    expect(await leftover()).toBe(0);
  });

  it('stableRelation drops its copy of a query when the cancel lands after the copy was made', async () => {
    const engineOn = { driver: cancelledAfter(/TEMP TABLE "__assay_rows_/) } as unknown as DataEngine;
    const err = await stableRelation(engineOn, '(SELECT * FROM t)', new AbortController().signal).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('CANCELLED');
    const t = await driver.query(`SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name LIKE '__assay_rows_%'`);
    expect(Number(t.getChild('n')?.get(0))).toBe(0);
  });

  it('withEncodedStore drops both tables when its work fails, and hands back what it returns', async () => {
    const signal = new AbortController().signal;
    const err = await withEncodedStore(driver, 't', new Uint8Array(100).fill(VALID_PART), encoding, '0', signal, async () => {
      expect(await leftover()).toBe(2);
      throw new Error('scoring failed');
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('scoring failed');
    expect(await leftover()).toBe(0);
    const rows = await withEncodedStore(driver, 't', new Uint8Array(100).fill(VALID_PART), encoding, '0', signal, async (store) => store.validRows);
    expect(rows).toBe(100);
    expect(await leftover()).toBe(0);
  });
});

describe('a store read that comes back short', () => {
  it('is a plain-words engine error', async () => {
    const driver = await NodeDuckDriver.create();
    try {
      await driver.query('CREATE TABLE t AS SELECT CAST(range AS DOUBLE) AS id FROM range(10)');
      const id: NumericField = { kind: 'numeric', name: 'id', source: 'numeric', transform: 'none', mean: 0, std: 1, missingIndicator: false };
      const signal = new AbortController().signal;
      const err = await withEncodedStore(driver, 't', new Uint8Array(10).fill(VALID_PART), { version: 1, fields: [id] }, '0', signal, (store) =>
        store.read('valid', 5, 8, allocateEncodedRows(8, 1), new Float32Array(8), 0, signal),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('BAD_INPUT');
      expect((err as EngineError).message).toMatch(/changed while it was read: 8 encoded rows were expected at this step and 5 came back/);
    } finally {
      await driver.close();
    }
  });
});

describe('evaluating a model on a query', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-ctr-fixes-'));
  let engine: NodeEngine;
  beforeAll(async () => {
    await writeCtr(generateCtr({ rows: 4000, seed: 8, numeric: 2, categorical: 3, maxLevels: 10, missing: 0, interaction: 1 }), dir, false);
    engine = await createInProcessEngine();
    await engine.client.run('data.open', { source: { kind: 'path', path: path.join(dir, 'ctr.csv') } });
  }, 60_000);
  afterAll(async () => {
    await engine?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads one copy of a query whose rows differ on every read: every row is scored against its own label', async () => {
    const trained = await engine.client.run('model.train', { source: { table: 'ctr' }, target: 'label', kind: 'lr', params: { epochs: 1 }, split: { kind: 'random', validFraction: 0.25, seed: 1 } });
    await engine.client.run('sql.run', { sql: 'CREATE SEQUENCE reads' });
    // The k-th read of this query returns the first 4000/k rows (a stand-in for USING SAMPLE or random()):
    // counting, the label check and the join must all see the one copy.
    const query = "SELECT c.* FROM ctr c, (SELECT nextval('reads') AS k) WHERE c.rowid < 4000 / k";
    const evaluation = await engine.client.run('model.evaluate', { modelId: trained.model.modelId, threshold: 0.5, source: { sql: query }, target: 'label' });
    const onTable = await engine.client.run('model.evaluate', { modelId: trained.model.modelId, threshold: 0.5, source: { table: 'ctr' }, target: 'label' });
    const [sampled, whole] = [evaluation.binary, onTable.binary];
    if (!sampled || !whole) throw new Error('a binary model is evaluated as binary');
    expect(sampled.rows).toBe(whole.rows);
    expect(sampled.positives).toBe(whole.positives);
    expect(sampled.auc).toBeCloseTo(whole.auc, 12);
  }, 30_000);
});

describe('the automatic row budget', () => {
  it('counts float64 values where evaluation and predict hold them', () => {
    const fields = 39;
    const float32 = encodedRowBudget(0, fields);
    const float64 = encodedRowBudget(0, fields, true);
    expect(float64).toBeLessThan(float32);
    // Slots (4 B) and float64 values (8 B) per field, a label and an order entry per row fit the bytes.
    expect(float64 * (fields * 12 + 8)).toBeLessThanOrEqual(AUTO_ENCODED_BYTES);
    expect(encodedRowBudget(5000, fields, true)).toBe(5000);
  });
});
