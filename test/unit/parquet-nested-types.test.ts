/**
 * A Parquet file with lists, structs, maps and nanosecond or millisecond timestamps loads with the
 * same column types and values on native DuckDB (the CLI: DuckDB's reader fills the table) as on
 * duckdb-wasm (the app: parquet-wasm decodes, the Arrow insert keeps the types). Before, native
 * typed the table from the Arrow schema and turned lists into their text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeDriverKind } from '../../workers/node/driver-choice';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { queryRows } from '../helpers/packs';
import { tempDir } from '../helpers/paths';

const dir = tempDir('parquet-nested-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'nested.parquet');

async function load(kind: NodeDriverKind): Promise<{ types: string[]; rows: Array<Record<string, unknown>> }> {
  const engine = await createInProcessEngine(kind);
  try {
    if (!fs.existsSync(file)) {
      await engine.client.run('sql.run', {
        sql: `COPY (SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE [i, i + 1] END AS "a list", {'a': i, 'b': 'x' || i} AS s,
                make_timestamp(1700000000000000 + i * 1234567)::TIMESTAMP_NS AS ns, make_timestamp(1700000000000000 + i * 1000)::TIMESTAMP_MS AS ms,
                MAP {'k': i} AS m, [[i], []] AS nested, i::VARCHAR AS txt, make_time(1, 2, i % 60) AS t
                FROM range(300) r(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 100)`,
      });
    }
    const table = await engine.client.run('data.open', { source: { kind: 'path', path: file } });
    const rows = await queryRows(engine.client, `SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "${table.name}" ORDER BY i`);
    return { types: table.columns.map((c) => `${c.name} ${c.type}`), rows };
  } finally {
    await engine.close();
  }
}

describe('nested and non-microsecond Parquet columns', { timeout: 60_000 }, () => {
  it('load with the same types and values on native DuckDB as on duckdb-wasm', async () => {
    const native = await load('native');
    const wasm = await load('wasm');
    expect(native.types).toEqual(wasm.types);
    expect(native.types).toContain('a list BIGINT[]');
    expect(native.types.some((t) => t.startsWith('s STRUCT('))).toBe(true);
    expect(native.types).toContain('ns TIMESTAMP_NS');
    expect(native.types).toContain('t TIME');
    expect(native.rows).toEqual(wasm.rows);
    expect(native.rows[1]?.['a list']).toBe('[1, 2]');
    expect(native.rows[0]?.['a list']).toBeNull();
  });
});
