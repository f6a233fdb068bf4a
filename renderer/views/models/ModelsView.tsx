import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type JSX } from 'react';
import { tableFromIPC } from 'apache-arrow';
import type { ColumnInfo, ModelSummary, TableInfo, TrainOutcome } from '../../../workers/api';
import { ErrorPanel, RunControls, StatusLine, type StatusMessage } from '../../components/Feedback';
import { ColumnOptions, TableOptions } from '../../components/PickerOptions';
import { describeError, describeJobFailure } from '../../errors';
import { formatCount } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { defaultTable, saveText, type SaveBytes, type WorkspaceViewProps } from '../view-props';
import {
  AUTO_PARAMS,
  BACKEND_CHOICES,
  PARAM_FIELDS,
  addLivePoint,
  asModelSummary,
  curvesFromHistory,
  curvesFromLive,
  defaultFeatures,
  historyMetrics,
  initialParamText,
  isTextType,
  isTimeType,
  parseRoundPhase,
  scoreTableName,
  trainParamsFromForm,
  type HistogramBackendChoice,
  type ObjectiveChoice,
  type RoundPoint,
  type SetupForm,
} from './model-data';
import { learningCurveFigure } from './model-figures';
import { ModelResults } from './ModelResults';
import { PlotlyChart } from './PlotlyChart';
import { removeSavedModel, setSavedModelId, upsertSavedModel, type ModelsWorkspaceState } from './types';
// The list, error and status-line styles are shared with the SQL view.
import '../sql/sql-view.css';
import './models-view.css';

export type { ModelsWorkspaceState } from './types';
export { emptyModelsWorkspace, modelsWorkspaceStateSchema } from './types';

export interface ModelsViewProps extends WorkspaceViewProps<ModelsWorkspaceState> {
  onCatalogChanged(): void;
  saveBytes: SaveBytes;
}

/** The learning curve while a model trains, from the rounds its progress reports. */
interface LiveCurve {
  points: RoundPoint[];
  totalRounds: number | null;
}

/** The model on screen: just trained (with its outcome), or opened from the workspace / a file. */
interface CurrentModel {
  summary: ModelSummary;
  outcome: TrainOutcome | null;
}

const OBJECTIVES: Array<{ value: ObjectiveChoice; label: string }> = [
  { value: 'auto', label: 'auto (from the target)' },
  { value: 'binary:logistic', label: 'binary:logistic' },
  { value: 'reg:squarederror', label: 'reg:squarederror' },
  { value: 'multi:softprob', label: 'multi:softprob' },
];


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
  };
}

/** Models: set up and train an XGBoost-style GBDT, watch it learn, read its metrics and SHAP, save, export and score. */
export function ModelsView(props: ModelsViewProps): JSX.Element {
  const { engine, tables, onCatalogChanged, saveBytes, visible = true, selectedTable } = props;
  const [form, setForm] = useState<SetupForm>(() => initialForm(tables, selectedTable));
  // Until the user picks a table here, the source follows the catalog's selection.
  const tableChosen = useRef(false);
  const [queryColumns, setQueryColumns] = useState<{ sql: string; columns: ColumnInfo[] } | null>(null);
  const [readingColumns, setReadingColumns] = useState(false);
  const [targetValues, setTargetValues] = useState<{ key: string; values: string[] } | null>(null);
  const { job: training, track } = useEngineJob();
  const [live, setLive] = useState<LiveCurve>({ points: [], totalRounds: null });
  const [history, setHistory] = useState<{ outcome: TrainOutcome; metric: string } | null>(null);
  const [current, setCurrent] = useState<CurrentModel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<StatusMessage | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [score, setScore] = useState<{ table: string; output: string; withShap: boolean }>({ table: '', output: '', withShap: false });
  const importInput = useRef<HTMLInputElement>(null);
  const liveMetricRef = useRef<string | null>(null);

  // Workspace edits land on the latest state, not a stale copy (jobs finish after other edits).
  const workspaceRef = useRef(props.workspace);
  workspaceRef.current = props.workspace;
  const onWorkspaceChangeRef = useRef(props.onWorkspaceChange);
  onWorkspaceChangeRef.current = props.onWorkspaceChange;
  const updateWorkspace = useCallback((change: (state: ModelsWorkspaceState) => ModelsWorkspaceState) => {
    const next = change(workspaceRef.current);
    workspaceRef.current = next;
    onWorkspaceChangeRef.current(next);
  }, []);

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

  const columns: ColumnInfo[] = useMemo(() => {
    if (form.source.kind === 'table') {
      const name = form.source.table;
      return tables.find((t) => t.name === name)?.columns ?? [];
    }
    return queryColumns && queryColumns.sql === form.source.sql ? queryColumns.columns : [];
  }, [form.source, tables, queryColumns]);
  const columnsKnown = columns.length > 0;
  const candidates = useMemo(() => defaultFeatures(columns, form.target), [columns, form.target]);
  const ticked = useMemo(() => new Set(form.features ?? candidates), [form.features, candidates]);
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
  const toggleFeature = (name: string): void => {
    const next = new Set(ticked);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    // Every column ticked = let the engine choose, so it can drop constant and id-like columns with a warning.
    update({ features: next.size === candidates.length ? null : candidates.filter((c) => next.has(c)) });
  };

  const train = async (): Promise<void> => {
    if (training) return;
    setError(null);
    setStatus(null);
    const built = trainParamsFromForm({ ...form, features: form.features && columnsKnown ? form.features : null });
    if (!built.ok) {
      setError(built.problems.join(' '));
      return;
    }
    const rounds = Number(form.params.num_boost_round) || 100;
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
      // Scoring starts from the table the model was trained on.
      const trainedOn = 'table' in built.params.source ? built.params.source.table : '';
      setScore((s) => ({ ...s, table: trainedOn || s.table, output: scoreTableName(outcome.model.name) }));
    } catch (err) {
      setError(describeJobFailure('Training', err));
    }
  };

  const curveFigure = useMemo(() => {
    if (training) return learningCurveFigure(curvesFromLive(live.points), live.totalRounds);
    if (history) {
      const best = history.outcome.model.bestIteration;
      return learningCurveFigure(curvesFromHistory(history.outcome.history, history.metric), null, best !== null ? best + 1 : null);
    }
    return null;
  }, [training, live, history]);

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
      setStatus({ tone: 'ok', text: `Exported the model as XGBoost JSON (${fileName}).` });
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
      setStatus({ tone: 'ok', text: `Imported “${summary.name}”: ${summary.trees} trees, ${summary.features.length} features.` });
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
      const info = await engine.run('model.predict', { modelId: current.summary.modelId, source: { table }, outputTable: score.output.trim(), withShap: score.withShap });
      onCatalogChanged();
      setStatus({ tone: 'ok', text: `Scored ${formatCount(info.rowCount)} rows of ${table} into the table ${info.name}.` });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not score ${table}: ${describeError(err)}` });
    } finally {
      setBusy(null);
    }
  };

  const saved = props.workspace.models;
  const metrics = history ? historyMetrics(history.outcome.history) : [];

  return (
    <div className="models-view side-view">
      <aside className="models-setup side-panel" aria-label="Model setup">
        <h2>Train a model</h2>
        <fieldset className="form-group">
          <legend>Data</legend>
          <div className="models-radio" role="radiogroup" aria-label="Source">
            <label>
              <input type="radio" name="models-source" checked={form.source.kind === 'table'} onChange={() => update({ source: { kind: 'table', table: defaultTable(tables, selectedTable) }, target: '', features: null, positive: '' })} /> Table
            </label>
            <label>
              <input type="radio" name="models-source" checked={form.source.kind === 'sql'} onChange={() => update({ source: { kind: 'sql', sql: '' }, target: '', features: null, positive: '' })} /> SQL query
            </label>
          </div>
          {form.source.kind === 'table' ? (
            <select aria-label="Table" value={form.source.table} onChange={(event) => {
                tableChosen.current = true;
                update({ source: { kind: 'table', table: event.target.value }, target: '', features: null, positive: '' });
              }} data-testid="model-source-table">
              <TableOptions tables={tables} rowCounts emptyHint />
            </select>
          ) : (
            <>
              <textarea aria-label="Training query" rows={4} placeholder="SELECT … FROM …" value={form.source.sql} onChange={(event) => update({ source: { kind: 'sql', sql: event.target.value } })} data-testid="model-source-sql" />
              <button type="button" className="btn btn-small" disabled={readingColumns || !form.source.sql.trim()} onClick={() => void readQueryColumns()}>
                {readingColumns ? 'Reading…' : 'Read columns'}
              </button>
            </>
          )}
        </fieldset>

        <fieldset className="form-group">
          <legend>Target</legend>
          <select aria-label="Target column" value={form.target} onChange={(event) => update({ target: event.target.value, features: null, positive: '' })} data-testid="model-target" disabled={!columnsKnown}>
            <option value="">{columnsKnown ? 'Choose the column to predict…' : form.source.kind === 'sql' ? 'Read the query’s columns first' : 'No columns'}</option>
            <ColumnOptions columns={columns} />
          </select>
          {positiveChoices && (
            <label className="models-inline">
              Positive value{' '}
              <select value={form.positive} onChange={(event) => update({ positive: event.target.value })} data-testid="model-positive">
                <option value="">(recognise yes/no, true/false, 1/0)</option>
                {positiveChoices.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label className="models-inline">
            Objective{' '}
            <select value={form.objective} onChange={(event) => update({ objective: event.target.value as ObjectiveChoice })} data-testid="model-objective">
              {OBJECTIVES.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        </fieldset>

        {columnsKnown && form.target && (
          <fieldset className="form-group">
            <legend>
              Features ({ticked.size} of {candidates.length})
            </legend>
            <div className="models-feature-actions">
              <button type="button" className="btn btn-small" onClick={() => update({ features: null })}>
                All
              </button>
              <button type="button" className="btn btn-small" onClick={() => update({ features: [] })}>
                None
              </button>
            </div>
            <ul className="models-features" data-testid="model-features">
              {candidates.map((name) => {
                const type = columns.find((c) => c.name === name)?.type ?? '';
                return (
                  <li key={name}>
                    <label>
                      <input type="checkbox" checked={ticked.has(name)} onChange={() => toggleFeature(name)} /> <span className="models-feature-name">{name}</span>
                      <span className="type-badge">{type}</span>
                    </label>
                  </li>
                );
              })}
            </ul>
          </fieldset>
        )}

        <fieldset className="form-group">
          <legend>Parameters (XGBoost names)</legend>
          <div className="models-params">
            {PARAM_FIELDS.map((field) => (
              <label key={field.name} title={`${field.hint}; XGBoost's default is ${field.fallback}${AUTO_PARAMS[field.name] ? `; empty = ${AUTO_PARAMS[field.name]}` : ''}`}>
                <span>{field.name}</span>
                <input
                  type="text"
                  inputMode="decimal"
                  value={form.params[field.name] ?? ''}
                  placeholder={AUTO_PARAMS[field.name] !== undefined ? 'auto' : String(field.fallback)}
                  onChange={(event) => update({ params: { ...form.params, [field.name]: event.target.value } })}
                  data-testid={`model-param-${field.name}`}
                />
                <small className="muted">{AUTO_PARAMS[field.name] ?? `default ${field.fallback}`}</small>
              </label>
            ))}
          </div>
          <button type="button" className="btn btn-small" onClick={() => update({ params: initialParamText() })}>
            Reset to defaults
          </button>
        </fieldset>

        <fieldset className="form-group">
          <legend>Validation split</legend>
          <select aria-label="Split" value={form.split.kind} onChange={(event) => update({ split: { ...form.split, kind: event.target.value as SetupForm['split']['kind'] } })} data-testid="model-split">
            <option value="stratified">stratified (keeps the class balance)</option>
            <option value="random">random</option>
            <option value="time">by time (latest rows held out)</option>
          </select>
          <label className="models-inline">
            Validation share{' '}
            <input type="text" inputMode="decimal" size={5} value={form.split.validFraction} onChange={(event) => update({ split: { ...form.split, validFraction: event.target.value } })} data-testid="model-valid-share" />
          </label>
          {form.split.kind === 'time' && (
            <select aria-label="Time column" value={form.split.timeColumn} onChange={(event) => update({ split: { ...form.split, timeColumn: event.target.value } })}>
              <option value="">Choose the time column…</option>
              <ColumnOptions columns={columns.filter((c) => isTimeType(c.type))} />
            </select>
          )}
        </fieldset>

        <fieldset className="form-group">
          <legend>Histogram backend</legend>
          <select aria-label="Histogram backend" value={form.backend ?? 'auto'} onChange={(event) => update({ backend: event.target.value as HistogramBackendChoice })} data-testid="model-backend">
            {BACKEND_CHOICES.map((choice) => (
              <option key={choice.value} value={choice.value} title={choice.hint}>
                {choice.label}
              </option>
            ))}
          </select>
          <small className="muted">{BACKEND_CHOICES.find((c) => c.value === (form.backend ?? 'auto'))?.hint}. The trained model shows which backend ran and why.</small>
        </fieldset>

        <label className="models-inline">
          Name <input type="text" placeholder={form.target ? `${form.target} model` : 'model name'} value={form.name} onChange={(event) => update({ name: event.target.value })} data-testid="model-name" />
        </label>

        <RunControls job={training} onRun={() => void train()} disabled={!form.target} testIdPrefix="model" runTestId="model-train">
          ▶ Train
        </RunControls>

        <section className="models-saved" aria-label="Saved models">
          <h3>Saved in this workspace ({saved.length})</h3>
          {saved.length === 0 && <p className="muted small">Save a model to keep it in the workspace file (as XGBoost JSON).</p>}
          <ul className="sql-list" data-testid="model-saved">
            {saved.map((m) => {
              const summary = asModelSummary(m.summary);
              return (
                <li key={m.name} className="sql-list-row">
                  <button type="button" className="sql-list-item" onClick={() => void openSaved(m.name)} disabled={busy !== null}>
                    <span className="sql-list-main">{m.name}</span>
                    <span className="sql-list-meta">{summary ? `${summary.objective} · ${summary.trees} trees · ${summary.features.length} features` : 'XGBoost JSON'}</span>
                  </button>
                  <button type="button" className="btn-icon" aria-label={`Delete saved model ${m.name}`} title="Delete" onClick={() => updateWorkspace((state) => removeSavedModel(state, m.name))}>
                    ×
                  </button>
                </li>
              );
            })}
          </ul>
          <button type="button" className="btn btn-small" onClick={() => importInput.current?.click()} disabled={busy !== null} data-testid="model-import">
            Import XGBoost JSON…
          </button>
          <input ref={importInput} type="file" accept=".json,application/json" hidden onChange={(event) => void importFile(event)} data-testid="model-import-input" />
        </section>
      </aside>

      <div className="models-main">
        {error && <ErrorPanel message={error} testId="model-error" />}
        {status && <StatusLine status={status} onDismiss={() => setStatus(null)} testId="model-status" />}

        {curveFigure && (
          <section className="models-card">
            <header className="models-card-head">
              <h3>Learning curve</h3>
              {history && metrics.length > 1 && (
                <label className="models-inline small">
                  Metric{' '}
                  <select value={history.metric} onChange={(event) => setHistory({ ...history, metric: event.target.value })} data-testid="model-curve-metric">
                    {metrics.map((m) => (
                      <option key={m} value={m}>
                        {m}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              {training && <span className="muted small">{live.points.length === 0 ? 'waiting for the first round…' : `round ${live.points[live.points.length - 1]?.round ?? 0}`}</span>}
            </header>
            <PlotlyChart figure={curveFigure} label="Learning curve: eval metric per round" testId="model-learning-curve" height={260} visible={visible} />
          </section>
        )}

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
            <div className="models-actions" role="toolbar" aria-label="Model actions">
              <button type="button" className="btn" onClick={() => void saveToWorkspace()} disabled={busy !== null} data-testid="model-save">
                {busy === 'save' ? 'Saving…' : 'Save in workspace'}
              </button>
              <button type="button" className="btn" onClick={() => void exportJson()} disabled={busy !== null} data-testid="model-export">
                {busy === 'export' ? 'Exporting…' : 'Export XGBoost JSON'}
              </button>
              <span className="sql-toolbar-spacer" />
              <label className="models-inline">
                Score{' '}
                <select aria-label="Table to score" value={score.table || defaultTable(tables, selectedTable)} onChange={(event) => setScore({ ...score, table: event.target.value })} data-testid="model-score-table">
                  <TableOptions tables={tables} />
                </select>
              </label>
              <label className="models-inline">
                into <input type="text" aria-label="Output table" value={score.output} onChange={(event) => setScore({ ...score, output: event.target.value })} data-testid="model-score-output" />
              </label>
              <label className="models-inline small">
                <input type="checkbox" checked={score.withShap} onChange={(event) => setScore({ ...score, withShap: event.target.checked })} /> with SHAP columns
              </label>
              <button type="button" className="btn btn-primary" onClick={() => void scoreTable()} disabled={busy !== null || !score.output.trim() || tables.length === 0} data-testid="model-score">
                {busy === 'score' ? 'Scoring…' : 'Score'}
              </button>
            </div>
            <ModelResults key={current.summary.modelId} engine={engine} summary={current.summary} outcome={current.outcome} tables={tables} visible={visible} />
          </div>
        )}
      </div>
    </div>
  );
}
