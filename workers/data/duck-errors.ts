import { EngineError, offlineLimitMessage, type SqlPosition } from '../protocol/errors';

export { offlineLimitMessage } from '../protocol/errors';

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
