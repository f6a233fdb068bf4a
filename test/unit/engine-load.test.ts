import fs from 'node:fs';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError, type TableInfo } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { samples, tempDir, writeFixture } from '../helpers/paths';

let engine: NodeEngine;
const dir = tempDir('load');

beforeAll(async () => {
  engine = await createInProcessEngine();
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const open = (path: string, extra: Record<string, unknown> = {}): Promise<TableInfo> =>
  engine.client.run('data.open', { source: { kind: 'path', path }, ...extra });

async function expectEngineError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<EngineError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  const engineError = err as EngineError;
  expect(engineError.code).toBe(code);
  expect(engineError.message).toMatch(pattern);
  return engineError;
}

describe('opening the shipped samples', () => {
  it('sniffs the semicolon-separated online shoppers file into 18 typed columns', async () => {
    const t = await open(samples.shoppers);
    expect(t.name).toBe('online_shoppers_intention');
    expect(t.rowCount).toBe(12_330);
    expect(t.source?.delimiter).toBe(';');
    expect(t.columns).toHaveLength(18);
    const types = Object.fromEntries(t.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      Administrative: 'BIGINT',
      Administrative_Duration: 'DOUBLE',
      PageValues: 'DOUBLE',
      Month: 'VARCHAR',
      VisitorType: 'VARCHAR',
      Weekend: 'BOOLEAN',
      Revenue: 'BOOLEAN',
    });
  });

  it('opens the bank marketing sample (semicolons, quoted strings) with 21 columns', async () => {
    const t = await open(samples.bank);
    expect(t.name).toBe('bank_additional');
    expect(t.rowCount).toBe(4_119);
    expect(t.columns).toHaveLength(21);
    // DuckDB's sniffer reads the yes/no label as BOOLEAN.
    expect(t.columns.find((c) => c.name === 'y')?.type).toBe('BOOLEAN');
  });

  it('opens the Online Retail customer sample and the Olist catalog', async () => {
    const retail = await open(samples.retail);
    expect(retail.rowCount).toBe(36_378);
    expect(retail.columns.map((c) => c.name)).toEqual(['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country']);
    const products = await open(samples.olistProducts);
    expect(products.rowCount).toBe(32_951);
    expect(products.columns).toHaveLength(9);
  });
});

describe('formats', () => {
  it('reads gzipped CSV and names the table without both extensions', async () => {
    const gz = writeFixture(dir, 'online_retail.csv.gz', zlib.gzipSync('id,amount\n1,2.5\n2,3.5\n3,\n'));
    const t = await open(gz);
    expect(t.name).toBe('online_retail');
    expect(t.rowCount).toBe(3);
    expect(t.source?.compression).toBe('gzip');
  });

  it('reads TSV, JSON arrays and NDJSON with inferred types', async () => {
    const tsv = await open(writeFixture(dir, 'orders 2024 (v2).tsv', 'a\tb\n1\tx\n2\ty\n'));
    expect(tsv.name).toBe('orders_2024__v2_');
    expect(tsv.columns.map((c) => c.type)).toEqual(['BIGINT', 'VARCHAR']);
    const json = await open(writeFixture(dir, 'items.json', JSON.stringify([{ id: 1, price: 2.5, ok: true, tags: ['a'] }, { id: 2, price: null, name: 'b' }])));
    expect(json.rowCount).toBe(2);
    expect(Object.fromEntries(json.columns.map((c) => [c.name, c.type]))).toEqual({ id: 'BIGINT', price: 'DOUBLE', ok: 'BOOLEAN', tags: 'VARCHAR', name: 'VARCHAR' });
    const nd = await open(writeFixture(dir, 'events.ndjson', '{"u":1,"e":"view"}\n{"u":2,"e":"cart"}\n\n{"u":3,"e":"buy"}\n'));
    expect(nd.rowCount).toBe(3);
  });

  it('reads Parquet offline (parquet-wasm -> Arrow -> DuckDB), values and NULLs intact', async () => {
    const created = await engine.client.run('sql.run', {
      sql: "SELECT range AS id, CASE WHEN range % 3 = 0 THEN NULL ELSE range * 1.5 END AS x, 'k' || range AS k, DATE '2024-01-01' + CAST(range AS INTEGER) AS d FROM range(5000)",
    });
    const exported = await engine.client.run('data.export', { from: { resultId: created.resultId as string }, format: 'parquet' });
    const file = writeFixture(dir, 'sample.parquet', exported.bytes as Uint8Array);
    const t = await open(file);
    expect(t.rowCount).toBe(5000);
    const check = await engine.client.run('sql.run', { sql: 'SELECT count(*) FILTER (x IS NULL) AS nulls, sum(id) AS s, max(d) AS last FROM sample' });
    const { tableFromIPC } = await import('apache-arrow');
    const row = tableFromIPC(check.preview).get(0)?.toJSON() as { nulls: bigint; s: unknown; last: unknown };
    expect(Number(row.nulls)).toBe(1667);
    expect(Number(row.s)).toBe((4999 * 5000) / 2);
  });

  it('gives a name suffix instead of replacing an existing table, unless asked to replace', async () => {
    const file = writeFixture(dir, 'dup.csv', 'a\n1\n');
    expect((await open(file)).name).toBe('dup');
    expect((await open(file)).name).toBe('dup_2');
    expect((await open(file, { replace: true })).name).toBe('dup');
  });
});

describe('bad input: clear errors, nothing else changes', () => {
  it('rejects a corrupt and a truncated Parquet file without touching other tables', async () => {
    const before = (await engine.client.run('data.catalog', {})).map((t) => `${t.name}:${t.rowCount}`);
    await expectEngineError(open(writeFixture(dir, 'garbage.parquet', new Uint8Array(4096).fill(7))), 'CORRUPT_FILE', /not a valid Parquet file/);
    const good = fs.readFileSync(`${dir}/sample.parquet`);
    await expectEngineError(open(writeFixture(dir, 'truncated.parquet', good.subarray(0, Math.floor(good.length / 2)))), 'CORRUPT_FILE', /Parquet/);
    const after = (await engine.client.run('data.catalog', {})).map((t) => `${t.name}:${t.rowCount}`);
    expect(after).toEqual(before);
  });

  it('loads a ragged CSV with its real delimiter and says what it did', async () => {
    const t = await open(writeFixture(dir, 'ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11\n'));
    expect(t.columns.slice(0, 3).map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(t.rowCount).toBeGreaterThanOrEqual(3);
    expect(t.warnings?.join(' ')).toMatch(/malformed rows \(rows with more or fewer fields than the others\)/);
    expect(t.warnings?.join(' ')).not.toMatch(/sniffing/);
    // A row longer than the header adds columns: the warning names them.
    const long = await open(writeFixture(dir, 'ragged_long.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9,10\n11,12,13\n'));
    expect(long.columns.map((c) => c.name)).toEqual(['a', 'b', 'c', 'column3', 'column4']);
    expect(long.warnings?.join(' ')).toMatch(/Rows longer than the header added the columns column3, column4 \(empty in the other rows\)\./);
  });

  it('reads non-UTF-8 (Latin-1) bytes with a warning, keeping the characters', async () => {
    const t = await open(writeFixture(dir, 'latin1.csv', Buffer.from('name,city\nJos\xe9,K\xf6ln\n', 'latin1')));
    expect(t.warnings?.[0]).toMatch(/not valid UTF-8.*Latin-1/);
    const r = await engine.client.run('sql.run', { sql: 'SELECT name, city FROM latin1' });
    const { tableFromIPC } = await import('apache-arrow');
    expect(tableFromIPC(r.preview).get(0)?.toJSON()).toEqual({ name: 'José', city: 'Köln' });
  });

  it('rejects an empty file, and a non-UTF-8 JSON file, with plain messages', async () => {
    await expectEngineError(open(writeFixture(dir, 'empty.csv', '')), 'EMPTY_FILE', /empty \(0 bytes\)/);
    await expectEngineError(open(writeFixture(dir, 'bad.json', Buffer.from([0x5b, 0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x5d]))), 'ENCODING', /not valid UTF-8/);
    await expectEngineError(open(writeFixture(dir, 'broken.ndjson', '{"a":1}\n{"a":\n')), 'CORRUPT_FILE', /line 2/);
  });

  it('opens a header-only CSV as a 0-row table that profiles cleanly', async () => {
    const t = await open(writeFixture(dir, 'header_only.csv', 'x,y\n'));
    expect(t.rowCount).toBe(0);
    const p = await engine.client.run('data.profile', { table: t.name });
    expect(p.rowCount).toBe(0);
    expect(p.columns.map((c) => c.nullCount)).toEqual([0, 0]);
  });

  it('handles a hostile column name in load, profile, query, rename and type change', async () => {
    const hostile = 'a"; DROP TABLE x;--';
    await open(writeFixture(dir, 'x.csv', 'keep\n1\n'));
    const t = await open(writeFixture(dir, 'hostile.csv', `"${hostile.replaceAll('"', '""')}",b\n1,2\n3,4\n`));
    expect(t.columns.map((c) => c.name)).toEqual([hostile, 'b']);
    const p = await engine.client.run('data.profile', { table: t.name });
    expect(p.columns[0]?.name).toBe(hostile);
    expect(p.columns[0]?.max).toBe(3);
    const changed = await engine.client.run('data.alterType', { table: t.name, column: hostile, type: 'DOUBLE' });
    expect(changed.columns[0]?.type).toBe('DOUBLE');
    const catalog = await engine.client.run('data.catalog', {});
    expect(catalog.find((c) => c.name === 'x')?.rowCount).toBe(1);
  });
});
