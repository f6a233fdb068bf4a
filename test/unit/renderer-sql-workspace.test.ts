import { describe, expect, it } from 'vitest';
import { locateSqlError, offsetOf } from '../../renderer/views/sql/sql-errors';
import { completionSchema, quoteIdentifier } from '../../renderer/views/sql/schema-completion';
import { HISTORY_LIMIT, emptySqlWorkspace, sqlWorkspaceStateSchema, type SqlWorkspaceState } from '../../renderer/views/sql/types';
import { addHistoryEntry, deleteChart, deleteQuery, saveQuery, sqlSummary, upsertChart } from '../../renderer/views/sql/workspace-ops';

describe('SQL workspace state', () => {
  it('keeps history newest first, without duplicates, capped', () => {
    let state = emptySqlWorkspace();
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) state = addHistoryEntry(state, { sql: `SELECT ${i}`, at: new Date(i).toISOString(), ok: true, rowCount: 1 });
    expect(state.history).toHaveLength(HISTORY_LIMIT);
    expect(state.history[0]?.sql).toBe(`SELECT ${HISTORY_LIMIT + 19}`);
    state = addHistoryEntry(state, { sql: 'SELECT 100', at: 'later', ok: false, error: 'boom' });
    expect(state.history).toHaveLength(HISTORY_LIMIT);
    expect(state.history[0]).toEqual({ sql: 'SELECT 100', at: 'later', ok: false, error: 'boom' });
    expect(state.history.filter((h) => h.sql === 'SELECT 100')).toHaveLength(1);
  });

  it('saves, renames in place by name, and deletes queries', () => {
    const first = saveQuery(emptySqlWorkspace(), '  Top months ', 'SELECT 1', 'q1');
    expect(first.saved).toEqual({ id: 'q1', name: 'Top months', sql: 'SELECT 1' });
    const second = saveQuery(first.state, 'top MONTHS', 'SELECT 2', 'q2');
    expect(second.state.queries).toEqual([{ id: 'q1', name: 'top MONTHS', sql: 'SELECT 2' }]);
    expect(() => saveQuery(second.state, '   ', 'SELECT 3')).toThrow(/needs a name/);
    expect(deleteQuery(second.state, 'q1').queries).toEqual([]);
  });

  it('adds, replaces and deletes charts', () => {
    const chart = { id: 'c1', sql: 'SELECT 1 AS a', type: 'histogram' as const, x: 'a', y: null, color: null };
    let state = upsertChart(emptySqlWorkspace(), chart);
    state = upsertChart(state, { ...chart, title: 'A' });
    expect(state.charts).toEqual([{ ...chart, title: 'A' }]);
    expect(deleteChart(state, 'c1').charts).toEqual([]);
  });

  it('validates with the zod schema and rejects malformed state', () => {
    const good: SqlWorkspaceState = {
      queries: [{ id: 'q', name: 'n', sql: 'SELECT 1' }],
      history: [{ sql: 'SELECT 1', at: '2024-01-01T00:00:00.000Z', ok: true, rowCount: 1, elapsedMs: 3 }],
      charts: [{ id: 'c', sql: 'SELECT 1', type: 'heatmap', x: 'a', y: 'b', color: null }],
    };
    expect(sqlWorkspaceStateSchema.parse(good)).toEqual(good);
    expect(sqlWorkspaceStateSchema.safeParse({ ...good, charts: [{ ...good.charts[0], type: 'pie' }] }).success).toBe(false);
    expect(sqlWorkspaceStateSchema.safeParse({ queries: [], history: [{ sql: 'x', ok: true }], charts: [] }).success).toBe(false);
  });

  it('summarises a query by its first non-comment line', () => {
    expect(sqlSummary('-- monthly revenue\n\nSELECT   month,\n sum(x) FROM t')).toBe('SELECT month,');
    expect(sqlSummary(`SELECT ${'a'.repeat(100)}`, 20)).toHaveLength(20);
  });
});

describe('editor completion schema', () => {
  it('lists tables and columns, quoting names that are not plain identifiers', () => {
    const schema = completionSchema([
      { name: 'sales', rowCount: 1200, columns: [{ name: 'id', type: 'BIGINT' }, { name: 'Order Date', type: 'DATE' }] },
      { name: 'my "table"', rowCount: 1, columns: [{ name: 'x', type: 'VARCHAR' }] },
    ]) as Record<string, { self: { label: string; apply?: string; detail?: string }; children: Array<{ label: string; apply?: string; detail?: string }> }>;
    expect(Object.keys(schema)).toEqual(['sales', 'my "table"']);
    expect(schema.sales?.self).toMatchObject({ label: 'sales', detail: '1,200 rows' });
    expect(schema.sales?.self.apply).toBeUndefined();
    expect(schema.sales?.children).toEqual([
      { label: 'id', type: 'property', detail: 'BIGINT' },
      { label: 'Order Date', type: 'property', detail: 'DATE', apply: '"Order Date"' },
    ]);
    expect(schema['my "table"']?.self.apply).toBe('"my ""table"""');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});

describe('error positions', () => {
  it('converts line and column to an offset', () => {
    expect(offsetOf('ab\ncd\nef', 2, 2)).toBe(4);
    expect(offsetOf('ab', 5, 1)).toBe(2);
  });

  it('marks the word at the engine position, in document coordinates', () => {
    const doc = 'SELECT 1,\n  foo FROM bar';
    expect(locateSqlError(doc, doc, 0, { line: 2, column: 12, offset: 21 })).toEqual({ from: 21, to: 24, line: 2, column: 12 });
    // The same error when only the second line was selected and run.
    const ran = '  foo FROM bar';
    expect(locateSqlError(doc, ran, 10, { line: 1, column: 12, offset: 11 })).toEqual({ from: 21, to: 24, line: 2, column: 12 });
  });

  it('marks a whole quoted name, one character for punctuation, and the end for unfinished text', () => {
    const doc = 'SELECT "my col" FROM t';
    expect(locateSqlError(doc, doc, 0, { line: 1, column: 8, offset: 7 })).toMatchObject({ from: 7, to: 15 });
    expect(locateSqlError('SELECT (', 'SELECT (', 0, { line: 1, column: 9, offset: 8 })).toMatchObject({ from: 7, to: 8, column: 8 });
    expect(locateSqlError('x', 'x', 0, undefined)).toBeNull();
  });
});
