import type { JSX } from 'react';
import type { EngineClient, TableInfo } from '../../workers/api';
import { Catalog, type CatalogActions } from '../components/Catalog';
import { JobsPanel } from '../components/JobsPanel';
import type { WorkspaceSource } from '../workspace';

export interface CatalogSidebarProps {
  engine: EngineClient;
  tables: TableInfo[];
  selected: string | null;
  busyTables: ReadonlySet<string>;
  actions: CatalogActions;
  /** Files of an opened workspace the browser cannot read by itself: the user picks them again. */
  toPickAgain: WorkspaceSource[];
  onChooseFiles(): void;
}

/** The left column: the tables (and the files to open again), then the jobs. */
export function CatalogSidebar({ engine, tables, selected, busyTables, actions, toPickAgain, onChooseFiles }: CatalogSidebarProps): JSX.Element {
  return (
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
            <button type="button" className="btn btn-small" onClick={onChooseFiles}>
              Choose files…
            </button>
          </div>
        )}
        <Catalog tables={tables} selected={selected} busyTables={busyTables} actions={actions} />
      </section>
      <JobsPanel engine={engine} />
    </aside>
  );
}
