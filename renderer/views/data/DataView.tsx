import { useEffect, useState } from 'react';
import { profileCoverage, type EngineClient, type TableInfo, type TableProfile } from '../../../workers/api';
import { describeError, isCancelled } from '../../errors';
import { formatBytes, formatCount, formatMs } from '../../format';
import { ProfileCard } from './ProfileCard';
import { RowsPreview } from './RowsPreview';
import './data-view.css';

type DataTab = 'profile' | 'rows';
const DATA_TABS: Array<{ id: DataTab; label: string }> = [
  { id: 'profile', label: 'Profile' },
  { id: 'rows', label: 'Rows' },
];

interface DataViewProps {
  engine: EngineClient;
  table: TableInfo | null;
  engineReady: boolean;
}

type ProfileState =
  | { status: 'idle' }
  | { status: 'loading'; fraction: number; phase: string }
  | { status: 'done'; profile: TableProfile }
  | { status: 'error'; message: string };

/** What identifies a table's content well enough to reuse its profile. */
function tableSignature(table: TableInfo): string {
  return `${table.name}|${table.rowCount}|${table.columns.map((c) => `${c.name}:${c.type}`).join(',')}`;
}

/** The Data tab: a profile card per column of the selected table, and its rows in a grid. */
export function DataView({ engine, table, engineReady }: DataViewProps) {
  const [state, setState] = useState<ProfileState>({ status: 'idle' });
  const [dataTab, setDataTab] = useState<DataTab>('profile');
  const [reloads, setReloads] = useState(0);
  const signature = table ? tableSignature(table) : null;

  useEffect(() => {
    if (!table || !signature) {
      setState({ status: 'idle' });
      return;
    }
    const controller = new AbortController();
    setState({ status: 'loading', fraction: 0, phase: engineReady ? 'starting' : 'waiting for DuckDB' });
    engine
      .run('data.profile', { table: table.name }, {
        signal: controller.signal,
        onProgress: (progress) => setState({ status: 'loading', ...progress }),
      })
      .then(
        (profile) => {
          if (!controller.signal.aborted) setState({ status: 'done', profile });
        },
        (err: unknown) => {
          if (controller.signal.aborted) return;
          setState({ status: 'error', message: isCancelled(err) ? 'Profiling was cancelled.' : describeError(err) });
        },
      );
    return () => controller.abort();
    // The signature stands for the table's content; the object itself changes on every catalog read.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engine, signature, reloads]);

  if (!table) {
    return (
      <div className="empty-state" data-testid="data-empty">
        <h2>No table selected</h2>
        <p className="muted">Open a file or pick a table in the sidebar to see a profile of each column.</p>
      </div>
    );
  }

  return (
    <div className="data-view" data-testid="data-view" data-table={table.name}>
      <header className="view-header">
        <div>
          <h2 data-testid="data-table-name">{table.name}</h2>
          <p className="muted small">
            <span data-testid="data-row-count">{formatCount(table.rowCount)} rows</span> · {table.columns.length} columns
            {table.source && (
              <>
                {' '}· {table.source.fileName} ({table.source.format.toUpperCase()}
                {table.source.compression ? ', gzip' : ''}, {formatBytes(table.source.bytes)})
              </>
            )}
            {state.status === 'done' && <> · profiled in {formatMs(state.profile.elapsedMs)}</>}
            {state.status === 'done' && <span data-testid="profile-coverage"> · {profileCoverage(state.profile)}</span>}
          </p>
        </div>
        <button type="button" className="btn" onClick={() => setReloads((n) => n + 1)} disabled={state.status === 'loading'}>
          Refresh profile
        </button>
      </header>
      {table.warnings && table.warnings.length > 0 && (
        <ul className="table-warnings small">
          {table.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
      <div className="data-tabs" role="tablist" aria-label="Table views">
        {DATA_TABS.map(({ id, label }) => (
          <button key={id} type="button" role="tab" className="data-tab" aria-selected={dataTab === id} data-testid={`data-tab-${id}`} onClick={() => setDataTab(id)}>
            {label}
          </button>
        ))}
      </div>
      {dataTab === 'rows' && signature && <RowsPreview engine={engine} table={table} signature={signature} />}
      {dataTab === 'profile' && state.status === 'loading' && (
        <div className="loading-row" role="status">
          <div className="progress wide">
            <div className="progress-bar" style={{ width: `${Math.max(3, state.fraction * 100)}%` }} />
          </div>
          <span className="muted small">Profiling… {state.phase}</span>
        </div>
      )}
      {dataTab === 'profile' && state.status === 'error' && (
        <div className="notice notice-error" role="alert" data-testid="profile-error">
          {state.message}{' '}
          <button type="button" className="btn btn-small" onClick={() => setReloads((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {dataTab === 'profile' && state.status === 'done' && (
        <div className="profile-grid" data-testid="profile-grid">
          {state.profile.columns.map((column) => (
            <ProfileCard key={column.name} profile={column} />
          ))}
        </div>
      )}
    </div>
  );
}
