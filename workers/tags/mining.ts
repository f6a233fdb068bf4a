/**
 * Rule mining: proposes readable rules (conjunctions of column conditions) that find a binary
 * target, from two sources:
 *  (a) paths of small bagged CART trees (each tree on a seeded 70% subsample with a random 70% of
 *      the features; every node on a path whose positive rate clears the bar becomes a rule), and
 *  (b) a beam search over binned conditions (quantile thresholds for numbers, the most frequent
 *      levels for text, true/false for booleans, IS NULL), scored by an m-estimate of precision
 *      and by F1.
 * Rules are grown on part of the training rows and chosen on the rest (out-of-bag rows): a rule
 * must reach the minimum precision and support there, and is added to the set only when it raises
 * the set's F1 (any rule fires -> tag); rows a chosen rule covers are removed before the next
 * round (separate and conquer). Chosen rules are simplified (conditions that barely change
 * coverage or precision are dropped), their thresholds rounded to readable values (re-measured;
 * the exact threshold stays when rounding costs quality), and near-duplicates (Jaccard of covered
 * rows above 0.9) dropped. Everything runs on Uint8 bin codes, so a million rows fit a minute.
 */
import type { Table } from 'apache-arrow';
import { createRng } from '../gbdt/rng';
import { EngineError, throwIfAborted } from '../protocol/errors';
import type { RuleExpr, RuleLiteral } from './ast';
import type { ColumnDesc } from './tag-data';
import { vectorToFloat64 } from '../data/arrow-values';
import { DEFAULT_MINING_PRECISION } from './validation';

export interface MineOptions {
  /** Minimum precision of each rule on out-of-bag rows (default 0.85: the 0.80 validation gate plus a margin). */
  minPrecision: number;
  /** Minimum rows a rule covers: a share of rows when below 1, a row count otherwise (default 0.01). */
  minSupport: number;
  /** At most this many rules in the set (default 5). */
  maxRules: number;
  /** At most this many conditions per rule (default 3). */
  maxConditions: number;
  seed: number;
  /** Stop searching after this long and keep what was found (default 30 s). */
  timeBudgetMs: number;
  beamWidth: number;
  maxBins: number;
  maxLevels: number;
}

export const DEFAULT_MINE_OPTIONS: MineOptions = {
  // Above the validation gate, so freshly mined rules can pass it (validation.ts).
  minPrecision: DEFAULT_MINING_PRECISION,
  minSupport: 0.01,
  maxRules: 5,
  maxConditions: 3,
  seed: 42,
  timeBudgetMs: 30_000,
  beamWidth: 8,
  maxBins: 32,
  maxLevels: 30,
};

/** Rows used to grow rules and to choose them are capped (seeded samples); holdout metrics use every row. */
const MAX_GROW_ROWS = 150_000;
const MAX_PRUNE_ROWS = 150_000;

type FeatureKind = 'numeric' | 'category' | 'boolean';

/** One column as bin codes: 0 is NULL; numbers 1..B by quantile cut; text 1..L levels, L+1 other; booleans 1 false, 2 true. */
export interface BinnedFeature {
  column: string;
  kind: FeatureKind;
  codes: Uint8Array;
  nCodes: number;
  /** numeric: bin b (1-based) holds values in (cuts[b-2], cuts[b-1]]; the last bin is above the last cut. */
  cuts: Float64Array;
  /** category: code k is levels[k-1]; code levels.length + 1 is every other value. */
  levels: string[];
  /** The column has NULLs (otherwise masks never mention code 0). */
  hasNull: boolean;
}

/** A conjunction: for each constrained feature, the set of codes it allows. */
interface BinRule {
  masks: Map<number, Uint8Array>;
}

function ruleKey(rule: BinRule): string {
  return [...rule.masks.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([f, m]) => `${f}:${Array.from(m).join('')}`)
    .join('|');
}

function fullMask(n: number): Uint8Array {
  return new Uint8Array(n).fill(1);
}

function withMask(rule: BinRule, f: number, mask: Uint8Array): BinRule {
  const masks = new Map(rule.masks);
  masks.set(f, mask);
  return { masks };
}

function filterRows(rows: Uint32Array, features: BinnedFeature[], rule: BinRule): Uint32Array {
  let out = rows;
  for (const [f, mask] of rule.masks) {
    const codes = (features[f] as BinnedFeature).codes;
    const next = new Uint32Array(out.length);
    let k = 0;
    for (let j = 0; j < out.length; j++) {
      const r = out[j] as number;
      if (mask[codes[r] as number]) next[k++] = r;
    }
    out = next.subarray(0, k);
  }
  return out;
}

// ---------------------------------------------------------------- binning

function sampleIndices(rows: Uint32Array, max: number, rng: () => number): Uint32Array {
  if (rows.length <= max) return rows;
  const copy = Uint32Array.from(rows);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    const t = copy[i] as number;
    copy[i] = copy[j] as number;
    copy[j] = t;
  }
  return copy.subarray(0, max).sort();
}

function binNumeric(column: string, values: Float64Array, fitRows: Uint32Array, maxBins: number): BinnedFeature {
  const seen: number[] = [];
  for (let j = 0; j < fitRows.length; j++) {
    const v = values[fitRows[j] as number] as number;
    if (!Number.isNaN(v)) seen.push(v);
  }
  const sorted = Float64Array.from(seen).sort();
  // Quantiles of the rows, plus quantiles of the distinct values: a column that is mostly one value
  // (PageValues is 0 on 78% of rows) still gets thresholds across its tail.
  const candidates: number[] = [];
  if (sorted.length > 0) {
    for (let k = 1; k < maxBins; k++) candidates.push(sorted[Math.floor((k / maxBins) * (sorted.length - 1))] as number);
    const distinct: number[] = [];
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i] as number);
    const extra = Math.max(1, Math.floor(maxBins / 2));
    for (let k = 1; k < extra; k++) candidates.push(distinct[Math.floor((k / extra) * (distinct.length - 1))] as number);
  }
  candidates.sort((a, b) => a - b);
  const cuts: number[] = [];
  const max = sorted.length > 0 ? (sorted[sorted.length - 1] as number) : 0;
  for (const c of candidates) if (c < max && (cuts.length === 0 || c > (cuts[cuts.length - 1] as number))) cuts.push(c);
  const cutArr = Float64Array.from(cuts);
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    let lo = 0;
    let hi = cutArr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= (cutArr[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    codes[i] = lo + 1;
  }
  return { column, kind: 'numeric', codes, nCodes: cutArr.length + 2, cuts: cutArr, levels: [], hasNull: codes.includes(0) };
}

function binCategory(column: string, table: Table, fitRows: Uint32Array, maxLevels: number): BinnedFeature {
  const vector = table.getChild(column);
  const n = table.numRows;
  const strings: Array<string | null> = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = vector?.get(i);
    strings[i] = v === null || v === undefined ? null : String(v);
  }
  const counts = new Map<string, number>();
  for (let j = 0; j < fitRows.length; j++) {
    const s = strings[fitRows[j] as number];
    if (s !== null && s !== undefined) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const levels = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, Math.min(maxLevels, 250)).map(([s]) => s);
  const index = new Map(levels.map((s, k) => [s, k + 1]));
  const other = levels.length + 1;
  const codes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    if (s === null || s === undefined) continue;
    codes[i] = index.get(s) ?? other;
  }
  return { column, kind: 'category', codes, nCodes: levels.length + 2, cuts: new Float64Array(0), levels, hasNull: codes.includes(0) };
}

function binBoolean(column: string, table: Table): BinnedFeature {
  const vector = table.getChild(column);
  const n = table.numRows;
  const codes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = vector?.get(i);
    if (v === null || v === undefined) continue;
    codes[i] = v ? 2 : 1;
  }
  return { column, kind: 'boolean', codes, nCodes: 3, cuts: new Float64Array(0), levels: [], hasNull: codes.includes(0) };
}

// ---------------------------------------------------------------- refinements

interface Counts {
  cnt: Float64Array;
  pos: Float64Array;
}

function histogram(feature: BinnedFeature, rows: Uint32Array, labels: Uint8Array): Counts {
  const cnt = new Float64Array(feature.nCodes);
  const pos = new Float64Array(feature.nCodes);
  const codes = feature.codes;
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j] as number;
    const c = codes[r] as number;
    cnt[c] = (cnt[c] as number) + 1;
    pos[c] = (pos[c] as number) + (labels[r] as number);
  }
  return { cnt, pos };
}

/** Ways to narrow a feature's current mask by one more condition. */
function refinements(feature: BinnedFeature, current: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = feature.nCodes;
  const hasNull = current[0] === 1;
  const allowed: number[] = [];
  for (let c = 1; c < n; c++) if (current[c]) allowed.push(c);
  if (feature.kind === 'numeric') {
    // Allowed non-null bins form one run lo..hi (masks only ever narrow intervals).
    for (let k = 0; k + 1 < allowed.length; k++) {
      const t = allowed[k] as number;
      const le = new Uint8Array(n);
      const gt = new Uint8Array(n);
      for (const c of allowed) (c <= t ? le : gt)[c] = 1;
      out.push(le, gt);
    }
  } else {
    for (const c of allowed) {
      const eq = new Uint8Array(n);
      eq[c] = 1;
      out.push(eq);
      if (feature.kind === 'category' && allowed.length > 2) {
        const ne = new Uint8Array(n);
        for (const d of allowed) if (d !== c) ne[d] = 1;
        out.push(ne);
      }
    }
  }
  if (hasNull && allowed.length > 0) {
    const isNull = new Uint8Array(n);
    isNull[0] = 1;
    const notNull = new Uint8Array(n);
    for (const c of allowed) notNull[c] = 1;
    out.push(isNull, notNull);
  }
  return out;
}

function maskSums(mask: Uint8Array, h: Counts): { support: number; tp: number } {
  let support = 0;
  let tp = 0;
  for (let c = 0; c < mask.length; c++) {
    if (mask[c]) {
      support += h.cnt[c] as number;
      tp += h.pos[c] as number;
    }
  }
  return { support, tp };
}

// ---------------------------------------------------------------- search

interface Candidate {
  rule: BinRule;
  key: string;
  origin: 'beam' | 'tree';
  /** Counts on the rows it was grown on (beam candidates). */
  tp?: number;
  support?: number;
}

type Score = (tp: number, support: number) => number;

class Budget {
  private readonly deadline: number;
  constructor(ms: number, private readonly signal: AbortSignal | undefined) {
    this.deadline = Date.now() + ms;
  }
  get exhausted(): boolean {
    return Date.now() > this.deadline;
  }
  check(): void {
    if (this.signal) throwIfAborted(this.signal);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function beamSearch(
  features: BinnedFeature[],
  labels: Uint8Array,
  rows: Uint32Array,
  score: Score,
  opts: { width: number; depth: number; minSupport: number },
  budget: Budget,
): Promise<Candidate[]> {
  let beam: Array<{ rule: BinRule; rows: Uint32Array }> = [{ rule: { masks: new Map() }, rows }];
  const pool: Candidate[] = [];
  const seen = new Set<string>();
  for (let depth = 0; depth < opts.depth; depth++) {
    const children: Array<{ rule: BinRule; key: string; score: number; parentRows: Uint32Array; tp: number; support: number }> = [];
    for (const parent of beam) {
      budget.check();
      for (let f = 0; f < features.length; f++) {
        const feature = features[f] as BinnedFeature;
        const h = histogram(feature, parent.rows, labels);
        const current = parent.rule.masks.get(f) ?? fullMask(feature.nCodes);
        for (const mask of refinements(feature, current)) {
          const { support, tp } = maskSums(mask, h);
          if (support < opts.minSupport || support >= parent.rows.length) continue;
          const rule = withMask(parent.rule, f, mask);
          const key = ruleKey(rule);
          if (seen.has(key)) continue;
          seen.add(key);
          children.push({ rule, key, score: score(tp, support), parentRows: parent.rows, tp, support });
        }
      }
      await yieldToEventLoop();
      // The first level always completes, so even a spent budget yields single-condition rules.
      if (depth > 0 && budget.exhausted) break;
    }
    children.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
    beam = children.slice(0, opts.width).map((c) => ({ rule: c.rule, rows: filterRows(c.parentRows, features, c.rule) }));
    for (const c of children.slice(0, opts.width)) pool.push({ rule: c.rule, key: c.key, origin: 'beam', tp: c.tp, support: c.support });
    if (budget.exhausted || beam.length === 0) break;
  }
  return pool;
}

function gini(pos: number, n: number): number {
  if (n <= 0) return 0;
  const p = pos / n;
  return 2 * p * (1 - p) * n;
}

/** Paths of a small CART tree grown on `rows`; every node whose positive rate reaches `minRate` becomes a rule. */
function treePaths(features: BinnedFeature[], featureSubset: number[], labels: Uint8Array, rows: Uint32Array, opts: { depth: number; minLeaf: number; minRate: number }): Candidate[] {
  const out: Candidate[] = [];
  const grow = (rule: BinRule, nodeRows: Uint32Array, depth: number): void => {
    let posAll = 0;
    for (let j = 0; j < nodeRows.length; j++) posAll += labels[nodeRows[j] as number] as number;
    if (depth > 0 && posAll / nodeRows.length >= opts.minRate) out.push({ rule, key: ruleKey(rule), origin: 'tree' });
    if (depth >= opts.depth || posAll === 0 || posAll === nodeRows.length) return;
    const parentImpurity = gini(posAll, nodeRows.length);
    let best: { gain: number; f: number; left: Uint8Array; right: Uint8Array } | null = null;
    for (const f of featureSubset) {
      const feature = features[f] as BinnedFeature;
      const h = histogram(feature, nodeRows, labels);
      const current = rule.masks.get(f) ?? fullMask(feature.nCodes);
      for (const left of refinements(feature, current)) {
        const right = new Uint8Array(feature.nCodes);
        for (let c = 0; c < feature.nCodes; c++) right[c] = current[c] && !left[c] ? 1 : 0;
        // Nulls travel with one side; try the split with them on the right (as refinements give) only.
        const l = maskSums(left, h);
        const r = maskSums(right, h);
        if (l.support < opts.minLeaf || r.support < opts.minLeaf) continue;
        const gain = parentImpurity - gini(l.tp, l.support) - gini(r.tp, r.support);
        if (gain > 1e-9 && (!best || gain > best.gain)) best = { gain, f, left, right };
      }
    }
    if (!best) return;
    for (const side of [best.left, best.right]) {
      const child = withMask(rule, best.f, side);
      grow(child, filterRows(nodeRows, features, { masks: new Map([[best.f, side]]) }), depth + 1);
    }
  };
  grow({ masks: new Map() }, rows, 0);
  return out;
}

// ---------------------------------------------------------------- conditions on raw values

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

function toConditions(rule: BinRule, features: BinnedFeature[]): Condition[] {
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

class RawValues {
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

function conditionHolds(cond: Condition, row: number, raw: RawValues, features: BinnedFeature[]): boolean {
  if (cond.kind === 'numeric') {
    const v = raw.get(cond.feature)[row] as number;
    if (Number.isNaN(v)) return cond.orNull || cond.nullOnly;
    if (cond.nullOnly) return false;
    return (cond.low === null || v > cond.low) && (cond.high === null || v <= cond.high);
  }
  return cond.mask[(features[cond.feature] as BinnedFeature).codes[row] as number] === 1;
}

function coverRows(conds: Condition[], rows: Uint32Array, raw: RawValues, features: BinnedFeature[]): Uint32Array {
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

function countPositives(rows: Uint32Array, labels: Uint8Array): number {
  let s = 0;
  for (let j = 0; j < rows.length; j++) s += labels[rows[j] as number] as number;
  return s;
}

/** Readable candidates for a threshold, nicest first: 1, 2 and 3 significant digits, rounded to nearest, down and up. */
function roundedCandidates(v: number): number[] {
  if (v === 0 || !Number.isFinite(v)) return [];
  const out: number[] = [];
  const magnitude = Math.floor(Math.log10(Math.abs(v)));
  for (const digits of [1, 2, 3]) {
    const step = Math.pow(10, magnitude - digits + 1);
    for (const r of [Number(v.toPrecision(digits)), Math.floor(v / step) * step, Math.ceil(v / step) * step]) {
      const clean = Number(r.toPrecision(digits + 1));
      if (clean !== v && !out.includes(clean)) out.push(clean);
    }
  }
  return out;
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

// ---------------------------------------------------------------- the miner

export interface MinedRuleInternal {
  conditions: Condition[];
  ast: RuleExpr;
  origin: 'beam' | 'tree';
  /** Counts on the rows used for choosing (out-of-bag). */
  outOfBag: { support: number; tp: number };
}

export interface MineOutcome {
  rules: MinedRuleInternal[];
  features: BinnedFeature[];
  stoppedEarly: boolean;
  candidatesTried: number;
  warnings: string[];
}

export interface MineInput {
  table: Table;
  columns: ColumnDesc[];
  labels: Uint8Array;
  /** Rows the miner may learn from (the training rows); the holdout rows are never looked at. */
  trainRows: Uint32Array;
}

function minSupportCount(minSupport: number, rows: number): number {
  return minSupport >= 1 ? Math.ceil(minSupport) : Math.max(1, Math.ceil(minSupport * rows));
}

export function checkMineOptions(given: Partial<MineOptions>): MineOptions {
  const o: MineOptions = { ...DEFAULT_MINE_OPTIONS };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  const bad = (what: string): never => {
    throw new EngineError('BAD_INPUT', what);
  };
  if (!(o.minPrecision > 0 && o.minPrecision <= 1)) bad(`The minimum precision must be in (0, 1] (got ${String(o.minPrecision)}).`);
  if (!(o.minSupport > 0)) bad(`The minimum support must be a share of rows in (0, 1) or a row count >= 1 (got ${String(o.minSupport)}).`);
  if (!(Number.isInteger(o.maxRules) && o.maxRules >= 1 && o.maxRules <= 100)) bad(`The maximum number of rules must be a whole number from 1 to 100 (got ${String(o.maxRules)}).`);
  if (!(Number.isInteger(o.maxConditions) && o.maxConditions >= 1 && o.maxConditions <= 6)) bad(`The maximum number of conditions per rule must be 1 to 6 (got ${String(o.maxConditions)}).`);
  if (!(o.timeBudgetMs > 0)) bad(`The time budget must be a positive number of milliseconds (got ${String(o.timeBudgetMs)}).`);
  if (!Number.isFinite(o.seed)) bad('The seed must be a number.');
  if (!(o.beamWidth >= 1 && o.maxBins >= 2 && o.maxBins <= 250 && o.maxLevels >= 1)) bad('Beam width, bins and levels must be positive (bins at most 250).');
  return o;
}

/** Splits the training rows into grow rows and out-of-bag rows (1:1, stratified, seeded). */
function growPruneSplit(train: Uint32Array, labels: Uint8Array, rng: () => number): { grow: Uint32Array; prune: Uint32Array } {
  const growParts: Uint32Array[] = [];
  const pruneParts: Uint32Array[] = [];
  for (const cls of [0, 1]) {
    const members = train.filter((r) => labels[r] === cls);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      const t = members[i] as number;
      members[i] = members[j] as number;
      members[j] = t;
    }
    const cut = Math.round(members.length / 2);
    pruneParts.push(members.subarray(0, cut));
    growParts.push(members.subarray(cut));
  }
  const join = (parts: Uint32Array[]): Uint32Array => {
    const out = new Uint32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out.sort();
  };
  return { grow: join(growParts), prune: join(pruneParts) };
}

export async function mineRules(input: MineInput, options: MineOptions, progress: (fraction: number, phase: string) => void, signal?: AbortSignal): Promise<MineOutcome> {
  const { table, labels } = input;
  const budget = new Budget(options.timeBudgetMs, signal);
  const rng = createRng(options.seed);
  const warnings: string[] = [];
  const train = input.trainRows;
  let trainPos = 0;
  for (let j = 0; j < train.length; j++) trainPos += labels[train[j] as number] as number;
  if (trainPos === 0 || trainPos === train.length) throw new EngineError('BAD_INPUT', `The training rows hold ${trainPos === 0 ? 'no positive' : 'only positive'} rows; rules need both classes.`);

  progress(0.05, 'binning columns');
  const split = growPruneSplit(train, labels, rng);
  const grow = sampleIndices(split.grow, MAX_GROW_ROWS, rng);
  const prune = sampleIndices(split.prune, MAX_PRUNE_ROWS, rng);
  const fitRows = sampleIndices(train, 200_000, rng);
  const features: BinnedFeature[] = [];
  for (const c of input.columns) {
    budget.check();
    if (c.kind === 'numeric') features.push(binNumeric(c.name, vectorToFloat64(table.getChild(c.name), table.numRows), fitRows, options.maxBins));
    else if (c.kind === 'boolean') features.push(binBoolean(c.name, table));
    else if (c.kind === 'text') features.push(binCategory(c.name, table, fitRows, options.maxLevels));
    else warnings.push(`"${c.name}" (${c.type}) was left out: rules use numbers, text and booleans.`);
    await yieldToEventLoop();
  }
  const usable = features.filter((f) => f.nCodes > 2 || (f.kind !== 'numeric' && f.nCodes > 1));
  if (usable.length === 0) throw new EngineError('BAD_INPUT', 'There are no usable columns to build rules from (numbers, text or booleans with more than one value).');
  const raw = new RawValues(table, features);

  const growMinSupport = minSupportCount(options.minSupport, grow.length);
  const pruneMinSupport = minSupportCount(options.minSupport, prune.length);
  const prunePositives = countPositives(prune, labels);
  const growBase = countPositives(grow, labels) / grow.length;

  // Out-of-bag view: every kept candidate as a bitset over the prune rows.
  const words = (prune.length + 31) >>> 5;
  const pruneIndex = new Int32Array(table.numRows).fill(-1);
  prune.forEach((r, j) => (pruneIndex[r] = j));
  const posBits = new Uint32Array(words);
  prune.forEach((r, j) => {
    if (labels[r]) posBits[j >>> 5] = (posBits[j >>> 5] as number) | (1 << (j & 31));
  });
  const pool: Pooled[] = [];
  const pooledKeys = new Set<string>();
  let tried = 0;
  const admit = (c: Candidate): void => {
    if (pooledKeys.has(c.key)) return;
    pooledKeys.add(c.key);
    tried++;
    const rows = filterRows(prune, features, c.rule);
    if (rows.length < pruneMinSupport) return;
    const tp = countPositives(rows, labels);
    if (tp / rows.length < options.minPrecision) return;
    const bits = new Uint32Array(words);
    for (let j = 0; j < rows.length; j++) {
      const k = pruneIndex[rows[j] as number] as number;
      bits[k >>> 5] = (bits[k >>> 5] as number) | (1 << (k & 31));
    }
    pool.push({ c, bits, support: rows.length, tp });
  };

  let stoppedEarly = false;
  const featureOrder = features.map((_, f) => f).filter((f) => usable.includes(features[f] as BinnedFeature));
  const searchFeatures = featureOrder.map((f) => features[f] as BinnedFeature);
  const toGlobal = (c: Candidate): Candidate => {
    const masks = new Map<number, Uint8Array>();
    for (const [local, m] of c.rule.masks) masks.set(featureOrder[local] as number, m);
    const rule = { masks };
    return { ...c, rule, key: ruleKey(rule) };
  };

  // Candidate generation, separate and conquer: each round searches the grow rows that the
  // previous rounds' covering rules (best FOIL gain with enough precision) leave uncovered.
  const rounds = options.maxRules + 2;
  let remaining = grow;
  for (let round = 0; round < rounds; round++) {
    budget.check();
    if (budget.exhausted && round > 0) {
      stoppedEarly = true;
      break;
    }
    progress(0.1 + (0.7 * round) / rounds, `searching rules (round ${round + 1} of at most ${rounds}, ${pool.length} candidates)`);
    const remainingPos = countPositives(remaining, labels);
    if (remainingPos < Math.max(2, growMinSupport * options.minPrecision)) break;
    const m = 20;
    const rootRate = remainingPos / remaining.length;
    const precisionScore: Score = (tp, support) => (tp + m * growBase) / (support + m);
    const f1Score: Score = (tp, support) => (2 * tp) / (support + remainingPos);
    const foilScore: Score = (tp, support) => (tp === 0 ? 0 : tp * (Math.log2(tp / support) - Math.log2(rootRate)));
    const beamOpts = { width: options.beamWidth, depth: options.maxConditions, minSupport: growMinSupport };
    let cover: Candidate | null = null;
    for (const score of [foilScore, precisionScore, f1Score]) {
      for (const c of await beamSearch(searchFeatures, labels, remaining, score, beamOpts, budget)) {
        admit(toGlobal(c));
        if (score === foilScore && c.tp !== undefined && c.support !== undefined && c.tp / c.support >= options.minPrecision) {
          if (!cover || foilScore(c.tp, c.support) > foilScore(cover.tp as number, cover.support as number)) cover = c;
        }
      }
      if (budget.exhausted && pool.length > 0) break;
    }
    // Bagged trees: seeded subsamples and feature subsets.
    for (let t = 0; t < 5 && !budget.exhausted; t++) {
      budget.check();
      const sub = sampleIndices(remaining, Math.max(1, Math.floor(remaining.length * 0.7)), rng);
      const subset = featureOrder.map((_, k) => k).filter(() => rng() < 0.7);
      if (subset.length === 0) subset.push(Math.floor(rng() * featureOrder.length));
      const minLeaf = Math.max(1, Math.floor(growMinSupport * 0.7));
      for (const c of treePaths(searchFeatures, subset, labels, sub, { depth: options.maxConditions, minLeaf, minRate: options.minPrecision })) admit(toGlobal(c));
      await yieldToEventLoop();
    }
    if (!cover) break;
    const coveredFlags = new Uint8Array(table.numRows);
    for (const r of filterRows(remaining, searchFeatures, cover.rule)) coveredFlags[r] = 1;
    remaining = remaining.filter((r) => !coveredFlags[r]);
    if (remaining.length < growMinSupport) break;
  }
  if (budget.exhausted) stoppedEarly = true;

  // Choose on out-of-bag rows: greedy forward selection by the set's F1 from several starting
  // rules (the best by F1 and the most precise), then single-rule swaps on the best set.
  progress(0.82, `choosing among ${pool.length} candidates`);
  const chosen = selectRuleSet(pool, options.maxRules, posBits, prunePositives);

  // Rules in order of their out-of-bag true positives (the most useful first).
  const ordered = [...chosen].sort((a, b) => b.tp - a.tp || (a.c.key < b.c.key ? -1 : 1));
  const chosenRules: MinedRuleInternal[] = ordered.map((p) => {
    const conditions = toConditions(p.c.rule, features);
    return { conditions, ast: conditionsToAst(conditions, features), origin: p.c.origin, outOfBag: { support: p.support, tp: p.tp } };
  });

  progress(0.86, 'tuning thresholds');
  const mining = sampleIndices(train, MAX_GROW_ROWS + MAX_PRUNE_ROWS, rng);
  const isPrune = new Uint8Array(table.numRows);
  for (let j = 0; j < prune.length; j++) isPrune[prune[j] as number] = 1;
  refitThresholds(chosenRules, sampleIndices(mining, 100_000, rng), isPrune, labels, raw, features, options);
  progress(0.9, 'simplifying and rounding');
  const polished = chosenRules.map((rule) => polishRule(rule, mining, labels, raw, features, options));
  // Near-duplicates after polishing: keep the earlier (more useful) rule.
  const kept: MinedRuleInternal[] = [];
  const keptCover: Uint8Array[] = [];
  for (const rule of polished) {
    const rows = coverRows(rule.conditions, mining, raw, features);
    const flags = new Uint8Array(table.numRows);
    for (let j = 0; j < rows.length; j++) flags[rows[j] as number] = 1;
    const duplicate = keptCover.some((other) => jaccardFlags(flags, other, mining) > 0.9);
    if (!duplicate) {
      kept.push(rule);
      keptCover.push(flags);
    }
  }
  // Rules that tuning made redundant (the set's F1 on the training rows is no lower without them) go.
  const setF1 = (covers: Uint8Array[]): number => {
    let tp = 0;
    let support = 0;
    let positives = 0;
    for (let j = 0; j < mining.length; j++) {
      const r = mining[j] as number;
      const y = labels[r] as number;
      positives += y;
      if (covers.some((c) => c[r])) {
        support++;
        tp += y;
      }
    }
    return tp === 0 ? 0 : (2 * tp) / (support + positives);
  };
  for (let k = kept.length - 1; k >= 0 && kept.length > 1; k--) {
    const without = keptCover.filter((_, q) => q !== k);
    if (setF1(without) >= setF1(keptCover)) {
      kept.splice(k, 1);
      keptCover.splice(k, 1);
    }
  }
  return { rules: kept, features, stoppedEarly, candidatesTried: tried, warnings };
}

interface Pooled {
  c: Candidate;
  /** Where it fires among the out-of-bag rows. */
  bits: Uint32Array;
  support: number;
  tp: number;
}

/** Greedy forward selection by set F1 (any rule fires), from several starts, then swaps. */
function selectRuleSet(pool: Pooled[], maxRules: number, posBits: Uint32Array, positives: number): Pooled[] {
  if (pool.length === 0) return [];
  const words = posBits.length;
  const f1 = (tp: number, support: number): number => (tp === 0 ? 0 : (2 * tp) / (support + positives));
  const unionOf = (members: Pooled[]): Uint32Array => {
    const u = new Uint32Array(words);
    for (const m of members) for (let w = 0; w < words; w++) u[w] = (u[w] as number) | (m.bits[w] as number);
    return u;
  };
  const countsOf = (u: Uint32Array): { tp: number; support: number } => {
    let tp = 0;
    let support = 0;
    for (let w = 0; w < words; w++) {
      support += popcount(u[w] as number);
      tp += popcount((u[w] as number) & (posBits[w] as number));
    }
    return { tp, support };
  };
  const tooSimilar = (a: Pooled, others: Pooled[]): boolean => others.some((o) => o !== a && jaccardBitsets(a.bits, o.bits) > 0.9);
  /** Adds the best rule while the set's F1 rises by more than 0.001. */
  const forward = (start: Pooled[]): { set: Pooled[]; score: number } => {
    const set = [...start];
    const union = unionOf(set);
    let { tp, support } = countsOf(union);
    while (set.length < maxRules) {
      let best: { p: Pooled; tp: number; support: number } | null = null;
      let bestScore = f1(tp, support) + 1e-3;
      for (const p of pool) {
        if (set.includes(p) || tooSimilar(p, set)) continue;
        let addTp = 0;
        let addSupport = 0;
        for (let w = 0; w < words; w++) {
          const fresh = (p.bits[w] as number) & ~(union[w] as number);
          if (fresh === 0) continue;
          addSupport += popcount(fresh);
          addTp += popcount(fresh & (posBits[w] as number));
        }
        const score = f1(tp + addTp, support + addSupport);
        if (score > bestScore + 1e-12) {
          bestScore = score;
          best = { p, tp: tp + addTp, support: support + addSupport };
        }
      }
      if (!best) break;
      set.push(best.p);
      for (let w = 0; w < words; w++) union[w] = (union[w] as number) | (best.p.bits[w] as number);
      tp = best.tp;
      support = best.support;
    }
    return { set, score: f1(tp, support) };
  };
  const byF1 = [...pool].sort((a, b) => f1(b.tp, b.support) - f1(a.tp, a.support) || (a.c.key < b.c.key ? -1 : 1));
  const byPrecision = [...pool].sort((a, b) => (b.tp + 1) / (b.support + 2) - (a.tp + 1) / (a.support + 2) || (a.c.key < b.c.key ? -1 : 1));
  const starts = [...new Set([...byF1.slice(0, 8), ...byPrecision.slice(0, 8)])];
  let best = forward([]);
  for (const s of starts) {
    const r = forward([s]);
    if (r.score > best.score + 1e-12) best = r;
  }
  // Swaps: replace one rule by another while that raises F1.
  let set = best.set;
  let score = best.score;
  for (let improved = true, guard = 0; improved && guard < 20; guard++) {
    improved = false;
    for (let i = 0; i < set.length && !improved; i++) {
      const others = set.filter((_, j) => j !== i);
      for (const p of pool) {
        if (set.includes(p) || tooSimilar(p, others)) continue;
        const c = countsOf(unionOf([...others, p]));
        if (f1(c.tp, c.support) > score + 1e-3) {
          set = [...others.slice(0, i), p, ...others.slice(i)];
          score = f1(c.tp, c.support);
          improved = true;
          break;
        }
      }
    }
  }
  return set;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function jaccardBitsets(a: Uint32Array, b: Uint32Array): number {
  let inter = 0;
  let union = 0;
  for (let w = 0; w < a.length; w++) {
    inter += popcount((a[w] as number) & (b[w] as number));
    union += popcount((a[w] as number) | (b[w] as number));
  }
  return union === 0 ? 1 : inter / union;
}

function jaccardFlags(a: Uint8Array, b: Uint8Array, rows: Uint32Array): number {
  let inter = 0;
  let union = 0;
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j] as number;
    inter += (a[r] as number) & (b[r] as number);
    union += (a[r] as number) | (b[r] as number);
  }
  return union === 0 ? 1 : inter / union;
}

/** Drops conditions that barely matter, then rounds thresholds where that costs (almost) nothing. */
/**
 * Re-tunes each numeric threshold of the chosen rules on all training rows (the rules were grown
 * on one half and chosen on the other, so each threshold saw only part of the data): coordinate
 * steps over nearby bin cuts that raise the set's F1, as long as the rule keeps the minimum
 * precision on the out-of-bag rows. Changes `rules` in place.
 */
function refitThresholds(rules: MinedRuleInternal[], rows: Uint32Array, isPrune: Uint8Array, labels: Uint8Array, raw: RawValues, features: BinnedFeature[], options: MineOptions): void {
  const n = rows.length;
  if (rules.length === 0 || n === 0) return;
  let positives = 0;
  for (let j = 0; j < n; j++) positives += labels[rows[j] as number] as number;
  const flagsOf = (conds: Condition[]): Uint8Array => {
    const f = new Uint8Array(n);
    for (let j = 0; j < n; j++) {
      const r = rows[j] as number;
      let ok = 1;
      for (const c of conds) {
        if (!conditionHolds(c, r, raw, features)) {
          ok = 0;
          break;
        }
      }
      f[j] = ok;
    }
    return f;
  };
  const flags = rules.map((rule) => flagsOf(rule.conditions));
  const f1 = (tp: number, support: number): number => (tp === 0 ? 0 : (2 * tp) / (support + positives));
  for (let pass = 0; pass < 2; pass++) {
    let changed = false;
    for (let k = 0; k < rules.length; k++) {
      const others = new Uint8Array(n);
      flags.forEach((f, q) => {
        if (q !== k) for (let j = 0; j < n; j++) others[j] = (others[j] as number) | (f[j] as number);
      });
      const rule = rules[k] as MinedRuleInternal;
      for (let i = 0; i < rule.conditions.length; i++) {
        const cond = rule.conditions[i] as Condition;
        if (cond.kind !== 'numeric' || cond.nullOnly) continue;
        const rest = flagsOf(rule.conditions.filter((_, q) => q !== i));
        const values = raw.get(cond.feature);
        const cuts = (features[cond.feature] as BinnedFeature).cuts;
        for (const side of ['low', 'high'] as const) {
          const current = rule.conditions[i] as Condition;
          const at = current[side];
          if (at === null) continue;
          let near = 0;
          while (near < cuts.length && (cuts[near] as number) < at) near++;
          const options_: number[] = [];
          for (let q = Math.max(0, near - 8); q < Math.min(cuts.length, near + 9); q++) options_.push(cuts[q] as number);
          const score = (t: number): { f1: number; ok: boolean } => {
            const low = side === 'low' ? t : current.low;
            const high = side === 'high' ? t : current.high;
            if (low !== null && high !== null && !(low < high)) return { f1: -1, ok: false };
            let tp = 0;
            let support = 0;
            let pruneSupport = 0;
            let pruneTp = 0;
            for (let j = 0; j < n; j++) {
              let fires = others[j] as number;
              let own = 0;
              if (rest[j]) {
                const v = values[rows[j] as number] as number;
                own = Number.isNaN(v) ? (current.orNull ? 1 : 0) : (low === null || v > low) && (high === null || v <= high) ? 1 : 0;
                fires |= own;
              }
              if (fires) {
                support++;
                tp += labels[rows[j] as number] as number;
              }
              if (own && isPrune[rows[j] as number]) {
                pruneSupport++;
                pruneTp += labels[rows[j] as number] as number;
              }
            }
            return { f1: f1(tp, support), ok: pruneSupport > 0 && pruneTp / pruneSupport >= options.minPrecision };
          };
          let bestT = at;
          let best = score(at).f1;
          for (const t of options_) {
            const s = score(t);
            if (s.ok && s.f1 > best + 1e-4) {
              best = s.f1;
              bestT = t;
            }
          }
          if (bestT !== at) {
            rule.conditions = rule.conditions.map((c, q) => (q === i ? { ...c, [side]: bestT } : c));
            changed = true;
          }
        }
        flags[k] = flagsOf(rule.conditions);
      }
      rule.ast = conditionsToAst(rule.conditions, features);
    }
    if (!changed) break;
  }
}

function polishRule(rule: MinedRuleInternal, rows: Uint32Array, labels: Uint8Array, raw: RawValues, features: BinnedFeature[], options: MineOptions): MinedRuleInternal {
  const measure = (conds: Condition[]): { support: number; tp: number } => {
    const covered = coverRows(conds, rows, raw, features);
    return { support: covered.length, tp: countPositives(covered, labels) };
  };
  let conds = rule.conditions;
  let current = measure(conds);
  const precision = (m: { support: number; tp: number }): number => (m.support === 0 ? 0 : m.tp / m.support);
  // Simplify: a condition goes when removing it changes coverage by under 2% and precision by under 0.01.
  for (let changed = true; changed && conds.length > 1; ) {
    changed = false;
    for (let k = 0; k < conds.length; k++) {
      const fewer = conds.filter((_, j) => j !== k);
      const m = measure(fewer);
      if (Math.abs(m.support - current.support) <= 0.02 * current.support && precision(m) >= precision(current) - 0.01 && precision(m) >= options.minPrecision) {
        conds = fewer;
        current = m;
        changed = true;
        break;
      }
    }
  }
  // Round: the nicest threshold that keeps precision within 0.005 and at least 99% of the true positives.
  const tolerance = (m: { support: number; tp: number }): boolean => precision(m) >= precision(current) - 0.005 && m.tp >= 0.99 * current.tp;
  for (let k = 0; k < conds.length; k++) {
    for (const side of ['low', 'high'] as const) {
      const cond = conds[k] as Condition;
      const v = cond[side];
      if (cond.kind !== 'numeric' || v === null) continue;
      for (const r of roundedCandidates(v)) {
        const trial = conds.map((c, j) => (j === k ? { ...c, [side]: r } : c));
        const m = measure(trial);
        if (tolerance(m)) {
          conds = trial;
          current = m;
          break;
        }
      }
    }
  }
  return { ...rule, conditions: conds, ast: conditionsToAst(conds, features) };
}

/** Where a mined rule fires, computed from its conditions (a cross-check for the AST evaluator). */
export function minedRuleFires(rule: MinedRuleInternal, features: BinnedFeature[], table: Table): Uint8Array {
  const raw = new RawValues(table, features);
  const all = Uint32Array.from({ length: table.numRows }, (_, i) => i);
  const out = new Uint8Array(table.numRows);
  for (const r of coverRows(rule.conditions, all, raw, features)) out[r] = 1;
  return out;
}
