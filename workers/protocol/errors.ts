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

/** Turns anything thrown into an EngineError, keeping typed errors as they are. */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError('INTERNAL', message);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}
