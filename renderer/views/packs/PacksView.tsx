import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type JSX } from 'react';
import plotlyScriptUrl from 'plotly.js-dist-min/plotly.min.js?url';
import type { KeyCandidates, PackDiff, PackInfo, PackValidation, SqlDialect } from '../../../workers/api';
import { ErrorPanel, ProgressLine, StatusLine, type StatusMessage } from '../../components/Feedback';
import { TableOptions } from '../../components/PickerOptions';
import { describeError, describeJobFailure } from '../../errors';
import { formatCount } from '../../format';
import { useEngineJob } from '../../use-engine-job';
import { defaultTable, saveText, type SaveBytes, type WorkspaceViewProps } from '../view-props';
import {
  DIALECTS,
  METRIC_LABELS,
  applyTableName,
  buildFormProblems,
  cellText,
  diffLine,
  formatDelta,
  formatInterval,
  formatJaccard,
  formatMetricValue,
  gateBadge,
  keyChoiceText,
  nextVersion,
  packFileName,
  parseJsonFile,
  recordedMetrics,
  rowIdentity,
  shortHash,
  tagCount,
  tagDefinitionText,
  type ShownMetric,
} from './pack-data';
import { tagMetricFigure } from './pack-figures';
import { PlotlyChart } from '../models/PlotlyChart';
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


interface OtherVersion {
  fileName: string;
  info: PackInfo;
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

/** Copies text; falls back to the selection + execCommand where the clipboard API is refused. */
async function copyText(text: string, fallback: HTMLElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallback) return false;
    const range = document.createRange();
    range.selectNodeContents(fallback);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return document.execCommand('copy');
  }
}

/** Packs: open, build, diff, sign off, report and apply versioned rule packs. */
export function PacksView(props: PacksViewProps): JSX.Element {
  const { engine, tables, onCatalogChanged, saveBytes, tagSet, visible = true } = props;
  const [info, setInfo] = useState<PackInfo | null>(null);
  const [openError, setOpenError] = useState<{ fileName: string; message: string } | null>(null);
  const [sql, setSql] = useState<{ text: string; byDialect: Partial<Record<SqlDialect, string>>; error: string | null } | null>(null);
  const [dialect, setDialect] = useState<SqlDialect>('spark');
  const [copied, setCopied] = useState<SqlDialect | null>(null);
  // One long job at a time (apply, check, diff, build), with the progress bar and the Cancel button.
  const { job, track } = useEngineJob();
  const [status, setStatus] = useState<StatusMessage | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [tagFile, setTagFile] = useState<{ fileName: string; json: unknown } | null>(null);
  const [parentFile, setParentFile] = useState<{ fileName: string; text: string } | null>(null);
  const [other, setOther] = useState<OtherVersion | null>(null);
  const [otherIsOlder, setOtherIsOlder] = useState(true);
  const [diffTable, setDiffTable] = useState('');
  const [diff, setDiff] = useState<PackDiff | null>(null);
  const [applyForm, setApplyForm] = useState<{ table: string; into: string }>({ table: '', into: '' });
  const [validation, setValidation] = useState<{ table: string; result: PackValidation } | null>(null);
  const [checkTable, setCheckTable] = useState('');
  const [chartMetric, setChartMetric] = useState<ShownMetric>('coverage');
  // Which columns of the build table can be the entity key (unique, never NULL), checked in DuckDB.
  const [keyCheck, setKeyCheck] = useState<{ table: string; result: KeyCandidates | null; error: string | null } | null>(null);
  const openInput = useRef<HTMLInputElement>(null);
  const otherInput = useRef<HTMLInputElement>(null);
  const tagsInput = useRef<HTMLInputElement>(null);
  const parentInput = useRef<HTMLInputElement>(null);
  const sqlBlock = useRef<HTMLPreElement>(null);

  const workspaceRef = useRef(props.workspace);
  workspaceRef.current = props.workspace;
  const onWorkspaceChangeRef = useRef(props.onWorkspaceChange);
  onWorkspaceChangeRef.current = props.onWorkspaceChange;
  const updateWorkspace = useCallback((change: (state: PacksWorkspaceState) => PacksWorkspaceState) => {
    const next = change(workspaceRef.current);
    workspaceRef.current = next;
    onWorkspaceChangeRef.current(next);
  }, []);
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

  // The SQL of every dialect, generated by the engine from the pack's ASTs.
  const packText = info?.text ?? null;
  useEffect(() => {
    if (packText === null) {
      setSql(null);
      return;
    }
    let live = true;
    Promise.all(DIALECTS.map(async (d) => [d.id, (await engine.run('pack.export', { text: packText, dialect: d.id })).sql] as const))
      .then((entries) => {
        if (live) setSql({ text: packText, byDialect: Object.fromEntries(entries), error: null });
      })
      .catch((err: unknown) => {
        if (live) setSql({ text: packText, byDialect: {}, error: describeError(err) });
      });
    return () => {
      live = false;
    };
  }, [engine, packText]);

  // Choices the user has not made follow the catalog's selection (or the first table, which also
  // fills them when the sample workspace loads late).
  const firstTable = defaultTable(tables, props.selectedTable);
  const entityTable = info && tables.some((t) => t.name === info.pack.entity.table) ? info.pack.entity.table : firstTable;
  const applyTable = applyForm.table && tables.some((t) => t.name === applyForm.table) ? applyForm.table : entityTable;
  const buildTable = form.table && tables.some((t) => t.name === form.table) ? form.table : firstTable;
  const buildColumns = tables.find((t) => t.name === buildTable)?.columns ?? [];
  const buildColumnNames = buildColumns.map((c) => c.name).join('\u0000');
  useEffect(() => {
    if (!buildTable) {
      setKeyCheck(null);
      return;
    }
    let live = true;
    setKeyCheck({ table: buildTable, result: null, error: null });
    engine
      .run('pack.keys', { table: buildTable })
      .then((result) => {
        if (live) setKeyCheck({ table: buildTable, result, error: null });
      })
      .catch((err: unknown) => {
        if (live) setKeyCheck({ table: buildTable, result: null, error: describeError(err) });
      });
    return () => {
      live = false;
    };
  }, [engine, buildTable, buildColumnNames]);
  const keyCandidates = keyCheck?.table === buildTable ? (keyCheck.result?.candidates ?? []) : [];
  const keyChoice = keyChoiceText(keyCheck?.table === buildTable && keyCheck.result ? keyCheck.result : null);
  // A remembered key that is no longer unique (or no longer there) is not offered or used.
  const buildKey = keyCandidates.some((c) => c.name === form.key) ? form.key : '';

  const failed = (what: string, err: unknown): void => {
    setStatus({ tone: 'error', text: describeJobFailure(what, err) });
  };

  const openPackFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
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

  const copySql = async (): Promise<void> => {
    const text = sql?.byDialect[dialect];
    if (!text) return;
    const ok = await copyText(text, sqlBlock.current);
    setCopied(ok ? dialect : null);
    if (!ok) setStatus({ tone: 'error', text: 'The clipboard is not available here: select the SQL and copy it by hand.' });
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
      setValidation({ table: checkTable, result });
    } catch (err) {
      failed('The check', err);
    }
  };

  const openOther = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
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
      setDiff(result);
    } catch (err) {
      failed('The comparison', err);
    }
  };

  const pickTagFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    try {
      setTagFile({ fileName: file.name, json: parseJsonFile(await file.text(), 'tag set file') });
      updateForm({ tagSource: 'file' });
    } catch (err) {
      setStatus({ tone: 'error', text: describeError(err) });
    }
  };

  const pickParentFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    try {
      const text = await file.text();
      const read = await engine.run('pack.read', { text });
      setParentFile({ fileName: file.name, text });
      updateForm({ parent: 'file', name: form.name || read.pack.name, version: nextVersion(read.pack.version) });
    } catch (err) {
      setStatus({ tone: 'error', text: `Could not read the parent pack ${file.name}: ${describeError(err)}` });
    }
  };

  const viewTagCount = tagCount(tagSet);
  const chosenTagSet = form.tagSource === 'file' ? (tagFile?.json ?? null) : viewTagCount > 0 ? tagSet : null;
  const parentText = form.parent === 'open' ? (info?.text ?? null) : form.parent === 'file' ? (parentFile?.text ?? null) : null;
  const problems = buildFormProblems({ name: form.name, version: form.version, table: buildTable, hasTags: tagCount(chosenTagSet) > 0 });
  if (form.parent !== 'none' && parentText === null) problems.push(form.parent === 'open' ? 'Open the parent pack first.' : 'Choose the parent pack file.');

  const build = async (): Promise<void> => {
    if (job || problems.length > 0 || chosenTagSet === null) return;
    setStatus(null);
    try {
      const built = await track('Building the pack', (options) =>
        engine.start(
          'pack.build',
          {
            tagSet: chosenTagSet,
            table: buildTable,
            key: buildKey || undefined,
            target: form.target ? { column: form.target, positive: form.positive.trim() || undefined } : undefined,
            name: form.name.trim(),
            version: form.version.trim(),
            parent: parentText ?? undefined,
            createdBy: reviewer.trim() || undefined,
          },
          options,
        ),
      );
      show(built, packFileName(built.pack.name, built.pack.version, 'json'), false);
      // Tags of the set that read columns this table lacks (made on another table) are named, not packed.
      const leftOut = built.leftOut?.length ? ` Left out: ${built.leftOut.map((t) => `${t.name} (${t.reason})`).join('; ')}.` : '';
      setStatus({ tone: 'ok', text: `Built ${built.pack.name} ${built.pack.version} with ${built.pack.tags.length} tags.${leftOut} Save it to keep it.` });
    } catch (err) {
      failed('Building the pack', err);
    }
  };

  const pack = info?.pack ?? null;
  const metricsShown = pack ? recordedMetrics(pack.tags) : [];
  const shownChartMetric = metricsShown.includes(chartMetric) ? chartMetric : 'coverage';
  const packTags = pack?.tags;
  const chart = useMemo(() => (packTags && packTags.some((t) => t.metrics) ? tagMetricFigure(packTags, shownChartMetric) : null), [packTags, shownChartMetric]);
  const unsaved = props.workspace.open !== null && !props.workspace.open.saved;
  const tableOptions = <TableOptions tables={tables} rowCounts />;

  return (
    <div className="packs-view side-view">
      <aside className="packs-side side-panel" aria-label="Open or build a pack">
        <h2>Rule packs</h2>
        <button type="button" className="btn btn-primary" onClick={() => openInput.current?.click()} disabled={busy !== null} data-testid="pack-open">
          Open pack…
        </button>
        <input ref={openInput} type="file" accept=".json,application/json" hidden onChange={(event) => void openPackFile(event)} data-testid="pack-open-input" />
        <label className="packs-inline">
          Your name <input type="text" value={reviewer} placeholder="for sign-off and builds" onChange={(event) => updateWorkspace((s) => ({ ...s, reviewer: event.target.value }))} data-testid="pack-reviewer" />
        </label>

        <fieldset className="form-group" data-testid="pack-build">
          <legend>Build a pack</legend>
          <div className="packs-radio" role="radiogroup" aria-label="Tag set">
            <label>
              <input type="radio" name="packs-tag-source" checked={form.tagSource === 'tags-view'} onChange={() => updateForm({ tagSource: 'tags-view' })} /> Tags view ({viewTagCount} tags)
            </label>
            <label>
              <input type="radio" name="packs-tag-source" checked={form.tagSource === 'file'} onChange={() => updateForm({ tagSource: 'file' })} /> tags.json {tagFile ? `(${tagFile.fileName}, ${tagCount(tagFile.json)} tags)` : ''}
            </label>
          </div>
          {form.tagSource === 'file' && (
            <button type="button" className="btn btn-small" onClick={() => tagsInput.current?.click()} data-testid="pack-tags-file">
              Choose tags.json…
            </button>
          )}
          <input ref={tagsInput} type="file" accept=".json,application/json" hidden onChange={(event) => void pickTagFile(event)} data-testid="pack-tags-input" />
          <label className="packs-inline">
            Table{' '}
            <select value={buildTable} onChange={(event) => updateForm({ table: event.target.value, key: '', target: '', positive: '' })} data-testid="pack-build-table">
              {tables.length === 0 && <option value="">(no tables open)</option>}
              {tableOptions}
            </select>
          </label>
          <label className="packs-inline">
            Entity key{' '}
            <select value={buildKey} onChange={(event) => updateForm({ key: event.target.value })} title="Only columns with a distinct, non-empty value on every row can be the key" data-testid="pack-build-key">
              <option value="">{keyChoice.automatic}</option>
              {keyCandidates.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          {(keyChoice.note !== null || keyCheck?.error) && (
            <p className="muted small" data-testid="pack-build-key-note">
              {keyCheck?.error ? `The key columns could not be checked: ${keyCheck.error}` : keyChoice.note}
            </p>
          )}
          <label className="packs-inline">
            Label{' '}
            <select value={form.target} onChange={(event) => updateForm({ target: event.target.value, positive: '' })} title="Measure precision, recall, F1 and lift against this column" data-testid="pack-build-target">
              <option value="">(coverage only)</option>
              {buildColumns.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          {form.target && (
            <label className="packs-inline">
              Positive value <input type="text" size={8} value={form.positive} placeholder="e.g. 1 or yes" onChange={(event) => updateForm({ positive: event.target.value })} data-testid="pack-build-positive" />
            </label>
          )}
          <label className="packs-inline">
            Name <input type="text" value={form.name} onChange={(event) => updateForm({ name: event.target.value })} data-testid="pack-build-name" />
          </label>
          <label className="packs-inline">
            Version <input type="text" size={8} value={form.version} onChange={(event) => updateForm({ version: event.target.value })} data-testid="pack-build-version" />
          </label>
          <label className="packs-inline">
            Parent{' '}
            <select value={form.parent} onChange={(event) => updateForm({ parent: event.target.value as PackBuildForm['parent'] })} data-testid="pack-build-parent">
              <option value="none">none (first version)</option>
              <option value="open" disabled={!pack}>
                the open pack{pack ? ` (${pack.version})` : ''}
              </option>
              <option value="file">a pack file…</option>
            </select>
          </label>
          {form.parent === 'file' && (
            <button type="button" className="btn btn-small" onClick={() => parentInput.current?.click()}>
              {parentFile ? `Parent: ${parentFile.fileName}` : 'Choose the parent pack…'}
            </button>
          )}
          <input ref={parentInput} type="file" accept=".json,application/json" hidden onChange={(event) => void pickParentFile(event)} />
          {problems.length > 0 && <p className="muted small">{problems.join(' ')}</p>}
          <button type="button" className="btn btn-primary" onClick={() => void build()} disabled={job !== null || problems.length > 0} data-testid="pack-build-run">
            Build pack
          </button>
        </fieldset>
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
            <section className="packs-card" aria-label="Pack header" data-testid="pack-header">
              <header className="packs-card-head">
                <h3>
                  {pack.name} <span className="packs-version">{pack.version}</span>
                </h3>
                <span className={`packs-badge approval-${info.approval}`} data-testid="pack-approval">
                  {info.approval}
                </span>
                {unsaved && <span className="packs-badge unsaved">unsaved changes</span>}
                <span className="sql-toolbar-spacer" />
                <button type="button" className={`btn${unsaved ? ' btn-primary' : ''}`} onClick={() => void savePack()} data-testid="pack-save">
                  Save pack…
                </button>
                <button type="button" className="btn" onClick={() => void saveReport()} disabled={busy !== null} data-testid="pack-report">
                  {busy === 'report' ? 'Writing…' : 'HTML report…'}
                </button>
              </header>
              <dl className="packs-meta">
                <dt>Parent</dt>
                <dd>{pack.parent ? <span title={pack.parent.contentHash}>{`${pack.parent.version} (${shortHash(pack.parent.contentHash)})`}</span> : 'none'}</dd>
                <dt>Created</dt>
                <dd>
                  {pack.created.at}
                  {pack.created.by ? ` by ${pack.created.by}` : ''}
                </dd>
                <dt>As of</dt>
                <dd>{pack.asOf}</dd>
                <dt>NULL policy</dt>
                <dd>{pack.nullPolicy}</dd>
                <dt>Hit policy</dt>
                <dd>{pack.hitPolicy}</dd>
                <dt>Entity</dt>
                <dd>
                  {pack.entity.key === null ? (
                    <span data-testid="pack-entity">{pack.entity.table} · no key column: rows are tagged and keep their columns</span>
                  ) : (
                    <span data-testid="pack-entity">
                      {pack.entity.table} · key <code>{pack.entity.key}</code>
                    </span>
                  )}
                </dd>
                <dt>Content hash</dt>
                <dd>
                  <code data-testid="pack-hash">{pack.contentHash}</code>
                </dd>
                {info.migratedFrom && (
                  <>
                    <dt>Migrated</dt>
                    <dd>from {info.migratedFrom}</dd>
                  </>
                )}
                {pack.provenance.sources.length > 0 && (
                  <>
                    <dt>Sources</dt>
                    <dd>{pack.provenance.sources.map((s) => `${s.name} (${formatCount(s.rows)} rows)`).join(', ')}</dd>
                  </>
                )}
              </dl>
            </section>

            <section className="packs-card" aria-label="Tags">
              <header className="packs-card-head">
                <h3>Tags ({pack.tags.length})</h3>
                <span className="muted small">metrics with 95% intervals</span>
              </header>
              <div className="packs-table-wrap">
                <table className="packs-table" data-testid="pack-tags">
                  <thead>
                    <tr>
                      <th>Tag</th>
                      <th>Definition</th>
                      {metricsShown.map((m) => (
                        <th key={m}>{METRIC_LABELS[m]}</th>
                      ))}
                    </tr>
                  </thead>
                  {pack.tags.map((tag) => {
                    const gate = gateBadge(tag);
                    return (
                      <tbody key={tag.name} className="packs-tag-group">
                        <tr data-testid="pack-tag" data-tag={tag.name}>
                          <td className="packs-tag-cell">
                            <strong>{tag.name}</strong>
                            <div className="muted small">
                              {tag.kind} · {tag.group} · {tag.status}
                              {tag.metrics ? ` · ${formatCount(tag.metrics.support)} of ${formatCount(tag.metrics.rows)} rows` : ''}
                            </div>
                            <span className={`packs-badge gate-${gate.tone}`} title={gate.detail} data-testid="pack-gate">
                              {gate.label}
                            </span>
                          </td>
                          <td className="packs-definition">
                            <code>{tagDefinitionText(tag)}</code>
                          </td>
                          {metricsShown.map((m) => (
                            <td key={m} data-metric={m}>
                              {formatInterval(m, tag.metrics) ?? '—'}
                            </td>
                          ))}
                        </tr>
                        {(gate.tone === 'fail' || gate.tone === 'partial') && (
                          <tr className="packs-gate-row">
                            <td colSpan={2 + metricsShown.length} className="small packs-gate-reason">
                              {gate.detail}
                            </td>
                          </tr>
                        )}
                      </tbody>
                    );
                  })}
                </table>
              </div>
              {chart && (
                <div className="packs-chart">
                  {metricsShown.length > 1 && (
                    <label className="packs-inline">
                      Chart{' '}
                      <select value={shownChartMetric} onChange={(event) => setChartMetric(event.target.value as ShownMetric)} data-testid="pack-chart-metric">
                        {metricsShown.map((m) => (
                          <option key={m} value={m}>
                            {METRIC_LABELS[m]}
                          </option>
                        ))}
                      </select>
                    </label>
                  )}
                  <PlotlyChart figure={chart} label={`${METRIC_LABELS[shownChartMetric]} per tag with 95% intervals`} testId="pack-metric-chart" visible={visible} />
                </div>
              )}
            </section>

            <section className="packs-card" aria-label="SQL">
              <header className="packs-card-head">
                <h3>SQL</h3>
                <div className="packs-dialects" role="tablist" aria-label="Dialect">
                  {DIALECTS.map((d) => (
                    <button
                      key={d.id}
                      type="button"
                      role="tab"
                      aria-selected={dialect === d.id}
                      className={`btn btn-small${dialect === d.id ? ' active' : ''}`}
                      onClick={() => {
                        setDialect(d.id);
                        setCopied(null);
                      }}
                      data-testid={`pack-dialect-${d.id}`}
                    >
                      {d.label}
                    </button>
                  ))}
                </div>
                <span className="sql-toolbar-spacer" />
                {copied === dialect && (
                  <span className="muted small" data-testid="pack-sql-copied">
                    Copied
                  </span>
                )}
                <button type="button" className="btn btn-small" onClick={() => void copySql()} disabled={!sql?.byDialect[dialect]} data-testid="pack-sql-copy">
                  Copy
                </button>
              </header>
              {sql?.error && <div className="sql-error-message">The SQL could not be generated: {sql.error}</div>}
              <pre ref={sqlBlock} className="packs-sql" tabIndex={0} aria-label={`${dialect} SQL`} aria-readonly="true" data-testid="pack-sql" data-dialect={dialect}>
                {sql?.byDialect[dialect] ?? (sql ? '' : 'Generating…')}
              </pre>
            </section>

            <section className="packs-card" aria-label="Golden rows">
              <header className="packs-card-head">
                <h3>Golden rows ({pack.golden.rows.length})</h3>
                <span className="muted small">a sample with the tags production must give it</span>
              </header>
              {pack.golden.rows.length === 0 ? (
                <p className="muted small">This pack carries no golden rows.</p>
              ) : (
                <div className="packs-table-wrap">
                  <table className="packs-table" data-testid="pack-golden">
                    <thead>
                      <tr>
                        {pack.entity.key === null && <th title="The row's number in the data the pack was built on">Row</th>}
                        {pack.golden.columns.map((c) => (
                          <th key={c.name} title={c.type}>
                            {c.name}
                          </th>
                        ))}
                        <th>Expected tags</th>
                      </tr>
                    </thead>
                    <tbody>
                      {pack.golden.rows.map((row) => (
                        <tr key={String(row.key)}>
                          {pack.entity.key === null && <td>{row.key}</td>}
                          {pack.golden.columns.map((c) => (
                            <td key={c.name} className={row.values[c.name] === null ? 'muted' : undefined}>
                              {cellText(row.values[c.name])}
                            </td>
                          ))}
                          <td>{row.expected.length > 0 ? row.expected.join(', ') : <span className="muted">none</span>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <div className="packs-actions">
                <label className="packs-inline">
                  Check golden rows{' '}
                  <select value={checkTable} onChange={(event) => setCheckTable(event.target.value)} aria-label="Table to measure drift on" data-testid="pack-check-table">
                    <option value="">(and no table)</option>
                    {tableOptions}
                  </select>
                </label>
                <button type="button" className="btn btn-small" onClick={() => void validate()} disabled={job !== null} data-testid="pack-check">
                  Check
                </button>
              </div>
              {validation && (
                <div className={`packs-check ${validation.result.ok ? 'ok' : 'fail'}`} data-testid="pack-check-result">
                  <strong>{validation.result.ok ? 'Passed' : 'Failed'}</strong>: {validation.result.golden.rows - validation.result.golden.mismatches.length} of {validation.result.golden.rows} golden rows
                  match.
                  {validation.result.golden.mismatches.slice(0, 5).map((m, i) => (
                    <div key={`${String(m.key)}-${i}`} className="small">
                      {rowIdentity(m.key, pack.entity.key === null)}: expected {m.expected.join(', ') || 'none'}, got {m.got.join(', ') || 'none'}
                    </div>
                  ))}
                  {validation.result.golden.mismatches.length > 5 && <div className="small">… and {validation.result.golden.mismatches.length - 5} more</div>}
                  {validation.result.drift.length > 0 && (
                    <ul className="small">
                      {validation.result.drift.map((d) => (
                        <li key={`${d.tag}/${d.metric}`} className={d.outside ? 'packs-drift-out' : undefined}>
                          {d.tag} {d.metric} on {validation.table}: recorded {formatMetricValue(d.metric, d.recorded)}, now {formatMetricValue(d.metric, d.measured)}
                          {d.outside ? ' (outside the recorded interval)' : ''}
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              )}
            </section>

            <section className="packs-card" aria-label="Sign-off" data-testid="pack-signoff">
              <header className="packs-card-head">
                <h3>Sign-off</h3>
                <span className="muted small">a review holds for this exact content; any edit voids it</span>
              </header>
              <div className="packs-signoff">
                <textarea rows={2} placeholder="Note (what you checked, conditions)" value={note} onChange={(event) => setNote(event.target.value)} aria-label="Review note" data-testid="pack-review-note" />
                <div className="packs-actions">
                  <button type="button" className="btn btn-primary" onClick={() => void review('approve')} disabled={busy !== null} data-testid="pack-approve">
                    Approve
                  </button>
                  <button type="button" className="btn btn-danger" onClick={() => void review('reject')} disabled={busy !== null} data-testid="pack-reject">
                    Reject
                  </button>
                  {!reviewer.trim() && <span className="muted small">Enter your name on the left first.</span>}
                </div>
              </div>
              {info.reviews.length === 0 ? (
                <p className="muted small">No reviews yet.</p>
              ) : (
                <ul className="packs-reviews" data-testid="pack-reviews">
                  {[...info.reviews].reverse().map((r, i) => (
                    <li key={`${r.at}-${i}`} className={r.valid ? undefined : 'void'} data-testid="pack-review" data-valid={r.valid}>
                      <span className={`packs-badge decision-${r.decision}`}>{r.decision === 'approve' ? 'approved' : 'rejected'}</span> by <strong>{r.by}</strong> at {r.at}
                      {!r.valid && (
                        <span className="packs-badge void" title={`Reviewed content ${r.contentHash}`}>
                          void: content changed
                        </span>
                      )}
                      {r.note && <div className="packs-review-note">{r.note}</div>}
                    </li>
                  ))}
                </ul>
              )}
            </section>

            <section className="packs-card" aria-label="Apply">
              <header className="packs-card-head">
                <h3>Apply</h3>
                <span className="muted small">every tag per entity, into a new table</span>
              </header>
              <div className="packs-actions">
                <label className="packs-inline">
                  Table{' '}
                  <select value={applyTable} onChange={(event) => setApplyForm({ ...applyForm, table: event.target.value })} data-testid="pack-apply-table">
                    {tables.length === 0 && <option value="">(no tables open)</option>}
                    {tableOptions}
                  </select>
                </label>
                <label className="packs-inline">
                  into <input type="text" value={applyForm.into} onChange={(event) => setApplyForm({ ...applyForm, into: event.target.value })} aria-label="New table" data-testid="pack-apply-into" />
                </label>
                <button type="button" className="btn" onClick={() => void apply()} disabled={job !== null || !applyTable || !applyForm.into.trim()} data-testid="pack-apply">
                  Apply
                </button>
              </div>
            </section>

            <section className="packs-card" aria-label="Compare versions" data-testid="pack-diff-card">
              <header className="packs-card-head">
                <h3>Compare versions</h3>
              </header>
              <div className="packs-actions">
                <button type="button" className="btn btn-small" onClick={() => otherInput.current?.click()} data-testid="pack-diff-open">
                  {other ? `Other: ${other.fileName} (${other.info.pack.version})` : 'Choose the other version…'}
                </button>
                <input ref={otherInput} type="file" accept=".json,application/json" hidden onChange={(event) => void openOther(event)} data-testid="pack-diff-input" />
                <label className="packs-inline">
                  it is the{' '}
                  <select value={otherIsOlder ? 'older' : 'newer'} onChange={(event) => setOtherIsOlder(event.target.value === 'older')} aria-label="The other version is" data-testid="pack-diff-direction">
                    <option value="older">older version</option>
                    <option value="newer">newer version</option>
                  </select>
                </label>
                <label className="packs-inline">
                  on{' '}
                  <select value={diffTable} onChange={(event) => setDiffTable(event.target.value)} aria-label="Table to compare on" data-testid="pack-diff-table">
                    <option value="">(no data)</option>
                    {tableOptions}
                  </select>
                </label>
                <button type="button" className="btn btn-primary btn-small" onClick={() => void runDiff()} disabled={!other || job !== null} data-testid="pack-diff-run">
                  Compare
                </button>
              </div>
              {diff && <DiffResult diff={diff} />}
            </section>
          </>
        )}
      </div>
    </div>
  );
}

function DiffResult({ diff }: { diff: PackDiff }): JSX.Element {
  const nothing = diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
  return (
    <div className="packs-diff" data-testid="pack-diff">
      <p>
        <strong>
          {diff.old.name} {diff.old.version}
        </strong>{' '}
        →{' '}
        <strong>
          {diff.new.name} {diff.new.version}
        </strong>
        : {diff.added.length} added, {diff.removed.length} removed, {diff.changed.length} changed, {diff.unchanged.length} unchanged.
      </p>
      {nothing && <p className="muted">The two versions compute the same tags.</p>}
      {diff.added.length > 0 && (
        <p data-testid="pack-diff-added">
          <span className="packs-badge diff-added">added</span> {diff.added.join(', ')}
        </p>
      )}
      {diff.removed.length > 0 && (
        <p data-testid="pack-diff-removed">
          <span className="packs-badge diff-removed">removed</span> {diff.removed.join(', ')}
        </p>
      )}
      {diff.changed.map((change) => (
        <div key={change.name} className="packs-diff-change" data-testid="pack-diff-changed" data-tag={change.name}>
          <div>
            <span className="packs-badge diff-changed">changed</span> <strong>{change.name}</strong> <span className="muted small">({change.fields.join(', ')})</span>
          </div>
          {change.conditions.length > 0 && (
            <pre className="packs-diff-lines">
              {change.conditions.map((line, i) => {
                const { tone, text } = diffLine(line);
                return (
                  <div key={i} className={`diff-${tone}`} data-testid="pack-diff-line" data-tone={tone}>
                    {tone === 'removed' ? '- ' : tone === 'added' ? '+ ' : '  '}
                    {text}
                  </div>
                );
              })}
            </pre>
          )}
          {change.metrics.length > 0 && (
            <ul className="small packs-deltas">
              {change.metrics.map((m) => (
                <li key={m.metric}>
                  {m.metric}: {formatDelta(m)}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
      {diff.data && (
        <div className="packs-table-wrap">
          <p className="small">
            On <strong>{diff.data.table}</strong> ({formatCount(diff.data.rows)} entities):
          </p>
          <table className="packs-table" data-testid="pack-diff-data">
            <thead>
              <tr>
                <th>Tag</th>
                <th>Status</th>
                <th>Coverage old → new</th>
                <th>Gained</th>
                <th>Lost</th>
                <th>Jaccard</th>
                <th>Example keys</th>
              </tr>
            </thead>
            <tbody>
              {diff.data.tags.map((t) => (
                <tr key={t.name} data-tag={t.name}>
                  <td>{t.name}</td>
                  <td>{t.status}</td>
                  <td>
                    {formatMetricValue('coverage', t.oldCoverage)} → {formatMetricValue('coverage', t.newCoverage)}
                  </td>
                  <td>{formatCount(t.gained)}</td>
                  <td>{formatCount(t.lost)}</td>
                  <td>{formatJaccard(t.jaccard)}</td>
                  <td className="small">
                    {t.exampleGained.length > 0 && <div>+ {t.exampleGained.join(', ')}</div>}
                    {t.exampleLost.length > 0 && <div>− {t.exampleLost.join(', ')}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
