import { Suspense, lazy, useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type ReactNode } from 'react';
import type { BrowserEngine } from '../workers/browser';
import type { ColumnTypeName, EngineInfo, OpenParams, TableInfo } from '../workers/api';
import { Catalog, type CatalogActions } from './components/Catalog';
import { JobsPanel } from './components/JobsPanel';
import { Notices, type Notice, type NoticeTone } from './components/Notices';
import { RecentMenu } from './components/RecentMenu';
import { describeError, isEngineDown } from './errors';
import type { MenuCommand, PickedFile, Platform, RecentWorkspace } from './platform';
import { DataView } from './views/data/DataView';
import { emptyModelsWorkspace, type ModelsWorkspaceState } from './views/models/types';
import { emptyPacksWorkspace, type PacksWorkspaceState } from './views/packs/types';
import { emptySegmentsWorkspace, type SegmentsWorkspaceState } from './views/segments/types';
import { emptySqlWorkspace, type SqlWorkspaceState } from './views/sql/types';
import { addSegmentTags } from './views/tags/tag-data';
import { emptyTagsWorkspace, type Tag, type TagsWorkspaceState } from './views/tags/types';
import { parseWorkspace, serializeWorkspace, workspaceFileName, type Workspace, type WorkspaceSource } from './workspace';

// CodeMirror and the result grid load when the SQL tab is first opened, keeping cold start light.
const SqlView = lazy(() => import('./views/sql/SqlView').then((module) => ({ default: module.SqlView })));
const ModelsView = lazy(() => import('./views/models/ModelsView').then((module) => ({ default: module.ModelsView })));
const SegmentsView = lazy(() => import('./views/segments/SegmentsView').then((module) => ({ default: module.SegmentsView })));
const TagsView = lazy(() => import('./views/tags/TagsView').then((module) => ({ default: module.TagsView })));
const PacksView = lazy(() => import('./views/packs/PacksView').then((module) => ({ default: module.PacksView })));

const INFO_NOTICE_MS = 15_000;
const FILE_ACCEPT = '.csv,.tsv,.txt,.gz,.parquet,.json,.ndjson,.jsonl';

type EngineStatus = { state: 'starting' } | { state: 'ready'; info: EngineInfo } | { state: 'failed'; message: string };
type Tab = 'data' | 'sql' | 'models' | 'segments' | 'tags' | 'packs';

/**
 * The tabs in order. `loading`: the view is lazy (mounted on first visit, then kept mounted) and
 * this is shown while its code loads; the Data view has none, it is always mounted.
 */
const TABS: ReadonlyArray<{ id: Tab; label: string; loading?: string }> = [
  { id: 'data', label: 'Data' },
  { id: 'sql', label: 'SQL', loading: 'Loading the SQL editor…' },
  { id: 'models', label: 'Models', loading: 'Loading models…' },
  { id: 'segments', label: 'Segments', loading: 'Loading segments…' },
  { id: 'tags', label: 'Tags', loading: 'Loading tags…' },
  { id: 'packs', label: 'Packs', loading: 'Loading packs…' },
];

/** A file to open, with what the workspace should remember about it. */
interface OpenRequest {
  params: OpenParams;
  label: string;
  remember: Omit<WorkspaceSource, 'table' | 'format'>;
}

interface AppProps {
  engine: BrowserEngine;
  platform: Platform;
}

function isEngineInfo(value: unknown): value is EngineInfo {
  if (typeof value !== 'object' || value === null) return false;
  const info = value as Record<string, unknown>;
  return typeof info.duckdbVersion === 'string' && typeof info.bundle === 'string' && (info.host === 'browser' || info.host === 'node');
}

function sourceFromPicked(file: PickedFile): OpenParams['source'] {
  return file.kind === 'blob'
    ? { kind: 'blob', name: file.name, blob: file.blob }
    : { kind: 'bytes', name: file.name, bytes: file.bytes };
}

export function App({ engine, platform }: AppProps) {
  const client = engine.client;
  const [status, setStatus] = useState<EngineStatus>({ state: 'starting' });
  const [initialLoadDone, setInitialLoadDone] = useState(false);
  const [tables, setTables] = useState<TableInfo[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('data');
  // Heavy views mount on first visit and then stay mounted, keeping their state across tabs.
  const [visited, setVisited] = useState<ReadonlySet<Tab>>(new Set(['data']));
  const [sqlWorkspace, setSqlWorkspace] = useState<SqlWorkspaceState>(emptySqlWorkspace);
  const [modelsWorkspace, setModelsWorkspace] = useState<ModelsWorkspaceState>(emptyModelsWorkspace);
  const [segmentsWorkspace, setSegmentsWorkspace] = useState<SegmentsWorkspaceState>(emptySegmentsWorkspace);
  const [tagsWorkspace, setTagsWorkspace] = useState<TagsWorkspaceState>(emptyTagsWorkspace);
  const [packsWorkspace, setPacksWorkspace] = useState<PacksWorkspaceState>(emptyPacksWorkspace);
  const [sources, setSources] = useState<WorkspaceSource[]>([]);
  const [toPickAgain, setToPickAgain] = useState<WorkspaceSource[]>([]);
  const [workspaceMeta, setWorkspaceMeta] = useState<{ name: string; path?: string } | null>(null);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [busyTables, setBusyTables] = useState<ReadonlySet<string>>(new Set());
  const [opening, setOpening] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [recent, setRecent] = useState<RecentWorkspace[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);
  const noticeCounter = useRef(0);
  const startedInitialLoad = useRef(false);

  const notify = useCallback((tone: NoticeTone, text: string) => {
    const id = ++noticeCounter.current;
    setNotices((list) => [...list.slice(-5), { id, tone, text }]);
    // Confirmations fade; errors and warnings stay until dismissed.
    if (tone === 'info') setTimeout(() => setNotices((list) => list.filter((n) => n.id !== id)), INFO_NOTICE_MS);
  }, []);
  /** A failed job in plain words; when the engine itself is down, its status already says so. */
  const reportError = useCallback((what: string, err: unknown) => {
    if (!isEngineDown(err)) notify('error', `${what}: ${describeError(err)}`);
  }, [notify]);
  const dismissNotice = useCallback((id: number) => setNotices((list) => list.filter((n) => n.id !== id)), []);
  const tagsWorkspaceRef = useRef(tagsWorkspace);
  tagsWorkspaceRef.current = tagsWorkspace;
  /** "Save as segment tags" in the Segments view: the tags join the Tags view's tag set. */
  const addSegmentTagsToSet = useCallback((tags: Tag[]): string => {
    const { added, replaced } = addSegmentTags(tagsWorkspaceRef.current.tagSet, tags);
    setTagsWorkspace((ws) => ({ ...ws, tagSet: addSegmentTags(ws.tagSet, tags).set }));
    const parts = [added.length > 0 ? `added ${added.length}` : '', replaced.length > 0 ? `updated ${replaced.length}` : ''].filter(Boolean);
    return `Segment tags in the Tags tab: ${parts.join(', ') || 'none'} (draft; each carries the scaler and centroids, so it can be validated and packed).`;
  }, []);

  const refreshCatalog = useCallback(async (prefer?: string): Promise<TableInfo[]> => {
    try {
      const list = await client.run('data.catalog', {});
      setTables(list);
      setSelected((current) => {
        if (prefer && list.some((t) => t.name === prefer)) return prefer;
        if (current && list.some((t) => t.name === current)) return current;
        return list[0]?.name ?? null;
      });
      return list;
    } catch (err) {
      reportError('Could not read the list of tables', err);
      return [];
    }
  }, [reportError, client]);

  /** Opens files one after another in the engine; returns the tables created. */
  const openRequests = useCallback(async (requests: OpenRequest[], options: { select?: string } = {}): Promise<TableInfo[]> => {
    if (requests.length === 0) return [];
    setOpening((n) => n + requests.length);
    const opened: TableInfo[] = [];
    const results = await Promise.allSettled(requests.map((request) => client.run('data.open', request.params)));
    results.forEach((result, index) => {
      const request = requests[index];
      if (!request) return;
      if (result.status === 'fulfilled') {
        const table = result.value;
        opened.push(table);
        const format = table.source?.format ?? request.params.format ?? 'csv';
        setSources((list) => [...list.filter((s) => s.table !== table.name), { ...request.remember, table: table.name, format }]);
        for (const warning of table.warnings ?? []) notify('warning', `${table.name}: ${warning}`);
      } else {
        reportError(`Could not open ${request.label}`, result.reason);
      }
    });
    setOpening((n) => n - requests.length);
    await refreshCatalog(options.select ?? opened[opened.length - 1]?.name);
    return opened;
  }, [reportError, client, notify, refreshCatalog]);

  const openPickedFiles = useCallback(async (files: PickedFile[]): Promise<void> => {
    const requests = files.map((file): OpenRequest => {
      // A file the workspace asked for again goes back under its saved table name.
      const wanted = toPickAgain.find((source) => source.name === file.name);
      const params: OpenParams = { source: sourceFromPicked(file) };
      if (wanted) {
        params.tableName = wanted.table;
        params.format = wanted.format;
        params.replace = true;
        if (wanted.delimiter !== undefined || wanted.header !== undefined) params.csv = { delimiter: wanted.delimiter, header: wanted.header };
      }
      return { params, label: file.name, remember: file.kind === 'bytes' ? { name: file.name, path: file.path } : { name: file.name } };
    });
    const names = new Set(files.map((f) => f.name));
    setToPickAgain((list) => list.filter((source) => !names.has(source.name)));
    await openRequests(requests);
  }, [openRequests, toPickAgain]);

  const openBrowserFiles = useCallback((files: File[]) => {
    void openPickedFiles(files.map((file) => ({ kind: 'blob', name: file.name, blob: file })));
  }, [openPickedFiles]);

  const chooseFiles = useCallback(async () => {
    if (platform.pickFiles) {
      try {
        const files = await platform.pickFiles();
        await openPickedFiles(files);
      } catch (err) {
        reportError('Could not read the chosen files', err);
      }
    } else {
      fileInput.current?.click();
    }
  }, [reportError, platform, openPickedFiles]);

  const onFileInput = (event: ChangeEvent<HTMLInputElement>): void => {
    const files = Array.from(event.target.files ?? []);
    // Reset so picking the same file again still fires a change.
    event.target.value = '';
    if (files.length > 0) openBrowserFiles(files);
  };

  const loadSamples = useCallback(async (): Promise<void> => {
    try {
      const manifest = await platform.loadSampleManifest();
      const requests: OpenRequest[] = [];
      const loaded = await Promise.allSettled(manifest.files.map((file) => platform.readSample(file.path)));
      loaded.forEach((result, index) => {
        const file = manifest.files[index];
        if (!file) return;
        if (result.status === 'rejected') {
          reportError(`Could not load the sample ${file.name}`, result.reason);
          return;
        }
        const params: OpenParams = { source: { kind: 'bytes', name: file.name, bytes: result.value }, replace: true };
        if (file.table) params.tableName = file.table;
        if (file.delimiter) params.csv = { delimiter: file.delimiter };
        requests.push({ params, label: file.name, remember: { name: file.name, sample: file.path, delimiter: file.delimiter } });
      });
      const first = manifest.files[0]?.table;
      const opened = await openRequests(requests, first ? { select: first } : {});
      if (opened.length > 0) setWorkspaceMeta({ name: manifest.name ?? 'Sample workspace' });
    } catch (err) {
      reportError('The sample data could not be loaded', err);
    }
  }, [reportError, platform, openRequests]);

  const applyWorkspace = useCallback(async (workspace: Workspace, meta: { name: string; path?: string }): Promise<void> => {
    // A workspace replaces what is open: drop the current tables first.
    const current = await client.run('data.catalog', {}).catch(() => [] as TableInfo[]);
    for (const table of current) await client.run('data.drop', { table: table.name }).catch(() => undefined);
    setSources([]);
    setSqlWorkspace(workspace.sql);
    setModelsWorkspace(workspace.models ?? emptyModelsWorkspace());
    setSegmentsWorkspace(workspace.segments ?? emptySegmentsWorkspace());
    setTagsWorkspace(workspace.tags ?? emptyTagsWorkspace());
    setPacksWorkspace(workspace.packs ?? emptyPacksWorkspace());
    setWorkspaceMeta(meta);
    const requests: OpenRequest[] = [];
    const missing: WorkspaceSource[] = [];
    for (const source of workspace.sources) {
      const csv = source.delimiter !== undefined || source.header !== undefined ? { delimiter: source.delimiter, header: source.header } : undefined;
      const base: Omit<OpenParams, 'source'> = { tableName: source.table, format: source.format, replace: true, ...(csv ? { csv } : {}) };
      try {
        if (source.sample) {
          const bytes = await platform.readSample(source.sample);
          requests.push({ params: { ...base, source: { kind: 'bytes', name: source.name, bytes } }, label: source.name, remember: source });
        } else if (source.path && platform.readPath) {
          const bytes = await platform.readPath(source.path);
          requests.push({ params: { ...base, source: { kind: 'bytes', name: source.name, bytes } }, label: source.name, remember: source });
        } else {
          missing.push(source);
        }
      } catch (err) {
        reportError(`Could not read ${source.path ?? source.name}`, err);
        missing.push(source);
      }
    }
    setToPickAgain(missing);
    await openRequests(requests, workspace.selectedTable ? { select: workspace.selectedTable } : {});
    if (missing.length > 0) {
      notify(
        'info',
        `The browser cannot reopen files by itself. Please open these files again: ${missing.map((s) => s.name).join(', ')}. They will be loaded as ${missing.map((s) => s.table).join(', ')}.`,
      );
    }
  }, [reportError, client, platform, openRequests, notify]);

  const openWorkspaceText = useCallback(async (file: { name: string; path?: string; text: string } | null) => {
    if (!file) return;
    try {
      const workspace = parseWorkspace(file.text);
      await applyWorkspace(workspace, { name: workspace.name ?? file.name.replace(/\.assay\.json$/, ''), path: file.path });
      notify('info', `Opened workspace ${file.name}.`);
    } catch (err) {
      notify('error', describeError(err));
    }
  }, [applyWorkspace, notify]);

  const openWorkspace = useCallback(async () => {
    try {
      await openWorkspaceText(await platform.openWorkspace());
    } catch (err) {
      reportError('Could not open the workspace', err);
    }
  }, [reportError, platform, openWorkspaceText]);

  const refreshRecent = useCallback(() => {
    platform.recentWorkspaces().then(setRecent, () => setRecent([]));
  }, [platform]);

  const openRecent = useCallback(async (id: string) => {
    try {
      const file = await platform.openRecent(id);
      if (!file) notify('error', 'That workspace no longer exists.');
      await openWorkspaceText(file);
    } catch (err) {
      reportError('Could not open the workspace', err);
    }
  }, [reportError, platform, openWorkspaceText, notify]);

  const saveWorkspace = useCallback(async (saveAs: boolean) => {
    const name = workspaceMeta?.name ?? 'workspace';
    const tableNames = new Set(tables.map((t) => t.name));
    const workspace: Workspace = {
      version: 1,
      name,
      savedAt: new Date().toISOString(),
      sources: sources.filter((s) => tableNames.has(s.table)),
      sql: sqlWorkspace,
      models: modelsWorkspace,
      segments: segmentsWorkspace,
      tags: tagsWorkspace,
      packs: packsWorkspace,
      selectedTable: selected,
    };
    try {
      const saved = await platform.saveWorkspace(
        { name: workspaceFileName(name), path: workspaceMeta?.path, text: serializeWorkspace(workspace) },
        saveAs,
      );
      if (!saved) return;
      setWorkspaceMeta({ name, path: saved.path });
      const unsaved = tables.filter((t) => !sources.some((s) => s.table === t.name)).map((t) => t.name);
      notify(
        'info',
        `Saved workspace ${saved.name}.` + (unsaved.length > 0 ? ` Tables made with SQL (${unsaved.join(', ')}) are not files; their queries stay in the history.` : ''),
      );
      refreshRecent();
    } catch (err) {
      reportError('Could not save the workspace', err);
    }
  }, [reportError, platform, workspaceMeta, tables, sources, sqlWorkspace, modelsWorkspace, segmentsWorkspace, tagsWorkspace, packsWorkspace, selected, notify, refreshRecent]);

  const withBusyTable = useCallback(async <T,>(table: string, work: () => Promise<T>): Promise<T> => {
    setBusyTables((set) => new Set(set).add(table));
    try {
      return await work();
    } finally {
      setBusyTables((set) => {
        const next = new Set(set);
        next.delete(table);
        return next;
      });
    }
  }, []);

  const catalogActions = useMemo<CatalogActions>(() => ({
    select: (table) => {
      setSelected(table);
      setTab('data');
    },
    rename: (table, newName) =>
      withBusyTable(table, async () => {
        try {
          const info = await client.run('data.rename', { table, newName });
          setSources((list) => list.map((s) => (s.table === table ? { ...s, table: info.name } : s)));
          await refreshCatalog(selected === table ? info.name : undefined);
          return true;
        } catch (err) {
          reportError(`Could not rename ${table}`, err);
          return false;
        }
      }),
    drop: (table) =>
      withBusyTable(table, async () => {
        try {
          await client.run('data.drop', { table });
          setSources((list) => list.filter((s) => s.table !== table));
          await refreshCatalog();
        } catch (err) {
          reportError(`Could not drop ${table}`, err);
        }
      }),
    alterType: (table, column, type: ColumnTypeName) =>
      withBusyTable(table, async () => {
        try {
          await client.run('data.alterType', { table, column, type });
          await refreshCatalog();
        } catch (err) {
          reportError(`Could not change ${column} to ${type}`, err);
        }
      }),
  }), [reportError, client, refreshCatalog, selected, withBusyTable]);

  // Engine start-up: status first, then the sample workspace on first start.
  useEffect(() => {
    const unsubscribe = engine.onFatalError((error) => {
      setStatus({ state: 'failed', message: error.message });
      notify('error', error.message);
    });
    client
      .ready()
      // The ready message carries the engine info; ask for it only if it did not (older hosts).
      .then((info) => (isEngineInfo(info) ? info : client.run('engine.info', {})))
      .then((info) => setStatus((current) => (current.state === 'failed' ? current : { state: 'ready', info })))
      .catch((err: unknown) => setStatus({ state: 'failed', message: describeError(err) }));
    return unsubscribe;
  }, [engine, client, notify]);

  useEffect(() => {
    if (startedInitialLoad.current) return;
    startedInitialLoad.current = true;
    const params = new URLSearchParams(window.location.search);
    // ?samples=0 starts empty (tests, people who know what they want to open).
    const wantSamples = params.get('samples') !== '0';
    void (wantSamples ? loadSamples() : refreshCatalog().then(() => undefined)).finally(() => setInitialLoadDone(true));
  }, [loadSamples, refreshCatalog]);

  useEffect(refreshRecent, [refreshRecent]);

  // Menu commands from the desktop shell.
  const menuHandlers = useRef<Record<MenuCommand, (path?: string) => void> | null>(null);
  menuHandlers.current = {
    'open-files': () => void chooseFiles(),
    'open-workspace': () => void openWorkspace(),
    'save-workspace': () => void saveWorkspace(false),
    'save-workspace-as': () => void saveWorkspace(true),
    'open-recent': (path) => {
      if (path) void openRecent(path);
    },
  };
  useEffect(() => platform.onMenuCommand((command, path) => menuHandlers.current?.[command]?.(path)), [platform]);

  // Keyboard shortcuts (the browser build has no menu bar).
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 'o' && !event.shiftKey) {
        event.preventDefault();
        menuHandlers.current?.['open-files']();
      } else if (key === 's') {
        event.preventDefault();
        menuHandlers.current?.[event.shiftKey ? 'save-workspace-as' : 'save-workspace']();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Drag and drop anywhere on the window.
  useEffect(() => {
    let depth = 0;
    const hasFiles = (event: DragEvent): boolean => Array.from(event.dataTransfer?.types ?? []).includes('Files');
    const onEnter = (event: DragEvent): void => {
      if (!hasFiles(event)) return;
      depth += 1;
      setDragging(true);
    };
    const onOver = (event: DragEvent): void => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const onLeave = (event: DragEvent): void => {
      if (!hasFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onDrop = (event: DragEvent): void => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const files = Array.from(event.dataTransfer?.files ?? []);
      if (files.length > 0) openBrowserFiles(files);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [openBrowserFiles]);

  const showTab = (next: Tab): void => {
    setTab(next);
    setVisited((set) => (set.has(next) ? set : new Set(set).add(next)));
  };

  const selectedTable = tables.find((t) => t.name === selected) ?? null;
  const ready = status.state === 'ready' && initialLoadDone;
  const saveBytes = useCallback((fileName: string, bytes: Uint8Array) => platform.saveBytes(fileName, bytes), [platform]);
  const onCatalogChanged = useCallback(() => void refreshCatalog(), [refreshCatalog]);

  // What each tab shows; the lazy ones are only mounted once visited (see TABS).
  const views: Record<Tab, ReactNode> = {
    data: <DataView engine={client} table={selectedTable} engineReady={status.state === 'ready'} />,
    sql: (
      <SqlView
        engine={client}
        tables={tables}
        onCatalogChanged={onCatalogChanged}
        saveBytes={saveBytes}
        workspace={sqlWorkspace}
        onWorkspaceChange={setSqlWorkspace}
      />
    ),
    models: (
      <ModelsView
        engine={client}
        tables={tables}
        selectedTable={selected}
        onCatalogChanged={onCatalogChanged}
        saveBytes={saveBytes}
        workspace={modelsWorkspace}
        onWorkspaceChange={setModelsWorkspace}
        visible={tab === 'models'}
      />
    ),
    segments: (
      <SegmentsView
        engine={client}
        tables={tables}
        selectedTable={selected}
        onCatalogChanged={onCatalogChanged}
        workspace={segmentsWorkspace}
        onWorkspaceChange={setSegmentsWorkspace}
        onSegmentTags={addSegmentTagsToSet}
        visible={tab === 'segments'}
      />
    ),
    tags: (
      <TagsView
        engine={client}
        tables={tables}
        selectedTable={selected}
        saveBytes={saveBytes}
        workspace={tagsWorkspace}
        onWorkspaceChange={setTagsWorkspace}
        visible={tab === 'tags'}
      />
    ),
    packs: (
      <PacksView
        engine={client}
        tables={tables}
        selectedTable={selected}
        onCatalogChanged={onCatalogChanged}
        saveBytes={saveBytes}
        tagSet={tagsWorkspace.tagSet}
        workspace={packsWorkspace}
        onWorkspaceChange={setPacksWorkspace}
        visible={tab === 'packs'}
      />
    ),
  };
  return (
    <div className="app" data-ready={ready ? 'true' : 'false'} data-testid="app">
      <header className="toolbar">
        <div className="brand" aria-label="Assay">
          <span className="logo" aria-hidden="true">◆</span> Assay
        </div>
        <div className="toolbar-group">
          <button type="button" className="btn btn-primary" onClick={() => void chooseFiles()} data-testid="open-files" title="Open CSV, Parquet or JSON files (Ctrl+O)">
            Open files…
          </button>
          <input
            ref={fileInput}
            type="file"
            multiple
            accept={FILE_ACCEPT}
            hidden
            data-testid="file-input"
            onChange={onFileInput}
          />
        </div>
        <div className="toolbar-group" role="group" aria-label="Workspace">
          <span className="workspace-name muted small" title={workspaceMeta?.path ?? ''}>
            {workspaceMeta?.name ?? 'Untitled workspace'}
          </span>
          <button type="button" className="btn" onClick={() => void openWorkspace()} data-testid="open-workspace">
            Open workspace…
          </button>
          <button type="button" className="btn" onClick={() => void saveWorkspace(false)} data-testid="save-workspace" title="Save workspace (Ctrl+S)">
            Save workspace
          </button>
          <RecentMenu items={recent} onOpen={(id) => void openRecent(id)} onOpenMenu={refreshRecent} />
        </div>
        <div className="engine-status small" data-testid="engine-status" data-state={status.state} role="status">
          {status.state === 'starting' && (
            <>
              <span className="dot dot-busy" aria-hidden="true" /> Starting DuckDB…
            </>
          )}
          {status.state === 'ready' && (
            <>
              <span className="dot dot-ok" aria-hidden="true" />
              DuckDB {status.info.duckdbVersion} · {status.info.bundle}
              {opening > 0 && <span className="muted"> · opening {opening} file{opening === 1 ? '' : 's'}…</span>}
            </>
          )}
          {status.state === 'failed' && (
            <>
              <span className="dot dot-failed" aria-hidden="true" /> Engine failed
            </>
          )}
        </div>
      </header>

      <div className="workbench">
        <aside className="sidebar" aria-label="Catalog and jobs">
          <section className="catalog-section">
            <header className="panel-title">
              <span>Tables</span>
              <span className="badge">{tables.length}</span>
            </header>
            {toPickAgain.length > 0 && (
              <div className="pick-again small" data-testid="pick-again">
                <p>Open these files again to restore the workspace:</p>
                <ul>
                  {toPickAgain.map((source) => (
                    <li key={source.table}>
                      {source.name} → <code>{source.table}</code>
                    </li>
                  ))}
                </ul>
                <button type="button" className="btn btn-small" onClick={() => void chooseFiles()}>
                  Choose files…
                </button>
              </div>
            )}
            <Catalog tables={tables} selected={selected} busyTables={busyTables} actions={catalogActions} />
          </section>
          <JobsPanel engine={client} />
        </aside>

        <main className="main">
          <div className="tabs" role="tablist" aria-label="Views">
            {TABS.map(({ id, label }) => (
              <button key={id} type="button" role="tab" id={`tab-${id}`} aria-controls={`panel-${id}`} aria-selected={tab === id} className="tab" data-testid={`tab-${id}`} onClick={() => showTab(id)}>
                {label}
              </button>
            ))}
          </div>
          <Notices notices={notices} onDismiss={dismissNotice} />
          {TABS.map(({ id, loading }) => (
            <section key={id} id={`panel-${id}`} role="tabpanel" aria-labelledby={`tab-${id}`} className="tab-panel" hidden={tab !== id}>
              {loading === undefined
                ? views[id]
                : visited.has(id) && <Suspense fallback={<p className="muted pad">{loading}</p>}>{views[id]}</Suspense>}
            </section>
          ))}
        </main>
      </div>

      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop files to open them</div>
        </div>
      )}
    </div>
  );
}
