import { useCallback, useEffect, useMemo, useRef, useState, type JSX } from 'react';
import type { AllEngineJobs, ClusterExport, ClusterResult, ClusterSweepResult, ColumnInfo, EngineJobKind, FeatureBuildResult, FeatureSqlResult, PortraitResult, Tag } from '../../../workers/api';
import { withEntityTable } from '../../../workers/api';
import { ErrorPanel, StatusLine, type StatusMessage } from '../../components/Feedback';
import { describeError, describeJobFailure } from '../../errors';
import { formatCount, formatMs } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { useWorkspaceUpdater } from '../../use-workspace-updater';
import { defaultTable, type WorkspaceViewProps } from '../view-props';
import { ClusterForm } from './ClusterForm';
import { ClusterResults } from './ClusterResults';
import { FeatureBuilderForm } from './FeatureBuilderForm';
import { FeatureSqlCard } from './FeatureSqlCard';
import { PortraitCards } from './PortraitCards';
import { SaveSegmentsBar, type SaveSegmentsForm } from './SaveSegmentsBar';
import { SavedSegmentations } from './SavedSegmentations';
import { SEGMENTS_JOB_VERBS as JOB_VERBS, type SegmentsJob as ViewJob } from './SegmentsJobLine';
import { SweepCard } from './SweepCard';
import { useAsOfDefault } from './use-as-of-default';
import { useSegmentCharts } from './use-segment-charts';
import {
  buildBlocker,
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
import { portraitValueExpression } from './portrait-value';
import { builtDatasetOf, builtStatusText, type OpenInModels } from './propensity';
import {
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
export type { OpenInModels } from './propensity';
export { emptySegmentsWorkspace, segmentsWorkspaceStateSchema } from './types';

export interface SegmentsViewProps extends WorkspaceViewProps<SegmentsWorkspaceState> {
  onCatalogChanged(): void;
  /** Adds segment tags (from cluster.tags) to the Tags tab's tag set; returns a sentence saying what changed. */
  onSegmentTags?(tags: Tag[]): string;
  /** Opens a built table in the Models view, its target (and entity key for the split) filled in. */
  onOpenInModels?(request: OpenInModels): void;
}

/**
 * Rows of the 2D projection the engine sends (a seeded sample): each is an SVG element, and 5,000
 * of them took 0.3–0.5 s of one task to draw in the app (2,000: 0.16–0.24 s, 1,200: 0.18–0.27 s at
 * times on a busy 2-core machine). 1,000 still show the shape of the segments.
 */
const PROJECTION_POINTS = 1_000;

/**
 * Segments: build entity features with SQL templates, cluster them with k-means, read and name the
 * portraits, save. The side panel holds the two forms (FeatureBuilderForm, ClusterForm) and the saved
 * segmentations; the main column the feature SQL, the k sweep and the run's results.
 */
export function SegmentsView(props: SegmentsViewProps): JSX.Element {
  const { engine, tables, onCatalogChanged, visible = true, selectedTable } = props;
  const { job, track } = useEngineJob<ViewJob>();
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState<StatusMessage | null>(null);
  const [generated, setGenerated] = useState<FeatureSqlResult | null>(null);
  const [built, setBuilt] = useState<FeatureBuildResult | null>(null);
  const [replaceOutput, setReplaceOutput] = useState(false);
  const [sweep, setSweep] = useState<ClusterSweepResult | null>(null);
  const [run, setRun] = useState<{ result: ClusterResult; table: string } | null>(null);
  const [portrait, setPortrait] = useState<PortraitResult | null>(null);
  const [save, setSave] = useState<SaveSegmentsForm>({ name: '', table: '' });

  const { workspaceRef, updateWorkspace } = useWorkspaceUpdater(props.workspace, props.onWorkspaceChange);

  const { features, cluster } = props.workspace;
  const form = features.form;
  const columnsOf = useCallback(
    (table: string): ColumnInfo[] => tables.find((t) => t.name === table)?.columns ?? (built && built.name === table ? built.columns : []),
    [tables, built],
  );
  const formColumns = useMemo(() => columnsOf(form.table), [columnsOf, form.table]);
  const clusterColumns = useMemo(() => columnsOf(cluster.table), [columnsOf, cluster.table]);

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
  }, [tables, selectedTable, chooseFeatureTable, chooseClusterTable, workspaceRef]);

  // The as-of date defaults to the day after the latest time in the chosen column; a date the user wrote is kept.
  const { autoAsOf, snapshot } = useAsOfDefault(engine, form, formColumns, workspaceRef, updateWorkspace);

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
      // The step travels with the table (and into a pack built on it) only while the SQL is what it generated.
      const result = await startJob('build', 'features.build', { sql, outputTable: outputTable.trim(), replace: replaceOutput, step: generated?.step ?? null });
      setBuilt(result);
      onCatalogChanged();
      const dataset = builtDatasetOf(result);
      autoClusterTable.current = null;
      // A label is an outcome, not a trait to cluster on.
      chooseClusterTable(result.name, result.columns.filter((c) => !dataset.labels.includes(c.name)), dataset.key);
      setStatus({ tone: 'ok', text: builtStatusText(result, dataset, `${formatCount(result.rowCount)} rows × ${result.columns.length} columns in ${formatMs(result.elapsedMs)}`) });
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
        ...(portraitValueExpression(output.columns) ? { value: portraitValueExpression(output.columns) } : {}),
      });
      setPortrait(cards);
      const names = namesFromCards(cards.cards, result.cluster.k);
      updateWorkspace((s) => (s.current && s.current.clusterId === result.cluster.clusterId ? { ...s, current: { ...s.current, segmentNames: names } } : s));
    } catch (err) {
      fail('The portrait job', err);
    }
  };

  const currentRecord = props.workspace.current;
  const names = useMemo(
    () => (run && currentRecord && currentRecord.clusterId === run.result.cluster.clusterId ? currentRecord.segmentNames : run ? namesFromCards([], run.result.cluster.k) : []),
    [run, currentRecord],
  );

  const rename = (segment: number, name: string): void => {
    if (!run) return;
    updateWorkspace((s) => renameSegment(s, run.result.cluster.clusterId, segment, name));
  };

  const saveSegments = async (): Promise<void> => {
    const record = workspaceRef.current.current;
    if (!run || !record || !record.outputTable || saving) return;
    const target = save.table.trim() || record.outputTable;
    const name = save.name.trim() || run.result.cluster.name;
    setError(null);
    // One CREATE OR REPLACE over the whole table: the bar is busy until it returns (no second click).
    setSaving(true);
    setStatus({ tone: 'ok', text: `Saving the segments into ${target}…` });
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
    } finally {
      setSaving(false);
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

  const resultFigures = useSegmentCharts(run?.result ?? null, portrait, names);

  const busy = job !== null || saving;
  const buildWhy = buildBlocker({ running: job ? JOB_VERBS[job.label] : null, sql: features.sql, outputTable: features.outputTable, form });
  const clusterWhy = job ? waitUntilDone(JOB_VERBS[job.label]) : !cluster.table ? 'Choose a table to cluster.' : null;
  const result = run?.result ?? null;
  const onSegmentTags = props.onSegmentTags;

  return (
    <div className="models-view side-view segments-view">
      <aside className="models-setup side-panel" aria-label="Segment setup">
        <h2>1. Features per entity</h2>
        <FeatureBuilderForm
          tables={tables}
          form={form}
          formColumns={formColumns}
          setForm={setForm}
          onChooseTable={(table) => {
            autoFeatureTable.current = null;
            chooseFeatureTable(table);
          }}
          onTemplate={(template: FeatureTemplateChoice) =>
            updateWorkspace((s) => ({ ...s, features: { ...s.features, form: { ...s.features.form, template }, outputTable: featureOutputName(s.features.form.table, template) } }))
          }
          asOfIsAuto={Boolean(form.asOf) && form.asOf === autoAsOf.current}
          snapshot={snapshot}
          busy={busy}
          job={job}
          onGenerate={() => void generate()}
        />

        <h2>2. Segments</h2>
        <ClusterForm
          tables={tables}
          cluster={cluster}
          clusterColumns={clusterColumns}
          builtKey={built?.name === cluster.table ? built.columns[0]?.name : undefined}
          setCluster={setCluster}
          onChooseTable={(table) => {
            autoClusterTable.current = null;
            chooseClusterTable(table);
          }}
          busy={busy}
          clusterWhy={clusterWhy}
          job={job}
          onRun={() => void runKmeans()}
          onSweep={() => void runSweep()}
        />

        <SavedSegmentations
          saved={props.workspace.saved}
          onSaveAsTags={onSegmentTags ? (s) => void saveAsTags(s, s.name) : undefined}
          onDelete={(name) => updateWorkspace((state) => removeSegmentation(state, name))}
        />
      </aside>

      <div className="models-main">
        {error && <ErrorPanel message={error} testId="segments-error" />}
        {status && <StatusLine status={status} onDismiss={() => setStatus(null)} testId="segments-status" />}

        <FeatureSqlCard
          tables={tables}
          generated={generated}
          features={features}
          onSqlChange={(sql) => updateWorkspace((s) => ({ ...s, features: { ...s.features, sql } }))}
          onOutputTable={(outputTable) => updateWorkspace((s) => ({ ...s, features: { ...s.features, outputTable } }))}
          replaceOutput={replaceOutput}
          onReplaceOutput={setReplaceOutput}
          buildWhy={buildWhy}
          job={job}
          onBuild={() => void build()}
          built={built && tables.some((t) => t.name === built.name) ? builtDatasetOf(built) : null}
          onOpenInModels={props.onOpenInModels}
        />

        {sweep && <SweepCard sweep={sweep} chosenK={cluster.k} onUseK={(k) => setCluster({ k })} visible={visible} />}

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


        {result && run && resultFigures && (
          <>
            <ClusterResults result={result} table={run.table} figures={resultFigures} visible={visible} />
            {portrait ? (
              <>
                <PortraitCards portrait={portrait} names={names} onRename={rename} />
                <SaveSegmentsBar
                  form={save}
                  onForm={setSave}
                  outputTable={result.outputTable?.name}
                  busy={busy}
                  onSave={() => void saveSegments()}
                  onSaveAsTags={onSegmentTags ? () => currentRecord && void saveAsTags(currentRecord, save.name.trim() || result.cluster.name) : undefined}
                  canSaveAsTags={currentRecord !== null && currentRecord.clusterId === result.cluster.clusterId}
                />
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
