/** Fixed geometry of the result grid: row height and per-column widths from a sample of rows. */
import type { ColumnInfo } from '../../../workers/api';
import type { CellText } from './format';

export const ROW_HEIGHT = 26;
export const HEADER_HEIGHT = 42;
export const MIN_COLUMN_WIDTH = 72;
export const MAX_COLUMN_WIDTH = 360;
/** Approximate width of one character of the grid font, in pixels. */
const CHAR_WIDTH = 7.2;
const CELL_PADDING = 22;

/**
 * Browsers cap an element's height (Chromium at about 33.5 million pixels), so a virtual list
 * taller than that cannot scroll to its end. The grid shows at most this many rows.
 */
export const MAX_GRID_ROWS = Math.floor(30_000_000 / ROW_HEIGHT);

/** Width of the row-number gutter for a result of `rowCount` rows. */
export function gutterWidth(rowCount: number): number {
  return Math.max(48, Math.ceil(String(Math.max(1, rowCount)).length * 7.5 + 22));
}

/** Each column fits its header (name and type) and the longest sampled value, within limits. */
export function columnWidths(columns: readonly ColumnInfo[], sample: readonly CellText[][]): number[] {
  return columns.map((column, c) => {
    // Header names are bold (wider glyphs); types are small caps-ish text.
    let longest = Math.max(column.name.length * 1.15, column.type.length * 0.85);
    for (const row of sample) {
      const text = row[c] ?? null;
      longest = Math.max(longest, text === null ? 4 : Math.min(text.length, 60));
    }
    return Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, longest * CHAR_WIDTH + CELL_PADDING)));
  });
}
