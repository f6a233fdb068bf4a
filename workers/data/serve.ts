import type { AllEngineJobs as EngineJobs } from '../api';
import { registerClusterJobs } from '../cluster/jobs';
import { ModelService, type HelperThreads } from '../gbdt/jobs';
import { registerPackJobs } from '../packs/jobs';
import { registerSegmentJobs } from '../segments/jobs';
import { registerTagJobs } from '../tags/jobs';
import { EngineError } from '../protocol/errors';
import { JobHost, type JobContext } from '../protocol/host';
import type { FromEngine, ToEngine, Transport } from '../protocol/messages';
import type { DuckDriver } from './driver';
import { DataEngine, type ParquetLoader } from './engine';

type Handler<K extends keyof EngineJobs> = (params: EngineJobs[K]['params'], ctx: JobContext) => Promise<EngineJobs[K]['result']>;

/** Registers a typed handler for one job kind; each engine area (models, segments, tags, packs) gets one. */
export type JobRegistrar = <K extends keyof EngineJobs>(kind: K, handler: Handler<K>) => void;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

function requireObject(params: unknown): Record<string, unknown> {
  if (params === null || typeof params !== 'object') throw new EngineError('BAD_INPUT', 'Job parameters must be an object.');
  return params as Record<string, unknown>;
}

/** Registers every engine job on a host. The one place where job kinds meet their handlers. */
export interface EngineHostOptions {
  /** The host's navigator.gpu (browser workers), for the WebGPU backend. */
  gpu?: unknown;
  /** Helper threads for training and scoring (Node hosts); one thread when absent. */
  helperThreads?: HelperThreads;
}

export function registerEngineJobs(host: JobHost, engine: DataEngine, options: EngineHostOptions = {}): void {
  const on: JobRegistrar = <K extends keyof EngineJobs>(kind: K, handler: Handler<K>) => {
    host.register(kind, async (params: unknown, ctx) => handler(requireObject(params) as EngineJobs[K]['params'], ctx));
  };
  on('engine.info', () => engine.info());
  on('data.open', (p, ctx) => engine.open(p, ctx));
  on('data.catalog', () => engine.catalog());
  on('data.rename', (p) => engine.rename(p.table, p.newName));
  on('data.drop', (p) => engine.drop(p.table));
  on('data.alterType', (p) => engine.alterType(p.table, p.column, p.type));
  on('data.profile', (p, ctx) => engine.profile(p, ctx));
  on('sql.run', (p, ctx) => engine.runSql(p, ctx));
  on('sql.fetch', (p) => engine.fetch(p));
  on('sql.release', (p) => engine.release(p.resultId));
  on('data.export', (p, ctx) => engine.exportData(p, ctx));
  const models = new ModelService(engine, options.gpu, options.helperThreads);
  on('model.train', (p, ctx) => models.train(p, ctx));
  on('model.evaluate', (p, ctx) => models.evaluateJob(p, ctx));
  on('model.shap', async (p) => models.shapJob(p));
  on('model.predict', (p, ctx) => models.predictInto(p, ctx));
  on('model.export', async (p) => models.exportModel(p.modelId));
  on('model.import', async (p) => models.importModel(p.json, p.name));
  on('model.list', async () => models.list());
  registerSegmentJobs(on, engine, options);
  registerClusterJobs(on, engine, options);
  registerTagJobs(on, engine);
  registerPackJobs(on, engine);
  on('engine.sleep', async (p, ctx) => {
    const total = Math.max(0, Math.min(600_000, Number(p.ms) || 0));
    const started = Date.now();
    const steps = 20;
    for (let i = 0; i < steps && !ctx.signal.aborted; i++) {
      ctx.progress(i / steps, `sleeping (${i + 1}/${steps})`);
      await sleep(total / steps, ctx.signal);
    }
    return { sleptMs: Date.now() - started };
  });
}

/** Starts the engine on a transport: the entry point of every host (Web Worker, worker_threads, in-process). */
export function serveEngine(transport: Transport<ToEngine, FromEngine>, driver: DuckDriver, loadParquet: ParquetLoader, options: EngineHostOptions = {}): JobHost {
  const host = new JobHost(transport);
  const engine = new DataEngine(driver, loadParquet);
  registerEngineJobs(host, engine, options);
  void engine.info().then((info) => host.announceReady(info));
  return host;
}
