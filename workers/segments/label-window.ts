/**
 * The label builder for propensity datasets: did the label event happen in the N days from as_of
 * on, [as_of, as_of + N days), and how much was spent on it there, joined to the features (which
 * only see events before as_of). One row per entity that has an event before as_of; an entity
 * whose only events come later is not a row (a model scores the entities it knows).
 */
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import { EngineError } from '../protocol/errors';
import type { FunnelEventValues } from './types';
import { addDays } from './windowed';

export interface LabelPlan {
  days: number;
  /** Event-type values that count as the label event; null: every event (no event type column). */
  events: string[] | null;
}

/**
 * The event-type values of the label: stage names (view, cart, fav, purchase) stand for their
 * values, anything else is a value itself; default the purchase values.
 */
export function labelEventValues(given: string[] | undefined, stages: Required<FunnelEventValues>, hasEventType: boolean): string[] | null {
  if (!hasEventType) {
    if (given !== undefined && given.length > 0) throw new EngineError('BAD_INPUT', 'A label event needs an event type column (--event-type); without one, any event is the label event.');
    return null;
  }
  if (given === undefined || given.length === 0) return [...stages.purchase];
  const values = given.flatMap((v) => (v in stages ? stages[v as keyof FunnelEventValues] : [v]));
  return [...new Set(values)];
}

/**
 * The as-of date for a labelled dataset. The label window must lie inside the data: it may end at
 * the snapshot (the day after the latest event) but not later, or entities would be labelled 0 for
 * days nobody recorded. Without a date, as_of is the snapshot minus the label window.
 */
export function labelAsOf(given: string | undefined, days: number, range: { first: string; last: string; snapshot: string }): string {
  const latestAsOf = addDays(range.snapshot, -days);
  const asOf = given ?? latestAsOf;
  const end = addDays(asOf, days);
  if (end > range.snapshot) {
    throw new EngineError(
      'BAD_INPUT',
      `The label window of ${days} day${days === 1 ? '' : 's'} from the as-of date ${asOf} runs to ${end}, past the data's last event (${range.last}): the label would be wrong for the days with no data. Choose an as-of date on or before ${latestAsOf}.`,
    );
  }
  if (asOf <= range.first.slice(0, 10)) {
    throw new EngineError('BAD_INPUT', `The as-of date ${asOf} is on or before the first event (${range.first}): no event falls before it, so there are no entities to label. The data spans ${range.first} to ${range.last}; with a ${days}-day label window the as-of date can be at most ${latestAsOf}.`);
  }
  return asOf;
}

export interface LabelQueryParts {
  header: string[];
  /** `WITH events AS (...)`: the feature events, before as_of. */
  eventsCte: string;
  /** `SELECT ... FROM events GROUP BY entity_key`: the features, one row per entity. */
  featureQuery: string[];
  /** The output name of the key column. */
  keyName: string;
  table: string;
  timeSql: string;
  /** The cleaning filter, a SQL condition over the raw table. */
  where?: string;
  /** The row value expression (label_spend). */
  value?: string;
  /** The event type column of the raw table. */
  eventType?: string;
  asOf: string;
  label: LabelPlan;
}

/** Reserved output names of a labelled dataset. */
export function labelColumns(hasValue: boolean): string[] {
  return hasValue ? ['label', 'label_spend'] : ['label'];
}

/** The feature query with `label` (1 when the label event happened in the window, else 0) and `label_spend` joined on. */
export function labelledQuery(p: LabelQueryParts): string {
  const start = quoteLiteral(p.asOf);
  const end = addDays(p.asOf, p.label.days);
  const where = [`${quoteIdent(p.keyName)} IS NOT NULL`, `${p.timeSql} >= TIMESTAMP ${start}`, `${p.timeSql} < TIMESTAMP ${quoteLiteral(end)}`];
  if (p.where) where.push(`(${p.where})`);
  if (p.label.events !== null && p.eventType !== undefined) {
    const values = p.label.events;
    where.push(values.length === 0 ? 'FALSE' : `CAST(${quoteIdent(p.eventType)} AS VARCHAR) IN (${values.map(quoteLiteral).join(', ')})`);
  }
  const key = `assay_features.${quoteIdent(p.keyName)}`;
  const outputs = [`  CAST(assay_labels.entity_key IS NOT NULL AS INTEGER) AS ${quoteIdent('label')}`];
  if (p.value) outputs.push(`  coalesce(assay_labels.spend, 0) AS ${quoteIdent('label_spend')}`);
  if (!p.eventsCte.startsWith('WITH events AS (')) throw new Error('labelledQuery expects the events CTE');
  const eventsText = p.label.events === null ? 'any event' : `an event of type ${p.label.events.join(' / ') || '(none)'}`;
  return [
    ...p.header,
    `-- label: 1 when ${eventsText} happened in [${p.asOf}, ${end}), else 0${p.value ? '; label_spend: its value there' : ''}.`,
    // The label events come first: a later CTE would see the events CTE, not a raw table named "events".
    'WITH assay_label_events AS (',
    `  SELECT ${quoteIdent(p.keyName)} AS entity_key${p.value ? `, CAST((${p.value}) AS DOUBLE) AS event_value` : ''}`,
    `  FROM ${quoteIdent(p.table)}`,
    `  WHERE ${where.join('\n    AND ')}`,
    '),',
    'assay_labels AS (',
    `  SELECT entity_key${p.value ? ', coalesce(sum(event_value), 0) AS spend' : ''}`,
    '  FROM assay_label_events',
    '  GROUP BY entity_key',
    '),',
    `${p.eventsCte.slice('WITH '.length)},`,
    'assay_features AS (',
    ...p.featureQuery,
    ')',
    'SELECT',
    '  assay_features.*,',
    outputs.join(',\n'),
    'FROM assay_features',
    `LEFT JOIN assay_labels ON assay_labels.entity_key = ${key}`,
    `ORDER BY ${key}`,
  ].join('\n');
}
