import type { JSX } from 'react';
import type { ClusterResult } from '../../../workers/api';
import { formatCount, formatMs } from '../../format';
import { PlotlyChart } from '../models/PlotlyChart';
import type { SegmentFigures } from './use-segment-charts';

export interface ClusterResultsProps {
  result: ClusterResult;
  /** The table that was clustered. */
  table: string;
  figures: SegmentFigures;
  visible: boolean;
}

/** A k-means run: its metrics and facts, the 2D projection, the segment sizes and the profiles. */
export function ClusterResults({ result, table, figures: resultFigures, visible }: ClusterResultsProps): JSX.Element {
  return (
    <>
      <section className="models-card" data-testid="cluster-summary">
        <header className="models-card-head">
          <h3>
            {result.cluster.k} segments of {formatCount(result.cluster.rows)} rows of {table}
          </h3>
          <span className="muted small" data-testid="cluster-backend-used">
            backend {result.backend.name} ({result.backend.reason})
          </span>
        </header>
        <div className="models-metrics">
          <div className="models-metric" title="Within-segment sum of squared distances to the centroid, in the scaled space (lower is tighter).">
            <div className="models-metric-label">Inertia</div>
            <div className="models-metric-value">{result.metrics.inertia.toPrecision(5)}</div>
          </div>
          <div className="models-metric" title={`Mean silhouette in [-1, 1] (higher: better separated)${result.metrics.silhouetteSampled ? `, on a sample of ${formatCount(result.metrics.silhouetteRows)} rows` : ''}.`} data-testid="metric-silhouette">
            <div className="models-metric-label">Silhouette</div>
            <div className="models-metric-value">{result.metrics.silhouette === null ? '—' : result.metrics.silhouette.toFixed(3)}</div>
          </div>
          <div className="models-metric" title="Davies–Bouldin index (lower is better).">
            <div className="models-metric-label">Davies–Bouldin</div>
            <div className="models-metric-value">{result.metrics.daviesBouldin === null ? '—' : result.metrics.daviesBouldin.toFixed(3)}</div>
          </div>
          <div className="models-metric" title="Calinski–Harabasz index (higher is better).">
            <div className="models-metric-label">Calinski–Harabasz</div>
            <div className="models-metric-value">{result.metrics.calinskiHarabasz === null ? '—' : result.metrics.calinskiHarabasz.toPrecision(4)}</div>
          </div>
        </div>
        <p className="muted small models-facts" data-testid="cluster-facts">
          {result.cluster.features.length} features ({result.cluster.features.join(', ')}) · {result.iterations} iterations{result.converged ? ', converged' : ', not converged'} · {result.restarts.length} restart
          {result.restarts.length === 1 ? '' : 's'} · {formatMs(result.elapsedMs)} · rows with their segment in {result.outputTable?.name ?? '—'}
        </p>
        {result.warnings.length > 0 && (
          <ul className="models-warnings small" data-testid="cluster-warnings">
            {result.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        )}
      </section>

      <div className="models-chart-grid">
        <section className="models-card">
          <header className="models-card-head">
            <h3>2D projection (PCA)</h3>
            <span className="muted small">
              {formatCount(result.projection.x.length)} of {formatCount(result.cluster.rows)} rows
            </span>
          </header>
          <PlotlyChart figure={resultFigures.projection} label="Rows projected to two dimensions, coloured by segment" testId="segments-projection" height={340} visible={visible} />
        </section>
        <section className="models-card">
          <header className="models-card-head">
            <h3>Segment sizes</h3>
          </header>
          <PlotlyChart figure={resultFigures.sizes} label="Rows per segment" testId="segments-sizes" height={240} visible={visible} />
        </section>
      </div>
      {resultFigures.profile && (
        <section className="models-card">
          <header className="models-card-head">
            <h3>Profiles: segment means against the population (z-score)</h3>
          </header>
          <PlotlyChart figure={resultFigures.profile} label="Profile of each segment: z-score of each feature mean" testId="segments-profile" height={300} visible={visible} />
        </section>
      )}
    </>
  );
}
