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
import { EngineError } from '../protocol/errors';
import type { ColumnDesc } from './tag-data';
import { vectorToFloat64 } from '../data/arrow-values';
import { binBoolean, binCategory, binNumeric, countPositives, filterRows, ruleKey, sampleIndices, type BinnedFeature } from './mining-bins';
import { conditionsToAst, coverRows, RawValues, toConditions, type MinedRuleInternal } from './mining-conditions';
import { minSupportCount, type MineOptions } from './mining-options';
import { polishRule, refitThresholds } from './mining-polish';
import { selectRuleSet, type Pooled } from './mining-selection';
import { beamSearch, Budget, treePaths, yieldToEventLoop, type Candidate, type Score } from './mining-search';

export type { BinnedFeature } from './mining-bins';
export { conditionsToAst, type Condition, type MinedRuleInternal } from './mining-conditions';
export { checkMineOptions, DEFAULT_MINE_OPTIONS, type MineOptions } from './mining-options';

/** Rows used to grow rules and to choose them are capped (seeded samples); holdout metrics use every row. */
const MAX_GROW_ROWS = 150_000;
const MAX_PRUNE_ROWS = 150_000;

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

/** Where a mined rule fires, computed from its conditions (a cross-check for the AST evaluator). */
export function minedRuleFires(rule: MinedRuleInternal, features: BinnedFeature[], table: Table): Uint8Array {
  const raw = new RawValues(table, features);
  const all = Uint32Array.from({ length: table.numRows }, (_, i) => i);
  const out = new Uint8Array(table.numRows);
  for (const r of coverRows(rule.conditions, all, raw, features)) out[r] = 1;
  return out;
}
