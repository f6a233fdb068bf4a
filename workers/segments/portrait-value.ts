/**
 * The value (GMV) of each segment on the portrait cards: the segment's share of the table's total
 * value, its lift (share ÷ the segment's share of rows), its mean value per row and the
 * difference to the other segments, with 95% intervals (workers/tags/value-stats.ts). Three sums per
 * segment come from one DuckDB aggregate; the rest of the table is merged from the other segments.
 * NULL or non-finite values count as 0, and say so.
 */
import type { DataEngine } from '../data/engine';
import { plainRows } from '../data/relation';
import { EngineError } from '../protocol/errors';
import { describeRelation } from '../tags/tag-data';
import { checkValueExpr } from '../tags/value-expr';
import { mergeMoments, valueStatsFromMoments, type ValueMoments, type ValueStats } from '../tags/value-stats';

export interface PortraitValueSummary {
  /** The value expression as parsed. */
  expression: string;
  /** Net value of the rows with a segment. */
  total: number;
  /** Rows whose value was NULL or not finite (counted as 0). */
  missing: number;
  warnings: string[];
}

/** Value figures per segment (by its value as text) and what the value was. */
export async function segmentValues(engine: DataEngine, relation: string, segmentSql: string, expression: string, table: string, signal?: AbortSignal): Promise<{ bySegment: Map<string, ValueStats>; summary: PortraitValueSummary }> {
  if (typeof expression !== 'string') throw new EngineError('BAD_INPUT', 'The value must be an expression as text, e.g. monetary or Quantity * UnitPrice.');
  const { canonical, sql } = checkValueExpr(expression, await describeRelation(engine, relation, signal), `table "${table}"`);
  const rows = plainRows(
    await engine.driver.query(
      `SELECT segment, count(*) AS n, count(v) AS valued, sum(coalesce(v, 0)) AS s, coalesce(var_pop(coalesce(v, 0)), 0) * count(*) AS m2
       FROM (SELECT CAST(${segmentSql} AS VARCHAR) AS segment, CASE WHEN isfinite(${sql}) THEN ${sql} END AS v FROM ${relation} WHERE ${segmentSql} IS NOT NULL) GROUP BY 1`,
      signal,
    ),
  );
  const groups = new Map<string, ValueMoments>(rows.map((r) => [String(r.segment), { n: Number(r.n), sum: Number(r.s), m2: Number(r.m2) }]));
  const count = rows.reduce((a, r) => a + Number(r.n), 0);
  const missing = rows.reduce((a, r) => a + Number(r.n) - Number(r.valued), 0);
  if (count > 0 && missing === count) throw new EngineError('BAD_INPUT', `The value ${canonical} is NULL on every row of "${table}"; every figure would be 0.`);
  const bySegment = new Map<string, ValueStats>();
  for (const [segment, own] of groups) {
    let rest: ValueMoments = { n: 0, sum: 0, m2: 0 };
    for (const [other, m] of groups) if (other !== segment) rest = mergeMoments(rest, m);
    bySegment.set(segment, valueStatsFromMoments(own, rest));
  }
  const total = [...groups.values()].reduce((a, m) => a + m.sum, 0);
  const warnings: string[] = [];
  if (missing > 0) warnings.push(`${missing.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} rows ${missing === 1 ? 'has' : 'have'} no value (NULL: a missing operand or a division by zero); they count as 0`);
  if (total <= 0) warnings.push(total === 0 ? 'the total value is 0: shares and lifts are undefined' : 'the total net value is negative (refunds exceed sales): shares and lifts are computed on net value');
  return { bySegment, summary: { expression: canonical, total, missing, warnings } };
}
