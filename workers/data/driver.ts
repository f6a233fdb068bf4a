import type { Table } from 'apache-arrow';
import type { FileSource } from './types';

/**
 * What the data engine needs from DuckDB. One implementation per host: the Node blocking
 * bindings (CLI, tests) and the browser AsyncDuckDB (app). Both run every query as a pending
 * query polled in slices, so a long query can be cancelled between slices.
 */
export interface DuckDriver {
  readonly host: 'node' | 'browser';
  readonly bundle: string;
  version(): Promise<string>;
  /** Runs one statement; rejects with CANCELLED when the signal fires. */
  query(sql: string, signal?: AbortSignal): Promise<Table>;
  /** Makes a file readable by DuckDB under `name`, by reference where the host allows. */
  registerFile(name: string, source: FileSource): Promise<void>;
  dropFile(name: string): Promise<void>;
  /** Creates (or appends to) a table from Arrow IPC stream bytes. */
  insertArrowIPC(table: string, ipc: Uint8Array, create: boolean): Promise<void>;
  /**
   * True where DuckDB reads Parquet itself (native DuckDB): the engine checks a file's pages, fills
   * the table with `read_parquet` on the registered file instead of inserting decoded row groups
   * (row-by-row appends cost ~5 s per million rows there), then checks the loaded values in SQL.
   */
  readonly readsParquet?: boolean;
  /** The source as a Blob read lazily by slices (sniffing, Parquet row groups, JSON). */
  asBlob(source: FileSource): Promise<Blob>;
  /** Runs `COPY (<select>) TO <file> (<options>)` and returns the bytes, or writes `path` directly. */
  copyTo(selectSql: string, copyOptions: string, path?: string, signal?: AbortSignal): Promise<{ bytes: Uint8Array | null; byteLength: number }>;
  /** A stream that writes a file at `path`, where the host has files (Node); exports stream into it. */
  createFileWriter?(path: string): WritableStream<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Registered files live under this virtual folder: the only place DuckDB may touch once
 * external access is off (see OFFLINE_SETTINGS).
 */
export const REGISTERED_FILE_DIR = '/assay-files/';

/**
 * Settings every driver runs first. duckdb-wasm 1.32 tries to fetch some extensions (icu for
 * time zones, json, parquet, httpfs...) even with autoloading off; in Node it does so in a helper
 * thread it waits on with Atomics.wait and no timeout, so offline a query such as
 * `... AT TIME ZONE 'UTC'` hangs for ever. With external access off DuckDB refuses to load any
 * extension (a plain, immediate error) and reads only the registered files under
 * REGISTERED_FILE_DIR; raw paths in SQL are refused too (they could hang as well).
 */
export const OFFLINE_SETTINGS = [
  'SET autoinstall_known_extensions=false',
  'SET autoload_known_extensions=false',
  `SET allowed_directories=['${REGISTERED_FILE_DIR}']`,
  'SET enable_external_access=false',
];
