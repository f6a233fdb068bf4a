/**
 * `model.predict` with a backend (issue 16): 'webgpu' scores tree models on the device and writes
 * exactly the CPU's prediction columns (binary, multi-class, regression; values compared with
 * Object.is), reuses one device across jobs, honours a cancel; 'auto' and 'cpu' stay on the CPU;
 * no WebGPU, a CTR model or an unknown backend fail in plain words. The device half runs on Dawn's
 * software adapter (llvmpipe) and is skipped, saying why, without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuDeviceLike, GpuLike } from '../../workers/compute/webgpu-types';
import { DataEngine } from '../../workers/data/engine';
import { plainRows } from '../../workers/data/relation';
import { ModelService } from '../../workers/gbdt/jobs';
import type { PredictParams } from '../../workers/gbdt/types';
import { NodeDuckDriver } from '../../workers/node/driver-node';
import { loadParquetNode } from '../../workers/node/engine-node';
import { EngineError } from '../../workers/protocol/errors';
import type { JobContext } from '../../workers/protocol/host';
import { dawnSkipReason, gpu } from '../helpers/dawn-adapter';

const skipReason = await dawnSkipReason('gbdt-predict-backend');

let driver: NodeDuckDriver;
let engine: DataEngine;
let adapterRequests = 0;
/** Adapter requests made by prediction jobs (training's auto asks too). */
let predictRequests = 0;
/** The Dawn provider, counting adapter requests. */
const countingGpu: GpuLike = {
  requestAdapter(options) {
    adapterRequests++;
    return gpu.requestAdapter(options);
  },
};

function context(onProgress: (message: string) => void = () => undefined, controller = new AbortController()): JobContext {
  return { signal: controller.signal, progress: (_fraction: number, message?: string) => onProgress(message ?? '') } as unknown as JobContext;
}

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  driver = await NodeDuckDriver.create();
  engine = new DataEngine(driver, loadParquetNode);
  // SQL-computed rows with missing values and a coarse column (many rows exactly on a threshold).
  await driver.query(
    `CREATE TABLE pts AS SELECT i AS id, x1, CASE WHEN i % 9 = 0 THEN NULL ELSE x2 END AS x2, round(x1 * 4) / 4 AS x3,
       CASE WHEN x1 + x2 < 0.7 THEN 'a' WHEN x1 + x2 < 1.3 THEN 'b' ELSE 'c' END AS cls,
       CASE WHEN x1 > x2 THEN 'yes' ELSE 'no' END AS buy,
       3 * x1 - 2 * x2 + x3 AS amount
     FROM (SELECT i, ((i * 7919) % 1000) / 1000.0 AS x1, ((i * 104729) % 997) / 997.0 AS x2 FROM range(1200) t(i))`,
  );
});
afterAll(async () => {
  await driver.close();
});

/** The scored table's rows in input order. */
async function scored(table: string): Promise<Array<Record<string, unknown>>> {
  return plainRows(await driver.query(`SELECT * FROM "${table}" ORDER BY id`));
}

function expectSameRows(device: Array<Record<string, unknown>>, cpu: Array<Record<string, unknown>>, columns: string[]): void {
  expect(device.length).toBe(cpu.length);
  let differ = 0;
  for (let r = 0; r < cpu.length; r++) {
    for (const c of columns) if (!Object.is((device[r] as Record<string, unknown>)[c], (cpu[r] as Record<string, unknown>)[c])) differ++;
  }
  expect(differ).toBe(0);
}

describe.skipIf(skipReason !== '')('model.predict on the device', () => {
  let service: ModelService;
  beforeAll(() => {
    service = new ModelService(engine, countingGpu);
  });

  const cases = [
    { target: 'buy', columns: ['prediction'] },
    { target: 'cls', columns: ['prediction', 'prob_a', 'prob_b', 'prob_c'] },
    { target: 'amount', columns: ['prediction'] },
  ];
  for (const { target, columns } of cases) {
    it(`writes exactly the CPU's prediction columns for a ${target === 'buy' ? 'binary' : target === 'cls' ? 'multi-class' : 'regression'} model`, async () => {
      const outcome = await service.train({ source: { table: 'pts' }, target, features: ['x1', 'x2', 'x3'], params: { num_boost_round: 12, max_depth: 4 }, split: { kind: 'random', validFraction: 0.2, seed: 3 } }, context());
      const modelId = outcome.model.modelId;
      const messages: string[] = [];
      const run = async (backend: PredictParams['backend'], out: string) => {
        const before = adapterRequests;
        await service.predictInto({ modelId, source: { table: 'pts' }, outputTable: out, backend }, context((m) => messages.push(m)));
        predictRequests += adapterRequests - before;
      };
      await run('cpu', `${target}_cpu`);
      expect(messages.some((m) => /WebGPU/.test(m))).toBe(false);
      await run('webgpu', `${target}_gpu`);
      // The device scored it (the progress names the adapter), not the CPU.
      expect(messages.some((m) => /^scoring 1,200 rows on WebGPU \(.+\)$/.test(m))).toBe(true);
      const cpu = await scored(`${target}_cpu`);
      const device = await scored(`${target}_gpu`);
      expect(Object.keys(cpu[0] as object)).toEqual(Object.keys(device[0] as object));
      for (const c of columns) expect(Object.keys(cpu[0] as object)).toContain(c);
      // Not a constant column: the comparison means something.
      expect(new Set(cpu.map((r) => r[columns[columns.length - 1] as string])).size).toBeGreaterThan(2);
      expectSameRows(device, cpu, columns);
    });
  }

  it('made one device for all the jobs above, and auto stays on the CPU without asking for an adapter', async () => {
    // One device for three jobs: one request, or two where the full adapter is missing and the compatibility one is asked for.
    expect(predictRequests).toBeGreaterThanOrEqual(1);
    expect(predictRequests).toBeLessThanOrEqual(2);
    const outcome = await service.train({ source: { table: 'pts' }, target: 'buy', features: ['x1', 'x2'], params: { num_boost_round: 4 }, split: { kind: 'random', validFraction: 0, seed: 1 } }, context());
    const before = adapterRequests;
    const messages: string[] = [];
    await service.predictInto({ modelId: outcome.model.modelId, source: { table: 'pts' }, outputTable: 'auto_out', backend: 'auto' }, context((m) => messages.push(m)));
    await service.predictInto({ modelId: outcome.model.modelId, source: { table: 'pts' }, outputTable: 'default_out' }, context((m) => messages.push(m)));
    expect(messages.some((m) => /WebGPU/.test(m))).toBe(false);
    expect(adapterRequests).toBe(before);
    await service.predictInto({ modelId: outcome.model.modelId, source: { table: 'pts' }, outputTable: 'gpu_again', backend: 'webgpu' }, context());
    expect(adapterRequests).toBe(before);
  });

  it('stops on a cancel during device scoring, and the next job scores normally', async () => {
    const outcome = await service.train({ source: { table: 'pts' }, target: 'cls', features: ['x1', 'x2', 'x3'], params: { num_boost_round: 5 }, split: { kind: 'random', validFraction: 0, seed: 2 } }, context());
    const controller = new AbortController();
    const messages: string[] = [];
    const cancelled = await failure(
      service.predictInto(
        // With SHAP: a device call that ignored the signal would go on to the SHAP step and say so.
        { modelId: outcome.model.modelId, source: { table: 'pts' }, outputTable: 'cancelled_out', backend: 'webgpu', withShap: true },
        context((m) => {
          messages.push(m);
          if (m.startsWith('scoring')) controller.abort();
        }, controller),
      ),
    );
    expect(cancelled.code).toBe('CANCELLED');
    expect(messages.some((m) => m.startsWith('scoring'))).toBe(true);
    expect(messages.some((m) => /SHAP/.test(m))).toBe(false);
    expect((await engine.tableNames()).includes('cancelled_out')).toBe(false);
    const info = await service.predictInto({ modelId: outcome.model.modelId, source: { table: 'pts' }, outputTable: 'after_cancel', backend: 'webgpu' }, context());
    expect(info.rowCount).toBe(1200);
  });

  it('after a lost device the job fails in plain words and the next job gets a new device', async () => {
    const devices: GpuDeviceLike[] = [];
    // Dawn's software adapter, keeping each device the service makes so that the test can lose it.
    const capturing: GpuLike = {
      async requestAdapter() {
        const found = await gpu.requestAdapter({ featureLevel: 'compatibility' });
        if (!found) return null;
        const requestDevice = found.requestDevice.bind(found);
        found.requestDevice = async (descriptor) => {
          const device = await requestDevice(descriptor);
          devices.push(device);
          return device;
        };
        return found;
      },
    };
    const lossy = new ModelService(engine, capturing);
    const outcome = await lossy.train({ source: { table: 'pts' }, target: 'buy', features: ['x1', 'x2'], params: { num_boost_round: 3 }, split: { kind: 'random', validFraction: 0, seed: 1 }, backend: 'cpu' }, context());
    const job = (out: string) => lossy.predictInto({ modelId: outcome.model.modelId, source: { table: 'pts' }, outputTable: out, backend: 'webgpu' }, context());
    await job('before_loss');
    expect(devices.length).toBe(1);
    devices[0]?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const lost = await failure(job('at_loss'));
    expect(lost.code).toBe('INTERNAL');
    expect(lost.message).toMatch(/device was lost.*choose the CPU backend/);
    await job('after_loss');
    expect(devices.length).toBe(2);
    expectSameRows(await scored('after_loss'), await scored('before_loss'), ['prediction']);
    // Closing the engine lets the kept device go (the host's dispose calls the service's).
    let destroyed = 0;
    const kept = devices[1] as GpuDeviceLike;
    const destroy = kept.destroy.bind(kept);
    kept.destroy = () => {
      destroyed++;
      destroy();
    };
    lossy.dispose();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(destroyed).toBe(1);
  });
});

describe('model.predict backend errors', () => {
  it('webgpu without WebGPU, or without an adapter, is a plain BAD_INPUT; a later job asks again', async () => {
    const none = new ModelService(engine);
    const model = (await none.train({ source: { table: 'pts' }, target: 'buy', features: ['x1', 'x2'], params: { num_boost_round: 3 }, split: { kind: 'random', validFraction: 0, seed: 1 } }, context())).model;
    const noGpu = await failure(none.predictInto({ modelId: model.modelId, source: { table: 'pts' }, outputTable: 'x', backend: 'webgpu' }, context()));
    expect(noGpu.code).toBe('BAD_INPUT');
    expect(noGpu.message).toBe('WebGPU prediction requested, but WebGPU is not available in this runtime (no navigator.gpu). Choose the CPU backend.');

    let asked = 0;
    const empty = new ModelService(engine, { requestAdapter: async () => (asked++, null) } satisfies GpuLike);
    const imported = empty.importModel(none.exportModel(model.modelId).json);
    const noAdapter = await failure(empty.predictInto({ modelId: imported.modelId, source: { table: 'pts' }, outputTable: 'x', backend: 'webgpu' }, context()));
    expect(noAdapter.code).toBe('BAD_INPUT');
    expect(noAdapter.message).toMatch(/^WebGPU prediction requested, but no WebGPU adapter was found \(no usable GPU or driver\)\. Choose the CPU backend\.$/);
    const firstAsks = asked;
    expect(firstAsks).toBeGreaterThan(0);
    await failure(empty.predictInto({ modelId: imported.modelId, source: { table: 'pts' }, outputTable: 'x', backend: 'webgpu' }, context()));
    expect(asked).toBe(2 * firstAsks);
    // The CPU still scores, and nothing was written by the failed jobs.
    expect((await engine.tableNames()).includes('x')).toBe(false);
    expect((await empty.predictInto({ modelId: imported.modelId, source: { table: 'pts' }, outputTable: 'x', backend: 'cpu' }, context())).rowCount).toBe(1200);
    expect(asked).toBe(2 * firstAsks);
  });

  it('refuses an unknown backend and webgpu for a CTR model, in plain words', async () => {
    const service = new ModelService(engine);
    const tree = (await service.train({ source: { table: 'pts' }, target: 'buy', features: ['x1', 'x2'], params: { num_boost_round: 2 }, split: { kind: 'random', validFraction: 0, seed: 1 } }, context())).model;
    const bad = await failure(service.predictInto({ modelId: tree.modelId, source: { table: 'pts' }, outputTable: 'y', backend: 'gpu' as unknown as 'cpu' }, context()));
    expect(bad.code).toBe('BAD_INPUT');
    expect(bad.message).toBe('The backend must be auto, webgpu or cpu (got gpu).');

    const lr = (await service.train({ source: { table: 'pts' }, target: 'buy', features: ['x1', 'x2'], kind: 'lr', params: { epochs: 1, early_stopping_rounds: 0 }, split: { kind: 'random', validFraction: 0, seed: 1 } }, context())).model;
    const ctr = await failure(service.predictInto({ modelId: lr.modelId, source: { table: 'pts' }, outputTable: 'y', backend: 'webgpu' }, context()));
    expect(ctr.code).toBe('BAD_INPUT');
    expect(ctr.message).toBe('WebGPU scoring is for boosted-tree (gbdt) models; lr models score on the CPU. Choose the CPU or auto backend.');
    expect((await service.predictInto({ modelId: lr.modelId, source: { table: 'pts' }, outputTable: 'y', backend: 'cpu' }, context())).rowCount).toBe(1200);
  });
});
