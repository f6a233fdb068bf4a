/**
 * Tuning the chosen rules: thresholds re-fitted on all training rows, conditions that barely
 * matter dropped, thresholds rounded to readable values where that costs (almost) nothing.
 */
import type { BinnedFeature } from './mining-bins';
import { countPositives } from './mining-bins';
import { conditionHolds, conditionsToAst, coverRows, type Condition, type MinedRuleInternal, type RawValues } from './mining-conditions';
import type { MineOptions } from './mining-options';

/**
 * Re-tunes each numeric threshold of the chosen rules on all training rows (the rules were grown
 * on one half and chosen on the other, so each threshold saw only part of the data): coordinate
 * steps over nearby bin cuts that raise the set's F1, as long as the rule keeps the minimum
 * precision on the out-of-bag rows. Changes `rules` in place.
 */
export function refitThresholds(rules: MinedRuleInternal[], rows: Uint32Array, isPrune: Uint8Array, labels: Uint8Array, raw: RawValues, features: BinnedFeature[], options: MineOptions): void {
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

/** Drops conditions that barely matter, then rounds thresholds where that costs (almost) nothing. */
export function polishRule(rule: MinedRuleInternal, rows: Uint32Array, labels: Uint8Array, raw: RawValues, features: BinnedFeature[], options: MineOptions): MinedRuleInternal {
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
