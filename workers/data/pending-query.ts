import { tableFromIPC, type Table } from 'apache-arrow';
import { cancelledError } from '../protocol/errors';

/** The subset of duckdb-wasm bindings (sync or async) used to run a cancellable query. */
export interface PendingQueryBindings {
  startPendingQuery(conn: number, text: string, allowStreamResult: boolean): Uint8Array | null | Promise<Uint8Array | null>;
  pollPendingQuery(conn: number): Uint8Array | null | Promise<Uint8Array | null>;
  cancelPendingQuery(conn: number): boolean | Promise<boolean>;
  fetchQueryResults(conn: number): Uint8Array | null | Promise<Uint8Array | null>;
}

/** Lets other messages (a cancel) reach the worker between two slices of query work. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs a query as a pending query: DuckDB executes it in slices of ~100 ms, and between slices
 * we yield to the event loop and check the abort signal. Errors keep DuckDB's message.
 */
export async function runPendingQuery(
  bindings: PendingQueryBindings,
  conn: number,
  sql: string,
  signal?: AbortSignal,
): Promise<Table> {
  if (signal?.aborted) throw cancelledError();
  let buffer = await bindings.startPendingQuery(conn, sql, false);
  while (buffer == null) {
    await yieldToEventLoop();
    if (signal?.aborted) {
      await bindings.cancelPendingQuery(conn);
      throw cancelledError();
    }
    buffer = await bindings.pollPendingQuery(conn);
  }
  // The finished query gives the Arrow stream header; record batches follow until an empty chunk.
  const chunks: Uint8Array[] = [buffer];
  for (;;) {
    const chunk = await bindings.fetchQueryResults(conn);
    if (chunk == null) continue;
    if (chunk.length === 0) break;
    chunks.push(chunk);
  }
  return tableFromIPC(concat(chunks));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
