/** What every CLI command shares: exit codes, usage errors, argument parsing, the engine thread, file outputs. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError, type EngineClient } from '../api';
import { tableNameFromFile } from '../data/naming';
import { tempPathFor, writeFileAtomic } from './atomic-write';
import type { NodeEngine } from './engine-node';

/** Exit codes: 0 ok, 1 the job failed (bad data, SQL error), 2 bad command line, 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A bad command line: main() prints it and exits with code 2. */
export class UsageError extends Error {}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const defaultIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

export function parseCommandLine(config: ParseArgsConfig, argv: string[], help: string): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ ...config, args: argv, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${help}`);
  }
}

/** How a command gets its engine: a worker thread by default; tests may pass an in-process one. */
export type EngineStarter = () => Promise<NodeEngine>;

export async function withEngine<T>(fn: (engine: NodeEngine) => Promise<T>, start?: EngineStarter): Promise<T> {
  // Loaded on demand so that --help and argument errors answer at once.
  const engine = start ? await start() : await (await import('./engine-thread-client')).startEngineThread();
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    for (const job of engine.client.running()) engine.client.cancel(job.id);
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(engine);
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
  }
}

export function requireFile(file: string): void {
  if (!fs.existsSync(file)) throw new UsageError(`File not found: ${file}`);
  if (fs.statSync(file).isDirectory()) throw new UsageError(`${file} is a folder; give a data file.`);
}

export async function openFiles(client: EngineClient, files: string[], io: Io): Promise<string[]> {
  const names: string[] = [];
  for (const file of files) {
    const info = await client.run('data.open', { source: { kind: 'path', path: path.resolve(file) }, tableName: tableNameFromFile(file), replace: true });
    for (const warning of info.warnings ?? []) io.err(`warning: ${warning}`);
    names.push(info.name);
  }
  return names;
}

export function outputFormat(out: string | undefined): 'csv' | 'parquet' {
  if (out === undefined) throw new UsageError('--out is required.');
  const lower = out.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.csv')) return 'csv';
  throw new UsageError(`--out must end in .csv or .parquet (got ${out}).`);
}

/** Writes a result or table to a file atomically (a temp file beside it, then rename). */
export async function writeOutput(client: EngineClient, from: { resultId: string } | { table: string }, out: string): Promise<void> {
  const format = outputFormat(out);
  const target = path.resolve(out);
  if (format === 'csv') {
    const temp = tempPathFor(target);
    try {
      await client.run('data.export', { from, format, path: temp });
      fs.renameSync(temp, target);
    } finally {
      fs.rmSync(temp, { force: true });
    }
    return;
  }
  const exported = await client.run('data.export', { from, format });
  if (!exported.bytes) throw new EngineError('INTERNAL', 'The export returned no bytes.');
  writeFileAtomic(target, exported.bytes);
}

export function parseNumberOption(name: string, value: unknown, check: (v: number) => boolean, rule: string): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isFinite(v) || !check(v)) throw new UsageError(`--${name} must be ${rule} (got ${String(value)}).`);
  return v;
}

/** Runs one command and maps its failure to an exit code and a plain message on stderr. */
export async function runCommand(io: Io, command: () => Promise<number>): Promise<number> {
  try {
    return await command();
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`assay: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof EngineError) {
      io.err(`assay: ${err.message}`);
      return err.code === 'CANCELLED' ? EXIT.interrupted : EXIT.failed;
    }
    io.err(`assay: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.failed;
  }
}
