import { useState, type KeyboardEvent } from 'react';
import { COLUMN_TYPES, type ColumnTypeName, type TableInfo } from '../../workers/api';
import { formatCount } from '../format';

export interface CatalogActions {
  select(table: string): void;
  rename(table: string, newName: string): Promise<boolean>;
  drop(table: string): Promise<void>;
  alterType(table: string, column: string, type: ColumnTypeName): Promise<void>;
}

interface CatalogProps {
  tables: TableInfo[];
  selected: string | null;
  busyTables: ReadonlySet<string>;
  actions: CatalogActions;
}

/** The tables in the engine: names, row counts, columns and types, with rename, drop and retype. */
export function Catalog({ tables, selected, busyTables, actions }: CatalogProps) {
  if (tables.length === 0) {
    return (
      <p className="muted small catalog-empty" data-testid="catalog-empty">
        No tables yet. Open a CSV, Parquet or JSON file, or drop one on the window.
      </p>
    );
  }
  return (
    <ul className="catalog" data-testid="catalog" aria-label="Tables">
      {tables.map((table) => (
        <CatalogTable
          key={table.name}
          table={table}
          selected={table.name === selected}
          busy={busyTables.has(table.name)}
          actions={actions}
        />
      ))}
    </ul>
  );
}

function CatalogTable({ table, selected, busy, actions }: { table: TableInfo; selected: boolean; busy: boolean; actions: CatalogActions }) {
  const [expanded, setExpanded] = useState(false);
  const [mode, setMode] = useState<'view' | 'rename' | 'confirm-drop'>('view');
  const [draftName, setDraftName] = useState(table.name);

  const commitRename = async (): Promise<void> => {
    const next = draftName.trim();
    if (next.length === 0 || next === table.name) {
      setMode('view');
      return;
    }
    if (await actions.rename(table.name, next)) setMode('view');
  };
  const onRenameKey = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'Enter') void commitRename();
    if (event.key === 'Escape') setMode('view');
  };

  return (
    <li className={`catalog-table${selected ? ' selected' : ''}`} data-testid="catalog-table" data-table={table.name}>
      <div className="catalog-row">
        <button
          type="button"
          className="icon-btn expander"
          aria-expanded={expanded}
          aria-label={`${expanded ? 'Hide' : 'Show'} columns of ${table.name}`}
          onClick={() => setExpanded((value) => !value)}
        >
          {expanded ? '▾' : '▸'}
        </button>
        {mode === 'rename' ? (
          <input
            className="rename-input"
            aria-label={`New name for ${table.name}`}
            value={draftName}
            autoFocus
            onChange={(event) => setDraftName(event.target.value)}
            onKeyDown={onRenameKey}
            onBlur={() => setMode('view')}
          />
        ) : (
          <button type="button" className="table-name" aria-current={selected} onClick={() => actions.select(table.name)} title={table.source ? `${table.name} (from ${table.source.fileName})` : table.name}>
            <span className="name" data-testid="catalog-table-name">{table.name}</span>
            <span className="rows muted small" data-testid="catalog-row-count">{formatCount(table.rowCount)} rows</span>
          </button>
        )}
      </div>
      {mode === 'confirm-drop' ? (
        <div className="confirm-row small" role="alert">
          <span>Drop {table.name}?</span>
          <button type="button" className="btn btn-small btn-danger" onClick={() => void actions.drop(table.name).then(() => setMode('view'))}>
            Drop
          </button>
          <button type="button" className="btn btn-small" autoFocus onClick={() => setMode('view')}>
            Keep
          </button>
        </div>
      ) : mode === 'view' && (selected || expanded) ? (
        <div className="table-actions">
          <button
            type="button"
            className="btn btn-small"
            disabled={busy}
            onClick={() => {
              setDraftName(table.name);
              setMode('rename');
            }}
          >
            Rename
          </button>
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => setMode('confirm-drop')}>
            Drop
          </button>
          <span className="muted small">{table.columns.length} columns</span>
        </div>
      ) : null}
      {expanded && (
        <ul className="column-list" aria-label={`Columns of ${table.name}`}>
          {table.columns.map((column) => (
            <li key={column.name} className="column-row" data-testid="catalog-column" data-column={column.name}>
              <span className="column-name" title={column.name}>{column.name}</span>
              <select
                className="type-select"
                aria-label={`Type of ${column.name}`}
                value={column.type}
                disabled={busy}
                onChange={(event) => void actions.alterType(table.name, column.name, event.target.value as ColumnTypeName)}
              >
                {!(COLUMN_TYPES as readonly string[]).includes(column.type) && <option value={column.type}>{column.type}</option>}
                {COLUMN_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {type}
                  </option>
                ))}
              </select>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
