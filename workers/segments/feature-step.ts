/**
 * The feature step as data: what a rule pack records so that production computes the entity
 * features from the raw event table exactly as the app did (template, columns, cleaning filter,
 * value expression, the top categories found on the build data, as_of). The app's DuckDB text and
 * every pack dialect are printed from the same record (packs/dialects/feature-sql.ts).
 */
import type { ColumnInfo } from '../data/types';
import { isZonedTimestamp } from '../data/zoned-time';
import type { RuleExpr } from '../tags/ast';
import { parseRule } from '../tags/parser';
import { ruleColumns } from '../tags/ast';
import type { FeatureForm, FeatureStep, FeatureTimeKind } from './types';
import { parseValueExpr, mapValueColumns, valueColumns, type ValueExpr } from '../tags/value-expr';
import { isNumericTypeName as isNumericType } from '../data/type-names';

export const FEATURE_TIME_KINDS: readonly FeatureTimeKind[] = ['timestamp', 'timestamptz', 'date', 'text', 'epoch_seconds', 'epoch_milliseconds'];

export function timeKindOf(type: string, unit: FeatureForm['timeUnit']): FeatureTimeKind {
  if (isNumericType(type)) return unit === 'milliseconds' ? 'epoch_milliseconds' : 'epoch_seconds';
  if (/^TIMESTAMP$/i.test(type)) return 'timestamp';
  // Not 'text': a plain cast of a zoned value follows the session's time zone (DuckDB with ICU).
  if (isZonedTimestamp(type)) return 'timestamptz';
  if (/^DATE$/i.test(type)) return 'date';
  return 'text';
}

/** Renames every column reference in a rule tree. */
function mapRuleColumns(expr: RuleExpr, rename: (name: string) => string): RuleExpr {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const obj = node as Record<string, unknown>;
    if (obj.kind === 'column' && typeof obj.name === 'string') return { kind: 'column', name: rename(obj.name) };
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, walk(v)]));
  };
  return walk(expr) as RuleExpr;
}

/**
 * The recordable step of a resolved form, or why it cannot travel in a pack (a filter or value
 * expression outside the portable subset, a column the table lacks). Columns are spelled as the
 * table spells them.
 */
export function featureStepOf(
  form: FeatureForm & { asOf: string },
  plan: { key: string; time: string; timeType: string; order?: string | undefined; eventType?: string | undefined; category?: string | undefined; session?: string | undefined; item?: string | undefined; windows?: number[] | undefined; from?: string | undefined; stages: FeatureStep['eventValues']; topN: number },
  columns: ColumnInfo[],
  categories: string[],
  outputColumns: string[],
): { step: FeatureStep } | { problem: string } {
  const spell = (name: string, role: string): string => {
    const found = columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new Error(`the ${role} reads "${name}", which is not a column of "${form.table}"`);
    return found.name;
  };
  try {
    const step: FeatureStep = {
      template: form.template,
      table: form.table,
      key: plan.key,
      time: plan.time,
      timeKind: timeKindOf(plan.timeType, form.timeUnit),
      utcOffsetHours: form.utcOffsetHours ?? 0,
      eventValues: plan.stages,
      topCategories: plan.topN,
      categories,
      asOf: form.asOf,
      columns: outputColumns,
    };
    if (plan.order) step.order = plan.order;
    if (plan.eventType) step.eventType = plan.eventType;
    if (plan.category) step.category = plan.category;
    if (plan.session) step.session = plan.session;
    if (plan.item) step.item = plan.item;
    if (plan.windows) step.windows = [...plan.windows];
    if (plan.from) step.from = plan.from;
    const value = form.value?.trim();
    if (value) {
      let ast: ValueExpr;
      try {
        ast = parseValueExpr(value);
      } catch (err) {
        const why = (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
        throw new Error(`${why} (a pack can carry only columns, numbers, + - * / and parentheses)`);
      }
      valueColumns(ast).forEach((c) => spell(c, 'value expression'));
      step.value = { text: value, ast: mapValueColumns(ast, (c) => spell(c, 'value expression')) };
    }
    const where = form.where?.trim();
    if (where) {
      let ast: RuleExpr;
      try {
        ast = parseRule(where);
      } catch (err) {
        throw new Error(`the filter ${JSON.stringify(where)} is not in the rule language a pack can print for every engine (${err instanceof Error ? err.message : String(err)})`);
      }
      ruleColumns(ast).forEach((c) => spell(c, 'filter'));
      step.where = { text: where, ast: mapRuleColumns(ast, (c) => spell(c, 'filter')) };
    }
    return { step };
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
}

/** The form a step was recorded from (to regenerate and compare its DuckDB text). */
export function formOfStep(step: FeatureStep): FeatureForm {
  const form: FeatureForm = {
    template: step.template,
    table: step.table,
    key: step.key,
    time: step.time,
    asOf: step.asOf,
    eventValues: step.eventValues,
    topCategories: step.topCategories,
  };
  if (step.timeKind === 'epoch_milliseconds') form.timeUnit = 'milliseconds';
  if (step.timeKind === 'epoch_seconds') form.timeUnit = 'seconds';
  if (step.utcOffsetHours !== 0) form.utcOffsetHours = step.utcOffsetHours;
  if (step.order) form.order = step.order;
  if (step.eventType) form.eventType = step.eventType;
  if (step.category) form.category = step.category;
  if (step.session) form.session = step.session;
  if (step.item) form.item = step.item;
  if (step.windows) form.windows = [...step.windows];
  if (step.from) form.from = step.from;
  if (step.value) form.value = step.value.text;
  if (step.where) form.where = step.where.text;
  return form;
}
