/**
 * Margins measured from axis labels instead of Plotly's automargin (which draws every chart twice):
 * the margins fit the labels, automargin is off, rotated x labels get their height.
 */
import { describe, expect, it } from 'vitest';
import type { Data, Layout } from 'plotly.js';
import { fixedMargins, shortNumber, type MeasureText } from '../../renderer/components/plot-margins';

/** Width model of a monospace-ish font: 0.6 em per character (the renderer's own fallback without a canvas). */
const measure: MeasureText = (text, fontSize) => text.length * fontSize * 0.6;
const BASE: Partial<Layout> = { margin: { l: 56, r: 24, t: 12, b: 48 }, font: { family: 'Inter', size: 11 } };
const longest = 'ProductRelated_Duration';

describe('fixedMargins', () => {
  it('turns automargin off and widens the left margin to the longest tick text (beeswarm lanes)', () => {
    const layout: Partial<Layout> = { ...BASE, yaxis: { tickvals: [0, 1], ticktext: ['Month', longest], automargin: true }, xaxis: { title: { text: 'SHAP value' }, automargin: true } };
    const data: Data[] = [{ type: 'scatter', x: [-0.5, 2.25], y: [0, 1] }];
    const fixed = fixedMargins(data, layout, { measure, width: 900 });
    expect(fixed.yaxis?.automargin).toBe(false);
    expect(fixed.xaxis?.automargin).toBe(false);
    const labelWidth = measure(longest, 11, 'Inter');
    expect(fixed.margin?.l).toBeGreaterThanOrEqual(labelWidth + 8);
    expect(fixed.margin?.l).toBeLessThan(labelWidth + 40);
    // The x axis has a title: room for the numbers and the title below them.
    expect(fixed.margin?.b).toBeGreaterThan(11 * 1.2 + 11 * 1.4);
    // What the layout asked for elsewhere stays.
    expect(fixed.margin?.r).toBe(24);
    expect(fixed.margin?.t).toBe(12);
    // The caller's layout is not changed.
    expect(layout.yaxis?.automargin).toBe(true);
  });

  it('measures categories from the traces on the axis (horizontal bars), not from other axes', () => {
    const layout: Partial<Layout> = { ...BASE, yaxis: { automargin: true } };
    const data: Data[] = [
      { type: 'bar', orientation: 'h', x: [3, 1], y: ['a', 'a much longer segment name'] },
      { type: 'bar', x: [1], y: ['an even longer label on a second axis, ignored'], yaxis: 'y2' },
    ];
    const fixed = fixedMargins(data, layout, { measure, width: 600 });
    const width = measure('a much longer segment name', 11, 'Inter');
    expect(fixed.margin?.l).toBeGreaterThanOrEqual(width + 8);
    expect(fixed.margin?.l).toBeLessThan(measure('an even longer label on a second axis, ignored', 11, 'Inter'));
  });

  it('never makes a margin smaller than the layout asked for', () => {
    const layout: Partial<Layout> = { ...BASE, margin: { l: 200, r: 10, t: 10, b: 120 }, yaxis: { automargin: true }, xaxis: { automargin: true } };
    const fixed = fixedMargins([{ type: 'scatter', x: [1, 2], y: [3, 4] }], layout, { measure, width: 600 });
    expect(fixed.margin).toMatchObject({ l: 200, b: 120 });
  });

  it('turns x labels that would overlap by 30° or 90° and makes room for their height', () => {
    const names = Array.from({ length: 10 }, (_, i) => `feature_with_a_long_name_${i}`);
    const layout: Partial<Layout> = { ...BASE, xaxis: { automargin: true } };
    const data: Data[] = [{ type: 'bar', x: names, y: names.map((_, i) => i) }];
    const narrow = fixedMargins(data, layout, { measure, width: 250 });
    expect(narrow.xaxis?.tickangle).toBe(-90);
    expect(narrow.margin?.b).toBeGreaterThanOrEqual(measure(names[0]!, 11, 'Inter'));
    const medium = fixedMargins(data, layout, { measure, width: 400 });
    expect(medium.xaxis?.tickangle).toBe(-30);
    expect(medium.margin?.b).toBeGreaterThanOrEqual(measure(names[0]!, 11, 'Inter') / 2);
    expect(medium.margin?.b).toBeLessThan(narrow.margin?.b ?? 0);
    const short = ['a', 'b', 'c'];
    const roomy = fixedMargins([{ type: 'bar', x: short, y: [1, 2, 3] }], layout, { measure, width: 900 });
    expect(roomy.xaxis?.tickangle).toBeUndefined();
    expect(roomy.margin?.b).toBe(48);
    // An angle the figure chose is kept, and sized: sin(40°) of the longest label.
    const angled = fixedMargins(data, { ...layout, xaxis: { automargin: true, tickangle: -40 } }, { measure, width: 400 });
    expect(angled.xaxis?.tickangle).toBe(-40);
    expect(angled.margin?.b).toBeGreaterThanOrEqual(measure(names[0]!, 11, 'Inter') * Math.sin((40 * Math.PI) / 180));
  });

  it('leaves a layout without automargin axes as it is', () => {
    const layout: Partial<Layout> = { ...BASE, xaxis: { title: { text: 'x' } } };
    expect(fixedMargins([], layout, { measure, width: 600 })).toBe(layout);
  });
});

describe('shortNumber', () => {
  it('writes tick values as wide as Plotly does', () => {
    expect(shortNumber(12_500)).toBe('12.5k');
    expect(shortNumber(-0.2513)).toBe('−0.25');
    expect(shortNumber(3_400_000)).toBe('3.4M');
    expect(shortNumber(0)).toBe('0');
  });
});

describe('room for legends and colour bars (Plotly would otherwise expand the margin and draw again)', () => {
  const twoSeries: Data[] = [
    { type: 'scatter', name: 'train logloss', x: [1, 2], y: [0.5, 0.4] },
    { type: 'scatter', name: 'valid logloss', x: [1, 2], y: [0.6, 0.5] },
  ];

  it('a horizontal legend above the plot gets a top margin that holds it', () => {
    const layout: Partial<Layout> = { ...BASE, height: 260, legend: { orientation: 'h', y: 1.12 } };
    const fixed = fixedMargins(twoSeries, layout, { measure, width: 900 });
    const t = fixed.margin?.t ?? 0;
    // The legend's bottom sits 0.12 plot heights above the plot; its row must fit above that.
    const plotHeight = 260 - t - 48;
    expect(t - 0.12 * plotHeight).toBeGreaterThanOrEqual(11 * 1.3 + 8);
  });

  it('a vertical legend right of the plot widens the right margin by its longest name; one inside the plot changes nothing', () => {
    const outside = fixedMargins(twoSeries, { ...BASE }, { measure, width: 900 });
    expect(outside.margin?.r).toBeGreaterThanOrEqual(measure('train logloss', 11, 'Inter') + 40);
    const inside: Partial<Layout> = { ...BASE, legend: { x: 0.45, y: 0.08 } };
    expect(fixedMargins(twoSeries, inside, { measure, width: 900 })).toBe(inside);
    // One trace: no legend unless asked for.
    expect(fixedMargins(twoSeries.slice(0, 1), BASE, { measure, width: 900 })).toBe(BASE);
  });

  it('a colour bar widens the right margin by its bar, tick texts and title', () => {
    const data: Data[] = [{ type: 'scatter', x: [1], y: [1], showlegend: false, marker: { showscale: true, colorbar: { title: { text: 'feature value' }, ticktext: ['low', 'high'], tickvals: [0, 1], thickness: 10 } } }];
    const fixed = fixedMargins(data, { ...BASE }, { measure, width: 900 });
    expect(fixed.margin?.r).toBeGreaterThanOrEqual(measure('feature value', 11, 'Inter'));
  });
});
