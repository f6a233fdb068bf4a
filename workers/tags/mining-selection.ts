/** Choosing the rule set among the mined candidates: greedy forward selection by the set's F1 on out-of-bag rows, then swaps. */
import { jaccardBits, popcount32 } from './bitsets';
import type { Candidate } from './mining-search';

export interface Pooled {
  c: Candidate;
  /** Where it fires among the out-of-bag rows. */
  bits: Uint32Array;
  support: number;
  tp: number;
}

/** Greedy forward selection by set F1 (any rule fires), from several starts, then swaps. */
export function selectRuleSet(pool: Pooled[], maxRules: number, posBits: Uint32Array, positives: number): Pooled[] {
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
      support += popcount32(u[w] as number);
      tp += popcount32((u[w] as number) & (posBits[w] as number));
    }
    return { tp, support };
  };
  const tooSimilar = (a: Pooled, others: Pooled[]): boolean => others.some((o) => o !== a && jaccardBits(a.bits, o.bits) > 0.9);
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
          addSupport += popcount32(fresh);
          addTp += popcount32(fresh & (posBits[w] as number));
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
