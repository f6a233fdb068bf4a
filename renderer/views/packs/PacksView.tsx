import { useCallback, useEffect, useRef, useState, type ChangeEvent, type JSX } from 'react';
import type { PackDiff, PackInfo, PackValidation, SqlDialect } from '../../../workers/api';
import { ErrorPanel, ProgressLine, StatusLine, type StatusMessage } from '../../components/Feedback';
import { plotlyScriptUrl } from '../../components/plotly';
import { TableOptions } from '../../components/PickerOptions';
import { describeError, describeJobFailure } from '../../errors';
import { formatCount } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { useWorkspaceUpdater } from '../../use-workspace-updater';
import { defaultTable, saveText, type SaveBytes, type WorkspaceViewProps } from '../view-props';
import { PackApplyCard, type PackApplyForm } from './PackApplyCard';
import { PackBuildPanel } from './PackBuildPanel';
import { PackDiffCard, type OtherVersion } from './PackDiffCard';
import { PackGoldenCard } from './PackGoldenCard';
import { PackHeader } from './PackHeader';
import { PackSignOffCard } from './PackSignOffCard';
import { PackSqlCard } from './PackSqlCard';
import { PackTagsCard } from './PackTagsCard';
import type { PackTableActions } from './pack-card-context';
import { applyTableName, packFileName, resultStillFits, type JobSubject, type ShownMetric } from './pack-data';
import type { PackBuildForm, PacksWorkspaceState } from './types';
// The list, error and status-line styles are shared with the SQL view.
import '../sql/sql-view.css';
import './packs-view.css';

export type { PacksWorkspaceState } from './types';
export { emptyPacksWorkspace, packsWorkspaceStateSchema } from './types';

export interface PacksViewProps extends WorkspaceViewProps<PacksWorkspaceState> {
  onCatalogChanged(): void;
  saveBytes: SaveBytes;
  /** The Tags view's current tag set (assay.tagset/1), offered as the source of a build. */
  tagSet: unknown;
}

/** Reads the bundled Plotly script so the report works offline; the report draws an SVG chart without it. */
async function plotlySource(): Promise<string | undefined> {
  try {
    const response = await fetch(plotlyScriptUrl);
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Packs: open, build, diff, sign off, report and apply versioned rule packs. The side panel opens and
 * builds packs (PackBuildPanel); the main column shows the open pack as cards, one file each.
 */
export function PacksView(props: PacksViewProps): JSX.Element {
  const { engine, tables, onCatalogChanged, saveBytes, tagSet, visible = true } = props;
  const [info, setInfo] = useState<PackInfo | null>(null);
  const [openError, setOpenError] = useState<{ fileName: string; message: string } | null>(null);
  const [dialect, setDialect] = useState<SqlDialect>('spark');
  // One long job at a time (apply, check, diff, build), with the progress bar and the Cancel button.
  const jobs = useEngineJob();
  const { job, track } = jobs;
  const [status, setStatus] = useState<StatusMessage | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [other, setOther] = useState<OtherVersion | null>(null);
  const [otherIsOlder, setOtherIsOlder] = useState(true);
  const [diffTable, setDiffTable] = useState('');
  const [diff, setDiff] = useState<PackDiff | null>(null);
  const [applyForm, setApplyForm] = useState<PackApplyForm>({ table: '', into: '' });
  const [validation, setValidation] = useState<{ table: string; result: PackValidation } | null>(null);
  const [checkTable, setCheckTable] = useState('');
  const [chartMetric, setChartMetric] = useState<ShownMetric>('coverage');
  const openInput = useRef<HTMLInputElement>(null);

  const { updateWorkspace } = useWorkspaceUpdater(props.workspace, props.onWorkspaceChange);
  const form = props.workspace.build;
  const updateForm = (change: Partial<PackBuildForm>): void => updateWorkspace((s) => ({ ...s, build: { ...s.build, ...change } }));
  const reviewer = props.workspace.reviewer;

  /** Shows a pack the engine has read (or built, or reviewed) and remembers its text in the workspace. */
  const show = useCallback(
    (next: PackInfo, fileName: string, saved: boolean) => {
      setInfo(next);
      setOpenError(null);
      setDiff(null);
      setValidation(null);
      updateWorkspace((s) => ({ ...s, open: { fileName, text: next.text, saved } }));
      setApplyForm((a) => ({ table: a.table, into: applyTableName(next.pack.name) }));
    },
    [updateWorkspace],
  );

  // The pack kept in the workspace (or one a newly opened workspace brings) is read again, hash checked.
  const infoTextRef = useRef<string | null>(null);
  infoTextRef.current = info?.text ?? null;
  const keptText = props.workspace.open?.text ?? null;
  const keptName = props.workspace.open?.fileName ?? '';
  useEffect(() => {
    if (keptText === null) {
      if (infoTextRef.current !== null) setInfo(null);
      return;
    }
    if (keptText === infoTextRef.current) return;
    let live = true;
    engine
      .run('pack.read', { text: keptText })
      .then((read) => {
        if (live) setInfo(read);
      })
      .catch((err: unknown) => {
        if (live) setOpenError({ fileName: keptName, message: describeError(err) });
      });
    return () => {
      live = false;
    };
  }, [engine, keptText, keptName]);

  // Choices the user has not made follow the catalog's selection (or the first table, which also
  // fills them when the sample workspace loads late).
  const firstTable = defaultTable(tables, props.selectedTable);
  const entityTable = info && tables.some((t) => t.name === info.pack.entity.table) ? info.pack.entity.table : firstTable;
  const applyTable = applyForm.table && tables.some((t) => t.name === applyForm.table) ? applyForm.table : entityTable;

  // What is on screen now, read when a job ends: its result is dropped if the pack changed meanwhile.
  const otherTextRef = useRef<string | null>(null);
  otherTextRef.current = other?.info.text ?? null;
  const fitsScreen = (started: JobSubject): boolean => resultStillFits(started, { packText: infoTextRef.current, otherText: otherTextRef.current });
  const staleResult = (what: string): void => {
    setStatus({ tone: 'error', text: `${what} finished for a pack that is no longer on screen; its result was not shown. Run it again for this pack.` });
  };

  const failed = (what: string, err: unknown): void => {
    setStatus({ tone: 'error', text: describeJobFailure(what, err) });
  };

  const openPackFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    // A running job's result is about the pack on screen: another cannot be opened under it.
    if (!file || job) return;
    setBusy('open');
    setStatus(null);
    try {
      const read = await engine.run('pack.read', { text: await file.text() });
      show(read, file.name, true);
      setOther(null);
      setStatus({ tone: 'ok', text: `Opened ${file.name}${read.migratedFrom ? ` (migrated from ${read.migratedFrom}; save it to keep the new format)` : ''}.` });
    } catch (err) {
      setInfo(null);
      updateWorkspace((s) => ({ ...s, open: null }));
      setOpenError({ fileName: file.name, message: describeError(err) });
    } finally {
      setBusy(null);
    }
  };

  const savePack = async (): Promise<void> => {
    if (!info) return;
    const fileName = packFileName(info.pack.name, info.pack.version, 'json');
    try {
      await saveText(saveBytes, fileName, info.text);
      updateWorkspace((s) => ({ ...s, open: s.open ? { ...s.open, fileName, saved: true } : s.open }));
      setStatus({ tone: 'ok', text: `Saved the pack as ${fileName}.` });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not save the pack: ${describeError(err)}` });
    }
  };

  const review = async (decision: 'approve' | 'reject'): Promise<void> => {
    if (!info) return;
    const by = reviewer.trim();
    if (!by) {
      setStatus({ tone: 'error', text: 'Enter your name before signing off.' });
      return;
    }
    setBusy('review');
    setStatus(null);
    try {
      const next = await engine.run('pack.review', { text: info.text, by, decision, note });
      show(next, props.workspace.open?.fileName ?? packFileName(next.pack.name, next.pack.version, 'json'), false);
      setNote('');
      setStatus({ tone: 'ok', text: `${decision === 'approve' ? 'Approved' : 'Rejected'} by ${by}. The review is stored in the pack: save the pack to keep it.` });
    } catch (err) {
      failed('The sign-off', err);
    } finally {
      setBusy(null);
    }
  };

  const saveReport = async (): Promise<void> => {
    if (!info) return;
    setBusy('report');
    setStatus(null);
    try {
      const plotlyJs = await plotlySource();
      const { html } = await engine.run('pack.report', { text: info.text, plotlyJs });
      const fileName = packFileName(info.pack.name, info.pack.version, 'html');
      await saveText(saveBytes, fileName, html);
      setStatus({ tone: 'ok', text: `Saved the report as ${fileName}${plotlyJs ? '' : ' (charts drawn as plain SVG: the charting library could not be read)'}.` });
    } catch (err) {
      failed('The report', err);
    } finally {
      setBusy(null);
    }
  };

  const apply = async (): Promise<void> => {
    if (!info || job) return;
    const into = applyForm.into.trim();
    setStatus(null);
    try {
      const result = await track('Applying the pack', (options) => engine.start('pack.apply', { text: info.text, table: applyTable, into }, options));
      onCatalogChanged();
      const counts = Object.entries(result.counts)
        .map(([tag, n]) => `${tag}: ${formatCount(n)}`)
        .join(', ');
      setStatus({ tone: 'ok', text: `Tagged ${formatCount(result.rowCount)} entities of ${applyTable} into the table ${result.table} (${counts}).` });
    } catch (err) {
      failed('Applying the pack', err);
    }
  };

  const validate = async (): Promise<void> => {
    if (!info || job) return;
    setStatus(null);
    try {
      const result = await track('Checking the pack', (options) => engine.start('pack.validate', { text: info.text, table: checkTable || undefined }, options));
      if (fitsScreen({ packText: info.text })) setValidation({ table: checkTable, result });
      else staleResult('The check');
    } catch (err) {
      failed('The check', err);
    }
  };

  const openOther = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file || job) return;
    setStatus(null);
    try {
      const read = await engine.run('pack.read', { text: await file.text() });
      setOther({ fileName: file.name, info: read });
      setDiff(null);
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not open ${file.name}: ${describeError(err)}` });
    }
  };

  const runDiff = async (): Promise<void> => {
    if (!info || !other || job) return;
    const [oldText, newText] = otherIsOlder ? [other.info.text, info.text] : [info.text, other.info.text];
    setStatus(null);
    try {
      const result = await track('Comparing versions', (options) => engine.start('pack.diff', { oldText, newText, table: diffTable || undefined }, options));
      if (fitsScreen({ packText: info.text, otherText: other.info.text })) setDiff(result);
      else staleResult('The comparison');
    } catch (err) {
      failed('The comparison', err);
    }
  };

  const pack = info?.pack ?? null;
  const unsaved = props.workspace.open !== null && !props.workspace.open.saved;
  const tableActions: PackTableActions = { tableOptions: <TableOptions tables={tables} rowCounts />, jobRunning: job !== null };

  return (
    <div className="packs-view side-view">
      <aside className="packs-side side-panel" aria-label="Open or build a pack">
        <h2>Rule packs</h2>
        <button type="button" className="btn btn-primary" onClick={() => openInput.current?.click()} disabled={busy !== null || job !== null} data-testid="pack-open">
          Open pack…
        </button>
        <input ref={openInput} type="file" accept=".json,application/json" hidden onChange={(event) => void openPackFile(event)} data-testid="pack-open-input" />
        <label className="packs-inline">
          Your name <input type="text" value={reviewer} placeholder="for sign-off and builds" onChange={(event) => updateWorkspace((s) => ({ ...s, reviewer: event.target.value }))} data-testid="pack-reviewer" />
        </label>
        <PackBuildPanel
          engine={engine}
          tables={tables}
          firstTable={firstTable}
          form={form}
          updateForm={updateForm}
          sources={{ tagSet, openPack: info, reviewer }}
          jobs={jobs}
          feedback={{ onStatus: setStatus, onFailed: failed }}
          onBuilt={(built) => show(built, packFileName(built.pack.name, built.pack.version, 'json'), false)}
        />
      </aside>

      <div className="packs-main">
        {job && (
          <ProgressLine className="packs-progress" label={`${job.label}…`} fraction={job.fraction} phase={job.phase} testId="pack-progress">
            <button type="button" className="btn btn-danger btn-small" onClick={() => job.cancel()} data-testid="pack-cancel">
              Cancel
            </button>
          </ProgressLine>
        )}
        {status && <StatusLine status={status} onDismiss={() => setStatus(null)} testId="pack-status" />}
        {openError && (
          <ErrorPanel
            className="packs-error"
            title={openError.fileName ? `${openError.fileName} cannot be opened as a pack` : 'The pack cannot be opened'}
            message={openError.message}
            testId="pack-error"
          />
        )}

        {!pack && !openError && (
          <div className="empty-state">
            <h2>No pack open</h2>
            <p className="muted">Open a rule pack (.json) to review its tags, metrics, golden rows and SQL, or build one from a tag set and a table.</p>
          </div>
        )}

        {pack && info && (
          <>
            <PackHeader info={info} unsaved={unsaved} busy={busy} onSave={() => void savePack()} onReport={() => void saveReport()} />
            <PackTagsCard pack={pack} chartMetric={chartMetric} onChartMetric={setChartMetric} visible={visible} />
            <PackSqlCard engine={engine} packText={info.text} dialect={dialect} onDialect={setDialect} onStatus={setStatus} />
            <PackGoldenCard pack={pack} actions={tableActions} checkTable={checkTable} onCheckTable={setCheckTable} validation={validation} onCheck={() => void validate()} />
            <PackSignOffCard info={info} reviewer={reviewer} note={note} onNote={setNote} busy={busy !== null} onReview={(decision) => void review(decision)} />
            <PackApplyCard applyTable={applyTable} hasTables={tables.length > 0} actions={tableActions} form={applyForm} onForm={setApplyForm} onApply={() => void apply()} />
            <PackDiffCard
              other={other}
              onOpenOther={(event) => void openOther(event)}
              otherIsOlder={otherIsOlder}
              onOtherIsOlder={setOtherIsOlder}
              diffTable={diffTable}
              onDiffTable={setDiffTable}
              actions={tableActions}
              onCompare={() => void runDiff()}
              diff={diff}
            />
          </>
        )}
      </div>
    </div>
  );
}
