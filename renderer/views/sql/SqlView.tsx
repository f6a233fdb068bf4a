import { useCallback, useEffect, useRef, useState, type FormEvent, type JSX } from 'react';
import { EngineError, type EngineClient, type ExportFormat, type JobHandle, type QueryResult, type TableInfo } from '../../../workers/api';
import { describeError, isCancelled } from '../../errors';
import { useWorkspaceUpdater } from '../../use-workspace-updater';
import { ChartBuilder } from '../chart/ChartBuilder';
import { CHART_TYPE_LABELS } from '../chart/chart-model';
import { formatElapsed, formatRowCount } from './format';
import { ResultGrid } from './ResultGrid';
import { SqlEditor, type SqlEditorHandle } from './SqlEditor';
import { locateSqlError } from './sql-errors';
import type { ChartSpec, HistoryEntry, SqlWorkspaceState } from './types';
import { addHistoryEntry, clearHistory, deleteChart, deleteQuery, saveQuery, sqlSummary, upsertChart } from './workspace-ops';
import './sql-view.css';

export interface SqlViewProps {
  engine: EngineClient;
  tables: TableInfo[];
  onCatalogChanged(): void;
  saveBytes(fileName: string, bytes: Uint8Array): Promise<void>;
  workspace: SqlWorkspaceState;
  onWorkspaceChange(next: SqlWorkspaceState): void;
}

/** The result on screen and the text that produced it. */
interface ShownResult {
  sql: string;
  result: QueryResult;
}

interface ShownError {
  message: string;
  /** The engine's own wording, when the message was rewritten into plain words. */
  cause: string | null;
  where: { line: number; column: number } | null;
  cancelled: boolean;
}

interface Running {
  handle: JobHandle<QueryResult>;
  startedAt: number;
}

type SidePanel = 'saved' | 'history' | 'charts';
type BottomPanel = 'results' | 'chart';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const RUN_SHORTCUT = isMac ? '⌘↵' : 'Ctrl+Enter';

function errorFrom(err: unknown): Omit<ShownError, 'where'> {
  if (isCancelled(err)) return { message: 'The query was cancelled.', cause: null, cancelled: true };
  const cause = err instanceof EngineError && typeof err.detail?.cause === 'string' && err.detail.cause !== err.message ? err.detail.cause : null;
  // The position is shown separately (and marked in the editor), so drop it from the sentence.
  const message = (err instanceof Error ? err.message : String(err)).replace(/ \(line \d+, column \d+\)$/, '');
  return { message, cause, cancelled: false };
}

function timeAgo(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const seconds = Math.round((Date.now() - at.getTime()) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return at.toLocaleDateString();
}

/** The SQL workbench: editor, run/cancel, results grid, export, chart builder, saved queries and history. */
export function SqlView(props: SqlViewProps): JSX.Element {
  const { engine, tables, onCatalogChanged, saveBytes } = props;
  const editor = useRef<SqlEditorHandle>(null);
  const [running, setRunning] = useState<Running | null>(null);
  const [now, setNow] = useState(() => performance.now());
  const [shown, setShown] = useState<ShownResult | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [side, setSide] = useState<SidePanel>('history');
  const [bottom, setBottom] = useState<BottomPanel>('results');
  // The chart builder mounts on first use (it may run GROUP BY queries) and then stays mounted.
  const [chartVisited, setChartVisited] = useState(false);
  const showBottom = (panel: BottomPanel): void => {
    if (panel === 'chart') setChartVisited(true);
    setBottom(panel);
  };
  const [chartToOpen, setChartToOpen] = useState<ChartSpec | null>(null);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [status, setStatus] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  const [naming, setNaming] = useState<string | null>(null);
  const [hasText, setHasText] = useState(false);
  const [hasSelection, setHasSelection] = useState(false);

  // Runs finish after other edits to the workspace: always update the latest state, not a stale copy.
  const { updateWorkspace } = useWorkspaceUpdater(props.workspace, props.onWorkspaceChange);

  const runningRef = useRef<Running | null>(null);
  runningRef.current = running;
  const shownRef = useRef<ShownResult | null>(null);
  shownRef.current = shown;

  // Release the result held by the engine when it is replaced or the view goes away.
  const release = useCallback(
    (result: QueryResult | null | undefined) => {
      if (result?.resultId) void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
    },
    [engine],
  );
  useEffect(() => () => release(shownRef.current?.result), [release]);

  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => setNow(performance.now()), 100);
    return () => window.clearInterval(timer);
  }, [running]);

  const run = useCallback(async () => {
    if (runningRef.current || !editor.current) return;
    const { sql, from } = editor.current.runText();
    if (sql.trim().length === 0) {
      setError({ message: 'There is nothing to run: write a query first.', cause: null, where: null, cancelled: false });
      return;
    }
    const documentText = editor.current.getText();
    editor.current.clearError();
    setError(null);
    setStatus(null);
    const startedAt = performance.now();
    const handle = engine.start('sql.run', { sql, preview: 200 });
    const current = { handle, startedAt };
    runningRef.current = current;
    setRunning(current);
    setNow(startedAt);
    const at = new Date().toISOString();
    try {
      const result = await handle.result;
      release(shownRef.current?.result);
      setShown({ sql, result });
      setChartToOpen((pending) => (pending && pending.sql === sql ? pending : null));
      updateWorkspace((state) => addHistoryEntry(state, { sql, at, ok: true, rowCount: result.rowCount, elapsedMs: Math.round(result.elapsedMs) }));
      if (result.catalogChanged) onCatalogChanged();
    } catch (err) {
      const shownError = errorFrom(err);
      const position = err instanceof EngineError ? err.detail?.position : undefined;
      const location = locateSqlError(documentText, sql, from, position);
      setError({ ...shownError, where: location ? { line: location.line, column: location.column } : null });
      if (location) editor.current?.markError(location.from, location.to);
      const entry: HistoryEntry = { sql, at, ok: false, elapsedMs: Math.round(performance.now() - startedAt), error: shownError.message };
      updateWorkspace((state) => addHistoryEntry(state, entry));
      // A failed script may still have changed the catalog before the failing statement.
      if (!shownError.cancelled && /;\s*\S/.test(sql.trim().replace(/;\s*$/, ''))) onCatalogChanged();
    } finally {
      runningRef.current = null;
      setRunning(null);
    }
  }, [engine, onCatalogChanged, release, updateWorkspace]);

  const cancel = useCallback((): boolean => {
    const current = runningRef.current;
    if (!current) return false;
    current.handle.cancel();
    return true;
  }, []);

  const loadIntoEditor = (sql: string): void => {
    editor.current?.setText(sql);
    editor.current?.focus();
  };

  const exportAs = async (format: ExportFormat): Promise<void> => {
    const resultId = shown?.result.resultId;
    if (!resultId) return;
    setExporting(format);
    setStatus(null);
    try {
      const out = await engine.run('data.export', { from: { resultId }, format });
      if (!out.bytes) throw new Error('The engine returned no bytes to save.');
      const fileName = `result.${format}`;
      await saveBytes(fileName, out.bytes);
      setStatus({ tone: 'ok', text: `Exported ${formatRowCount(out.rowCount)} to ${fileName} (${(out.byteLength / 1024).toFixed(out.byteLength < 10_240 ? 1 : 0)} KB).` });
    } catch (err) {
      if (!isCancelled(err)) setStatus({ tone: 'error', text: `Export failed: ${describeError(err)}` });
    } finally {
      setExporting(null);
    }
  };

  const submitName = (event: FormEvent): void => {
    event.preventDefault();
    if (naming === null) return;
    const sql = editor.current?.getText() ?? '';
    try {
      updateWorkspace((state) => saveQuery(state, naming, sql).state);
      setNaming(null);
      setSide('saved');
      setStatus({ tone: 'ok', text: `Saved "${naming.trim()}".` });
    } catch (err) {
      setStatus({ tone: 'error', text: describeError(err) });
    }
  };

  const openChart = (chart: ChartSpec): void => {
    if (runningRef.current) {
      setStatus({ tone: 'error', text: 'A query is running: wait for it or cancel it (Esc) before opening a chart.' });
      return;
    }
    setChartToOpen(chart);
    showBottom('chart');
    loadIntoEditor(chart.sql);
    if (shownRef.current?.sql !== chart.sql) void run();
  };

  const result = shown?.result ?? null;
  const openedChart = chartToOpen && shown && chartToOpen.sql === shown.sql ? chartToOpen : null;
  const canExport = result !== null && result.resultId !== null && exporting === null;
  const exportTitle = result === null ? 'Run a query first' : result.resultId === null ? 'This statement has no result to export' : undefined;
  const { queries, history, charts } = props.workspace;

  return (
    <div
      className="sql-view"
      onKeyDown={(event) => {
        // Ctrl/Cmd+Enter runs from anywhere in the view (the editor handles it itself first).
        if (event.defaultPrevented) return;
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          void run();
        } else if (event.key === 'Escape' && cancel()) {
          event.preventDefault();
        }
      }}
    >
      <div className="sql-toolbar" role="toolbar" aria-label="Query">
        {running ? (
          <button type="button" className="btn btn-danger" data-testid="sql-cancel" onClick={() => cancel()} title="Cancel the running query (Esc)">
            Cancel
          </button>
        ) : (
          <button type="button" className="btn btn-primary" data-testid="sql-run" onClick={() => void run()} title={`Run the selection, or everything (${RUN_SHORTCUT})`}>
            ▶ {hasSelection ? 'Run selection' : 'Run'} <kbd>{RUN_SHORTCUT}</kbd>
          </button>
        )}
        <span className="sql-timer" aria-live="polite" data-testid="sql-status">
          {running ? `Running… ${formatElapsed(now - running.startedAt)}` : result ? `${formatRowCount(result.rowCount)} in ${formatElapsed(result.elapsedMs)}` : ''}
        </span>
        <span className="sql-toolbar-spacer" />
        {naming === null ? (
          <button type="button" className="btn" onClick={() => setNaming('')} disabled={!hasText} title={hasText ? 'Save the editor text as a named query' : 'Write a query first'}>
            Save query…
          </button>
        ) : (
          <form className="sql-name-form" onSubmit={submitName}>
            <input
              autoFocus
              type="text"
              aria-label="Query name"
              placeholder="Query name"
              value={naming}
              onChange={(event) => setNaming(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Escape') setNaming(null);
              }}
            />
            <button type="submit" className="btn btn-primary" disabled={naming.trim().length === 0}>
              Save
            </button>
            <button type="button" className="btn" onClick={() => setNaming(null)}>
              Cancel
            </button>
          </form>
        )}
        <button type="button" className="btn" data-testid="sql-export-csv" disabled={!canExport} title={exportTitle ?? 'Save the whole result as CSV'} onClick={() => void exportAs('csv')}>
          {exporting === 'csv' ? 'Exporting…' : 'Export CSV'}
        </button>
        <button type="button" className="btn" data-testid="sql-export-parquet" disabled={!canExport} title={exportTitle ?? 'Save the whole result as Parquet'} onClick={() => void exportAs('parquet')}>
          {exporting === 'parquet' ? 'Exporting…' : 'Export Parquet'}
        </button>
      </div>

      <div className="sql-top">
        <div className="sql-editor-pane">
          <SqlEditor
            ref={editor}
            tables={tables}
            initialText=""
            onRun={() => void run()}
            onEscape={cancel}
            onTextChange={(text) => setHasText(text.trim().length > 0)}
            onSelectionChange={setHasSelection}
          />
        </div>
        <aside className="sql-side" aria-label="Saved queries, history and charts">
          <div className="sql-side-tabs" role="tablist">
            {(['history', 'saved', 'charts'] as const).map((panel) => (
              <button key={panel} type="button" role="tab" aria-selected={side === panel} className="sql-side-tab" onClick={() => setSide(panel)} data-testid={`sql-side-${panel}`}>
                {panel === 'history' ? `History (${history.length})` : panel === 'saved' ? `Saved (${queries.length})` : `Charts (${charts.length})`}
              </button>
            ))}
          </div>
          <div className="sql-side-body" role="tabpanel">
            {side === 'history' && (
              <>
                {history.length === 0 && <p className="sql-empty">Queries you run appear here, newest first.</p>}
                <ul className="sql-list" data-testid="sql-history">
                  {history.map((entry) => (
                    <li key={`${entry.at}-${entry.sql}`}>
                      <button type="button" className={`sql-list-item${entry.ok ? '' : ' failed'}`} onClick={() => loadIntoEditor(entry.sql)} title={`${entry.sql}\n\nClick to load into the editor`}>
                        <span className="sql-list-main">{sqlSummary(entry.sql)}</span>
                        <span className="sql-list-meta">
                          {entry.ok ? formatRowCount(entry.rowCount ?? 0) : entry.error ?? 'failed'}
                          {entry.elapsedMs !== undefined ? ` · ${formatElapsed(entry.elapsedMs)}` : ''} · {timeAgo(entry.at)}
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
                {history.length > 0 && (
                  <button type="button" className="btn btn-small" onClick={() => updateWorkspace(clearHistory)}>
                    Clear history
                  </button>
                )}
              </>
            )}
            {side === 'saved' && (
              <>
                {queries.length === 0 && <p className="sql-empty">Save a query with “Save query…” to keep it in the workspace.</p>}
                <ul className="sql-list" data-testid="sql-saved">
                  {queries.map((query) => (
                    <li key={query.id} className="sql-list-row">
                      <button type="button" className="sql-list-item" onClick={() => loadIntoEditor(query.sql)} title={`${query.sql}\n\nClick to load into the editor`}>
                        <span className="sql-list-main">{query.name}</span>
                        <span className="sql-list-meta">{sqlSummary(query.sql, 60)}</span>
                      </button>
                      <button type="button" className="btn-icon" aria-label={`Delete saved query ${query.name}`} title="Delete" onClick={() => updateWorkspace((state) => deleteQuery(state, query.id))}>
                        ×
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {side === 'charts' && (
              <>
                {charts.length === 0 && <p className="sql-empty">Build a chart from a result and press “Save chart”.</p>}
                <ul className="sql-list" data-testid="sql-charts">
                  {charts.map((chart) => (
                    <li key={chart.id} className="sql-list-row">
                      <button type="button" className="sql-list-item" onClick={() => openChart(chart)} title={`${chart.sql}\n\nClick to run the query and show the chart`}>
                        <span className="sql-list-main">{chart.title || `${CHART_TYPE_LABELS[chart.type]} of ${[chart.x, chart.y].filter(Boolean).join(' × ')}`}</span>
                        <span className="sql-list-meta">
                          {CHART_TYPE_LABELS[chart.type]} · {sqlSummary(chart.sql, 50)}
                        </span>
                      </button>
                      <button type="button" className="btn-icon" aria-label={`Delete chart ${chart.title ?? chart.id}`} title="Delete" onClick={() => updateWorkspace((state) => deleteChart(state, chart.id))}>
                        ×
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        </aside>
      </div>

      {error && (
        <div className={`sql-error${error.cancelled ? ' cancelled' : ''}`} role="alert" data-testid="sql-error">
          <div className="sql-error-message">
            {error.where && (
              <strong className="sql-error-where">
                Line {error.where.line}, column {error.where.column}:{' '}
              </strong>
            )}
            {error.message}
          </div>
          {error.cause && (
            <details>
              <summary>DuckDB's message</summary>
              <pre>{error.cause}</pre>
            </details>
          )}
        </div>
      )}
      {status && (
        <div className={`sql-status-line ${status.tone}`} role={status.tone === 'error' ? 'alert' : 'status'}>
          {status.text}
          <button type="button" className="btn-icon" aria-label="Dismiss" onClick={() => setStatus(null)}>
            ×
          </button>
        </div>
      )}

      <div className="sql-bottom">
        <div className="sql-bottom-tabs" role="tablist" aria-label="Result views">
          <button type="button" role="tab" aria-selected={bottom === 'results'} className="sql-side-tab" onClick={() => showBottom('results')} data-testid="sql-tab-results">
            Results
          </button>
          <button type="button" role="tab" aria-selected={bottom === 'chart'} className="sql-side-tab" onClick={() => showBottom('chart')} data-testid="sql-tab-chart" disabled={!result || result.columns.length === 0}>
            Chart
          </button>
          {result && (
            <span className="sql-result-count" data-testid="sql-result-count">
              {formatRowCount(result.rowCount)}
            </span>
          )}
          {result?.catalogChanged && <span className="muted sql-catalog-note">The catalog changed; the table list is refreshed.</span>}
        </div>
        <div className="sql-bottom-body">
          {!result && (
            <p className="sql-empty">
              Run a query to see its rows here.{' '}
              {tables.length === 0
                ? 'No tables are open yet: open a file first, or create one with CREATE TABLE.'
                : `Tables: ${tables.slice(0, 8).map((t) => t.name).join(', ')}${tables.length > 8 ? `, and ${tables.length - 8} more` : ''}.`}
            </p>
          )}
          {result && (
            <div className="sql-bottom-panel" hidden={bottom !== 'results'}>
              <ResultGrid engine={engine} result={result} />
            </div>
          )}
          {result && shown && chartVisited && result.columns.length > 0 && (
            <div className="sql-bottom-panel" hidden={bottom !== 'chart'}>
              <ChartBuilder
                // A saved chart applies once its query's result is on screen; the builder then restarts from it.
                key={openedChart?.id ?? 'new'}
                engine={engine}
                result={result}
                sql={shown.sql}
                initial={openedChart}
                visible={bottom === 'chart'}
                onSave={(chart) => updateWorkspace((state) => upsertChart(state, chart))}
              />
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
