import { useEffect, useMemo, useRef, useState, type JSX } from 'react';
import type { BinaryEvaluation, EngineClient, ModelEvaluation, ModelSummary, MulticlassEvaluation, RegressionEvaluation, ShapSummary, TableInfo, TrainOutcome } from '../../../workers/api';
import { ColumnOptions, TableOptions } from '../../components/PickerOptions';
import { describeError, isCancelled } from '../../errors';
import { formatCount } from '../../format';
import { beeswarmRows, dependencePoints, describeBackend, describeSavedRounds, importanceBars, splitWarnings, waterfallSteps, type ImportanceKind } from './model-data';
import { beeswarmFigure, calibrationFigure, dependenceFigure, gainLiftFigure, importanceFigure, prFigure, rocFigure, waterfallFigure } from './model-figures';
import { PlotlyChart } from './PlotlyChart';

interface ModelResultsProps {
  engine: EngineClient;
  summary: ModelSummary;
  /** The training outcome, when the model was trained in this session (not for imported models). */
  outcome: TrainOutcome | null;
  /** Tables an imported model can be evaluated on. */
  tables: readonly TableInfo[];
  visible: boolean;
}

const SHAP_SAMPLE_ROWS = 300;

const fixed = (value: number, digits = 4): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const percent = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '—');

function MetricCard({ label, value, hint, testId }: { label: string; value: string; hint: string; testId?: string }): JSX.Element {
  return (
    <div className="models-metric" title={hint} data-testid={testId}>
      <div className="models-metric-label">{label}</div>
      <div className="models-metric-value">{value}</div>
    </div>
  );
}

/** `set` names the rows the metrics are on: 'validation', 'training', or a quoted table name. */
type EvalState = { state: 'none'; reason: string } | { state: 'loading' } | { state: 'ready'; evaluation: ModelEvaluation; set: string } | { state: 'failed'; message: string };

const IMPORTED_REASON =
  'This model was imported: it has no rows of its own. Evaluate it on a table that holds its feature columns and the true target (below), or score a table with it (Score, above).';

/** Metrics, curves, importance and SHAP explanations of one model. */
export function ModelResults({ engine, summary, outcome, tables, visible }: ModelResultsProps): JSX.Element {
  const modelId = summary.modelId;
  const hasOwnRows = summary.rows.train + summary.rows.valid > 0;
  // An imported model gets rows once it has been evaluated on a table.
  const [evaluatedOn, setEvaluatedOn] = useState<string | null>(null);
  const hasRows = hasOwnRows || evaluatedOn !== null;
  const [shapClass, setShapClass] = useState<number | undefined>(undefined);
  const initialEval = useMemo<EvalState>(() => {
    if (outcome) {
      return outcome.evaluation.valid
        ? { state: 'ready', evaluation: outcome.evaluation.valid, set: 'validation' }
        : { state: 'ready', evaluation: outcome.evaluation.train, set: 'training' };
    }
    return hasOwnRows ? { state: 'loading' } : { state: 'none', reason: IMPORTED_REASON };
  }, [outcome, hasOwnRows]);
  const [evaluation, setEvaluation] = useState<EvalState>(initialEval);
  const [threshold, setThreshold] = useState(0.5);
  const [importanceKind, setImportanceKind] = useState<ImportanceKind>('gain');
  const [shap, setShap] = useState<{ state: 'loading' } | { state: 'ready'; shap: ShapSummary } | { state: 'failed'; message: string } | { state: 'none' }>(hasRows ? { state: 'loading' } : { state: 'none' });
  const [dependenceFeature, setDependenceFeature] = useState<string>('');
  const [waterfallRow, setWaterfallRow] = useState(0);
  const evaluationSet = outcome ? (outcome.evaluation.valid ? 'validation' : 'training') : summary.rows.valid > 0 ? 'validation' : 'training';

  // A model reopened from the workspace (still loaded in the engine) is evaluated on demand.
  useEffect(() => {
    setEvaluation(initialEval);
    setThreshold(0.5);
    if (initialEval.state !== 'loading') return;
    const controller = new AbortController();
    engine.run('model.evaluate', { modelId, threshold: 0.5 }, { signal: controller.signal }).then(
      (result) => setEvaluation({ state: 'ready', evaluation: result, set: evaluationSet }),
      (err: unknown) => {
        if (!controller.signal.aborted) setEvaluation({ state: 'failed', message: describeError(err) });
      },
    );
    return () => controller.abort();
  }, [engine, modelId, initialEval, evaluationSet]);

  // The threshold slider asks the engine again (debounced: dragging fires many changes).
  const thresholdTimer = useRef<number | null>(null);
  const thresholdJob = useRef<AbortController | null>(null);
  const changeThreshold = (next: number): void => {
    setThreshold(next);
    if (thresholdTimer.current !== null) window.clearTimeout(thresholdTimer.current);
    thresholdTimer.current = window.setTimeout(() => {
      thresholdJob.current?.abort();
      const controller = new AbortController();
      thresholdJob.current = controller;
      engine.run('model.evaluate', { modelId, threshold: next }, { signal: controller.signal }).then(
        (result) => {
          if (!controller.signal.aborted) setEvaluation((current) => ({ state: 'ready', evaluation: result, set: current.state === 'ready' ? current.set : evaluationSet }));
        },
        (err: unknown) => {
          if (!controller.signal.aborted && !isCancelled(err)) setEvaluation({ state: 'failed', message: describeError(err) });
        },
      );
    }, 150);
  };
  useEffect(() => () => {
    if (thresholdTimer.current !== null) window.clearTimeout(thresholdTimer.current);
    thresholdJob.current?.abort();
  }, []);

  useEffect(() => {
    if (!hasRows) {
      setShap({ state: 'none' });
      return;
    }
    setShap({ state: 'loading' });
    const controller = new AbortController();
    engine.run('model.shap', { modelId, sampleRows: SHAP_SAMPLE_ROWS, ...(shapClass !== undefined ? { classIndex: shapClass } : {}) }, { signal: controller.signal }).then(
      (result) => {
        setShap({ state: 'ready', shap: result });
        const top = result.features.map((f, i) => ({ f, m: result.meanAbs[i] ?? 0 })).sort((a, b) => b.m - a.m)[0];
        setDependenceFeature((current) => (current && result.features.includes(current) ? current : (top?.f ?? '')));
      },
      (err: unknown) => {
        if (!controller.signal.aborted && !isCancelled(err)) setShap({ state: 'failed', message: describeError(err) });
      },
    );
    return () => controller.abort();
  }, [engine, modelId, hasRows, evaluatedOn, shapClass]);

  const evaluateOnTable = async (choice: EvaluateChoice): Promise<void> => {
    setEvaluation({ state: 'loading' });
    try {
      const result = await engine.run('model.evaluate', {
        modelId,
        threshold,
        source: { table: choice.table },
        target: choice.target,
        ...(choice.positive ? { positive: choice.positive } : {}),
      });
      setEvaluation({ state: 'ready', evaluation: result, set: `“${choice.table}”` });
      setEvaluatedOn(choice.table);
    } catch (err) {
      setEvaluation({ state: 'failed', message: describeError(err) });
    }
  };

  const warnings = splitWarnings(outcome?.warnings ?? []);
  const importance = outcome?.importance ?? null;
  const shown = evaluation.state === 'ready' ? evaluation.evaluation : null;

  return (
    <div className="models-results" data-testid="model-results">
      {(warnings.leaks.length > 0 || warnings.overfitting.length > 0 || warnings.others.length > 0) && (
        <div className={`models-warnings${warnings.leaks.length + warnings.overfitting.length > 0 ? ' leak' : ''}`} role="alert" data-testid="model-warnings">
          {warnings.leaks.length + warnings.overfitting.length > 0 && <strong>Check these before trusting the model:</strong>}
          <ul>
            {warnings.leaks.map((w) => (
              <li key={w} className="models-warning-leak">
                {w}
              </li>
            ))}
            {warnings.overfitting.map((w) => (
              <li key={w} className="models-warning-leak" data-testid="model-warning-overfitting">
                {w}
              </li>
            ))}
            {warnings.others.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}

      <ModelFacts summary={summary} outcome={outcome} />

      {evaluation.state === 'none' && <p className="muted">{evaluation.reason}</p>}
      {!hasOwnRows && <EvaluateOnTable summary={summary} tables={tables} busy={evaluation.state === 'loading'} evaluatedOn={evaluatedOn} onEvaluate={(choice) => void evaluateOnTable(choice)} />}
      {evaluation.state === 'loading' && <p className="muted">Evaluating the model…</p>}
      {evaluation.state === 'failed' && (
        <p className="models-error" role="alert">
          Could not evaluate the model: {evaluation.message}
        </p>
      )}
      {shown?.binary && evaluation.state === 'ready' && (
        <BinaryResults evaluation={shown.binary} train={outcome?.evaluation.train.binary ?? null} set={evaluation.set} threshold={threshold} onThreshold={changeThreshold} summary={summary} visible={visible} />
      )}
      {shown?.regression && evaluation.state === 'ready' && <RegressionResults evaluation={shown.regression} train={outcome?.evaluation.train.regression ?? null} set={evaluation.set} />}
      {shown?.multiclass && evaluation.state === 'ready' && <MulticlassResults evaluation={shown.multiclass} train={outcome?.evaluation.train.multiclass ?? null} set={evaluation.set} classes={summary.label.classes ?? []} />}

      {importance && importance.length > 0 && (
        <section className="models-card">
          <header className="models-card-head">
            <h3>Feature importance</h3>
            <div className="models-toggle" role="group" aria-label="Importance measure">
              {(['gain', 'cover', 'weight'] as const).map((kind) => (
                <button key={kind} type="button" className="sql-side-tab" aria-pressed={importanceKind === kind} aria-selected={importanceKind === kind} onClick={() => setImportanceKind(kind)} data-testid={`importance-${kind}`}>
                  {kind}
                </button>
              ))}
            </div>
          </header>
          <p className="muted small">
            {importanceKind === 'gain' ? 'Total loss reduction of the splits on each feature.' : importanceKind === 'cover' ? 'Total hessian (roughly, rows) reaching the splits on each feature.' : 'Number of splits on each feature.'}
          </p>
          <PlotlyChart figure={importanceFigure(importanceBars(importance, importanceKind), importanceKind)} label={`Feature importance by ${importanceKind}`} testId="model-importance" visible={visible} />
        </section>
      )}

      <ShapPanel state={shap} summary={summary} rowsName={evaluatedOn ? `“${evaluatedOn}”` : summary.rows.valid > 0 ? 'validation' : 'training'} feature={dependenceFeature} onFeature={setDependenceFeature} row={waterfallRow} onRow={setWaterfallRow} onClass={setShapClass} visible={visible} />
    </div>
  );
}

interface EvaluateChoice {
  table: string;
  target: string;
  positive: string;
}

/** Imported models: pick a table holding the model's features and the true target to evaluate on. */
function EvaluateOnTable(props: { summary: ModelSummary; tables: readonly TableInfo[]; busy: boolean; evaluatedOn: string | null; onEvaluate(choice: EvaluateChoice): void }): JSX.Element {
  const { summary, tables, busy } = props;
  const needed = [...new Set(summary.features.map((f) => f.column))];
  // Start from a table that has every feature column, else the first table.
  const fitting = tables.find((t) => needed.every((c) => t.columns.some((col) => col.name === c)));
  const [choice, setChoice] = useState<EvaluateChoice>({ table: fitting?.name ?? tables[0]?.name ?? '', target: summary.target, positive: summary.label.positive ?? '' });
  const table = tables.find((t) => t.name === choice.table);
  const missing = table ? needed.filter((c) => !table.columns.some((col) => col.name === c)) : [];
  const targets = table ? table.columns.filter((c) => !needed.includes(c.name)) : [];
  return (
    <div className="models-actions" role="group" aria-label="Evaluate on a table" data-testid="model-evaluate-on">
      <label className="models-inline">
        Evaluate on{' '}
        <select aria-label="Table to evaluate on" value={choice.table} onChange={(event) => setChoice({ ...choice, table: event.target.value })} data-testid="model-evaluate-table">
          <TableOptions tables={tables} />
        </select>
      </label>
      <label className="models-inline">
        target{' '}
        <select aria-label="Target column" value={choice.target} onChange={(event) => setChoice({ ...choice, target: event.target.value })} data-testid="model-evaluate-target">
          <option value="">Choose the column of true values…</option>
          <ColumnOptions columns={targets} />
        </select>
      </label>
      {summary.objective === 'binary:logistic' && summary.label.positive === undefined && (
        <label className="models-inline">
          positive value <input type="text" size={6} placeholder="auto" value={choice.positive} onChange={(event) => setChoice({ ...choice, positive: event.target.value })} data-testid="model-evaluate-positive" />
        </label>
      )}
      <button type="button" className="btn btn-primary" disabled={busy || !choice.table || !choice.target || missing.length > 0} onClick={() => props.onEvaluate(choice)} data-testid="model-evaluate">
        {busy ? 'Evaluating…' : 'Evaluate'}
      </button>
      {tables.length === 0 && <span className="muted small">Open a table first.</span>}
      {missing.length > 0 && <span className="muted small">{choice.table} lacks the model’s columns {missing.slice(0, 5).join(', ')}{missing.length > 5 ? ', …' : ''}.</span>}
      {props.evaluatedOn && <span className="muted small">Metrics and SHAP below are on “{props.evaluatedOn}”.</span>}
    </div>
  );
}

function ModelFacts({ summary, outcome }: { summary: ModelSummary; outcome: TrainOutcome | null }): JSX.Element {
  const label = summary.label;
  const backend = describeBackend(summary.backend);
  return (
    <p className="models-facts small" data-testid="model-facts">
      <strong>{summary.name}</strong> · {summary.objective} · {formatCount(summary.trees)} trees
      <span data-testid="model-rounds"> ({describeSavedRounds(summary, outcome ? outcome.history.length : null)})</span> · {formatCount(summary.features.length)} features
      {summary.target && ` · target ${summary.target}`}
      {label.kind === 'binary' && label.positive !== undefined && ` (positive = ${label.positive})`}
      {summary.rows.train > 0 && ` · ${formatCount(summary.rows.train)} training / ${formatCount(summary.rows.valid)} validation rows`}
      {outcome && ` · trained in ${(outcome.elapsedMs / 1000).toFixed(1)} s`}
      {backend && <span data-testid="model-backend-used"> · {backend}</span>}
    </p>
  );
}

function BinaryResults(props: {
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

function RegressionResults({ evaluation, train, set }: { evaluation: RegressionEvaluation; train: RegressionEvaluation | null; set: string }): JSX.Element {
  return (
    <section className="models-card">
      <h3>
        Metrics of the saved model on {formatCount(evaluation.rows)} {set} rows
      </h3>
      <div className="models-metrics" data-testid="model-metrics">
        <MetricCard label="RMSE" value={fixed(evaluation.rmse)} hint="Root mean squared error (in the target's units)." testId="metric-rmse" />
        <MetricCard label="MAE" value={fixed(evaluation.mae)} hint="Mean absolute error (in the target's units)." testId="metric-mae" />
        <MetricCard label="R²" value={fixed(evaluation.r2, 3)} hint="Share of the target's variance the model explains." testId="metric-r2" />
        {train && set === 'validation' && <MetricCard label="Train RMSE" value={fixed(train.rmse)} hint="RMSE on the training rows: far below the validation RMSE means overfitting." />}
      </div>
    </section>
  );
}

function MulticlassResults({ evaluation, train, set, classes }: { evaluation: MulticlassEvaluation; train: MulticlassEvaluation | null; set: string; classes: string[] }): JSX.Element {
  const name = (k: number): string => classes[k] ?? String(k);
  return (
    <section className="models-card">
      <h3>
        Metrics of the saved model on {formatCount(evaluation.rows)} {set} rows
      </h3>
      <div className="models-metrics" data-testid="model-metrics">
        <MetricCard label="Accuracy" value={percent(evaluation.accuracy)} hint="Share of rows whose most likely class is right." testId="metric-accuracy" />
        <MetricCard label="mlogloss" value={fixed(evaluation.mlogloss)} hint="Mean negative log-likelihood of the true class (lower is better)." testId="metric-mlogloss" />
        {train && set === 'validation' && <MetricCard label="Train accuracy" value={percent(train.accuracy)} hint="Accuracy on the training rows." />}
      </div>
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

type ShapState = { state: 'loading' } | { state: 'ready'; shap: ShapSummary } | { state: 'failed'; message: string } | { state: 'none' };

function ShapPanel(props: {
  state: ShapState;
  summary: ModelSummary;
  rowsName: string;
  feature: string;
  onFeature(f: string): void;
  row: number;
  onRow(r: number): void;
  onClass(k: number): void;
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
        <p className="models-error" role="alert">
          Could not compute SHAP values: {state.message}
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
