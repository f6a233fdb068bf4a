import type { Table } from 'apache-arrow';
import type { FileSource } from '../api';

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
  /** The source as a Blob read lazily by slices (sniffing, Parquet row groups, JSON). */
  asBlob(source: FileSource): Promise<Blob>;
  /** Runs `COPY (<select>) TO <file> (<options>)` and returns the bytes, or writes `path` directly. */
  copyTo(selectSql: string, copyOptions: string, path?: string): Promise<{ bytes: Uint8Array | null; byteLength: number }>;
  close(): Promise<void>;
}
