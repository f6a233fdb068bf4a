import { describe, expect, it } from 'vitest';
import { countTicks, dateTicks, formatTickNumber, niceStep, numericTicks } from '../../renderer/components/chart-ticks';
import { histogramSummary, labelCentre, layoutHistogram, type HistogramChart } from '../../renderer/components/mini-histogram';

const labels = (ticks: Array<{ label: string }>): string[] => ticks.map((tick) => tick.label);
const utc = (iso: string): number => Date.parse(`${iso}Z`);

describe('numeric ticks fall on 1-2-5 steps', () => {
  it('picks the smallest nice step that fits the tick budget', () => {
    expect(niceStep(0.3)).toBe(0.5);
    expect(niceStep(0.1)).toBe(0.1);
    expect(niceStep(0.3 / 3)).toBe(0.1);
    expect(niceStep(7)).toBe(10);
    expect(numericTicks(0, 100, 6).map((t) => t.value)).toEqual([0, 20, 40, 60, 80, 100]);
    // Step 20 would give six ticks: the next nice step does.
    expect(numericTicks(0, 100, 5).map((t) => t.value)).toEqual([0, 50, 100]);
  });

  it('never exceeds the budget, stays within the range and prints without float noise', () => {
    for (const [min, max, budget] of [[0, 100, 5], [-3.2, 7.9, 4], [0.1, 0.7, 6], [1e6, 3.4e6, 5], [0, 1, 2], [12_345, 12_346, 5]] as const) {
      const ticks = numericTicks(min, max, budget);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(budget);
      for (const tick of ticks) {
        expect(tick.value).toBeGreaterThanOrEqual(min);
        expect(tick.value).toBeLessThanOrEqual(max);
        expect(tick.label).not.toMatch(/\d{6,}|e[+-]/);
      }
      expect(new Set(labels(ticks)).size).toBe(ticks.length);
    }
    expect(labels(numericTicks(0.1, 0.7, 6))).toEqual(['0.2', '0.4', '0.6']);
    expect(labels(numericTicks(-3.2, 7.9, 4))).toEqual(['0', '5']);
  });

  it('shortens large values with k, M, B and keeps the decimals neighbours need', () => {
    expect(labels(numericTicks(0, 3_500_000, 4))).toEqual(['0', '1M', '2M', '3M']);
    expect(labels(numericTicks(1e6, 3.4e6, 5))).toEqual(['1M', '1.5M', '2M', '2.5M', '3M']);
    expect(labels(numericTicks(12_345, 12_346, 3))).toEqual(['12,345', '12,345.5', '12,346']);
    expect(formatTickNumber(12_500, 500)).toBe('12.5k');
    expect(formatTickNumber(-2_000_000_000, 1e9)).toBe('-2B');
    expect(formatTickNumber(0.25, 0.05)).toBe('0.25');
  });

  it('gives a single value one tick', () => {
    expect(labels(numericTicks(42, 42, 5))).toEqual(['42']);
  });
});

describe('count ticks are whole numbers up to a round top', () => {
  it('ends the axis at the first tick at or above the tallest bar', () => {
    expect(countTicks(3_456, 3)).toEqual({ top: 4_000, ticks: [0, 2_000, 4_000].map((value) => ({ value, label: value === 0 ? '0' : `${value / 1000}k` })) });
    expect(countTicks(3, 3).ticks.map((t) => t.value)).toEqual([0, 1, 2, 3]);
    expect(countTicks(1, 3)).toEqual({ top: 1, ticks: [{ value: 0, label: '0' }, { value: 1, label: '1' }] });
    expect(countTicks(0, 3).top).toBe(1);
  });
});

describe('date ticks fall on calendar boundaries with ISO labels', () => {
  it('labels a year of invoices by month', () => {
    const ticks = dateTicks(utc('2010-12-01T08:26:00'), utc('2011-12-09T12:50:00'), 3);
    expect(labels(ticks)).toEqual(['2011-01', '2011-07']);
    expect(labels(dateTicks(utc('2010-12-01T08:26:00'), utc('2011-12-09T12:50:00'), 5))).toEqual(['2011-01', '2011-04', '2011-07', '2011-10']);
  });

  it('labels decades by year and weeks by day', () => {
    expect(labels(dateTicks(utc('1994-03-01T00:00:00'), utc('2023-06-30T00:00:00'), 4))).toEqual(['2000', '2010', '2020']);
    const days = dateTicks(utc('2024-02-26T00:00:00'), utc('2024-03-04T00:00:00'), 4);
    expect(labels(days)).toEqual(['2024-02-27', '2024-02-29', '2024-03-02', '2024-03-04']);
    expect(days.every((tick) => tick.value % 86_400_000 === 0)).toBe(true);
  });

  it('labels hours with the day under the first tick and where the day changes', () => {
    const ticks = dateTicks(utc('2024-05-01T18:10:00'), utc('2024-05-02T05:00:00'), 4);
    expect(ticks.map((t) => [t.label, t.context])).toEqual([
      ['21:00', '2024-05-01'],
      ['00:00', '2024-05-02'],
      ['03:00', undefined],
    ]);
    expect(labels(dateTicks(utc('2024-05-01T10:00:00'), utc('2024-05-01T10:00:40'), 3))).toEqual(['10:00:00', '10:00:15', '10:00:30']);
  });

  it('never gives epoch numbers and keeps to the budget', () => {
    const spans = [['2024-01-01T00:00:00', '2024-01-01T00:00:05'], ['2020-01-01T00:00:00', '2020-03-01T00:00:00'], ['1900-01-01T00:00:00', '2100-01-01T00:00:00']] as const;
    for (const [from, to] of spans) {
      for (const budget of [2, 3, 6]) {
        const ticks = dateTicks(utc(from), utc(to), budget);
        expect(ticks.length).toBeGreaterThanOrEqual(1);
        expect(ticks.length).toBeLessThanOrEqual(budget);
        for (const tick of ticks) expect(tick.label).toMatch(/^(\d{4}(-\d\d){0,2}|\d\d:\d\d(:\d\d)?)$/);
      }
    }
    expect(labels(dateTicks(utc('2024-01-01T00:00:00'), utc('2024-01-01T00:00:00'), 4))).toEqual(['2024-01-01']);
  });
});

const invoiceDates: HistogramChart = {
  axis: 'timestamp',
  bins: Array.from({ length: 20 }, (_, i) => {
    const first = utc('2010-12-01T08:26:00');
    const width = (utc('2011-12-09T12:50:00') - first) / 20;
    const lo = first + i * width;
    return { lo, hi: lo + width, count: (i + 1) * 100, loText: `lo${i}`, hiText: `hi${i}`, title: `bin ${i}: ${(i + 1) * 100} rows` };
  }),
};

describe('histogram layout', () => {
  it('fills the plot with one bar per bin, tallest bar under the top tick, labels that fit', () => {
    const layout = layoutHistogram(invoiceDates, 250, 120);
    expect(layout.bars).toHaveLength(20);
    expect(layout.bars[0]!.x).toBeGreaterThanOrEqual(layout.plot.left);
    expect(layout.bars[19]!.x + layout.bars[19]!.width).toBeLessThanOrEqual(layout.plot.right);
    // Counts grow left to right; the tallest (2,000 rows) reaches the top tick (2k).
    expect(layout.bars[19]!.y).toBeCloseTo(layout.plot.top);
    expect(layout.bars[0]!.height).toBeCloseTo((layout.plot.bottom - layout.plot.top) / 20);
    expect(layout.yTicks.map((t) => t.label)).toEqual(['0', '1k', '2k']);
    expect(layout.xTicks.map((t) => t.label)).toEqual(['2011-01', '2011-04', '2011-07', '2011-10']);
    expect(layout.bars.map((bar) => bar.title)[3]).toBe('bin 3: 400 rows');
    // Labels stay inside the chart even at its edges.
    for (const tick of layout.xTicks) expect(labelCentre(tick, layout.width) - (tick.label.length * 6) / 2).toBeGreaterThanOrEqual(0);
  });

  it('gives a wider chart more ticks and a narrow one fewer, never overlapping', () => {
    const wide = layoutHistogram(invoiceDates, 600, 120).xTicks;
    const narrow = layoutHistogram(invoiceDates, 120, 120).xTicks;
    expect(wide.length).toBeGreaterThan(2);
    expect(narrow.length).toBeLessThanOrEqual(2);
    for (const ticks of [wide, narrow]) {
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.at - ticks[i - 1]!.at).toBeGreaterThan(ticks[i]!.label.length * 6);
    }
  });

  it('draws a single-value column as one visible bar in the middle', () => {
    const layout = layoutHistogram({ axis: 'number', bins: [{ lo: 5, hi: 5, count: 12, loText: '5', hiText: '5', title: '5: 12 rows' }] }, 250, 120);
    const bar = layout.bars[0]!;
    expect(bar.width).toBeGreaterThan(4);
    expect(bar.x + bar.width / 2).toBeCloseTo((layout.plot.left + layout.plot.right) / 2);
    expect(layout.xTicks.map((t) => t.label)).toContain('5');
  });

  it('describes itself in words', () => {
    expect(histogramSummary(invoiceDates, 'InvoiceDate')).toBe('Histogram of InvoiceDate: 20 bins from lo0 to hi19; most rows in bin 19: 2000 rows');
  });
});
