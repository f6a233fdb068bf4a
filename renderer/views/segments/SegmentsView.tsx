import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type JSX } from 'react';
import type {
  AllEngineJobs,
  ClusterExport,
  ClusterResult,
  ClusterSweepResult,
  ColumnInfo,
  EngineJobKind,
  FeatureBuildResult,
  FeatureSqlResult,
  PortraitResult,
  Tag,
} from '../../../workers/api';
import { withEntityTable } from '../../../workers/api';
import { ErrorPanel, ProgressLine, StatusLine, type StatusMessage } from '../../components/Feedback';
import { ColumnOptions, TableOptions } from '../../components/PickerOptions';
import { describeError, describeJobFailure } from '../../errors';
import { formatCount, formatMs } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { defaultTable, type WorkspaceViewProps } from '../view-props';
import { PlotlyChart } from '../models/PlotlyChart';
import { SqlEditor, type SqlEditorHandle } from '../sql/SqlEditor';
import { PortraitCards } from './PortraitCards';
import { tableFromIPC } from 'apache-arrow';
import {
  asOfDefaultSql,
  buildBlocker,
  clusterableColumns,
  defaultClusterFeatures,
  featureOutputName,
  featureParamsFromForm,
  guessFeatureForm,
  namesFromCards,
  portraitFeatures,
  recordFromRun,
  runParamsFromForm,
  saveSegmentsSql,
  sweepParamsFromForm,
  tableNameFrom,
  waitUntilDone,
} from './segment-data';
import { cspAllowsWebglTraces, elbowFigure, profileFigure, projectionFigure, silhouetteFigure, sizesFigure } from './segment-figures';
import {
  FEATURE_TEMPLATE_CHOICES,
  emptyFeatureForm,
  removeSegmentation,
  renameSegment,
  upsertSegmentation,
  type ClusterFormState,
  type FeatureFormState,
  type FeatureTemplateChoice,
  type SegmentationRecord,
  type SegmentsWorkspaceState,
} from './types';
// Lists, errors and status lines come from the SQL view; form and card styles from the Models view.
import '../sql/sql-view.css';
import '../models/models-view.css';
import './segments-view.css';

export type { SegmentsWorkspaceState } from './types';
export { emptySegmentsWorkspace, segmentsWorkspaceStateSchema } from './types';

export interface SegmentsViewProps extends WorkspaceViewProps<SegmentsWorkspaceState> {
  onCatalogChanged(): void;
  /** Adds segment tags (from cluster.tags) to the Tags tab's tag set; returns a sentence saying what changed. */
  onSegmentTags?(tags: Tag[]): string;
}

type ViewJob = 'generate' | 'build' | 'sweep' | 'run' | 'portrait';


const TEMPLATE_LABELS: Record<FeatureTemplateChoice, string> = {
  rfm: 'RFM (recency, frequency, monetary, AOV, activity)',
  funnel: 'Funnel (view → cart → purchase counts and rates)',
  category_shares: 'Category shares',
  time_shares: 'Hour-of-day and weekday shares',
  all: 'All of the above',
};

const BACKEND_HINTS: Record<ClusterFormState['backend'], string> = {
  auto: 'auto: WebGPU on a real GPU adapter, otherwise the CPU (WebAssembly) kernel',
  webgpu: 'WebGPU: assignment and update kernels in WGSL (any adapter, software ones too)',
  cpu: 'CPU: the WebAssembly kernel',
};

const JOB_VERBS: Record<ViewJob, string> = {
  generate: 'Generating the SQL',
  build: 'Building the feature table',
  sweep: 'Sweeping k',
  run: 'Clustering',
  portrait: 'Drawing the portraits',
};

/**
 * Plotly's WebGL traces need a WebGL context and a policy that allows code generation; Assay's
 * CSP does not (no 'unsafe-eval'), so the projection is drawn in SVG there.
 */
let webglUsable: boolean | null = null;
/**
 * Rows of the 2D projection the engine sends (a seeded sample): each is an SVG element, and 5,000
 * of them took 0.3–0.5 s of one task to draw in the app (2,000: 0.16–0.24 s, 1,200: 0.18–0.27 s at
 * times on a busy 2-core machine). 1,000 still show the shape of the segments.
 */
const PROJECTION_POINTS = 1_000;
function canUseWebglTraces(): boolean {
  if (webglUsable === null) {
    const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content');
    try {
      const canvas = document.createElement('canvas');
      webglUsable = cspAllowsWebglTraces(csp) && canvas.getContext('webgl') !== null;
    } catch {
      webglUsable = false;
    }
  }
  return webglUsable;
}

function ColumnSelect(props: { label: string; value: string; columns: readonly ColumnInfo[]; optional?: boolean; onChange(value: string): void; testId: string }): JSX.Element {
  const known = props.columns.some((c) => c.name === props.value);
  return (
    <label className="seg-field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(event) => props.onChange(event.target.value)} data-testid={props.testId}>
        <option value="">{props.optional ? '(none)' : 'Choose…'}</option>
        {!known && props.value && <option value={props.value}>{props.value} (not in the table)</option>}
        <ColumnOptions columns={props.columns} />
      </select>
    </label>
  );
}

/** Segments: build entity features with SQL templates, cluster them with k-means, read and name the portraits, save. */
export function SegmentsView(props: SegmentsViewProps): JSX.Element {
  const { engine, tables, onCatalogChanged, visible = true, selectedTable } = props;
  const { job, track } = useEngineJob<ViewJob>();
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<StatusMessage | null>(null);
  const [generated, setGenerated] = useState<FeatureSqlResult | null>(null);
  const [built, setBuilt] = useState<FeatureBuildResult | null>(null);
  const [replaceOutput, setReplaceOutput] = useState(false);
  const [sweep, setSweep] = useState<ClusterSweepResult | null>(null);
  const [run, setRun] = useState<{ result: ClusterResult; table: string } | null>(null);
  const [portrait, setPortrait] = useState<PortraitResult | null>(null);
  const [save, setSave] = useState<{ name: string; table: string }>({ name: '', table: '' });
  const editor = useRef<SqlEditorHandle>(null);

  // Workspace edits land on the latest state, not a stale copy (jobs finish after other edits).
  const workspaceRef = useRef(props.workspace);
  workspaceRef.current = props.workspace;
  const onWorkspaceChangeRef = useRef(props.onWorkspaceChange);
  onWorkspaceChangeRef.current = props.onWorkspaceChange;
  const updateWorkspace = useCallback((change: (state: SegmentsWorkspaceState) => SegmentsWorkspaceState) => {
    const next = change(workspaceRef.current);
    workspaceRef.current = next;
    onWorkspaceChangeRef.current(next);
  }, []);

  const { features, cluster } = props.workspace;
  const form = features.form;
  const columnsOf = useCallback(
    (table: string): ColumnInfo[] => tables.find((t) => t.name === table)?.columns ?? (built && built.name === table ? built.columns : []),
    [tables, built],
  );
  const formColumns = useMemo(() => columnsOf(form.table), [columnsOf, form.table]);
  const clusterColumns = useMemo(() => columnsOf(cluster.table), [columnsOf, cluster.table]);
  const candidates = useMemo(() => clusterableColumns(clusterColumns), [clusterColumns]);

  const setForm = (change: Partial<FeatureFormState>): void => updateWorkspace((s) => ({ ...s, features: { ...s.features, form: { ...s.features.form, ...change } } }));
  const setCluster = (change: Partial<ClusterFormState>): void => updateWorkspace((s) => ({ ...s, cluster: { ...s.cluster, ...change } }));

  const chooseFeatureTable = useCallback(
    (table: string) => {
      updateWorkspace((s) => {
        const fresh = guessFeatureForm({ ...emptyFeatureForm(table), template: s.features.form.template, asOf: s.features.form.asOf }, tables.find((t) => t.name === table)?.columns ?? []);
        return { ...s, features: { ...s.features, form: fresh, outputTable: featureOutputName(table, fresh.template) } };
      });
    },
    [tables, updateWorkspace],
  );

  const chooseClusterTable = useCallback(
    (table: string, columns?: readonly ColumnInfo[], key?: string) => {
      const cols = columns ?? tables.find((t) => t.name === table)?.columns ?? [];
      updateWorkspace((s) => ({ ...s, cluster: { ...s.cluster, table, features: defaultClusterFeatures(cols, key), outputTable: tableNameFrom(table, 'segments') } }));
    },
    [tables, updateWorkspace],
  );

  // Tables the view picked by itself (null once the user, a build or a workspace chose one): those
  // follow the catalog's selection; a chosen one stays.
  const autoFeatureTable = useRef<string | null>(null);
  const autoClusterTable = useRef<string | null>(null);
  useEffect(() => {
    const fallback = defaultTable(tables, selectedTable);
    if (!fallback) return;
    const { features: current, cluster: currentCluster } = workspaceRef.current;
    const follows = (table: string, auto: string | null): boolean => !table || (table === auto && table !== fallback);
    if (follows(current.form.table, autoFeatureTable.current)) {
      autoFeatureTable.current = fallback;
      chooseFeatureTable(fallback);
    }
    if (follows(currentCluster.table, autoClusterTable.current)) {
      autoClusterTable.current = fallback;
      chooseClusterTable(fallback);
    }
  }, [tables, selectedTable, chooseFeatureTable, chooseClusterTable]);

  // The as-of date defaults to the day after the latest time in the chosen column (an engine query),
  // shown as a value the user can change; a date the user wrote is kept.
  const autoAsOf = useRef<string | null>(null);
  const timeColumn = formColumns.find((c) => c.name === form.time);
  const asOfQuery = form.table && timeColumn ? asOfDefaultSql(form.table, timeColumn, form.timeUnit) : null;
  useEffect(() => {
    if (!asOfQuery) return;
    const asOf = workspaceRef.current.features.form.asOf;
    if (asOf.trim() && asOf !== autoAsOf.current) return;
    const controller = new AbortController();
    engine
      .run('sql.run', { sql: asOfQuery, preview: 1 }, { signal: controller.signal })
      .then((result) => {
        if (result.resultId !== null) void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
        const value = tableFromIPC(result.preview).getChild('as_of')?.get(0) as string | null | undefined;
        const latest = workspaceRef.current.features.form.asOf;
        // The user may have typed a date while the query ran: theirs wins.
        if (controller.signal.aborted || !value || (latest.trim() && latest !== autoAsOf.current)) return;
        autoAsOf.current = value;
        updateWorkspace((s) => ({ ...s, features: { ...s.features, form: { ...s.features.form, asOf: value } } }));
      })
      // No default (a time column with no readable times): the field stays empty and says it is needed.
      .catch(() => undefined);
    return () => controller.abort();
  }, [engine, asOfQuery, updateWorkspace]);

  // The editor follows the SQL when it changes from outside (generated, or another workspace opened).
  useEffect(() => {
    const handle = editor.current;
    if (handle && handle.getText() !== features.sql) handle.setText(features.sql);
  }, [features.sql]);

  /** Starts an engine job with progress in this view (and in the Jobs panel); clears it when done. */
  const startJob = <K extends EngineJobKind>(viewJob: ViewJob, kind: K, params: AllEngineJobs[K]['params']): Promise<AllEngineJobs[K]['result']> =>
    track(viewJob, (options) => engine.start(kind, params, options));

  const fail = (what: string, err: unknown): void => setError(describeJobFailure(what, err));

  const generate = async (): Promise<void> => {
    if (job) return;
    setError(null);
    setStatus(null);
    const built = featureParamsFromForm(workspaceRef.current.features.form);
    if (!built.ok) {
      setError(built.problems.join(' '));
      return;
    }
    try {
      const result = await startJob('generate', 'features.generate', built.params);
      setGenerated(result);
      updateWorkspace((s) => ({ ...s, features: { ...s.features, sql: result.sql, outputTable: s.features.outputTable.trim() || featureOutputName(s.features.form.table, s.features.form.template) } }));
    } catch (err) {
      fail('Generating the SQL', err);
    }
  };

  const build = async (): Promise<void> => {
    if (job) return;
    setError(null);
    setStatus(null);
    const { sql, outputTable } = workspaceRef.current.features;
    if (!sql.trim()) {
      setError('Generate the SQL first (or write it).');
      return;
    }
    try {
      const result = await startJob('build', 'features.build', { sql, outputTable: outputTable.trim(), replace: replaceOutput });
      setBuilt(result);
      onCatalogChanged();
      const key = result.columns[0]?.name;
      autoClusterTable.current = null;
      chooseClusterTable(result.name, result.columns, key);
      const extra = result.warnings.length > 0 ? ` ${result.warnings.join(' ')}` : '';
      setStatus({ tone: 'ok', text: `Built ${result.name}: ${formatCount(result.rowCount)} rows × ${result.columns.length} columns in ${formatMs(result.elapsedMs)}. It is now the table to cluster.${extra}` });
    } catch (err) {
      fail('Building the feature table', err);
    }
  };

  const runSweep = async (): Promise<void> => {
    if (job) return;
    setError(null);
    setStatus(null);
    const params = sweepParamsFromForm(workspaceRef.current.cluster);
    if (!params.ok) {
      setError(params.problems.join(' '));
      return;
    }
    try {
      setSweep(await startJob('sweep', 'cluster.sweep', params.params));
    } catch (err) {
      fail('The k sweep', err);
    }
  };

  const runKmeans = async (): Promise<void> => {
    if (job) return;
    setError(null);
    setStatus(null);
    const state = workspaceRef.current.cluster;
    const params = runParamsFromForm(state);
    if (!params.ok) {
      setError(params.problems.join(' '));
      return;
    }
    let result: ClusterResult;
    try {
      result = await startJob('run', 'cluster.run', { projectionSample: PROJECTION_POINTS, ...params.params });
    } catch (err) {
      fail('Clustering', err);
      return;
    }
    onCatalogChanged();
    setRun({ result, table: state.table });
    setPortrait(null);
    const output = result.outputTable;
    setSave({ name: result.cluster.name, table: output?.name ?? '' });
    updateWorkspace((s) => ({ ...s, current: recordFromRun(result, state.table, namesFromCards([], result.cluster.k)) }));
    if (!output) return;
    try {
      const cards = await startJob('portrait', 'segments.portrait', {
        table: output.name,
        segmentColumn: 'segment',
        features: portraitFeatures(result.cluster.columns, output.columns),
        seed: Number(state.seed) || 0,
      });
      setPortrait(cards);
      const names = namesFromCards(cards.cards, result.cluster.k);
      updateWorkspace((s) => (s.current && s.current.clusterId === result.cluster.clusterId ? { ...s, current: { ...s.current, segmentNames: names } } : s));
    } catch (err) {
      fail('The portrait cards', err);
    }
  };

  const currentRecord = props.workspace.current;
  const names = useMemo(
    () => (run && currentRecord && currentRecord.clusterId === run.result.cluster.clusterId ? currentRecord.segmentNames : run ? namesFromCards([], run.result.cluster.k) : []),
    [run, currentRecord],
  );
  // Typing a name should not redraw thousands of points on every key; names equal in content (a
  // workspace update that copies them) keep the same array, so the charts are not drawn again.
  // A new run (names of another length) is drawn with its own names at once: only typing is deferred,
  // else the projection was drawn twice per run (with the previous run's names, then its own).
  const deferredNames = useDeferredValue(names);
  const namesForCharts = deferredNames.length === names.length ? deferredNames : names;
  const namesKey = namesForCharts.join('\u0000');
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the content of the names on purpose
  const chartNames = useMemo(() => namesForCharts, [namesKey]);

  const rename = (segment: number, name: string): void => {
    if (!run) return;
    updateWorkspace((s) => renameSegment(s, run.result.cluster.clusterId, segment, name));
  };

  const saveSegments = async (): Promise<void> => {
    const record = workspaceRef.current.current;
    if (!run || !record || !record.outputTable) return;
    const target = save.table.trim() || record.outputTable;
    const name = save.name.trim() || run.result.cluster.name;
    setError(null);
    setStatus(null);
    try {
      const sourceColumns = run.result.outputTable?.columns.map((c) => c.name) ?? [];
      const result = await engine.run('sql.run', { sql: saveSegmentsSql(record.outputTable, target, record.segmentNames, sourceColumns), preview: 0 });
      if (result.resultId) void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
      onCatalogChanged();
      updateWorkspace((s) => {
        const latest = s.current && s.current.clusterId === record.clusterId ? s.current : record;
        const savedRecord = { ...latest, name, savedTable: target };
        return upsertSegmentation({ ...s, current: savedRecord }, savedRecord);
      });
      setStatus({
        tone: 'ok',
        text: `Saved ${formatCount(run.result.cluster.rows)} rows with their segment and segment_name into ${target}; the scaler, centroids and names are kept in the workspace as “${name}” (save the workspace to keep them on disk).`,
      });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not save the segments: ${describeError(err)}` });
    }
  };

  /** One segment tag per segment of a kept segmentation, carrying its scaler and centroids. */
  const saveAsTags = async (record: SegmentationRecord, label: string): Promise<void> => {
    const onSegmentTags = props.onSegmentTags;
    if (!onSegmentTags) return;
    setError(null);
    setStatus(null);
    try {
      const segmentation: ClusterExport = { version: 1, name: label, k: record.k, preprocessor: record.preprocessor as ClusterExport['preprocessor'], centroids: record.centroids, sizes: record.sizes };
      const names: Record<number, string> = Object.fromEntries(record.segmentNames.map((n, i) => [i, n]));
      // The tags remember the table they were fitted on (shown where another table lacks their columns).
      const tags = withEntityTable(await engine.run('cluster.tags', { segmentation, names, ref: label }), record.sourceTable);
      setStatus({ tone: 'ok', text: onSegmentTags(tags) });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not make segment tags: ${describeError(err)}` });
    }
  };

  const sweepFigures = useMemo(() => {
    if (!sweep) return null;
    const chosen = Number(cluster.k);
    return { elbow: elbowFigure(sweep.points, Number.isInteger(chosen) ? chosen : null), silhouette: silhouetteFigure(sweep.points, sweep.bestSilhouetteK) };
  }, [sweep, cluster.k]);

  // One memo per chart: the portrait arriving redraws the profile, not the projection's points.
  const projection = useMemo(() => (run ? projectionFigure(run.result.projection, chartNames, { webgl: canUseWebglTraces() }) : null), [run, chartNames]);
  const sizes = useMemo(() => (run ? sizesFigure(run.result.segments.map((s) => s.size), chartNames) : null), [run, chartNames]);
  const profile = useMemo(() => {
    const profileFeatures = portrait?.features ?? [];
    return portrait && profileFeatures.length > 0 ? profileFigure(portrait.cards, profileFeatures, chartNames) : null;
  }, [portrait, chartNames]);
  const resultFigures = projection && sizes ? { projection, sizes, profile } : null;

  const ticked = useMemo(() => new Set(cluster.features ?? candidates.map((c) => c.name)), [cluster.features, candidates]);
  const toggleFeature = (name: string): void => {
    const next = new Set(ticked);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setCluster({ features: candidates.map((c) => c.name).filter((c) => next.has(c)) });
  };

  const jobLine = (which: ViewJob[]): JSX.Element | null =>
    job && which.includes(job.label) ? (
      <div className="models-train-row">
        <button type="button" className="btn btn-danger" onClick={() => job.cancel()} data-testid="segments-cancel">
          Cancel
        </button>
        <ProgressLine fraction={job.fraction} phase={`${JOB_VERBS[job.label]}: ${job.phase}`} testId="segments-progress" />
      </div>
    ) : null;

  const needsEvents = form.template === 'funnel' || form.template === 'all';
  const needsCategory = form.template === 'category_shares' || form.template === 'all';
  const busy = job !== null;
  const buildWhy = buildBlocker({ running: job ? JOB_VERBS[job.label] : null, sql: features.sql, outputTable: features.outputTable, form });
  const clusterWhy = job ? waitUntilDone(JOB_VERBS[job.label]) : !cluster.table ? 'Choose a table to cluster.' : null;
  const result = run?.result ?? null;

  return (
    <div className="models-view side-view segments-view">
      <aside className="models-setup side-panel" aria-label="Segment setup">
        <h2>1. Features per entity</h2>
        <fieldset className="form-group" data-testid="features-form">
          <legend>Feature builder</legend>
          <label className="seg-field">
            <span>Events / orders table</span>
            <select
              value={form.table}
              onChange={(event) => {
                autoFeatureTable.current = null;
                chooseFeatureTable(event.target.value);
              }}
              data-testid="features-table"
            >
              <TableOptions tables={tables} rowCounts emptyHint keep={form.table} />
            </select>
          </label>
          <label className="seg-field">
            <span>Template</span>
            <select
              value={form.template}
              onChange={(event) => {
                const template = event.target.value as FeatureTemplateChoice;
                updateWorkspace((s) => ({ ...s, features: { ...s.features, form: { ...s.features.form, template }, outputTable: featureOutputName(s.features.form.table, template) } }));
              }}
              data-testid="features-template"
            >
              {FEATURE_TEMPLATE_CHOICES.map((t) => (
                <option key={t} value={t}>
                  {TEMPLATE_LABELS[t]}
                </option>
              ))}
            </select>
          </label>
          <ColumnSelect label="Entity key" value={form.key} columns={formColumns} onChange={(key) => setForm({ key })} testId="features-key" />
          <ColumnSelect label="Time" value={form.time} columns={formColumns} onChange={(time) => setForm({ time })} testId="features-time" />
          {form.time && !/^(DATE|TIMESTAMP|VARCHAR)/i.test(formColumns.find((c) => c.name === form.time)?.type ?? 'DATE') && (
            <label className="seg-field">
              <span>Numeric time is</span>
              <select value={form.timeUnit} onChange={(event) => setForm({ timeUnit: event.target.value as FeatureFormState['timeUnit'] })}>
                <option value="">Unix seconds</option>
                <option value="milliseconds">Unix milliseconds</option>
              </select>
            </label>
          )}
          <ColumnSelect label="Order key" value={form.order} columns={formColumns} optional onChange={(order) => setForm({ order })} testId="features-order" />
          <label className="seg-field">
            <span>Value (SQL expression)</span>
            <input type="text" value={form.value} placeholder={'e.g. "Quantity" * "UnitPrice"'} onChange={(event) => setForm({ value: event.target.value })} data-testid="features-value" />
          </label>
          {needsEvents && (
            <>
              <ColumnSelect label="Event type" value={form.eventType} columns={formColumns} optional={form.template === 'all'} onChange={(eventType) => setForm({ eventType })} testId="features-event-type" />
              {form.eventType && (
                <div className="seg-stages" aria-label="Funnel stage values">
                  {(['view', 'cart', 'fav', 'purchase'] as const).map((stage) => (
                    <label key={stage} className="seg-field">
                      <span>{stage}</span>
                      <input
                        type="text"
                        value={form.stages[stage]}
                        placeholder={{ view: 'pv, view', cart: 'cart', fav: 'fav', purchase: 'buy, purchase' }[stage]}
                        onChange={(event) => setForm({ stages: { ...form.stages, [stage]: event.target.value } })}
                        data-testid={`features-stage-${stage}`}
                      />
                    </label>
                  ))}
                </div>
              )}
            </>
          )}
          {needsCategory && (
            <>
              <ColumnSelect label="Category" value={form.category} columns={formColumns} optional={form.template === 'all'} onChange={(category) => setForm({ category })} testId="features-category" />
              <label className="seg-field">
                <span>Top categories</span>
                <input type="text" inputMode="numeric" value={form.topCategories} placeholder="10" onChange={(event) => setForm({ topCategories: event.target.value })} />
              </label>
            </>
          )}
          <ColumnSelect label="Session key" value={form.session} columns={formColumns} optional onChange={(session) => setForm({ session })} testId="features-session" />
          <label className="seg-field">
            <span>As of (YYYY-MM-DD)</span>
            <input type="text" value={form.asOf} placeholder="YYYY-MM-DD" onChange={(event) => setForm({ asOf: event.target.value })} data-testid="features-as-of" />
            {form.asOf && form.asOf === autoAsOf.current && (
              <small className="muted" data-testid="features-as-of-hint">
                the day after the latest {form.time}
              </small>
            )}
          </label>
          <label className="seg-field">
            <span>UTC offset (hours)</span>
            <input type="text" inputMode="decimal" value={form.utcOffsetHours} placeholder="0" onChange={(event) => setForm({ utcOffsetHours: event.target.value })} />
          </label>
          <label className="seg-field seg-field-wide">
            <span>Filter (SQL condition)</span>
            <textarea rows={2} value={form.where} placeholder={'e.g. "CustomerID" IS NOT NULL AND "Quantity" > 0'} onChange={(event) => setForm({ where: event.target.value })} data-testid="features-where" />
          </label>
          <button type="button" className="btn btn-primary" onClick={() => void generate()} disabled={busy || !form.table} data-testid="features-generate">
            Generate SQL
          </button>
          {jobLine(['generate'])}
        </fieldset>

        <h2>2. Segments</h2>
        <fieldset className="form-group" data-testid="cluster-form">
          <legend>k-means</legend>
          <label className="seg-field">
            <span>Table</span>
            <select
              value={cluster.table}
              onChange={(event) => {
                autoClusterTable.current = null;
                chooseClusterTable(event.target.value);
              }}
              data-testid="cluster-table"
            >
              <TableOptions tables={tables} rowCounts emptyHint keep={cluster.table} />
            </select>
          </label>
          <div className="seg-features-head">
            <span className="small">
              Features: {cluster.features === null ? `every numeric column (${candidates.length})` : `${cluster.features.length} of ${candidates.length} numeric`}
            </span>
            <span className="models-feature-actions">
              <button type="button" className="btn btn-small" onClick={() => setCluster({ features: defaultClusterFeatures(clusterColumns, built?.name === cluster.table ? built.columns[0]?.name : undefined) })} title="Numeric columns except keys and ids">
                Default
              </button>
              <button type="button" className="btn btn-small" onClick={() => setCluster({ features: null })} data-testid="cluster-all-numeric" title="Every numeric and boolean column, ids included">
                All numeric
              </button>
              <button type="button" className="btn btn-small" onClick={() => setCluster({ features: [] })}>
                None
              </button>
            </span>
          </div>
          <ul className="models-features" data-testid="cluster-features">
            {candidates.length === 0 && <li className="muted small">No numeric columns.</li>}
            {candidates.map((c) => (
              <li key={c.name}>
                <label>
                  <input type="checkbox" checked={ticked.has(c.name)} onChange={() => toggleFeature(c.name)} /> <span className="models-feature-name">{c.name}</span>
                  <span className="type-badge">{c.type}</span>
                </label>
              </li>
            ))}
          </ul>
          <div className="seg-grid">
            <label className="seg-field">
              <span>Scaling</span>
              <select value={cluster.scaling} onChange={(event) => setCluster({ scaling: event.target.value as ClusterFormState['scaling'] })} data-testid="cluster-scaling">
                <option value="standard">standardise (mean, std)</option>
                <option value="robust">robust (median, IQR)</option>
                <option value="none">none</option>
              </select>
            </label>
            <label className="seg-field">
              <span>log1p</span>
              <select value={cluster.log1p} onChange={(event) => setCluster({ log1p: event.target.value as ClusterFormState['log1p'] })} data-testid="cluster-log1p">
                <option value="auto">skewed columns (auto)</option>
                <option value="none">none</option>
              </select>
            </label>
            <label className="seg-field">
              <span>Missing values</span>
              <select value={cluster.impute} onChange={(event) => setCluster({ impute: event.target.value as ClusterFormState['impute'] })} data-testid="cluster-impute">
                <option value="median">median</option>
                <option value="mean">mean</option>
                <option value="none">none (an error)</option>
              </select>
            </label>
            <label className="seg-field">
              <span>Seed</span>
              <input type="text" inputMode="numeric" value={cluster.seed} onChange={(event) => setCluster({ seed: event.target.value })} data-testid="cluster-seed" />
            </label>
          </div>
          <label className="seg-field">
            <span>Backend</span>
            <select value={cluster.backend} onChange={(event) => setCluster({ backend: event.target.value as ClusterFormState['backend'] })} data-testid="cluster-backend">
              <option value="auto">auto</option>
              <option value="webgpu">WebGPU</option>
              <option value="cpu">CPU (WebAssembly)</option>
            </select>
          </label>
          <small className="muted">{BACKEND_HINTS[cluster.backend]}. Results show the backend used.</small>
          <div className="seg-run-row">
            <label className="seg-field seg-narrow">
              <span>k</span>
              <input type="text" inputMode="numeric" size={3} value={cluster.k} onChange={(event) => setCluster({ k: event.target.value })} data-testid="cluster-k" />
            </label>
            <label className="seg-field">
              <span>Output table</span>
              <input type="text" value={cluster.outputTable} placeholder={tableNameFrom(cluster.table || 'table', 'segments')} onChange={(event) => setCluster({ outputTable: event.target.value })} data-testid="cluster-output" />
            </label>
          </div>
          <button type="button" className="btn btn-primary" onClick={() => void runKmeans()} disabled={clusterWhy !== null} data-testid="cluster-run">
            ▶ Run k-means
          </button>
          {clusterWhy && !job && (
            <span className="small seg-why" data-testid="cluster-run-why">
              {clusterWhy}
            </span>
          )}
          <div className="seg-run-row">
            <label className="seg-field seg-narrow">
              <span>k from</span>
              <input type="text" inputMode="numeric" size={3} value={cluster.kFrom} onChange={(event) => setCluster({ kFrom: event.target.value })} data-testid="cluster-k-from" />
            </label>
            <label className="seg-field seg-narrow">
              <span>to</span>
              <input type="text" inputMode="numeric" size={3} value={cluster.kTo} onChange={(event) => setCluster({ kTo: event.target.value })} data-testid="cluster-k-to" />
            </label>
            <button type="button" className="btn" onClick={() => void runSweep()} disabled={busy || !cluster.table} data-testid="cluster-sweep">
              Sweep k
            </button>
          </div>
          {jobLine(['run', 'sweep', 'portrait'])}
        </fieldset>

        <section className="models-saved" aria-label="Saved segmentations">
          <h3>Saved in this workspace ({props.workspace.saved.length})</h3>
          {props.workspace.saved.length === 0 && <p className="muted small">Save segments to keep their names, scaler and centroids in the workspace file.</p>}
          <ul className="sql-list" data-testid="segments-saved">
            {props.workspace.saved.map((s) => (
              <li key={s.name} className="sql-list-row">
                <div className="sql-list-item seg-saved-item" title={s.segmentNames.map((n, i) => `${i}: ${n}`).join('\n')}>
                  <span className="sql-list-main">{s.name}</span>
                  <span className="sql-list-meta">
                    k = {s.k} · {s.sourceTable}
                    {s.savedTable ? ` → ${s.savedTable}` : ''} · {s.segmentNames.join(', ')}
                  </span>
                </div>
                {props.onSegmentTags && (
                  <button type="button" className="btn-icon" aria-label={`Save ${s.name} as segment tags`} title="Save as segment tags (Tags tab)" onClick={() => void saveAsTags(s, s.name)} data-testid="segments-saved-tags">
                    ⇢
                  </button>
                )}
                <button type="button" className="btn-icon" aria-label={`Delete saved segmentation ${s.name}`} title="Delete" onClick={() => updateWorkspace((state) => removeSegmentation(state, s.name))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        </section>
      </aside>

      <div className="models-main">
        {error && <ErrorPanel message={error} testId="segments-error" />}
        {status && <StatusLine status={status} onDismiss={() => setStatus(null)} testId="segments-status" />}

        <section className="models-card" aria-label="Feature SQL">
          <header className="models-card-head">
            <h3>Feature SQL</h3>
            {generated && (
              <span className="muted small" data-testid="features-columns">
                {generated.columns.length} columns: {generated.columns.join(', ')}
              </span>
            )}
          </header>
          {generated && generated.warnings.length > 0 && (
            <ul className="models-warnings small" data-testid="features-warnings">
              {generated.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          )}
          <div className="seg-editor" data-testid="features-sql">
            <SqlEditor
              ref={editor}
              tables={tables}
              initialText={features.sql}
              onRun={() => void build()}
              onEscape={() => {
                if (!job) return false;
                job.cancel();
                return true;
              }}
              onTextChange={(sql) => updateWorkspace((s) => ({ ...s, features: { ...s.features, sql } }))}
            />
          </div>
          <div className="models-actions seg-build-row">
            <label className="models-inline">
              Output table{' '}
              <input type="text" value={features.outputTable} onChange={(event) => updateWorkspace((s) => ({ ...s, features: { ...s.features, outputTable: event.target.value } }))} data-testid="features-output" />
            </label>
            <label className="models-inline small">
              <input type="checkbox" checked={replaceOutput} onChange={(event) => setReplaceOutput(event.target.checked)} data-testid="features-replace" /> replace if it exists
            </label>
            <button type="button" className="btn btn-primary" onClick={() => void build()} disabled={buildWhy !== null} aria-describedby="features-build-why" data-testid="features-build">
              Build table
            </button>
            {buildWhy ? (
              <span className="small seg-why" id="features-build-why" data-testid="features-build-why">
                {buildWhy}
              </span>
            ) : (
              <span className="muted small">Edit the SQL freely; Ctrl+Enter builds.</span>
            )}
          </div>
          {jobLine(['build'])}
        </section>

        {sweep && sweepFigures && (
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
                <button type="button" className="btn btn-small" onClick={() => setCluster({ k: String(sweep.bestSilhouetteK) })} data-testid="sweep-use-best">
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
        )}

        {!result && !sweep && (
          <div className="empty-state">
            <h2>No segments yet</h2>
            <p className="muted">Build a feature table (or pick any table with numeric columns), then run k-means. Portrait cards, the 2D projection and the profiles appear here.</p>
            {currentRecord && (
              <p className="muted small" data-testid="segments-last">
                The workspace remembers the last segmentation of {currentRecord.sourceTable} (k = {currentRecord.k}): {currentRecord.segmentNames.join(', ')}. Run it again to see its portraits.
              </p>
            )}
          </div>
        )}

        {result && resultFigures && (
          <>
            <section className="models-card" data-testid="cluster-summary">
              <header className="models-card-head">
                <h3>
                  {result.cluster.k} segments of {formatCount(result.cluster.rows)} rows of {run?.table}
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

            {portrait ? (
              <>
                <PortraitCards portrait={portrait} names={names} onRename={rename} />
                <div className="models-actions" role="toolbar" aria-label="Save segments">
                  <label className="models-inline">
                    Name <input type="text" value={save.name} onChange={(event) => setSave({ ...save, name: event.target.value })} data-testid="segments-save-name" />
                  </label>
                  <label className="models-inline">
                    Table <input type="text" value={save.table} placeholder={result.outputTable?.name} onChange={(event) => setSave({ ...save, table: event.target.value })} data-testid="segments-save-table" />
                  </label>
                  <button type="button" className="btn btn-primary" onClick={() => void saveSegments()} disabled={busy} data-testid="segments-save">
                    Save segments
                  </button>
                  {props.onSegmentTags && (
                    <button
                      type="button"
                      className="btn"
                      onClick={() => currentRecord && void saveAsTags(currentRecord, save.name.trim() || result.cluster.name)}
                      disabled={busy || !currentRecord || currentRecord.clusterId !== result.cluster.clusterId}
                      data-testid="segments-save-tags"
                    >
                      Save as segment tags
                    </button>
                  )}
                  <span className="muted small">Writes segment and segment_name columns; keeps the names, scaler and centroids in the workspace. Segment tags (one per segment, with the scaler and centroids) go to the Tags tab.</span>
                </div>
              </>
            ) : (
              job?.label !== 'portrait' && <p className="muted small">No portrait cards: the portrait job did not finish.</p>
            )}
          </>
        )}
      </div>
    </div>
  );
}
