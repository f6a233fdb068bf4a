import { useEffect, useMemo, useRef, useState, type ChangeEvent, type JSX } from 'react';
import { tableFromIPC } from 'apache-arrow';
import type { ColumnInfo, ModelSummary, TableInfo, TrainOutcome } from '../../../workers/api';
import { ErrorPanel, StatusLine, type StatusMessage } from '../../components/Feedback';
import { describeError, describeJobFailure, isCancelled } from '../../errors';
import { formatCount } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { useWorkspaceUpdater } from '../../use-workspace-updater';
import { defaultTable, saveText, type SaveBytes, type WorkspaceViewProps } from '../view-props';
import { LearningCurveCard, type LiveCurve, type TrainingHistory } from './LearningCurveCard';
import { ModelActions, type ScoreForm, type SqlDialect } from './ModelActions';
import {
  addLivePoint,
  ctrParamSpecs,
  historyMetrics,
  initialParamText,
  isTextType,
  parseRoundPhase,
  scoreTableName,
  stepWord,
  trainParamsFromForm,
  validationRowsKey,
  type SetupForm,
  type TrainedRun,
} from './model-data';
import { CompareModels } from './CompareModels';
import { ModelResults } from './ModelResults';
import { SavedModels } from './SavedModels';
import { TrainingForm } from './TrainingForm';
import { removeSavedModel, setSavedModelId, upsertSavedModel, type ModelsWorkspaceState } from './types';
// The list, error and status-line styles are shared with the SQL view.
import '../sql/sql-view.css';
import './models-view.css';

export type { ModelsWorkspaceState } from './types';
export { emptyModelsWorkspace, modelsWorkspaceStateSchema } from './types';

export interface ModelsViewProps extends WorkspaceViewProps<ModelsWorkspaceState> {
  onCatalogChanged(): void;
  saveBytes: SaveBytes;
  /**
   * Another view asked to train on a table (Segments: a propensity dataset): the source, target and
   * an entity split by keyColumn are filled in once the table is in the catalog. A new `id` asks again.
   */
  request?: { id: number; table: string; target?: string; keyColumn?: string } | null;
}

/** The model on screen: just trained (with its outcome), or opened from the workspace / a file. */
interface CurrentModel {
  summary: ModelSummary;
  outcome: TrainOutcome | null;
}

function initialForm(tables: readonly TableInfo[], selectedTable: string | null | undefined): SetupForm {
  return {
    source: { kind: 'table', table: defaultTable(tables, selectedTable) },
    target: '',
    positive: '',
    features: null,
    objective: 'auto',
    params: initialParamText(),
    split: { kind: 'stratified', validFraction: '0.2', timeColumn: '' },
    name: '',
    backend: 'auto',
    kind: 'gbdt',
    ctrParams: {},
  };
}

/**
 * Models: set up and train an XGBoost-style GBDT (TrainingForm), watch it learn (LearningCurveCard),
 * read its metrics and SHAP (ModelResults), save, export and score (ModelActions, SavedModels).
 */
export function ModelsView(props: ModelsViewProps): JSX.Element {
  const { engine, tables, onCatalogChanged, saveBytes, visible = true, selectedTable } = props;
  const [form, setForm] = useState<SetupForm>(() => initialForm(tables, selectedTable));
  // Until the user picks a table here, the source follows the catalog's selection.
  const tableChosen = useRef(false);
  const [queryColumns, setQueryColumns] = useState<{ sql: string; columns: ColumnInfo[] } | null>(null);
  const [readingColumns, setReadingColumns] = useState(false);
  const [targetValues, setTargetValues] = useState<{ key: string; values: string[] } | null>(null);
  const { job: training, track } = useEngineJob();
  const { job: scoring, track: trackScoring } = useEngineJob();
  const [live, setLive] = useState<LiveCurve>({ points: [], totalRounds: null });
  const [history, setHistory] = useState<TrainingHistory | null>(null);
  const [current, setCurrent] = useState<CurrentModel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<StatusMessage | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [score, setScore] = useState<ScoreForm>({ table: '', output: '', withShap: false });
  const liveMetricRef = useRef<string | null>(null);
  // Models trained in this session, for comparing two on the same validation rows.
  const [runs, setRuns] = useState<TrainedRun[]>([]);

  // Workspace edits land on the latest state, not a stale copy (jobs finish after other edits).
  const { workspaceRef, updateWorkspace } = useWorkspaceUpdater(props.workspace, props.onWorkspaceChange);

  // The catalog's selection is the source until the user picks one; a table that appears after the
  // view opened (the sample workspace loads late) or replaces a dropped one becomes the source.
  useEffect(() => {
    setForm((f) => {
      const fallback = defaultTable(tables, selectedTable);
      if (f.source.kind !== 'table' || !fallback) return f;
      const table = f.source.table;
      const keep = tables.some((t) => t.name === table) && (tableChosen.current || table === fallback);
      return keep ? f : { ...f, source: { kind: 'table', table: fallback }, target: '', features: null, positive: '' };
    });
  }, [tables, selectedTable]);

  // A request from another view applies once, as soon as its table is listed.
  const appliedRequest = useRef<number | null>(null);
  const request = props.request ?? null;
  useEffect(() => {
    if (!request || appliedRequest.current === request.id) return;
    const listed = tables.find((t) => t.name === request.table);
    if (!listed) return;
    appliedRequest.current = request.id;
    tableChosen.current = true;
    const has = (name: string | undefined): name is string => name !== undefined && listed.columns.some((c) => c.name === name);
    setForm((f) => ({
      ...f,
      source: { kind: 'table', table: request.table },
      target: has(request.target) ? request.target : '',
      features: null,
      positive: '',
      split: has(request.keyColumn) ? { ...f.split, kind: 'entity', keyColumn: request.keyColumn } : f.split,
    }));
  }, [request, tables]);

  const columns: ColumnInfo[] = useMemo(() => {
    if (form.source.kind === 'table') {
      const name = form.source.table;
      return tables.find((t) => t.name === name)?.columns ?? [];
    }
    return queryColumns && queryColumns.sql === form.source.sql ? queryColumns.columns : [];
  }, [form.source, tables, queryColumns]);
  const columnsKnown = columns.length > 0;
  const targetType = columns.find((c) => c.name === form.target)?.type ?? '';
  const sourceKey = form.source.kind === 'table' ? `table:${form.source.table}` : `sql:${form.source.sql}`;

  // A text target with two values needs its positive class named; show the two values to pick from.
  useEffect(() => {
    setTargetValues(null);
    if (!form.target || !isTextType(targetType)) return;
    const controller = new AbortController();
    const quoted = `"${form.target.replace(/"/g, '""')}"`;
    const from = form.source.kind === 'table' ? `"${form.source.table.replace(/"/g, '""')}"` : `(${form.source.sql.trim().replace(/;\s*$/, '')})`;
    const key = `${sourceKey}|${form.target}`;
    engine
      .run('sql.run', { sql: `SELECT DISTINCT CAST(${quoted} AS VARCHAR) AS v FROM ${from} WHERE ${quoted} IS NOT NULL ORDER BY 1 LIMIT 3`, preview: 0 }, { signal: controller.signal })
      .then(async (result) => {
        if (result.resultId === null) return;
        // Three rows at most: read them through a tiny fetch, as text.
        const page = await engine.run('sql.fetch', { resultId: result.resultId, offset: 0, limit: 3 }, { signal: controller.signal });
        void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
        const values = tableFromIPC(page.ipc).getChild('v')?.toArray() as unknown[] | undefined;
        if (!controller.signal.aborted) setTargetValues({ key, values: (values ?? []).map(String) });
      })
      .catch(() => undefined);
    return () => controller.abort();
  }, [engine, form.target, form.source, targetType, sourceKey]);
  const positiveChoices = targetValues && targetValues.key === `${sourceKey}|${form.target}` && targetValues.values.length === 2 ? targetValues.values : null;

  const readQueryColumns = async (): Promise<void> => {
    if (form.source.kind !== 'sql') return;
    const sql = form.source.sql;
    setReadingColumns(true);
    setError(null);
    try {
      const result = await engine.run('sql.run', { sql: `SELECT * FROM (${sql.trim().replace(/;\s*$/, '')}) LIMIT 0`, preview: 0 });
      if (result.resultId) void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
      setQueryColumns({ sql, columns: result.columns });
      setForm((f) => ({ ...f, target: '', features: null, positive: '' }));
    } catch (err) {
      setError(`The query could not be read: ${describeError(err)}`);
    } finally {
      setReadingColumns(false);
    }
  };

  const update = (change: Partial<SetupForm>): void => setForm((f) => ({ ...f, ...change }));

  const train = async (): Promise<void> => {
    if (training) return;
    setError(null);
    setStatus(null);
    const built = trainParamsFromForm({ ...form, features: form.features && columnsKnown ? form.features : null });
    if (!built.ok) {
      setError(built.problems.join(' '));
      return;
    }
    const kind = form.kind ?? 'gbdt';
    const epochsDefault = Number(ctrParamSpecs(kind).find((p) => p.name === 'epochs')?.default ?? 10);
    const rounds = kind === 'gbdt' ? Number(form.params.num_boost_round) || 100 : Number(form.ctrParams?.epochs) || epochsDefault;
    liveMetricRef.current = null;
    setLive({ points: [], totalRounds: rounds });
    setHistory(null);
    const onRound = (phase: string): void => {
      const point = parseRoundPhase(phase);
      if (!point) return;
      liveMetricRef.current = point.metric;
      setLive((l) => ({ points: addLivePoint(l.points, point), totalRounds: point.total ?? l.totalRounds }));
    };
    try {
      const outcome = await track('Training', (options) => engine.start('model.train', built.params, options), (progress) => onRound(progress.phase));
      const metrics = historyMetrics(outcome.history);
      // Keep the metric the live curve showed (the one early stopping watches), then re-plot it for both sets.
      const liveMetric = liveMetricRef.current;
      const chosen = liveMetric && metrics.includes(liveMetric) ? liveMetric : (metrics[0] ?? '');
      setHistory({ outcome, metric: chosen });
      setCurrent({ summary: outcome.model, outcome });
      setRuns((r) => [...r, { outcome, rowsKey: validationRowsKey(built.params) }].slice(-20));
      // Scoring starts from the table the model was trained on.
      const trainedOn = 'table' in built.params.source ? built.params.source.table : '';
      setScore((s) => ({ ...s, table: trainedOn || s.table, output: scoreTableName(outcome.model.name) }));
    } catch (err) {
      setError(describeJobFailure('Training', err));
    }
  };

  const modelJson = async (summary: ModelSummary): Promise<{ json: string; fileName: string }> => engine.run('model.export', { modelId: summary.modelId });

  const saveToWorkspace = async (): Promise<void> => {
    if (!current) return;
    setBusy('save');
    try {
      const { json } = await modelJson(current.summary);
      updateWorkspace((state) => upsertSavedModel(state, { modelId: current.summary.modelId, name: current.summary.name, json, summary: current.summary }));
      setStatus({ tone: 'ok', text: `Saved “${current.summary.name}” in the workspace (save the workspace to keep it on disk).` });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not save the model: ${describeError(err)}` });
    } finally {
      setBusy(null);
    }
  };

  const exportJson = async (): Promise<void> => {
    if (!current) return;
    setBusy('export');
    try {
      const { json, fileName } = await modelJson(current.summary);
      await saveText(saveBytes, fileName, json);
      setStatus({ tone: 'ok', text: `Exported the model as ${current.summary.kind && current.summary.kind !== 'gbdt' ? 'an Assay model file' : 'XGBoost JSON'} (${fileName}).` });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not export the model: ${describeError(err)}` });
    } finally {
      setBusy(null);
    }
  };

  const exportCtr = async (format: 'sql' | 'onnx', dialect?: SqlDialect): Promise<void> => {
    if (!current) return;
    setBusy(format === 'sql' ? 'export-sql' : 'export-onnx');
    try {
      const result = await engine.run('model.exportCtr', { modelId: current.summary.modelId, format, ...(dialect ? { dialect } : {}) });
      if (format === 'sql') await saveText(saveBytes, result.fileName, result.sql ?? '');
      else await saveBytes(result.fileName, result.onnx ?? new Uint8Array());
      setStatus({ tone: 'ok', text: format === 'sql' ? `Exported the score as ${dialect} SQL (${result.fileName}).` : `Exported the model as ONNX (${result.fileName}).` });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not export the model: ${describeError(err)}` });
    } finally {
      setBusy(null);
    }
  };

  const importFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setBusy('import');
    setStatus(null);
    try {
      const summary = await engine.run('model.import', { json: await file.text(), name: file.name.replace(/\.json$/i, '') });
      setCurrent({ summary, outcome: null });
      setHistory(null);
      setScore((s) => ({ ...s, output: scoreTableName(summary.name) }));
      setStatus({ tone: 'ok', text: `Imported “${summary.name}”: ${summary.kind && summary.kind !== 'gbdt' ? summary.kind : `${summary.trees} trees`}, ${summary.features.length} features.` });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not import ${file.name}: ${describeError(err)}` });
    } finally {
      setBusy(null);
    }
  };

  /** Opens a saved model: the engine still has it (same session) or it is imported from its JSON again. */
  const openSaved = async (name: string): Promise<void> => {
    const saved = workspaceRef.current.models.find((m) => m.name === name);
    if (!saved) return;
    setBusy('open');
    setStatus(null);
    try {
      const loaded = await engine.run('model.list', {});
      let summary = saved.modelId ? loaded.find((m) => m.modelId === saved.modelId) : undefined;
      if (!summary) {
        summary = await engine.run('model.import', { json: saved.json, name: saved.name });
        const modelId = summary.modelId;
        updateWorkspace((state) => setSavedModelId(state, name, modelId));
      }
      setCurrent({ summary, outcome: null });
      setHistory(null);
      setScore((s) => ({ ...s, output: scoreTableName(summary.name) }));
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not open the saved model “${name}”: ${describeError(err)}` });
    } finally {
      setBusy(null);
    }
  };

  const scoreTable = async (): Promise<void> => {
    if (!current) return;
    const table = score.table || defaultTable(tables, selectedTable);
    setBusy('score');
    setStatus(null);
    try {
      const params = { modelId: current.summary.modelId, source: { table }, outputTable: score.output.trim(), withShap: score.withShap };
      const info = await trackScoring('Scoring', (options) => engine.start('model.predict', params, options));
      onCatalogChanged();
      setStatus({ tone: 'ok', text: `Scored ${formatCount(info.rowCount)} rows of ${table} into the table ${info.name}.` });
    } catch (err) {
      setStatus({ tone: 'error', text: isCancelled(err) ? `Scoring ${table} was cancelled; no table was written.` : `Could not score ${table}: ${describeError(err)}` });
    } finally {
      setBusy(null);
    }
  };

  const saved = props.workspace.models;

  return (
    <div className="models-view side-view">
      <aside className="models-setup side-panel" aria-label="Model setup">
        <h2>Train a model</h2>
        <TrainingForm
          tables={tables}
          selectedTable={selectedTable}
          form={form}
          update={update}
          onChooseTable={(table) => {
            tableChosen.current = true;
            update({ source: { kind: 'table', table }, target: '', features: null, positive: '' });
          }}
          columns={columns}
          positiveChoices={positiveChoices}
          readingColumns={readingColumns}
          onReadColumns={() => void readQueryColumns()}
          training={training}
          onTrain={() => void train()}
        />
        <SavedModels
          saved={saved}
          busy={busy !== null}
          onOpen={(name) => void openSaved(name)}
          onDelete={(name) => updateWorkspace((state) => removeSavedModel(state, name))}
          onImport={(event) => void importFile(event)}
        />
      </aside>

      <div className="models-main">
        {error && <ErrorPanel message={error} testId="model-error" />}
        {status && <StatusLine status={status} onDismiss={() => setStatus(null)} testId="model-status" />}

        <LearningCurveCard step={stepWord(history ? history.outcome.model.kind : form.kind)} training={training !== null} live={live} history={history} onMetric={(metric) => history && setHistory({ ...history, metric })} visible={visible} />

        {!current && !training && (
          <div className="empty-state">
            <h2>No model yet</h2>
            <p className="muted">Choose a table and the column to predict, then press Train. Metrics, curves and SHAP explanations appear here.</p>
          </div>
        )}

        {current && (
          // While a new model trains, the last one's results stay visible but greyed and labelled, so
          // nobody reads them as the new model's.
          <div className={training ? 'models-previous' : undefined} aria-busy={training ? true : undefined} data-testid={training ? 'model-previous' : undefined}>
            {training && (
              <p className="models-previous-note" role="status" data-testid="model-previous-note">
                Results of the previous model “{current.summary.name}”; a new model is training and replaces them when it finishes.
              </p>
            )}
            <ModelActions
              busy={busy}
              onSave={() => void saveToWorkspace()}
              kind={current.summary.kind}
              onExport={() => void exportJson()}
              onExportSql={(dialect) => void exportCtr('sql', dialect)}
              onExportOnnx={() => void exportCtr('onnx')}
              tables={tables}
              score={score}
              scoreTable={score.table || defaultTable(tables, selectedTable)}
              onScoreForm={setScore}
              onScore={() => void scoreTable()}
              scoring={scoring}
            />
            <CompareModels runs={runs} current={current.outcome} visible={visible} />
            <ModelResults key={current.summary.modelId} engine={engine} summary={current.summary} outcome={current.outcome} tables={tables} visible={visible} />
          </div>
        )}
      </div>
    </div>
  );
}
