/**
 * Where a pack reads in production, given apart from the SQL: a table name (qualified names such
 * as `dw.events` are fine) and an optional partition/filter predicate in the rule language, parsed
 * here and printed per dialect (never pasted as text that happens to contain WHERE). And which
 * relation a given table is for a pack that carries its feature step: the features, or the raw
 * events they are computed from (with the columns the step reads checked, by name).
 */
import { EngineError } from '../protocol/errors';
import { ruleColumns, type RuleExpr } from '../tags/ast';
import { parseRule } from '../tags/parser';
import type { FeatureStep } from '../segments/types';
import { valueColumns } from '../tags/value-expr';
import type { EventSource } from './dialects/feature-sql';
import { DIALECTS } from './dialects/dialect';
import { featureStepCtes } from './dialects/feature-sql';
import type { RulePack } from './schema';

const NAME_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `dw.events` -> ['dw', 'events']: one to three parts of letters, digits and _ (catalog.schema.table). */
export function parseSourceTable(text: string): string[] {
  const trimmed = text.trim();
  const parts = trimmed.split('.');
  if (trimmed === '' || parts.length > 3 || parts.some((p) => !NAME_PART.test(p))) {
    throw new EngineError('BAD_INPUT', `The source table ${JSON.stringify(text)} is not a table name: give one to three parts of letters, digits and _ joined by dots (e.g. dw.events or hive.dw.events).`);
  }
  return parts;
}

/** The partition/filter predicate, parsed in the rule language (`dt = '2024-01-01' AND region IN ('eu')`). */
export function parseSourceWhere(text: string): RuleExpr {
  try {
    return parseRule(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new EngineError('BAD_INPUT', `The source predicate ${JSON.stringify(text)} does not parse: ${reason}. Write it in the rule language, e.g. dt = '2024-01-01' AND region IN ('eu', 'us').`);
  }
}

/** The production source from the command line's --source-table / --source-where (the pack's own table when no name is given). */
export function eventSource(pack: RulePack, table: string | undefined, where: string | undefined): EventSource | undefined {
  if (table === undefined && where === undefined) return undefined;
  const name = table !== undefined ? parseSourceTable(table) : [pack.features?.table ?? pack.entity.table];
  return where !== undefined && where.trim() !== '' ? { table: name, where: parseSourceWhere(where) } : { table: name };
}

/** The raw columns a feature step reads, each with what reads it. */
export function stepColumns(step: FeatureStep): Array<{ column: string; role: string }> {
  const out: Array<{ column: string; role: string }> = [
    { column: step.key, role: 'the entity key' },
    { column: step.time, role: 'the event time' },
  ];
  if (step.order) out.push({ column: step.order, role: 'the order key' });
  if (step.eventType) out.push({ column: step.eventType, role: 'the event type' });
  if (step.category) out.push({ column: step.category, role: 'the category' });
  if (step.session) out.push({ column: step.session, role: 'the session key' });
  if (step.item) out.push({ column: step.item, role: 'the item' });
  if (step.value) for (const column of valueColumns(step.value.ast)) out.push({ column, role: 'the value expression' });
  if (step.where) for (const column of ruleColumns(step.where.ast)) out.push({ column, role: 'the cleaning filter' });
  return out;
}

/**
 * How a pack reads a table with these columns: as its entity features ('features': it has every
 * feature column, or the pack has no feature step) or as the raw events its step starts from
 * ('events'). A table that is neither is refused, naming the raw columns it lacks.
 */
export function tableRole(pack: RulePack, columns: ReadonlyArray<{ name: string }>, what: string): 'features' | 'events' {
  const step = pack.features;
  if (step === null) return 'features';
  const have = new Set(columns.map((c) => c.name.toLowerCase()));
  if (step.columns.every((c) => have.has(c.toLowerCase()))) return 'features';
  const missing = new Map<string, string[]>();
  for (const { column, role } of stepColumns(step)) if (!have.has(column.toLowerCase())) missing.set(column, [...(missing.get(column) ?? []), role]);
  if (missing.size > 0) {
    const list = [...missing].map(([column, roles]) => `"${column}" (${[...new Set(roles)].join(', ')})`).join(', ');
    throw new EngineError(
      'BAD_INPUT',
      `${what} lacks column${missing.size > 1 ? 's' : ''} ${list} that the pack's feature step reads from the raw events; its columns are ${columns.map((c) => `"${c.name}"`).join(', ')}.`,
      { missing: [...missing.keys()] },
    );
  }
  return 'events';
}

/** The pack's features computed in DuckDB from a raw events relation, as a parenthesised query. */
export function featuresFromEvents(pack: RulePack, eventsTable: string): string {
  if (pack.features === null) throw new EngineError('BAD_INPUT', 'The pack records no feature step.');
  const { ctes } = featureStepCtes(pack.features, DIALECTS.duckdb, { table: [eventsTable] });
  return `(WITH ${ctes.join(',\n')}\nSELECT * FROM assay_features)`;
}
