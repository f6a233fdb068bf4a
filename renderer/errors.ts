import { EngineError } from '../workers/api';

/** An error in plain words for people: the engine's message, plus where in the SQL it points. */
export function describeError(err: unknown): string {
  if (err instanceof EngineError) {
    const position = err.detail?.position;
    return position ? `${err.message} (line ${position.line}, column ${position.column})` : err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

export function isCancelled(err: unknown): boolean {
  return err instanceof EngineError && err.code === 'CANCELLED';
}

/** A long job's failure for a status line: "X was cancelled." or "X failed: why". */
export function describeJobFailure(what: string, err: unknown): string {
  return isCancelled(err) ? `${what} was cancelled.` : `${what} failed: ${describeError(err)}`;
}

/** The engine itself is gone (failed start-up, crashed worker): one message says so, not every job. */
export function isEngineDown(err: unknown): boolean {
  return err instanceof EngineError && err.detail?.engineDown === true;
}
