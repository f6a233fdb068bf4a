/**
 * A pack's value (GMV) figures: the tag validation's value stats (workers/tags/value-stats.ts) in
 * the pack's recorded form (metrics.value, optional), and back into the figures a value gate reads.
 */
import type { GateValueFigures } from '../tags/validation';
import type { ValueSummary } from '../tags/value-data';
import type { ValueStats } from '../tags/value-stats';
import type { IntervalMetric, ValueMetrics } from './schema';

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
