/** Plotly figures of the Labels view (pure, unit-tested). */
import type { CurvePoint } from '../../../workers/api';
import type { Figure } from '../models/model-figures';

const ACCENT = '#2563eb';
const TARGET = '#dc2626';

/** Precision against coverage of one confidence threshold, with the target precision as a line. */
export function coverageCurveFigure(curve: readonly CurvePoint[], minPrecision: number): Figure {
  return {
    data: [
      {
        type: 'scatter',
        mode: 'lines',
        name: 'threshold',
        x: curve.map((p) => p.coverage),
        y: curve.map((p) => p.precision),
        text: curve.map((p) => `confidence ≥ ${p.threshold.toFixed(3)}`),
        hovertemplate: 'coverage %{x:.1%}<br>precision %{y:.1%}<br>%{text}<extra></extra>',
        line: { color: ACCENT, width: 2 },
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: `target ${(minPrecision * 100).toFixed(0)}%`,
        x: [0, 1],
        y: [minPrecision, minPrecision],
        hoverinfo: 'skip',
        line: { color: TARGET, width: 1, dash: 'dash' },
      },
    ],
    layout: {
      xaxis: { title: { text: 'coverage (share of held-out rows labelled)' }, range: [0, 1], tickformat: '.0%' },
      yaxis: { title: { text: 'precision' }, tickformat: '.0%' },
      showlegend: true,
      legend: { orientation: 'h', y: -0.3 },
    },
  };
}
