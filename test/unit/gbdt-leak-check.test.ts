/**
 * The leak check after training a two-class model: it retrains without the column carrying the
 * most gain and warns when validation AUC collapses without it. That retrain reports its rounds
 * (the job would otherwise sit at 97% with no word), and the warning names the column.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataEngine } from '../../workers/data/engine';
import { ModelService } from '../../workers/gbdt/jobs';
import { NodeDuckDriver } from '../../workers/node/driver-node';
import { loadParquetNode } from '../../workers/node/engine-node';
import type { JobContext } from '../../workers/protocol/host';

let driver: NodeDuckDriver;
let engine: DataEngine;

beforeAll(async () => {
  driver = await NodeDuckDriver.create();
  engine = new DataEngine(driver, loadParquetNode);
  // "leak" nearly is the label (flipped on 1 row in 12); "weak" and "noise" carry little.
  await driver.query(
    `CREATE TABLE leaky AS SELECT i, CASE WHEN (i * 7919) % 12 = 0 THEN 1 - y ELSE y END + ((i * 104729) % 100) / 1000.0 AS leak,
       y * 0.3 + ((i * 31337) % 1000) / 1000.0 AS weak, ((i * 2654435761) % 997) / 997.0 AS noise, y
     FROM (SELECT i, CASE WHEN (i * 48271) % 2147483647 % 100 < 40 THEN 1 ELSE 0 END AS y FROM range(3000) r(i))`,
  );
});
afterAll(async () => {
  await driver.close();
});

describe('the leak check after training', () => {
  it('reports its retrain round by round and names the column the model leans on', async () => {
    const phases: string[] = [];
    const ctx = { signal: new AbortController().signal, progress: (_f: number, phase?: string) => phases.push(phase ?? '') } as unknown as JobContext;
    const outcome = await new ModelService(engine).train({ source: { table: 'leaky' }, target: 'y', features: ['leak', 'weak', 'noise'], params: { num_boost_round: 30, max_depth: 3 }, split: { kind: 'random', validFraction: 0.3, seed: 1 }, backend: 'cpu' }, ctx);
    const retrain = phases.filter((p) => p.startsWith('checking for leaks: retraining without the strongest column'));
    expect(retrain.length).toBeGreaterThan(5);
    expect(retrain[retrain.length - 1]).toMatch(/round (\d+) of \1$/);
    expect(outcome.warnings.join('\n')).toMatch(/possible leak: "leak"/);
  });
});
