import type { DataEngine } from '../data/engine';
import { quoteIdent } from '../data/sql-text';
import { throwIfAborted } from '../protocol/errors';
import type { RuleExpr } from '../tags/ast';
import { printRule } from '../tags/printer';
import { describeRelation } from '../tags/tag-data';
import { packToSql } from './dialects/pack-sql';
import { numberedRows, ROW } from './entity-key';
import { canonicalJson } from './io';
import { checkPackColumns, columnFill } from './service';
import { checkRuleTypes } from './type-check';
import { METRIC_NAMES, type PackTag, type RulePack } from './schema';

export interface MetricDelta {
  metric: string;
  old: number | null;
  new: number | null;
  delta: number | null;
}

export interface TagChange {
  name: string;
  kind: PackTag['kind'];
  /** What changed, in words: "rule", "threshold", "model", "kind", "segment", "description", ... */
  fields: string[];
  /** For rules: the top-level AND conditions as lines, `- removed`, `+ added`, `  kept`. */
  conditions: string[];
  metrics: MetricDelta[];
}

export interface TagOnData {
  name: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  oldCoverage: number | null;
  newCoverage: number | null;
  gained: number;
  lost: number;
  /** |old ∩ new| / |old ∪ new| (1 when both are empty). */
  jaccard: number | null;
  exampleGained: string[];
  exampleLost: string[];
}

export interface PackDiff {
  old: { name: string; version: string; contentHash: string };
  new: { name: string; version: string; contentHash: string };
  added: string[];
  removed: string[];
  changed: TagChange[];
  unchanged: string[];
  data?: { table: string; rows: number; tags: TagOnData[] };
}

/** The top-level AND conditions of a rule, as canonical text. */
export function conjuncts(expr: RuleExpr): string[] {
  return expr.type === 'and' ? expr.args.map(printRule) : [printRule(expr)];
}

/** A line diff (longest common subsequence): `- ` old only, `+ ` new only, `  ` both. */
export function lineDiff(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      (lcs[i] as number[])[j] = a[i] === b[j] ? ((lcs[i + 1] as number[])[j + 1] as number) + 1 : Math.max((lcs[i + 1] as number[])[j] as number, (lcs[i] as number[])[j + 1] as number);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || ((lcs[i] as number[])[j + 1] as number) >= ((lcs[i + 1] as number[])[j] as number))) {
      // Removals before additions at the same point read better: `- x > 500` then `+ x > 400`.
      if (i < n && ((lcs[i + 1] as number[])[j] as number) === ((lcs[i] as number[])[j] as number)) {
        out.push(`- ${a[i]}`);
        i++;
      } else {
        out.push(`+ ${b[j]}`);
        j++;
      }
    } else {
      out.push(`- ${a[i]}`);
      i++;
    }
  }
  return out;
}

function definition(tag: PackTag): unknown {
  if (tag.kind === 'rule') return tag.rule.ast;
  if (tag.kind === 'model') return tag.model;
  return tag.segment;
}

function changedFields(a: PackTag, b: PackTag): string[] {
  if (a.kind !== b.kind) return ['kind'];
  const fields: string[] = [];
  // Tags are matched by id (the output column): a new display name is a change, not a new tag.
  if (a.name !== b.name) fields.push(`name (was "${a.name}")`);
  if (a.kind === 'rule' && b.kind === 'rule') {
    if (canonicalJson(a.rule.ast) !== canonicalJson(b.rule.ast)) fields.push('rule');
    else if (a.rule.text !== b.rule.text) fields.push('rule text');
  } else if (a.kind === 'model' && b.kind === 'model') {
    if (a.model.threshold !== b.model.threshold) fields.push('threshold');
    if (a.model.xgboostJson !== b.model.xgboostJson) fields.push('model');
  } else if (canonicalJson(definition(a)) !== canonicalJson(definition(b))) {
    fields.push('segment');
  }
  for (const f of ['group', 'description', 'owner', 'status'] as const) if (a[f] !== b[f]) fields.push(f);
  if (canonicalJson(a.gates) !== canonicalJson(b.gates)) fields.push('gates');
  return fields;
}

function metricDeltas(a: PackTag, b: PackTag): MetricDelta[] {
  const out: MetricDelta[] = [];
  for (const metric of METRIC_NAMES) {
    const pick = (t: PackTag): number | null => {
      if (!t.metrics) return null;
      if (metric === 'support') return t.metrics.support;
      return t.metrics[metric]?.value ?? null;
    };
    const x = pick(a);
    const y = pick(b);
    if (x === null && y === null) continue;
    out.push({ metric, old: x, new: y, delta: x !== null && y !== null ? y - x : null });
  }
  return out;
}

/** What changed between two versions of a pack, tag by tag. */
export function diffPacks(oldPack: RulePack, newPack: RulePack): PackDiff {
  const oldTags = new Map(oldPack.tags.map((t) => [t.id, t]));
  const newTags = new Map(newPack.tags.map((t) => [t.id, t]));
  const changed: TagChange[] = [];
  const unchanged: string[] = [];
  for (const tag of newPack.tags) {
    const before = oldTags.get(tag.id);
    if (!before) continue;
    const fields = changedFields(before, tag);
    const metrics = metricDeltas(before, tag);
    if (fields.length === 0 && metrics.every((m) => m.delta === 0)) {
      unchanged.push(tag.name);
      continue;
    }
    const conditions = before.kind === 'rule' && tag.kind === 'rule' && fields.includes('rule') ? lineDiff(conjuncts(before.rule.ast), conjuncts(tag.rule.ast)) : [];
    changed.push({ name: tag.name, kind: tag.kind, fields: fields.length ? fields : ['metrics'], conditions, metrics });
  }
  return {
    old: { name: oldPack.name, version: oldPack.version, contentHash: oldPack.contentHash },
    new: { name: newPack.name, version: newPack.version, contentHash: newPack.contentHash },
    added: newPack.tags.filter((t) => !oldTags.has(t.id)).map((t) => t.name),
    removed: oldPack.tags.filter((t) => !newTags.has(t.id)).map((t) => t.name),
    changed,
    unchanged,
  };
}

const EXAMPLES = 5;

/**
 * Each tag's firing rows on a relation, with each row's identity: its key value when `byKey`,
 * otherwise its row number in the table (a pack without a key, or two packs keyed differently).
 */
async function tagSets(engine: DataEngine, pack: RulePack, relation: string, columns: Array<{ name: string }>, byKey: boolean, signal?: AbortSignal): Promise<{ keys: string[]; fires: Map<string, Uint8Array> }> {
  const table = await engine.driver.query(packToSql(pack, 'duckdb', { header: false, source: numberedRows(relation, columns), passThrough: [ROW] }), signal);
  const keyVector = table.getChild(byKey && pack.entity.key !== null ? pack.entity.key : ROW);
  const keys = Array.from({ length: table.numRows }, (_, i) => (byKey ? String(keyVector?.get(i)) : `row ${String(keyVector?.get(i))}`));
  const fires = new Map<string, Uint8Array>();
  for (const tag of pack.tags) {
    const v = table.getChild(tag.id);
    fires.set(tag.id, Uint8Array.from({ length: table.numRows }, (_, i) => (v?.get(i) === true ? 1 : 0)));
  }
  return { keys, fires };
}

/**
 * The diff plus, on a table, each tag's coverage old -> new, entities gained and lost, and Jaccard.
 * `where` names the data in messages (the file it was read from); the quoted table name when absent.
 */
export async function diffPacksOnData(engine: DataEngine, oldPack: RulePack, newPack: RulePack, table: string, signal?: AbortSignal, where = `"${table}"`): Promise<PackDiff> {
  const diff = diffPacks(oldPack, newPack);
  const relation = quoteIdent(table);
  const columns = await describeRelation(engine, relation, signal);
  // Both packs must run on the data: a missing column or a text column compared with a number is
  // named here, with the pack it is for, rather than as DuckDB's Binder Error.
  for (const [pack, whose] of [[oldPack, 'the old pack'], [newPack, 'the new pack']] as const) {
    checkPackColumns(pack, columns, where, whose);
    await checkRuleTypes(pack, columns, where, columnFill(engine, relation, columns, signal));
  }
  const byKey = oldPack.entity.key !== null && oldPack.entity.key === newPack.entity.key;
  const before = await tagSets(engine, oldPack, relation, columns, byKey, signal);
  throwIfAborted(signal);
  const after = await tagSets(engine, newPack, relation, columns, byKey, signal);
  // Entities are matched by key: the two packs may order rows differently.
  const index = new Map(after.keys.map((k, i) => [k, i]));
  const rows = before.keys.length;
  // By id (the output column); shown by the newest name.
  const oldById = new Map(oldPack.tags.map((t) => [t.id, t]));
  const newById = new Map(newPack.tags.map((t) => [t.id, t]));
  const status = (id: string, name: string): TagOnData['status'] =>
    !oldById.has(id) ? 'added' : !newById.has(id) ? 'removed' : diff.unchanged.includes(name) ? 'unchanged' : 'changed';
  const ids = [...new Set([...oldPack.tags.map((t) => t.id), ...newPack.tags.map((t) => t.id)])];
  const tags = ids.map((id): TagOnData => {
    const name = (newById.get(id) ?? oldById.get(id))?.name ?? id;
    const o = before.fires.get(id);
    const n = after.fires.get(id);
    let oldCount = 0;
    let newCount = 0;
    let both = 0;
    const exampleGained: string[] = [];
    const exampleLost: string[] = [];
    let gained = 0;
    let lost = 0;
    before.keys.forEach((key, i) => {
      const j = index.get(key);
      const x = o ? o[i] === 1 : false;
      const y = n && j !== undefined ? n[j] === 1 : false;
      oldCount += x ? 1 : 0;
      newCount += y ? 1 : 0;
      both += x && y ? 1 : 0;
      if (y && !x) {
        gained++;
        if (exampleGained.length < EXAMPLES) exampleGained.push(key);
      }
      if (x && !y) {
        lost++;
        if (exampleLost.length < EXAMPLES) exampleLost.push(key);
      }
    });
    const union = oldCount + newCount - both;
    return {
      name,
      status: status(id, name),
      oldCoverage: o && rows > 0 ? oldCount / rows : null,
      newCoverage: n && rows > 0 ? newCount / rows : null,
      gained,
      lost,
      jaccard: o && n ? (union === 0 ? 1 : both / union) : null,
      exampleGained,
      exampleLost,
    };
  });
  return { ...diff, data: { table, rows, tags } };
}

/** The diff as text for a terminal or a CI log; `dataName` names the data (the file given) instead of its table. */
export function formatDiff(diff: PackDiff, dataName?: string): string {
  const lines = [`${diff.old.name} ${diff.old.version} -> ${diff.new.name} ${diff.new.version}`];
  for (const name of diff.added) lines.push(`added   ${name}`);
  for (const name of diff.removed) lines.push(`removed ${name}`);
  for (const change of diff.changed) {
    lines.push(`changed ${change.name} (${change.fields.join(', ')})`);
    for (const c of change.conditions) lines.push(`    ${c}`);
    for (const m of change.metrics) {
      if (m.delta === 0) continue;
      const f = (v: number | null): string => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(4));
      lines.push(`    ${m.metric}: ${f(m.old)} -> ${f(m.new)}${m.delta === null ? '' : ` (${m.delta >= 0 ? '+' : ''}${f(m.delta)})`}`);
    }
  }
  if (diff.unchanged.length) lines.push(`unchanged ${diff.unchanged.join(', ')}`);
  if (diff.data) {
    lines.push(`on ${dataName ?? diff.data.table} (${diff.data.rows} entities):`);
    const pct = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(2)}%`);
    for (const t of diff.data.tags) {
      lines.push(`  ${t.name} [${t.status}]: coverage ${pct(t.oldCoverage)} -> ${pct(t.newCoverage)}, +${t.gained} -${t.lost}, Jaccard ${t.jaccard === null ? '-' : t.jaccard.toFixed(3)}`);
      if (t.exampleGained.length) lines.push(`    gained e.g. ${t.exampleGained.join(', ')}`);
      if (t.exampleLost.length) lines.push(`    lost e.g. ${t.exampleLost.join(', ')}`);
    }
  }
  return lines.join('\n');
}
