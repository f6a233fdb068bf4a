import { DataType, type Table } from 'apache-arrow';
import { temporalColumnTexts } from '../data/temporal-text';

/** Display text of one Arrow cell value. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(10)));
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && 'toJSON' in (value as object)) return JSON.stringify((value as { toJSON(): unknown }).toJSON(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

/** Renders rows as an aligned plain-text table, as psql or duckdb's CLI would. */
export function renderTextTable(headers: string[], rows: string[][], maxWidth = 40): string {
  const clip = (s: string): string => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s).replace(/\n/g, '⏎');
  const h = headers.map(clip);
  const r = rows.map((row) => row.map(clip));
  const widths = h.map((name, i) => Math.max(name.length, ...r.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' │ ').trimEnd();
  const sep = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(h), sep, ...r.map(line)].join('\n');
}

/** A decimal's digits (Arrow gives an unscaled big integer) with its scale applied. */
export function decimalText(value: unknown, scale: number): string {
  if (value === null || value === undefined) return 'NULL';
  const digits = String(value);
  if (scale <= 0) return digits;
  const negative = digits.startsWith('-');
  const abs = (negative ? digits.slice(1) : digits).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${abs.slice(0, -scale)}.${abs.slice(-scale)}`;
}

export function arrowToRows(table: Table): { headers: string[]; rows: string[][] } {
  const fields = table.schema.fields;
  const headers = fields.map((f) => f.name);
  const columns = fields.map((f, i) => {
    const vector = table.getChildAt(i);
    if (!vector) return [];
    const temporal = temporalColumnTexts(f, vector);
    if (temporal) return temporal.map((text) => text ?? 'NULL');
    const format = DataType.isDecimal(f.type) ? (v: unknown) => decimalText(v, (f.type as { scale: number }).scale) : cellText;
    return Array.from({ length: table.numRows }, (_, r) => format(vector.get(r)));
  });
  const rows: string[][] = [];
  for (let r = 0; r < table.numRows; r++) rows.push(columns.map((col) => col[r] ?? 'NULL'));
  return { headers, rows };
}
