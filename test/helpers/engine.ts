import { expect } from 'vitest';
import { EngineError } from '../../workers/api';

/** Awaits a job that must fail and returns its typed error. */
export async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EngineError);
  return err as EngineError;
}
