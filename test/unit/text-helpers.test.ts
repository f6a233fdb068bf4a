import { describe, expect, it } from 'vitest';
import { positionAtOffset, positionFromDuckMessage } from '../../workers/data/duck-errors';
import { tableNameFromFile, uniqueName } from '../../workers/data/naming';
import { detectFormat, isValidUtf8Prefix, sniffDelimiter } from '../../workers/data/sniff';
import { leadingKeyword, quoteIdent, quoteLiteral, splitStatements } from '../../workers/data/sql-text';

describe('table names from files', () => {
  it.each([
    ['online_retail.csv.gz', 'online_retail'],
    ['/data/online_shoppers_intention.csv', 'online_shoppers_intention'],
    ['C:\\data\\Sales 2024 (final).parquet', 'Sales_2024__final_'],
    ['events.ndjson', 'events'],
    ['2024-orders.tsv', 't_2024_orders'],
    ['.csv', 'table'],
    ['weird.name.v2.json', 'weird_name_v2'],
  ])('%s -> %s', (file, name) => expect(tableNameFromFile(file)).toBe(name));

  it('adds a suffix when taken, case-insensitively', () => {
    expect(uniqueName('orders', ['Orders', 'orders_2'])).toBe('orders_3');
    expect(uniqueName('users', ['orders'])).toBe('users');
  });
});

describe('SQL text', () => {
  it('quotes identifiers and literals by construction', () => {
    expect(quoteIdent('a"; DROP TABLE x;--')).toBe('"a""; DROP TABLE x;--"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
  });

  it('splits statements at top-level semicolons only', () => {
    const sql = "SELECT 'a;b' AS \"x;y\"; -- c;\nSELECT 2 /* ; */;\n\n  ;  ";
    expect(splitStatements(sql).map((s) => s.text)).toEqual(["SELECT 'a;b' AS \"x;y\"", '-- c;\nSELECT 2 /* ; */']);
    expect(splitStatements(sql)[1]?.offset).toBe(sql.indexOf('-- c;'));
    expect(splitStatements('-- only a comment')).toEqual([]);
  });

  it('finds the leading keyword past comments and parentheses', () => {
    expect(leadingKeyword('-- hi\n(select 1)')).toBe('SELECT');
    expect(leadingKeyword('  with x as (select 1) select * from x')).toBe('WITH');
  });
});

describe('error positions', () => {
  it('maps an offset to line and column', () => {
    expect(positionAtOffset('ab\ncd', 4)).toEqual({ line: 2, column: 2, offset: 4 });
  });

  it("reads DuckDB's LINE/caret context", () => {
    const msg = 'Binder Error: Referenced column "nope" not found\n\nLINE 1: SELECT nope FROM t\n               ^';
    expect(positionFromDuckMessage(msg, 'SELECT nope FROM t')).toEqual({ line: 1, column: 8, offset: 7 });
  });
});

describe('sniffing', () => {
  it('detects formats by magic bytes before names', () => {
    expect(detectFormat('x.csv', new Uint8Array([0x50, 0x41, 0x52, 0x31]))).toEqual({ format: 'parquet' });
    expect(detectFormat('x.csv.gz', new Uint8Array([0x1f, 0x8b, 8]))).toEqual({ format: 'csv', compression: 'gzip' });
    expect(detectFormat('data', new TextEncoder().encode('  [{"a":1}]'))).toEqual({ format: 'json' });
    expect(detectFormat('x.jsonl', new TextEncoder().encode('{"a":1}'))).toEqual({ format: 'ndjson' });
  });

  it('picks the most consistent delimiter, ignoring quoted ones', () => {
    expect(sniffDelimiter('a;b;c\n1;"x,y,z";3\n4;5;6\n')).toBe(';');
    expect(sniffDelimiter('a,b,c\n1,2,3\n4,5\n6,7,8,9\n1,2,3\n')).toBe(',');
    expect(sniffDelimiter('a\tb\n1\t2\n')).toBe('\t');
    expect(sniffDelimiter('single\ncolumn\n')).toBeUndefined();
  });

  it('accepts UTF-8 cut mid-character and rejects Latin-1', () => {
    const bytes = new TextEncoder().encode('Köln');
    expect(isValidUtf8Prefix(bytes.subarray(0, 2))).toBe(true);
    expect(isValidUtf8Prefix(new Uint8Array([0x4b, 0xf6, 0x6c, 0x6e]))).toBe(false);
  });
});
