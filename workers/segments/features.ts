/**
 * The feature builder: SQL templates filled from a form, giving one row per entity (customer,
 * user, item, session) from an event or order-line table. The SQL is meant to be read and edited
 * by people, so it is laid out by hand: one events CTE that normalises the columns, then one
 * GROUP BY with a commented section per feature family.
 */
import type { ColumnInfo } from '../data/types';
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import { isZonedTimestamp, utcWallClock } from '../data/zoned-time';
import { EngineError } from '../protocol/errors';
import { featureStepOf } from './feature-step';
import { labelColumns, labelEventValues, labelledQuery, type LabelPlan } from './label-window';
import { checkFrom, parseDays, parseWindows, windowedSections } from './windowed';
import type { FeatureForm, FeatureSqlResult, FeatureTemplate, FunnelEventValues } from './types';
import { isNumericTypeName as isNumericType } from '../data/type-names';

export const FEATURE_TEMPLATES: readonly FeatureTemplate[] = ['rfm', 'funnel', 'category_shares', 'time_shares', 'windowed', 'all'];

export const DEFAULT_EVENT_VALUES: Required<FunnelEventValues> = {
  view: ['pv', 'view'],
  cart: ['cart'],
  fav: ['fav'],
  purchase: ['buy', 'purchase'],
};

export const DEFAULT_TOP_CATEGORIES = 10;
export const MAX_TOP_CATEGORIES = 50;

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Checks a `YYYY-MM-DD` date (a real calendar day) and returns it. */
export function parseAsOf(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) {
    throw new EngineError('BAD_INPUT', `The as-of date must be written YYYY-MM-DD (got ${JSON.stringify(value)}).`);
  }
  const text = value.trim();
  const [y, m, d] = text.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw new EngineError('BAD_INPUT', `The as-of date ${text} is not a calendar day.`);
  }
  return text;
}

/** A column name safe to show and to use as a feature name: `cat_` plus the value's letters and digits. */
function categoryColumnName(value: string, taken: Set<string>): string {
  const base = `cat_${value.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'blank'}`;
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

function optionalText(form: FeatureForm, field: keyof FeatureForm): string | undefined {
  const v = form[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new EngineError('BAD_INPUT', `"${field}" must be text.`);
  return v.trim() === '' ? undefined : v;
}

/** Resolves a form field to a column of the table, exactly or ignoring case; a clear error otherwise. */
function column(columns: ColumnInfo[], name: string | undefined, role: string, table: string): ColumnInfo | undefined {
  if (name === undefined) return undefined;
  const found = columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    const list = columns.map((c) => c.name).join(', ');
    throw new EngineError('BAD_INPUT', `The ${role} column "${name}" is not in table "${table}" (its columns: ${list}).`);
  }
  return found;
}

function checkExpression(text: string | undefined, role: string): string | undefined {
  if (text === undefined) return undefined;
  if (/;/.test(text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"/g, ''))) {
    throw new EngineError('BAD_INPUT', `The ${role} must be one SQL expression, without ";".`);
  }
  return text.trim();
}

function stageValues(form: FeatureForm): Required<FunnelEventValues> {
  const given = form.eventValues ?? {};
  const pick = (stage: keyof FunnelEventValues): string[] => {
    const values = given[stage];
    if (values === undefined) return DEFAULT_EVENT_VALUES[stage];
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
      throw new EngineError('BAD_INPUT', `The ${stage} event values must be a list of text values.`);
    }
    return values;
  };
  return { view: pick('view'), cart: pick('cart'), fav: pick('fav'), purchase: pick('purchase') };
}

/** Text safe inside a `--` comment: no line breaks that would end it. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

function inList(values: string[]): string {
  return values.length === 0 ? 'FALSE' : `event_type IN (${values.map(quoteLiteral).join(', ')})`;
}

/** The SQL that gives the event time as a TIMESTAMP, with the optional UTC offset applied. */
function timeExpression(col: ColumnInfo, unit: string | undefined, offsetHours: number): string {
  const ref = quoteIdent(col.name);
  let expr: string;
  if (isNumericType(col.type)) {
    expr = unit === 'milliseconds' ? `epoch_ms(CAST(${ref} AS BIGINT))` : `epoch_ms(CAST(${ref} * 1000 AS BIGINT))`;
  } else if (/^TIMESTAMP$/i.test(col.type)) {
    expr = ref;
  } else if (isZonedTimestamp(col.type)) {
    // The UTC wall clock on both drivers (a plain cast follows native DuckDB's session time zone).
    expr = utcWallClock(ref);
  } else {
    expr = `CAST(${ref} AS TIMESTAMP)`;
  }
  // DuckDB reads no signed number after INTERVAL: a negative offset is subtracted.
  if (offsetHours !== 0) expr = `${expr} ${offsetHours < 0 ? '-' : '+'} INTERVAL ${Math.abs(offsetHours * 60)} MINUTE`;
  return expr;
}

export interface FeatureTableFacts {
  columns: ColumnInfo[];
  /** The most frequent category values, most frequent first (for category shares). */
  topCategories?: string[];
}

/** What the form needs besides the columns: whether a category query must run first. */
export function needsCategories(form: FeatureForm): boolean {
  return (form.template === 'category_shares' || form.template === 'all') && optionalText(form, 'category') !== undefined;
}

/**
 * The SQL that lists the most frequent category values (of events before as_of that pass the
 * filter), so the generated SQL can name one share column per value.
 */
export function topCategoriesSql(form: FeatureForm, columns: ColumnInfo[]): string {
  const plan = resolveForm(form, columns);
  if (!plan.category) throw new EngineError('BAD_INPUT', 'Category shares need a category column.');
  return [
    eventsCte(plan),
    'SELECT category, count(*) AS events',
    'FROM events',
    'WHERE category IS NOT NULL',
    'GROUP BY category',
    `ORDER BY events DESC, category`,
    `LIMIT ${plan.topN}`,
  ].join('\n');
}

/**
 * The earliest and latest event time (DuckDB text, the UTC offset applied) and the snapshot date,
 * the day after the latest event: what the as-of default and its checks need. With `between`, of
 * the events in [from, before) only (NULLs when there are none).
 */
export function timeRangeSql(form: FeatureForm, columns: ColumnInfo[], between?: { from: string; before: string }): string {
  const table = optionalText(form, 'table') ?? '';
  const time = column(columns, optionalText(form, 'time'), 'time', table);
  if (!time) throw new EngineError('BAD_INPUT', 'Choose the event time column.');
  const offset = typeof form.utcOffsetHours === 'number' && Number.isFinite(form.utcOffsetHours) ? form.utcOffsetHours : 0;
  const t = timeExpression(time, form.timeUnit, offset);
  const where: string[] = [];
  if (between) {
    // The build's own event filter (eventsCte): a key, the window, and the user's filter.
    const key = column(columns, optionalText(form, 'key'), 'entity key', table);
    if (key) where.push(`${quoteIdent(key.name)} IS NOT NULL`);
    where.push(`${t} >= DATE ${quoteLiteral(parseAsOf(between.from))}`, `${t} < DATE ${quoteLiteral(parseAsOf(between.before))}`);
    const filter = checkExpression(optionalText(form, 'where'), 'filter');
    if (filter) where.push(`(${filter})`);
  }
  return [
    `SELECT CAST(min(${t}) AS VARCHAR) AS first_event, CAST(max(${t}) AS VARCHAR) AS last_event,`,
    `  strftime(CAST(max(${t}) AS DATE) + 1, '%Y-%m-%d') AS snapshot`,
    `FROM ${quoteIdent(table)}`,
    ...(where.length > 0 ? [`WHERE ${where.join(' AND ')}`] : []),
  ].join('\n');
}

interface Plan {
  template: FeatureTemplate;
  table: string;
  key: ColumnInfo;
  time: ColumnInfo;
  timeSql: string;
  order?: ColumnInfo;
  value?: string;
  eventType?: ColumnInfo;
  stages: Required<FunnelEventValues>;
  category?: ColumnInfo;
  session?: ColumnInfo;
  asOf: string;
  where?: string;
  topN: number;
  /** Windowed family (windowed.ts): its windows, when the template asks for them or `all` was given windows. */
  windows?: number[];
  from?: string;
  item?: ColumnInfo;
  label?: LabelPlan;
}

function resolveForm(form: FeatureForm, columns: ColumnInfo[]): Plan {
  if (form === null || typeof form !== 'object') throw new EngineError('BAD_INPUT', 'The feature form is missing.');
  const template = form.template;
  if (!FEATURE_TEMPLATES.includes(template)) {
    throw new EngineError('BAD_INPUT', `Unknown feature template ${JSON.stringify(template)}; choose one of ${FEATURE_TEMPLATES.join(', ')}.`);
  }
  const table = optionalText(form, 'table');
  if (!table) throw new EngineError('BAD_INPUT', 'Choose the event or order table.');
  if (columns.length === 0) throw new EngineError('BAD_INPUT', `Table "${table}" has no columns.`);
  const keyName = optionalText(form, 'key');
  if (!keyName) throw new EngineError('BAD_INPUT', 'Choose the entity key column (one output row per value).');
  const timeName = optionalText(form, 'time');
  if (!timeName) throw new EngineError('BAD_INPUT', 'Choose the event time column.');
  const asOf = parseAsOf(form.asOf);
  const offset = form.utcOffsetHours ?? 0;
  if (typeof offset !== 'number' || !Number.isFinite(offset) || Math.abs(offset) > 14 || Math.round(offset * 60) !== offset * 60) {
    throw new EngineError('BAD_INPUT', `The UTC offset must be a number of hours between -14 and 14 (got ${String(offset)}).`);
  }
  if (form.timeUnit !== undefined && form.timeUnit !== 'seconds' && form.timeUnit !== 'milliseconds') {
    throw new EngineError('BAD_INPUT', `The time unit must be "seconds" or "milliseconds" (got ${JSON.stringify(form.timeUnit)}).`);
  }
  const topN = form.topCategories ?? DEFAULT_TOP_CATEGORIES;
  if (!Number.isInteger(topN) || topN < 1 || topN > MAX_TOP_CATEGORIES) {
    throw new EngineError('BAD_INPUT', `The number of top categories must be a whole number from 1 to ${MAX_TOP_CATEGORIES} (got ${String(topN)}).`);
  }
  const key = column(columns, keyName, 'entity key', table) as ColumnInfo;
  const time = column(columns, timeName, 'time', table) as ColumnInfo;
  const plan: Plan = {
    template,
    table,
    key,
    time,
    timeSql: timeExpression(time, form.timeUnit, offset),
    stages: stageValues(form),
    asOf,
    topN,
  };
  const order = column(columns, optionalText(form, 'order'), 'order', table);
  if (order) plan.order = order;
  const eventType = column(columns, optionalText(form, 'eventType'), 'event type', table);
  if (eventType) plan.eventType = eventType;
  const category = column(columns, optionalText(form, 'category'), 'category', table);
  if (category) plan.category = category;
  const session = column(columns, optionalText(form, 'session'), 'session', table);
  if (session) plan.session = session;
  const value = checkExpression(optionalText(form, 'value'), 'value expression');
  if (value) plan.value = value;
  const where = checkExpression(optionalText(form, 'where'), 'filter');
  if (where) plan.where = where;
  if (template === 'funnel' && !plan.eventType) throw new EngineError('BAD_INPUT', 'The funnel template needs an event type column.');
  if (template === 'category_shares' && !plan.category) throw new EngineError('BAD_INPUT', 'The category shares template needs a category column.');
  // Propensity datasets (windowed.ts, label-window.ts).
  if (template === 'windowed' || (template === 'all' && form.windows !== undefined)) plan.windows = parseWindows(form.windows);
  const item = column(columns, optionalText(form, 'item'), 'item', table);
  if (item) plan.item = item;
  const from = optionalText(form, 'from');
  if (from !== undefined) plan.from = parseAsOf(from);
  if (form.labelWindowDays !== undefined) {
    plan.label = { days: parseDays(form.labelWindowDays, 'label window'), events: labelEventValues(form.labelEvents, plan.stages, plan.eventType !== undefined) };
  }
  return plan;
}

function eventsCte(plan: Plan): string {
  const select = [`    ${quoteIdent(plan.key.name)} AS entity_key`, `    ${plan.timeSql} AS event_time`];
  if (plan.order) select.push(`    ${quoteIdent(plan.order.name)} AS order_key`);
  if (plan.value) select.push(`    CAST((${plan.value}) AS DOUBLE) AS event_value`);
  if (plan.eventType) select.push(`    CAST(${quoteIdent(plan.eventType.name)} AS VARCHAR) AS event_type`);
  if (plan.category) select.push(`    CAST(${quoteIdent(plan.category.name)} AS VARCHAR) AS category`);
  if (plan.session) select.push(`    ${quoteIdent(plan.session.name)} AS session_key`);
  if (plan.item) select.push(`    ${quoteIdent(plan.item.name)} AS item_key`);
  const where = [`${quoteIdent(plan.key.name)} IS NOT NULL`, `${plan.timeSql} < DATE ${quoteLiteral(plan.asOf)}`];
  if (plan.from) where.push(`${plan.timeSql} >= DATE ${quoteLiteral(plan.from)}`);
  if (plan.where) where.push(`(${plan.where})`);
  return [
    'WITH events AS (',
    '  SELECT',
    select.join(',\n'),
    `  FROM ${quoteIdent(plan.table)}`,
    `  WHERE ${where.join('\n    AND ')}`,
    ')',
  ].join('\n');
}

/**
 * What the inputs check needs (jobs.ts): rows and non-NULL keys in the whole table and, with a value
 * expression, the events the build counts and how many of them have a value.
 */
export function inputCountsSql(form: FeatureForm, columns: ColumnInfo[]): string {
  const plan = resolveForm(form, columns);
  const keys = `SELECT count(*) AS n, count(${quoteIdent(plan.key.name)}) AS keys FROM ${quoteIdent(plan.table)}`;
  if (!plan.value) return keys;
  // The events CTE stays inside its own subquery: a table that is itself named "events" is still read.
  return `SELECT k.n, k.keys, e.events, e.valued FROM (${keys}) AS k, (\n${eventsCte(plan)}\nSELECT count(*) AS events, count(event_value) AS valued FROM events) AS e`;
}

interface Section {
  title: string;
  lines: Array<{ sql: string; name: string }>;
}

/** RFM and its family: recency, frequency, monetary, AOV, active days, tenure, events, sessions. */
function rfmSection(plan: Plan): Section {
  // Whole days elapsed from the event to the start of the as-of day (an event the evening before is 0 days).
  const daysBefore = (time: string): string => `CAST(floor(epoch(TIMESTAMP ${quoteLiteral(plan.asOf)} - ${time}) / 86400) AS INTEGER)`;
  // With an event type, RFM is about purchases; every row is a purchase line otherwise.
  const purchase = plan.eventType ? ` FILTER (WHERE ${inList(plan.stages.purchase)})` : '';
  const lines: Section['lines'] = [
    { sql: daysBefore(`max(event_time)${purchase}`), name: 'recency' },
    { sql: plan.order ? `count(DISTINCT order_key)${purchase}` : `count(*)${purchase}`, name: 'frequency' },
  ];
  if (plan.value) {
    lines.push({ sql: `coalesce(sum(event_value)${purchase}, 0)`, name: 'monetary' });
    lines.push({ sql: 'monetary / NULLIF(frequency, 0)', name: 'aov' });
  }
  lines.push({ sql: 'count(DISTINCT CAST(event_time AS DATE))', name: 'active_days' });
  lines.push({ sql: daysBefore('min(event_time)'), name: 'tenure_days' });
  lines.push({ sql: 'count(*)', name: 'event_count' });
  if (plan.session) lines.push({ sql: 'count(DISTINCT session_key)', name: 'sessions' });
  const title = plan.eventType
    ? `RFM over purchase events; recency and tenure in whole days before ${plan.asOf}`
    : `RFM; recency and tenure in whole days before ${plan.asOf}`;
  return { title, lines };
}

function funnelSection(plan: Plan): Section {
  const s = plan.stages;
  return {
    title: 'funnel: view -> cart -> purchase (Taobao pv / cart / fav / buy), counts and rates',
    lines: [
      { sql: `count(*) FILTER (WHERE ${inList(s.view)})`, name: 'view_count' },
      { sql: `count(*) FILTER (WHERE ${inList(s.cart)})`, name: 'cart_count' },
      { sql: `count(*) FILTER (WHERE ${inList(s.fav)})`, name: 'fav_count' },
      { sql: `count(*) FILTER (WHERE ${inList(s.purchase)})`, name: 'purchase_count' },
      { sql: 'cart_count / NULLIF(view_count, 0)', name: 'view_to_cart_rate' },
      { sql: 'fav_count / NULLIF(view_count, 0)', name: 'view_to_fav_rate' },
      { sql: 'purchase_count / NULLIF(cart_count, 0)', name: 'cart_to_purchase_rate' },
      { sql: 'purchase_count / NULLIF(view_count, 0)', name: 'view_to_purchase_rate' },
    ],
  };
}

function categorySection(categories: string[], taken: Set<string>): Section {
  const lines: Section['lines'] = [{ sql: 'count(DISTINCT category)', name: 'category_count' }];
  for (const value of categories) {
    lines.push({ sql: `count(*) FILTER (WHERE category = ${quoteLiteral(value)}) / count(*)`, name: categoryColumnName(value, taken) });
  }
  const others = categories.length > 0 ? `category IS NULL OR category NOT IN (${categories.map(quoteLiteral).join(', ')})` : 'TRUE';
  lines.push({ sql: `count(*) FILTER (WHERE ${others}) / count(*)`, name: categoryColumnName('other', taken) });
  return { title: `category shares: share of the entity's events in each of the ${categories.length} most frequent categories`, lines };
}

function timeSection(): Section {
  const lines: Section['lines'] = [];
  for (let h = 0; h < 24; h++) lines.push({ sql: `count(*) FILTER (WHERE hour(event_time) = ${h}) / count(*)`, name: `hour_${String(h).padStart(2, '0')}` });
  WEEKDAYS.forEach((day, i) => lines.push({ sql: `count(*) FILTER (WHERE isodow(event_time) = ${i + 1}) / count(*)`, name: `weekday_${day}` }));
  return { title: 'time shares: share of the entity\'s events by hour of day and by weekday', lines };
}

/**
 * Builds the feature SQL for a form, given the table's columns (and, for category shares, its
 * most frequent categories). Pure: the same form and facts always give the same text.
 */
export function generateFeatureSql(form: FeatureForm, facts: FeatureTableFacts, asOfBasis: FeatureSqlResult['asOfBasis'] = 'given'): FeatureSqlResult {
  const plan = resolveForm(form, facts.columns);
  const warnings: string[] = [];
  const sections: Section[] = [];
  const t = plan.template;
  if (t === 'rfm' || t === 'all') {
    if (!plan.value) warnings.push('No value expression: monetary and AOV are left out.');
    sections.push(rfmSection(plan));
  }
  if (t === 'funnel' || (t === 'all' && plan.eventType)) sections.push(funnelSection(plan));
  const taken = new Set<string>(sections.flatMap((s) => s.lines.map((l) => l.name)));
  let categories: string[] = [];
  if (t === 'category_shares' || (t === 'all' && plan.category)) {
    categories = (facts.topCategories ?? []).slice(0, plan.topN);
    if (categories.length === 0) warnings.push('No category values were found; only the category count and the "other" share are computed.');
    sections.push(categorySection(categories, taken));
  }
  if (t === 'time_shares' || t === 'all') sections.push(timeSection());
  if (plan.windows) {
    const stages = plan.eventType ? plan.stages : undefined;
    sections.push(...windowedSections({ asOf: plan.asOf, windows: plan.windows, ...(stages ? { stages } : {}), hasValue: plan.value !== undefined, hasItem: plan.item !== undefined }));
    if (!plan.value) warnings.push('No value expression: the spend windows are left out.');
  }
  if (plan.from) warnings.push(...checkFrom(plan.from, plan.asOf, plan.windows ?? []));
  const labels = plan.label ? labelColumns(plan.value !== undefined) : [];

  const names = [...sections.flatMap((s) => s.lines.map((l) => l.name)), ...labels];
  if (names.some((n) => n.toLowerCase() === plan.key.name.toLowerCase())) {
    throw new EngineError('BAD_INPUT', `The entity key column is named "${plan.key.name}", like one of the features; rename it first.`);
  }
  const selectLines = [`  entity_key AS ${quoteIdent(plan.key.name)}`];
  for (const section of sections) {
    selectLines.push(`  -- ${section.title}`);
    for (const line of section.lines) selectLines.push(`  ${line.sql} AS ${quoteIdent(line.name)}`);
  }
  // Commas go after every select item but the last; comment lines take none.
  const items = selectLines.map((l, i) => ({ l, comment: l.trimStart().startsWith('--'), i }));
  const lastItem = Math.max(...items.filter((x) => !x.comment).map((x) => x.i));
  const select = items.map((x) => (x.comment || x.i === lastItem ? x.l : `${x.l},`)).join('\n');

  const header = [
    `-- Assay feature table (${t === 'all' ? 'all templates' : t}): one row per ${oneLine(plan.key.name)} of ${oneLine(plan.table)},`,
    `-- from events ${plan.from ? `from ${plan.from} ` : ''}before ${plan.asOf}${plan.where ? ' that pass the filter' : ''}.`,
  ];
  const query = ['SELECT', select, 'FROM events', 'GROUP BY entity_key'];
  const sql = plan.label
    ? labelledQuery({ header, eventsCte: eventsCte(plan), featureQuery: query, keyName: plan.key.name, table: plan.table, timeSql: plan.timeSql, ...(plan.where ? { where: plan.where } : {}), ...(plan.value ? { value: plan.value } : {}), ...(plan.eventType ? { eventType: plan.eventType.name } : {}), asOf: plan.asOf, label: plan.label })
    : [...header, eventsCte(plan), ...query, 'ORDER BY entity_key'].join('\n');
  const columns = [plan.key.name, ...names];
  const recorded = featureStepOf(
    { ...form, asOf: plan.asOf },
    { key: plan.key.name, time: plan.time.name, timeType: plan.time.type, order: plan.order?.name, eventType: plan.eventType?.name, category: plan.category?.name, session: plan.session?.name, item: plan.item?.name, windows: plan.windows, from: plan.from, stages: plan.stages, topN: plan.topN },
    facts.columns,
    categories,
    columns,
  );
  // A pack's step has no label (packs/dialects/feature-sql.ts prints every feature family, windows and --from included).
  const notPortable = plan.label ? 'labels are not printed for pack dialects yet' : undefined;
  const problem = notPortable ?? ('problem' in recorded ? recorded.problem.replace(/\.$/, '') : undefined);
  const step = problem === undefined && 'step' in recorded ? { step: recorded.step } : { step: null, stepProblem: `A rule pack cannot carry this feature step: ${problem ?? ''}.` };
  return { sql, template: t, columns, categories, warnings, asOf: plan.asOf, asOfBasis, ...step };
}
