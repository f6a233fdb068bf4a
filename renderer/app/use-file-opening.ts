import { useCallback, useRef, useState, type ChangeEvent, type Dispatch, type RefObject, type SetStateAction } from 'react';
import type { EngineClient, OpenParams, TableInfo } from '../../workers/api';
import type { NoticeTone } from '../components/Notices';
import type { PickedFile, Platform } from '../platform';
import type { WorkspaceSource } from '../workspace';

/** A file to open, with what the workspace should remember about it. */
export interface OpenRequest {
  params: OpenParams;
  label: string;
  remember: Omit<WorkspaceSource, 'table' | 'format'>;
}

function sourceFromPicked(file: PickedFile): OpenParams['source'] {
  return file.kind === 'blob'
    ? { kind: 'blob', name: file.name, blob: file.blob }
    : { kind: 'bytes', name: file.name, bytes: file.bytes };
}

export interface FileOpeningDeps {
  client: EngineClient;
  platform: Platform;
  notify(tone: NoticeTone, text: string): void;
  reportError(what: string, err: unknown): void;
  /** Reads the catalog again and selects `prefer` when it is there. */
  refreshCatalog(prefer?: string): Promise<TableInfo[]>;
  /** The files behind the open tables, as the workspace file records them. */
  setSources: Dispatch<SetStateAction<WorkspaceSource[]>>;
}

export interface FileOpening {
  /** Files being opened now. */
  opening: number;
  /** Files of an opened workspace the browser cannot read by itself: the user picks them again. */
  toPickAgain: WorkspaceSource[];
  setToPickAgain: Dispatch<SetStateAction<WorkspaceSource[]>>;
  /** The hidden file input the browser build opens files with. */
  fileInput: RefObject<HTMLInputElement | null>;
  /** Opens files one after another in the engine; returns the tables created. */
  openRequests(requests: OpenRequest[], options?: { select?: string }): Promise<TableInfo[]>;
  openBrowserFiles(files: File[]): void;
  /** The platform's file dialog, or the hidden input in the browser. */
  chooseFiles(): Promise<void>;
  onFileInput(event: ChangeEvent<HTMLInputElement>): void;
}

/** Opening data files: picked, dropped or asked for again by a workspace, into tables in the engine. */
export function useFileOpening({ client, platform, notify, reportError, refreshCatalog, setSources }: FileOpeningDeps): FileOpening {
  const [opening, setOpening] = useState(0);
  const [toPickAgain, setToPickAgain] = useState<WorkspaceSource[]>([]);
  const fileInput = useRef<HTMLInputElement>(null);

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
  }, [reportError, client, notify, refreshCatalog, setSources]);

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

  return { opening, toPickAgain, setToPickAgain, fileInput, openRequests, openBrowserFiles, chooseFiles, onFileInput };
}
