/**
 * Display formatting for result cells: one formatter per Arrow column type, so a 500-row page is
 * formatted once when it arrives and scrolling only reads strings.
 */
import { type DataType, Type, tableFromIPC, type Field } from 'apache-arrow';
import { temporalColumnTexts } from '../../../workers/api';

/** A formatted cell: `null` stands for SQL NULL, which the grid shows distinctly. */
export type CellText = string | null;

/** Longest text kept for a cell; the tooltip shows up to TITLE_LIMIT characters. */
export const CELL_TEXT_LIMIT = 200;
export const TITLE_LIMIT = 5_000;

export type CellFormatter = (value: unknown) => CellText;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** ISO-like date from epoch milliseconds, in UTC (DuckDB DATE and TIMESTAMP carry no zone). */
export function formatDateMs(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const year = d.getUTCFullYear();
  const y = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  return `${y}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.fff]` from epoch milliseconds (fractional milliseconds keep micro- and
 * nanosecond precision as far as a double allows). Trailing zero fractions are dropped.
 */
export function formatTimestampMs(ms: number, withZone = false): string {
  if (!Number.isFinite(ms)) return String(ms);
  const whole = Math.floor(ms);
  const d = new Date(whole);
  if (Number.isNaN(d.getTime())) return String(ms);
  let text = `${formatDateMs(whole)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const subMs = ms - whole;
  const millis = d.getUTCMilliseconds();
  if (millis !== 0 || subMs !== 0) {
    // Microseconds: three more digits from the fractional millisecond (rounded to avoid 0.9999 noise).
    const micros = Math.round(subMs * 1000);
    const fraction = micros === 0 ? pad(millis, 3) : `${pad(millis, 3)}${pad(Math.min(micros, 999), 3)}`;
    text += `.${fraction.replace(/0+$/, '')}`;
  }
  return withZone ? `${text}Z` : text;
}

/** A time of day from a count of `unit` (0 s, 1 ms, 2 µs, 3 ns) since midnight. */
export function formatTimeOfDay(value: number | bigint, unit: number): string {
  const perSecond = [1n, 1_000n, 1_000_000n, 1_000_000_000n][unit] ?? 1n;
  const total = typeof value === 'bigint' ? value : BigInt(Math.round(value));
  const seconds = total / perSecond;
  const fraction = total % perSecond;
  const h = Number(seconds / 3600n);
  const m = Number((seconds / 60n) % 60n);
  const s = Number(seconds % 60n);
  let text = `${pad(h)}:${pad(m)}:${pad(s)}`;
  if (fraction !== 0n) {
    const digits = perSecond.toString().length - 1;
    text += `.${fraction.toString().padStart(digits, '0').replace(/0+$/, '')}`;
  }
  return text;
}

/** Places the decimal point in an unscaled integer string: ("-12345", 3) -> "-12.345". */
export function scaleDecimalString(unscaled: string, scale: number): string {
  if (scale <= 0) return unscaled;
  const negative = unscaled.startsWith('-');
  const digits = (negative ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  const text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return negative ? `-${text}` : text;
}

/** Doubles: shortest round-trip text, but no 17-digit noise like 0.30000000000000004. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  const shortest = String(value);
  const rounded = String(Number(value.toPrecision(15)));
  return rounded.length < shortest.length ? rounded : shortest;
}

function jsonish(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The full (untruncated) display text for a value of an Arrow type. */
export function fullTextFor(type: DataType): (value: unknown) => CellText {
  const nullSafe = (f: (value: unknown) => string) => (value: unknown): CellText => (value === null || value === undefined ? null : f(value));
  switch (type.typeId) {
    case Type.Int:
    case Type.Int8:
    case Type.Int16:
    case Type.Int32:
    case Type.Int64:
    case Type.Uint8:
    case Type.Uint16:
    case Type.Uint32:
    case Type.Uint64:
      return nullSafe((v) => String(v));
    case Type.Float:
    case Type.Float16:
    case Type.Float32:
    case Type.Float64:
      return nullSafe((v) => (typeof v === 'number' ? formatFloat(v) : String(v)));
    case Type.Decimal: {
      const scale = (type as DataType & { scale: number }).scale;
      return nullSafe((v) => scaleDecimalString(String(v), scale));
    }
    case Type.Bool:
      return nullSafe((v) => (v ? 'true' : 'false'));
    case Type.Date:
    case Type.DateDay:
    case Type.DateMillisecond:
      return nullSafe((v) => (typeof v === 'number' ? formatDateMs(v) : v instanceof Date ? formatDateMs(v.getTime()) : String(v)));
    case Type.Timestamp:
    case Type.TimestampSecond:
    case Type.TimestampMillisecond:
    case Type.TimestampMicrosecond:
    case Type.TimestampNanosecond: {
      const withZone = Boolean((type as DataType & { timezone?: string | null }).timezone);
      return nullSafe((v) => (typeof v === 'number' ? formatTimestampMs(v, withZone) : String(v)));
    }
    case Type.Time:
    case Type.TimeSecond:
    case Type.TimeMillisecond:
    case Type.TimeMicrosecond:
    case Type.TimeNanosecond: {
      const unit = (type as DataType & { unit: number }).unit;
      return nullSafe((v) => (typeof v === 'number' || typeof v === 'bigint' ? formatTimeOfDay(v, unit) : String(v)));
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return nullSafe((v) => String(v));
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return nullSafe((v) => (v instanceof Uint8Array ? `\\x${[...v.subarray(0, 64)].map((b) => b.toString(16).padStart(2, '0')).join('')}${v.length > 64 ? '…' : ''}` : String(v)));
    case Type.Interval:
    case Type.IntervalDayTime:
    case Type.IntervalYearMonth:
      // Arrow JS cannot decode DuckDB's month-day-nano intervals faithfully; say so instead of guessing.
      return nullSafe(() => '(interval: CAST to VARCHAR to view)');
    default:
      return nullSafe((v) => (typeof v === 'object' ? jsonish(v) : String(v)));
  }
}

export interface FormattedColumn {
  name: string;
  /** Arrow's type name, e.g. Int64, Utf8, Timestamp<MICROSECOND>. */
  arrowType: string;
  /** Numbers are right-aligned in the grid. */
  numeric: boolean;
}

/**
 * A decoded window of rows. Each cell is its display text (capped at TITLE_LIMIT characters, the
 * most a tooltip shows) or null for SQL NULL; the grid shortens it with `cellDisplayText`.
 */
export interface FormattedRows {
  columns: FormattedColumn[];
  rows: CellText[][];
}

const NUMERIC_TYPES = new Set<Type>([
  Type.Int, Type.Int8, Type.Int16, Type.Int32, Type.Int64, Type.Uint8, Type.Uint16, Type.Uint32, Type.Uint64,
  Type.Float, Type.Float16, Type.Float32, Type.Float64, Type.Decimal,
]);

export function isNumericArrowType(field: Field): boolean {
  return NUMERIC_TYPES.has(field.typeId);
}

/** The text shown in a cell: long values end in an ellipsis (the tooltip has the rest). */
export function cellDisplayText(text: string): string {
  const firstLine = text.length > CELL_TEXT_LIMIT ? `${text.slice(0, CELL_TEXT_LIMIT - 1)}…` : text;
  // Newlines would break the fixed row height; show them as a visible symbol.
  return firstLine.replace(/\r?\n/g, '↵');
}

/** Whether the grid should offer the full value on hover. */
export function isTruncated(text: string): boolean {
  return text.length > CELL_TEXT_LIMIT || /\n/.test(text);
}

/** Arrow IPC stream bytes -> display rows. */
export function formatIpcRows(ipc: Uint8Array): FormattedRows {
  const table = tableFromIPC(ipc);
  const fields = table.schema.fields;
  const formatters = fields.map((f) => fullTextFor(f.type));
  const vectors = fields.map((_f, i) => table.getChildAt(i));
  // Dates and times from their stored integers, as DuckDB prints them (Arrow's epoch milliseconds
  // round microseconds and nanoseconds, and 'infinity' does not convert at all).
  const temporal = fields.map((f, i) => {
    const vector = vectors[i];
    return vector ? temporalColumnTexts(f, vector) : null;
  });
  const rows: CellText[][] = new Array<CellText[]>(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row: CellText[] = new Array<CellText>(fields.length);
    for (let c = 0; c < fields.length; c++) {
      const vector = vectors[c];
      const format = formatters[c];
      const texts = temporal[c];
      const text = texts ? (texts[r] ?? null) : vector && format ? format(vector.get(r)) : null;
      row[c] = text !== null && text.length > TITLE_LIMIT ? `${text.slice(0, TITLE_LIMIT)}…` : text;
    }
    rows[r] = row;
  }
  return {
    columns: fields.map((f) => ({ name: f.name, arrowType: String(f.type), numeric: isNumericArrowType(f) })),
    rows,
  };
}

/** "12,330 rows", "1 row". */
export function formatRowCount(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'row' : 'rows'}`;
}

/** "85 ms", "1.24 s", "2 min 5 s". */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}
