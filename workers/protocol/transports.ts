import type { Transport } from './messages';

/** Anything with postMessage + message events: a Worker, a worker's global scope, a MessagePort. */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

/** Transport over a Web Worker, a worker's global scope or a MessagePort. */
export function endpointTransport<In, Out>(endpoint: MessageEndpoint): Transport<In, Out> {
  return {
    send(message, transfer = []) {
      endpoint.postMessage(message, transfer);
    },
    onMessage(listener) {
      const handler = (event: MessageEvent): void => listener(event.data as In);
      endpoint.addEventListener('message', handler);
      return () => endpoint.removeEventListener('message', handler);
    },
  };
}

/**
 * Two connected in-process transports (engine side and client side). Messages are delivered
 * asynchronously and structured-cloned, as across a worker boundary, so tests see real behaviour.
 */
export function inProcessPair<A, B>(): [Transport<A, B>, Transport<B, A>] {
  const toA = new Set<(message: A) => void>();
  const toB = new Set<(message: B) => void>();
  const deliver = <T>(listeners: Set<(message: T) => void>, message: T): void => {
    const copy = structuredClone(message);
    setTimeout(() => {
      for (const listener of listeners) listener(copy);
    }, 0);
  };
  const a: Transport<A, B> = {
    send: (message) => deliver(toB, message),
    onMessage: (listener) => {
      toA.add(listener);
      return () => toA.delete(listener);
    },
  };
  const b: Transport<B, A> = {
    send: (message) => deliver(toA, message),
    onMessage: (listener) => {
      toB.add(listener);
      return () => toB.delete(listener);
    },
  };
  return [a, b];
}
