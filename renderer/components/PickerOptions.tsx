import type { JSX } from 'react';
import type { ColumnInfo, TableInfo } from '../../workers/api';
import { formatCount } from '../format';

interface TableOptionsProps {
  tables: readonly TableInfo[];
  /** Show each table's row count after its name. */
  rowCounts?: boolean;
  /** Offer an empty "(no tables open)" choice when there are no tables. */
  emptyHint?: boolean;
  /** The chosen table: kept as a "(not open)" choice when it is not open (e.g. from a saved workspace). */
  keep?: string;
}

/** The <option>s of a table picker. */
export function TableOptions({ tables, rowCounts = false, emptyHint = false, keep }: TableOptionsProps): JSX.Element {
  return (
    <>
      {emptyHint && tables.length === 0 && <option value="">(no tables open)</option>}
      {keep && !tables.some((t) => t.name === keep) && <option value={keep}>{keep} (not open)</option>}
      {tables.map((t) => (
        <option key={t.name} value={t.name}>
          {rowCounts ? `${t.name} (${formatCount(t.rowCount)} rows)` : t.name}
        </option>
      ))}
    </>
  );
}

/** The <option>s of a column picker, each with its DuckDB type. */
export function ColumnOptions({ columns }: { columns: readonly ColumnInfo[] }): JSX.Element {
  return (
    <>
      {columns.map((c) => (
        <option key={c.name} value={c.name}>
          {`${c.name} (${c.type})`}
        </option>
      ))}
    </>
  );
}
