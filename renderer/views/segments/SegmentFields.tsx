import type { JSX } from 'react';
import type { ColumnInfo, TableInfo } from '../../../workers/api';
import { ColumnOptions, TableOptions } from '../../components/PickerOptions';

/** A labelled column picker of the Segments forms; a remembered column the table lacks stays shown as such. */
export function ColumnSelect(props: { label: string; value: string; columns: readonly ColumnInfo[]; optional?: boolean; onChange(value: string): void; testId: string }): JSX.Element {
  const known = props.columns.some((c) => c.name === props.value);
  return (
    <label className="seg-field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(event) => props.onChange(event.target.value)} data-testid={props.testId}>
        <option value="">{props.optional ? '(none)' : 'Choose…'}</option>
        {!known && props.value && <option value={props.value}>{props.value} (not in the table)</option>}
        <ColumnOptions columns={props.columns} />
      </select>
    </label>
  );
}

/** A labelled table picker of the Segments forms (a remembered table that is gone stays listed). */
export function TableSelect(props: { label: string; value: string; tables: readonly TableInfo[]; onChange(table: string): void; testId: string }): JSX.Element {
  return (
    <label className="seg-field">
      <span>{props.label}</span>
      <select value={props.value} onChange={(event) => props.onChange(event.target.value)} data-testid={props.testId}>
        <TableOptions tables={props.tables} rowCounts emptyHint keep={props.value} />
      </select>
    </label>
  );
}
