import { describe, expect, it } from 'vitest';
import type { TagValidation } from '../../workers/api';
import { metricsFromCounts, stabilityOverTime } from '../../workers/tags/validation';
import { overlapFigure, stabilityFigure } from '../../renderer/views/tags/tag-figures';

describe('tags figures', () => {
  it('draws the overlap matrix as a 0..1 heatmap with one label per tag', () => {
    const figure = overlapFigure({ ids: ['a', 'b'], names: ['buyers', 'a very long tag name that does not fit on an axis'], jaccard: [[1, 0.25], [0.25, 1]] });
    const trace = figure.data[0] as unknown as { type: string; z: number[][]; x: string[]; zmin: number; zmax: number; text: string[][] };
    expect(trace.type).toBe('heatmap');
    expect(trace.z).toEqual([[1, 0.25], [0.25, 1]]);
    expect(trace.text).toEqual([['1.00', '0.25'], ['0.25', '1.00']]);
    expect([trace.zmin, trace.zmax]).toEqual([0, 1]);
    expect(trace.x[0]).toBe('buyers');
    expect(trace.x[1]?.endsWith('…')).toBe(true);
  });

  it('plots precision and coverage per time window, only for tags with windows', () => {
    const fires = Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 1]);
    const labels = Uint8Array.from([1, 0, 0, 1, 0, 1, 1, 1]);
    const times = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const base = { text: 'x > 1', previousStatus: 'draft' as const, status: 'draft' as const, holdout: metricsFromCounts(1, 1, 1, 1), train: null, gates: { passed: true, reasons: [] } };
    const tags: TagValidation[] = [
      { ...base, id: 'a', name: 'A', stability: stabilityOverTime(fires, labels, times, 2) },
      { ...base, id: 'b', name: 'B', stability: null },
    ];
    const figure = stabilityFigure(tags);
    expect(figure).not.toBeNull();
    const traces = figure?.data as Array<{ name: string; y: Array<number | null> }>;
    expect(traces.map((t) => t.name)).toEqual(['A precision', 'A coverage']);
    // Window 1 (t = 1..4): fires 3 of 4 rows, 2 of them right; window 2: fires 2 of 4, both right.
    expect(traces[0]?.y).toEqual([2 / 3, 1]);
    expect(traces[1]?.y).toEqual([0.75, 0.5]);
    expect(stabilityFigure([tags[1] as TagValidation])).toBeNull();
  });
});
