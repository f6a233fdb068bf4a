/**
 * The Packs view's chart: one metric per tag with its recorded 95% interval as error bars.
 * Pure (types only from Plotly) so the figure can be checked in unit tests.
 */
import type { PackTag } from '../../../workers/api';
import type { Figure } from '../models/model-figures';
import { METRIC_LABELS, type ShownMetric } from './pack-data';

const ACCENT = '#2563eb';

/** Horizontal bars, tags top to bottom in pack order; tags without the metric are left out. */
export function tagMetricFigure(tags: readonly PackTag[], metric: ShownMetric): Figure {
  const measured = tags.flatMap((t) => {
    const m = t.metrics?.[metric];
    return m ? [{ name: t.name, ...m }] : [];
  });
  const share = metric !== 'lift';
  return {
    data: [
      {
        type: 'bar',
        orientation: 'h',
        name: METRIC_LABELS[metric],
        y: measured.map((m) => m.name),
        x: measured.map((m) => m.value),
        error_x: {
          type: 'data',
          symmetric: false,
          array: measured.map((m) => Math.max(0, m.high - m.value)),
          arrayminus: measured.map((m) => Math.max(0, m.value - m.low)),
          color: '#344054',
          thickness: 1.2,
        },
        marker: { color: ACCENT },
        hovertemplate: measured.map((m) => (share ? `%{y}: %{x:.1%} (95% CI ${(m.low * 100).toFixed(1)}–${(m.high * 100).toFixed(1)}%)<extra></extra>` : `%{y}: %{x:.2f}× (95% CI ${m.low.toFixed(2)}–${m.high.toFixed(2)})<extra></extra>`)),
      },
    ],
    layout: {
      height: 70 + 30 * Math.max(1, measured.length),
      margin: { l: 150, r: 24, t: 8, b: 40 },
      xaxis: { title: { text: `${METRIC_LABELS[metric]} (95% interval)` }, tickformat: share ? '.0%' : '.2f', rangemode: 'tozero', zeroline: true },
      yaxis: { autorange: 'reversed', automargin: true },
      showlegend: false,
      ...(metric === 'lift' ? { shapes: [{ type: 'line', x0: 1, x1: 1, yref: 'paper', y0: 0, y1: 1, line: { color: '#9ca3af', dash: 'dot', width: 1 } }] } : {}),
    },
  };
}
