/**
 * A pack's value (GMV) figures: the tag validation's value stats (workers/tags/value-stats.ts) in
 * the pack's recorded form (metrics.value, optional), and back into the figures a value gate reads.
 */
import type { DataEngine } from '../data/engine';
import { EngineError } from '../protocol/errors';
import { describeRelation } from '../tags/tag-data';
import type { GateValueFigures } from '../tags/validation';
import type { ValueSpec, ValueSummary } from '../tags/value-data';
import { checkValueExpr } from '../tags/value-expr';
import type { ValueStats } from '../tags/value-stats';
import type { IntervalMetric, RulePack, ValueMetrics } from './schema';

function interval(e: { value: number | null; low: number | null; high: number | null }): IntervalMetric | undefined {
  return e.value === null || e.low === null || e.high === null || !Number.isFinite(e.low) || !Number.isFinite(e.high) ? undefined : { value: e.value, low: e.low, high: e.high };
}

/** The recorded form: figures without an interval (a tag that never fires, a total of 0) are left out. */
export function toValueMetrics(stats: ValueStats, summary: ValueSummary): ValueMetrics {
  const out: ValueMetrics = { expression: summary.expression, per: summary.per, total: stats.total, taggedTotal: stats.taggedTotal };
  if (summary.key !== undefined) out.key = summary.key;
  for (const name of ['share', 'lift', 'meanTagged', 'meanRest', 'difference'] as const) {
    const v = interval(stats[name]);
    if (v) out[name] = v;
  }
  if (stats.warnings.length > 0) out.warnings = [...stats.warnings];
  return out;
}

/** What a value gate reads from recorded metrics; null when the pack was measured without a value. */
export function valueGateFigures(value: ValueMetrics | undefined): GateValueFigures | null {
  if (!value) return null;
  const est = (v: IntervalMetric | undefined) => (v ? { value: v.value, low: v.low, high: v.high } : { value: null, low: null, high: null });
  return { lift: est(value.lift), share: est(value.share) };
}

/**
 * The value to re-measure a pack by on other data (`pack validate --data`): the recorded per-row
 * expression when that data has its columns (numeric); none for a pack without value figures, one
 * measured per entity over other event rows (the validation has no such rows), or data lacking them.
 */
export async function driftValueSpec(engine: DataEngine, pack: RulePack, relation: string, signal?: AbortSignal): Promise<ValueSpec | undefined> {
  const recorded = pack.tags.map((t) => t.metrics?.value).find((v) => v !== undefined);
  if (!recorded || recorded.per !== 'row') return undefined;
  try {
    checkValueExpr(recorded.expression, await describeRelation(engine, relation, signal), 'the data');
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BAD_INPUT') return undefined;
    throw err;
  }
  return { expression: recorded.expression };
}

/** Recorded against re-measured GMV share and lift, flagged when the new figure leaves the recorded 95% interval. */
export function valueDrift(tag: string, was: ValueMetrics | undefined, now: ValueMetrics | undefined): Array<{ tag: string; metric: string; recorded: number; measured: number; outside: boolean }> {
  if (!was || !now) return [];
  const out: Array<{ tag: string; metric: string; recorded: number; measured: number; outside: boolean }> = [];
  for (const name of ['share', 'lift'] as const) {
    const a = was[name];
    const b = now[name];
    if (!a || !b) continue;
    const slack = 1e-9 * Math.max(1, Math.abs(a.value));
    out.push({ tag, metric: `value ${name}`, recorded: a.value, measured: b.value, outside: b.value < a.low - slack || b.value > a.high + slack });
  }
  return out;
}
