/**
 * The value (GMV) figures of a tag, segment or label as the views show them: share and lift with
 * their 95% intervals, the mean value per entity and its difference to the rest.
 */
import type { Estimate, ValueStats } from '../workers/api';

const amount = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

function pctText(x: number): string {
  return `${(x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0)}%`;
}

function withInterval(e: Estimate, f: (x: number) => string, suffix = ''): string {
  if (e.value === null) return '—';
  return e.low !== null && e.high !== null ? `${f(e.value)}${suffix} [${f(e.low)}–${f(e.high)}]` : `${f(e.value)}${suffix}`;
}

/** "34.2% [31.0–37.5%]": the share of the total value. */
export function formatValueShare(e: Estimate): string {
  return withInterval(e, pctText);
}

/** "2.10× [1.90–2.30]": share of value over share of entities. */
export function formatValueLift(e: Estimate): string {
  return withInterval(e, (x) => x.toFixed(2), '×');
}

/** "1,234 [1,100–1,368]": an amount with its interval. */
export function formatValueAmount(e: Estimate): string {
  return withInterval(e, (x) => amount.format(x));
}

/** "+812 [640–984]": the difference to the rest, signed. */
export function formatValueDifference(e: Estimate): string {
  return withInterval(e, (x) => `${x > 0 ? '+' : ''}${amount.format(x)}`);
}

/** One line for a card or a table cell's tooltip. */
export function valueLine(s: ValueStats): string {
  return `${formatValueShare(s.share)} of value · lift ${formatValueLift(s.lift)} · mean ${formatValueAmount(s.meanTagged)} (${formatValueDifference(s.difference)} vs the rest)`;
}
