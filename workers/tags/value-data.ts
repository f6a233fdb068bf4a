/**
 * Where a tag's value (GMV) comes from, given once per evaluation:
 * - the tagged rows themselves (`expression` over their columns): each row's value — row tags on
 *   event rows, or an entity table with a GMV column such as `monetary`;
 * - event rows of another table (`source` + `key`): an entity's value is the SUM of the expression
 *   over its event rows (net: refunds count negative), joined to the tagged entity table by `key`,
 *   which must name one tagged row per entity (refused otherwise); an entity without event rows has
 *   value 0.
 * Rows whose value is NULL (a missing operand, a division by zero) or not finite count as 0, and
 * say so; a value that is NULL on every row is an error, since every figure would be 0.
 */
import type { Table } from 'apache-arrow';
import { vectorToFloat64 } from '../data/arrow-values';
import type { DataEngine } from '../data/engine';
import { plainRows, resolveRelation } from '../data/relation';
import { quoteIdent } from '../data/sql-text';
import type { DataSourceRef } from '../data/types';
import { EngineError } from '../protocol/errors';
import { describeRelation, type ColumnDesc } from './tag-data';
import { checkValueExpr } from './value-expr';

/** The value to judge tags by (job parameter). */
export interface ValueSpec {
  /** Arithmetic over numeric columns, e.g. `Quantity * UnitPrice` or `monetary` (see value-expr.ts). */
  expression: string;
  /** Event rows whose value is summed per entity; the tagged rows' own value when absent. */
  source?: DataSourceRef;
  /** The column naming the entity, in both the tagged table and `source` (needed with `source`). */
  key?: string;
}

/** What the value was and how it was read, for the report beside the per-tag figures. */
export interface ValueSummary {
  /** The expression as parsed (canonical text). */
  expression: string;
  /** 'row': each tagged row's own value; 'entity': summed over the entity's event rows. */
  per: 'row' | 'entity';
  key?: string;
  /** Rows (entities) measured and their net value. */
  entities: number;
  total: number;
  /** Tagged rows whose value was NULL or not finite (counted as 0). */
  missing: number;
  /** Entity mode: entities without event rows (value 0), and event rows whose key names no entity (not counted). */
  entitiesWithoutEvents?: number;
  unmatchedEventRows?: number;
  warnings: string[];
}

export const VALUE_COLUMN = '__assay_value';

export interface PreparedValue {
  /** The tagged relation with one more column, VALUE_COLUMN (DOUBLE). */
  relation: string;
  column: ColumnDesc;
  /** The per-row values of a result holding VALUE_COLUMN (NULL and non-finite as 0), with the summary. */
  read(table: Table, rows?: Uint8Array | null): { values: Float64Array; summary: ValueSummary };
}

function checkSpec(spec: ValueSpec): void {
  if (!spec || typeof spec !== 'object' || typeof spec.expression !== 'string') throw new EngineError('BAD_INPUT', 'The value must be { expression, source?, key? } with the expression as text.');
  if (spec.source !== undefined && (typeof spec.key !== 'string' || spec.key === '')) throw new EngineError('BAD_INPUT', 'Summing the value over event rows needs the key column that names the entity in both tables.');
}

function findKey(columns: ColumnDesc[], key: string, where: string): ColumnDesc {
  const c = columns.find((x) => x.name === key) ?? columns.find((x) => x.name.toLowerCase() === key.toLowerCase());
  if (!c) throw new EngineError('BAD_INPUT', `The key column "${key}" is not in ${where}.`);
  return c;
}

/**
 * Checks the value spec against the data and returns the tagged relation with the value column
 * added (the same rows, in one query, so values line up with whatever else is read with them).
 */
export async function prepareValue(engine: DataEngine, relation: string, columns: ColumnDesc[], spec: ValueSpec, signal?: AbortSignal): Promise<PreparedValue> {
  checkSpec(spec);
  const column: ColumnDesc = { name: VALUE_COLUMN, type: 'DOUBLE', kind: 'numeric' };
  const out = quoteIdent(VALUE_COLUMN);
  const warnings: string[] = [];
  if (spec.source === undefined) {
    const { canonical, sql } = checkValueExpr(spec.expression, columns, 'the tagged data');
    const wrapped = `(SELECT *, ${sql} AS ${out} FROM ${relation})`;
    return { relation: wrapped, column, read: (table, rows) => readValues(table, rows ?? null, { expression: canonical, per: 'row' }, warnings) };
  }
  const events = await resolveRelation(engine, spec.source, 'for the value rows');
  const eventColumns = await describeRelation(engine, events, signal);
  const { canonical, sql } = checkValueExpr(spec.expression, eventColumns, 'the value data');
  const key = spec.key as string;
  const entityKey = findKey(columns, key, 'the tagged data');
  const eventKey = findKey(eventColumns, key, 'the value data');
  // Keys of different kinds (a number in one file, text in the other) are compared as text.
  const same = entityKey.kind === eventKey.kind;
  const ek = same ? quoteIdent(eventKey.name) : `CAST(${quoteIdent(eventKey.name)} AS VARCHAR)`;
  const tk = same ? `__t.${quoteIdent(entityKey.name)}` : `CAST(__t.${quoteIdent(entityKey.name)} AS VARCHAR)`;
  await refuseRepeatedKeys(engine, relation, tk, entityKey.name, signal);
  const perEntity = `(SELECT ${ek} AS __k, sum(${sql}) AS __v FROM ${events} WHERE ${quoteIdent(eventKey.name)} IS NOT NULL GROUP BY 1)`;
  const counts = plainRows(
    await engine.driver.query(
      `SELECT count(*) AS n, count(${sql}) AS valued, count(*) FILTER (WHERE ${quoteIdent(eventKey.name)} IS NULL) AS nokey,
         count(*) FILTER (WHERE ${quoteIdent(eventKey.name)} IS NOT NULL AND ${ek} NOT IN (SELECT ${tk} FROM ${relation} AS __t WHERE ${tk} IS NOT NULL)) AS unmatched
       FROM ${events}`,
      signal,
    ),
  )[0] ?? {};
  const eventRows = Number(counts.n);
  if (eventRows === 0) throw new EngineError('BAD_INPUT', 'The value data has no rows.');
  if (Number(counts.valued) === 0) throw new EngineError('BAD_INPUT', `The value ${canonical} is NULL on every row of the value data (${eventRows.toLocaleString('en-US')} rows); every figure would be 0.`);
  const noKey = Number(counts.nokey);
  const unmatched = Number(counts.unmatched);
  if (noKey > 0) warnings.push(`${noKey.toLocaleString('en-US')} value rows have no ${eventKey.name} and are not counted`);
  if (unmatched > 0) warnings.push(`${unmatched.toLocaleString('en-US')} value rows have a ${eventKey.name} that is not in the tagged data and are not counted`);
  // NULL only for an entity without event rows (its events' NULL values sum to 0, as SUM skips them).
  const wrapped = `(SELECT __t.*, CASE WHEN __e.__k IS NULL THEN NULL ELSE coalesce(__e.__v, 0) END AS ${out} FROM ${relation} AS __t LEFT JOIN ${perEntity} AS __e ON ${tk} = __e.__k)`;
  return {
    relation: wrapped,
    column,
    read: (table, rows) => {
      const result = readValues(table, rows ?? null, { expression: canonical, per: 'entity', key: entityKey.name }, warnings, true);
      result.summary.unmatchedEventRows = unmatched;
      return result;
    },
  };
}

/**
 * The per-entity sum is joined to the tagged rows by key, so a key on several tagged rows would give
 * each of them the entity's whole value and inflate GMV share and lift. Summing instead per entity is
 * not an answer: tags are judged per row, and rows of one entity may carry different tags. Rows
 * without a key are left alone (they match no event rows, so they count as entities without value).
 */
async function refuseRepeatedKeys(engine: DataEngine, relation: string, joinKey: string, keyName: string, signal?: AbortSignal): Promise<void> {
  const [repeated] = plainRows(
    await engine.driver.query(
      `SELECT CAST(k AS VARCHAR) AS example, n, count(*) OVER () AS keys, sum(n) OVER () AS row_count
       FROM (SELECT ${joinKey} AS k, count(*) AS n FROM ${relation} AS __t WHERE ${joinKey} IS NOT NULL GROUP BY 1 HAVING count(*) > 1)
       ORDER BY n DESC, k LIMIT 1`,
      signal,
    ),
  );
  if (!repeated) return;
  const count = (v: unknown): string => Number(v).toLocaleString('en-US');
  const keys = Number(repeated.keys);
  const example = `${keyName} = ${JSON.stringify(String(repeated.example))} is on ${count(repeated.n)} rows`;
  throw new EngineError(
    'BAD_INPUT',
    `The key column "${keyName}" repeats in the tagged data (${example}${keys > 1 ? `; ${count(keys)} keys repeat, on ${count(repeated.row_count)} rows` : ''}): ` +
      `the value summed per entity from the value data would be counted once for each such row, inflating GMV share and lift. ` +
      `Tag a table with one row per ${keyName}, or give the value as an expression over the tagged rows' own columns.`,
  );
}

function readValues(table: Table, rows: Uint8Array | null, head: Pick<ValueSummary, 'expression' | 'per' | 'key'>, fixed: readonly string[], entityMode = false): { values: Float64Array; summary: ValueSummary } {
  const n = table.numRows;
  const values = vectorToFloat64(table.getChild(VALUE_COLUMN), n);
  let missing = 0;
  let entities = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      values[i] = 0;
      if (!rows || rows[i]) missing++;
    }
    if (!rows || rows[i]) {
      entities++;
      total += values[i] as number;
    }
  }
  const warnings = [...fixed];
  const summary: ValueSummary = { ...head, entities, total, missing, warnings };
  if (entityMode) {
    summary.entitiesWithoutEvents = missing;
    summary.missing = 0;
    if (entities > 0 && missing === entities) throw new EngineError('BAD_INPUT', `No tagged entity has rows in the value data (matched by ${head.key}); check the key column.`);
    if (missing > 0) warnings.push(`${missing.toLocaleString('en-US')} of ${entities.toLocaleString('en-US')} entities ${missing === 1 ? 'has' : 'have'} no rows in the value data; their value is 0`);
  } else {
    if (entities > 0 && missing === entities) throw new EngineError('BAD_INPUT', `The value ${head.expression} is NULL on every row (${entities.toLocaleString('en-US')} rows); every figure would be 0.`);
    if (missing > 0) warnings.push(`${missing.toLocaleString('en-US')} of ${entities.toLocaleString('en-US')} rows ${missing === 1 ? 'has' : 'have'} no value (NULL: a missing operand or a division by zero); they count as 0`);
  }
  if (entities > 0 && total <= 0) warnings.push(total === 0 ? 'the total value is 0: shares and lifts are undefined' : `the total net value is negative (${total.toLocaleString('en-US')}): refunds exceed sales, so shares and lifts are computed on net value`);
  return { values, summary };
}
