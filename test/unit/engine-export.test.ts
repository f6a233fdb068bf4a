import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetFacts } from '../../workers/data/parquet-check';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { tempDir } from '../helpers/paths';

/**
 * Parquet export to a path streams the table batch by batch into row groups of at most 256K rows
 * (it used to encode the whole table in memory at once: 3.3 GB peak for an 80 MB file). The file
 * must hold exactly the table, whatever its rowids (gaps after DELETE) or size (empty).
 */
const dir = tempDir('export');
let engine: NodeEngine;

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', {
    sql: `CREATE TABLE big AS SELECT i::BIGINT AS id, (i % 97)::DOUBLE / 7 AS x, 'v' || (i % 13) AS s,
      CASE WHEN i % 11 = 0 THEN NULL ELSE i END AS n, DATE '2024-01-01' + (i % 400)::INTEGER AS d FROM range(600000) t(i)`,
  });
}, 120_000);
afterAll(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function rowGroupsOf(file: string): number[] {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const length = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 4).getUint32(0, true);
  return parquetFacts(bytes.subarray(bytes.length - 8 - length, bytes.length - 8)).rowGroups.map((g) => g.numRows);
}

/** Rows in one table and not the other, both ways. */
async function differences(a: string, b: string): Promise<number> {
  const { tableFromIPC } = await import('apache-arrow');
  let total = 0;
  for (const [x, y] of [[a, b], [b, a]]) {
    const r = await engine.client.run('sql.run', { sql: `SELECT count(*) AS n FROM (SELECT * FROM ${x} EXCEPT ALL SELECT * FROM ${y})` });
    total += Number(tableFromIPC(r.preview).get(0)?.toJSON().n);
  }
  return total;
}

describe('Parquet export to a file', { timeout: 120_000 }, () => {
  it('streams row groups of at most 256K rows and holds exactly the table', async () => {
    const file = path.join(dir, 'big.parquet');
    const out = await engine.client.run('data.export', { from: { table: 'big' }, format: 'parquet', path: file });
    expect(out.rowCount).toBe(600_000);
    expect(out.byteLength).toBe(fs.statSync(file).size);
    const groups = rowGroupsOf(file);
    expect(groups.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...groups)).toBeLessThanOrEqual(256 * 1024);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(600_000);
    const back = await engine.client.run('data.open', { source: { kind: 'path', path: file }, tableName: 'big_back' });
    expect(back.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id BIGINT', 'x DOUBLE', 's VARCHAR', 'n BIGINT', 'd DATE']);
    expect(await differences('big', 'big_back')).toBe(0);
  });

  it('follows rowid gaps left by DELETE, and writes an empty result as a valid file with its columns', async () => {
    await engine.client.run('sql.run', { sql: 'CREATE TABLE gaps AS SELECT * FROM big; DELETE FROM gaps WHERE id % 3 = 0 OR id BETWEEN 100000 AND 400000' });
    const file = path.join(dir, 'gaps.parquet');
    await engine.client.run('data.export', { from: { table: 'gaps' }, format: 'parquet', path: file });
    await engine.client.run('data.open', { source: { kind: 'path', path: file }, tableName: 'gaps_back' });
    expect(await differences('gaps', 'gaps_back')).toBe(0);

    const none = await engine.client.run('sql.run', { sql: 'SELECT * FROM big WHERE id < 0' });
    const empty = path.join(dir, 'empty.parquet');
    await engine.client.run('data.export', { from: { resultId: none.resultId as string }, format: 'parquet', path: empty });
    const reopened = await engine.client.run('data.open', { source: { kind: 'path', path: empty }, tableName: 'empty_back' });
    expect(reopened.rowCount).toBe(0);
    expect(reopened.columns).toHaveLength(5);
  });

  it('crosses a gap of deleted rows wider than one batch instead of waiting for ever', async () => {
    // 400 columns make a batch 5,000 rows; the gap spans two whole batches, so one pull finds no rows.
    const columns = Array.from({ length: 399 }, (_, j) => `i + ${j} AS c${j}`).join(', ');
    await engine.client.run('sql.run', { sql: `CREATE TABLE wide_gap AS SELECT i AS id, ${columns} FROM range(30000) t(i); DELETE FROM wide_gap WHERE id BETWEEN 6000 AND 19999` });
    const file = path.join(dir, 'wide-gap.parquet');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the export did not finish within 60 s')), 60_000);
    });
    try {
      const out = await Promise.race([engine.client.run('data.export', { from: { table: 'wide_gap' }, format: 'parquet', path: file }), deadline]);
      expect(out.rowCount).toBe(16_000);
    } finally {
      clearTimeout(timer);
    }
    await engine.client.run('data.open', { source: { kind: 'path', path: file }, tableName: 'wide_gap_back' });
    expect(await differences('wide_gap', 'wide_gap_back')).toBe(0);
  });
});
