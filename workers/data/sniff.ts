import type { FileFormat } from './types';

export interface DetectedFormat {
  format: FileFormat;
  compression?: 'gzip';
}

const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** Format from the first bytes (magic numbers) and the file name, in that order of trust. */
export function detectFormat(fileName: string, head: Uint8Array): DetectedFormat {
  const lower = fileName.toLowerCase();
  const gz = startsWith(head, [0x1f, 0x8b]);
  const stem = lower.replace(/\.(gz|gzip)$/, '');
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31]) || /\.(parquet|pq)$/.test(stem)) return { format: 'parquet' };
  let format: FileFormat = 'csv';
  if (/\.(ndjson|jsonl)$/.test(stem)) format = 'ndjson';
  else if (/\.json$/.test(stem)) format = 'json';
  else if (!gz && !/\.(csv|tsv|txt|tab)$/.test(stem)) {
    const first = new TextDecoder().decode(head.subarray(0, 256)).trimStart()[0];
    if (first === '[') format = 'json';
    else if (first === '{') format = 'ndjson';
  }
  return gz ? { format, compression: 'gzip' } : { format };
}

/** True when the bytes are valid UTF-8 (a multi-byte sequence cut at the end is allowed). */
export function isValidUtf8Prefix(bytes: Uint8Array): boolean {
  // Drop a possibly truncated trailing sequence before decoding strictly.
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const b = bytes[end - back] ?? 0;
    if ((b & 0xc0) === 0xc0) {
      end -= back;
      break;
    }
    if ((b & 0x80) === 0) break;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** Counts fields per line for a delimiter, ignoring delimiters inside double quotes. */
function fieldCounts(lines: string[], delimiter: string): number[] {
  return lines.map((line) => {
    let count = 1;
    let quoted = false;
    for (const ch of line) {
      if (ch === '"') quoted = !quoted;
      else if (ch === delimiter && !quoted) count++;
    }
    return count;
  });
}

/**
 * Picks the delimiter whose field count is most consistent across the first lines (the modal
 * count must exceed 1). DuckDB's own sniffer gives up on ragged files and reads one wide column,
 * so we decide the delimiter and let DuckDB sniff header and types.
 */
export function sniffDelimiter(text: string): string | undefined {
  const lines = text.split(/\r?\n/).slice(0, 200);
  if (lines.length > 1 && text.length > 0 && !/\r?\n$/.test(text)) lines.pop(); // last line may be cut
  const nonEmpty = lines.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return undefined;
  let best: { delimiter: string; score: number } | undefined;
  for (const delimiter of CANDIDATE_DELIMITERS) {
    const counts = fieldCounts(nonEmpty, delimiter);
    const freq = new Map<number, number>();
    for (const c of counts) freq.set(c, (freq.get(c) ?? 0) + 1);
    let mode = 1;
    let modeFreq = 0;
    for (const [c, f] of freq) if (f > modeFreq || (f === modeFreq && c > mode)) [mode, modeFreq] = [c, f];
    if (mode <= 1) continue;
    const score = modeFreq / nonEmpty.length + mode * 1e-3;
    if (!best || score > best.score) best = { delimiter, score };
  }
  return best?.delimiter;
}

/** A line's fields for a delimiter, with double-quoted fields unquoted ("" is a quote). */
function splitFields(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

const COMMA_NUMBER = /^[+-]?\d+(,\d+)?$/;
const DOT_DECIMAL = /^[+-]?\d*\.\d+$/;

/**
 * Whether a file that is not comma-separated writes decimals with a comma (European spreadsheets:
 * `1,5;2;3`): some column's values below the header are all numbers with an optional comma part,
 * at least one of them not three digits long (so not a thousands separator, `1,234`), and no value
 * anywhere is a dot decimal (a file that mixes both is left to read as it is). DuckDB otherwise
 * reads such a column as text.
 */
export function sniffDecimalComma(text: string, delimiter: string): boolean {
  if (delimiter === ',') return false;
  const lines = text.split(/\r?\n/).slice(0, 200);
  if (lines.length > 1 && !/\r?\n$/.test(text)) lines.pop();
  const rows = lines.filter((l) => l.length > 0).slice(1).map((l) => splitFields(l, delimiter).map((f) => f.trim()));
  if (rows.some((r) => r.some((f) => DOT_DECIMAL.test(f)))) return false;
  const width = Math.max(0, ...rows.map((r) => r.length));
  for (let c = 0; c < width; c++) {
    const values = rows.map((r) => r[c] ?? '').filter((v) => v !== '');
    // "1,234" may be a thousands separator (US exports): only a comma part that is not three digits long decides.
    if (values.length > 0 && values.every((v) => COMMA_NUMBER.test(v)) && values.some((v) => /,(\d{1,2}|\d{4,})$/.test(v))) return true;
  }
  return false;
}

/** Fields in the first line (the header when the file has one), or null for no text. */
export function firstLineFieldCount(text: string, delimiter: string): number | null {
  const first = text.split(/\r?\n/, 1)[0];
  return first === undefined || first === '' ? null : splitFields(first, delimiter).length;
}
