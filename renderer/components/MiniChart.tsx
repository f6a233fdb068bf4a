import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import { histogramSummary, labelCentre, layoutHistogram, type HistogramChart } from './mini-histogram';
import './mini-chart.css';

interface MiniChartProps {
  chart: HistogramChart;
  /** The column's name, for the accessible label. */
  column: string;
  height?: number;
}

/**
 * A profile card's histogram in plain SVG: bars with their range and row count as tooltips, a
 * count axis and a number or date axis with round ticks. Drawn by React in the card's own render,
 * so the first screen loads no charting library (Plotly's script was a 0.4 s task on first start).
 */
export function MiniChart({ chart, column, height = 120 }: MiniChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);

  // Measured before the first paint (no empty frame), then kept up to date as the card resizes.
  useLayoutEffect(() => {
    const element = container.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver((entries) => {
      const measured = entries[0]?.contentRect.width;
      if (measured !== undefined) setWidth(Math.round(measured));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const layout = useMemo(() => (width > 0 ? layoutHistogram(chart, width, height) : null), [chart, width, height]);
  const label = useMemo(() => histogramSummary(chart, column), [chart, column]);

  return (
    <div ref={container} className="mini-chart" style={{ height }} role="img" aria-label={label} data-testid="mini-chart">
      {layout && (
        <svg width={layout.width} height={layout.height} className="mini-chart-svg">
          <g className="yaxis">
            {layout.yTicks.map((tick) => (
              <g key={tick.value} className="ytick">
                <line x1={layout.plot.left} x2={layout.plot.right} y1={tick.at} y2={tick.at} className={tick.value === 0 ? 'axis-line' : 'grid-line'} />
                <text x={layout.plot.left - 4} y={tick.at} dy="0.32em" textAnchor="end">
                  {tick.label}
                </text>
              </g>
            ))}
          </g>
          <g className="bars">
            {layout.bars.map((bar, index) => (
              <g key={index} className="bin">
                <title>{bar.title}</title>
                <rect className="bin-hit" x={bar.hitX} y={layout.plot.top} width={bar.hitWidth} height={layout.plot.bottom - layout.plot.top} />
                <rect className="bar" x={bar.x} y={bar.y} width={bar.width} height={bar.height} />
              </g>
            ))}
          </g>
          <g className="xaxis">
            {layout.xTicks.map((tick) => {
              const x = labelCentre(tick, layout.width);
              return (
                <g key={tick.value} className="xtick">
                  <line x1={tick.at} x2={tick.at} y1={layout.plot.bottom} y2={layout.plot.bottom + 3} className="axis-line" />
                  <text x={x} y={layout.plot.bottom + 13} textAnchor="middle">
                    {tick.label}
                    {tick.context && (
                      <tspan x={x} dy="1.2em">
                        {tick.context}
                      </tspan>
                    )}
                  </text>
                </g>
              );
            })}
          </g>
        </svg>
      )}
    </div>
  );
}
