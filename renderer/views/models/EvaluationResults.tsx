import { useMemo, type JSX, type ReactNode } from 'react';
import type { BinaryEvaluation, ModelSummary, MulticlassEvaluation, RegressionEvaluation } from '../../../workers/api';
import { formatCount } from '../../format';
import { fixed, percent } from './metric-text';
import { calibrationFigure, gainLiftFigure, prFigure, rocFigure } from './model-figures';
import { PlotlyChart } from './PlotlyChart';

function MetricCard({ label, value, hint, testId }: { label: string; value: string; hint: string; testId?: string }): JSX.Element {
  return (
    <div className="models-metric" title={hint} data-testid={testId}>
      <div className="models-metric-label">{label}</div>
      <div className="models-metric-value">{value}</div>
    </div>
  );
}

/** The heading of a metrics card (on how many rows of which set) and its metric cards. */
function MetricsBlock({ rows, set, children }: { rows: number; set: string; children: ReactNode }): JSX.Element {
  return (
    <>
      <h3>
        Metrics of the saved model on {formatCount(rows)} {set} rows
      </h3>
      <div className="models-metrics" data-testid="model-metrics">
        {children}
      </div>
    </>
  );
}

/** Binary metrics at the threshold (with its slider), confusion matrix, ROC, PR, gain/lift and calibration. */
export function BinaryResults(props: {
  evaluation: BinaryEvaluation;
  train: BinaryEvaluation | null;
  set: string;
  threshold: number;
  onThreshold(next: number): void;
  summary: ModelSummary;
  visible: boolean;
}): JSX.Element {
  const { evaluation, train, set, threshold, visible } = props;
  const c = evaluation.confusion;
  const positive = props.summary.label.positive ?? 'positive';
  const negative = props.summary.label.negative ?? 'negative';
  const roc = useMemo(() => rocFigure(evaluation), [evaluation]);
  const pr = useMemo(() => prFigure(evaluation), [evaluation]);
  const gain = useMemo(() => gainLiftFigure(evaluation), [evaluation]);
  const calibration = useMemo(() => calibrationFigure(evaluation), [evaluation]);
  return (
    <>
      <section className="models-card">
        <header className="models-card-head">
          <h3>
            Metrics of the saved model on {formatCount(evaluation.rows)} {set} rows
          </h3>
          <span className="muted small">
            {formatCount(evaluation.positives)} positive ({percent(evaluation.rows > 0 ? evaluation.positives / evaluation.rows : 0)})
          </span>
        </header>
        <div className="models-metrics" data-testid="model-metrics">
          <MetricCard label="AUC" value={fixed(evaluation.auc)} hint="Area under the ROC curve: the chance a random positive scores above a random negative." testId="metric-auc" />
          <MetricCard label="Log loss" value={fixed(evaluation.logloss)} hint="Mean negative log-likelihood of the predicted probabilities (lower is better)." testId="metric-logloss" />
          <MetricCard label="Accuracy" value={percent(evaluation.accuracy)} hint={`Share of rows classified right at threshold ${threshold.toFixed(2)}.`} testId="metric-accuracy" />
          <MetricCard label="Precision" value={percent(evaluation.precision)} hint="Of the rows predicted positive, the share that are positive." testId="metric-precision" />
          <MetricCard label="Recall" value={percent(evaluation.recall)} hint="Of the positive rows, the share predicted positive." testId="metric-recall" />
          <MetricCard label="F1" value={fixed(evaluation.f1, 3)} hint="Harmonic mean of precision and recall." testId="metric-f1" />
          {train && set === 'validation' && <MetricCard label="Train AUC" value={fixed(train.auc)} hint="AUC of the saved model on the training rows: far above the validation AUC means overfitting." testId="metric-train-auc" />}
        </div>
        <label className="models-threshold">
          <span>
            Threshold <strong data-testid="model-threshold-value">{threshold.toFixed(2)}</strong>
          </span>
          <input type="range" min={0.01} max={0.99} step={0.01} value={threshold} onChange={(event) => props.onThreshold(Number(event.target.value))} data-testid="model-threshold" aria-label="Classification threshold" />
          <span className="muted small">Rows scoring at or above it count as “{positive}”.</span>
        </label>
        <table className="models-confusion" data-testid="model-confusion">
          <caption className="muted small">Confusion matrix at threshold {evaluation.threshold.toFixed(2)}</caption>
          <thead>
            <tr>
              <th />
              <th scope="col">predicted {positive}</th>
              <th scope="col">predicted {negative}</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">actual {positive}</th>
              <td className="good">{formatCount(c.tp)}</td>
              <td className="bad">{formatCount(c.fn)}</td>
            </tr>
            <tr>
              <th scope="row">actual {negative}</th>
              <td className="bad">{formatCount(c.fp)}</td>
              <td className="good">{formatCount(c.tn)}</td>
            </tr>
          </tbody>
        </table>
      </section>
      <div className="models-chart-grid">
        <section className="models-card">
          <h3>ROC curve</h3>
          <PlotlyChart figure={roc} label={`ROC curve, AUC ${fixed(evaluation.auc, 3)}`} testId="model-roc" height={280} visible={visible} />
        </section>
        <section className="models-card">
          <h3>Precision–recall</h3>
          <PlotlyChart figure={pr} label="Precision-recall curve" testId="model-pr" height={280} visible={visible} />
        </section>
        <section className="models-card">
          <h3>Gain and lift</h3>
          <PlotlyChart figure={gain} label="Cumulative gain and lift" testId="model-gain" height={280} visible={visible} />
        </section>
        <section className="models-card">
          <h3>Calibration</h3>
          <PlotlyChart figure={calibration} label="Calibration plot" testId="model-calibration" height={280} visible={visible} />
        </section>
      </div>
    </>
  );
}

/** RMSE, MAE and R². */
export function RegressionResults({ evaluation, train, set }: { evaluation: RegressionEvaluation; train: RegressionEvaluation | null; set: string }): JSX.Element {
  return (
    <section className="models-card">
      <MetricsBlock rows={evaluation.rows} set={set}>
        <MetricCard label="RMSE" value={fixed(evaluation.rmse)} hint="Root mean squared error (in the target's units)." testId="metric-rmse" />
        <MetricCard label="MAE" value={fixed(evaluation.mae)} hint="Mean absolute error (in the target's units)." testId="metric-mae" />
        <MetricCard label="R²" value={fixed(evaluation.r2, 3)} hint="Share of the target's variance the model explains." testId="metric-r2" />
        {train && set === 'validation' && <MetricCard label="Train RMSE" value={fixed(train.rmse)} hint="RMSE on the training rows: far below the validation RMSE means overfitting." />}
      </MetricsBlock>
    </section>
  );
}

/** Accuracy, mlogloss and the confusion matrix of every class. */
export function MulticlassResults({ evaluation, train, set, classes }: { evaluation: MulticlassEvaluation; train: MulticlassEvaluation | null; set: string; classes: string[] }): JSX.Element {
  const name = (k: number): string => classes[k] ?? String(k);
  return (
    <section className="models-card">
      <MetricsBlock rows={evaluation.rows} set={set}>
        <MetricCard label="Accuracy" value={percent(evaluation.accuracy)} hint="Share of rows whose most likely class is right." testId="metric-accuracy" />
        <MetricCard label="mlogloss" value={fixed(evaluation.mlogloss)} hint="Mean negative log-likelihood of the true class (lower is better)." testId="metric-mlogloss" />
        {train && set === 'validation' && <MetricCard label="Train accuracy" value={percent(train.accuracy)} hint="Accuracy on the training rows." />}
      </MetricsBlock>
      <table className="models-confusion" data-testid="model-confusion">
        <caption className="muted small">Confusion matrix (rows: actual, columns: predicted)</caption>
        <thead>
          <tr>
            <th />
            {evaluation.confusion.map((_, k) => (
              <th key={k} scope="col">
                {name(k)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {evaluation.confusion.map((row, actual) => (
            <tr key={actual}>
              <th scope="row">{name(actual)}</th>
              {row.map((count, predicted) => (
                <td key={predicted} className={actual === predicted ? 'good' : count > 0 ? 'bad' : ''}>
                  {formatCount(count)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
