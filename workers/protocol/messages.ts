import type { EngineErrorData } from './errors';

/** Messages into the engine. */
export type ToEngine =
  | { type: 'run'; id: number; kind: string; params: unknown }
  | { type: 'cancel'; id: number };

/** Messages out of the engine. */
export type FromEngine =
  | { type: 'progress'; id: number; fraction: number; phase: string }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: EngineErrorData }
  | { type: 'ready'; info: unknown };

/**
 * The minimal duplex channel the protocol needs. Implemented over a Web Worker, a MessagePort,
 * a Node worker_threads port, or an in-process pair (tests).
 */
export interface Transport<In, Out> {
  send(message: Out, transfer?: Transferable[]): void;
  onMessage(listener: (message: In) => void): () => void;
}

/** Collects the ArrayBuffers inside a result so they move instead of being copied. */
export function collectTransferables(value: unknown, out: Transferable[] = [], depth = 0): Transferable[] {
  if (depth > 4 || value === null || typeof value !== 'object') return out;
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    // Only move whole, unshared buffers: a view over part of a bigger buffer must be copied.
    if (buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === buffer.byteLength && !out.includes(buffer)) {
      out.push(buffer);
    }
    return out;
  }
  if (value instanceof ArrayBuffer) {
    if (!out.includes(value)) out.push(value);
    return out;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectTransferables(item, out, depth + 1);
    return out;
  }
  for (const item of Object.values(value as Record<string, unknown>)) collectTransferables(item, out, depth + 1);
  return out;
}
