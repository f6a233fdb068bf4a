import { useMemo, type JSX } from 'react';
import type { TrainOutcome } from '../../../workers/api';
import { curvesFromHistory, curvesFromLive, historyMetrics, type RoundPoint } from './model-data';
import { learningCurveFigure } from './model-figures';
import { PlotlyChart } from './PlotlyChart';

/** The learning curve while a model trains, from the rounds its progress reports. */
export interface LiveCurve {
  points: RoundPoint[];
  totalRounds: number | null;
}

/** A finished training's per-round history, and the metric the curve shows. */
export interface TrainingHistory {
  outcome: TrainOutcome;
  metric: string;
}

export interface LearningCurveCardProps {
  /** What one step is called: boosting rounds, or epochs for the CTR kinds. */
  step?: 'round' | 'epoch';
  /** A model is training: the live curve is drawn. */
  training: boolean;
  live: LiveCurve;
  history: TrainingHistory | null;
  onMetric(metric: string): void;
  visible: boolean;
}

/** The eval metric per round: live while training, then both sets from the history (nothing before). */
export function LearningCurveCard({ step = 'round', training, live, history, onMetric, visible }: LearningCurveCardProps): JSX.Element | null {
  const curveFigure = useMemo(() => {
    if (training) return learningCurveFigure(curvesFromLive(live.points), live.totalRounds, null, step);
    if (history) {
      const best = history.outcome.model.bestIteration;
      return learningCurveFigure(curvesFromHistory(history.outcome.history, history.metric), null, best !== null ? best + 1 : null, step);
    }
    return null;
  }, [training, live, history, step]);
  const metrics = history ? historyMetrics(history.outcome.history) : [];
  if (!curveFigure) return null;
  return (
    <section className="models-card">
      <header className="models-card-head">
        <h3>Learning curve</h3>
        {history && metrics.length > 1 && (
          <label className="models-inline small">
            Metric{' '}
            <select value={history.metric} onChange={(event) => onMetric(event.target.value)} data-testid="model-curve-metric">
              {metrics.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
        )}
        {training && <span className="muted small">{live.points.length === 0 ? `waiting for the first ${step}…` : `${step} ${live.points[live.points.length - 1]?.round ?? 0}`}</span>}
      </header>
      <PlotlyChart figure={curveFigure} label={`Learning curve: eval metric per ${step}`} testId="model-learning-curve" height={260} visible={visible} />
    </section>
  );
}
