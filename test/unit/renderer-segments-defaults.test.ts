/**
 * Defaults that follow the user in the Segments view (and the other table pickers): the catalog's
 * selected table, the as-of date from the data (an engine query, run here on the Node engine), and
 * why "Build table" cannot run yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import type { ColumnInfo, TableInfo } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { asOfDefaultSql, buildBlocker, missingFeatureFields } from '../../renderer/views/segments/segment-data';
import { emptyFeatureForm } from '../../renderer/views/segments/types';
import { defaultTable } from '../../renderer/views/view-props';

const table = (name: string): TableInfo => ({ name, rowCount: 1, columns: [] }) as unknown as TableInfo;

describe('defaultTable', () => {
  const tables = [table('bank_marketing'), table('online_retail'), table('online_shoppers_intention')];
  it('is the catalog selection when that table is open', () => {
    expect(defaultTable(tables, 'online_retail')).toBe('online_retail');
  });
  it('falls back to the first table when nothing (or a dropped table) is selected, and to none without tables', () => {
    expect(defaultTable(tables, null)).toBe('bank_marketing');
    expect(defaultTable(tables, 'dropped_table')).toBe('bank_marketing');
    expect(defaultTable([], 'online_retail')).toBe('');
  });
});

describe('as-of default: the day after the latest time, computed in DuckDB', () => {
  let engine: NodeEngine;
  const csv = [
    'id,ts,day,text_time,epoch_s,epoch_ms',
    '1,2011-12-09 12:50:00,2011-12-08,2011-12-01 10:00:00,1700000000,1700000000000',
    '2,2011-01-02 08:00:00,2011-12-09,not a time,1600000000,1600000000000',
    '3,,2010-05-05,2012-02-29 23:59:59,,',
  ].join('\n');
  let columns: ColumnInfo[] = [];

  beforeAll(async () => {
    engine = await createInProcessEngine();
    const info = await engine.client.run('data.open', { source: { kind: 'bytes', name: 'events.csv', bytes: new TextEncoder().encode(csv) }, tableName: 'events log' });
    columns = info.columns;
  });
  afterAll(async () => {
    await engine?.close();
  });

  const asOf = async (column: string, unit: '' | 'milliseconds' = ''): Promise<string | null> => {
    const info = columns.find((c) => c.name === column);
    if (!info) throw new Error(`no column ${column}`);
    const result = await engine.client.run('sql.run', { sql: asOfDefaultSql('events log', info, unit), preview: 1 });
    if (result.resultId !== null) await engine.client.run('sql.release', { resultId: result.resultId });
    return (tableFromIPC(result.preview).getChild('as_of')?.get(0) as string | null) ?? null;
  };

  it('reads timestamps, dates, text times (skipping text that is not a time) and Unix seconds or milliseconds', async () => {
    expect(await asOf('ts')).toBe('2011-12-10');
    expect(await asOf('day')).toBe('2011-12-10');
    expect(await asOf('text_time')).toBe('2012-03-01');
    // 1700000000 s = 2023-11-14 22:13:20 UTC.
    expect(await asOf('epoch_s')).toBe('2023-11-15');
    expect(await asOf('epoch_ms', 'milliseconds')).toBe('2023-11-15');
  });

  it('is NULL (no default) for a column without times', async () => {
    const info: ColumnInfo = { name: 'text_time', type: 'VARCHAR' } as ColumnInfo;
    const result = await engine.client.run('sql.run', { sql: `${asOfDefaultSql('events log', info, '')} WHERE id = 2`, preview: 1 });
    if (result.resultId !== null) await engine.client.run('sql.release', { resultId: result.resultId });
    expect(tableFromIPC(result.preview).getChild('as_of')?.get(0)).toBe(null);
  });
});

describe('why Build table cannot run', () => {
  const form = { ...emptyFeatureForm('online_retail'), key: 'CustomerID' };
  it('names the missing fields when there is no SQL yet', () => {
    expect(missingFeatureFields(form)).toEqual(['the time column', 'the as-of date (YYYY-MM-DD)']);
    expect(buildBlocker({ running: null, sql: '', outputTable: 'x', form })).toBe('Fill in the time column and the as-of date (YYYY-MM-DD), then generate the SQL.');
    const complete = { ...form, time: 'InvoiceDate', asOf: '2011-12-10' };
    expect(buildBlocker({ running: null, sql: ' ', outputTable: 'x', form: complete })).toBe('Generate the SQL first (or write it in the editor).');
  });
  it('asks for the output table name, says when a job is running, and is null when it can build', () => {
    const complete = { ...form, time: 'InvoiceDate', asOf: '2011-12-10' };
    expect(buildBlocker({ running: null, sql: 'SELECT 1', outputTable: '  ', form: complete })).toBe('Name the output table.');
    expect(buildBlocker({ running: 'Generating the SQL', sql: 'SELECT 1', outputTable: 'x', form: complete })).toBe('Wait until generating the SQL is done.');
    expect(buildBlocker({ running: null, sql: 'SELECT 1', outputTable: 'x', form: complete })).toBeNull();
    // SQL written by hand builds even when the form is incomplete.
    expect(buildBlocker({ running: null, sql: 'SELECT 1', outputTable: 'x', form })).toBeNull();
  });
});
