import { useMemo, type JSX } from 'react';
import type { ClusterSweepResult } from '../../../workers/api';
import { formatCount, formatMs } from '../../format';
import { PlotlyChart } from '../models/PlotlyChart';
import { elbowFigure, silhouetteFigure } from './segment-figures';

export interface SweepCardProps {
  sweep: ClusterSweepResult;
  /** The k in the form (marked on the elbow chart). */
  chosenK: string;
  onUseK(k: string): void;
  visible: boolean;
}

/** The k sweep: elbow and silhouette charts, and "use the best k". */
export function SweepCard({ sweep, chosenK, onUseK, visible }: SweepCardProps): JSX.Element {
  const sweepFigures = useMemo(() => {
    const chosen = Number(chosenK);
    return { elbow: elbowFigure(sweep.points, Number.isInteger(chosen) ? chosen : null), silhouette: silhouetteFigure(sweep.points, sweep.bestSilhouetteK) };
  }, [sweep, chosenK]);
  return (
    <section className="models-card" data-testid="cluster-sweep-result">
      <header className="models-card-head">
        <h3>
          k sweep {sweep.points[0]?.k}..{sweep.points[sweep.points.length - 1]?.k} on {formatCount(sweep.rows)} rows
        </h3>
        <span className="muted small" data-testid="sweep-backend">
          backend {sweep.backend.name} ({sweep.backend.reason}) · {formatMs(sweep.elapsedMs)}
          {sweep.miniBatch ? ' · mini-batch' : ''}
        </span>
        {sweep.bestSilhouetteK !== null && (
          <button type="button" className="btn btn-small" onClick={() => onUseK(String(sweep.bestSilhouetteK))} data-testid="sweep-use-best">
            Use k = {sweep.bestSilhouetteK} (best silhouette)
          </button>
        )}
      </header>
      {sweep.warnings.length > 0 && <p className="muted small">{sweep.warnings.join(' ')}</p>}
      <div className="models-chart-grid">
        <PlotlyChart figure={sweepFigures.elbow} label="Elbow chart: inertia per k" testId="sweep-elbow" height={240} visible={visible} />
        <PlotlyChart figure={sweepFigures.silhouette} label="Silhouette per k" testId="sweep-silhouette" height={240} visible={visible} />
      </div>
    </section>
  );
}
