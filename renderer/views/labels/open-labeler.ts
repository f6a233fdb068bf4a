/** Pure helpers of "Open labeler…": reading a chosen file's text and fitting the view to the labeler it holds. */
import type { ColumnInfo, LabelerSummary } from '../../../workers/api';

/** The JSON of a chosen labeler file; text that is not JSON is refused in words (the engine checks the rest). */
export function parseLabelerText(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${fileName} is not a labeler file: it is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
}

/**
 * The form columns that match an opened labeler on the table in the form: its text column (and its
 * label column when the table has it), so the review queue lists that table's rows by the column the
 * labeler reads. Null when the table lacks the text column: then there is no review queue to show.
 */
export function formForOpenedLabeler(columns: readonly ColumnInfo[], summary: Pick<LabelerSummary, 'textColumn' | 'labelColumn'>): { textColumn: string; labelColumn: string } | null {
  const has = (name: string): boolean => name !== '' && columns.some((c) => c.name === name);
  if (!has(summary.textColumn)) return null;
  // Without its label column the form's default label column (never the text column) applies.
  return { textColumn: summary.textColumn, labelColumn: has(summary.labelColumn) && summary.labelColumn !== summary.textColumn ? summary.labelColumn : '' };
}
