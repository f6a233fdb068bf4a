import * as duckdb from '@duckdb/duckdb-wasm';
import type { Table } from 'apache-arrow';
import ehWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import ehWorkerUrl from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import mvpWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';
import mvpWorkerUrl from '@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?url';
import type { FileSource } from '../api';
import { EngineError } from '../protocol/errors';
import { OFFLINE_SETTINGS, REGISTERED_FILE_DIR, type DuckDriver } from '../data/driver';
import { runPendingQuery } from '../data/pending-query';

/**
 * Only the single-threaded bundles, served from our own origin. The `coi` (threads) bundle would
 * be picked on a cross-origin-isolated page, but there BROWSER_FILEREADER handles fail inside
 * its pthread workers, and it takes seconds longer to start.
 */
const LOCAL_BUNDLES: duckdb.DuckDBBundles = {
  mvp: { mainModule: mvpWasmUrl, mainWorker: mvpWorkerUrl },
  eh: { mainModule: ehWasmUrl, mainWorker: ehWorkerUrl },
};

/** Generous: compiling 34 MB of wasm on a busy 2-core machine takes tens of seconds. */
const START_TIMEOUT_MS = 180_000;

/** Reads only the response headers of the wasm file: missing or mis-served files fail clearly. */
async function assertServedAsWasm(url: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new EngineError('INTERNAL', `DuckDB's wasm file could not be fetched (${url}): ${err instanceof Error ? err.message : String(err)}`);
  }
  void response.body?.cancel();
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok) throw new EngineError('INTERNAL', `DuckDB's wasm file is missing (${url}: HTTP ${response.status}).`);
  if (!type.includes('application/wasm')) {
    throw new EngineError('INTERNAL', `DuckDB's wasm file is served as "${type || 'no type'}" instead of application/wasm (${url}).`);
  }
}

/** A plain ArrayBuffer-backed copy, safe to transfer without detaching the caller's buffer. */
function ownedCopy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** Browser host: AsyncDuckDB in its own (nested) worker, driven from the engine worker. */
export class BrowserDuckDriver implements DuckDriver {
  readonly host = 'browser' as const;
  private outputCounter = 0;

  private constructor(
    private readonly db: duckdb.AsyncDuckDB,
    private readonly conn: duckdb.AsyncDuckDBConnection,
    private readonly connId: number,
    readonly bundle: string,
  ) {}

  static async create(): Promise<BrowserDuckDriver> {
    const bundle = await duckdb.selectBundle(LOCAL_BUNDLES);
    if (!bundle.mainWorker) throw new EngineError('INTERNAL', 'The DuckDB bundle has no worker script.');
    // duckdb-wasm loses a failed wasm compile inside its worker and never settles `instantiate`,
    // so check the file is served as wasm first, and watch the worker for errors.
    await assertServedAsWasm(bundle.mainModule);
    const worker = new Worker(bundle.mainWorker);
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    let stopWatching = (): void => undefined;
    const workerFailure = new Promise<never>((_resolve, reject) => {
      const onError = (event: ErrorEvent): void => reject(new EngineError('INTERNAL', `DuckDB's worker failed: ${event.message || 'unknown error'}`));
      const timer = setTimeout(() => reject(new EngineError('INTERNAL', `DuckDB did not start within ${START_TIMEOUT_MS / 1000} s.`)), START_TIMEOUT_MS);
      worker.addEventListener('error', onError);
      stopWatching = () => {
        clearTimeout(timer);
        worker.removeEventListener('error', onError);
      };
    });
    const start = async (): Promise<BrowserDuckDriver> => {
      await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
      await db.open({ query: { castBigIntToDouble: false } });
      const conn = await db.connect();
      const connId = conn.useUnsafe((_bindings, id) => id);
      // Offline app: a missing extension must be an error, never a download (see OFFLINE_SETTINGS).
      for (const setting of OFFLINE_SETTINGS) await conn.query(setting);
      const bundleName = bundle.mainModule === ehWasmUrl ? 'duckdb-wasm eh (browser, 1 thread)' : 'duckdb-wasm mvp (browser, 1 thread)';
      return new BrowserDuckDriver(db, conn, connId, bundleName);
    };
    try {
      return await Promise.race([start(), workerFailure]);
    } catch (err) {
      await db.terminate();
      throw err;
    } finally {
      stopWatching();
    }
  }

  version(): Promise<string> {
    return this.db.getVersion();
  }

  query(sql: string, signal?: AbortSignal): Promise<Table> {
    return runPendingQuery(this.db, this.connId, sql, signal);
  }

  async registerFile(name: string, source: FileSource): Promise<void> {
    if (source.kind === 'blob') {
      // Read by reference through FileReaderSync in DuckDB's worker: the file is never copied whole.
      await this.db.registerFileHandle(name, source.blob, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
    } else if (source.kind === 'bytes') {
      // registerFileBuffer transfers the buffer; copy so the caller's bytes stay usable.
      await this.db.registerFileBuffer(name, ownedCopy(source.bytes));
    } else {
      throw new EngineError('BAD_INPUT', `Files cannot be opened by path in the browser ("${source.path}"); pick the file instead.`);
    }
  }

  async dropFile(name: string): Promise<void> {
    await this.db.dropFile(name);
  }

  async insertArrowIPC(table: string, ipc: Uint8Array, create: boolean): Promise<void> {
    // The IPC buffer is transferred to DuckDB's worker: move it only when this view owns all of it.
    const whole = ipc.buffer instanceof ArrayBuffer && ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength;
    await this.conn.insertArrowFromIPCStream(whole ? ipc : ownedCopy(ipc), { name: table, create });
  }

  async asBlob(source: FileSource): Promise<Blob> {
    if (source.kind === 'blob') return source.blob;
    if (source.kind === 'bytes') return new Blob([ownedCopy(source.bytes)]);
    throw new EngineError('BAD_INPUT', `Files cannot be opened by path in the browser ("${source.path}"); pick the file instead.`);
  }

  async copyTo(selectSql: string, copyOptions: string, path?: string): Promise<{ bytes: Uint8Array | null; byteLength: number }> {
    if (path !== undefined) throw new EngineError('BAD_INPUT', 'The browser cannot write to a path; the bytes are returned instead.');
    // DuckDB-WASM writes an unregistered file name into an in-memory buffer we can copy out.
    const name = `${REGISTERED_FILE_DIR}out_${++this.outputCounter}_${Date.now()}`;
    try {
      await this.query(`COPY (${selectSql}) TO '${name}' (${copyOptions})`);
      const bytes = await this.db.copyFileToBuffer(name);
      return { bytes, byteLength: bytes.byteLength };
    } finally {
      await this.db.dropFile(name).catch(() => null);
    }
  }

  async close(): Promise<void> {
    await this.conn.close();
    await this.db.terminate();
  }
}
