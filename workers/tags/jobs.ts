import type { DataEngine } from '../data/engine';
import { quoteIdent } from '../data/sql-text';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { jobRegistrar, type JobContext, type JobHost } from '../protocol/host';
import type { RuleExpr } from './ast';
import { ruleColumns } from './ast';
import { applicableTags, sourceLabel } from './applicability';
import { checkRuleAgainstSchema, RuleEvaluator } from './evaluate';
import { registerMiningJobs } from './mining-jobs';
import { registerKeywordJobs } from './keyword-jobs';
import { parseRule } from './parser';
import { printRule } from './printer';
import { segmentFires, segmentTagRef, SEGMENT_WITHOUT_SEGMENTATION, type SegmentTagRef } from './segment-eval';
import { parseTagSet } from './tag';
import { describeRelation, resolveRelation } from './tag-data';
import { ruleToDuckdbSql } from './to-sql';
import type { TagJobs, RuleCheckParams, RuleCheckResult, RuleProblem, TagsEvaluateParams, TagsEvaluateResult } from './types';

function firstRow(table: { toArray(): unknown[] }): Record<string, unknown> {
  const row = table.toArray()[0] as { toJSON(): Record<string, unknown> } | undefined;
  return row ? row.toJSON() : {};
}

function problemOf(err: unknown): RuleProblem {
  if (!(err instanceof EngineError) || err.code !== 'BAD_INPUT') throw err;
  const d = err.detail ?? {};
  const problem: RuleProblem = { message: err.message };
  if (d.position) problem.position = d.position;
  if (typeof d.length === 'number') problem.length = d.length;
  if (typeof d.column === 'string') problem.column = d.column;
  if (typeof d.suggestion === 'string') problem.suggestion = d.suggestion;
  return problem;
}

/**
 * The live check behind the rule editor: parse, check against the source's columns, count the
 * matching rows with one DuckDB query. Problems with the rule come back as `errors` (with their
 * positions), not as a failed job, so the editor can show them as the user types.
 */
export async function checkRule(engine: DataEngine, params: RuleCheckParams, ctx: JobContext): Promise<RuleCheckResult> {
  const started = Date.now();
  if (typeof params.text !== 'string') throw new EngineError('BAD_INPUT', 'The rule must be text.');
  const relation = await resolveRelation(engine, params.source);
  const result: RuleCheckResult = { ok: false, ast: null, canonical: null, errors: [], count: null, rows: null, sql: null, elapsedMs: 0 };
  let ast: RuleExpr | null = null;
  try {
    ast = parseRule(params.text);
    result.ast = ast;
    result.canonical = printRule(ast);
    const columns = await describeRelation(engine, relation, ctx.signal);
    checkRuleAgainstSchema(ast, columns, params.text);
    result.sql = ruleToDuckdbSql(ast);
  } catch (err) {
    result.errors.push(problemOf(err));
  }
  throwIfAborted(ctx.signal);
  const counted = result.sql === null ? '' : `, count(*) FILTER (WHERE ${result.sql}) AS n`;
  const row = firstRow(await engine.driver.query(`SELECT count(*) AS total${counted} FROM ${relation}`, ctx.signal));
  result.rows = Number(row.total);
  if (result.sql !== null) {
    result.count = Number(row.n);
    result.ok = true;
  }
  result.elapsedMs = Date.now() - started;
  return result;
}

/**
 * Evaluates the rule tags of a tag set on a source: the number of rows each tags, and optionally a
 * table with one BOOLEAN column per tag. Segment tags that carry their segmentation are counted by
 * the cluster engine's own assignment (stored preprocessing, nearest centroid). Model tags, and
 * segment tags that only name a segmentation, are listed as skipped.
 */
export async function evaluateTags(engine: DataEngine, params: TagsEvaluateParams, ctx: JobContext): Promise<TagsEvaluateResult> {
  const started = Date.now();
  const set = parseTagSet(params.tagSet);
  const via = params.via ?? 'sql';
  if (via !== 'sql' && via !== 'js') throw new EngineError('BAD_INPUT', `"via" must be "sql" or "js", not ${JSON.stringify(via)}.`);
  if (params.output !== undefined && via === 'js') throw new EngineError('BAD_INPUT', 'An output table is written with via "sql"; drop "via" or the output.');
  const relation = await resolveRelation(engine, params.source);
  const columns = await describeRelation(engine, relation, ctx.signal);
  const { tags: applicable, leftOut } = applicableTags(set, columns.map((c) => c.name), sourceLabel(params.source), params.tags);
  const rules: Array<{ id: string; name: string; ast: RuleExpr }> = [];
  const skipped: TagsEvaluateResult['skipped'] = [];
  const segments: SegmentTagRef[] = [];
  for (const tag of applicable) {
    if (tag.definition.kind === 'segment') {
      const ref = segmentTagRef(tag);
      if (!ref) skipped.push({ id: tag.id, name: tag.name, reason: SEGMENT_WITHOUT_SEGMENTATION });
      else if (params.output !== undefined) skipped.push({ id: tag.id, name: tag.name, reason: 'segment tags are not written into an output table; apply a rule pack for a table with every tag' });
      else segments.push(ref);
      continue;
    }
    if (tag.definition.kind !== 'rule') {
      skipped.push({ id: tag.id, name: tag.name, reason: `${tag.definition.kind} tags are scored by the ${tag.definition.kind} service, not by rule evaluation` });
      continue;
    }
    try {
      checkRuleAgainstSchema(tag.definition.ast, columns, tag.definition.text);
    } catch (err) {
      if (err instanceof EngineError) throw new EngineError('BAD_INPUT', `Tag "${tag.name}": ${err.message}`, err.detail);
      throw err;
    }
    rules.push({ id: tag.id, name: tag.name, ast: tag.definition.ast });
  }
  ctx.progress(0.1, `evaluating ${rules.length} rule tag${rules.length === 1 ? '' : 's'}`);
  let rows: number;
  let counts: number[];
  let output: string | null = null;
  if (via === 'js') {
    const needed = [...new Set(rules.flatMap((r) => ruleColumns(r.ast)))];
    // ENUMs are read as VARCHAR: DuckDB-WASM's Arrow output can lose their dictionaries.
    const typeOf = new Map(columns.map((c) => [c.name, c.type]));
    const read = (name: string): string => (/^ENUM\b/i.test(typeOf.get(name) ?? '') ? `CAST(${quoteIdent(name)} AS VARCHAR) AS ${quoteIdent(name)}` : quoteIdent(name));
    const select = needed.length > 0 ? needed.map(read).join(', ') : '1 AS one';
    const table = await engine.driver.query(`SELECT ${select} FROM ${relation}`, ctx.signal);
    rows = table.numRows;
    const evaluator = new RuleEvaluator(table);
    counts = rules.map((r, k) => {
      throwIfAborted(ctx.signal);
      ctx.progress(0.2 + (0.8 * k) / Math.max(1, rules.length), `tag ${k + 1} of ${rules.length}`);
      return evaluator.count(r.ast);
    });
  } else if (params.output !== undefined) {
    output = await writeTagTable(engine, relation, columns, rules, params.output, ctx);
    const sums = rules.map((r, k) => `count(*) FILTER (WHERE ${quoteIdent(r.name)}) AS t${k}`);
    const row = firstRow(await engine.driver.query(`SELECT ${['count(*) AS total', ...sums].join(', ')} FROM ${quoteIdent(output)}`, ctx.signal));
    rows = Number(row.total);
    counts = rules.map((_, k) => Number(row[`t${k}`]));
  } else {
    const sums = rules.map((r, k) => `count(*) FILTER (WHERE ${ruleToDuckdbSql(r.ast)}) AS t${k}`);
    const row = firstRow(await engine.driver.query(`SELECT ${['count(*) AS total', ...sums].join(', ')} FROM ${relation}`, ctx.signal));
    rows = Number(row.total);
    counts = rules.map((_, k) => Number(row[`t${k}`]));
  }
  const counted = rules.map((r, k) => ({ id: r.id, name: r.name, count: counts[k] as number }));
  if (segments.length > 0) {
    ctx.progress(0.9, `assigning segments for ${segments.length} segment tag${segments.length === 1 ? '' : 's'}`);
    const fired = rows > 0 ? await segmentFires(engine, relation, segments, ctx) : [];
    segments.forEach((seg, i) => counted.push({ id: seg.tag.id, name: seg.tag.name, count: fired[i] ? countOnes(fired[i]) : 0 }));
    // Keep the tag set's order in the result.
    const order = new Map(set.tags.map((t, i) => [t.id, i]));
    counted.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  }
  return {
    rows,
    tags: counted.map((t) => ({ ...t, coverage: rows > 0 ? t.count / rows : 0 })),
    skipped,
    leftOut,
    output,
    elapsedMs: Date.now() - started,
  };
}

async function writeTagTable(
  engine: DataEngine,
  relation: string,
  columns: ReadonlyArray<{ name: string }>,
  rules: ReadonlyArray<{ name: string; ast: RuleExpr }>,
  output: string,
  ctx: JobContext,
): Promise<string> {
  if (typeof output !== 'string' || output.trim().length === 0) throw new EngineError('BAD_INPUT', 'The output table name is empty.');
  if (quoteIdent(output).toLowerCase() === relation.toLowerCase()) throw new EngineError('BAD_INPUT', 'The output table must differ from the source table.');
  // DuckDB column names ignore case, so a tag named like a source column would clash.
  const taken = new Map(columns.map((c) => [c.name.toLowerCase(), c.name]));
  for (const r of rules) {
    const clash = taken.get(r.name.toLowerCase());
    if (clash !== undefined) throw new EngineError('BAD_INPUT', `Tag "${r.name}" has the same name as the column "${clash}"; rename the tag to write the output table.`);
  }
  const tagColumns = rules.map((r) => `${ruleToDuckdbSql(r.ast)} AS ${quoteIdent(r.name)}`);
  await engine.driver.query(`CREATE OR REPLACE TABLE ${quoteIdent(output)} AS SELECT ${['*', ...tagColumns].join(', ')} FROM ${relation}`, ctx.signal);
  ctx.progress(0.9, 'counting');
  return output;
}

function countOnes(fires: Uint8Array): number {
  let n = 0;
  for (const f of fires) n += f;
  return n;
}

/** Registers this area's jobs on the engine host. */
export function registerTagJobs(host: JobHost, engine: DataEngine): void {
  const on = jobRegistrar<TagJobs>(host);
  on('rules.check', (p, ctx) => checkRule(engine, p, ctx));
  on('tags.evaluate', (p, ctx) => evaluateTags(engine, p, ctx));
  registerMiningJobs(host, engine);
  registerKeywordJobs(host, engine);
}
