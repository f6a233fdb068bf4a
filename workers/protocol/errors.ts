/** Typed engine errors: every failure that crosses the job protocol is one of these codes. */
export type EngineErrorCode =
  | 'CANCELLED'
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'SQL_ERROR'
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_FILE'
  | 'ENCODING'
  | 'EMPTY_FILE'
  | 'UNKNOWN_JOB'
  | 'INTERNAL';

/** Where in the SQL text an error points (1-based line and column, 0-based offset). */
export interface SqlPosition {
  line: number;
  column: number;
  offset: number;
}

export interface EngineErrorDetail {
  position?: SqlPosition;
  /** The engine's original message, when `message` was rewritten into plain words. */
  cause?: string;
  [key: string]: unknown;
}

/** The serialisable form of an error, as it crosses the protocol. */
export interface EngineErrorData {
  code: EngineErrorCode;
  message: string;
  detail?: EngineErrorDetail;
}

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly detail: EngineErrorDetail | undefined;

  constructor(code: EngineErrorCode, message: string, detail?: EngineErrorDetail) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.detail = detail;
  }

  toData(): EngineErrorData {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }

  static fromData(data: EngineErrorData): EngineError {
    return new EngineError(data.code, data.message, data.detail);
  }
}

export function cancelledError(): EngineError {
  return new EngineError('CANCELLED', 'The job was cancelled.');
}

/**
 * DuckDB reports some errors as JSON (`{"exception_type":"Binder","exception_message":...}`):
 * the readable sentence inside, or null when `text` is not such a report.
 */
export function duckJsonMessage(text: string): string | null {
  const start = text.indexOf('{"exception_type"');
  const at = start >= 0 ? start : text.indexOf('{"exception_message"');
  if (at < 0) return null;
  try {
    const value = JSON.parse(text.slice(at)) as { exception_type?: unknown; exception_message?: unknown };
    const type = typeof value.exception_type === 'string' ? value.exception_type : '';
    const body = typeof value.exception_message === 'string' ? value.exception_message : '';
    return `${type ? `${type} Error: ` : ''}${body}`.trim() || null;
  } catch {
    return null;
  }
}

/**
 * A message fit for people: DuckDB's JSON reports unwrapped, stack frames and DuckDB's
 * LINE/caret context dropped, the `Error: ` that wasm bindings prepend removed.
 */
export function plainMessage(raw: string): string {
  let text = duckJsonMessage(raw) ?? raw;
  text = text.replace(/^(Error: )+/, '');
  const lines = text.split('\n').filter((line) => !/^\s+at .+/.test(line));
  const cut = lines.findIndex((line) => /^LINE \d+:/.test(line));
  const kept = (cut >= 0 ? lines.slice(0, cut) : lines).join('\n').trim();
  return kept.replace(/\n{2,}/g, '\n') || 'unknown error';
}

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

/** Turns anything thrown into an EngineError, keeping typed errors as they are. */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  // A job whose SQL needed an extension (e.g. ICU for a TIMESTAMPTZ column on duckdb-wasm): say
  // what is missing and why, not DuckDB's autoloading error.
  const offline = offlineLimitMessage(raw);
  if (offline) return new EngineError('SQL_ERROR', offline, { cause: raw });
  const message = plainMessage(raw);
  return message === raw ? new EngineError('INTERNAL', message) : new EngineError('INTERNAL', message, { cause: raw });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}
