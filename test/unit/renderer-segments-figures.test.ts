/** The Segments view's Plotly figures: which traces, which points, which names and colours. */
import { describe, expect, it } from 'vitest';
import type { ClusterProjection, ClusterSweepPoint, PortraitCard } from '../../workers/api';
import { elbowFigure, profileFigure, projectionFigure, segmentColour, silhouetteFigure, sizesFigure, SEGMENT_COLOURS } from '../../renderer/views/segments/segment-figures';

type Trace = Record<string, unknown> & { x?: unknown[]; y?: unknown[]; name?: string };
const traces = (figure: { data: unknown[] }): Trace[] => figure.data as Trace[];

describe('segment figures', () => {
  const projection: ClusterProjection = {
    explained: [0.612, 0.2049],
    fitRows: 6,
    rows: [0, 1, 2, 3, 4, 5],
    x: [1, 2, 3, 4, 5, 6],
    y: [6, 5, 4, 3, 2, 1],
    segment: [0, 2, 0, 2, 2, 0],
    centroids: [
      [2, 5],
      [9, 9],
      [4, 3],
    ],
  };

  it('projection: one SVG scatter trace per segment (empty ones too) plus the centroids, named by segment', () => {
    const figure = projectionFigure(projection, ['Loyal', '', 'New']);
    const data = traces(figure);
    expect(data.map((t) => [t.type, t.name])).toEqual([
      ['scatter', 'Loyal'],
      ['scatter', 'Segment 1'],
      ['scatter', 'New'],
      ['scatter', 'centroids'],
    ]);
    expect(data[0]?.x).toEqual([1, 3, 6]);
    expect(data[0]?.customdata).toEqual([0, 2, 5]);
    expect(data[1]?.x).toEqual([]);
    expect(data[2]?.y).toEqual([5, 3, 2]);
    expect(data[3]?.x).toEqual([2, 9, 4]);
    expect((data[2]?.marker as { color: string }).color).toBe(segmentColour(2));
    expect(JSON.stringify(figure.layout.xaxis)).toContain('PC1 (61.2% of variance)');
    expect(JSON.stringify(figure.layout.yaxis)).toContain('PC2 (20.5% of variance)');
    // A name with % does not break Plotly's hover template.
    expect(traces(projectionFigure(projection, ['10% club']))[0]?.hovertemplate).toContain('10%% club');
  });

  it('profile: grouped bars of z per feature, one trace per card in the given feature order', () => {
    const card = (segment: string, zs: Record<string, number | null>): PortraitCard => ({
      segment,
      size: 10,
      share: 0.5,
      features: Object.entries(zs).map(([feature, z]) => ({ feature, segmentMean: 1, populationMean: 1, populationStd: 1, lift: 1.5, z, missing: 0 })),
      distinguishing: [],
      topCategories: [],
      rule: null,
      suggestedName: '',
    });
    const figure = profileFigure([card('0', { monetary: 1.2, recency: -0.5 }), card('1', { recency: 0.7, monetary: null })], ['monetary', 'recency', 'absent'], ['Big', 'Lapsed']);
    const data = traces(figure);
    expect(figure.layout.barmode).toBe('group');
    expect(data.map((t) => [t.type, t.name])).toEqual([
      ['bar', 'Big'],
      ['bar', 'Lapsed'],
    ]);
    expect(data[0]?.y).toEqual([1.2, -0.5, null]);
    expect(data[1]?.y).toEqual([null, 0.7, null]);
    expect(data[0]?.x).toEqual(['monetary', 'recency', 'absent']);
  });

  it('sizes: one bar per segment with its share as text', () => {
    const data = traces(sizesFigure([30, 10, 60], ['a', 'b']));
    expect(data).toHaveLength(1);
    expect(data[0]?.y).toEqual(['a', 'b', 'Segment 2']);
    expect(data[0]?.x).toEqual([30, 10, 60]);
    expect(data[0]?.text).toEqual(['30.0%', '10.0%', '60.0%']);
    expect((data[0]?.marker as { color: string[] }).color).toEqual([SEGMENT_COLOURS[0], SEGMENT_COLOURS[1], SEGMENT_COLOURS[2]]);
  });

  it('sweep: elbow and silhouette against k, with the chosen and the best k marked', () => {
    const point = (k: number, inertia: number, silhouette: number | null): ClusterSweepPoint => ({ k, inertia, silhouette, daviesBouldin: null, calinskiHarabasz: null, iterations: 5, converged: true, sizes: [], elapsedMs: 1 });
    const points = [point(1, 100, null), point(2, 50, 0.4), point(3, 30, 0.6), point(4, 25, 0.5)];
    const elbow = traces(elbowFigure(points, 3));
    expect(elbow[0]?.x).toEqual([1, 2, 3, 4]);
    expect(elbow[0]?.y).toEqual([100, 50, 30, 25]);
    expect([elbow[1]?.x, elbow[1]?.y]).toEqual([[3], [30]]);
    expect(traces(elbowFigure(points, 9))).toHaveLength(1);
    const silhouette = traces(silhouetteFigure(points, 3));
    // k = 1 has no silhouette and is left out.
    expect(silhouette[0]?.x).toEqual([2, 3, 4]);
    expect([silhouette[1]?.x, silhouette[1]?.y]).toEqual([[3], [0.6]]);
    expect(traces(silhouetteFigure(points, null))).toHaveLength(1);
    expect(segmentColour(12)).toBe(SEGMENT_COLOURS[0]);
  });
});
