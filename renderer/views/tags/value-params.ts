/**
 * The value (GMV) part of the Validate tab: an optional value expression (e.g. Quantity * UnitPrice)
 * and an optional GMV-lift gate, added to the validation parameters. Checked by the engine (the
 * expression's columns and types); here only that a gate has a value to read and is a number.
 */
import type { TagsValidateParams } from '../../../workers/api';

export interface ValueFields {
  /** The value expression as typed; blank: no value figures. */
  expression: string;
  /** Minimum GMV lift per tag as typed; blank: no value gate. */
  minLift: string;
}

export type ValueParamsResult = { ok: true; value: TagsValidateParams } | { ok: false; problems: string[] };

export function withValueParams(params: TagsValidateParams, fields: ValueFields): ValueParamsResult {
  const expression = fields.expression.trim();
  const liftText = fields.minLift.trim();
  const problems: string[] = [];
  let minLift: number | undefined;
  if (liftText !== '') {
    minLift = Number(liftText);
    if (!Number.isFinite(minLift) || minLift < 0) problems.push(`The GMV lift gate must be a number ≥ 0 (got "${liftText}").`);
    if (expression === '') problems.push('A GMV lift gate needs a value expression (e.g. Quantity * UnitPrice).');
  }
  if (problems.length > 0) return { ok: false, problems };
  if (expression === '') return { ok: true, value: params };
  const next: TagsValidateParams = { ...params, value: { expression } };
  if (minLift !== undefined) next.gates = { ...params.gates, perTag: [...(params.gates?.perTag ?? []), { metric: 'valueLift', min: minLift }] };
  return { ok: true, value: next };
}
