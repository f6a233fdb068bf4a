import type { DataEngine } from '../data/engine';
import { quoteIdent } from '../data/sql-text';
import { EngineError } from '../protocol/errors';

/** A column that identifies every row of a table: unique and never NULL (checked in DuckDB). */
export interface KeyCandidate {
  name: string;
  type: string;
  /** The name reads like an identifier (id, key, uuid, ...): picked without asking. */
  idLike: boolean;
}

export interface KeyCandidates {
  rows: number;
  /** Unique, non-NULL columns; id-like names first, then in table order. */
  candidates: KeyCandidate[];
  /** Why no column qualifies (plain words), when none does. */
  reason?: string;
}

/** Names that read like identifiers: `id`, `user_id`, `CustomerID`, `order key`, `uuid`. */
export function isIdLike(name: string): boolean {
  return /(^|[_\s.-])(id|key|uuid|guid)$/i.test(name) || /[a-z0-9](Id|ID|Key|Uuid|UUID)$/.test(name) || /^(id|key|uuid|guid)$/i.test(name);
}

/** Types a key can have. Floating point, booleans and time stamps are unique only by accident. */
const KEY_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|VARCHAR|UUID|DECIMAL\(\d+,\s*0\))$/i;

const count = (n: number): string => n.toLocaleString('en-US');

/** The columns of a relation that could key it, in one scan. */
export async function keyCandidates(engine: DataEngine, relation: string, columns: Array<{ name: string; type: string }>, signal?: AbortSignal): Promise<KeyCandidates> {
  const typed = columns.filter((c) => KEY_TYPE.test(c.type));
  const figures = typed.map((c, i) => `count(DISTINCT ${quoteIdent(c.name)}) AS d${i}, count(${quoteIdent(c.name)}) AS c${i}`);
  const table = await engine.driver.query(`SELECT count(*) AS n${figures.map((f) => `, ${f}`).join('')} FROM ${relation}`, signal);
  const value = (name: string): number => Number(table.getChild(name)?.get(0) ?? 0);
  const rows = value('n');
  const unique = typed.filter((_, i) => value(`d${i}`) === rows && value(`c${i}`) === rows);
  const candidates = [...unique.filter((c) => isIdLike(c.name)), ...unique.filter((c) => !isIdLike(c.name))].map((c) => ({ name: c.name, type: c.type, idLike: isIdLike(c.name) }));
  if (candidates.length > 0) return { rows, candidates };
  const reason =
    rows === 0
      ? 'the table has no rows'
      : typed.length === 0
        ? 'no column has a type a key can have (whole numbers or text)'
        : `no whole-number or text column has a distinct, non-empty value on each of the ${count(rows)} rows`;
  return { rows, candidates, reason };
}

/** Refuses a key column that does not identify every row: NULLs or repeated values, with an example. `where` names the data in messages. */
export async function checkKeyColumn(engine: DataEngine, relation: string, where: string, key: string, signal?: AbortSignal): Promise<void> {
  const k = quoteIdent(key);
  const stats = await engine.driver.query(`SELECT count(*) AS n, count(${k}) AS filled, count(DISTINCT ${k}) AS distinct_values FROM ${relation}`, signal);
  const get = (name: string): number => Number(stats.getChild(name)?.get(0) ?? 0);
  const rows = get('n');
  const filled = get('filled');
  const distinct = get('distinct_values');
  const advice = 'Name a column with a distinct value on every row, or leave the key out to tag rows (each output row then carries its own columns).';
  if (filled < rows) throw new EngineError('BAD_INPUT', `The key column "${key}" is empty on ${count(rows - filled)} of ${count(rows)} rows of ${where}; a key must name every row. ${advice}`);
  if (distinct < rows) {
    const example = await engine.driver.query(
      `SELECT CAST(${k} AS VARCHAR) AS v, count(*) AS c FROM ${relation} GROUP BY ${k} HAVING count(*) > 1 ORDER BY c DESC, v LIMIT 1`,
      signal,
    );
    const shown = String(example.getChild('v')?.get(0) ?? '');
    const times = Number(example.getChild('c')?.get(0) ?? 0);
    throw new EngineError(
      'BAD_INPUT',
      `The key column "${key}" does not identify rows of ${where}: its ${count(rows)} rows hold ${count(distinct)} distinct values ("${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}" is on ${count(times)} rows). ${advice}`,
    );
  }
}

/** The column numberedRows adds. */
export const ROW = '__assay_row';

/** The relation with its row number (1-based, in table order) as `__assay_row`: a row's identity on the same data. */
export function numberedRows(relation: string, columns: Array<{ name: string }>): string {
  // DuckDB's rowid is the table's storage order; a user column named rowid would hide it.
  const position = columns.some((c) => c.name.toLowerCase() === 'rowid') ? 'row_number() OVER () - 1' : 'rowid';
  return `(SELECT *, ${position} + 1 AS ${quoteIdent(ROW)} FROM ${relation})`;
}
