import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import * as duckdb from '@duckdb/duckdb-wasm/blocking';
import type { Table } from 'apache-arrow';
import type { FileSource } from '../api';
import { OFFLINE_SETTINGS, REGISTERED_FILE_DIR, type DuckDriver } from '../data/driver';
import { runPendingQuery } from '../data/pending-query';

const require = createRequire(import.meta.url);

/** Runtime hooks of the Node runtime object that we override (not in its public typings). */
interface NodeRuntimeInternals {
  openFile(mod: WasmModule, fileId: number, flags: number): number;
  resolveFileInfo(mod: WasmModule, fileId: number): { dataProtocol: number; dataUrl: string } | null;
  _filesById: Map<number, number>;
}
interface WasmModule {
  _malloc(size: number): number;
  HEAPF64: Float64Array;
}

const FILE_FLAGS_WRITE = 2;
const FILE_FLAGS_FILE_CREATE = 8;
const FILE_FLAGS_FILE_CREATE_NEW = 16;
const FILE_FLAGS_NULL_IF_NOT_EXISTS = 128;

let runtimePatched = false;

/**
 * duckdb-wasm 1.32's Node runtime opens every NODE_FS file read-write (O_CREAT|O_RDWR), which
 * fails on read-only files and creates empty files for typos. Open read-only unless DuckDB asks
 * to write, and truncate when it asks to create a new file.
 */
function patchNodeRuntime(): void {
  if (runtimePatched) return;
  runtimePatched = true;
  const runtime = duckdb.NODE_RUNTIME as unknown as NodeRuntimeInternals;
  const original = runtime.openFile.bind(runtime);
  runtime.openFile = (mod, fileId, flags) => {
    const info = runtime.resolveFileInfo(mod, fileId);
    if (!info || info.dataProtocol !== duckdb.DuckDBDataProtocol.NODE_FS) return original(mod, fileId, flags);
    const { O_RDONLY, O_RDWR, O_CREAT, O_TRUNC } = fs.constants;
    const write = (flags & FILE_FLAGS_WRITE) !== 0;
    let mode = O_RDONLY;
    if (write) mode = O_RDWR | ((flags & (FILE_FLAGS_FILE_CREATE | FILE_FLAGS_FILE_CREATE_NEW)) !== 0 ? O_CREAT : 0);
    if ((flags & FILE_FLAGS_FILE_CREATE_NEW) !== 0) mode |= O_TRUNC;
    let fd: number;
    try {
      fd = fs.openSync(info.dataUrl, mode, 0o644);
    } catch (err) {
      if ((flags & FILE_FLAGS_NULL_IF_NOT_EXISTS) !== 0) return 0;
      throw err;
    }
    runtime._filesById.set(fileId, fd);
    const size = fs.fstatSync(fd).size;
    const ptr = mod._malloc(16);
    mod.HEAPF64[ptr >> 3] = size;
    mod.HEAPF64[(ptr >> 3) + 1] = 0;
    return ptr;
  };
}

/** Node host: duckdb-wasm's blocking bindings (the same engine build the app runs). */
export class NodeDuckDriver implements DuckDriver {
  readonly host = 'node' as const;
  readonly bundle = 'duckdb-wasm eh (node, blocking)';
  private readonly tempFiles = new Set<string>();

  private constructor(
    private readonly db: duckdb.DuckDBBindings,
    private readonly conn: duckdb.DuckDBConnection,
    private readonly connId: number,
  ) {}

  static async create(): Promise<NodeDuckDriver> {
    patchNodeRuntime();
    const dist = path.dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs'));
    const db = await duckdb.createDuckDB(
      {
        mvp: { mainModule: path.join(dist, 'duckdb-mvp.wasm'), mainWorker: path.join(dist, 'duckdb-node-mvp.worker.cjs') },
        eh: { mainModule: path.join(dist, 'duckdb-eh.wasm'), mainWorker: path.join(dist, 'duckdb-node-eh.worker.cjs') },
      },
      new duckdb.VoidLogger(),
      duckdb.NODE_RUNTIME,
    );
    await db.instantiate();
    db.open({ query: { castBigIntToDouble: false } });
    const conn = db.connect();
    const connId = conn.useUnsafe((_bindings, id) => id);
    // Offline desktop app: a missing extension must be an error, never a download that hangs.
    for (const setting of OFFLINE_SETTINGS) conn.query(setting);
    return new NodeDuckDriver(db, conn, connId);
  }

  async version(): Promise<string> {
    return this.db.getVersion();
  }

  query(sql: string, signal?: AbortSignal): Promise<Table> {
    return runPendingQuery(this.db, this.connId, sql, signal);
  }

  async registerFile(name: string, source: FileSource): Promise<void> {
    if (source.kind === 'path') {
      this.db.registerFileURL(name, path.resolve(source.path), duckdb.DuckDBDataProtocol.NODE_FS, false);
    } else if (source.kind === 'bytes') {
      this.db.registerFileBuffer(name, source.bytes);
    } else {
      this.db.registerFileBuffer(name, new Uint8Array(await source.blob.arrayBuffer()));
    }
  }

  async dropFile(name: string): Promise<void> {
    this.db.dropFile(name);
  }

  async insertArrowIPC(table: string, ipc: Uint8Array, create: boolean): Promise<void> {
    this.conn.insertArrowFromIPCStream(ipc, { name: table, create });
  }

  async asBlob(source: FileSource): Promise<Blob> {
    if (source.kind === 'path') return fs.openAsBlob(source.path);
    if (source.kind === 'bytes') return new Blob([source.bytes as Uint8Array<ArrayBuffer>]);
    return source.blob;
  }

  async copyTo(selectSql: string, copyOptions: string, target?: string, signal?: AbortSignal): Promise<{ bytes: Uint8Array | null; byteLength: number }> {
    const outPath = target ?? path.join(os.tmpdir(), `assay-export-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    const name = `${REGISTERED_FILE_DIR}out_${this.tempFiles.size}_${Date.now()}`;
    this.tempFiles.add(name);
    this.db.registerFileURL(name, outPath, duckdb.DuckDBDataProtocol.NODE_FS, false);
    try {
      await this.query(`COPY (${selectSql}) TO '${name}' (${copyOptions})`, signal);
      if (target) return { bytes: null, byteLength: fs.statSync(outPath).size };
      const bytes = new Uint8Array(fs.readFileSync(outPath));
      return { bytes, byteLength: bytes.byteLength };
    } finally {
      // Also after a cancel: close DuckDB's handle so the caller can remove the file.
      try {
        this.db.dropFile(name);
      } catch {
        // Already dropped.
      }
      this.tempFiles.delete(name);
      if (!target) fs.rmSync(outPath, { force: true });
    }
  }

  createFileWriter(target: string): WritableStream<Uint8Array> {
    return Writable.toWeb(fs.createWriteStream(target)) as WritableStream<Uint8Array>;
  }

  async close(): Promise<void> {
    this.conn.close();
    this.db.reset();
  }
}
