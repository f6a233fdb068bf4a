/**
 * The browser host of the engine: starts the engine Web Worker and gives the caller a typed
 * job client. The renderer imports only this and `workers/api`.
 */
import { JobClient, type AllEngineJobs, type EngineClient } from '../api';
import type { EngineErrorData } from '../protocol/errors';
import type { FromEngine, ToEngine } from '../protocol/messages';
import { endpointTransport } from '../protocol/transports';

export interface BrowserEngine {
  client: EngineClient;
  /** Called once if the worker dies (failed start-up, crash); pending jobs have already failed. */
  onFatalError(listener: (error: EngineErrorData) => void): () => void;
  dispose(): void;
}

export function startBrowserEngine(): BrowserEngine {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'assay-engine' });
  const client: EngineClient = new JobClient<AllEngineJobs>(endpointTransport<FromEngine, ToEngine>(worker));
  const fatalListeners = new Set<(error: EngineErrorData) => void>();
  let fatal: EngineErrorData | null = null;

  const fail = (message: string): void => {
    if (fatal) return;
    fatal = { code: 'INTERNAL', message, detail: { engineDown: true } };
    client.failAll(fatal);
    for (const listener of fatalListeners) listener(fatal);
  };
  const onError = (event: ErrorEvent): void => {
    event.preventDefault();
    const reason = (event.message || 'unknown error').replace(/^Uncaught (EngineError: )?/, '');
    fail(reason.startsWith('DuckDB') ? reason : `The data engine stopped: ${reason}`);
  };
  const onMessageError = (): void => fail('The data engine sent a message that could not be read.');
  worker.addEventListener('error', onError);
  worker.addEventListener('messageerror', onMessageError);

  return {
    client,
    onFatalError(listener) {
      if (fatal) {
        const error = fatal;
        queueMicrotask(() => listener(error));
      }
      fatalListeners.add(listener);
      return () => fatalListeners.delete(listener);
    },
    dispose() {
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onMessageError);
      client.dispose();
      worker.terminate();
    },
  };
}
