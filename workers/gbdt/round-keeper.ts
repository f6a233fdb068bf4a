import { cancelledError } from '../protocol/errors';
import { higherIsBetter } from './metrics';
import type { EvalMetric, GbdtParams } from './params';

/** A round's metrics, as every trainer reports them. */
export interface RoundReport {
  round: number;
  train: Partial<Record<EvalMetric, number>>;
  valid?: Partial<Record<EvalMetric, number>>;
}

/**
 * What every boosting trainer (the CPU loop in train.ts, the device loop in webgpu-resident.ts)
 * does after a round, in one place so they stop alike: record the round, hand it to `onRound`,
 * let the host breathe, honour a cancel, and apply XGBoost's early stopping on the last metric.
 */
export class RoundKeeper {
  readonly history: RoundReport[] = [];
  private readonly stopMetric: EvalMetric;
  private bestScore = Number.NaN;
  private bestRound = -1;
  private lastYield = Date.now();

  constructor(
    private readonly params: Pick<GbdtParams, 'eval_metric' | 'early_stopping_rounds'>,
    private readonly options: { onRound?: (report: RoundReport) => void | Promise<void>; signal?: AbortSignal },
  ) {
    this.stopMetric = params.eval_metric[params.eval_metric.length - 1] as EvalMetric;
  }

  /** Ends round `round` (0-based) with its report; true when early stopping says to stop. */
  async end(round: number, report: RoundReport): Promise<boolean> {
    this.history.push(report);
    await this.options.onRound?.(report);
    // Let the host breathe (messages, timers) at least every 50 ms of training: setImmediate
    // where there is one (Node: messages get through; a timer's 1 ms minimum cost ~2% of a fast
    // run and let the helper threads fall asleep), a timer elsewhere.
    if (Date.now() - this.lastYield > 50) {
      await new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
      this.lastYield = Date.now();
    }
    if (this.options.signal?.aborted) throw cancelledError();
    if (this.params.early_stopping_rounds <= 0 || !report.valid) return false;
    const score = report.valid[this.stopMetric] as number;
    const better = Number.isNaN(this.bestScore) || (higherIsBetter(this.stopMetric) ? score > this.bestScore : score < this.bestScore);
    if (better) {
      this.bestScore = score;
      this.bestRound = round;
      return false;
    }
    return round - this.bestRound >= this.params.early_stopping_rounds;
  }

  /** The best round (0-based) when early stopping ran, as XGBoost's best_iteration; else null. */
  bestIteration(): number | null {
    return this.params.early_stopping_rounds > 0 && this.bestRound >= 0 ? this.bestRound : null;
  }
}
