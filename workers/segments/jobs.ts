import type { Table } from 'apache-arrow';
import type { ColumnInfo } from '../data/types';
import { sqlError } from '../data/duck-errors';
import type { DataEngine } from '../data/engine';
import { leadingKeyword, quoteIdent, splitStatements } from '../data/sql-text';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { jobRegistrar, type JobContext, type JobHost } from '../protocol/host';
import { generateFeatureSql, inputCountsSql, needsCategories, parseAsOf, timeRangeSql, topCategoriesSql } from './features';
import { formOfStep } from './feature-step';
import { labelAsOf } from './label-window';
import { parseDays } from './windowed';
import { forgetFeatureStep, rememberFeatureStep } from './feature-registry';
import { computePortrait } from './portrait';
import type { SegmentJobs, FeatureBuildParams, FeatureBuildResult, FeatureForm, FeatureSqlResult, FeatureStep } from './types';

const QUERY_KEYWORDS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES']);

function rowsOf(table: Table): Array<Record<string, unknown>> {
  return table.toArray().map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
}

/** A table of the catalog by name, exactly or ignoring case (DuckDB names are case-insensitive). */
export async function resolveTableName(engine: DataEngine, name: unknown): Promise<string> {
  if (typeof name !== 'string' || name.trim() === '') throw new EngineError('BAD_INPUT', 'Choose a table.');
  const names = await engine.tableNames();
  const found = names.find((n) => n === name) ?? names.find((n) => n.toLowerCase() === name.toLowerCase());
  if (!found) throw new EngineError('NOT_FOUND', `There is no table named "${name}".`);
  return found;
}

/**
 * The as-of date: the one given, or the data's snapshot (the day after the latest event; never
 * the day the job runs). A date on or before the first event leaves every window empty, and one
 * after the snapshot would count days the data does not cover: both are refused, naming the dates.
 */
async function checkedAsOf(engine: DataEngine, form: FeatureForm, columns: ColumnInfo[], ctx: JobContext): Promise<string> {
  const given = typeof form.asOf === 'string' && form.asOf.trim() !== '' ? parseAsOf(form.asOf) : undefined;
  const sql = timeRangeSql(form, columns);
  let range: Record<string, unknown>;
  try {
    range = rowsOf(await engine.driver.query(sql, ctx.signal))[0] ?? {};
  } catch (err) {
    throw sqlError(err, sql);
  }
  const first = range.first_event === null || range.first_event === undefined ? null : String(range.first_event);
  const last = range.last_event === null || range.last_event === undefined ? null : String(range.last_event);
  const snapshot = range.snapshot === null || range.snapshot === undefined ? null : String(range.snapshot);
  if (first === null || last === null || snapshot === null) {
    // No events at all: with a date given, building says the result is empty.
    if (given !== undefined) return given;
    throw new EngineError('BAD_INPUT', `The time column "${form.time}" of "${form.table}" has no readable times, so there is no event window (and no as-of date to default to).`);
  }
  // A label window must end within the data (label-window.ts); its default as_of is that many days before the snapshot.
  if (form.labelWindowDays !== undefined) return labelAsOf(given, parseDays(form.labelWindowDays, 'label window'), { first, last, snapshot });
  if (given === undefined) return snapshot;
  if (given <= first.slice(0, 10)) {
    throw new EngineError('BAD_INPUT', `The as-of date ${given} is on or before the first event (${first}): no event falls before it, so every feature window is empty. Choose a later date (the data's snapshot is ${snapshot}).`);
  }
  if (given > snapshot) {
    throw new EngineError('BAD_INPUT', `The as-of date ${given} is after every event (the latest is ${last}): recency and tenure would count days the data does not cover. Use the data's snapshot ${snapshot} (leave the date out) or an earlier date.`);
  }
  return given;
}

/**
 * A lower bound with no event between it and as_of leaves every feature empty (the build would
 * find no rows): refused here, naming the dates. A bound on or after as_of is checkFrom's to refuse.
 */
async function checkFromWindow(engine: DataEngine, form: FeatureForm, columns: ColumnInfo[], asOf: string, ctx: JobContext): Promise<void> {
  const from = typeof form.from === 'string' && form.from.trim() !== '' ? parseAsOf(form.from) : undefined;
  if (from === undefined || from >= asOf) return;
  const sql = timeRangeSql(form, columns, { from, before: asOf });
  let range: Record<string, unknown>;
  try {
    range = rowsOf(await engine.driver.query(sql, ctx.signal))[0] ?? {};
  } catch (err) {
    throw sqlError(err, sql);
  }
  if (range.first_event === null || range.first_event === undefined) {
    const filtered = typeof form.where === 'string' && form.where.trim() !== '' ? ' that passes the filter' : '';
    throw new EngineError('BAD_INPUT', `No event of "${form.table}"${filtered} falls between the lower bound ${from} and the as-of date ${asOf}: every feature window is empty. Choose an earlier lower bound, a later as-of date${filtered ? ' or a wider filter' : ''}.`);
  }
}

/**
 * An all-NULL key or value would otherwise surface as "no events pass the filter" or as a silent
 * 0 monetary: the key is refused and the value warned about, each by its name. A query that fails
 * here (say, a value that is not a number) is left for the build, whose error points into the SQL.
 */
async function checkInputs(engine: DataEngine, form: FeatureForm, columns: ColumnInfo[], ctx: JobContext): Promise<string[]> {
  let counts: Record<string, unknown>;
  try {
    counts = rowsOf(await engine.driver.query(inputCountsSql(form, columns), ctx.signal))[0] ?? {};
  } catch (err) {
    if (err instanceof EngineError && err.code === 'CANCELLED') throw err;
    return [];
  }
  // An empty table is the build's to report ("returned no rows").
  if (Number(counts.n ?? 0) > 0 && Number(counts.keys ?? 0) === 0) {
    throw new EngineError('BAD_INPUT', `The entity key column "${String(form.key)}" of "${form.table}" has no values (it is NULL in every row): there are no entities to build features for. Choose another key column.`);
  }
  if (counts.valued === undefined || Number(counts.events ?? 0) === 0 || Number(counts.valued) !== 0) return [];
  const filtered = typeof form.where === 'string' && form.where.trim() !== '' ? ' that passes the filter' : '';
  return [`The value "${String(form.value).trim()}" is NULL in every event${filtered} before ${String(form.asOf)}: every value feature (monetary, AOV, spend) is 0 or empty for every entity. Check the value column or expression.`];
}

export async function generateFeatures(engine: DataEngine, form: FeatureForm, ctx: JobContext): Promise<FeatureSqlResult> {
  const table = await resolveTableName(engine, form.table);
  const resolved: FeatureForm = { ...form, table };
  const columns: ColumnInfo[] = await engine.columnsOf(table);
  const asOf = await checkedAsOf(engine, resolved, columns, ctx);
  await checkFromWindow(engine, resolved, columns, asOf, ctx);
  const basis = resolved.asOf === undefined || String(resolved.asOf).trim() === '' ? 'snapshot' : 'given';
  resolved.asOf = asOf;
  const inputWarnings = await checkInputs(engine, resolved, columns, ctx);
  let topCategories: string[] | undefined;
  if (needsCategories(resolved)) {
    ctx.progress(0.2, 'finding the most frequent categories');
    const sql = topCategoriesSql(resolved, columns);
    let result: Table;
    try {
      result = await engine.driver.query(sql, ctx.signal);
    } catch (err) {
      // The filter or value expression the user typed is the usual cause; show where.
      throw sqlError(err, sql);
    }
    topCategories = rowsOf(result).map((r) => String(r.category));
  }
  throwIfAborted(ctx.signal);
  const generated = generateFeatureSql(resolved, topCategories ? { columns, topCategories } : { columns }, basis);
  return { ...generated, warnings: [...inputWarnings, ...generated.warnings] };
}

let stageCounter = 0;

/** The step to remember for a build: only when the SQL is still exactly what the step generates (an edit is the user's own SQL). */
async function stepOfBuild(engine: DataEngine, params: FeatureBuildParams, warnings: string[]): Promise<FeatureStep | null> {
  const step = params.step;
  if (step === undefined || step === null) return null;
  const raw = (await engine.tableNames()).find((n) => n === step.table);
  if (raw === undefined) return null;
  let regenerated: string;
  try {
    regenerated = generateFeatureSql(formOfStep(step), { columns: await engine.columnsOf(raw), topCategories: step.categories }).sql;
  } catch {
    return null;
  }
  if (regenerated.trim() !== params.sql.trim()) {
    warnings.push('The SQL was edited after it was generated: a rule pack built on this table reads the table as it is and does not carry the feature step.');
    return null;
  }
  return step;
}

/** Runs feature SQL (generated or edited) into a new table, atomically: a staging table, then a rename. */
export async function buildFeatures(engine: DataEngine, params: FeatureBuildParams, ctx: JobContext): Promise<FeatureBuildResult> {
  const started = Date.now();
  const { sql, outputTable } = params;
  if (typeof sql !== 'string' || sql.trim() === '') throw new EngineError('BAD_INPUT', 'The feature SQL is empty.');
  if (typeof outputTable !== 'string' || outputTable.trim() === '') throw new EngineError('BAD_INPUT', 'Name the output table.');
  if (outputTable.startsWith('__assay_')) throw new EngineError('BAD_INPUT', 'Table names starting with "__assay_" are reserved.');
  const statements = splitStatements(sql);
  if (statements.length !== 1) {
    throw new EngineError('BAD_INPUT', `The feature SQL must be one query (SELECT or WITH); it has ${statements.length} statements.`);
  }
  const keyword = leadingKeyword(sql);
  if (!QUERY_KEYWORDS.has(keyword)) {
    throw new EngineError('BAD_INPUT', `The feature SQL must be a query starting with SELECT or WITH (it starts with ${keyword || 'something else'}).`);
  }
  const existing = (await engine.tableNames()).find((n) => n.toLowerCase() === outputTable.toLowerCase());
  if (existing && params.replace !== true) {
    throw new EngineError('BAD_INPUT', `A table named "${existing}" already exists; choose another name or replace it.`);
  }
  // Keep the user's text as it is (minus a final ";") so error positions point into it.
  const body = sql.replace(/;\s*$/, '');
  const stage = `__assay_features_stage_${++stageCounter}`;
  const wrapper = `CREATE TABLE ${quoteIdent(stage)} AS\n`;
  ctx.progress(0.05, 'building the feature table');
  let staged = false;
  try {
    try {
      await engine.driver.query(`${wrapper}${body}`, ctx.signal);
      staged = true;
    } catch (err) {
      if (err instanceof EngineError && err.code === 'CANCELLED') throw err;
      throw sqlError(err, body, 1, wrapper.length);
    }
    throwIfAborted(ctx.signal);
    ctx.progress(0.85, 'checking the result');
    const columns = (await engine.driver.query(`DESCRIBE ${quoteIdent(stage)}`, ctx.signal)).toArray().map((r: { toJSON(): Record<string, unknown> }) => {
      const row = r.toJSON();
      return { name: String(row.column_name), type: String(row.column_type) };
    });
    const first = columns[0];
    if (!first) throw new EngineError('BAD_INPUT', 'The feature SQL returns no columns.');
    const counts = rowsOf(await engine.driver.query(`SELECT count(*) AS n, count(DISTINCT ${quoteIdent(first.name)}) AS keys FROM ${quoteIdent(stage)}`, ctx.signal))[0] ?? {};
    const rowCount = Number(counts.n ?? 0);
    if (rowCount === 0) {
      throw new EngineError('BAD_INPUT', 'The feature SQL returned no rows: no events before the as-of date pass the filter (or the table is empty).');
    }
    const warnings: string[] = [];
    if (Number(counts.keys ?? 0) !== rowCount) {
      warnings.push(`The first column "${first.name}" is not unique (${Number(counts.keys)} distinct values in ${rowCount} rows): it is not one row per entity.`);
    }
    throwIfAborted(ctx.signal);
    const step = await stepOfBuild(engine, params, warnings);
    if (existing) await engine.driver.query(`DROP TABLE ${quoteIdent(existing)}`);
    await engine.driver.query(`ALTER TABLE ${quoteIdent(stage)} RENAME TO ${quoteIdent(outputTable)}`);
    staged = false;
    if (step) await rememberFeatureStep(engine, outputTable, { ...step, columns: columns.map((c) => c.name) });
    else forgetFeatureStep(engine, outputTable);
    ctx.progress(1, 'done');
    return { name: outputTable, rowCount, columns, elapsedMs: Date.now() - started, warnings };
  } finally {
    if (staged) await engine.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`).catch(() => undefined);
  }
}

/** Registers this area's jobs on the engine host. */
export function registerSegmentJobs(host: JobHost, engine: DataEngine): void {
  const on = jobRegistrar<SegmentJobs>(host);
  on('features.generate', (p, ctx) => generateFeatures(engine, p, ctx));
  on('features.build', (p, ctx) => buildFeatures(engine, p, ctx));
  on('segments.portrait', (p, ctx) => computePortrait(engine, p, ctx));
}
