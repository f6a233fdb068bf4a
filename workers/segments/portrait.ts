/**
 * Portrait cards: for each segment of a table, its size, how its feature means differ from the
 * population (lift and standardised difference), its top categories, a short rule that tells it
 * apart (the best leaf of a shallow decision tree, measured on every row) and a suggested name.
 * Aggregates run in DuckDB; only the rule tree runs in JS, on a fixed-seed sample of rows.
 */
import type { Table } from 'apache-arrow';
import type { ColumnInfo } from '../data/types';
import type { DataEngine } from '../data/engine';
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import { EngineError, throwIfAborted } from '../protocol/errors';
import type { JobContext } from '../protocol/host';
import type { ComparisonOp, RuleExpr } from '../tags/ast';
import { printRule } from '../tags/printer';
import { ruleToDuckdbSql } from '../tags/to-sql';
import { segmentValues } from './portrait-value';
import type {
  PortraitCard,
  PortraitCategoryStat,
  PortraitFeatureStat,
  PortraitParams,
  PortraitResult,
  PortraitRule,
} from './types';
import { isNumericTypeName as isNumericType } from '../data/type-names';

const MAX_SEGMENTS = 100;
const MAX_CATEGORY_LEVELS = 50;
const TOP_CATEGORY_VALUES = 3;
const DEFAULT_RULE_SAMPLE = 100_000;
/** Features with a smaller standardised difference are not called distinguishing. */
const MIN_DISTINGUISHING_Z = 0.1;
/** Features with a smaller standardised difference do not go into a suggested name. */
const MIN_NAMING_Z = 0.25;
/** Candidate cuts per feature; bins fit a byte, 255 marks a missing value. */
const MAX_THRESHOLDS = 254;

function rowsOf(table: Table): Array<Record<string, unknown>> {
  return table.toArray().map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
}

function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}

function isIntegerType(type: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/i.test(type);
}

function isCategoricalType(type: string): boolean {
  return /^(VARCHAR|BOOLEAN|ENUM)/i.test(type);
}

function findColumn(columns: ColumnInfo[], name: unknown, role: string, table: string): ColumnInfo {
  if (typeof name !== 'string' || name === '') throw new EngineError('BAD_INPUT', `Choose the ${role} column.`);
  const found = columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new EngineError('BAD_INPUT', `The ${role} column "${name}" is not in table "${table}" (its columns: ${columns.map((c) => c.name).join(', ')}).`);
  return found;
}

// ------------------------------------------------------------------ rules

/** A condition on a path of the tree: feature `f` <= or > a threshold. */
interface Condition {
  feature: number;
  op: '<=' | '>';
  threshold: number;
}

interface TreeData {
  /** Per feature, each sampled row's bin: values <= thresholds[j] fall in bins 0..j; 255 = missing. */
  bins: Uint8Array[];
  thresholds: number[][];
  rows: number;
}

/** A threshold in [lo, hi) with as few significant digits as keep it there, so rules read well. */
function roundedCut(lo: number, hi: number): number {
  const mid = lo + (hi - lo) / 2;
  for (let digits = 1; digits <= 15; digits++) {
    const v = Number(mid.toPrecision(digits));
    if (v >= lo && v < hi) return v;
  }
  return lo;
}

function binFeatures(columns: Float64Array[]): TreeData {
  const rows = columns[0]?.length ?? 0;
  const thresholds: number[][] = [];
  const bins: Uint8Array[] = [];
  for (const values of columns) {
    const present = values.filter((v) => !Number.isNaN(v)).sort();
    // Cut between neighbouring distinct values when there are few, so a gap between groups can be
    // found; every cut is the roundest number that falls where it must, so rules read well.
    const distinct: number[] = [];
    for (const v of present) if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
    const gaps = distinct.length - 1;
    const cuts = new Set<number>();
    if (gaps <= MAX_THRESHOLDS) {
      for (let i = 0; i < gaps; i++) cuts.add(roundedCut(distinct[i] as number, distinct[i + 1] as number));
    } else {
      // Many values: one cut per slice of the sorted values, at the roundest number inside it.
      for (let k = 0; k < MAX_THRESHOLDS; k++) {
        const from = Math.floor((k * gaps) / MAX_THRESHOLDS);
        const to = Math.max(from + 1, Math.floor(((k + 1) * gaps) / MAX_THRESHOLDS));
        cuts.add(roundedCut(distinct[from] as number, distinct[to] as number));
      }
    }
    const sorted = [...cuts].sort((a, b) => a - b);
    thresholds.push(sorted);
    const b = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      const v = values[r] as number;
      if (Number.isNaN(v)) {
        b[r] = 255;
        continue;
      }
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v <= (sorted[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      b[r] = lo;
    }
    bins.push(b);
  }
  return { bins, thresholds, rows };
}

interface Leaf {
  conditions: Condition[];
  positives: number;
  size: number;
}

function gini(pos: number, n: number): number {
  if (n === 0) return 0;
  const p = pos / n;
  return 2 * p * (1 - p);
}

/** Grows a depth-limited Gini tree for "in the segment" and returns its leaves. */
function growTree(data: TreeData, target: Uint8Array, depth: number, minLeaf: number, signal: AbortSignal): Leaf[] {
  const leaves: Leaf[] = [];
  const grow = (rows: Int32Array, conditions: Condition[], level: number): void => {
    throwIfAborted(signal);
    let positives = 0;
    for (const r of rows) positives += target[r] as number;
    const leaf: Leaf = { conditions, positives, size: rows.length };
    if (level >= depth || positives === 0 || positives === rows.length || rows.length < 2 * minLeaf) {
      leaves.push(leaf);
      return;
    }
    let best: { gain: number; feature: number; cut: number } | null = null;
    for (let f = 0; f < data.bins.length; f++) {
      const cuts = data.thresholds[f] as number[];
      if (cuts.length === 0) continue;
      const bins = data.bins[f] as Uint8Array;
      const pos = new Float64Array(cuts.length + 1);
      const tot = new Float64Array(cuts.length + 1);
      let present = 0;
      let presentPos = 0;
      for (const r of rows) {
        const b = bins[r] as number;
        if (b === 255) continue;
        tot[b] = (tot[b] as number) + 1;
        const y = target[r] as number;
        pos[b] = (pos[b] as number) + y;
        present += 1;
        presentPos += y;
      }
      const parent = gini(presentPos, present) * present;
      let leftN = 0;
      let leftPos = 0;
      for (let j = 0; j < cuts.length; j++) {
        leftN += tot[j] as number;
        leftPos += pos[j] as number;
        const rightN = present - leftN;
        if (leftN < minLeaf || rightN < minLeaf) continue;
        const gain = parent - gini(leftPos, leftN) * leftN - gini(presentPos - leftPos, rightN) * rightN;
        if (gain > 1e-12 && (best === null || gain > best.gain)) best = { gain, feature: f, cut: j };
      }
    }
    if (!best) {
      leaves.push(leaf);
      return;
    }
    const bins = data.bins[best.feature] as Uint8Array;
    const threshold = (data.thresholds[best.feature] as number[])[best.cut] as number;
    const left: number[] = [];
    const right: number[] = [];
    for (const r of rows) {
      const b = bins[r] as number;
      if (b === 255) continue; // a condition on a missing value is false on both sides
      (b <= best.cut ? left : right).push(r);
    }
    grow(Int32Array.from(left), [...conditions, { feature: best.feature, op: '<=', threshold }], level + 1);
    grow(Int32Array.from(right), [...conditions, { feature: best.feature, op: '>', threshold }], level + 1);
  };
  const all = new Int32Array(data.rows);
  for (let i = 0; i < data.rows; i++) all[i] = i;
  grow(all, [], 0);
  return leaves;
}

/** The leaf that best describes the segment (highest F1 on the sample), its conditions merged per feature. */
function bestRule(leaves: Leaf[], segmentRows: number, features: string[]): RuleExpr | null {
  let best: { f1: number; leaf: Leaf } | null = null;
  for (const leaf of leaves) {
    if (leaf.conditions.length === 0 || leaf.positives === 0) continue;
    const precision = leaf.positives / leaf.size;
    const recall = leaf.positives / segmentRows;
    const f1 = (2 * precision * recall) / (precision + recall);
    if (best === null || f1 > best.f1 + 1e-12) best = { f1, leaf };
  }
  if (!best) return null;
  // x > 3 AND x > 5 says x > 5: keep the tightest bound of each direction per feature.
  const bounds = new Map<string, Condition>();
  for (const c of best.leaf.conditions) {
    const key = `${c.feature}${c.op}`;
    const prev = bounds.get(key);
    if (!prev || (c.op === '<=' ? c.threshold < prev.threshold : c.threshold > prev.threshold)) bounds.set(key, c);
  }
  const order = best.leaf.conditions.map((c) => `${c.feature}${c.op}`).filter((k, i, all) => all.indexOf(k) === i);
  const args: RuleExpr[] = order.map((k) => {
    const c = bounds.get(k) as Condition;
    const op: ComparisonOp = c.op;
    return { type: 'compare', op, left: { kind: 'column', name: features[c.feature] as string }, right: { kind: 'number', value: c.threshold } };
  });
  return args.length === 1 ? (args[0] as RuleExpr) : { type: 'and', args };
}

// ------------------------------------------------------------------ names

function suggestName(stats: PortraitFeatureStat[], distinguishing: string[], count: number): string {
  const parts: string[] = [];
  for (const feature of distinguishing) {
    const s = stats.find((x) => x.feature === feature);
    if (!s || s.z === null || Math.abs(s.z) < MIN_NAMING_Z) continue;
    const level = s.z >= 1.5 ? 'Very high' : s.z > 0 ? 'High' : s.z <= -1.5 ? 'Very low' : 'Low';
    parts.push(`${level} ${feature}`);
    if (parts.length === count) break;
  }
  return parts.length > 0 ? parts.join(' · ') : 'Typical';
}

// ------------------------------------------------------------------ the job

interface ResolvedColumns {
  segment: ColumnInfo;
  features: ColumnInfo[];
  categorical: ColumnInfo[];
}

async function resolveColumns(engine: DataEngine, table: string, params: PortraitParams, signal: AbortSignal): Promise<ResolvedColumns> {
  const columns = await engine.columnsOf(table);
  const segment = findColumn(columns, params.segmentColumn, 'segment', table);
  const rel = quoteIdent(table);
  let features: ColumnInfo[];
  if (params.features !== undefined) {
    if (!Array.isArray(params.features) || params.features.length === 0) throw new EngineError('BAD_INPUT', 'List at least one feature column.');
    features = params.features.map((f) => {
      const c = findColumn(columns, f, 'feature', table);
      if (c.name === segment.name) throw new EngineError('BAD_INPUT', `The segment column "${c.name}" cannot also be a feature.`);
      if (!isNumericType(c.type) && !/^BOOLEAN$/i.test(c.type)) throw new EngineError('BAD_INPUT', `Feature "${c.name}" has type ${c.type}; portraits compare numeric features (list text columns as categorical).`);
      return c;
    });
  } else {
    features = columns.filter((c) => c.name !== segment.name && isNumericType(c.type));
    // The entity key (first column, or named like an id) with a different value on every row is not a feature.
    const ints = features.filter((c) => isIntegerType(c.type) && (c === columns[0] || /(^id|id$|key$)/i.test(c.name)));
    if (ints.length > 0) {
      const row = rowsOf(await engine.driver.query(`SELECT count(*) AS n, ${ints.map((c, i) => `count(DISTINCT ${quoteIdent(c.name)}) AS d${i}`).join(', ')} FROM ${rel}`, signal))[0] ?? {};
      const n = num(row.n) ?? 0;
      const ids = new Set(ints.filter((_c, i) => n > 1 && num(row[`d${i}`]) === n).map((c) => c.name));
      features = features.filter((c) => !ids.has(c.name));
    }
    if (features.length === 0) throw new EngineError('BAD_INPUT', `Table "${table}" has no numeric feature columns besides the segment column.`);
  }
  let categorical: ColumnInfo[];
  if (params.categorical !== undefined) {
    if (!Array.isArray(params.categorical)) throw new EngineError('BAD_INPUT', 'The categorical columns must be a list.');
    categorical = params.categorical.map((f) => findColumn(columns, f, 'categorical', table));
  } else {
    const candidates = columns.filter((c) => c.name !== segment.name && isCategoricalType(c.type));
    if (candidates.length === 0) {
      categorical = [];
    } else {
      const row = rowsOf(await engine.driver.query(`SELECT ${candidates.map((c, i) => `approx_count_distinct(${quoteIdent(c.name)}) AS d${i}`).join(', ')} FROM ${rel}`, signal))[0] ?? {};
      categorical = candidates.filter((_c, i) => (num(row[`d${i}`]) ?? Infinity) <= MAX_CATEGORY_LEVELS);
    }
  }
  return { segment, features, categorical };
}

function optionalInt(value: unknown, name: string, lo: number, hi: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
    throw new EngineError('BAD_INPUT', `${name} must be a whole number from ${lo} to ${hi} (got ${String(value)}).`);
  }
  return value;
}

export async function computePortrait(engine: DataEngine, params: PortraitParams, ctx: JobContext): Promise<PortraitResult> {
  const started = Date.now();
  const { signal } = ctx;
  const topFeatures = optionalInt(params.topFeatures, 'topFeatures', 1, 50, 5);
  const depth = optionalInt(params.ruleDepth, 'ruleDepth', 1, 3, 3);
  const sampleLimit = optionalInt(params.ruleSampleRows, 'ruleSampleRows', 100, 10_000_000, DEFAULT_RULE_SAMPLE);
  const seed = optionalInt(params.seed, 'seed', 0, 2 ** 31 - 1, 42);
  if (typeof params.table !== 'string' || params.table === '') throw new EngineError('BAD_INPUT', 'Choose a table.');
  const names = await engine.tableNames();
  const table = names.find((n) => n === params.table) ?? names.find((n) => n.toLowerCase() === params.table.toLowerCase());
  if (!table) throw new EngineError('NOT_FOUND', `There is no table named "${params.table}".`);
  const rel = quoteIdent(table);

  ctx.progress(0.02, 'reading the columns');
  const { segment, features, categorical } = await resolveColumns(engine, table, params, signal);
  const seg = quoteIdent(segment.name);
  const featureSql = features.map((f) => `CAST(${quoteIdent(f.name)} AS DOUBLE)`);

  // Population: every row that has a segment.
  ctx.progress(0.1, 'population statistics');
  const popRow = rowsOf(
    await engine.driver.query(
      `SELECT count(*) AS n, count(${seg}) AS assigned, count(DISTINCT ${seg}) AS segments${featureSql.map((f, i) => `, avg(${f}) FILTER (WHERE ${seg} IS NOT NULL) AS m${i}, stddev_pop(${f}) FILTER (WHERE ${seg} IS NOT NULL) AS s${i}`).join('')} FROM ${rel}`,
      signal,
    ),
  )[0] ?? {};
  const rowCount = num(popRow.n) ?? 0;
  const assigned = num(popRow.assigned) ?? 0;
  if (rowCount === 0) throw new EngineError('BAD_INPUT', `Table "${table}" is empty; there is nothing to describe.`);
  if (assigned === 0) throw new EngineError('BAD_INPUT', `Every row has an empty segment column "${segment.name}".`);
  const segmentCount = num(popRow.segments) ?? 0;
  if (segmentCount > MAX_SEGMENTS) {
    throw new EngineError('BAD_INPUT', `"${segment.name}" has ${segmentCount} distinct values; portraits describe at most ${MAX_SEGMENTS} segments. Is it the segment column?`);
  }
  const popMean = features.map((_f, i) => num(popRow[`m${i}`]));
  const popStd = features.map((_f, i) => num(popRow[`s${i}`]));

  throwIfAborted(signal);
  ctx.progress(0.2, 'segment statistics');
  const segRows = rowsOf(
    await engine.driver.query(
      `SELECT CAST(${seg} AS VARCHAR) AS segment, count(*) AS n${featureSql.map((f, i) => `, avg(${f}) AS m${i}, count(*) - count(${f}) AS miss${i}`).join('')} FROM ${rel} WHERE ${seg} IS NOT NULL GROUP BY ${seg} ORDER BY ${seg}`,
      signal,
    ),
  );
  const cards: PortraitCard[] = segRows.map((row) => {
    const size = num(row.n) ?? 0;
    const stats: PortraitFeatureStat[] = features.map((f, i) => {
      const segmentMean = num(row[`m${i}`]);
      const pm = popMean[i] ?? null;
      const sd = popStd[i] ?? null;
      return {
        feature: f.name,
        segmentMean,
        populationMean: pm,
        populationStd: sd,
        lift: segmentMean !== null && pm !== null && pm !== 0 ? segmentMean / pm : null,
        z: segmentMean !== null && pm !== null && sd !== null && sd > 0 ? (segmentMean - pm) / sd : null,
        missing: num(row[`miss${i}`]) ?? 0,
      };
    });
    const distinguishing = stats
      .filter((s) => s.z !== null && Math.abs(s.z) >= MIN_DISTINGUISHING_Z)
      .sort((a, b) => Math.abs(b.z as number) - Math.abs(a.z as number) || a.feature.localeCompare(b.feature))
      .slice(0, topFeatures)
      .map((s) => s.feature);
    return { segment: String(row.segment), size, share: size / assigned, features: stats, distinguishing, topCategories: [], rule: null, suggestedName: suggestName(stats, distinguishing, 2) };
  });
  const cardOf = new Map(cards.map((c) => [c.segment, c]));

  let value: PortraitResult['value'];
  if (params.value !== undefined) {
    ctx.progress(0.25, 'value per segment');
    const measured = await segmentValues(engine, rel, seg, params.value, table, signal);
    for (const card of cards) {
      const stats = measured.bySegment.get(card.segment);
      if (stats) card.value = stats;
    }
    value = measured.summary;
  }

  // Top values of each categorical column, per segment, against the population.
  for (let ci = 0; ci < categorical.length; ci++) {
    throwIfAborted(signal);
    ctx.progress(0.3 + (0.2 * ci) / categorical.length, `top values of ${categorical[ci]?.name}`);
    const col = categorical[ci] as ColumnInfo;
    // Only the top values per segment leave DuckDB, however many distinct values the column has.
    const counts = rowsOf(
      await engine.driver.query(
        [
          `WITH counts AS (SELECT CAST(${seg} AS VARCHAR) AS segment, CAST(${quoteIdent(col.name)} AS VARCHAR) AS value, count(*) AS n FROM ${rel} WHERE ${seg} IS NOT NULL GROUP BY ALL)`,
          'SELECT segment, value, n, sum(n) OVER (PARTITION BY value) AS population, row_number() OVER (PARTITION BY segment ORDER BY n DESC, value NULLS LAST) AS rank FROM counts',
          `QUALIFY rank <= ${TOP_CATEGORY_VALUES}`,
        ].join('\n'),
        signal,
      ),
    );
    for (const card of cards) {
      const values = counts
        .filter((r) => String(r.segment) === card.segment)
        .sort((a, b) => (num(a.rank) ?? 0) - (num(b.rank) ?? 0))
        .map((r) => {
          const count = num(r.n) ?? 0;
          const share = count / card.size;
          const populationShare = (num(r.population) ?? 0) / assigned;
          return { value: r.value === null ? null : String(r.value), count, share, populationShare, lift: populationShare > 0 ? share / populationShare : null };
        });
      const stat: PortraitCategoryStat = { column: col.name, values };
      card.topCategories.push(stat);
    }
  }

  // Rules: a shallow tree per segment on a fixed-seed sample (a hash of the row id, no sort), then measured on every row.
  throwIfAborted(signal);
  ctx.progress(0.5, 'growing rule trees');
  const sampled = assigned > sampleLimit;
  const sampleSql = `SELECT CAST(${seg} AS VARCHAR) AS __segment${featureSql.map((f, i) => `, ${f} AS f${i}`).join('')} FROM ${rel} WHERE ${seg} IS NOT NULL${sampled ? ` AND hash(rowid + ${seed}) % 1000000 < ${Math.ceil((1_000_000 * sampleLimit) / assigned)}` : ''}`;
  const sample = await engine.driver.query(sampleSql, signal);
  const sampleRows = sample.numRows;
  const labels = (sample.getChild('__segment')?.toArray() ?? []) as Array<string | null>;
  const columns = features.map((_f, i) => {
    const vector = sample.getChild(`f${i}`);
    if (!vector) throw new EngineError('INTERNAL', 'The rule sample lost a feature column.');
    const out = Float64Array.from(vector.toArray() as ArrayLike<number>);
    if (vector.nullCount > 0) {
      for (let r = 0; r < sampleRows; r++) if (!vector.isValid(r)) out[r] = Number.NaN;
    }
    return out;
  });
  const data = binFeatures(columns);
  // Rules compare numbers; a boolean feature would need another node kind.
  features.forEach((f, i) => {
    if (!isNumericType(f.type)) data.thresholds[i] = [];
  });
  const minLeaf = Math.max(2, Math.ceil(0.01 * sampleRows));
  const rules = new Map<string, RuleExpr>();
  for (let k = 0; k < cards.length; k++) {
    throwIfAborted(signal);
    ctx.progress(0.5 + (0.4 * k) / cards.length, `rule for segment ${cards[k]?.segment}`);
    const card = cards[k] as PortraitCard;
    const target = new Uint8Array(sampleRows);
    let positives = 0;
    for (let r = 0; r < sampleRows; r++) {
      if (labels[r] === card.segment) {
        target[r] = 1;
        positives += 1;
      }
    }
    if (positives === 0) continue;
    const expr = bestRule(growTree(data, target, depth, minLeaf, signal), positives, features.map((f) => f.name));
    if (expr) rules.set(card.segment, expr);
    // Let the host answer cancel messages between segments.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }

  if (rules.size > 0) {
    throwIfAborted(signal);
    ctx.progress(0.92, 'measuring the rules on every row');
    const entries = [...rules.entries()];
    const measure = rowsOf(
      await engine.driver.query(
        `SELECT ${entries.map(([label, expr], i) => `count(*) FILTER (WHERE ${ruleToDuckdbSql(expr)}) AS matched${i}, count(*) FILTER (WHERE ${ruleToDuckdbSql(expr)} AND CAST(${seg} AS VARCHAR) = ${quoteLiteral(label)}) AS hit${i}`).join(', ')} FROM ${rel} WHERE ${seg} IS NOT NULL`,
        signal,
      ),
    )[0] ?? {};
    entries.forEach(([label, expr], i) => {
      const card = cardOf.get(label) as PortraitCard;
      const matched = num(measure[`matched${i}`]) ?? 0;
      const hit = num(measure[`hit${i}`]) ?? 0;
      const rule: PortraitRule = { expr, text: printRule(expr), precision: matched > 0 ? hit / matched : 0, recall: card.size > 0 ? hit / card.size : 0, matched };
      card.rule = rule;
    });
  }

  // Names people can tell apart: add a feature, then the segment value, when two cards collide.
  const seen = new Map<string, number>();
  for (const card of cards) seen.set(card.suggestedName, (seen.get(card.suggestedName) ?? 0) + 1);
  for (const card of cards) {
    if ((seen.get(card.suggestedName) ?? 0) > 1) {
      const longer = suggestName(card.features, card.distinguishing, 3);
      card.suggestedName = cards.filter((c) => c !== card && suggestName(c.features, c.distinguishing, 3) === longer).length > 0 ? `${longer} (${card.segment})` : longer;
    }
  }

  ctx.progress(1, 'done');
  return {
    table,
    segmentColumn: segment.name,
    rowCount,
    unassignedRows: rowCount - assigned,
    features: features.map((f) => f.name),
    categorical: categorical.map((c) => c.name),
    cards,
    ruleSampleRows: sampleRows,
    ...(value ? { value } : {}),
    elapsedMs: Date.now() - started,
  };
}
