/**
 * Which feature step built which table, per engine: features.build remembers the step when the
 * table is exactly what the step generates, so a pack built on that table later carries its
 * features (packs/service.ts). A table rebuilt from edited SQL, or replaced, forgets its step.
 */
import type { DataEngine } from '../data/engine';
import type { FeatureStep } from './types';

const registry = new WeakMap<DataEngine, Map<string, FeatureStep>>();

function tablesOf(engine: DataEngine): Map<string, FeatureStep> {
  let tables = registry.get(engine);
  if (!tables) {
    tables = new Map();
    registry.set(engine, tables);
  }
  return tables;
}

/** DuckDB table names are case-insensitive. */
const keyOf = (table: string): string => table.toLowerCase();

export function rememberFeatureStep(engine: DataEngine, table: string, step: FeatureStep): void {
  tablesOf(engine).set(keyOf(table), structuredClone(step));
}

export function forgetFeatureStep(engine: DataEngine, table: string): void {
  tablesOf(engine).delete(keyOf(table));
}

/** The step that built `table`, when the engine built it from one. */
export function recordedFeatureStep(engine: DataEngine, table: string): FeatureStep | undefined {
  const step = tablesOf(engine).get(keyOf(table));
  return step === undefined ? undefined : structuredClone(step);
}
