import { EngineError, type SqlPosition } from '../protocol/errors';

/**
 * Finds where a DuckDB error points: DuckDB prints `LINE n: <text>` and a caret line below it.
 * `lineShift` corrects for text we prepended on extra lines (e.g. a CREATE TEMP TABLE wrapper).
 */
export function positionFromDuckMessage(message: string, sql: string, lineShift = 0): SqlPosition | undefined {
  const lines = message.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const match = /^LINE (\d+): (.*)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const caretLine = lines[i + 1] ?? '';
    const caret = caretLine.indexOf('^');
    if (caret < 0) continue;
    const prefixLength = `LINE ${match[1]}: `.length;
    const shown = match[2] ?? '';
    const line = Number(match[1]) - lineShift;
    const sqlLines = sql.split('\n');
    const sourceLine = sqlLines[line - 1];
    if (line < 1 || sourceLine === undefined) return undefined;
    let column = caret - prefixLength;
    // DuckDB elides long lines with "..." around a window; find the shown text in the real line.
    const visible = shown.replace(/^\.\.\./, '').replace(/\.\.\.$/, '');
    const leadingDots = shown.startsWith('...') ? 3 : 0;
    const at = sourceLine.indexOf(visible);
    if (at >= 0) column = at + (column - leadingDots);
    column = Math.max(0, Math.min(column, sourceLine.length));
    let offset = 0;
    for (let l = 0; l < line - 1; l++) offset += (sqlLines[l]?.length ?? 0) + 1;
    return { line, column: column + 1, offset: offset + column };
  }
  return undefined;
}

/** The message without DuckDB's repeated LINE/caret context, for people to read. */
export function cleanDuckMessage(message: string): string {
  const cut = message.indexOf('\nLINE ');
  const head = (cut >= 0 ? message.slice(0, cut) : message).trim();
  return head.replace(/\n{2,}/g, '\n');
}

interface DuckJsonError {
  exception_type?: string;
  exception_message?: string;
  position?: string | number;
}

/** DuckDB reports some errors as JSON: {exception_type, exception_message, position}. */
function parseJsonError(message: string): DuckJsonError | null {
  const text = message.trim();
  if (!text.startsWith('{')) return null;
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && 'exception_message' in value ? (value as DuckJsonError) : null;
  } catch {
    return null;
  }
}

/** Line/column (1-based) of a 0-based character offset in `text`. */
export function positionAtOffset(text: string, offset: number): SqlPosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  const before = text.slice(0, clamped);
  const line = before.split('\n').length;
  const column = clamped - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column, offset: clamped };
}

/** What each DuckDB extension that Assay does not ship is for, to name it in errors. */
const EXTENSION_PURPOSE: Record<string, string> = {
  icu: 'time zones and collations',
  json: 'the JSON type and JSON functions',
  parquet: 'Parquet in SQL; open the file as a table instead',
  httpfs: 'reading over HTTP/S3',
  excel: 'Excel files',
  spatial: 'geometry functions',
  fts: 'full-text search',
  inet: 'IP address types',
};

/**
 * DuckDB's errors for what Assay refuses by design, offline: loading an extension (which would
 * try to download it) or touching a file by its path in SQL. A plain sentence, or null.
 */
export function offlineLimitMessage(message: string): string | null {
  const ext =
    /required extension '([a-z_0-9]+)'/i.exec(message)?.[1] ??
    /exists in the ([a-z_0-9]+) extension/i.exec(message)?.[1] ??
    /requires the ([a-z_0-9]+) extension/i.exec(message)?.[1];
  if (ext) {
    const purpose = EXTENSION_PURPOSE[ext.toLowerCase()];
    return `This needs DuckDB's "${ext}" extension${purpose ? ` (${purpose})` : ''}, which Assay does not include: it works offline and never downloads extensions.`;
  }
  if (/Loading external extensions is disabled/i.test(message)) {
    return 'Assay does not load DuckDB extensions: it works offline and never downloads them.';
  }
  const file = /Cannot access (?:file|directory) "([^"]*)" - file system operations are disabled/i.exec(message);
  if (file) {
    return `SQL cannot read or write files by path in Assay ("${file[1] ?? ''}"): open the file as a table first (assay query FILE..., or Open files in the app) and query the table.`;
  }
  return null;
}

/**
 * Wraps a DuckDB error from running user SQL as a typed SQL_ERROR with its position.
 * `prefixLength` is the number of characters we put before the user's text (a wrapper), and
 * `lineShift` the number of lines they span.
 */
export function sqlError(err: unknown, sql: string, lineShift = 0, prefixLength = 0): EngineError {
  if (err instanceof EngineError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const json = parseJsonError(raw);
  const message = json ? `${json.exception_type ?? 'SQL'} Error: ${json.exception_message ?? ''}` : raw;
  let position: SqlPosition | undefined;
  if (json?.position !== undefined && Number.isFinite(Number(json.position))) {
    const offset = Number(json.position) - prefixLength;
    if (offset >= 0 && offset <= sql.length) position = positionAtOffset(sql, offset);
  }
  const offline = offlineLimitMessage(message);
  if (offline) return new EngineError('SQL_ERROR', offline, { cause: message });
  position ??= positionFromDuckMessage(message, sql, lineShift);
  const detail = position ? { position, cause: message } : { cause: message };
  const where = position ? ` (line ${position.line}, column ${position.column})` : '';
  return new EngineError('SQL_ERROR', `${cleanDuckMessage(message)}${where}`, detail);
}
