/**
 * Plotly figures of the Segments view: the 2D projection coloured by segment, the profile of each
 * segment (z-scores of its feature means), segment sizes, and the k sweep (elbow, silhouette).
 * Pure: built from engine results and the segment names, checked in unit tests.
 */
import type { Data, Layout } from 'plotly.js';
import type { ClusterProjection, ClusterSweepPoint, PortraitCard } from '../../../workers/api';
import type { Figure } from '../models/model-figures';
import { segmentLabel } from './segment-data';

/** Twelve distinct colours (Tableau-like); segments beyond twelve reuse them. */
export const SEGMENT_COLOURS = ['#2563eb', '#ea580c', '#16a34a', '#dc2626', '#9333ea', '#92400e', '#db2777', '#4b5563', '#ca8a04', '#0891b2', '#65a30d', '#7c3aed'] as const;

const GREY = '#9ca3af';

export function segmentColour(segment: number): string {
  return SEGMENT_COLOURS[((segment % SEGMENT_COLOURS.length) + SEGMENT_COLOURS.length) % SEGMENT_COLOURS.length] as string;
}

const axis = (title: string, extra: Partial<Layout['xaxis']> = {}): Partial<Layout['xaxis']> => ({ title: { text: title }, automargin: true, zeroline: false, ...extra });

/**
 * One SVG scatter trace per segment plus the projected centroids. The Segments view asks for a
 * projection of at most 1,000 rows (PROJECTION_POINTS), few enough for SVG markers to draw quickly;
 * Plotly's cartesian bundle has no WebGL traces.
 */
export function projectionFigure(projection: ClusterProjection, names: readonly string[]): Figure {
  const k = Math.max(names.length, projection.centroids.length, ...projection.segment.map((s) => s + 1));
  const bySegment = Array.from({ length: k }, () => ({ x: [] as number[], y: [] as number[], row: [] as number[] }));
  projection.segment.forEach((s, i) => {
    const bucket = bySegment[s];
    if (!bucket) return;
    bucket.x.push(projection.x[i] as number);
    bucket.y.push(projection.y[i] as number);
    bucket.row.push(projection.rows[i] as number);
  });
  const data: Data[] = bySegment.map((points, s) => ({
    type: 'scatter',
    mode: 'markers',
    name: segmentLabel(names, s),
    x: points.x,
    y: points.y,
    customdata: points.row,
    marker: { size: 5, opacity: 0.65, color: segmentColour(s) },
    hovertemplate: `${escapeHover(segmentLabel(names, s))}<br>row %{customdata}<extra></extra>`,
  }));
  data.push({
    type: 'scatter',
    mode: 'markers',
    name: 'centroids',
    x: projection.centroids.map((c) => c[0]),
    y: projection.centroids.map((c) => c[1]),
    text: projection.centroids.map((_, s) => segmentLabel(names, s)),
    marker: { symbol: 'x', size: 12, color: '#111827', line: { width: 1, color: '#fff' } },
    hovertemplate: 'centroid of %{text}<extra></extra>',
  });
  const [e1, e2] = projection.explained;
  return {
    data,
    layout: {
      xaxis: axis(`PC1 (${(e1 * 100).toFixed(1)}% of variance)`),
      yaxis: axis(`PC2 (${(e2 * 100).toFixed(1)}% of variance)`),
      legend: { orientation: 'h', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom' },
    },
  };
}

/** Plotly hover templates treat %{…} specially; names are shown as text. */
function escapeHover(text: string): string {
  return text.replace(/%/g, '%%').replace(/</g, '&lt;');
}

/**
 * The profile of every segment: for each feature, how far the segment's mean sits from the
 * population's, in population standard deviations (z). Grouped bars, one colour per segment.
 */
export function profileFigure(cards: readonly PortraitCard[], features: readonly string[], names: readonly string[]): Figure {
  const data: Data[] = cards.map((card) => {
    const segment = Number(card.segment);
    const z = features.map((f) => card.features.find((s) => s.feature === f)?.z ?? null);
    const lift = features.map((f) => card.features.find((s) => s.feature === f)?.lift ?? null);
    return {
      type: 'bar',
      name: segmentLabel(names, segment),
      x: [...features],
      y: z,
      customdata: lift,
      marker: { color: segmentColour(segment) },
      hovertemplate: `${escapeHover(segmentLabel(names, segment))}<br>%{x}: z %{y:.2f}, lift %{customdata:.2f}×<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      barmode: 'group',
      xaxis: { automargin: true, tickangle: features.length > 8 ? -40 : 0 },
      yaxis: axis('z-score of the segment mean', { zeroline: true, zerolinecolor: GREY }),
      legend: { orientation: 'h', y: 1.15 },
    },
  };
}

/** Rows per segment, with each segment's share of the rows. */
export function sizesFigure(sizes: readonly number[], names: readonly string[]): Figure {
  const total = sizes.reduce((a, b) => a + b, 0) || 1;
  const labels = sizes.map((_, s) => segmentLabel(names, s));
  return {
    data: [
      {
        type: 'bar',
        orientation: 'h',
        y: labels,
        x: [...sizes],
        text: sizes.map((n) => `${((n / total) * 100).toFixed(1)}%`),
        textposition: 'auto',
        marker: { color: sizes.map((_, s) => segmentColour(s)) },
        hovertemplate: '%{y}<br>%{x} rows (%{text})<extra></extra>',
      },
    ],
    layout: { xaxis: axis('rows'), yaxis: { automargin: true, autorange: 'reversed' }, height: Math.max(180, 50 + sizes.length * 30), showlegend: false },
  };
}

/** Inertia against k: the bend ("elbow") suggests a k. `chosen` is marked. */
export function elbowFigure(points: readonly ClusterSweepPoint[], chosen: number | null): Figure {
  const data: Data[] = [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'inertia',
      x: points.map((p) => p.k),
      y: points.map((p) => p.inertia),
      line: { color: SEGMENT_COLOURS[0], width: 2 },
      marker: { size: 7 },
      hovertemplate: 'k = %{x}<br>inertia %{y:.4g}<extra></extra>',
    },
  ];
  const pick = points.find((p) => p.k === chosen);
  if (pick) data.push({ type: 'scatter', mode: 'markers', name: `k = ${pick.k}`, x: [pick.k], y: [pick.inertia], marker: { size: 14, color: 'rgba(0,0,0,0)', line: { color: SEGMENT_COLOURS[1], width: 2 } }, hoverinfo: 'skip' });
  return { data, layout: { xaxis: axis('k (number of segments)', { dtick: 1 }), yaxis: axis('inertia (within-segment sum of squares)'), showlegend: false } };
}

/** Mean silhouette against k (higher is better); the best k is marked. */
export function silhouetteFigure(points: readonly ClusterSweepPoint[], best: number | null): Figure {
  const defined = points.filter((p) => p.silhouette !== null);
  const data: Data[] = [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'silhouette',
      x: defined.map((p) => p.k),
      y: defined.map((p) => p.silhouette),
      line: { color: SEGMENT_COLOURS[2], width: 2 },
      marker: { size: 7 },
      hovertemplate: 'k = %{x}<br>silhouette %{y:.3f}<extra></extra>',
    },
  ];
  const top = defined.find((p) => p.k === best);
  if (top) data.push({ type: 'scatter', mode: 'markers', name: `best k = ${top.k}`, x: [top.k], y: [top.silhouette], marker: { size: 14, color: 'rgba(0,0,0,0)', line: { color: SEGMENT_COLOURS[1], width: 2 } }, hoverinfo: 'skip' });
  return { data, layout: { xaxis: axis('k (number of segments)', { dtick: 1 }), yaxis: axis('mean silhouette (higher is better)'), showlegend: false } };
}
