/**
 * Builds CodeMirror's SQL completion schema from the catalog. lang-sql quotes completions that
 * are not plain identifiers (`"order id"`), so awkward names insert valid SQL.
 */
import type { Completion } from '@codemirror/autocomplete';
import type { SQLNamespace } from '@codemirror/lang-sql';
import type { TableInfo } from '../../../workers/api';

export function completionSchema(tables: readonly TableInfo[]): SQLNamespace {
  const schema: { [table: string]: SQLNamespace } = {};
  for (const table of tables) {
    const columns: Completion[] = table.columns.map((c) => ({
      label: c.name,
      type: 'property',
      detail: c.type,
      ...(/^[a-z_][a-z_\d]*$/.test(c.name) ? {} : { apply: quoteIdentifier(c.name) }),
    }));
    schema[table.name] = {
      self: {
        label: table.name,
        type: 'type',
        detail: `${table.rowCount.toLocaleString('en-US')} rows`,
        ...(/^[a-z_][a-z_\d]*$/.test(table.name) ? {} : { apply: quoteIdentifier(table.name) }),
      },
      children: columns,
    };
  }
  return schema;
}

/** DuckDB identifier quoting: double quotes, embedded quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
