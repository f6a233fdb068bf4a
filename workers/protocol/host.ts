import { EngineError, cancelledError, toEngineError } from './errors';
import type { JobMap } from './client';
import { collectTransferables, type FromEngine, type ToEngine, type Transport } from './messages';

/** What a job handler gets besides its parameters. */
export interface JobContext {
  readonly signal: AbortSignal;
  /** Reports progress: fraction in [0, 1] and a short phase text for people. */
  progress(fraction: number, phase: string): void;
}

export type JobHandler<P, R> = (params: P, ctx: JobContext) => Promise<R>;

/**
 * Registers a typed handler for one job kind of a job table (`DataJobs`, `ClusterJobs`, …). Each engine area's `jobs.ts` makes one
 * for its own table from the host it is given, so areas depend on the protocol, never on the
 * composition root that calls them.
 */
export type JobRegistrar<Jobs extends JobMap<Jobs>> = <K extends keyof Jobs & string>(
  kind: K,
  handler: JobHandler<Jobs[K]['params'], Jobs[K]['result']>,
) => void;

function requireObject(params: unknown): Record<string, unknown> {
  if (params === null || typeof params !== 'object') throw new EngineError('BAD_INPUT', 'Job parameters must be an object.');
  return params as Record<string, unknown>;
}

/** A registrar for one job table on a host: parameters that are not an object fail as BAD_INPUT before the handler runs. */
export function jobRegistrar<Jobs extends JobMap<Jobs>>(host: JobHost): JobRegistrar<Jobs> {
  return (kind, handler) => {
    host.register(kind, async (params: unknown, ctx) => handler(requireObject(params) as Jobs[typeof kind]['params'], ctx));
  };
}

interface QueuedJob {
  id: number;
  kind: string;
  params: unknown;
  controller: AbortController;
}

const PROGRESS_INTERVAL_MS = 50;

/**
 * Runs jobs that arrive over a transport, one at a time and in order (the engine has one DuckDB
 * connection, and compute jobs want the whole worker), with progress, cancel and typed errors.
 */
export class JobHost {
  private readonly handlers = new Map<string, JobHandler<unknown, unknown>>();
  private readonly queue: QueuedJob[] = [];
  private current: QueuedJob | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly transport: Transport<ToEngine, FromEngine>) {
    this.unsubscribe = transport.onMessage((message) => this.receive(message));
  }

  register<P, R>(kind: string, handler: JobHandler<P, R>): void {
    this.handlers.set(kind, handler as JobHandler<unknown, unknown>);
  }

  private readonly releasers: Array<() => void> = [];

  /** Runs `release` when the host is disposed: resources a service keeps between jobs (a GPU device). */
  onDispose(release: () => void): void {
    this.releasers.push(release);
  }

  announceReady(info: unknown): void {
    this.transport.send({ type: 'ready', info });
  }

  dispose(): void {
    this.unsubscribe();
    for (const job of this.queue) job.controller.abort();
    this.current?.controller.abort();
    for (const release of this.releasers.splice(0)) {
      try {
        release();
      } catch {
        // Disposal goes on: one service failing to let go must not keep the others.
      }
    }
  }

  private receive(message: ToEngine): void {
    if (message.type === 'run') {
      this.queue.push({ id: message.id, kind: message.kind, params: message.params, controller: new AbortController() });
      void this.pump();
    } else if (message.type === 'cancel') {
      if (this.current?.id === message.id) {
        this.current.controller.abort();
        return;
      }
      const index = this.queue.findIndex((job) => job.id === message.id);
      if (index >= 0) {
        const [job] = this.queue.splice(index, 1);
        if (job) this.transport.send({ type: 'error', id: job.id, error: cancelledError().toData() });
      }
    }
  }

  private async pump(): Promise<void> {
    if (this.current) return;
    const job = this.queue.shift();
    if (!job) return;
    this.current = job;
    try {
      await this.execute(job);
    } finally {
      this.current = null;
      void this.pump();
    }
  }

  private async execute(job: QueuedJob): Promise<void> {
    const handler = this.handlers.get(job.kind);
    if (!handler) {
      this.transport.send({ type: 'error', id: job.id, error: new EngineError('UNKNOWN_JOB', `Unknown job kind "${job.kind}".`).toData() });
      return;
    }
    let lastProgressAt = 0;
    const ctx: JobContext = {
      signal: job.controller.signal,
      progress: (fraction, phase) => {
        const now = Date.now();
        if (fraction < 1 && now - lastProgressAt < PROGRESS_INTERVAL_MS) return;
        lastProgressAt = now;
        const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
        this.transport.send({ type: 'progress', id: job.id, fraction: clamped, phase });
      },
    };
    try {
      ctx.progress(0, 'starting');
      const result = await handler(job.params, ctx);
      if (job.controller.signal.aborted) throw cancelledError();
      this.transport.send({ type: 'result', id: job.id, result }, collectTransferables(result));
    } catch (err) {
      const error = job.controller.signal.aborted ? cancelledError() : toEngineError(err);
      this.transport.send({ type: 'error', id: job.id, error: error.toData() });
    }
  }
}
