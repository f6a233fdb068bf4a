import { useMemo, type JSX } from 'react';
import type { PackInfo } from '../../../workers/api';
import { formatCount } from '../../format';
import { PlotlyChart } from '../models/PlotlyChart';
import { METRIC_LABELS, formatInterval, gateBadge, recordedMetrics, tagDefinitionText, type ShownMetric } from './pack-data';
import { tagMetricFigure } from './pack-figures';

export interface PackTagsCardProps {
  pack: PackInfo['pack'];
  /** The metric the chart shows (kept by the view, so it survives opening another pack). */
  chartMetric: ShownMetric;
  onChartMetric(metric: ShownMetric): void;
  visible: boolean;
}

/** The pack's tags with their definitions, gates and metric intervals, and the per-tag metric chart. */
export function PackTagsCard({ pack, chartMetric, onChartMetric, visible }: PackTagsCardProps): JSX.Element {
  const metricsShown = recordedMetrics(pack.tags);
  const shownChartMetric = metricsShown.includes(chartMetric) ? chartMetric : 'coverage';
  const packTags = pack.tags;
  const chart = useMemo(() => (packTags.some((t) => t.metrics) ? tagMetricFigure(packTags, shownChartMetric) : null), [packTags, shownChartMetric]);
  return (
    <section className="packs-card" aria-label="Tags">
      <header className="packs-card-head">
        <h3>Tags ({pack.tags.length})</h3>
        <span className="muted small">metrics with 95% intervals</span>
      </header>
      <div className="packs-table-wrap">
        <table className="packs-table" data-testid="pack-tags">
          <thead>
            <tr>
              <th>Tag</th>
              <th>Definition</th>
              {metricsShown.map((m) => (
                <th key={m}>{METRIC_LABELS[m]}</th>
              ))}
            </tr>
          </thead>
          {pack.tags.map((tag) => {
            const gate = gateBadge(tag);
            return (
              <tbody key={tag.name} className="packs-tag-group">
                <tr data-testid="pack-tag" data-tag={tag.name}>
                  <td className="packs-tag-cell">
                    <strong>{tag.name}</strong>
                    <div className="muted small">
                      {tag.kind} · {tag.group} · {tag.status} · column <code title="The output column: the tag id, unchanged when the tag is renamed">{tag.id}</code>
                      {tag.metrics ? ` · ${formatCount(tag.metrics.support)} of ${formatCount(tag.metrics.rows)} rows` : ''}
                    </div>
                    <span className={`packs-badge gate-${gate.tone}`} title={gate.detail} data-testid="pack-gate">
                      {gate.label}
                    </span>
                  </td>
                  <td className="packs-definition">
                    <code>{tagDefinitionText(tag)}</code>
                  </td>
                  {metricsShown.map((m) => (
                    <td key={m} data-metric={m}>
                      {formatInterval(m, tag.metrics) ?? '—'}
                    </td>
                  ))}
                </tr>
                {(gate.tone === 'fail' || gate.tone === 'partial') && (
                  <tr className="packs-gate-row">
                    <td colSpan={2 + metricsShown.length} className="small packs-gate-reason">
                      {gate.detail}
                    </td>
                  </tr>
                )}
              </tbody>
            );
          })}
        </table>
      </div>
      {chart && (
        <div className="packs-chart">
          {metricsShown.length > 1 && (
            <label className="packs-inline">
              Chart{' '}
              <select value={shownChartMetric} onChange={(event) => onChartMetric(event.target.value as ShownMetric)} data-testid="pack-chart-metric">
                {metricsShown.map((m) => (
                  <option key={m} value={m}>
                    {METRIC_LABELS[m]}
                  </option>
                ))}
              </select>
            </label>
          )}
          <PlotlyChart figure={chart} label={`${METRIC_LABELS[shownChartMetric]} per tag with 95% intervals`} testId="pack-metric-chart" visible={visible} />
        </div>
      )}
    </section>
  );
}
