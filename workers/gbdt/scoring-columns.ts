/**
 * Before a stored model reads a relation it was not trained on (scoring, evaluation on a table):
 * every column it needs must be there, with a type its encoding SQL reads as training did. A new
 * month's file often loads a column differently (a date that no longer parses reads as text, one
 * "n/a" turns a number column into text); DuckDB would then fail deep inside the encoding query
 * (a Binder or Conversion Error), or, for text levels, match silently less. Found here first, the
 * refusal names the column, both types and the source.
 *
 * Accepted where the SQL works and means the same: any number or boolean for a number, DATE or
 * TIMESTAMP for a date, DATE or any TIMESTAMP for a timestamp, any text for text; text holding
 * only numbers for a number; a number, date or boolean for text when every level the model
 * compares with reads back the same (level "7" still matches 7, level "007" would not).
 */
import { Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { DuckDriver } from '../data/driver';
import type { DataSourceRef } from '../data/types';
import { plainRows } from '../data/relation';
import { quoteIdent } from '../data/sql-text';
import { EngineError } from '../protocol/errors';
import { sourceKind, type FeatureEncoding } from './encoding';

/** How a model's encoding reads a source column. */
export type ColumnUse = 'number' | 'date' | 'timestamp' | 'text';

export interface NeededColumn {
  name: string;
  use: ColumnUse;
  /** The column's type in training, as the refusal names it (a DuckDB type, or words). */
  trainedAs: string;
  /** Text levels the model compares the column with; undefined when it hashes the text instead. */
  levels?: readonly string[];
}

/** How a refusal names the scored data and writes it in an example query. */
export interface ScoredSource {
  where: string;
  from: string;
}

export function scoredSource(source: DataSourceRef | undefined): ScoredSource {
  if (source && 'table' in source && typeof source.table === 'string') return { where: `"${source.table}"`, from: quoteIdent(source.table) };
  return { where: 'the query', from: '(your query)' };
}

/** What a GBDT model's encoding needs, one entry per source column. */
export function gbdtNeededColumns(encoding: FeatureEncoding): NeededColumn[] {
  const byName = new Map<string, NeededColumn & { levels?: string[] }>();
  const recorded = new Map(encoding.columns.map((c) => [c.name, c.type]));
  for (const spec of encoding.features) {
    const use: ColumnUse = spec.kind === 'onehot' ? 'text' : spec.kind === 'numeric' ? 'number' : spec.kind;
    let entry = byName.get(spec.column);
    if (!entry) {
      entry = { name: spec.column, use, trainedAs: recorded.get(spec.column) ?? USE_WORDS[use], ...(use === 'text' ? { levels: [] } : {}) };
      byName.set(spec.column, entry);
    }
    if (spec.kind === 'onehot') entry.levels?.push(spec.level);
  }
  return [...byName.values()];
}

const USE_WORDS: Record<ColumnUse, string> = { number: 'a number', date: 'a date', timestamp: 'a timestamp', text: 'text' };

/** The type a column should read as, for the refusal's advice. */
const WANT: Record<ColumnUse, string> = { number: 'DOUBLE', date: 'DATE', timestamp: 'TIMESTAMP', text: 'VARCHAR' };

let levelTables = 0;

/**
 * Refuses, in words, data that lacks a needed column or holds one in a type the encoding cannot
 * read as it did in training. Reads rows only when a type differs: text in a number column is
 * scanned for a value that is not a number, and a text column's levels are cast to the new type.
 */
export async function checkScoringColumns(
  driver: DuckDriver,
  relation: string,
  columns: ReadonlyArray<{ name: string; type: string }>,
  needed: readonly NeededColumn[],
  source: ScoredSource,
  signal?: AbortSignal,
): Promise<void> {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  for (const need of needed) {
    if (!types.has(need.name)) throw new EngineError('BAD_INPUT', `The data has no column "${need.name}", which the model needs.`);
  }
  for (const need of needed) {
    const type = types.get(need.name) as string;
    const kind = sourceKind(type);
    const col = quoteIdent(need.name);
    let detail = '';
    switch (need.use) {
      case 'number':
        if (kind === 'numeric' || kind === 'boolean') continue;
        if (kind === 'text') {
          const bad = plainRows(await driver.query(`SELECT CAST(${col} AS VARCHAR) AS v FROM ${relation} WHERE ${col} IS NOT NULL AND TRY_CAST(${col} AS DOUBLE) IS NULL LIMIT 1`, signal))[0];
          if (!bad) continue;
          detail = `: values such as "${clip(String(bad.v))}" are not numbers`;
        }
        break;
      case 'date':
        // date_diff on a TIMESTAMPTZ needs ICU (duckdb-wasm has none) and the session's time zone.
        if (kind === 'date' || (kind === 'timestamp' && !/TIME ZONE|TZ$/i.test(type))) continue;
        break;
      case 'timestamp':
        if (kind === 'date' || kind === 'timestamp') continue;
        break;
      case 'text': {
        if (kind === 'text') continue;
        if (kind === 'unsupported') break;
        if (need.levels === undefined) {
          detail = ': the model hashes its text, and a number or date can read back written another way';
          break;
        }
        const changed = await changedLevel(driver, need.levels, type, signal);
        if (changed === null) continue;
        detail = changed === 'unknown' ? '' : `: the model's level "${clip(changed.level)}" reads back as "${clip(changed.as)}", so rows that held it would no longer match`;
        break;
      }
    }
    throw new EngineError('BAD_INPUT', await refusal(driver, relation, need, type, detail, source, signal));
  }
}

async function refusal(driver: DuckDriver, relation: string, need: NeededColumn, type: string, detail: string, source: ScoredSource, signal?: AbortSignal): Promise<string> {
  const col = quoteIdent(need.name);
  const want = WANT[need.use];
  const convert = need.use === 'text' ? `CAST(${col} AS VARCHAR)` : `TRY_CAST(${col} AS ${want})`;
  let text = `Column "${need.name}" was ${need.trainedAs} when the model was trained and is ${type} in ${source.where}${detail}.`;
  // A file with a header and no rows reads every column as text: say so, or the advice misleads.
  if (sourceKind(type) === 'text') {
    const n = Number(plainRows(await driver.query(`SELECT count(*) AS n FROM ${relation}`, signal))[0]?.n ?? 0);
    if (n === 0) return `${text} The data has no rows, so every column reads as text.`;
  }
  text += ` Convert it in a query (SELECT * REPLACE (${convert} AS ${col}) FROM ${source.from}`;
  if (need.use === 'date' || need.use === 'timestamp') text += `, or strptime(${col}, '<its format>') for another date format`;
  return `${text}) or reload the file so that column reads as ${need.use === 'text' ? 'text' : want}.`;
}

/**
 * A level whose text changes through the column's new type (it parses, and reads back otherwise);
 * null when none does; 'unknown' when DuckDB cannot cast to that type here (a TIMESTAMPTZ without ICU).
 */
async function changedLevel(driver: DuckDriver, levels: readonly string[], type: string, signal?: AbortSignal): Promise<{ level: string; as: string } | null | 'unknown'> {
  if (levels.length === 0) return null;
  // Uploaded as a table: a vocabulary can hold far more levels than a query's text should.
  const table = `__assay_levels_${++levelTables}`;
  await driver.insertArrowIPC(table, tableToIPC(new Table({ level: vectorFromArray([...levels], new Utf8()) }), 'stream'), true);
  try {
    const as = `CAST(TRY_CAST("level" AS ${type}) AS VARCHAR)`;
    const sql = `SELECT "level", ${as} AS "as" FROM ${quoteIdent(table)} WHERE ${as} IS NOT NULL AND ${as} <> "level" LIMIT 1`;
    let result: Table;
    try {
      result = await driver.query(sql, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      return 'unknown';
    }
    const row = plainRows(result)[0];
    return row ? { level: String(row.level), as: String(row.as) } : null;
  } finally {
    await driver.query(`DROP TABLE IF EXISTS ${quoteIdent(table)}`).catch(() => undefined);
  }
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
