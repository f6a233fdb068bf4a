import { useEffect, useMemo, useRef, useState, type JSX } from 'react';
import type { EngineClient, ModelEvaluation, ModelSummary, TableInfo, TrainOutcome } from '../../../workers/api';
import { describeError, isCancelled } from '../../errors';
import { EvaluateOnTable, type EvaluateChoice } from './EvaluateOnTable';
import { BinaryResults, MulticlassResults, RegressionResults } from './EvaluationResults';
import { ImportanceCard, InteractionsCard } from './ImportanceCard';
import { CrossValidationCard, ModelFacts, ModelWarnings } from './ModelFacts';
import { ShapPanel, type ShapState } from './ShapPanel';


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

/** `set` names the rows the metrics are on: 'validation', 'training', or a quoted table name. */
type EvalState = { state: 'none'; reason: string } | { state: 'loading' } | { state: 'ready'; evaluation: ModelEvaluation; set: string } | { state: 'failed'; message: string };

const IMPORTED_REASON =
  'This model was imported: it has no rows of its own. Evaluate it on a table that holds its feature columns and the true target (below), or score a table with it (Score, above).';

/**
 * Metrics, curves, importance and SHAP explanations of one model: this file runs the evaluations and
 * SHAP jobs; the panels are EvaluationResults, ImportanceCard, ShapPanel, ModelFacts, EvaluateOnTable.
 */
export function ModelResults({ engine, summary, outcome, tables, visible }: ModelResultsProps): JSX.Element {
  const modelId = summary.modelId;
  const hasOwnRows = summary.rows.train + summary.rows.valid > 0;
  // An imported model gets rows once it has been evaluated on a table.
  const [evaluatedOn, setEvaluatedOn] = useState<string | null>(null);
  const hasRows = hasOwnRows || evaluatedOn !== null;
  // SHAP explains trees; the CTR kinds show field importance and FM interactions instead.
  const explainable = summary.kind === undefined || summary.kind === 'gbdt';
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
  const [shap, setShap] = useState<ShapState>(hasRows ? { state: 'loading' } : { state: 'none' });
  // Bumped by "Try again" after a failed or cancelled SHAP job.
  const [shapAttempt, setShapAttempt] = useState(0);
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
    if (!hasRows || !explainable) {
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
        // Only this effect's own abort (a newer run, or the view going away) is silent: a cancel
        // from the Jobs panel leaves a state with a way to run it again.
        if (!controller.signal.aborted) setShap({ state: 'failed', message: isCancelled(err) ? 'the job was cancelled.' : describeError(err), cancelled: isCancelled(err) });
      },
    );
    return () => controller.abort();
  }, [engine, modelId, hasRows, explainable, evaluatedOn, shapClass, shapAttempt]);

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

  const importance = outcome?.importance ?? null;
  const shown = evaluation.state === 'ready' ? evaluation.evaluation : null;

  return (
    <div className="models-results" data-testid="model-results">
      <ModelWarnings outcome={outcome} />

      <ModelFacts summary={summary} outcome={outcome} />
      {outcome?.crossValidation && <CrossValidationCard cv={outcome.crossValidation} />}

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

      {importance && importance.length > 0 && <ImportanceCard importance={importance} measures={explainable ? ['gain', 'cover', 'weight'] : ['permutation']} visible={visible} />}
      {!explainable && outcome?.interactions && outcome.interactions.length > 0 && <InteractionsCard interactions={outcome.interactions} />}

      {explainable && <ShapPanel state={shap} summary={summary} rowsName={evaluatedOn ? `“${evaluatedOn}”` : summary.rows.valid > 0 ? 'validation' : 'training'} feature={dependenceFeature} onFeature={setDependenceFeature} row={waterfallRow} onRow={setWaterfallRow} onClass={setShapClass} onRetry={() => setShapAttempt((n) => n + 1)} visible={visible} />}
    </div>
  );
}
