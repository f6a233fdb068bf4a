import { tableToIPC, tableFromArrays, vectorFromArray, Table, Utf8, Float64, Int64, Bool } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CELL_TEXT_LIMIT,
  cellDisplayText,
  formatElapsed,
  formatFloat,
  formatIpcRows,
  formatRowCount,
  formatTimeOfDay,
  formatTimestampMs,
  isTruncated,
  scaleDecimalString,
} from '../../renderer/views/sql/format';
import { MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH, MAX_GRID_ROWS, ROW_HEIGHT, columnWidths, gutterWidth } from '../../renderer/views/sql/grid-layout';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';

describe('value formatting helpers', () => {
  it('counts rows with thousands separators and the right noun', () => {
    expect(formatRowCount(12_330)).toBe('12,330 rows');
    expect(formatRowCount(1)).toBe('1 row');
    expect(formatRowCount(0)).toBe('0 rows');
    expect(formatRowCount(1_000_000)).toBe('1,000,000 rows');
  });

  it('places the decimal point of unscaled decimals, signs and leading zeros included', () => {
    expect(scaleDecimalString('-12345', 3)).toBe('-12.345');
    expect(scaleDecimalString('5', 3)).toBe('0.005');
    expect(scaleDecimalString('-5', 2)).toBe('-0.05');
    expect(scaleDecimalString('42', 0)).toBe('42');
  });

  it('prints doubles without binary noise', () => {
    expect(formatFloat(0.1 + 0.2)).toBe('0.3');
    expect(formatFloat(2.5)).toBe('2.5');
    expect(formatFloat(1e21)).toBe('1e+21');
    expect(formatFloat(Number.NaN)).toBe('NaN');
    expect(formatFloat(-Infinity)).toBe('-Infinity');
    expect(formatFloat(123456789.123)).toBe('123456789.123');
  });

  it('prints timestamps in UTC with only the fraction digits that matter', () => {
    expect(formatTimestampMs(Date.UTC(2024, 0, 2, 3, 4, 5))).toBe('2024-01-02 03:04:05');
    expect(formatTimestampMs(Date.UTC(2024, 0, 2, 3, 4, 5, 120))).toBe('2024-01-02 03:04:05.12');
    expect(formatTimestampMs(Date.UTC(2024, 0, 2, 3, 4, 5, 123) + 0.456)).toBe('2024-01-02 03:04:05.123456');
    expect(formatTimestampMs(Date.UTC(2024, 0, 2), true)).toBe('2024-01-02 00:00:00Z');
  });

  it('prints times of day from any unit', () => {
    expect(formatTimeOfDay(3_723_000_000n, 2)).toBe('01:02:03');
    expect(formatTimeOfDay(3_723_500n, 1)).toBe('01:02:03.5');
    expect(formatTimeOfDay(86_399, 0)).toBe('23:59:59');
  });

  it('shortens long and multi-line cell text but keeps short text intact', () => {
    const long = 'x'.repeat(CELL_TEXT_LIMIT + 50);
    expect(cellDisplayText(long)).toHaveLength(CELL_TEXT_LIMIT);
    expect(cellDisplayText(long).endsWith('…')).toBe(true);
    expect(isTruncated(long)).toBe(true);
    expect(cellDisplayText('a\nb')).toBe('a\u21b5b');
    expect(isTruncated('a\nb')).toBe(true);
    expect(cellDisplayText('short')).toBe('short');
    expect(isTruncated('short')).toBe(false);
  });

  it('formats elapsed time at a readable precision', () => {
    expect(formatElapsed(85.4)).toBe('85 ms');
    expect(formatElapsed(1240)).toBe('1.24 s');
    expect(formatElapsed(12_345)).toBe('12.3 s');
    expect(formatElapsed(125_000)).toBe('2 min 5 s');
  });
});

describe('grid geometry', () => {
  it('sizes columns to header and values within limits', () => {
    const widths = columnWidths(
      [{ name: 'id', type: 'BIGINT' }, { name: 'comment', type: 'VARCHAR' }, { name: 'x', type: 'DOUBLE' }],
      [['1', 'x'.repeat(500), null], ['22', 'short', '1.5']],
    );
    expect(widths[0]).toBe(MIN_COLUMN_WIDTH);
    expect(widths[1]).toBe(MAX_COLUMN_WIDTH);
    expect(widths[2]).toBe(MIN_COLUMN_WIDTH);
    expect(gutterWidth(1_000_000)).toBeGreaterThan(gutterWidth(10));
  });

  it('keeps the scroll height under the browser limit', () => {
    expect(MAX_GRID_ROWS * ROW_HEIGHT).toBeLessThan(33_000_000);
    expect(MAX_GRID_ROWS).toBeGreaterThan(1_000_000);
  });
});

describe('formatIpcRows on Arrow built in JS', () => {
  it('keeps NULL distinct from the text "NULL" and from empty strings', () => {
    const table = new Table({
      s: vectorFromArray(['NULL', null, ''], new Utf8()),
      d: vectorFromArray([1.5, null, 0.1 + 0.2], new Float64()),
      b: vectorFromArray([true, false, null], new Bool()),
      n: vectorFromArray([1n, -9007199254740993n, null], new Int64()),
    });
    const out = formatIpcRows(tableToIPC(table, 'stream'));
    expect(out.columns.map((c) => [c.name, c.numeric])).toEqual([['s', false], ['d', true], ['b', false], ['n', true]]);
    expect(out.rows).toEqual([
      ['NULL', '1.5', 'true', '1'],
      [null, null, 'false', '-9007199254740993'],
      ['', '0.3', null, null],
    ]);
  });

  it('handles an empty result', () => {
    const out = formatIpcRows(tableToIPC(tableFromArrays({ a: new Float64Array(0) }), 'stream'));
    expect(out.rows).toEqual([]);
    expect(out.columns[0]?.name).toBe('a');
  });
});

describe('formatIpcRows on DuckDB results', () => {
  let engine: NodeEngine;
  beforeAll(async () => {
    engine = await createInProcessEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('formats every common DuckDB type as a person would write it', async () => {
    const result = await engine.client.run('sql.run', {
      sql: `SELECT 9007199254740993::BIGINT AS big, -12.345::DECIMAL(18,3) AS dec, 123456789012345678901234::HUGEINT AS huge,
              DATE '2024-02-29' AS d, TIMESTAMP '2024-01-02 03:04:05.25' AS ts, TIMESTAMPTZ '2024-01-02 03:04:05+00' AS tstz,
              TIME '01:02:03' AS t, true AS flag, NULL::VARCHAR AS nothing, [1, 2] AS list, {'a': 1} AS rec, 'x'::BLOB AS blob`,
    });
    const out = formatIpcRows(result.preview);
    expect(out.rows[0]).toEqual([
      '9007199254740993', '-12.345', '123456789012345678901234', '2024-02-29', '2024-01-02 03:04:05.25', '2024-01-02 03:04:05+00',
      '01:02:03', 'true', null, '[1,2]', '{"a":1}', '\\x78',
    ]);
    // Dates and times from their stored integers, as DuckDB prints them: infinities (Arrow's
    // getter throws on them), nanoseconds (its milliseconds round them), BC dates; NULL stays NULL.
    const edge = await engine.client.run('sql.run', {
      sql: `SELECT * FROM (VALUES ('infinity'::TIMESTAMP, '-infinity'::DATE, '2024-01-02 03:04:05.123456789'::TIMESTAMP_NS, DATE '0045-03-15 (BC)'),
              (NULL, NULL, NULL, NULL)) AS v(ts, d, ns, bc)`,
    });
    expect(formatIpcRows(edge.preview).rows).toEqual([
      ['infinity', '-infinity', '2024-01-02 03:04:05.123456789', '0045-03-15 (BC)'],
      [null, null, null, null],
    ]);
    expect(out.columns.find((c) => c.name === 'dec')?.numeric).toBe(true);
    expect(out.columns.find((c) => c.name === 'd')?.numeric).toBe(false);
  });
});
