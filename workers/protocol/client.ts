import { EngineError, type EngineErrorData } from './errors';
import { collectTransferables, type FromEngine, type ToEngine, type Transport } from './messages';

export interface JobProgress {
  fraction: number;
  phase: string;
}

export interface RunOptions {
  onProgress?: (progress: JobProgress) => void;
  /** Aborting this signal sends `cancel` for the job. */
  signal?: AbortSignal;
}

/** A running job: its id (for a Cancel button), its result, and a way to cancel it. */
export interface JobHandle<R> {
  readonly id: number;
  readonly kind: string;
  readonly result: Promise<R>;
  cancel(): void;
}

interface Pending {
  kind: string;
  progress: JobProgress;
  resolve(value: unknown): void;
  reject(error: EngineError): void;
  onProgress: ((progress: JobProgress) => void) | undefined;
}

/** Job-kind map: kind -> params and result types. */
export type JobMap<M> = { [K in keyof M]: { params: unknown; result: unknown } };

/**
 * The caller's side of the job protocol: a map of pending jobs keyed by id, resolved by the
 * engine's `result` or `error` message, with progress callbacks and cancel.
 */
export class JobClient<M extends JobMap<M>> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly unsubscribe: () => void;
  private readyInfo: unknown = undefined;
  private readyWaiters: Array<(info: unknown) => void> = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly transport: Transport<FromEngine, ToEngine>) {
    this.unsubscribe = transport.onMessage((message) => this.receive(message));
  }

  /** Resolves with the engine's `ready` info once it has started. */
  ready(): Promise<unknown> {
    if (this.readyInfo !== undefined) return Promise.resolve(this.readyInfo);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  start<K extends keyof M & string>(kind: K, params: M[K]['params'], options: RunOptions = {}): JobHandle<M[K]['result']> {
    const id = this.nextId++;
    const result = new Promise<M[K]['result']>((resolve, reject) => {
      this.pending.set(id, {
        kind,
        progress: { fraction: 0, phase: 'queued' },
        resolve: resolve as (value: unknown) => void,
        reject,
        onProgress: options.onProgress,
      });
    });
    const cancel = (): void => {
      if (this.pending.has(id)) this.transport.send({ type: 'cancel', id });
    };
    if (options.signal) {
      if (options.signal.aborted) queueMicrotask(cancel);
      else options.signal.addEventListener('abort', cancel, { once: true });
    }
    this.transport.send({ type: 'run', id, kind, params }, collectTransferables(params));
    this.emitChange();
    return { id, kind, result, cancel };
  }

  run<K extends keyof M & string>(kind: K, params: M[K]['params'], options: RunOptions = {}): Promise<M[K]['result']> {
    return this.start(kind, params, options).result;
  }

  cancel(id: number): void {
    if (this.pending.has(id)) this.transport.send({ type: 'cancel', id });
  }

  /** Jobs not yet finished, with their latest progress (for a jobs panel). */
  running(): Array<{ id: number; kind: string; fraction: number; phase: string }> {
    return [...this.pending.entries()].map(([id, p]) => ({ id, kind: p.kind, ...p.progress }));
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.unsubscribe();
    for (const [, p] of this.pending) p.reject(new EngineError('CANCELLED', 'The engine was shut down.'));
    this.pending.clear();
  }

  /** Rejects every pending job, e.g. when the engine worker crashed. */
  failAll(error: EngineErrorData): void {
    for (const [, p] of this.pending) p.reject(EngineError.fromData(error));
    this.pending.clear();
    this.emitChange();
  }

  private emitChange(): void {
    for (const listener of this.listeners) listener();
  }

  private receive(message: FromEngine): void {
    if (message.type === 'ready') {
      this.readyInfo = message.info ?? {};
      for (const waiter of this.readyWaiters) waiter(this.readyInfo);
      this.readyWaiters = [];
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.progress = { fraction: message.fraction, phase: message.phase };
      pending.onProgress?.(pending.progress);
      this.emitChange();
    } else if (message.type === 'result') {
      this.pending.delete(message.id);
      pending.resolve(message.result);
      this.emitChange();
    } else {
      this.pending.delete(message.id);
      pending.reject(EngineError.fromData(message.error));
      this.emitChange();
    }
  }
}
