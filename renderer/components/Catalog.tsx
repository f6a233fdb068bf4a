import { useEffect, useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import { COLUMN_TYPES, type ColumnInfo, type ColumnTypeName, type TableInfo } from '../../workers/api';
import { stagedTypeChange } from './catalog-type-change';
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
            <CatalogColumn key={column.name} table={table.name} column={column} busy={busy} alterType={actions.alterType} />
          ))}
        </ul>
      )}
    </li>
  );
}

/**
 * One column's type picker. Choosing a type only stages it: Chromium fires `change` for an arrow key
 * on a closed <select>, so applying on change would run a (possibly lossy) ALTER on a keystroke.
 * "Change type" or Enter applies it; Escape, "Keep" or focus leaving the row discards it.
 */
function CatalogColumn({ table, column, busy, alterType }: { table: string; column: ColumnInfo; busy: boolean; alterType: CatalogActions['alterType'] }) {
  // The staged type remembers the type it was picked against: a refresh that retypes the column drops it.
  const [staged, setStaged] = useState<{ from: string; to: string } | null>(null);
  const [refocus, setRefocus] = useState(false);
  const select = useRef<HTMLSelectElement>(null);
  const change = stagedTypeChange(column.type, staged);

  // The select is disabled while the job runs; focus goes back to it once it is enabled again.
  useEffect(() => {
    if (!refocus || busy) return;
    select.current?.focus();
    setRefocus(false);
  }, [refocus, busy]);

  const apply = async (): Promise<void> => {
    if (!change || busy) return;
    setStaged(null);
    setRefocus(true);
    await alterType(table, column.name, change.to);
  };
  const discard = (): void => setStaged(null);
  const onKey = (event: KeyboardEvent<HTMLElement>): void => {
    if (!change) return;
    // Enter applies from the select only: on the row's buttons it presses that button.
    if (event.key === 'Enter' && event.target === select.current) {
      event.preventDefault();
      void apply();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      discard();
      select.current?.focus();
    }
  };
  const onBlur = (event: FocusEvent<HTMLLIElement>): void => {
    // Focus moving to the row's own buttons keeps the staged type; leaving the row discards it.
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) discard();
  };

  return (
    <li className="column-row" data-testid="catalog-column" data-column={column.name} onBlur={onBlur} onKeyDown={onKey} style={change ? { flexWrap: 'wrap' } : undefined}>
      <span className="column-name" title={column.name}>{column.name}</span>
      <select
        ref={select}
        className="type-select"
        aria-label={`Type of ${column.name}`}
        value={change ? change.to : column.type}
        disabled={busy}
        onChange={(event) => setStaged({ from: column.type, to: event.target.value })}
      >
        {!(COLUMN_TYPES as readonly string[]).includes(column.type) && <option value={column.type}>{column.type}</option>}
        {COLUMN_TYPES.map((type) => (
          <option key={type} value={type}>
            {type}
          </option>
        ))}
      </select>
      {change && (
        <div className="confirm-row small" data-testid="catalog-type-change" style={{ flexBasis: '100%', padding: '2px 0 4px' }}>
          <span>
            {column.type} → {change.to}
          </span>
          <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => void apply()}>
            Change type
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              discard();
              select.current?.focus();
            }}
          >
            Keep {column.type}
          </button>
        </div>
      )}
    </li>
  );
}
