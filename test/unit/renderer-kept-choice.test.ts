import { describe, expect, test } from 'vitest';
import { keptColumnLabel, keptValueLabel } from '../../renderer/views/tags/kept-choice';
import { stagedTypeChange } from '../../renderer/components/catalog-type-change';

const cols = (...names: string[]) => names.map((name) => ({ name }));

describe('keptColumnLabel: a remembered column not among the options gets an option of its own', () => {
  test('nothing extra for an empty value or one of the choices', () => {
    expect(keptColumnLabel('', cols('a', 'b'))).toBeNull();
    expect(keptColumnLabel('b', cols('a', 'b'))).toBeNull();
  });
  test('a column from another table is named as not in this table', () => {
    expect(keptColumnLabel('Revenue', cols('a', 'b'))).toBe('Revenue (not in this table)');
  });
  test('a column of the table that this picker does not offer says so', () => {
    expect(keptColumnLabel('amount', cols('segment'), cols('segment', 'amount'))).toBe('amount (not offered here)');
  });
});

describe('keptValueLabel: a remembered value shown even when the list lacks it', () => {
  const values = Array.from({ length: 31 }, (_, i) => `v${i}`);
  test('nothing extra for an empty value or a shown value', () => {
    expect(keptValueLabel('', ['x'], 30)).toBeNull();
    expect(keptValueLabel('v3', values, 30)).toBeNull();
  });
  test('while the values load the value is still shown', () => {
    expect(keptValueLabel('TRUE', null, 30)).toBe('TRUE (checking the values…)');
  });
  test('a value past the first 30 (the list was cut) is not called absent', () => {
    expect(keptValueLabel('v30', values, 30)).toBe('v30 (not among the first 30 values)');
    expect(keptValueLabel('zzz', values, 30)).toBe('zzz (not among the first 30 values)');
  });
  test('a value missing from a complete list is not in this table', () => {
    expect(keptValueLabel('yes', ['no', 'maybe'], 30)).toBe('yes (not in this table)');
  });
});

describe('stagedTypeChange: a picked column type waits to be applied', () => {
  test('no pick, or the current type picked again, is no change', () => {
    expect(stagedTypeChange('DOUBLE', null)).toBeNull();
    expect(stagedTypeChange('DOUBLE', { from: 'DOUBLE', to: 'DOUBLE' })).toBeNull();
  });
  test('a pick names the change from the current type', () => {
    expect(stagedTypeChange('DOUBLE', { from: 'DOUBLE', to: 'FLOAT' })).toEqual({ from: 'DOUBLE', to: 'FLOAT' });
  });
  test('a pick made against a type the column no longer has is dropped', () => {
    expect(stagedTypeChange('VARCHAR', { from: 'DOUBLE', to: 'FLOAT' })).toBeNull();
  });
  test('only types the engine accepts can be applied', () => {
    expect(stagedTypeChange('DOUBLE', { from: 'DOUBLE', to: 'VARCHAR[]' })).toBeNull();
  });
});
