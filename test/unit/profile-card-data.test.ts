import { describe, expect, it } from 'vitest';
import type { ColumnProfile } from '../../workers/api';
import { TOP_LABEL_MAX, distinctLabel, histogramChart, isoFromEpochSeconds, rangeLabel, topValueBars } from '../../renderer/views/data/card-data';
import { tablePageSql } from '../../renderer/views/data/table-rows';

function column(overrides: Partial<ColumnProfile>): ColumnProfile {
  return {
    name: 'x',
    type: 'VARCHAR',
    kind: 'categorical',
    valueType: 'text',
    rowCount: 100,
    nullCount: 0,
    nullFraction: 0,
    distinct: 3,
    distinctExact: true,
    min: null,
    max: null,
    mean: null,
    std: null,
    quantiles: null,
    histogram: null,
    topK: null,
    samples: [],
    ...overrides,
  };
}

const DEC_1_2010 = Date.UTC(2010, 11, 1, 8, 26) / 1000;
const DEC_9_2011 = Date.UTC(2011, 11, 9, 12, 50) / 1000;

describe('histograms of dates read as dates', () => {
  it('puts timestamp bins on a date axis in milliseconds, with their ISO ranges in the tooltips', () => {
    const half = (DEC_1_2010 + DEC_9_2011) / 2;
    const chart = histogramChart(
      column({
        name: 'InvoiceDate',
        type: 'TIMESTAMP',
        kind: 'temporal',
        valueType: 'timestamp',
        histogram: [
          { lo: DEC_1_2010, hi: half, count: 10 },
          { lo: half, hi: DEC_9_2011, count: 20 },
        ],
      }),
    );
    expect(chart?.axis).toBe('timestamp');
    expect(chart?.bins.map((bin) => [bin.lo, bin.hi])).toEqual([
      [DEC_1_2010 * 1000, half * 1000],
      [half * 1000, DEC_9_2011 * 1000],
    ]);
    expect(chart?.bins[0]?.title).toMatch(/^2010-12-01 08:26:00 – 2011-0[56]-\d\d \d\d:\d\d:\d\d: 10 rows$/);
    expect(chart?.bins[1]?.hiText).toBe('2011-12-09 12:50:00');
    expect(chart?.bins.map((bin) => bin.count)).toEqual([10, 20]);
    // No epoch seconds anywhere a reader sees.
    expect(chart?.bins.some((bin) => /\d{9,}/.test(bin.title))).toBe(false);
  });

  it('shows DATE bins by day and numbers with the precision of their bins', () => {
    const day = Date.UTC(2024, 0, 1) / 1000;
    const dates = histogramChart(column({ kind: 'temporal', type: 'DATE', valueType: 'date', histogram: [{ lo: day, hi: day + 86_400, count: 1 }] }));
    expect(dates?.axis).toBe('date');
    expect(dates?.bins[0]?.title).toBe('2024-01-01 – 2024-01-02: 1 row');
    const numbers = histogramChart(
      column({
        kind: 'numeric',
        type: 'DOUBLE',
        valueType: 'number',
        histogram: [
          { lo: 0, hi: 0.125, count: 5 },
          { lo: 0.125, hi: 0.25, count: 1_234 },
        ],
      }),
    );
    expect(numbers?.axis).toBe('number');
    expect(numbers?.bins.map((bin) => bin.title)).toEqual(['0 – 0.125: 5 rows', '0.125 – 0.25: 1,234 rows']);
    const large = histogramChart(column({ kind: 'numeric', type: 'BIGINT', valueType: 'number', histogram: [{ lo: 1_000_000, hi: 1_250_000.4, count: 2 }] }));
    expect(large?.bins[0]?.title).toBe('1,000,000 – 1,250,000: 2 rows');
    const single = histogramChart(column({ kind: 'numeric', type: 'INTEGER', valueType: 'number', histogram: [{ lo: 7, hi: 7, count: 100 }] }));
    expect(single?.bins[0]?.title).toBe('7: 100 rows');
    expect(histogramChart(column({ histogram: [] }))).toBeNull();
    expect(isoFromEpochSeconds(DEC_9_2011, false)).toBe('2011-12-09');
  });
});

describe('top values carry their category text', () => {
  it('labels numeric-looking codes as text, truncates long ones with the full text as the title', () => {
    const long = 'WHITE HANGING HEART T-LIGHT HOLDER, EXTRA LONG NAME';
    const bars = topValueBars(
      column({
        name: 'InvoiceNo',
        rowCount: 1000,
        topK: [
          { value: '573585', count: 1114 },
          { value: long, count: 557 },
          { value: null, count: 10 },
        ],
      }),
    );
    expect(bars.map((b) => b.label)).toEqual(['573585', `${long.slice(0, TOP_LABEL_MAX - 1)}…`, '(null)']);
    expect(bars[1]?.label.length).toBe(TOP_LABEL_MAX);
    expect(bars[1]?.title).toBe(`${long}: 557 rows`);
    expect(bars[0]?.width).toBe(1);
    expect(bars[1]?.width).toBeCloseTo(0.5);
    expect(bars[2]?.isNull).toBe(true);
    expect(bars[0]?.share).toBeCloseTo(1.114);
  });

  it('shows at most eight values', () => {
    const topK = Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, count: 10 - i }));
    expect(topValueBars(column({ topK })).length).toBe(8);
  });
});

describe('figures say whether they are exact', () => {
  it('prints exact distinct counts plainly and estimates with ≈', () => {
    expect(distinctLabel(column({ distinct: 25_900, distinctExact: true })).text).toBe('25,900');
    const estimate = distinctLabel(column({ distinct: 29_590, distinctExact: false }));
    expect(estimate.text).toBe('≈29,590');
    expect(estimate.title).toMatch(/HyperLogLog estimate/);
    expect(distinctLabel(column({ kind: 'other', type: 'TIME', valueType: 'other', distinct: 0 })).text).toBe('—');
  });

  it('shows timestamps and numbers for reading', () => {
    expect(rangeLabel(column({ valueType: 'timestamp' }), '2011-12-09 12:50:00')).toBe('2011-12-09 12:50:00');
    expect(rangeLabel(column({ valueType: 'number' }), 1234.5678)).toBe('1,235');
    expect(rangeLabel(column({}), null)).toBe('—');
  });
});

describe('rows preview pages', () => {
  it('reads one window of a table with its name quoted', () => {
    expect(tablePageSql('online_retail', 0, 200)).toBe('SELECT * FROM "online_retail" LIMIT 200');
    expect(tablePageSql('a"b', 1500, 500)).toBe('SELECT * FROM "a""b" LIMIT 500 OFFSET 1500');
  });
});
