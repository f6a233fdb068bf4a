import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEngineError } from '../../workers/protocol/errors';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';

describe('a job that needs a DuckDB extension the app cannot load says so in plain words', () => {
  let engine: NodeEngine;
  beforeAll(async () => {
    engine = await createInProcessEngine('wasm');
  }, 60_000);
  afterAll(async () => {
    await engine.close();
  });

  it('maps DuckDB autoloading errors to the missing extension and why', () => {
    const raw = "Extension Autoloading Error: An error occurred while trying to automatically install the required extension 'icu':\nLoading external extensions is disabled through configuration";
    const err = toEngineError(new Error(raw));
    expect(err.code).toBe('SQL_ERROR');
    expect(err.message).toBe('This needs DuckDB\'s "icu" extension (time zones and collations), which Assay does not include: it works offline and never downloads extensions.');
  });

  it('profiles a TIMESTAMPTZ column on duckdb-wasm (no ICU) in UTC instead of failing', async () => {
    await engine.client.run('sql.run', { sql: "CREATE TABLE tz_events AS SELECT TIMESTAMPTZ '2020-01-02 03:04:05+02' AS at, 1 AS n" });
    const profile = await engine.client.run('data.profile', { table: 'tz_events' });
    const at = profile.columns.find((c) => c.name === 'at');
    expect(at).toMatchObject({ type: 'TIMESTAMP WITH TIME ZONE', kind: 'temporal', min: '2020-01-02 01:04:05+00', max: '2020-01-02 01:04:05+00', samples: ['2020-01-02 01:04:05+00'] });
    expect(at?.histogram).toEqual([{ lo: Date.UTC(2020, 0, 2, 1, 4, 5) / 1000, hi: Date.UTC(2020, 0, 2, 1, 4, 5) / 1000, count: 1 }]);
  });

  it('an ICU-only function in the user\'s own SQL on a TIMESTAMPTZ column still fails with that sentence', async () => {
    await engine.client.run('sql.run', { sql: "CREATE OR REPLACE TABLE tz_days AS SELECT TIMESTAMPTZ '2020-01-02 03:04:05+00' AS at" });
    const failure = await engine.client.run('sql.run', { sql: "SELECT date_trunc('day', \"at\") FROM tz_days" }).then(
      () => null,
      (err: unknown) => err as { code: string; message: string },
    );
    // The pinned duckdb-wasm has no ICU built in (a build that had it would truncate the day).
    expect(failure?.code).toBe('SQL_ERROR');
    expect(failure?.message).toMatch(/^This needs DuckDB's "icu" extension \(time zones and collations\)/);
  });
});
