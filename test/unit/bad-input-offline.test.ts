import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import type { NodeEngine } from '../../workers/node/engine-node';
import { startEngineThread } from '../../workers/node/engine-thread-client';

/**
 * SQL that makes DuckDB reach for an extension or a file by path. duckdb-wasm's Node build
 * fetches a missing extension in a helper thread it waits on with no timeout: offline, that
 * was a hang (AT TIME ZONE ran until killed). Each case must answer within DEADLINE_MS, either
 * with rows or with a plain SQL_ERROR; a regression fails here instead of hanging the suite.
 */
const DEADLINE_MS = 20_000;

const EXTENSION = /This needs DuckDB's "(\w+)" extension/;
const BY_PATH = /SQL cannot read or write files by path in Assay/;
const NO_EXTENSIONS = /Assay does not load DuckDB extensions/;

const CASES: Array<{ sql: string; answer: RegExp | 'rows' }> = [
  { sql: "SELECT TIMESTAMP '2017-12-01 00:00:00' AT TIME ZONE 'UTC'", answer: EXTENSION },
  { sql: "SELECT TIMESTAMP '2017-12-01 00:00:00' AT TIME ZONE 'Asia/Shanghai'", answer: EXTENSION },
  { sql: "SET TimeZone = 'Asia/Shanghai'", answer: EXTENSION },
  { sql: "SELECT date_trunc('day', TIMESTAMPTZ '2020-01-01 00:00:00+00')", answer: EXTENSION },
  { sql: "SELECT 'a' COLLATE de", answer: EXTENSION },
  { sql: "SELECT TIMESTAMPTZ '2020-01-01 00:00:00+08' AS t", answer: 'rows' },
  { sql: `SELECT '{"a":1}'::JSON`, answer: EXTENSION },
  { sql: `SELECT json_extract('{"a":1}', '$.a')`, answer: EXTENSION },
  { sql: "SELECT to_json({'a': 1})", answer: EXTENSION },
  { sql: "SELECT * FROM read_json('x.json')", answer: EXTENSION },
  { sql: "SELECT * FROM read_parquet('x.parquet')", answer: EXTENSION },
  { sql: "COPY (SELECT 1) TO 'x.parquet' (FORMAT parquet)", answer: EXTENSION },
  { sql: 'SELECT st_point(1, 2)', answer: EXTENSION },
  { sql: "SELECT '1.2.3.4'::INET", answer: EXTENSION },
  { sql: "SELECT * FROM read_xlsx('x.xlsx')", answer: EXTENSION },
  { sql: "SELECT * FROM sqlite_scan('x.db', 't')", answer: EXTENSION },
  { sql: 'CALL dbgen(sf=0.01)', answer: EXTENSION },
  { sql: "SELECT * FROM iceberg_scan('x')", answer: EXTENSION },
  { sql: 'LOAD icu', answer: NO_EXTENSIONS },
  { sql: "SELECT * FROM read_csv('https://example.com/x.csv')", answer: BY_PATH },
  { sql: "SELECT * FROM read_csv('/etc/passwd')", answer: BY_PATH },
  { sql: "SELECT * FROM read_text('/etc/hostname')", answer: BY_PATH },
  { sql: "SELECT * FROM glob('/tmp/*')", answer: BY_PATH },
  { sql: "COPY (SELECT 1) TO '/tmp/assay-offline-test.csv'", answer: BY_PATH },
  { sql: "ATTACH '/tmp/assay-offline-test.db'", answer: BY_PATH },
];

let engine: NodeEngine;
beforeAll(async () => {
  // In a worker thread, as the CLI runs it: a hang there blocks that thread (Atomics.wait), not
  // this one, so the deadline below can still fire.
  engine = await startEngineThread();
}, 120_000);
afterAll(async () => {
  await engine?.close();
});

/** After one hang the engine thread is stuck: the remaining cases fail at once. */
let hung: string | null = null;

function withinDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  if (hung) return Promise.reject(new Error(`the engine hung on an earlier case (${hung})`));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      hung = what;
      reject(new Error(`no answer within ${DEADLINE_MS} ms (a hang): ${what}`));
    }, DEADLINE_MS);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

describe('SQL that needs an extension or a file path fails at once, offline', { timeout: 60_000 }, () => {
  for (const { sql, answer } of CASES) {
    it(sql, async () => {
      const outcome = await withinDeadline(
        engine.client.run('sql.run', { sql }).then(
          (result) => ({ rows: result.rowCount }),
          (err: unknown) => ({ err }),
        ),
        sql,
      );
      if (answer === 'rows') {
        expect(outcome).toHaveProperty('rows');
        return;
      }
      expect('err' in outcome).toBe(true);
      const err = (outcome as { err: unknown }).err;
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('SQL_ERROR');
      expect((err as EngineError).message).toMatch(answer);
      expect((err as EngineError).message).not.toMatch(/exception_type|\n\s+at /);
    });
  }

  it('leaves the engine usable: loading and querying still work after all of them', async () => {
    const bytes = new TextEncoder().encode('a,b\n1,2\n3,4\n');
    const info = await engine.client.run('data.open', { source: { kind: 'bytes', name: 'after.csv', bytes } });
    const result = await engine.client.run('sql.run', { sql: `SELECT sum(a + b) AS s FROM ${info.name}` });
    expect(result.rowCount).toBe(1);
  });
});
