/**
 * Pure view-model helpers of the Segments view: form text -> engine parameters (with the problems
 * in plain words), column choices, segment names, and the SQL that saves named segments. No React,
 * no engine calls, so each rule is unit-tested.
 */
import type {
  ClusterInputParams,
  ClusterResult,
  ClusterRunParams,
  ClusterSweepParams,
  ColumnInfo,
  FeatureForm,
  FunnelEventValues,
  PortraitCard,
  PortraitFeatureStat,
} from '../../../workers/api';
import { isZonedTimestamp, utcWallClock } from '../../../workers/api';
import type { ClusterFormState, FeatureFormState, SegmentationRecord } from './types';

export type Built<T> = { ok: true; params: T } | { ok: false; problems: string[] };

/** A DuckDB identifier in double quotes (embedded quotes doubled), as the engine quotes them. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A DuckDB string literal (embedded single quotes doubled). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function isNumericType(type: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL)/i.test(type.trim());
}

export function isTemporalType(type: string): boolean {
  return /^(DATE|TIMESTAMP)/i.test(type.trim());
}

/** Columns k-means can take as they are: numbers and booleans. */
export function clusterableColumns(columns: readonly ColumnInfo[]): ColumnInfo[] {
  return columns.filter((c) => isNumericType(c.type) || /^BOOL/i.test(c.type.trim()));
}

/** Names that look like identifiers (CustomerID, user_id, id): numbers, but not features. */
export function looksLikeId(name: string): boolean {
  return /^id$/i.test(name) || /[_\s-]id$/i.test(name) || /[a-z]ID$/.test(name) || /^(key|entity_key)$/i.test(name);
}

/** The default features of a table: its numeric columns except the entity key and id-like columns. */
export function defaultClusterFeatures(columns: readonly ColumnInfo[], key?: string): string[] {
  return clusterableColumns(columns)
    .map((c) => c.name)
    .filter((name) => name !== key && !looksLikeId(name));
}

/** A table name for derived output: letters, digits and `_`. */
export function tableNameFrom(base: string, suffix: string): string {
  const clean = base.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'table';
  return `${clean}_${suffix}`;
}

export function featureOutputName(table: string, template: FeatureFormState['template']): string {
  return tableNameFrom(table, template === 'all' ? 'features' : template);
}

/** A first guess at the form from a table's column names (the user checks and edits it). */
export function guessFeatureForm(form: FeatureFormState, columns: readonly ColumnInfo[]): FeatureFormState {
  const find = (pattern: RegExp, accept: (c: ColumnInfo) => boolean = () => true): string => columns.find((c) => pattern.test(c.name) && accept(c))?.name ?? '';
  const key = find(/^(customer|user|client|member|buyer)[_ ]?id$/i) || find(/^(customer|user|client|member|buyer)/i) || '';
  const time = columns.find((c) => isTemporalType(c.type))?.name ?? (find(/(date|time|timestamp)$/i) || '');
  const order = find(/^(invoice|order)[_ ]?(no|id|number)?$/i);
  const quantity = find(/^(quantity|qty)$/i, (c) => isNumericType(c.type));
  const price = find(/(unit[_ ]?price|^price)$/i, (c) => isNumericType(c.type));
  const amount = find(/^(amount|revenue|sales|total|value|payment_value)$/i, (c) => isNumericType(c.type));
  const value = quantity && price ? `${quoteIdent(quantity)} * ${quoteIdent(price)}` : amount ? quoteIdent(amount) : '';
  const eventType = find(/^(behavior_type|behaviour_type|event_type|event|action)$/i);
  const category = find(/^(category|category_id|category_name|product_category_name)$/i);
  const item = find(/^(item|product|sku|stock|goods)[_ ]?(id|code|no)?$/i) || find(/^StockCode$/i);
  return {
    ...form,
    key: form.key || key,
    time: form.time || time,
    order: form.order || order,
    value: form.value || value,
    eventType: form.eventType || eventType,
    category: form.category || category,
    item: form.item || item,
  };
}

function splitValues(text: string): string[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** The longest window or label window the engine takes, in days (workers/segments/windowed.ts). */
export const MAX_WINDOW_DAYS = 3660;
const MAX_WINDOWS = 12;

/** A number of days written `7`, `7d` or `7 days` (1 to MAX_WINDOW_DAYS), as the CLI's --windows and --label-window read them; null otherwise. */
export function parseDayCount(text: string): number | null {
  const match = /^(\d+)\s*(?:d|days?)?$/i.exec(text.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  return Number.isInteger(days) && days >= 1 && days <= MAX_WINDOW_DAYS ? days : null;
}

/** `YYYY-MM-DD` plus (or minus) whole days, in UTC. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * The as-of date the view fills in: the data's snapshot (the day after the latest event; never
 * today), or with a label window of N days, N days before it, so the label window ends where the
 * data does (the engine's default too, label-window.ts).
 */
export function defaultAsOf(snapshot: string, labelWindow: string): string {
  const days = labelWindow.trim() ? parseDayCount(labelWindow) : null;
  return days === null ? snapshot : addDays(snapshot, -days);
}

/** The windowed fields of the form, checked, onto the engine's FeatureForm (the CLI's --windows, --from, --item, --label-window, --label-event). */
function windowedParams(form: FeatureFormState, params: Partial<FeatureForm>, problems: string[]): void {
  const windowsText = form.windows.trim();
  if (windowsText) {
    const parts = windowsText.split(',').map((w) => w.trim()).filter(Boolean);
    const days = parts.map(parseDayCount);
    if (parts.length === 0 || days.some((d) => d === null)) problems.push(`The windows must be whole numbers of days from 1 to ${MAX_WINDOW_DAYS}, separated by commas (e.g. 1, 3, 7, 30).`);
    else if (parts.length > MAX_WINDOWS) problems.push(`At most ${MAX_WINDOWS} windows (got ${parts.length}).`);
    else params.windows = days as number[];
  }
  const from = form.from.trim();
  if (from) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) problems.push('Write the lower bound (from) as YYYY-MM-DD, or leave it empty.');
    else params.from = from;
  }
  if (form.item.trim()) params.item = form.item.trim();
  const labelWindow = form.labelWindow.trim();
  const labelEvents = splitValues(form.labelEvents);
  if (labelWindow) {
    const days = parseDayCount(labelWindow);
    if (days === null) problems.push(`The label window must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}, written like 1 or 7d.`);
    else params.labelWindowDays = days;
  }
  if (labelEvents.length > 0) {
    if (!labelWindow) problems.push('A label event needs a label window (the days after the as-of date to look for it in).');
    else if (!form.eventType.trim()) problems.push('A label event needs the event type column; without one, any event is the label event.');
    else params.labelEvents = labelEvents;
  }
}

/** The form as the engine's FeatureForm, or what is missing. The engine checks columns and SQL. */
export function featureParamsFromForm(form: FeatureFormState): Built<FeatureForm> {
  const problems: string[] = [];
  if (!form.table) problems.push('Choose the event or order table.');
  if (!form.key.trim()) problems.push('Choose the entity key column (one output row per value).');
  if (!form.time.trim()) problems.push('Choose the time column.');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.asOf.trim())) problems.push('Write the as-of date as YYYY-MM-DD.');
  const needsEvents = form.template === 'funnel';
  if (needsEvents && !form.eventType.trim()) problems.push('The funnel template needs the event type column.');
  if (form.template === 'category_shares' && !form.category.trim()) problems.push('The category shares template needs the category column.');
  let topCategories: number | undefined;
  if (form.topCategories.trim()) {
    topCategories = Number(form.topCategories);
    if (!Number.isInteger(topCategories) || topCategories < 1 || topCategories > 50) problems.push('Top categories must be a whole number from 1 to 50.');
  }
  let utcOffsetHours: number | undefined;
  if (form.utcOffsetHours.trim()) {
    utcOffsetHours = Number(form.utcOffsetHours);
    if (!Number.isFinite(utcOffsetHours) || Math.abs(utcOffsetHours) > 14) problems.push('The UTC offset must be a number of hours from -14 to 14.');
  }
  const windowed: Partial<FeatureForm> = {};
  windowedParams(form, windowed, problems);
  if (problems.length > 0) return { ok: false, problems };
  const params: FeatureForm = { template: form.template, table: form.table, key: form.key.trim(), time: form.time.trim(), asOf: form.asOf.trim() };
  if (form.timeUnit) params.timeUnit = form.timeUnit;
  if (utcOffsetHours !== undefined) params.utcOffsetHours = utcOffsetHours;
  if (form.order.trim()) params.order = form.order.trim();
  if (form.value.trim()) params.value = form.value.trim();
  if (form.eventType.trim()) {
    params.eventType = form.eventType.trim();
    const stages: FunnelEventValues = {};
    for (const stage of ['view', 'cart', 'fav', 'purchase'] as const) {
      const values = splitValues(form.stages[stage]);
      if (values.length > 0) stages[stage] = values;
    }
    if (Object.keys(stages).length > 0) params.eventValues = stages;
  }
  if (form.category.trim()) params.category = form.category.trim();
  if (topCategories !== undefined) params.topCategories = topCategories;
  if (form.session.trim()) params.session = form.session.trim();
  if (form.where.trim()) params.where = form.where.trim();
  return { ok: true, params: { ...params, ...windowed } };
}

function wholeNumber(text: string, label: string, min: number, max: number, problems: string[]): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${label} must be a whole number from ${min} to ${max}.`);
    return Number.NaN;
  }
  return value;
}

function inputParams(form: ClusterFormState, problems: string[]): ClusterInputParams {
  if (!form.table) problems.push('Choose the table to cluster.');
  if (form.features !== null && form.features.length === 0) problems.push('Tick at least one feature, or use every numeric column.');
  const seed = wholeNumber(form.seed, 'The seed', 0, 2 ** 31 - 1, problems);
  const params: ClusterInputParams = {
    source: { table: form.table },
    preprocessing: { scaling: form.scaling, log1p: form.log1p, impute: form.impute },
    seed,
    backend: form.backend,
  };
  if (form.features === null) params.allNumeric = true;
  else params.features = [...form.features];
  return params;
}

/** cluster.run parameters: one k, with the rows and their segment written into the output table. */
export function runParamsFromForm(form: ClusterFormState): Built<ClusterRunParams> {
  const problems: string[] = [];
  const input = inputParams(form, problems);
  const k = wholeNumber(form.k, 'k', 1, 1000, problems);
  const outputTable = form.outputTable.trim() || tableNameFrom(form.table, 'segments');
  if (outputTable.startsWith('__assay_')) problems.push('Table names starting with "__assay_" are reserved.');
  if (form.table && outputTable.toLowerCase() === form.table.toLowerCase()) problems.push('Write the segments into a new table, not the table being clustered.');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, params: { ...input, k, outputTable, name: `${form.table} k=${k}` } };
}

/** cluster.sweep parameters: k from..to (2..12 by default). */
export function sweepParamsFromForm(form: ClusterFormState): Built<ClusterSweepParams> {
  const problems: string[] = [];
  const input = inputParams(form, problems);
  const kFrom = wholeNumber(form.kFrom, 'The first k', 1, 50, problems);
  const kTo = wholeNumber(form.kTo, 'The last k', 1, 50, problems);
  if (Number.isInteger(kFrom) && Number.isInteger(kTo) && kTo < kFrom) problems.push('The last k must not be below the first.');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, params: { ...input, kFrom, kTo } };
}

/** The numeric features whose means the portrait compares: the clustered columns that are numbers. */
export function portraitFeatures(clustered: readonly string[], columns: readonly ColumnInfo[]): string[] {
  const numeric = new Set(clusterableColumns(columns).map((c) => c.name));
  return clustered.filter((c) => numeric.has(c));
}

/** One name per segment from the cards' suggestions; a repeated suggestion gets its segment number. */
export function namesFromCards(cards: readonly PortraitCard[], k: number): string[] {
  const names = Array.from({ length: k }, (_, i) => `Segment ${i}`);
  for (const card of cards) {
    const index = Number(card.segment);
    if (Number.isInteger(index) && index >= 0 && index < k && card.suggestedName.trim()) names[index] = card.suggestedName.trim();
  }
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n.toLowerCase(), (counts.get(n.toLowerCase()) ?? 0) + 1);
  return names.map((n, i) => ((counts.get(n.toLowerCase()) ?? 0) > 1 ? `${n} (${i})` : n));
}

/** The segment's name, or "Segment i" when it has none. */
export function segmentLabel(names: readonly string[], segment: number): string {
  const name = names[segment]?.trim();
  return name ? name : `Segment ${segment}`;
}

/** What the workspace keeps of a run: the scaler, the centroids and the names. */
export function recordFromRun(result: ClusterResult, sourceTable: string, names: readonly string[]): SegmentationRecord {
  return {
    clusterId: result.cluster.clusterId,
    name: result.cluster.name,
    sourceTable,
    outputTable: result.outputTable?.name ?? result.cluster.outputTable ?? '',
    k: result.cluster.k,
    columns: [...result.cluster.columns],
    preprocessor: result.preprocessor,
    centroids: result.segments.map((s) => [...s.centroid]),
    sizes: result.segments.map((s) => s.size),
    segmentNames: [...names],
    createdAt: result.cluster.createdAt,
  };
}

/**
 * SQL that writes the rows with their segment number and name into `target`. DuckDB's
 * CREATE OR REPLACE reads the source before replacing, so target may equal source.
 */
export function saveSegmentsSql(source: string, target: string, names: readonly string[], sourceColumns: readonly string[]): string {
  const existing = sourceColumns.find((c) => c.toLowerCase() === 'segment_name');
  const star = existing ? `* EXCLUDE (${quoteIdent(existing)})` : '*';
  const cases = names.map((name, i) => `WHEN ${i} THEN ${quoteLiteral(name)}`).join(' ');
  const nameExpr = names.length > 0 ? `CASE "segment" ${cases} END` : 'CAST(NULL AS VARCHAR)';
  return `CREATE OR REPLACE TABLE ${quoteIdent(target)} AS SELECT ${star}, ${nameExpr} AS "segment_name" FROM ${quoteIdent(source)}`;
}

/** A card's features, the most distinguishing first (|z| descending, missing z last). */
export function featuresByDistinction(features: readonly PortraitFeatureStat[]): PortraitFeatureStat[] {
  const magnitude = (s: PortraitFeatureStat): number => (s.z === null || !Number.isFinite(s.z) ? -1 : Math.abs(s.z));
  return [...features].sort((a, b) => magnitude(b) - magnitude(a) || a.feature.localeCompare(b.feature));
}

/** Lift as "1.8×"; a dash when undefined. */
export function formatLift(lift: number | null): string {
  if (lift === null || !Number.isFinite(lift)) return '—';
  return `${lift >= 10 ? lift.toFixed(0) : lift.toFixed(2)}×`;
}

/** z as "+1.25" / "−0.40"; a dash when undefined. */
export function formatZ(z: number | null): string {
  if (z === null || !Number.isFinite(z)) return '—';
  return `${z >= 0 ? '+' : '−'}${Math.abs(z).toFixed(2)}`;
}

/** Mean values with about four significant digits. */
export function formatMean(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (value !== 0 && (Math.abs(value) >= 1e7 || Math.abs(value) < 1e-3)) return value.toExponential(2);
  return new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 }).format(value);
}

/**
 * The query for the default as-of date: the day after the latest time in the column (so recency is
 * 1 day for an entity active on the last day), as YYYY-MM-DD in column `as_of`, NULL when the column
 * holds no time. The time is read as the engine's feature templates read it (numbers are Unix
 * seconds or milliseconds); text that is not a time is skipped rather than failing the query.
 */
export function asOfDefaultSql(table: string, column: ColumnInfo, unit: FeatureFormState['timeUnit'], utcOffsetHours = 0): string {
  const ref = quoteIdent(column.name);
  let time: string;
  if (isNumericType(column.type)) time = unit === 'milliseconds' ? `epoch_ms(CAST(${ref} AS BIGINT))` : `epoch_ms(CAST(${ref} * 1000 AS BIGINT))`;
  // TIMESTAMPTZ as its UTC wall clock, as the engine reads it (features.ts timeExpression).
  else if (isZonedTimestamp(column.type)) time = utcWallClock(ref);
  else if (isTemporalType(column.type)) time = `CAST(${ref} AS TIMESTAMP)`;
  else time = `TRY_CAST(${ref} AS TIMESTAMP)`;
  // The engine takes days after the UTC offset, so its snapshot does too (features.ts timeRangeSql).
  const minutes = Math.round(utcOffsetHours * 60);
  if (Number.isFinite(minutes) && minutes !== 0 && Math.abs(utcOffsetHours) <= 14) time = `${time} ${minutes < 0 ? '-' : '+'} INTERVAL ${Math.abs(minutes)} MINUTE`;
  return `SELECT strftime(CAST(max(${time}) AS DATE) + 1, '%Y-%m-%d') AS as_of FROM ${quoteIdent(table)}`;
}

/** The fields of the feature form still missing, in plain words ("the time column", "the as-of date"). */
export function missingFeatureFields(form: FeatureFormState): string[] {
  const missing: string[] = [];
  if (!form.table) missing.push('the events / orders table');
  if (!form.key.trim()) missing.push('the entity key');
  if (!form.time.trim()) missing.push('the time column');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(form.asOf.trim())) missing.push('the as-of date (YYYY-MM-DD)');
  if (form.template === 'funnel' && !form.eventType.trim()) missing.push('the event type column');
  if (form.template === 'category_shares' && !form.category.trim()) missing.push('the category column');
  return missing;
}

/** Why "Build table" cannot run now, in plain words; null when it can. */
export function buildBlocker(state: { running: string | null; sql: string; outputTable: string; form: FeatureFormState }): string | null {
  if (state.running) return waitUntilDone(state.running);
  if (!state.sql.trim()) {
    const missing = missingFeatureFields(state.form);
    return missing.length > 0 ? `Fill in ${joinWords(missing)}, then generate the SQL.` : 'Generate the SQL first (or write it in the editor).';
  }
  if (!state.outputTable.trim()) return 'Name the output table.';
  return null;
}

/** "Wait until generating the SQL is done." for the running job's verb phrase. */
export function waitUntilDone(running: string): string {
  return `Wait until ${running.charAt(0).toLowerCase()}${running.slice(1)} is done.`;
}

/** "a", "a and b", "a, b and c". */
function joinWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
