import { EngineError } from '../protocol/errors';
import type { Objective } from './params';
import type { LabelInfo } from './types';

const KIND_OF: Record<Objective, LabelInfo['kind']> = { 'binary:logistic': 'binary', 'multi:softprob': 'multiclass', 'reg:squarederror': 'regression' };

/**
 * The assay_label attribute of an imported model, checked against its objective. The label names
 * the positive class (and the classes' order), so a damaged one is refused: read as it is, it could
 * turn which rows count as positive around without a word.
 */
export function readLabelAttribute(text: string, objective: Objective, groups: number): LabelInfo {
  const damaged = (what: string): EngineError => new EngineError('BAD_INPUT', `The model's label (attribute assay_label) is damaged: ${what}. Export the model again from Assay.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw damaged('it is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw damaged('it is not an object');
  const v = value as Partial<Record<keyof LabelInfo, unknown>>;
  const kind = KIND_OF[objective];
  if (v.kind !== kind) throw damaged(`it says ${JSON.stringify(v.kind) ?? 'nothing'} where a ${objective} model has a ${kind} label`);
  const isText = (x: unknown): x is string => typeof x === 'string';
  if (kind === 'binary') {
    if (v.positive !== undefined && !isText(v.positive)) throw damaged('its positive class is not text');
    if (v.negative !== undefined && !isText(v.negative)) throw damaged('its negative class is not text');
    if (v.positive !== undefined && v.positive === v.negative) throw damaged(`its positive and negative classes are both "${v.positive}"`);
    return { kind, ...(v.positive !== undefined ? { positive: v.positive } : {}), ...(v.negative !== undefined ? { negative: v.negative } : {}) };
  }
  if (kind === 'multiclass') {
    if (v.classes === undefined) return { kind };
    if (!Array.isArray(v.classes) || !v.classes.every(isText)) throw damaged('its classes are not a list of text');
    if (v.classes.length !== groups) throw damaged(`it names ${v.classes.length} classes where the model has ${groups}`);
    if (new Set(v.classes).size !== v.classes.length) throw damaged('it names a class twice');
    return { kind, classes: v.classes };
  }
  return { kind };
}
