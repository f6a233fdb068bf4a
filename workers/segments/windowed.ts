/**
 * Time-windowed features for propensity models: per entity, how many events of each type, how
 * much spend and how many distinct items in the last N days before as_of. A window of N days is
 * [as_of - N days, as_of): an event exactly N days before as_of's midnight counts, one at as_of
 * does not (the events CTE already drops everything at or after as_of). An optional lower bound
 * (`from`) drops older events before any window sees them, so nothing outside it leaks in.
 */
import { quoteLiteral } from '../data/sql-text';
import { EngineError } from '../protocol/errors';
import type { FunnelEventValues } from './types';

export const DEFAULT_WINDOWS: readonly number[] = [1, 3, 7, 30];
/** Ten years: a longer window is a mistake, not a feature. */
export const MAX_WINDOW_DAYS = 3660;
const MAX_WINDOWS = 12;

const STAGES = ['view', 'cart', 'fav', 'purchase'] as const;

/** `YYYY-MM-DD` plus (or minus) whole days, in UTC. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** A number of days written `7`, `7d` or `7 days`: a whole number from 1 to MAX_WINDOW_DAYS. */
export function parseDays(value: unknown, role: string): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+)\s*(?:d|days?)?$/i.exec(text);
  const days = match ? Number(match[1]) : NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS) {
    throw new EngineError('BAD_INPUT', `The ${role} must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}, written like 7 or 7d (got ${JSON.stringify(value)}).`);
  }
  return days;
}

/** The window lengths in days, ascending, without repeats (default 1, 3, 7, 30). */
export function parseWindows(value: unknown): number[] {
  if (value === undefined || value === null) return [...DEFAULT_WINDOWS];
  const items = typeof value === 'string' ? value.split(',').map((v) => v.trim()).filter(Boolean) : value;
  if (!Array.isArray(items) || items.length === 0) {
    throw new EngineError('BAD_INPUT', `The windows must be a list of day counts such as 1,3,7,30 (got ${JSON.stringify(value)}).`);
  }
  if (items.length > MAX_WINDOWS) throw new EngineError('BAD_INPUT', `At most ${MAX_WINDOWS} windows (got ${items.length}).`);
  const days = [...new Set(items.map((v) => parseDays(v, 'window')))];
  return days.sort((a, b) => a - b);
}

function inList(values: string[]): string {
  return values.length === 0 ? 'FALSE' : `event_type IN (${values.map(quoteLiteral).join(', ')})`;
}

export interface WindowedOptions {
  asOf: string;
  windows: number[];
  /** The event-type stages, when the table has an event type column. */
  stages?: Required<FunnelEventValues>;
  /** The events CTE has event_value (spend: of purchases with an event type, of every row without). */
  hasValue: boolean;
  /** The events CTE has item_key (distinct items). */
  hasItem: boolean;
}

export interface WindowedSection {
  title: string;
  lines: Array<{ sql: string; name: string }>;
}

/** One section per window: `<stage>_count_Nd`, `event_count_Nd`, `spend_Nd`, `items_Nd`, `<stage>_items_Nd`. */
export function windowedSections(options: WindowedOptions): WindowedSection[] {
  return options.windows.map((days) => {
    const start = addDays(options.asOf, -days);
    const inWindow = `event_time >= TIMESTAMP ${quoteLiteral(start)}`;
    const suffix = `_${days}d`;
    const lines: WindowedSection['lines'] = [];
    const stages = options.stages;
    if (stages) for (const stage of STAGES) lines.push({ sql: `count(*) FILTER (WHERE ${inWindow} AND ${inList(stages[stage])})`, name: `${stage}_count${suffix}` });
    lines.push({ sql: `count(*) FILTER (WHERE ${inWindow})`, name: `event_count${suffix}` });
    if (options.hasValue) {
      const bought = stages ? ` AND ${inList(stages.purchase)}` : '';
      lines.push({ sql: `coalesce(sum(event_value) FILTER (WHERE ${inWindow}${bought}), 0)`, name: `spend${suffix}` });
    }
    if (options.hasItem) {
      lines.push({ sql: `count(DISTINCT item_key) FILTER (WHERE ${inWindow})`, name: `items${suffix}` });
      if (stages) for (const stage of STAGES) lines.push({ sql: `count(DISTINCT item_key) FILTER (WHERE ${inWindow} AND ${inList(stages[stage])})`, name: `${stage}_items${suffix}` });
    }
    const spend = options.hasValue ? (stages ? ', purchase spend' : ', spend') : '';
    const what = `${stages ? 'event counts per type' : 'event count'}${spend}${options.hasItem ? ', distinct items' : ''}`;
    return { title: `last ${days} day${days === 1 ? '' : 's'} [${start}, ${options.asOf}): ${what}`, lines };
  });
}

/**
 * Checks the lower bound against as_of and says which windows reach back before it (they count
 * only the days from `from` on).
 */
export function checkFrom(from: string, asOf: string, windows: number[]): string[] {
  if (from >= asOf) {
    throw new EngineError('BAD_INPUT', `The lower bound --from ${from} is not before the as-of date ${asOf}: no event could count.`);
  }
  const cut = windows.filter((days) => addDays(asOf, -days) < from);
  return cut.length === 0
    ? []
    : [`The ${cut.map((d) => `${d}d`).join(', ')} window${cut.length === 1 ? ' starts' : 's start'} before --from ${from}: ${cut.length === 1 ? 'it counts' : 'they count'} only events from ${from} on.`];
}
