/**
 * Semicolon-separated files with decimal commas (European spreadsheet exports: `1,5;2;3`) load
 * their numbers as numbers, with a warning, on both drivers; a file that mixes comma and dot
 * decimals, or a comma-separated file, is read as before.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeDriverKind } from '../../workers/node/driver-choice';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { sniffDecimalComma } from '../../workers/data/sniff';
import { queryRows } from '../helpers/packs';
import { tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('csv-decimal-comma-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sniffDecimalComma', () => {
  it('finds a column of comma decimals below the header', () => {
    expect(sniffDecimalComma('price;qty;name\n1,5;2;mug\n2,25;3;"cup; large"\n-3;4;x\n', ';')).toBe(true);
    expect(sniffDecimalComma('a\tb\n1,5\t2\n', '\t')).toBe(true);
  });

  it('leaves alone integers only, dot decimals anywhere, comma-separated files and thousands with dots', () => {
    expect(sniffDecimalComma('a;b\n1;2\n3;4\n', ';')).toBe(false);
    expect(sniffDecimalComma('a;b\n1,5;2.5\n', ';')).toBe(false);
    expect(sniffDecimalComma('a,b\n1,5\n', ',')).toBe(false);
    expect(sniffDecimalComma('a;b\n1.234,5;x\n', ';')).toBe(false);
    expect(sniffDecimalComma('a;b\n"1,5 kg";x\n', ';')).toBe(false);
    // Thousands separators (a US tab-separated export): every comma part three digits long.
    expect(sniffDecimalComma('quantity\tname\n1,234\tmug\n15\tcup\n"2,500"\tplate\n', '\t')).toBe(false);
    expect(sniffDecimalComma('quantity\tname\n1,234\tmug\n1,5\tcup\n', '\t')).toBe(true);
  });
});

describe('loading a semicolon file with decimal commas', { timeout: 60_000 }, () => {
  const eu = writeFixture(dir, 'eu.csv', 'price;qty;name\n1,5;2;mug\n2,25;3;"cup; large"\n-3;4;x\n');
  const mixed = writeFixture(dir, 'mixed.csv', 'a;b\n1,5;2.5\n2,5;3.5\n');

  it.each(['wasm', 'native'] as NodeDriverKind[])('on %s: numbers as numbers, said in a warning; mixed files as before', async (kind) => {
    const engine = await createInProcessEngine(kind);
    try {
      const table = await engine.client.run('data.open', { source: { kind: 'path', path: eu } });
      expect(table.columns.map((c) => c.type)).toEqual(['DOUBLE', 'BIGINT', 'VARCHAR']);
      expect(table.warnings?.join('\n')).toMatch(/eu\.csv writes decimals with a comma \(1,5\): its numbers were read that way/);
      const rows = await queryRows(engine.client, `SELECT price, name FROM "${table.name}"`);
      expect(rows.map((r) => r.price)).toEqual([1.5, 2.25, -3]);
      expect(rows[1]?.name).toBe('cup; large');
      const other = await engine.client.run('data.open', { source: { kind: 'path', path: mixed } });
      expect(other.columns.map((c) => c.type)).toEqual(['VARCHAR', 'DOUBLE']);
      expect(other.warnings?.join('\n') ?? '').not.toMatch(/decimals with a comma/);
    } finally {
      await engine.close();
    }
  });
});
