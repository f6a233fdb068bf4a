import { useEffect, useRef, useState, type JSX } from 'react';
import type { Config, Layout } from 'plotly.js';
import { drawPlot, loadPlotly } from '../../components/plotly';
import { describeError } from '../../errors';
import type { Figure } from './model-figures';

const BASE_LAYOUT: Partial<Layout> = {
  margin: { l: 56, r: 24, t: 12, b: 48 },
  paper_bgcolor: 'rgba(0,0,0,0)',
  plot_bgcolor: 'rgba(0,0,0,0)',
  font: { family: 'Inter, system-ui, sans-serif', size: 11, color: '#344054' },
  hovermode: 'closest',
  autosize: true,
};

const CONFIG: Partial<Config> = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };

interface PlotlyChartProps {
  figure: Figure;
  /** What the chart shows, for screen readers. */
  label: string;
  testId?: string;
  height?: number;
  /** False while a tab covers the chart; it is resized when it shows again. */
  visible?: boolean;
}

/**
 * A Plotly chart that loads the library on first use and redraws in place (Plotly.react) when its
 * figure changes: the learning curve redraws every round. `data-rendered` turns "true" once drawn.
 */
export function PlotlyChart({ figure, label, testId, height = 300, visible = true }: PlotlyChartProps): JSX.Element {
  const element = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const chartHeight = typeof figure.layout.height === 'number' ? figure.layout.height : height;

  useEffect(() => {
    const div = element.current;
    if (!div) return;
    let cancelled = false;
    // drawPlot: one chart per task, margins measured without Plotly's second draw (components/plotly.ts).
    drawPlot(div, figure.data, { ...BASE_LAYOUT, ...figure.layout, height: chartHeight }, CONFIG, () => cancelled).then(
      (drawn) => {
        if (drawn && !cancelled) div.dataset.rendered = 'true';
      },
      (err: unknown) => setFailed(`The charting library did not load: ${describeError(err)}`),
    );
    return () => {
      cancelled = true;
    };
  }, [figure, chartHeight]);

  useEffect(() => {
    const div = element.current;
    if (!visible || !div || div.dataset.rendered !== 'true') return;
    void loadPlotly().then((Plotly) => Plotly.Plots.resize(div));
  }, [visible]);

  // Free Plotly's listeners when the chart goes away.
  useEffect(() => {
    const div = element.current;
    return () => {
      if (div) void loadPlotly().then((Plotly) => Plotly.purge(div));
    };
  }, []);

  if (failed) return <div className="chart-failed">{failed}</div>;
  return <div ref={element} className="models-chart" style={{ height: chartHeight }} role="img" aria-label={label} data-testid={testId} data-rendered="false" />;
}
