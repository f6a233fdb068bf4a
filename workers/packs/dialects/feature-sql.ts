import type { RuleExpr } from '../../tags/ast';
import type { FeatureStep } from '../../segments/types';
import type { ValueExpr } from '../../tags/value-expr';
import { EngineError } from '../../protocol/errors';
import type { SqlDialect } from '../schema';
import type { Dialect } from './dialect';
import { numberSql, ruleSql } from './rule-sql';
import { utcWallClock } from '../../data/zoned-time';

/**
 * A pack's feature step printed for one engine: the same features the app computed (see
 * segments/features.ts), from the raw event table to one row per entity, as common table
 * expressions the tag query reads:
 *
 *   assay_params      (DuckDB, Trino) the as-of date, once
 *   assay_events      the source table, its partition predicate, the cleaning filter, events before as_of
 *   assay_aggregates  one GROUP BY per entity (portable CASE WHEN sums, no FILTER clause)
 *   assay_features    the features under their app names (rates and days computed from the aggregates)
 *
 * Every family of the feature builder is printed: RFM, funnel, category and time shares, and the
 * windowed counts ([as_of - N days, as_of)) with the optional lower bound `from`. Labels are not.
 *
 * as_of is a parameter in each engine's own convention, never current_date: Spark and Hive read
 * `${hivevar:as_of}` (`--hivevar as_of=YYYY-MM-DD`), Flink `${as_of}` (the job's parameter,
 * substituted by the job template), Trino and DuckDB the `assay_params` CTE at the top.
 */

/** Where the raw events come from in production: a table name (its parts) and an optional partition predicate. */
export interface EventSource {
  table: string[];
  where?: RuleExpr;
}

interface FeatureDialect {
  /** A DATE expression for as_of. */
  asOf(asOf: string): string;
  /** The `assay_params` CTE body, where the dialect keeps as_of in one. */
  params?(asOf: string): string;
  /** Whole days from `earlier` to `later` (both DATE). */
  dayDiff(later: string, earlier: string): string;
  hour(ts: string): string;
  /** ISO weekday, Monday 1 .. Sunday 7. */
  isoWeekday(ts: string): string;
  /** A DATE `days` days before the DATE `date`. */
  daysBefore(date: string, days: number): string;
  /** A TIMESTAMP from Unix milliseconds (BIGINT), read as UTC. */
  fromEpochMillis(ms: string): string;
  /** A zoned timestamp column (an instant) as the plain TIMESTAMP of its UTC wall clock. */
  utcWallClock(column: string): string;
  /** How as_of is supplied, for the header. */
  asOfNote: string;
}

const dateLiteral = (asOf: string): string => `DATE '${asOf}'`;

const FEATURE_DIALECTS: Record<SqlDialect, FeatureDialect> = {
  duckdb: {
    asOf: () => '(SELECT as_of FROM assay_params)',
    params: (asOf) => `SELECT ${dateLiteral(asOf)} AS as_of`,
    dayDiff: (later, earlier) => `date_diff('day', ${earlier}, ${later})`,
    hour: (ts) => `hour(${ts})`,
    isoWeekday: (ts) => `isodow(${ts})`,
    daysBefore: (date, days) => `CAST(${date} - INTERVAL '${days}' DAY AS DATE)`,
    fromEpochMillis: (ms) => `epoch_ms(${ms})`,
    // The app's own ICU-free form: with ICU (the CLI) a plain cast gives the session zone's wall clock.
    utcWallClock: (column) => utcWallClock(column),
    asOfNote: 'as_of is the DATE in the assay_params CTE at the top (the pack\'s as_of); change it there',
  },
  trino: {
    asOf: () => '(SELECT as_of FROM assay_params)',
    params: (asOf) => `SELECT ${dateLiteral(asOf)} AS as_of`,
    dayDiff: (later, earlier) => `date_diff('day', ${earlier}, ${later})`,
    hour: (ts) => `hour(${ts})`,
    isoWeekday: (ts) => `day_of_week(${ts})`,
    daysBefore: (date, days) => `date_add('day', -${days}, ${date})`,
    fromEpochMillis: (ms) => `CAST(from_unixtime(CAST(${ms} AS DOUBLE) / 1000e0) AT TIME ZONE 'UTC' AS TIMESTAMP)`,
    // TIMESTAMP WITH TIME ZONE keeps its zone; a plain cast would keep the zone's wall clock.
    utcWallClock: (column) => `CAST(${column} AT TIME ZONE 'UTC' AS TIMESTAMP)`,
    asOfNote: 'as_of is the DATE in the assay_params CTE at the top (the pack\'s as_of); change it there',
  },
  spark: {
    asOf: () => "CAST('${hivevar:as_of}' AS DATE)",
    dayDiff: (later, earlier) => `datediff(${later}, ${earlier})`,
    hour: (ts) => `hour(${ts})`,
    // dayofweek: Sunday 1 .. Saturday 7.
    isoWeekday: (ts) => `(pmod(dayofweek(${ts}) + 5, 7) + 1)`,
    daysBefore: (date, days) => `date_sub(${date}, ${days})`,
    fromEpochMillis: (ms) => `timestamp_millis(${ms})`,
    // Spark's TIMESTAMP is the zoned type (an instant, read in spark.sql.session.timeZone): under
    // the UTC session the header asks for, the cast is the UTC wall clock.
    utcWallClock: (column) => `CAST(${column} AS TIMESTAMP)`,
    asOfNote: 'as_of is a variable: run with --hivevar as_of=YYYY-MM-DD (spark-sql), or SET hivevar:as_of=YYYY-MM-DD first',
  },
  hive: {
    asOf: () => "CAST('${hivevar:as_of}' AS DATE)",
    dayDiff: (later, earlier) => `datediff(${later}, ${earlier})`,
    hour: (ts) => `hour(${ts})`,
    // 1970-01-05 was a Monday.
    isoWeekday: (ts) => `(pmod(datediff(CAST(${ts} AS DATE), CAST('1970-01-05' AS DATE)), 7) + 1)`,
    daysBefore: (date, days) => `CAST(date_sub(${date}, ${days}) AS DATE)`,
    fromEpochMillis: (ms) => `CAST(CAST(${ms} AS DOUBLE) / 1000 AS TIMESTAMP)`,
    // TIMESTAMP WITH LOCAL TIME ZONE casts to the wall clock of hive.local.time.zone: UTC under
    // the UTC session the header asks for.
    utcWallClock: (column) => `CAST(${column} AS TIMESTAMP)`,
    asOfNote: 'as_of is a variable: run with --hivevar as_of=YYYY-MM-DD (beeline/hive), or SET hivevar:as_of=YYYY-MM-DD first',
  },
  flink: {
    asOf: () => "CAST('${as_of}' AS DATE)",
    dayDiff: (later, earlier) => `TIMESTAMPDIFF(DAY, CAST(${earlier} AS TIMESTAMP), CAST(${later} AS TIMESTAMP))`,
    hour: (ts) => `HOUR(${ts})`,
    // DAYOFWEEK: Sunday 1 .. Saturday 7.
    isoWeekday: (ts) => `(MOD(DAYOFWEEK(${ts}) + 5, 7) + 1)`,
    daysBefore: (date, days) => `CAST(TIMESTAMPADD(DAY, -${days}, CAST(${date} AS TIMESTAMP)) AS DATE)`,
    fromEpochMillis: (ms) => `CAST(TO_TIMESTAMP_LTZ(${ms}, 3) AS TIMESTAMP)`,
    // TIMESTAMP_LTZ casts to the wall clock of table.local-time-zone: UTC under the UTC session
    // the header asks for (as fromEpochMillis above assumes).
    utcWallClock: (column) => `CAST(${column} AS TIMESTAMP)`,
    asOfNote: 'as_of is the job parameter ${as_of} (YYYY-MM-DD), substituted by the job template before submission',
  },
};

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function valueSql(expr: ValueExpr, d: Dialect): string {
  switch (expr.type) {
    case 'column':
      return d.ident(expr.name);
    case 'number':
      return numberSql(expr.value);
    case 'negate':
      return `(-${valueSql(expr.arg, d)})`;
    case 'binary':
      // Division is always in DOUBLE (Trino and Flink divide integers as integers; DuckDB does not).
      return expr.op === '/'
        ? `(CAST(${valueSql(expr.left, d)} AS DOUBLE) / ${valueSql(expr.right, d)})`
        : `(${valueSql(expr.left, d)} ${expr.op} ${valueSql(expr.right, d)})`;
  }
}

/** One output column: an expression over the aggregates. */
interface Output {
  name: string;
  sql: string;
}

/** The feature step as `WITH` items (without the WITH) ending in `assay_features`; its columns in app order. */
export function featureStepCtes(step: FeatureStep, d: Dialect, source: EventSource): { ctes: string[]; columns: string[]; asOfNote: string } {
  const f = FEATURE_DIALECTS[d.name];
  const q = d.ident;
  const str = d.string;
  const asOf = f.asOf(step.asOf);

  // ---- events: the source, its predicate, the cleaning filter, events before as_of ----
  const time = q(step.time);
  let ts: string;
  if (step.timeKind === 'timestamp') ts = time;
  else if (step.timeKind === 'timestamptz') ts = f.utcWallClock(time);
  else if (step.timeKind === 'date' || step.timeKind === 'text') ts = `CAST(${time} AS TIMESTAMP)`;
  else ts = f.fromEpochMillis(step.timeKind === 'epoch_milliseconds' ? `CAST(${time} AS BIGINT)` : `CAST(${time} * 1000 AS BIGINT)`);
  if (step.utcOffsetHours !== 0) ts = `(${ts} ${step.utcOffsetHours > 0 ? '+' : '-'} INTERVAL '${Math.abs(step.utcOffsetHours * 60)}' MINUTE)`;
  const select = [`${q(step.key)} AS entity_key`, `${ts} AS event_time`];
  if (step.order) select.push(`${q(step.order)} AS order_key`);
  if (step.value) select.push(`CAST(${valueSql(step.value.ast, d)} AS DOUBLE) AS event_value`);
  if (step.eventType) select.push(`CAST(${q(step.eventType)} AS ${d.stringType}) AS event_type`);
  if (step.category) select.push(`CAST(${q(step.category)} AS ${d.stringType}) AS category`);
  if (step.session) select.push(`${q(step.session)} AS session_key`);
  if (step.item) select.push(`${q(step.item)} AS item_key`);
  const where: string[] = [];
  if (source.where) where.push(`COALESCE(${ruleSql(source.where, d)}, FALSE)`);
  where.push(`${q(step.key)} IS NOT NULL`, `${ts} < CAST(${asOf} AS TIMESTAMP)`);
  // The lower bound: older events never reach any feature (nor a window).
  if (step.from) where.push(`${ts} >= CAST(CAST(${str(step.from)} AS DATE) AS TIMESTAMP)`);
  if (step.where) where.push(`COALESCE(${ruleSql(step.where.ast, d)}, FALSE)`);
  const events = [`assay_events AS (`, `  SELECT`, `    ${select.join(',\n    ')}`, `  FROM ${source.table.map(q).join('.')}`, `  WHERE ${where.join('\n    AND ')}`, `)`].join('\n');

  // ---- aggregates and outputs, section by section as segments/features.ts orders them ----
  const aggregates: string[] = [];
  const agg = (sql: string): string => {
    aggregates.push(`${sql} AS a${aggregates.length}`);
    return `a${aggregates.length - 1}`;
  };
  const outputs: Output[] = [];
  const inList = (values: string[]): string => (values.length === 0 ? 'FALSE' : `event_type IN (${values.map(str).join(', ')})`);
  const countIf = (cond: string): string => `sum(CASE WHEN ${cond} THEN 1 ELSE 0 END)`;
  const ratio = (num: string, den: string): string => `CAST(${num} AS DOUBLE) / NULLIF(${den}, 0)`;
  // Whole days from the event to the start of the as-of day (an event the evening before is 0 days).
  const daysBefore = (t: string): string => `${f.dayDiff(asOf, `CAST(${t} AS DATE)`)} - CASE WHEN CAST(CAST(${t} AS DATE) AS TIMESTAMP) < ${t} THEN 1 ELSE 0 END`;
  const t = step.template;
  const purchase = step.eventType ? inList(step.eventValues.purchase) : null;
  const names: string[] = [];
  const out = (name: string, sql: string): void => {
    outputs.push({ name, sql });
    names.push(name);
  };
  if (t === 'rfm' || t === 'all') {
    const last = agg(purchase ? `max(CASE WHEN ${purchase} THEN event_time END)` : 'max(event_time)');
    out('recency', daysBefore(last));
    const frequency = agg(step.order ? `count(DISTINCT ${purchase ? `CASE WHEN ${purchase} THEN order_key END` : 'order_key'})` : purchase ? countIf(purchase) : 'count(*)');
    out('frequency', frequency);
    if (step.value) {
      const monetary = agg(`coalesce(sum(${purchase ? `CASE WHEN ${purchase} THEN event_value END` : 'event_value'}), CAST(0 AS DOUBLE))`);
      out('monetary', monetary);
      out('aov', ratio(monetary, frequency));
    }
    out('active_days', agg('count(DISTINCT CAST(event_time AS DATE))'));
    out('tenure_days', daysBefore(agg('min(event_time)')));
    out('event_count', agg('count(*)'));
    if (step.session) out('sessions', agg('count(DISTINCT session_key)'));
  }
  if (t === 'funnel' || (t === 'all' && step.eventType)) {
    const s = step.eventValues;
    const view = agg(countIf(inList(s.view)));
    const cart = agg(countIf(inList(s.cart)));
    const fav = agg(countIf(inList(s.fav)));
    const bought = agg(countIf(inList(s.purchase)));
    out('view_count', view);
    out('cart_count', cart);
    out('fav_count', fav);
    out('purchase_count', bought);
    out('view_to_cart_rate', ratio(cart, view));
    out('view_to_fav_rate', ratio(fav, view));
    out('cart_to_purchase_rate', ratio(bought, cart));
    out('view_to_purchase_rate', ratio(bought, view));
  }
  const all = agg('count(*)');
  const share = (cond: string): string => ratio(agg(countIf(cond)), all);
  if (t === 'category_shares' || (t === 'all' && step.category)) {
    // The share columns are named as the app named them on the build data (recorded in step.columns).
    const shareNames = step.columns.filter((c) => c.startsWith('cat_') || c === 'category_count');
    out('category_count', agg('count(DISTINCT category)'));
    const catNames = shareNames.filter((c) => c !== 'category_count');
    if (catNames.length !== step.categories.length + 1) {
      throw new EngineError('BAD_INPUT', `The pack's feature step lists ${step.categories.length} categories but ${catNames.length} category columns; the pack is inconsistent.`);
    }
    step.categories.forEach((value, i) => out(catNames[i] as string, share(`category = ${str(value)}`)));
    const others = step.categories.length > 0 ? `category IS NULL OR category NOT IN (${step.categories.map(str).join(', ')})` : 'TRUE';
    out(catNames[catNames.length - 1] as string, share(others));
  }
  if (t === 'time_shares' || t === 'all') {
    for (let h = 0; h < 24; h++) out(`hour_${String(h).padStart(2, '0')}`, share(`${f.hour('event_time')} = ${h}`));
    WEEKDAYS.forEach((day, i) => out(`weekday_${day}`, share(`${f.isoWeekday('event_time')} = ${i + 1}`)));
  }
  if (step.windows) {
    // Windows of N days: [as_of - N days, as_of), in the order segments/windowed.ts gives them.
    const stageNames = ['view', 'cart', 'fav', 'purchase'] as const;
    for (const days of step.windows) {
      const inWindow = `event_time >= CAST(${f.daysBefore(asOf, days)} AS TIMESTAMP)`;
      const suffix = `_${days}d`;
      if (step.eventType) for (const stage of stageNames) out(`${stage}_count${suffix}`, agg(countIf(`${inWindow} AND ${inList(step.eventValues[stage])}`)));
      out(`event_count${suffix}`, agg(countIf(inWindow)));
      if (step.value) {
        const bought = step.eventType ? ` AND ${inList(step.eventValues.purchase)}` : '';
        out(`spend${suffix}`, agg(`coalesce(sum(CASE WHEN ${inWindow}${bought} THEN event_value END), CAST(0 AS DOUBLE))`));
      }
      if (step.item) {
        out(`items${suffix}`, agg(`count(DISTINCT CASE WHEN ${inWindow} THEN item_key END)`));
        if (step.eventType) for (const stage of stageNames) out(`${stage}_items${suffix}`, agg(`count(DISTINCT CASE WHEN ${inWindow} AND ${inList(step.eventValues[stage])} THEN item_key END)`));
      }
    }
  }
  const expected = step.columns.slice(1);
  if (expected.join('\u0001') !== names.join('\u0001')) {
    throw new EngineError('BAD_INPUT', `The pack's feature step records the columns ${expected.join(', ')}, but its template gives ${names.join(', ')}; the pack is inconsistent.`);
  }
  const aggregatesCte = [`assay_aggregates AS (`, `  SELECT entity_key,`, `    ${aggregates.join(',\n    ')}`, `  FROM assay_events`, `  GROUP BY entity_key`, `)`].join('\n');
  const featuresCte = [
    `assay_features AS (`,
    `  SELECT entity_key AS ${q(step.columns[0] as string)},`,
    `    ${outputs.map((o) => `${o.sql} AS ${q(o.name)}`).join(',\n    ')}`,
    `  FROM assay_aggregates`,
    `)`,
  ].join('\n');
  const ctes = [events, aggregatesCte, featuresCte];
  if (f.params) ctes.unshift(`assay_params AS (${f.params(step.asOf)})`);
  return { ctes, columns: step.columns, asOfNote: f.asOfNote };
}
