/**
 * Pages of a table's rows for the Data view's preview grid, read through the engine's query jobs:
 * each page is one `SELECT * ... LIMIT/OFFSET` whose rows come back inline, and its result handle
 * is released at once, so the table is never copied into a kept result.
 */
import type { EngineClient, QueryResult } from '../../../workers/api';
import { quoteIdentifier } from '../sql/schema-completion';

/** The SQL of one page of a table, in the table's stored row order. */
export function tablePageSql(table: string, offset: number, limit: number): string {
  const safeLimit = Math.max(0, Math.floor(limit));
  const safeOffset = Math.max(0, Math.floor(offset));
  return `SELECT * FROM ${quoteIdentifier(table)} LIMIT ${safeLimit}${safeOffset > 0 ? ` OFFSET ${safeOffset}` : ''}`;
}

/** One page of rows (Arrow IPC in `preview`), with the result's handle already released. */
export async function fetchTablePage(engine: EngineClient, table: string, offset: number, limit: number, signal?: AbortSignal): Promise<QueryResult> {
  const result = await engine.run('sql.run', { sql: tablePageSql(table, offset, limit), preview: limit }, signal ? { signal } : {});
  if (result.resultId !== null) void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
  return result;
}
