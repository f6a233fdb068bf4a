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
