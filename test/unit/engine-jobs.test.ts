import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import type { AllEngineJobs, JobClient } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { startEngineThread } from '../../workers/node/engine-thread-client';
import type { SleepJobs } from '../helpers/sleep-job';

// The engine in a real worker thread, as the CLI runs it: long jobs cancel and the engine stays usable.
// The thread is the production engine plus the test-only `engine.sleep` job (test/helpers/sleep-engine-thread.ts).
let engine: NodeEngine<AllEngineJobs & SleepJobs>;

beforeAll(async () => {
  engine = await startEngineThread<AllEngineJobs & SleepJobs>(new URL('../helpers/sleep-engine-thread.ts', import.meta.url));
});
afterAll(async () => {
  await engine.close();
});

describe('engine jobs in a worker thread', () => {
  it('announces its DuckDB version and bundle', () => {
    expect(engine.info.host).toBe('node');
    expect(engine.info.duckdbVersion).toMatch(/^v1\./);
  });

  it('cancels a long DuckDB query between execution slices, then runs the next query', async () => {
    const phases: string[] = [];
    const handle = engine.client.start('sql.run', { sql: 'SELECT count(*) FROM range(20000000000) t(x) WHERE x % 7 = 3' }, { onProgress: (p) => phases.push(p.phase) });
    await new Promise((r) => setTimeout(r, 400));
    const started = Date.now();
    handle.cancel();
    const err = await handle.result.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(phases.length).toBeGreaterThan(0);
    const next = await engine.client.run('sql.run', { sql: 'SELECT 42 AS answer' });
    expect(next.rowCount).toBe(1);
  });

  it('reports progress for a sleeping job and stops it on cancel', async () => {
    const fractions: number[] = [];
    const handle = engine.client.start('engine.sleep', { ms: 10_000 }, { onProgress: (p) => fractions.push(p.fraction) });
    await new Promise((r) => setTimeout(r, 1200));
    handle.cancel();
    await expect(handle.result).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(fractions.some((f) => f > 0)).toBe(true);
  });
});

describe('the production job registry', () => {
  it('has no test-only jobs: engine.sleep is an unknown job kind there', async () => {
    const production = await createInProcessEngine();
    try {
      // The production client's type has no engine.sleep either; ask for it as a test table would.
      const client = production.client as unknown as JobClient<SleepJobs>;
      await expect(client.run('engine.sleep', { ms: 1 })).rejects.toMatchObject({ code: 'UNKNOWN_JOB' });
      expect((await production.client.run('engine.info', {})).host).toBe('node');
    } finally {
      await production.close();
    }
  });
});
