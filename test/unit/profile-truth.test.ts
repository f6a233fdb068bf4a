import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileCoverage } from '../../workers/api';
import { EXACT_DISTINCT_MAX_ROWS, summarySql, valueType } from '../../workers/data/profile';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { samples } from '../helpers/paths';

let engine: NodeEngine;

beforeAll(async () => {
  engine = await createInProcessEngine();
});
afterAll(async () => {
  await engine.close();
});

function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * A generated CSV of `columns` columns and `rows` rows: numbers, with a text column every 50th,
 * and a text, a date and a boolean column at the end.
 */
function wideCsv(columns: number, rows: number): string {
  const kindOf = (c: number): 'number' | 'text' | 'date' | 'boolean' => {
    if (c === columns - 1) return 'boolean';
    if (c === columns - 2) return 'date';
    return c % 50 === 49 || c === columns - 3 ? 'text' : 'number';
  };
  const header = Array.from({ length: columns }, (_, c) => `col_${c}`).join(',');
  const lines = [header];
  for (let r = 0; r < rows; r++) {
    const cells = Array.from({ length: columns }, (_, c) => {
      switch (kindOf(c)) {
        case 'number':
          return String(r * (c + 1));
        case 'text':
          return `t${r % 3}_${c}`;
        case 'date':
          return `2024-01-${String(1 + (r % 28)).padStart(2, '0')}`;
        default:
          return r % 2 === 0 ? 'true' : 'false';
      }
    });
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

describe('profile of the full Online Retail file (541,909 rows)', () => {
  it('gives exact distinct counts, and dates as dates', async () => {
    const t = await engine.client.run('data.open', { source: { kind: 'path', path: samples.retailFull } });
    const p = await engine.client.run('data.profile', { table: t.name });
    expect(p.rowCount).toBe(541_909);
    expect(p.distinctExact).toBe(true);
    const column = (name: string) => {
      const c = p.columns.find((x) => x.name === name);
      if (!c) throw new Error(`no column ${name}`);
      return c;
    };
    // HyperLogLog said 29,590 and 3,612 here (14–17% off); these are `COUNT(DISTINCT)`.
    expect(column('InvoiceNo')).toMatchObject({ distinct: 25_900, distinctExact: true, valueType: 'text' });
    expect(column('CustomerID')).toMatchObject({ distinct: 4_372, distinctExact: true, valueType: 'number' });
    expect(column('StockCode').distinct).toBe(4_070);
    expect(column('Country').distinct).toBe(38);

    const date = column('InvoiceDate');
    expect(date).toMatchObject({ kind: 'temporal', valueType: 'timestamp', min: '2010-12-01 08:26:00', max: '2011-12-09 12:50:00' });
    const bins = date.histogram ?? [];
    expect(bins.length).toBe(30);
    // Bounds are epoch seconds (UTC) of the first and last invoice.
    expect(bins[0]?.lo).toBe(Date.UTC(2010, 11, 1, 8, 26) / 1000);
    expect(bins[bins.length - 1]?.hi).toBe(Date.UTC(2011, 11, 9, 12, 50) / 1000);
    // Text columns carry their category labels in the top values.
    expect(column('Country').topK?.[0]).toEqual({ value: 'United Kingdom', count: 495_478 });
    expect(profileCoverage(p)).toMatch(/^quantiles and histograms from a [\d,]+-row sample; row and null counts, distinct counts, min\/max\/mean\/std, top values exact$/);
  });
});

describe('profile of wide tables', () => {
  // DuckDB refuses expressions nested deeper than 1000: one UNION ALL branch per column failed at 1000 columns.
  for (const width of [1000, 2000]) {
    it(`profiles a ${width}-column CSV, every column`, async () => {
      const t = await engine.client.run('data.open', { source: { kind: 'bytes', name: `wide_${width}.csv`, bytes: bytesOf(wideCsv(width, 12)) } });
      expect(t.columns.length).toBe(width);
      const p = await engine.client.run('data.profile', { table: t.name });
      expect(p.columns.length).toBe(width);
      expect(p.columns.map((c) => c.name)).toEqual(Array.from({ length: width }, (_, c) => `col_${c}`));
      const last = p.columns[width - 1];
      expect(last).toMatchObject({ kind: 'boolean', distinct: 2, nullCount: 0 });
      expect(last?.topK).toEqual([{ value: 'false', count: 6 }, { value: 'true', count: 6 }]);
      // Columns past the first chunks get their full profile too.
      const text = p.columns[width - 3];
      expect(text?.topK?.map((v) => v.value)).toEqual([`t0_${width - 3}`, `t1_${width - 3}`, `t2_${width - 3}`]);
      const date = p.columns[width - 2];
      expect(date).toMatchObject({ valueType: 'date', min: '2024-01-01', max: '2024-01-12', distinct: 12 });
      expect(date?.histogram?.reduce((s, b) => s + b.count, 0)).toBe(12);
      const number = p.columns[width - 4];
      expect(number).toMatchObject({ valueType: 'number', min: 0, max: 11 * (width - 3), distinct: 12 });
      expect(number?.quantiles?.length).toBe(5);
      expect(p.columns.every((c) => c.samples.length > 0)).toBe(true);
    }, 120_000);
  }
});

describe('distinct counts: exact or labelled estimates', () => {
  it('counts exactly up to the threshold and estimates with HyperLogLog above it', () => {
    const ref = { name: 'x', type: 'VARCHAR', kind: 'categorical' as const, alias: 'c0' };
    expect(summarySql('t', [ref], true)).toContain('count(DISTINCT "x")');
    expect(summarySql('t', [ref], false)).toContain('approx_count_distinct("x")');
    expect(EXACT_DISTINCT_MAX_ROWS).toBeGreaterThanOrEqual(1_000_000);
  });

  it('says which figures are exact, sampled or estimated', () => {
    expect(profileCoverage({ sampledRows: null, distinctExact: true })).toBe('all figures exact');
    expect(profileCoverage({ sampledRows: 100_352, distinctExact: false })).toBe(
      'quantiles and histograms from a 100,352-row sample; row and null counts, min/max/mean/std, top values exact; distinct counts (≈) are HyperLogLog estimates above 5,000,000 rows and can be off by 20%',
    );
  });

  it('reads each type as the view should show it', () => {
    expect(['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR', 'BOOLEAN', 'DECIMAL(18,3)', 'TIME', 'BLOB'].map(valueType)).toEqual([
      'date',
      'timestamp',
      'timestamp',
      'text',
      'boolean',
      'number',
      'other',
      'other',
    ]);
  });
});
