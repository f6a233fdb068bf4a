/**
 * The value (GMV) part of a pack's HTML report: per tag, the share of the total value its
 * entities hold, the lift (share ÷ coverage), the mean value per entity and its difference to the
 * rest, with 95% intervals; nothing when the pack was measured without a value.
 */
import type { IntervalMetric, PackTag, RulePack, ValueMetrics } from './schema';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const ratio = (x: number): string => x.toFixed(2);

function amountFormat(v: number): (x: number) => string {
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : 4;
  return (x) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(v: IntervalMetric | undefined, f: (x: number) => string): string {
  return v ? `${f(v.value)} <span class="ci">[${f(v.low)}, ${f(v.high)}]</span>` : '<span class="muted">–</span>';
}

/** The value figures of one tag, for the tags table's metrics cell. */
export function valueMetricsHtml(value: ValueMetrics | undefined): string {
  if (!value) return '';
  return `<div class="value">GMV share ${cell(value.share, pct)}<br>GMV lift ${cell(value.lift, ratio)}</div>`;
}

/** The report's "Value (GMV)" section, or '' when no tag was measured with a value. */
export function valueSectionHtml(pack: RulePack): string {
  const rows = pack.tags.filter((t): t is PackTag & { metrics: { value: ValueMetrics } } => t.metrics?.value !== undefined);
  if (rows.length === 0) return '';
  const first = rows[0]?.metrics.value as ValueMetrics;
  const how = first.per === 'row' ? 'each row’s own value' : `summed per ${esc(first.key ?? 'entity')} over the value rows`;
  const body = rows
    .map((t) => {
      const v = t.metrics.value;
      const warnings = v.warnings?.length ? `<ul class="reasons">${v.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
      return `<tr class="value-row" data-tag="${esc(t.name)}"><td><b>${esc(t.name)}</b>${warnings}</td><td>${cell(t.metrics.coverage, pct)}</td><td>${cell(v.share, pct)}</td><td>${cell(v.lift, ratio)}</td><td>${cell(v.meanTagged, amountFormat(v.meanTagged?.value ?? 0))}</td><td>${cell(v.difference, amountFormat(v.difference?.value ?? 0))}</td></tr>`;
    })
    .join('\n');
  return `<h2>Value (GMV)</h2>
<p>Value <code>${esc(first.expression)}</code>, ${how}; total ${amountFormat(first.total)(first.total)}. 95% intervals, analytic: Wilson for coverage, delta method for share and lift, normal for means, Welch for the difference. Lift is the share of value over the share of entities (1 = as valuable as the average entity).</p>
<table class="value"><thead><tr><th>tag</th><th>coverage</th><th>GMV share</th><th>GMV lift</th><th>mean value per entity</th><th>vs the rest</th></tr></thead><tbody>
${body}
</tbody></table>`;
}
