/**
 * A mined rule as conditions on raw values (numeric thresholds, allowed text levels, booleans,
 * NULL), where such conditions hold, and their rule-language AST.
 */
import type { Table } from 'apache-arrow';
import { vectorToFloat64 } from '../data/arrow-values';
import type { RuleExpr, RuleLiteral } from './ast';
import type { BinnedFeature, BinRule, FeatureKind } from './mining-bins';

/** One condition of a final rule, on raw values (numbers) or codes (text, booleans). */
export interface Condition {
  feature: number;
  column: string;
  kind: FeatureKind;
  /** numeric: lower bound (exclusive) and upper bound (inclusive); null = unbounded. */
  low: number | null;
  high: number | null;
  /** NULL also satisfies the condition (only when the run of bins came with the NULL bin). */
  orNull: boolean;
  /** NULL only. */
  nullOnly: boolean;
  /** category/boolean: allowed codes. */
  mask: Uint8Array;
}

export function toConditions(rule: BinRule, features: BinnedFeature[]): Condition[] {
  const conds: Condition[] = [];
  for (const [f, given] of [...rule.masks.entries()].sort((a, b) => a[0] - b[0])) {
    const feature = features[f] as BinnedFeature;
    const mask = Uint8Array.from(given);
    if (!feature.hasNull) mask[0] = 0;
    const allowed: number[] = [];
    for (let c = 1; c < feature.nCodes; c++) if (mask[c]) allowed.push(c);
    const base = { feature: f, column: feature.column, kind: feature.kind, mask, orNull: mask[0] === 1 && allowed.length > 0, nullOnly: mask[0] === 1 && allowed.length === 0 };
    if (feature.kind === 'numeric' && allowed.length > 0) {
      const lo = allowed[0] as number;
      const hi = allowed[allowed.length - 1] as number;
      conds.push({ ...base, low: lo > 1 ? (feature.cuts[lo - 2] as number) : null, high: hi < feature.nCodes - 1 ? (feature.cuts[hi - 1] as number) : null });
    } else conds.push({ ...base, low: null, high: null });
  }
  return conds;
}

export class RawValues {
  private readonly cache = new Map<number, Float64Array>();
  constructor(
    private readonly table: Table,
    private readonly features: BinnedFeature[],
  ) {}
  get(f: number): Float64Array {
    let v = this.cache.get(f);
    if (!v) {
      v = vectorToFloat64(this.table.getChild((this.features[f] as BinnedFeature).column), this.table.numRows);
      this.cache.set(f, v);
    }
    return v;
  }
}

export function conditionHolds(cond: Condition, row: number, raw: RawValues, features: BinnedFeature[]): boolean {
  if (cond.kind === 'numeric') {
    const v = raw.get(cond.feature)[row] as number;
    if (Number.isNaN(v)) return cond.orNull || cond.nullOnly;
    if (cond.nullOnly) return false;
    return (cond.low === null || v > cond.low) && (cond.high === null || v <= cond.high);
  }
  return cond.mask[(features[cond.feature] as BinnedFeature).codes[row] as number] === 1;
}

export function coverRows(conds: Condition[], rows: Uint32Array, raw: RawValues, features: BinnedFeature[]): Uint32Array {
  const out = new Uint32Array(rows.length);
  let k = 0;
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j] as number;
    let ok = true;
    for (const c of conds) {
      if (!conditionHolds(c, r, raw, features)) {
        ok = false;
        break;
      }
    }
    if (ok) out[k++] = r;
  }
  return out.subarray(0, k);
}

export interface MinedRuleInternal {
  conditions: Condition[];
  ast: RuleExpr;
  origin: 'beam' | 'tree';
  /** Counts on the rows used for choosing (out-of-bag). */
  outOfBag: { support: number; tp: number };
}

// ---------------------------------------------------------------- AST

function num(value: number): RuleLiteral {
  return { kind: 'number', value };
}

function col(name: string): { kind: 'column'; name: string } {
  return { kind: 'column', name };
}

function conditionToAst(cond: Condition, features: BinnedFeature[]): RuleExpr {
  const feature = features[cond.feature] as BinnedFeature;
  const c = col(cond.column);
  const isNull: RuleExpr = { type: 'isNull', column: c, negated: false };
  if (cond.nullOnly) return isNull;
  let core: RuleExpr;
  if (feature.kind === 'numeric') {
    const parts: RuleExpr[] = [];
    if (cond.low !== null) parts.push({ type: 'compare', op: '>', left: c, right: num(cond.low) });
    if (cond.high !== null) parts.push({ type: 'compare', op: '<=', left: c, right: num(cond.high) });
    core = parts.length === 0 ? { type: 'isNull', column: c, negated: true } : parts.length === 1 ? (parts[0] as RuleExpr) : { type: 'and', args: parts };
  } else if (feature.kind === 'boolean') {
    const t = cond.mask[2] === 1;
    const f = cond.mask[1] === 1;
    core = t && f ? { type: 'isNull', column: c, negated: true } : t ? { type: 'column', column: c } : { type: 'not', arg: { type: 'column', column: c } };
  } else {
    const other = feature.levels.length + 1;
    const inLevels: string[] = [];
    const outLevels: string[] = [];
    feature.levels.forEach((s, k) => (cond.mask[k + 1] ? inLevels : outLevels).push(s));
    const lit = (s: string): RuleLiteral => ({ kind: 'string', value: s });
    if (cond.mask[other]) {
      core = outLevels.length === 0 ? { type: 'isNull', column: c, negated: true } : outLevels.length === 1 ? { type: 'compare', op: '!=', left: c, right: lit(outLevels[0] as string) } : { type: 'in', column: c, values: outLevels.map(lit), negated: true };
    } else {
      core = inLevels.length === 1 ? { type: 'compare', op: '=', left: c, right: lit(inLevels[0] as string) } : { type: 'in', column: c, values: inLevels.map(lit), negated: false };
    }
  }
  return cond.orNull ? { type: 'or', args: [isNull, core] } : core;
}

export function conditionsToAst(conds: Condition[], features: BinnedFeature[]): RuleExpr {
  const parts: RuleExpr[] = [];
  for (const cond of conds) {
    const e = conditionToAst(cond, features);
    if (e.type === 'and') parts.push(...e.args);
    else parts.push(e);
  }
  if (parts.length === 0) return { type: 'literal', value: true };
  return parts.length === 1 ? (parts[0] as RuleExpr) : { type: 'and', args: parts };
}
