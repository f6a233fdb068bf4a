/** What every CLI command shares: exit codes, usage errors, argument parsing, the engine thread, file outputs. */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError, type EngineClient, type TableInfo } from '../api';
import { plainMessage } from '../protocol/errors';
import { commitTemp, discardTemp, outputPathProblem, removeLiveTemps, tempPathFor } from '../node/atomic-write';
import type { NodeEngine } from '../node/engine-node';
import { startCliEngine, takeEarlyEngine } from './early-engine';

/** Exit codes: 0 ok, 1 the job failed (bad data, SQL error), 2 bad command line, 130 interrupted (Ctrl-C or SIGTERM). */
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

/** Options that name a file a command writes: checked before any work starts. */
const OUTPUT_OPTIONS = ['out', 'report'];

export function parseCommandLine(config: ParseArgsConfig, argv: string[], help: string): ReturnType<typeof parseArgs> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ ...config, args: argv, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n\n${help}`);
  }
  if (parsed.values.help !== true) {
    for (const option of OUTPUT_OPTIONS) {
      const target = parsed.values[option];
      if (typeof target !== 'string' || target.length === 0) continue;
      const problem = outputPathProblem(target);
      if (problem) throw new UsageError(`--${option}: ${problem}`);
    }
  }
  return parsed;
}

/** How a command gets its engine: a worker thread by default; tests may pass an in-process one. */
export type EngineStarter = () => Promise<NodeEngine>;

export async function withEngine<T>(fn: (engine: NodeEngine) => Promise<T>, start?: EngineStarter): Promise<T> {
  // Loaded on demand so that --help and argument errors answer at once.
  const engine = start ? await start() : await (takeEarlyEngine() ?? startCliEngine());
  let interrupted = false;
  // Ctrl-C and SIGTERM cancel the running job, whose own clean-up removes its temp files; a
  // second signal, or a job that does not stop within STOP_GRACE_MS, exits at once after
  // removing them here.
  const stopNow = (code: number): void => {
    removeLiveTemps();
    process.exit(code);
  };
  const onSignal = (): void => {
    const code = EXIT.interrupted;
    if (interrupted) stopNow(code);
    interrupted = true;
    for (const job of engine.client.running()) engine.client.cancel(job.id);
    setTimeout(() => stopNow(code), STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(engine);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.close();
  }
}

/** How long a cancelled job may take to stop (and clean up) before the process exits anyway. */
const STOP_GRACE_MS = 3_000;

export function requireFile(file: string): void {
  if (!fs.existsSync(file)) throw new UsageError(`File not found: ${file}`);
  if (fs.statSync(file).isDirectory()) throw new UsageError(`${file} is a folder; give a data file.`);
}

export async function openFiles(client: EngineClient, files: string[], io: Io, onOpened?: (info: TableInfo) => void): Promise<string[]> {
  const names: string[] = [];
  for (const file of files) {
    // No `replace`: a second file with the same table name is loaded as name_2, with a warning.
    const info = await client.run('data.open', { source: { kind: 'path', path: path.resolve(file) } });
    for (const warning of info.warnings ?? []) io.err(`warning: ${warning}`);
    onOpened?.(info);
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
  // The engine writes the file itself (CSV by DuckDB, Parquet streamed batch by batch) beside
  // the target; the rename makes it appear whole or not at all.
  const temp = tempPathFor(target);
  try {
    await client.run('data.export', { from, format, path: temp });
    commitTemp(temp, target);
  } finally {
    discardTemp(temp);
  }
}

export function parseNumberOption(name: string, value: unknown, check: (v: number) => boolean, rule: string): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!Number.isFinite(v) || !check(v)) throw new UsageError(`--${name} must be ${rule} (got ${String(value)}).`);
  return v;
}

/** `--debug` anywhere on the command line: print internals (stacks, DuckDB's own messages) on failure. */
export function takeDebugFlag(argv: string[]): { argv: string[]; debug: boolean } {
  const rest = argv.filter((a) => a !== '--debug');
  return { argv: rest, debug: rest.length !== argv.length || process.env.ASSAY_DEBUG === '1' };
}

/** Plain words for a file-system error, naming the path (never a bare EISDIR or a stack). */
function fileSystemMessage(err: NodeJS.ErrnoException): string | null {
  const where = err.path ? ` (${err.path})` : '';
  switch (err.code) {
    case 'EISDIR':
      return `a folder is in the way where a file was expected${where}`;
    case 'ENOENT':
      return `a file or folder does not exist${where}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied${where}`;
    case 'EROFS':
      return `the file system is read-only${where}`;
    case 'ENOSPC':
      return `the disk is full${where}`;
    case 'ENOTDIR':
      return `a file is in the way where a folder was expected${where}`;
    default:
      return null;
  }
}

/**
 * The one place a failure becomes text for the CLI user: `error: <plain message>` for engine
 * errors, one line and a hint for anything unexpected. Stacks and DuckDB's raw reports only
 * with --debug.
 */
export function formatFailure(err: unknown, debug = false): { lines: string[]; code: number } {
  if (err instanceof UsageError) return { lines: [`assay: ${err.message}`], code: EXIT.usage };
  if (err instanceof EngineError) {
    const lines = [`error: ${plainMessage(err.message)}`];
    if (debug && err.detail?.cause) lines.push(`detail: ${err.detail.cause}`);
    else if (err.code === 'INTERNAL') lines.push('(run with --debug for details)');
    return { lines, code: err.code === 'CANCELLED' ? EXIT.interrupted : EXIT.failed };
  }
  const raw = err instanceof Error ? err.message : String(err);
  const fsMessage = err instanceof Error && 'code' in err ? fileSystemMessage(err as NodeJS.ErrnoException) : null;
  const first = fsMessage ?? plainMessage(raw).split('\n')[0] ?? 'unknown error';
  const lines = [`error: unexpected failure: ${first}`];
  lines.push(debug && err instanceof Error && err.stack ? err.stack : '(run with --debug for details)');
  return { lines, code: EXIT.failed };
}

/** Runs one command and maps its failure to an exit code and a plain message on stderr. */
export async function runCommand(io: Io, command: () => Promise<number>, debug = false): Promise<number> {
  try {
    return await command();
  } catch (err) {
    const { lines, code } = formatFailure(err, debug);
    for (const line of lines) io.err(line);
    return code;
  }
}
