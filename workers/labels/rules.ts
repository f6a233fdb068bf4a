/**
 * Keyword rules of a labeler: "the text contains the whole word(s) P -> label L", tried in order
 * before the classifier. A phrase is one or two words as the tokenizer folds them (lowercase,
 * Latin accents removed), matched as consecutive whole words. Mined per label on the training
 * rows and kept only when they reach the target precision on held-out rows too.
 */
import type { RawRows } from './features';
import type { Featurizer } from './tokenize';

export interface LabelRule {
  id: string;
  label: string;
  /** Folded words separated by one space. */
  phrase: string;
  /** On held-out rows: matches, and the share of them with this label. */
  holdoutMatches: number;
  holdoutPrecision: number;
  /** On training rows. */
  trainMatches: number;
  trainPrecision: number;
}

/** Word hashes of every row, CSR (what mining and matching read). */
export interface RowWords {
  rowStart: Int32Array;
  hashes: Int32Array;
}

export class RowWordsBuilder {
  private rowStart: number[] = [0];
  private hashes = new Int32Array(1 << 14);
  private size = 0;

  add(featurizer: Featurizer | null): void {
    const count = featurizer ? featurizer.words : 0;
    if (this.size + count > this.hashes.length) {
      let cap = this.hashes.length * 2;
      while (cap < this.size + count) cap *= 2;
      const grown = new Int32Array(cap);
      grown.set(this.hashes.subarray(0, this.size));
      this.hashes = grown;
    }
    if (featurizer && count > 0) this.hashes.set(featurizer.wordHashes.subarray(0, count), this.size);
    this.size += count;
    this.rowStart.push(this.size);
  }

  finish(): RowWords {
    return { rowStart: Int32Array.from(this.rowStart), hashes: this.hashes.slice(0, this.size) };
  }
}

/** A rule compiled for matching: its phrase as word hashes. */
export interface CompiledRule {
  rule: LabelRule;
  classId: number;
  hashes: Int32Array;
}

export function compileRules(rules: LabelRule[], classes: string[], featurizer: Featurizer): CompiledRule[] {
  const out: CompiledRule[] = [];
  for (const rule of rules) {
    const classId = classes.indexOf(rule.label);
    featurizer.ofString(rule.phrase);
    if (classId < 0 || featurizer.words === 0) continue;
    out.push({ rule, classId, hashes: featurizer.wordHashes.slice(0, featurizer.words) });
  }
  return out;
}

function containsPhrase(words: ArrayLike<number>, from: number, to: number, phrase: Int32Array): boolean {
  const m = phrase.length;
  for (let i = from; i + m <= to; i++) {
    let j = 0;
    while (j < m && words[i + j] === phrase[j]) j++;
    if (j === m) return true;
  }
  return false;
}

/** The first rule whose phrase the words contain (index into `rules`), or -1. */
export function firstMatch(rules: CompiledRule[], words: ArrayLike<number>, from: number, to: number): number {
  for (let r = 0; r < rules.length; r++) if (containsPhrase(words, from, to, (rules[r] as CompiledRule).hashes)) return r;
  return -1;
}

/** Rules indexed by their first word: a row is matched in time proportional to its words, not to the rule count. */
export class RuleIndex {
  private readonly byFirstWord = new Map<number, number[]>();

  constructor(readonly rules: CompiledRule[]) {
    rules.forEach((rule, i) => {
      const first = rule.hashes[0] as number;
      const list = this.byFirstWord.get(first);
      if (list) list.push(i);
      else this.byFirstWord.set(first, [i]);
    });
  }

  /** The earliest rule (in rule order) whose phrase the words contain, or -1; the same answer as firstMatch. */
  first(words: ArrayLike<number>, from: number, to: number): number {
    let best = -1;
    for (let i = from; i < to; i++) {
      const candidates = this.byFirstWord.get(words[i] as number);
      if (!candidates) continue;
      for (const r of candidates) {
        if (best >= 0 && r >= best) break;
        const phrase = (this.rules[r] as CompiledRule).hashes;
        if (i + phrase.length > to) continue;
        let j = 1;
        while (j < phrase.length && words[i + j] === phrase[j]) j++;
        if (j === phrase.length) {
          best = r;
          break;
        }
      }
    }
    return best;
  }
}

export interface MineRulesInput {
  words: RowWords;
  /** Folded text of each word hash seen (to write phrases back as words). */
  wordText: Map<number, string>;
  y: Int32Array;
  classes: string[];
  train: Int32Array;
  holdout: Int32Array;
  minPrecision: number;
  /** Training rows a phrase must match at least (default 10). */
  minMatches?: number;
  /** Rules kept per label at most (default 20). */
  perLabel?: number;
}

const BIGRAM_MIX = 0x27d4eb2d;

function bigramKey(a: number, b: number): number {
  return Math.imul(a ^ BIGRAM_MIX, 16777619) ^ b;
}

/**
 * Keyword rules for every label at once: each word and two-word phrase of the training rows is
 * counted per label; a phrase whose best label reaches `minPrecision` on training rows (with at
 * least `minMatches` matches) is checked on held-out rows and kept if it reaches it there too
 * (with at least 3 held-out matches). Per label the phrases that match most rows come first.
 */
export function mineKeywordRules(input: MineRulesInput): LabelRule[] {
  const { words, y, classes, train, holdout, minPrecision } = input;
  const minMatches = input.minMatches ?? 10;
  const perLabel = input.perLabel ?? 20;
  interface Candidate {
    phrase: Int32Array;
    total: number;
    byClass: Map<number, number>;
  }
  const candidates = new Map<number, Candidate>();
  const count = (key: number, phrase: () => Int32Array, cls: number): void => {
    let c = candidates.get(key);
    if (!c) {
      c = { phrase: phrase(), total: 0, byClass: new Map() };
      candidates.set(key, c);
    }
    c.total++;
    c.byClass.set(cls, (c.byClass.get(cls) ?? 0) + 1);
  };
  for (const r of train) {
    const from = words.rowStart[r] as number;
    const to = words.rowStart[r + 1] as number;
    const seen = new Set<number>();
    for (let i = from; i < to; i++) {
      const a = words.hashes[i] as number;
      if (!seen.has(a)) {
        seen.add(a);
        count(a, () => Int32Array.of(a), y[r] as number);
      }
      if (i + 1 < to) {
        const b = words.hashes[i + 1] as number;
        const key = bigramKey(a, b);
        if (!seen.has(key)) {
          seen.add(key);
          count(key, () => Int32Array.of(a, b), y[r] as number);
        }
      }
    }
  }
  const chosen: Array<{ rule: LabelRule; classId: number }> = [];
  for (const c of candidates.values()) {
    if (c.total < minMatches) continue;
    let bestClass = -1;
    let bestCount = 0;
    for (const [cls, n] of c.byClass) if (n > bestCount || (n === bestCount && cls < bestClass)) [bestClass, bestCount] = [cls, n];
    const trainPrecision = bestCount / c.total;
    if (trainPrecision < minPrecision) continue;
    let matches = 0;
    let right = 0;
    for (const r of holdout) {
      if (containsPhrase(words.hashes, words.rowStart[r] as number, words.rowStart[r + 1] as number, c.phrase)) {
        matches++;
        if (y[r] === bestClass) right++;
      }
    }
    if (matches < 3 || right / matches < minPrecision) continue;
    const phrase = Array.from(c.phrase, (h) => input.wordText.get(h) ?? '').join(' ');
    if (phrase.trim() === '' || phrase.split(' ').some((w) => w === '')) continue;
    chosen.push({
      classId: bestClass,
      rule: { id: '', label: classes[bestClass] as string, phrase, holdoutMatches: matches, holdoutPrecision: right / matches, trainMatches: c.total, trainPrecision },
    });
  }
  // Per label: most training matches first; a two-word phrase inside a kept word adds nothing and is skipped.
  chosen.sort((a, b) => a.classId - b.classId || b.rule.trainMatches - a.rule.trainMatches || a.rule.phrase.localeCompare(b.rule.phrase));
  const out: LabelRule[] = [];
  let current = -1;
  let kept: string[] = [];
  for (const c of chosen) {
    if (c.classId !== current) {
      current = c.classId;
      kept = [];
    }
    if (kept.length >= perLabel) continue;
    if (kept.some((w) => c.rule.phrase.split(' ').includes(w))) continue;
    kept.push(c.rule.phrase);
    out.push(c.rule);
  }
  // Most precise first, so the first match is the most trustworthy one.
  out.sort((a, b) => b.holdoutPrecision - a.holdoutPrecision || b.trainMatches - a.trainMatches || a.phrase.localeCompare(b.phrase));
  out.forEach((r, i) => {
    r.id = `kw${i + 1}`;
  });
  return out;
}

/** Rows a rule set labels on the given rows, and how many of them rightly. */
export function rulesOnRows(rules: CompiledRule[], words: RowWords, y: Int32Array, rows: Int32Array): { matched: number; right: number } {
  let matched = 0;
  let right = 0;
  for (const r of rows) {
    const hit = firstMatch(rules, words.hashes, words.rowStart[r] as number, words.rowStart[r + 1] as number);
    if (hit < 0) continue;
    matched++;
    if ((rules[hit] as CompiledRule).classId === y[r]) right++;
  }
  return { matched, right };
}

/** Keeps RawRows and RowWords in step (one featurizer pass fills both). */
export type WithWords = { raw: RawRows; words: RowWords };
