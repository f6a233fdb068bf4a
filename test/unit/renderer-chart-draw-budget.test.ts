/**
 * Point clouds drawn as SVG are capped so one chart draws in well under 200 ms: the SHAP beeswarm
 * keeps at most BEESWARM_MAX_DOTS dots over all lanes (a random subset: the SHAP rows are a sample).
 */
import { describe, expect, it } from 'vitest';
import type { BeeswarmRow } from '../../renderer/views/models/model-data';
import { BEESWARM_MAX_DOTS, beeswarmFigure } from '../../renderer/views/models/model-figures';

function lanes(features: number, rows: number): BeeswarmRow[] {
  return Array.from({ length: features }, (_, f): BeeswarmRow => ({
    feature: `f${f}`,
    index: f,
    meanAbs: 1 / (f + 1),
    shap: Array.from({ length: rows }, (_, r) => Math.sin(r + f)),
    lane: Array.from({ length: rows }, () => features - 1 - f),
    value: Array.from({ length: rows }, (_, r) => r),
    // Every 10th value missing (grey dots), the rest coloured.
    colour: Array.from({ length: rows }, (_, r) => (r % 10 === 0 ? null : r / rows)),
  }));
}

const dots = (figure: ReturnType<typeof beeswarmFigure>): number[] => figure.data.map((trace) => (trace as { x: unknown[] }).x.length);

describe('beeswarm draw budget', () => {
  it('300 sampled rows × 15 features draw at most BEESWARM_MAX_DOTS dots, the same number in each lane', () => {
    const figure = beeswarmFigure(lanes(15, 300));
    const total = dots(figure).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(BEESWARM_MAX_DOTS);
    expect(total).toBe(15 * Math.floor(BEESWARM_MAX_DOTS / 15));
    // Coloured and grey (missing: every 10th row) traces of a lane together hold its share of dots.
    const perLane = Math.floor(BEESWARM_MAX_DOTS / 15);
    const grey = Math.ceil(perLane / 10);
    expect(dots(figure).slice(0, 2)).toEqual([perLane - grey, grey]);
  });

  it('a small sample is drawn whole', () => {
    const figure = beeswarmFigure(lanes(3, 100));
    expect(dots(figure).reduce((a, b) => a + b, 0)).toBe(300);
  });
});
