/**
 * Keyword rule mining for a label column, every class at once, and the evaluation of keyword
 * rules. Pure functions over plain arrays (no engine, no DOM), so the labeler (workers/labels)
 * and the `rules.mineKeywords` job share them.
 *
 * API:
 *  - `await mineKeywordRules(texts, labels, options)`: texts[i] and labels[i] are row i's text and class
 *    (null = missing; rows without a class are left out, rows without text count but never match).
 *    It lets the event loop run every ~50 ms of work, so a cancel message reaches `options.signal`
 *    (then it throws CANCELLED) and `options.onProgress` reports get sent while it runs.
 *    Returns, per class, the chosen rules (`column CONTAINS WORD 'w'` or `CONTAINS PHRASE 'a b'`)
 *    with their precision, coverage and recall on holdout rows, evidence rows, and all rules in one
 *    priority list (`rules`, highest out-of-bag precision first).
 *  - `applyKeywordRules(rules, texts)`: for each row, the index of the first rule in the list that
 *    fires (-1 when none): the row's label is that rule's `label`. It tokenizes each distinct text
 *    once and looks words up, so it is fast on millions of rows; it gives exactly the rows the rule
 *    evaluator (and every SQL dialect) gives for the same rules, because both follow the word
 *    definition of text-match.ts (tested).
 *
 * How rules are chosen (as rules.mine does for one class): rows are split per class (stratified,
 * seeded) into holdout rows (`holdoutFraction`, only measured) and training rows, and the training
 * rows 1:1 into grow rows and out-of-bag rows. Candidates are every word and every pair of adjacent
 * words of the texts; their co-occurrence with every class is counted once, over distinct texts, on
 * the grow rows. Per class the most frequent and the most precise candidates are measured on the out-of-bag
 * rows; a candidate must reach `minPrecision` and half of `minSupport` there, and candidates join the
 * class's set greedily while they raise the set's F1 on out-of-bag rows (at most `maxRulesPerClass`).
 * Precision, recall and coverage with 95% intervals, and evidence rows, are then measured on holdout.
 */
import { createRng } from '../gbdt/rng';
import { EngineError, throwIfAborted } from '../protocol/errors';
import type { RuleExpr } from './ast';
import { printRule } from './printer';
import { tokenizeWords } from './text-match';
import { metricsFromCounts, type TagMetrics } from './validation';

export interface KeywordMineOptions {
  /** The text column's name (written into the rules). */
  column: string;
  /** Share of each class's rows held out for measuring (default 0.3). */
  holdoutFraction: number;
  seed: number;
  /** Minimum precision of a rule on out-of-bag rows (default 0.85, as rules.mine). */
  minPrecision: number;
  /** Minimum training rows a rule covers: a share of training rows below 1, a row count from 1 (default 5 rows). */
  minSupport: number;
  /** At most this many rules per class (default 5). */
  maxRulesPerClass: number;
  /** Also propose two-word phrases (default true). */
  phrases: boolean;
  /** Candidates per class measured on out-of-bag rows (default 40). */
  candidatesPerClass: number;
  /** More distinct labels than this is an error (default 10,000). */
  maxClasses: number;
}

export const DEFAULT_KEYWORD_OPTIONS: Omit<KeywordMineOptions, 'column'> = {
  holdoutFraction: 0.3,
  seed: 42,
  minPrecision: 0.85,
  minSupport: 5,
  maxRulesPerClass: 5,
  phrases: true,
  candidatesPerClass: 40,
  maxClasses: 10_000,
};

/** A keyword rule: the label it assigns and the text predicate that fires it. */
export interface KeywordRuleSpec {
  label: string;
  mode: 'word' | 'phrase';
  /** The word or phrase, folded (lower case). */
  text: string;
}

export interface KeywordRule extends KeywordRuleSpec {
  ast: RuleExpr;
  /** Canonical rule text, e.g. `Description CONTAINS WORD 'mug'`. */
  ruleText: string;
  grow: { support: number; tp: number };
  outOfBag: { support: number; tp: number; precision: number };
  holdout: TagMetrics;
  /** Up to five holdout rows (0-based) where it fires and the label is right, and where it is wrong. */
  evidence: { right: number[]; wrong: number[] };
}

export interface KeywordClassReport {
  label: string;
  rows: { train: number; holdout: number };
  rules: KeywordRule[];
  /** Any rule of the class fires, on holdout; null when the class has no rule. */
  set: TagMetrics | null;
  /** Why the class got no rule, in words. */
  note?: string;
}

export interface KeywordMiningResult {
  column: string;
  classes: KeywordClassReport[];
  /** Every chosen rule, highest out-of-bag precision first: the order applyKeywordRules uses. */
  rules: KeywordRule[];
  rows: { train: number; holdout: number; unlabelled: number };
  /** On holdout rows, with the rules applied in priority order. */
  overall: { labelled: number; correct: number; coverage: number; precision: number | null };
  /** Distinct words and phrases in enough rows to make a rule (the others are not counted per class). */
  candidates: number;
  options: KeywordMineOptions;
  warnings: string[];
}

const HOLDOUT = 2;
const GROW = 0;
const OUT_OF_BAG = 1;
const UNLABELLED = 3;

/**
 * What mineKeywordRules takes: the column name, any options to change, a signal that cancels it,
 * and a progress callback (fraction of the mining in [0, 1], phase in words).
 */
export type KeywordMineInput = Partial<KeywordMineOptions> & { column: string; signal?: AbortSignal; onProgress?: (fraction: number, phase: string) => void };

/** Work between two yields to the event loop: short enough that a cancel is felt at once. */
const SLICE_MS = 50;
/** Loop iterations between two looks at the clock (a look is cheap, but not free). */
const CHECK_EVERY = 1024;

/** Lets queued messages (a cancel) and timers run: setImmediate where there is one (Node), else a 0 ms timeout (a worker). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Checkpoints for the miner's long loops. The mining is synchronous work on one thread, so a
 * cancel message can only arrive while it waits: `pause()` yields once SLICE_MS have passed since
 * the last yield, reports progress, and throws CANCELLED when the signal is aborted.
 */
class Pacer {
  private last = performance.now();
  fraction = 0;
  phase = 'starting';
  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly onProgress: ((fraction: number, phase: string) => void) | undefined,
  ) {}

  /** Starts a phase (its share of the work begins at `fraction`). */
  at(fraction: number, phase: string): Promise<void> {
    this.fraction = fraction;
    this.phase = phase;
    return this.pause();
  }

  /** Yields when the slice is used up; throws CANCELLED when the signal is aborted. */
  async pause(fraction = this.fraction): Promise<void> {
    this.fraction = fraction;
    throwIfAborted(this.signal);
    if (performance.now() - this.last < SLICE_MS) return;
    this.onProgress?.(fraction, this.phase);
    await yieldToEventLoop();
    this.last = performance.now();
    throwIfAborted(this.signal);
  }
}

function checkOptions(given: KeywordMineInput): KeywordMineOptions {
  const { signal: _signal, onProgress: _onProgress, ...rest } = given;
  void _signal;
  void _onProgress;
  const o: KeywordMineOptions = { ...DEFAULT_KEYWORD_OPTIONS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)), column: given.column };
  const bad = (what: string): never => {
    throw new EngineError('BAD_INPUT', what);
  };
  if (typeof o.column !== 'string' || o.column === '') bad('Keyword mining needs the name of the text column.');
  if (!(o.holdoutFraction > 0 && o.holdoutFraction < 1)) bad(`The holdout share must be between 0 and 1 (got ${String(o.holdoutFraction)}).`);
  if (!(o.minPrecision > 0 && o.minPrecision <= 1)) bad(`The minimum precision must be in (0, 1] (got ${String(o.minPrecision)}).`);
  if (!(o.minSupport > 0)) bad(`The minimum support must be a share of rows in (0, 1) or a row count >= 1 (got ${String(o.minSupport)}).`);
  if (!(Number.isInteger(o.maxRulesPerClass) && o.maxRulesPerClass >= 1 && o.maxRulesPerClass <= 100)) bad(`The maximum number of rules per class must be a whole number from 1 to 100 (got ${String(o.maxRulesPerClass)}).`);
  if (!(Number.isInteger(o.candidatesPerClass) && o.candidatesPerClass >= 1)) bad('The number of candidates per class must be a positive whole number.');
  if (!(Number.isInteger(o.maxClasses) && o.maxClasses >= 2)) bad('The maximum number of classes must be a whole number of at least 2.');
  if (!Number.isFinite(o.seed)) bad('The seed must be a number.');
  return o;
}

function shuffle(a: Uint32Array, rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}

/** Row roles: per class, a seeded holdout share, and the rest 1:1 into grow and out-of-bag rows. */
async function assignRoles(classOf: Int32Array, classCount: number, holdoutFraction: number, seed: number, pace: Pacer): Promise<Uint8Array> {
  const n = classOf.length;
  const role = new Uint8Array(n).fill(UNLABELLED);
  const members: number[][] = Array.from({ length: classCount }, () => []);
  for (let i = 0; i < n; i++) {
    if (i % CHECK_EVERY === 0) await pace.pause();
    if ((classOf[i] as number) >= 0) (members[classOf[i] as number] as number[]).push(i);
  }
  const rng = createRng(seed);
  for (const list of members) {
    await pace.pause();
    const rows = Uint32Array.from(list);
    shuffle(rows, rng);
    const held = Math.round(rows.length * holdoutFraction);
    const oob = Math.round((rows.length - held) / 2);
    rows.forEach((r, k) => {
      role[r] = k < held ? HOLDOUT : k < held + oob ? OUT_OF_BAG : GROW;
    });
  }
  return role;
}

/** Candidate words and phrases of a text (distinct), as keys "w" and "a b". */
function candidatesOf(text: string, phrases: boolean): string[] {
  const words = tokenizeWords(text);
  const out = new Set(words);
  if (phrases) for (let k = 1; k < words.length; k++) out.add(`${words[k - 1] as string} ${words[k] as string}`);
  return [...out];
}

/** Grows an Int32 list. */
class IntList {
  data = new Int32Array(8);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}

function ruleFor(column: string, spec: KeywordRuleSpec): RuleExpr {
  return { type: 'contains', column: { kind: 'column', name: column }, mode: spec.mode, text: spec.text, negated: false };
}

/**
 * Mines keyword rules for every class of a label column in one pass (see the top of this file).
 * Throws BAD_INPUT for fewer than two classes, more than `maxClasses`, or lengths that differ, and
 * CANCELLED soon after `given.signal` is aborted (it yields to the event loop every ~50 ms).
 */
export async function mineKeywordRules(texts: ReadonlyArray<string | null>, labels: ReadonlyArray<string | null>, given: KeywordMineInput): Promise<KeywordMiningResult> {
  const options = checkOptions(given);
  const pace = new Pacer(given.signal, given.onProgress);
  const n = texts.length;
  if (labels.length !== n) throw new EngineError('BAD_INPUT', `There are ${n} texts but ${labels.length} labels.`);

  // Classes, in order of first appearance.
  await pace.at(0, 'grouping rows by class and text');
  const classIndex = new Map<string, number>();
  const classes: string[] = [];
  const classOf = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    if (i % CHECK_EVERY === 0) await pace.pause();
    const label = labels[i];
    if (label === null || label === undefined) continue;
    let c = classIndex.get(label);
    if (c === undefined) {
      c = classes.length;
      classIndex.set(label, c);
      classes.push(label);
      if (classes.length > options.maxClasses) {
        throw new EngineError('BAD_INPUT', `The label column has more than ${options.maxClasses.toLocaleString('en-US')} distinct values; keyword mining takes at most ${options.maxClasses.toLocaleString('en-US')} classes (group rare labels first, or raise the limit).`);
      }
    }
    classOf[i] = c;
  }
  if (classes.length < 2) {
    throw new EngineError('BAD_INPUT', classes.length === 0 ? 'The label column has no values; keyword mining needs labelled rows.' : `The label column has one class ("${classes[0] as string}"); keyword mining needs at least two, since a rule for the only class is always right.`);
  }
  const C = classes.length;
  const role = await assignRoles(classOf, C, options.holdoutFraction, options.seed, pace);

  // Distinct texts, and rows grouped by text (counting sort).
  const textId = new Int32Array(n).fill(-1);
  const distinct = new Map<string, number>();
  const distinctTexts: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % CHECK_EVERY === 0) await pace.pause();
    const t = texts[i];
    if (t === null || t === undefined || role[i] === UNLABELLED) continue;
    let id = distinct.get(t);
    if (id === undefined) {
      id = distinctTexts.length;
      distinct.set(t, id);
      distinctTexts.push(t);
    }
    textId[i] = id;
  }
  const T = distinctTexts.length;
  const start = new Int32Array(T + 1);
  for (let i = 0; i < n; i++) {
    const t = textId[i] as number;
    if (t >= 0) start[t + 1] = (start[t + 1] as number) + 1;
  }
  for (let t = 0; t < T; t++) start[t + 1] = (start[t + 1] as number) + (start[t] as number);
  const rowsByText = new Int32Array(start[T] as number);
  const fill = start.slice(0, T);
  for (let i = 0; i < n; i++) {
    const t = textId[i] as number;
    if (t >= 0) rowsByText[(fill[t] as number)++] = i;
  }

  // Per text, its rows as (class, role, count) entries.
  const entryStart = new Int32Array(T + 1);
  const entryClass = new IntList();
  const entryRole = new IntList();
  const entryCount = new IntList();
  const scratch = new Map<number, number>();
  for (let t = 0; t < T; t++) {
    if (t % CHECK_EVERY === 0) await pace.pause();
    scratch.clear();
    for (let k = start[t] as number; k < (start[t + 1] as number); k++) {
      const i = rowsByText[k] as number;
      const key = (classOf[i] as number) * 4 + (role[i] as number);
      scratch.set(key, (scratch.get(key) ?? 0) + 1);
    }
    for (const [key, count] of scratch) {
      entryClass.push(key >> 2);
      entryRole.push(key & 3);
      entryCount.push(count);
    }
    entryStart[t + 1] = entryClass.length;
  }
  const eClass = entryClass.view();
  const eRole = entryRole.view();
  const eCount = entryCount.view();

  // Row totals per role and class.
  const rowsOf = [new Float64Array(C), new Float64Array(C), new Float64Array(C)];
  const roleRows = [0, 0, 0];
  let unlabelled = 0;
  for (let i = 0; i < n; i++) {
    const r = role[i] as number;
    if (r === UNLABELLED) {
      unlabelled++;
      continue;
    }
    const byClass = rowsOf[r] as Float64Array;
    byClass[classOf[i] as number] = (byClass[classOf[i] as number] as number) + 1;
    roleRows[r] = (roleRows[r] as number) + 1;
  }

  const trainRows = (roleRows[GROW] as number) + (roleRows[OUT_OF_BAG] as number);
  const minCount = options.minSupport >= 1 ? Math.ceil(options.minSupport) : Math.max(1, Math.ceil(options.minSupport * trainRows));
  const halfCount = Math.max(1, Math.ceil(minCount / 2));

  // Candidates and their postings (the distinct texts holding them). A first pass counts the rows
  // of each word and phrase, so the many that occur in fewer rows than a rule needs get no posting.
  await pace.at(0.1, 'counting words and phrases');
  const keysOf: string[][] = new Array<string[]>(T);
  const rowsWith = new Map<string, number>();
  for (let t = 0; t < T; t++) {
    if (t % CHECK_EVERY === 0) await pace.pause(0.1 + (0.35 * t) / T);
    const keys = candidatesOf(distinctTexts[t] as string, options.phrases);
    keysOf[t] = keys;
    const rows = (start[t + 1] as number) - (start[t] as number);
    for (const key of keys) rowsWith.set(key, (rowsWith.get(key) ?? 0) + rows);
  }
  const candidateIndex = new Map<string, number>();
  const candidateKeys: string[] = [];
  for (const [key, rows] of rowsWith) {
    if (rows < halfCount) continue;
    candidateIndex.set(key, candidateKeys.length);
    candidateKeys.push(key);
  }
  rowsWith.clear();
  await pace.at(0.45, 'indexing candidate words');
  const postings: IntList[] = candidateKeys.map(() => new IntList());
  for (let t = 0; t < T; t++) {
    if (t % CHECK_EVERY === 0) await pace.pause(0.45 + (0.1 * t) / T);
    for (const key of keysOf[t] as string[]) {
      const id = candidateIndex.get(key);
      if (id !== undefined) (postings[id] as IntList).push(t);
    }
  }
  keysOf.length = 0;

  // Co-occurrence of every candidate with every class on grow rows, once; the best per class kept.
  interface Candidate {
    id: number;
    growTp: number;
    growSupport: number;
    score: number;
  }
  const perClass: Candidate[][] = Array.from({ length: C }, () => []);
  const tpScratch = new Float64Array(C);
  const touched = new IntList();
  await pace.at(0.55, 'counting words per class');
  for (let id = 0; id < candidateKeys.length; id++) {
    if (id % CHECK_EVERY === 0) await pace.pause(0.55 + (0.15 * id) / candidateKeys.length);
    const post = (postings[id] as IntList).view();
    let support = 0;
    touched.length = 0;
    for (const t of post) {
      for (let e = entryStart[t] as number; e < (entryStart[t + 1] as number); e++) {
        if (eRole[e] !== GROW) continue;
        const c = eClass[e] as number;
        if (tpScratch[c] === 0) touched.push(c);
        tpScratch[c] = (tpScratch[c] as number) + (eCount[e] as number);
        support += eCount[e] as number;
      }
    }
    for (const c of touched.view()) {
      const tp = tpScratch[c] as number;
      tpScratch[c] = 0;
      if (tp < halfCount) continue;
      // Smoothed precision, so that a word seen once with a class does not beat one seen 200 times at 99%.
      const score = (tp + 1) / (support + 2);
      if (score < options.minPrecision * 0.8) continue;
      (perClass[c] as Candidate[]).push({ id, growTp: tp, growSupport: support, score });
    }
  }

  /** Rows of a role covered by a candidate's texts: support and rows of class c. */
  const countOn = (post: Int32Array, r: number, c: number, skip: Uint8Array | null): { support: number; tp: number } => {
    let support = 0;
    let tp = 0;
    for (const t of post) {
      if (skip && skip[t]) continue;
      for (let e = entryStart[t] as number; e < (entryStart[t + 1] as number); e++) {
        if (eRole[e] !== r) continue;
        support += eCount[e] as number;
        if (eClass[e] === c) tp += eCount[e] as number;
      }
    }
    return { support, tp };
  };

  const covered = new Uint8Array(T);
  const reports: KeywordClassReport[] = [];
  const allRules: KeywordRule[] = [];
  const warnings: string[] = [];
  await pace.at(0.7, 'choosing rules per class');
  for (let c = 0; c < C; c++) {
    await pace.pause(0.7 + (0.25 * c) / C);
    const label = classes[c] as string;
    const trainOfClass = ((rowsOf[GROW] as Float64Array)[c] as number) + ((rowsOf[OUT_OF_BAG] as Float64Array)[c] as number);
    const holdoutOfClass = (rowsOf[HOLDOUT] as Float64Array)[c] as number;
    const report: KeywordClassReport = { label, rows: { train: trainOfClass, holdout: holdoutOfClass }, rules: [], set: null };
    reports.push(report);
    if (trainOfClass < minCount) {
      report.note = `${trainOfClass} training rows, fewer than the minimum support of ${minCount}`;
      continue;
    }
    // The pool: the most precise candidates and the most frequent ones (a common word at 92% beats
    // a rare phrase at 100% on F1, and would never rank among the most precise).
    const all = perClass[c] as Candidate[];
    const byScore = [...all].sort((a, b) => b.score - a.score || b.growTp - a.growTp || a.id - b.id).slice(0, options.candidatesPerClass);
    const byCount = all.sort((a, b) => b.growTp - a.growTp || b.score - a.score || a.id - b.id).slice(0, options.candidatesPerClass);
    const pool = [...new Set([...byCount, ...byScore])];
    const passing: Array<{ cand: Candidate; oob: { support: number; tp: number } }> = [];
    for (const cand of pool) {
      await pace.pause();
      const oob = countOn((postings[cand.id] as IntList).view(), OUT_OF_BAG, c, null);
      if (oob.support >= halfCount && oob.tp / oob.support >= options.minPrecision) passing.push({ cand, oob });
    }
    // Greedy forward selection by the class set's F1 on out-of-bag rows.
    const positives = (rowsOf[OUT_OF_BAG] as Float64Array)[c] as number;
    const f1 = (tp: number, support: number): number => (tp === 0 ? 0 : (2 * tp) / (support + positives));
    covered.fill(0);
    let setTp = 0;
    let setSupport = 0;
    const chosen: typeof passing = [];
    while (chosen.length < options.maxRulesPerClass) {
      let best: { item: (typeof passing)[number]; tp: number; support: number } | null = null;
      let bestScore = f1(setTp, setSupport) + 1e-3;
      for (const item of passing) {
        if (chosen.includes(item)) continue;
        await pace.pause();
        const fresh = countOn((postings[item.cand.id] as IntList).view(), OUT_OF_BAG, c, covered);
        const score = f1(setTp + fresh.tp, setSupport + fresh.support);
        if (score > bestScore + 1e-12) {
          bestScore = score;
          best = { item, tp: setTp + fresh.tp, support: setSupport + fresh.support };
        }
      }
      if (!best) break;
      chosen.push(best.item);
      for (const t of (postings[best.item.cand.id] as IntList).view()) covered[t] = 1;
      setTp = best.tp;
      setSupport = best.support;
    }
    if (chosen.length === 0) {
      report.note = pool.length === 0 ? `no word or phrase reaches precision ${options.minPrecision} with ${halfCount}+ rows on grow rows` : `no candidate keeps precision ${options.minPrecision} with ${halfCount}+ rows on out-of-bag rows`;
      continue;
    }
    const holdoutRows = roleRows[HOLDOUT] as number;
    const metrics = (tp: number, support: number): TagMetrics => metricsFromCounts(tp, support - tp, holdoutOfClass - tp, holdoutRows - support - (holdoutOfClass - tp));
    covered.fill(0);
    for (const { cand, oob } of chosen) {
      const key = candidateKeys[cand.id] as string;
      const spec: KeywordRuleSpec = { label, mode: key.includes(' ') ? 'phrase' : 'word', text: key };
      const ast = ruleFor(options.column, spec);
      const post = (postings[cand.id] as IntList).view();
      const held = countOn(post, HOLDOUT, c, null);
      const evidence: KeywordRule['evidence'] = { right: [], wrong: [] };
      for (const t of post) {
        covered[t] = 1;
        for (let k = start[t] as number; k < (start[t + 1] as number) && (evidence.right.length < 5 || evidence.wrong.length < 5); k++) {
          const i = rowsByText[k] as number;
          if (role[i] !== HOLDOUT) continue;
          const list = classOf[i] === c ? evidence.right : evidence.wrong;
          if (list.length < 5) list.push(i);
        }
      }
      evidence.right.sort((a, b) => a - b);
      evidence.wrong.sort((a, b) => a - b);
      const rule: KeywordRule = {
        ...spec,
        ast,
        ruleText: printRule(ast),
        grow: { support: cand.growSupport, tp: cand.growTp },
        outOfBag: { support: oob.support, tp: oob.tp, precision: oob.tp / oob.support },
        holdout: metrics(held.tp, held.support),
        evidence,
      };
      report.rules.push(rule);
      allRules.push(rule);
    }
    let union = { support: 0, tp: 0 };
    for (let t = 0; t < T; t++) {
      if (!covered[t]) continue;
      for (let e = entryStart[t] as number; e < (entryStart[t + 1] as number); e++) {
        if (eRole[e] !== HOLDOUT) continue;
        union = { support: union.support + (eCount[e] as number), tp: union.tp + (eClass[e] === c ? (eCount[e] as number) : 0) };
      }
    }
    report.set = metrics(union.tp, union.support);
  }
  allRules.sort((a, b) => b.outOfBag.precision - a.outOfBag.precision || b.outOfBag.tp - a.outOfBag.tp || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || (a.text < b.text ? -1 : 1));

  // Overall, on holdout: each row labelled by the first rule that fires.
  await pace.at(0.95, 'measuring the rules together on holdout rows');
  const firstRuleOf = keywordMatcher(allRules);
  const firstRule = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    if (t % CHECK_EVERY === 0) await pace.pause();
    firstRule[t] = firstRuleOf(distinctTexts[t] as string);
  }
  let labelled = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    if (role[i] !== HOLDOUT || (textId[i] as number) < 0) continue;
    const k = firstRule[textId[i] as number] as number;
    if (k < 0) continue;
    labelled++;
    if ((allRules[k] as KeywordRule).label === classes[classOf[i] as number]) correct++;
  }
  const holdoutRows = roleRows[HOLDOUT] as number;
  const without = reports.filter((r) => r.rules.length === 0).length;
  if (without > 0) warnings.push(`${without} of ${C} classes got no keyword rule (see each class's note).`);
  return {
    column: options.column,
    classes: reports,
    rules: allRules,
    rows: { train: trainRows, holdout: holdoutRows, unlabelled },
    overall: { labelled, correct, coverage: holdoutRows > 0 ? labelled / holdoutRows : 0, precision: labelled > 0 ? correct / labelled : null },
    candidates: candidateKeys.length,
    options,
    warnings,
  };
}

const APPLY_MEMO_LIMIT = 200_000;

/**
 * For each text, the index of the first rule (in list order) that fires, -1 when none (and for
 * null text). Phrases of any length work; rules are matched on the words of text-match.ts.
 */
export function applyKeywordRules(rules: ReadonlyArray<KeywordRuleSpec>, texts: ReadonlyArray<string | null>): Int32Array {
  const firstRuleOf = keywordMatcher(rules);
  const out = new Int32Array(texts.length).fill(-1);
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i];
    if (text !== null && text !== undefined) out[i] = firstRuleOf(text);
  }
  return out;
}

/** The index of the first rule (in list order) that fires on a text, -1 when none; throws BAD_INPUT for a rule without words. */
function keywordMatcher(rules: ReadonlyArray<KeywordRuleSpec>): (text: string) => number {
  // Rules by their first word; each entry keeps the rest of its words.
  const byFirst = new Map<string, Array<{ index: number; words: string[] }>>();
  rules.forEach((rule, index) => {
    const words = tokenizeWords(rule.text);
    if (words.length === 0 || (rule.mode === 'word' && words.length !== 1)) throw new EngineError('BAD_INPUT', `The keyword rule '${rule.text}' for "${rule.label}" is not ${rule.mode === 'word' ? 'one word' : 'a phrase of words'}.`);
    const list = byFirst.get(words[0] as string) ?? [];
    list.push({ index, words });
    byFirst.set(words[0] as string, list);
  });
  const seen = new Map<string, number>();
  return (text) => {
    const known = seen.get(text);
    if (known !== undefined) return known;
    const words = tokenizeWords(text);
    let best = -1;
    for (let s = 0; s < words.length; s++) {
      const list = byFirst.get(words[s] as string);
      if (!list) continue;
      for (const { index, words: want } of list) {
        if (best >= 0 && index >= best) continue;
        let ok = s + want.length <= words.length;
        for (let k = 1; ok && k < want.length; k++) ok = words[s + k] === want[k];
        if (ok) best = index;
      }
    }
    // Repeated texts (invoice lines of one product) are looked up once; the memo stops growing at
    // a bound, so a million distinct titles do not fill memory with it.
    if (seen.size < APPLY_MEMO_LIMIT) seen.set(text, best);
    return best;
  };
}
