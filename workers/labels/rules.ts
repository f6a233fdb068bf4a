/**
 * Keyword rules of a labeler: "the text CONTAINS WORD w / CONTAINS PHRASE 'a b' -> label L", tried
 * in order before the classifier. They are mined by the tags area's keyword miner (every class at
 * once) and kept when they reach the labeler's precision on held-out rows; they fire on exactly
 * the rows the rule language (and every SQL dialect of a rule pack) gives, because matching is the
 * tags area's `applyKeywordRules` over the same word definition.
 */
import type { Vector } from 'apache-arrow';
import { throwIfAborted } from '../protocol/errors';
import { applyKeywordRules, mineKeywordRules, type KeywordRule } from '../tags/keyword-mining';
import { yieldNow } from './slices';

export interface LabelRule {
  id: string;
  label: string;
  mode: 'word' | 'phrase';
  /** The word or phrase, folded (lower case). */
  text: string;
  /** The rule in the rule language, e.g. `title CONTAINS WORD 'mug'`. */
  ruleText: string;
  /** Held-out rows of the labeler where it fires first, and the share of them with its label. */
  holdoutMatches: number;
  holdoutPrecision: number;
}

/** The texts of a vector as strings (NULL as null): what the keyword matcher reads. */
export function textsOf(vector: Vector, extra: readonly string[] = []): Array<string | null> {
  const out: Array<string | null> = new Array(vector.length + extra.length);
  let i = 0;
  for (const value of vector) out[i++] = value === null || value === undefined ? null : String(value);
  for (const text of extra) out[i++] = text;
  return out;
}

/** For each text, the index of the first rule that fires, or -1. */
export function ruleHits(rules: readonly LabelRule[], texts: ReadonlyArray<string | null>): Int32Array {
  if (rules.length === 0) return new Int32Array(texts.length).fill(-1);
  return applyKeywordRules(rules, texts);
}

/** Rows matched between yields to the event loop (cancel gets through). */
const RULE_ROWS_PER_BLOCK = 20_000;

/** ruleHits over a text vector, in blocks of rows with a yield (and a cancel check) between them. */
export async function ruleHitsCancellable(rules: readonly LabelRule[], vector: Vector, signal: AbortSignal | undefined): Promise<Int32Array> {
  const out = new Int32Array(vector.length).fill(-1);
  if (rules.length === 0) return out;
  for (let from = 0; from < vector.length; from += RULE_ROWS_PER_BLOCK) {
    const to = Math.min(vector.length, from + RULE_ROWS_PER_BLOCK);
    out.set(ruleHits(rules, textsOf(vector.slice(from, to))), from);
    await yieldNow();
    throwIfAborted(signal);
  }
  return out;
}

export interface MineLabelRulesInput {
  column: string;
  texts: ReadonlyArray<string | null>;
  /** Class id per row (-1: no label). */
  y: Int32Array;
  classes: readonly string[];
  /** The labeler's held-out rows: the rules are kept on what they do there. */
  holdout: Int32Array;
  minPrecision: number;
  seed: number;
  signal?: AbortSignal;
}

/**
 * Keyword rules mined on the rows outside the labeler's holdout (the miner splits those again for
 * its own choice), then measured on the labeler's held-out rows in priority order: a rule is kept
 * when the rows it labels first there reach `minPrecision` (at least 3 of them). Also returns
 * what the kept set does on the held-out rows.
 */
export async function mineLabelRules(input: MineLabelRulesInput): Promise<{ rules: LabelRule[]; holdoutMatched: number; holdoutRight: number; warnings: string[] }> {
  const { texts, y, classes, holdout } = input;
  const held = new Uint8Array(texts.length);
  for (const r of holdout) held[r] = 1;
  const labels = Array.from(y, (c, r) => (c < 0 || held[r] ? null : (classes[c] as string)));
  const mined = await mineKeywordRules(texts, labels, { column: input.column, minPrecision: input.minPrecision, seed: input.seed, signal: input.signal });
  const holdoutTexts = Array.from(holdout, (r) => texts[r] ?? null);
  let candidates: KeywordRule[] = mined.rules;
  // Dropping a rule changes which rule fires first on other rows: measure again until stable.
  for (let pass = 0; pass < 5; pass++) {
    const hits = ruleHits(candidates.map((r) => ({ ...asLabelRule(r, ''), holdoutMatches: 0, holdoutPrecision: 0 })), holdoutTexts);
    const matches = new Float64Array(candidates.length);
    const right = new Float64Array(candidates.length);
    hits.forEach((h, i) => {
      if (h < 0) return;
      matches[h] = (matches[h] as number) + 1;
      if (classes[y[holdout[i] as number] as number] === (candidates[h] as KeywordRule).label) right[h] = (right[h] as number) + 1;
    });
    const kept = candidates.filter((_, i) => (matches[i] as number) >= 3 && (right[i] as number) / (matches[i] as number) >= input.minPrecision);
    if (kept.length === candidates.length) {
      const rules = candidates.map((r, i) => ({ ...asLabelRule(r, `kw${i + 1}`), holdoutMatches: matches[i] as number, holdoutPrecision: (right[i] as number) / (matches[i] as number) }));
      let matched = 0;
      let rightAll = 0;
      for (let i = 0; i < rules.length; i++) {
        matched += matches[i] as number;
        rightAll += right[i] as number;
      }
      return { rules, holdoutMatched: matched, holdoutRight: rightAll, warnings: mined.warnings };
    }
    candidates = kept;
  }
  return { rules: [], holdoutMatched: 0, holdoutRight: 0, warnings: [...mined.warnings, 'The keyword rules did not settle on held-out rows; none are used.'] };
}

function asLabelRule(rule: KeywordRule, id: string): Omit<LabelRule, 'holdoutMatches' | 'holdoutPrecision'> {
  return { id, label: rule.label, mode: rule.mode, text: rule.text, ruleText: rule.ruleText };
}
