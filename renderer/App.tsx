import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { BrowserEngine } from '../workers/browser';
import type { ColumnTypeName, EngineInfo, OpenParams, TableInfo } from '../workers/api';
import { AppToolbar, type EngineStatus } from './app/AppToolbar';
import { CatalogSidebar } from './app/CatalogSidebar';
import { useMenuCommands } from './app/use-menu-commands';
import { useFileOpening, type OpenRequest } from './app/use-file-opening';
import { useNotices } from './app/use-notices';
import { useViewWorkspaces } from './app/use-view-workspaces';
import { useWindowFileDrop } from './app/use-window-file-drop';
import { viewElements, type ModelsRequest } from './app/view-elements';
import { ViewTabs, type Tab } from './app/ViewTabs';
import type { CatalogActions } from './components/Catalog';
import { Notices } from './components/Notices';
import { preloadPlotlyWhenIdle } from './components/plotly';
import { describeError } from './errors';
import type { Platform, RecentWorkspace } from './platform';
import { parseWorkspace, serializeWorkspace, workspaceFileName, type Workspace, type WorkspaceSource } from './workspace';

interface AppProps {
  engine: BrowserEngine;
  platform: Platform;
}

function isEngineInfo(value: unknown): value is EngineInfo {
  if (typeof value !== 'object' || value === null) return false;
  const info = value as Record<string, unknown>;
  return typeof info.duckdbVersion === 'string' && typeof info.bundle === 'string' && (info.host === 'browser' || info.host === 'node');
}

/**
 * The shell: toolbar (AppToolbar), catalog and jobs (CatalogSidebar), the tabbed views (ViewTabs,
 * view-elements); files open through use-file-opening. App itself holds the tables and the
 * catalog's actions, loads the samples, and opens and saves workspaces.
 */
export function App({ engine, platform }: AppProps) {
  const client = engine.client;
  const [status, setStatus] = useState<EngineStatus>({ state: 'starting' });
  const [initialLoadDone, setInitialLoadDone] = useState(false);
  const [tables, setTables] = useState<TableInfo[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('data');
  // Heavy views mount on first visit and then stay mounted, keeping their state across tabs.
  const [visited, setVisited] = useState<ReadonlySet<Tab>>(new Set(['data']));
  const workspaces = useViewWorkspaces();
  const [sources, setSources] = useState<WorkspaceSource[]>([]);
  const [workspaceMeta, setWorkspaceMeta] = useState<{ name: string; path?: string } | null>(null);
  const { notices, notify, reportError, dismissNotice } = useNotices();
  const [busyTables, setBusyTables] = useState<ReadonlySet<string>>(new Set());
  const [recent, setRecent] = useState<RecentWorkspace[]>([]);
  const startedInitialLoad = useRef(false);

  const { applyWorkspace: applyViewWorkspaces, states: viewStates } = workspaces;

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

  const { opening, toPickAgain, setToPickAgain, fileInput, openRequests, openBrowserFiles, chooseFiles, onFileInput } = useFileOpening({ client, platform, notify, reportError, refreshCatalog, setSources });

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
    applyViewWorkspaces(workspace);
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
  }, [reportError, client, platform, openRequests, notify, applyViewWorkspaces, setToPickAgain]);

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
      ...viewStates,
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
  }, [reportError, platform, workspaceMeta, tables, sources, viewStates, selected, notify, refreshRecent]);

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

  // Menu commands from the desktop shell, and their keyboard shortcuts.
  useMenuCommands(platform, {
    'open-files': () => void chooseFiles(),
    'open-workspace': () => void openWorkspace(),
    'save-workspace': () => void saveWorkspace(false),
    'save-workspace-as': () => void saveWorkspace(true),
    'open-recent': (path) => {
      if (path) void openRecent(path);
    },
  });

  // Drag and drop anywhere on the window.
  const dragging = useWindowFileDrop(openBrowserFiles);

  const showTab = (next: Tab): void => {
    setTab(next);
    setVisited((set) => (set.has(next) ? set : new Set(set).add(next)));
  };

  const ready = status.state === 'ready' && initialLoadDone;
  // The first chart a user asks for should not wait on Plotly's script: evaluate it when idle.
  useEffect(() => {
    if (ready) preloadPlotlyWhenIdle();
  }, [ready]);
  const saveBytes = useCallback((fileName: string, bytes: Uint8Array) => platform.saveBytes(fileName, bytes), [platform]);
  const onCatalogChanged = useCallback(() => void refreshCatalog(), [refreshCatalog]);
  // Segments -> Models: a built propensity dataset opens in the Models view with its target filled in.
  const [modelsRequest, setModelsRequest] = useState<ModelsRequest | null>(null);
  const onOpenInModels = useCallback((request: Omit<ModelsRequest, 'id'>) => {
    // The catalog selection stays: views whose pickers follow it (the Segments form among them) keep their tables.
    setModelsRequest({ ...request, id: Date.now() });
    setTab('models');
    setVisited((set) => (set.has('models') ? set : new Set(set).add('models')));
  }, []);
  const views = viewElements({ engine: client, engineReady: status.state === 'ready', tables, selected, workspaces, onCatalogChanged, saveBytes, tab, modelsRequest, onOpenInModels });

  return (
    <div className="app" data-ready={ready ? 'true' : 'false'} data-testid="app">
      <AppToolbar
        fileInput={fileInput}
        onFileInput={onFileInput}
        onOpenFiles={() => void chooseFiles()}
        workspace={workspaceMeta}
        onOpenWorkspace={() => void openWorkspace()}
        onSaveWorkspace={() => void saveWorkspace(false)}
        recent={recent}
        onOpenRecent={(id) => void openRecent(id)}
        onRecentMenu={refreshRecent}
        status={status}
        opening={opening}
      />

      <div className="workbench">
        <CatalogSidebar engine={client} tables={tables} selected={selected} busyTables={busyTables} actions={catalogActions} toPickAgain={toPickAgain} onChooseFiles={() => void chooseFiles()} />
        <ViewTabs tab={tab} visited={visited} views={views} onShow={showTab}>
          <Notices notices={notices} onDismiss={dismissNotice} />
        </ViewTabs>
      </div>

      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop files to open them</div>
        </div>
      )}
    </div>
  );
}
