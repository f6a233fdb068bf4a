/**
 * Candidate rules for mining: a beam search over binned conditions and the paths of small CART
 * trees, both narrowing one feature's allowed codes at a time (refinements), under a time budget.
 */
import { throwIfAborted } from '../protocol/errors';
import { filterRows, fullMask, ruleKey, withMask, type BinnedFeature, type BinRule } from './mining-bins';

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

export interface Candidate {
  rule: BinRule;
  key: string;
  origin: 'beam' | 'tree';
  /** Counts on the rows it was grown on (beam candidates). */
  tp?: number;
  support?: number;
}

export type Score = (tp: number, support: number) => number;

export class Budget {
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

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export async function beamSearch(
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
export function treePaths(features: BinnedFeature[], featureSubset: number[], labels: Uint8Array, rows: Uint32Array, opts: { depth: number; minLeaf: number; minRate: number }): Candidate[] {
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
