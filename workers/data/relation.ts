/** Where a job's rows come from: a loaded table or a query, resolved to SQL the engine can select from. */
import type { Table } from 'apache-arrow';
import type { DataSourceRef } from './types';
import { EngineError } from '../protocol/errors';
import type { DataEngine } from './engine';
import { quoteIdent } from './sql-text';

/**
 * The SQL relation for a source: the quoted name of a loaded table (matched exactly, then ignoring
 * case) or the user's query in parentheses. `purpose` finishes the sentence "Choose a table or
 * write a query ..." when neither is given.
 */
export async function resolveRelation(engine: DataEngine, source: DataSourceRef | undefined, purpose: string): Promise<string> {
  if (source && typeof source === 'object' && 'table' in source && typeof source.table === 'string') {
    const names = await engine.tableNames();
    const name = names.find((n) => n === source.table) ?? names.find((n) => n.toLowerCase() === source.table.toLowerCase());
    if (!name) throw new EngineError('NOT_FOUND', `There is no table named "${source.table}".`);
    return quoteIdent(name);
  }
  if (source && typeof source === 'object' && 'sql' in source && typeof source.sql === 'string' && source.sql.trim()) {
    return `(${source.sql.trim().replace(/;\s*$/, '')})`;
  }
  throw new EngineError('BAD_INPUT', `Choose a table or write a query ${purpose}.`);
}

let stableCopies = 0;

/**
 * A relation whose rows come back in the same order on every read: a table as it is (DuckDB keeps
 * insertion order), a query copied once into a temporary table (a query without ORDER BY, or
 * with a random one, may return its rows in another order each time). `release` drops the copy.
 */
export async function stableRelation(engine: DataEngine, relation: string, signal?: AbortSignal): Promise<{ relation: string; release(): Promise<void> }> {
  if (!relation.startsWith('(')) return { relation, release: async () => undefined };
  const name = quoteIdent(`__assay_rows_${++stableCopies}`);
  try {
    await engine.driver.query(`CREATE OR REPLACE TEMP TABLE ${name} AS SELECT * FROM ${relation}`, signal);
  } catch (error) {
    // A cancel can land after the copy was made: nobody holds `release` yet, so drop it here.
    await engine.driver.query(`DROP TABLE IF EXISTS ${name}`).catch(() => undefined);
    throw error;
  }
  return {
    relation: name,
    release: async () => {
      await engine.driver.query(`DROP TABLE IF EXISTS ${name}`).catch(() => undefined);
    },
  };
}

/** A relation's columns with their DuckDB types. */
export async function describeRelation(engine: DataEngine, relation: string, signal?: AbortSignal): Promise<Array<{ name: string; type: string }>> {
  const t = await engine.driver.query(`DESCRIBE SELECT * FROM ${relation}`, signal);
  return plainRows(t).map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
}

/** An Arrow result as plain row objects (for small results: counts, DESCRIBE, aggregates). */
export function plainRows(table: Table): Array<Record<string, unknown>> {
  return table.toArray().map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
}
