/** Options of rule mining, their defaults and the check that turns a partial set into a valid one. */
import { EngineError } from '../protocol/errors';
import { DEFAULT_MINING_PRECISION } from './validation';

export interface MineOptions {
  /** Minimum precision of each rule on out-of-bag rows (default 0.85: the 0.80 validation gate plus a margin). */
  minPrecision: number;
  /** Minimum rows a rule covers: a share of rows when below 1, a row count otherwise (default 0.01). */
  minSupport: number;
  /** At most this many rules in the set (default 5). */
  maxRules: number;
  /** At most this many conditions per rule (default 3). */
  maxConditions: number;
  seed: number;
  /** Stop searching after this long and keep what was found (default 30 s). */
  timeBudgetMs: number;
  beamWidth: number;
  maxBins: number;
  maxLevels: number;
}

export const DEFAULT_MINE_OPTIONS: MineOptions = {
  // Above the validation gate, so freshly mined rules can pass it (validation.ts).
  minPrecision: DEFAULT_MINING_PRECISION,
  minSupport: 0.01,
  maxRules: 5,
  maxConditions: 3,
  seed: 42,
  timeBudgetMs: 30_000,
  beamWidth: 8,
  maxBins: 32,
  maxLevels: 30,
};

export function minSupportCount(minSupport: number, rows: number): number {
  return minSupport >= 1 ? Math.ceil(minSupport) : Math.max(1, Math.ceil(minSupport * rows));
}

export function checkMineOptions(given: Partial<MineOptions>): MineOptions {
  const o: MineOptions = { ...DEFAULT_MINE_OPTIONS };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  const bad = (what: string): never => {
    throw new EngineError('BAD_INPUT', what);
  };
  if (!(o.minPrecision > 0 && o.minPrecision <= 1)) bad(`The minimum precision must be in (0, 1] (got ${String(o.minPrecision)}).`);
  if (!(o.minSupport > 0)) bad(`The minimum support must be a share of rows in (0, 1) or a row count >= 1 (got ${String(o.minSupport)}).`);
  if (!(Number.isInteger(o.maxRules) && o.maxRules >= 1 && o.maxRules <= 100)) bad(`The maximum number of rules must be a whole number from 1 to 100 (got ${String(o.maxRules)}).`);
  if (!(Number.isInteger(o.maxConditions) && o.maxConditions >= 1 && o.maxConditions <= 6)) bad(`The maximum number of conditions per rule must be 1 to 6 (got ${String(o.maxConditions)}).`);
  if (!(o.timeBudgetMs > 0)) bad(`The time budget must be a positive number of milliseconds (got ${String(o.timeBudgetMs)}).`);
  if (!Number.isFinite(o.seed)) bad('The seed must be a number.');
  if (!(o.beamWidth >= 1 && o.maxBins >= 2 && o.maxBins <= 250 && o.maxLevels >= 1)) bad('Beam width, bins and levels must be positive (bins at most 250).');
  return o;
}
