// The CLI's engine thread, startable before the command's own code has loaded: bin/assay.mjs
// starts it first for commands that use the engine, so the thread's start-up (a new isolate, the
// engine's modules, opening DuckDB) overlaps loading and parsing the CLI on another core.
// withEngine (common.ts) takes the started engine instead of starting a second one.
import type { NodeEngine } from '../node/engine-node';

/**
 * Commands that run jobs on the engine: `true` for the whole command, or the subcommands that do
 * (`pack apply` opens its own DuckDB; `tags add` and `pack export` need no engine). Others, such as
 * --help and --version, never start it.
 */
const ENGINE_COMMANDS: ReadonlyMap<string, true | ReadonlySet<string>> = new Map<string, true | ReadonlySet<string>>([
  ...['profile', 'query', 'train', 'predict', 'evaluate', 'export', 'features', 'cluster'].map((c) => [c, true] as const),
  ['rules', new Set(['mine'])],
  ['tags', new Set(['eval', 'validate'])],
  ['labels', new Set(['train', 'apply', 'eval', 'review'])],
  ['pack', new Set(['build', 'validate', 'diff'])],
]);

let started: Promise<NodeEngine> | null = null;

/** The CLI's engine: in its own thread, on native DuckDB unless ASSAY_DUCKDB=wasm. */
export async function startCliEngine(): Promise<NodeEngine> {
  const { cliDriverKind } = await import('../node/driver-choice');
  const driver = cliDriverKind();
  return (await import('../node/engine-thread-client')).startEngineThread(undefined, { driver });
}

/** Whether a command line will need the engine (help requests and unknown commands do not). */
export function commandUsesEngine(argv: readonly string[]): boolean {
  const [command, ...rest] = argv;
  const uses = command === undefined ? undefined : ENGINE_COMMANDS.get(command);
  if (uses === undefined || rest.includes('--help') || rest.includes('-h')) return false;
  return uses === true || uses.has(rest[0] ?? '');
}

/**
 * Starts the engine now when the command line will need it, and returns it (null when it does
 * not); a failure is reported to the command that takes it.
 */
export function startEngineEarly(argv: readonly string[]): Promise<NodeEngine> | null {
  if (started || !commandUsesEngine(argv)) return null;
  started = startCliEngine();
  // Not awaited yet: the command that takes it sees the error.
  started.catch(() => undefined);
  return started;
}

/** The engine started early, once; null when none was started (or it was already taken). */
export function takeEarlyEngine(): Promise<NodeEngine> | null {
  const engine = started;
  started = null;
  return engine;
}

/** Closes an early engine no command took (a usage error, a subcommand without jobs), so the process can exit. */
export async function closeUntakenEngine(): Promise<void> {
  const engine = await takeEarlyEngine()?.catch(() => null);
  await engine?.close();
}
