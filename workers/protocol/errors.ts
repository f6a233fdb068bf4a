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

/** Turns anything thrown into an EngineError, keeping typed errors as they are. */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const message = plainMessage(raw);
  return message === raw ? new EngineError('INTERNAL', message) : new EngineError('INTERNAL', message, { cause: raw });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}
