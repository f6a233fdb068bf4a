import { useEffect, useRef, useState } from 'react';
import type { Data, Layout } from 'plotly.js';
import { loadPlotly } from './plotly';

interface MiniChartProps {
  data: Data[];
  layout?: Partial<Layout>;
  height?: number;
  label: string;
}

const BASE_LAYOUT: Partial<Layout> = {
  margin: { l: 36, r: 8, t: 4, b: 28 },
  paper_bgcolor: 'rgba(0,0,0,0)',
  plot_bgcolor: 'rgba(0,0,0,0)',
  font: { family: 'Inter, system-ui, sans-serif', size: 10, color: '#4b5563' },
  showlegend: false,
  bargap: 0.05,
};

/** A small non-interactive-chrome Plotly chart, drawn once it scrolls into view. */
export function MiniChart({ data, layout, height = 120, label }: MiniChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        setVisible(true);
        observer.disconnect();
      }
    }, { rootMargin: '200px' });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const element = container.current;
    if (!visible || !element) return;
    let disposed = false;
    loadPlotly()
      .then((Plotly) => {
        if (disposed) return;
        return Plotly.react(element, data, { ...BASE_LAYOUT, height, ...layout }, { displayModeBar: false, responsive: true });
      })
      .catch((err: unknown) => setFailed(err instanceof Error ? err.message : String(err)));
    return () => {
      disposed = true;
    };
  }, [visible, data, layout, height]);

  useEffect(() => {
    const element = container.current;
    return () => {
      if (element) void loadPlotly().then((Plotly) => Plotly.purge(element));
    };
  }, []);

  if (failed) return <div className="chart-failed">Chart unavailable: {failed}</div>;
  return <div ref={container} className="mini-chart" style={{ height }} role="img" aria-label={label} data-testid="mini-chart" />;
}
