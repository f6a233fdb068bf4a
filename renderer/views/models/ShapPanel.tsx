import { useMemo, type JSX } from 'react';
import type { ModelSummary, ShapSummary } from '../../../workers/api';
import { formatCount } from '../../format';
import { fixed } from './metric-text';
import { beeswarmRows, dependencePoints, waterfallSteps } from './model-data';
import { beeswarmFigure, dependenceFigure, waterfallFigure } from './model-figures';
import { PlotlyChart } from './PlotlyChart';

/** The SHAP values of the model's rows: being computed, ready, failed, or none (no rows to explain). */
export type ShapState = { state: 'loading' } | { state: 'ready'; shap: ShapSummary } | { state: 'failed'; message: string; cancelled?: boolean } | { state: 'none' };

/** SHAP summary (beeswarm), dependence of one feature and the waterfall of one row. */
export function ShapPanel(props: {
  state: ShapState;
  summary: ModelSummary;
  rowsName: string;
  feature: string;
  onFeature(f: string): void;
  row: number;
  onRow(r: number): void;
  onClass(k: number): void;
  /** Runs the SHAP job again after it failed or was cancelled. */
  onRetry(): void;
  visible: boolean;
}): JSX.Element | null {
  const { state, summary, feature, row, visible } = props;
  const shap = state.state === 'ready' ? state.shap : null;
  const beeswarm = useMemo(() => (shap ? beeswarmFigure(beeswarmRows(shap)) : null), [shap]);
  const dependence = useMemo(() => (shap && feature ? dependenceFigure(feature, dependencePoints(shap, feature)) : null), [shap, feature]);
  const waterfall = useMemo(() => {
    if (!shap || shap.rows === 0) return null;
    const safeRow = Math.min(Math.max(0, row), shap.rows - 1);
    return { row: safeRow, ...waterfallSteps(shap, safeRow) };
  }, [shap, row]);
  const waterfallChart = useMemo(() => (waterfall ? waterfallFigure(waterfall.steps) : null), [waterfall]);
  if (state.state === 'none') return null;
  const classes = shap?.classes ?? [];
  const classIndex = shap?.classIndex ?? 0;
  const multiclass = summary.objective === 'multi:softprob' && classes.length > 1;
  const classNote = multiclass ? ` SHAP values are for the class “${classes[classIndex] ?? classIndex}” (margins of that class).` : '';
  const isBinary = summary.objective === 'binary:logistic';
  return (
    <section className="models-card" data-testid="model-shap">
      <header className="models-card-head">
        <h3>SHAP explanations</h3>
        {shap && (
          <span className="muted small">
            {formatCount(shap.rows)} {props.rowsName} rows explained
          </span>
        )}
        {multiclass && (
          <label className="models-inline small">
            Class{' '}
            <select value={classIndex} onChange={(event) => props.onClass(Number(event.target.value))} data-testid="model-shap-class">
              {classes.map((name, k) => (
                <option key={name} value={k}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
      </header>
      {state.state === 'loading' && <p className="muted">Computing SHAP values…</p>}
      {state.state === 'failed' && (
        <p className="models-error" role="alert" data-testid="model-shap-failed">
          {state.cancelled ? 'Computing SHAP values was cancelled.' : `Could not compute SHAP values: ${state.message}`}{' '}
          <button type="button" className="btn btn-small" onClick={props.onRetry} data-testid="model-shap-retry">
            Try again
          </button>
        </p>
      )}
      {shap && beeswarm && (
        <>
          <p className="muted small">
            One dot per row and feature: how far the feature moved that row’s margin (x), coloured by the feature’s value. Features are ordered by mean |SHAP|.{classNote}
          </p>
          <PlotlyChart figure={beeswarm} label="SHAP summary (beeswarm)" testId="model-beeswarm" visible={visible} />
          <div className="models-chart-grid">
            <div>
              <label className="models-inline">
                Dependence of{' '}
                <select value={feature} onChange={(event) => props.onFeature(event.target.value)} data-testid="model-dependence-feature">
                  {shap.features.map((f) => (
                    <option key={f} value={f}>
                      {f}
                    </option>
                  ))}
                </select>
              </label>
              {dependence && <PlotlyChart figure={dependence} label={`SHAP dependence of ${feature}`} testId="model-dependence" height={300} visible={visible} />}
            </div>
            <div>
              <label className="models-inline">
                Row{' '}
                <input type="number" min={0} max={shap.rows - 1} value={waterfall?.row ?? 0} onChange={(event) => props.onRow(Number(event.target.value))} data-testid="model-waterfall-row" />
                <span className="muted small">
                  {' '}
                  of {formatCount(shap.rows)}: bias {fixed(waterfall?.bias ?? 0, 3)} + contributions = margin {fixed(waterfall?.margin ?? 0, 3)}
                  {isBinary && waterfall && ` (probability ${fixed(1 / (1 + Math.exp(-waterfall.margin)), 3)})`}
                </span>
              </label>
              {waterfallChart && <PlotlyChart figure={waterfallChart} label={`SHAP waterfall of row ${waterfall?.row ?? 0}`} testId="model-waterfall" visible={visible} />}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
