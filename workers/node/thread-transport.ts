import { parentPort, type Worker } from 'node:worker_threads';
import type { FromEngine, ToEngine, Transport } from '../protocol/messages';

/** The engine's side of a worker thread: the job protocol over the parent port. */
export function parentPortTransport(): Transport<ToEngine, FromEngine> {
  const port = parentPort;
  if (!port) throw new Error('The engine thread entry must run as a worker thread.');
  return {
    send(message, transfer = []) {
      port.postMessage(message, transfer as ArrayBuffer[]);
    },
    onMessage(listener) {
      const handler = (message: ToEngine): void => listener(message);
      port.on('message', handler);
      return () => port.off('message', handler);
    },
  };
}

/** The caller's side of an engine thread. */
export function workerTransport(worker: Worker): Transport<FromEngine, ToEngine> {
  return {
    send(message, transfer = []) {
      worker.postMessage(message, transfer as ArrayBuffer[]);
    },
    onMessage(listener) {
      const handler = (message: FromEngine): void => listener(message);
      worker.on('message', handler);
      return () => worker.off('message', handler);
    },
  };
}
