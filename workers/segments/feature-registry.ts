/**
 * Which feature step built which table, per engine: features.build remembers the step when the
 * table is exactly what the step generates, so a pack built on that table later carries its
 * features (packs/service.ts). A table rebuilt from edited SQL forgets its step; so does a table
 * replaced, dropped or renamed by anything else (data.open with replace, data.drop, data.rename,
 * SQL, labels.apply, model.predict...): the step is kept with the table's fingerprint, DuckDB's
 * catalog oid (new for every CREATE, CREATE OR REPLACE and RENAME) and its row count (INSERT,
 * DELETE), and a table whose fingerprint changed has no step.
 */
import { rowsOf } from '../data/arrow-values';
import type { DataEngine } from '../data/engine';
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import type { FeatureStep } from './types';

interface Recorded {
  step: FeatureStep;
  fingerprint: string;
}

const registry = new WeakMap<DataEngine, Map<string, Recorded>>();

function tablesOf(engine: DataEngine): Map<string, Recorded> {
  let tables = registry.get(engine);
  if (!tables) {
    tables = new Map();
    registry.set(engine, tables);
  }
  return tables;
}

/** DuckDB table names are case-insensitive. */
const keyOf = (table: string): string => table.toLowerCase();

/** The table's catalog oid and row count, or null when there is no such table. */
async function fingerprintOf(engine: DataEngine, table: string, signal?: AbortSignal): Promise<string | null> {
  const found = rowsOf(
    await engine.driver.query(
      `SELECT table_oid AS oid, table_name AS name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = current_schema() AND lower(table_name) = ${quoteLiteral(keyOf(table))}`,
      signal,
    ),
  )[0];
  if (!found) return null;
  const counted = rowsOf(await engine.driver.query(`SELECT count(*) AS n FROM ${quoteIdent(String(found.name))}`, signal))[0];
  return `${String(found.oid)}:${String(counted?.n ?? '')}`;
}

export async function rememberFeatureStep(engine: DataEngine, table: string, step: FeatureStep, signal?: AbortSignal): Promise<void> {
  const fingerprint = await fingerprintOf(engine, table, signal);
  if (fingerprint === null) tablesOf(engine).delete(keyOf(table));
  else tablesOf(engine).set(keyOf(table), { step: structuredClone(step), fingerprint });
}

export function forgetFeatureStep(engine: DataEngine, table: string): void {
  tablesOf(engine).delete(keyOf(table));
}

/** The step that built `table`, when the engine built it from one and the table is still that one. */
export async function recordedFeatureStep(engine: DataEngine, table: string, signal?: AbortSignal): Promise<FeatureStep | undefined> {
  const recorded = tablesOf(engine).get(keyOf(table));
  if (recorded === undefined) return undefined;
  if ((await fingerprintOf(engine, table, signal)) !== recorded.fingerprint) {
    forgetFeatureStep(engine, table);
    return undefined;
  }
  return structuredClone(recorded.step);
}
