/**
 * Plotly figures of the Tags view, built from tags.validate results. Pure (types only from
 * Plotly) so the shapes can be checked in unit tests.
 */
import type { Data } from 'plotly.js';
import type { TagsValidateResult } from '../../../workers/api';
import type { Figure } from '../models/model-figures';

const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777'];

/** Shortens long tag names for axis labels (the full name stays in the hover). */
function shortName(name: string): string {
  return name.length > 28 ? `${name.slice(0, 26)}…` : name;
}

/** The tag-overlap matrix (Jaccard of the holdout rows each pair of tags fires on) as a heatmap. */
export function overlapFigure(overlap: TagsValidateResult['overlap']): Figure {
  const labels = overlap.names.map(shortName);
  const text = overlap.jaccard.map((row) => row.map((v) => v.toFixed(2)));
  // Plotly's typings allow only 1-D `text`/`customdata`; heatmaps take 2-D arrays (one per cell).
  const heatmap: Record<string, unknown> = {
      type: 'heatmap',
      z: overlap.jaccard,
      x: labels,
      y: labels,
      zmin: 0,
      zmax: 1,
      // Light for no overlap, dark for the same rows.
      colorscale: [[0, '#f1f5fb'], [0.5, '#7aa5dc'], [1, '#1e3a8a']],
      text,
      texttemplate: overlap.names.length <= 12 ? '%{text}' : '',
      customdata: overlap.jaccard.map((row, i) => row.map((_, j) => `${overlap.names[i] ?? ''} ∩ ${overlap.names[j] ?? ''}`)),
      hovertemplate: '%{customdata}<br>Jaccard %{z:.3f}<extra></extra>',
      colorbar: { title: { text: 'Jaccard' }, thickness: 12 },
  };
  const data = [heatmap as unknown as Data];
  const size = Math.min(560, 160 + 36 * overlap.names.length);
  return {
    data,
    layout: {
      height: size,
      xaxis: { automargin: true, tickangle: -30 },
      yaxis: { automargin: true, autorange: 'reversed' },
      margin: { l: 20, r: 20, t: 10, b: 20 },
    },
  };
}

/** Precision (solid) and coverage (dotted) of each tag per time window, on holdout rows. */
export function stabilityFigure(tags: TagsValidateResult['tags']): Figure | null {
  const withWindows = tags.filter((t) => t.stability && t.stability.windows.length > 0);
  if (withWindows.length === 0) return null;
  const data: Data[] = [];
  withWindows.forEach((tag, k) => {
    const windows = tag.stability?.windows ?? [];
    const x = windows.map((_, i) => `window ${i + 1}`);
    const color = PALETTE[k % PALETTE.length];
    const hasPrecision = windows.some((w) => w.precision !== null);
    if (hasPrecision) {
      data.push({ type: 'scatter', mode: 'lines+markers', name: `${shortName(tag.name)} precision`, x, y: windows.map((w) => w.precision), line: { color, width: 2 }, hovertemplate: `${tag.name}<br>%{x}: precision %{y:.3f}<extra></extra>` });
    }
    data.push({ type: 'scatter', mode: 'lines+markers', name: `${shortName(tag.name)} coverage`, x, y: windows.map((w) => w.coverage), line: { color, width: 1, dash: 'dot' }, hovertemplate: `${tag.name}<br>%{x}: coverage %{y:.3f}<extra></extra>` });
  });
  return {
    data,
    layout: {
      xaxis: { title: { text: 'time window (holdout rows, earliest first)' }, automargin: true },
      yaxis: { title: { text: 'share' }, range: [0, 1.02], automargin: true },
      legend: { orientation: 'h', y: -0.25 },
    },
  };
}
