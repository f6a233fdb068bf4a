import { jobRegistrar, type JobHost } from '../../workers/protocol/host';

/** A test-only job: sleeps in small steps with progress, so tests can watch progress and cancel end to end. */
export interface SleepJobs {
  'engine.sleep': { params: { ms: number }; result: { sleptMs: number } };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** Registers `engine.sleep` on a host (the production engine does not have it). */
export function registerSleepJob(host: JobHost): void {
  jobRegistrar<SleepJobs>(host)('engine.sleep', async (p, ctx) => {
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
