import type { ColumnInfo } from '../../../workers/api';

/** Columns that hold each entity's GMV, by the name the feature templates give it (RFM's `monetary`). */
const VALUE_COLUMNS = ['monetary'];

/**
 * The value the portrait cards are measured by: the segmented table's GMV column when it has one
 * (an RFM table's `monetary`, a number), else none: the cards then show no value line.
 */
export function portraitValueExpression(columns: readonly ColumnInfo[]): string | undefined {
  for (const name of VALUE_COLUMNS) {
    const column = columns.find((c) => c.name.toLowerCase() === name);
    if (column && /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|REAL|DOUBLE|DECIMAL)/i.test(column.type)) return `"${column.name.replace(/"/g, '""')}"`;
  }
  return undefined;
}
