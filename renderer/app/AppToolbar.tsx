import type { ChangeEvent, JSX, RefObject } from 'react';
import type { EngineInfo } from '../../workers/api';
import { RecentMenu } from '../components/RecentMenu';
import type { RecentWorkspace } from '../platform';

export type EngineStatus = { state: 'starting' } | { state: 'ready'; info: EngineInfo } | { state: 'failed'; message: string };

const FILE_ACCEPT = '.csv,.tsv,.txt,.gz,.parquet,.json,.ndjson,.jsonl';

export interface AppToolbarProps {
  /** The hidden file input the browser build opens files with. */
  fileInput: RefObject<HTMLInputElement | null>;
  onFileInput(event: ChangeEvent<HTMLInputElement>): void;
  onOpenFiles(): void;
  workspace: { name: string; path?: string } | null;
  onOpenWorkspace(): void;
  onSaveWorkspace(): void;
  recent: RecentWorkspace[];
  onOpenRecent(id: string): void;
  onRecentMenu(): void;
  status: EngineStatus;
  /** Files being opened now. */
  opening: number;
}

/** The top bar: Open files, the workspace's name with Open/Save/Recent, and the engine's status. */
export function AppToolbar(props: AppToolbarProps): JSX.Element {
  const { status, opening, workspace } = props;
  return (
    <header className="toolbar">
      <div className="brand" aria-label="Assay">
        <span className="logo" aria-hidden="true">◆</span> Assay
      </div>
      <div className="toolbar-group">
        <button type="button" className="btn btn-primary" onClick={props.onOpenFiles} data-testid="open-files" title="Open CSV, Parquet or JSON files (Ctrl+O)">
          Open files…
        </button>
        <input
          ref={props.fileInput}
          type="file"
          multiple
          accept={FILE_ACCEPT}
          hidden
          data-testid="file-input"
          onChange={props.onFileInput}
        />
      </div>
      <div className="toolbar-group" role="group" aria-label="Workspace">
        <span className="workspace-name muted small" title={workspace?.path ?? ''}>
          {workspace?.name ?? 'Untitled workspace'}
        </span>
        <button type="button" className="btn" onClick={props.onOpenWorkspace} data-testid="open-workspace">
          Open workspace…
        </button>
        <button type="button" className="btn" onClick={props.onSaveWorkspace} data-testid="save-workspace" title="Save workspace (Ctrl+S)">
          Save workspace
        </button>
        <RecentMenu items={props.recent} onOpen={props.onOpenRecent} onOpenMenu={props.onRecentMenu} />
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
  );
}
