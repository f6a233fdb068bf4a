/**
 * The JS evaluator's fast paths (bitsets of 32 rows per word, per-value bitsets of small text
 * dictionaries, the row loop for large ones, single-pass number kernels, the NaN-free column
 * comparison, pooled buffers, columns cached per table) checked against DuckDB three-valued, row
 * for row, on a table long enough to span many words and end mid-word, whole and in chunks.
 */
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleExpr } from '../../workers/tags/ast';
import { evaluateRule, evaluateRuleThreeValued, RuleEvaluator } from '../../workers/tags/evaluate';
import { parseRule } from '../../workers/tags/parser';
import { ruleToDuckdbCondition } from '../../workers/tags/to-sql';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';

let engine: NodeEngine;
let data: Table;
/** The same rows as several chunks (Arrow Data with offsets). */
let chunked: Table;

const ROWS = 1237; // 38 full words and a partial one

// x: doubles with NULL, NaN, -0, infinities; y: doubles without NaN; n: small integers with NULLs;
// small: 6 text values (per-value bitsets); big: ~300 values, some not ASCII (row loop); b: booleans
// with NULLs; d: dates with NULLs.
const TABLE = `CREATE OR REPLACE TABLE fast AS SELECT i AS id,
    CASE WHEN i % 17 = 0 THEN NULL WHEN i % 29 = 0 THEN 'NaN'::DOUBLE WHEN i % 31 = 0 THEN '-0.0'::DOUBLE
         WHEN i % 37 = 0 THEN 'inf'::DOUBLE WHEN i % 41 = 0 THEN '-inf'::DOUBLE ELSE ((hash(i, 1) % 2000) / 1000.0) - 1 END AS x,
    ((hash(i, 2) % 2000) / 1000.0) - 1 AS y,
    CASE WHEN i % 13 = 0 THEN NULL ELSE CAST(hash(i, 3) % 12 AS INTEGER) END AS n,
    CASE WHEN i % 11 = 0 THEN NULL ELSE ['UK', 'FR', 'DE', 'it''s', 'a\\b', ''][1 + CAST(hash(i, 4) % 6 AS INTEGER)] END AS small,
    CASE WHEN i % 7 = 0 THEN NULL WHEN i % 19 = 0 THEN 'é' || CAST(hash(i, 5) % 20 AS VARCHAR) ELSE 'k' || CAST(hash(i, 6) % 300 AS VARCHAR) END AS big,
    CASE WHEN i % 23 = 0 THEN NULL ELSE hash(i, 7) % 3 = 0 END AS b,
    CASE WHEN i % 9 = 0 THEN NULL ELSE DATE '2024-01-01' + CAST(hash(i, 8) % 60 AS INTEGER) END AS d
  FROM range(${ROWS}) t(i)`;

async function readAll(sql: string): Promise<Table> {
  const r = await engine.client.run('sql.run', { sql, preview: 0 });
  const page = await engine.client.run('sql.fetch', { resultId: r.resultId as string, offset: 0, limit: r.rowCount });
  await engine.client.run('sql.release', { resultId: r.resultId as string });
  return tableFromIPC(page.ipc);
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: TABLE });
  data = await readAll('SELECT * FROM fast ORDER BY id');
  chunked = data.slice(0, 100).concat(data.slice(100, 707), data.slice(707));
});
afterAll(async () => {
  await engine.close();
});

const RULES = [
  // numbers, each operator, NaN above every number, -0 = 0
  'x < 0.25', 'x <= 0', 'x > 0.5', 'x >= -0.5', 'x = 0', 'x != 0', 'x > 1e300', 'x < -1e300',
  'n = 3', 'n != 3', 'n < 5', 'n >= 7', 'n > NULL', 'n = NULL',
  // IN: one pass of up to four values, two passes, a Set beyond eight; NULL in the list; NOT IN
  'n IN (1, 2)', 'n IN (1, 2, 3, 4, 5, 6)', 'n IN (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)', 'n IN (2, NULL)', 'n NOT IN (2, 5)', 'n NOT IN (2, NULL)', 'x IN (0, 0.5)', 'n IN (NULL)',
  // BETWEEN: the one-loop kernel, NULL bounds, negated, text and booleans
  'x BETWEEN -0.5 AND 0.5', 'x NOT BETWEEN -0.5 AND 0.5', 'x BETWEEN NULL AND 0.5', 'x NOT BETWEEN -0.5 AND NULL', 'n BETWEEN 3 AND 3',
  "small BETWEEN 'DE' AND 'UK'", "big NOT BETWEEN 'k1' AND 'k5'", 'b BETWEEN FALSE AND TRUE',
  // text: a small dictionary (per-value bitsets, complement) and a large one (row loop)
  "small = 'UK'", "small != 'UK'", "small < 'G'", "small >= 'it''s'", "small IN ('UK', 'FR', 'DE')", "small IN ('UK', NULL)", "small NOT IN ('a\\b', '')", "small = 'nowhere'", "small != 'nowhere'",
  "big = 'k7'", "big > 'k5'", "big IN ('k1', 'k2', 'é3')", "big NOT IN ('k1', NULL)", "big < 'é'",
  "small LIKE '%'", "small LIKE '_'", "small NOT LIKE 'U%'", "big LIKE 'k1%'", "big NOT LIKE '%9'", "big MATCHES '^é'", "big NOT MATCHES '[0-4]$'", "small MATCHES '\\\\'",
  // booleans
  'b', 'NOT b', 'b = TRUE', 'b != FALSE', 'b < TRUE', 'b IN (FALSE)', 'b IN (TRUE, NULL)', 'b NOT IN (TRUE)', 'b = NULL',
  // dates
  "d >= '2024-02-01'", "d IN ('2024-01-05', '2024-01-06')", "d BETWEEN '2024-01-10' AND '2024-01-20'",
  // IS NULL
  'x IS NULL', 'x IS NOT NULL', 'small IS NULL', 'big IS NOT NULL', 'b IS NULL', 'd IS NULL',
  // two columns: numbers with NaN (order-aware loop), without NaN (plain kernel), text by rank, booleans, number vs boolean-free dates
  'x < y', 'x >= y', 'x = x', 'x != x', 'y > n', 'y <= n', 'small < big', 'small = big', 'big >= small', 'b = b', 'b != b',
  // logic: three-valued AND/OR/NOT, literals, nesting
  'x > 0 AND n > 3', 'x > 0 OR n > 3', 'NOT (x > 0 AND b)', 'NOT (x > 0 OR b)', "(x > 0 OR small = 'UK') AND NOT (n IN (1, 2) OR big LIKE 'k2%')",
  'TRUE', 'FALSE', 'NOT FALSE', 'x > 0 AND TRUE', 'x > 0 OR FALSE', 'b OR TRUE', 'b AND FALSE',
  "x > 0 AND y > 0 AND n > 2 AND b AND small != 'FR' AND big IS NOT NULL AND d > '2024-01-15'",
];

/** DuckDB's three-valued verdict per row (1 TRUE, 0 FALSE, 2 NULL) for each rule, in one query. */
async function duckdbVerdicts(rules: RuleExpr[]): Promise<number[][]> {
  const select = rules.map((r, k) => `CASE WHEN ${ruleToDuckdbCondition(r)} THEN 1 WHEN NOT ${ruleToDuckdbCondition(r)} THEN 0 ELSE 2 END AS r${k}`);
  const table = await readAll(`SELECT ${select.join(', ')} FROM fast ORDER BY id`);
  return rules.map((_, k) => Array.from({ length: table.numRows }, (_, i) => Number(table.getChild(`r${k}`)?.get(i))));
}

describe('JS evaluator fast paths vs DuckDB (three-valued, row for row)', () => {
  it('agrees on every node type, whole and chunked, and counts match', async () => {
    const rules = RULES.map((text) => parseRule(text));
    const expected = await duckdbVerdicts(rules);
    const whole = new RuleEvaluator(data);
    const parts = new RuleEvaluator(chunked);
    let fired = 0;
    rules.forEach((rule, k) => {
      const text = RULES[k] as string;
      const want = expected[k] as number[];
      expect(Array.from(whole.threeValued(rule)), text).toEqual(want);
      expect(Array.from(parts.threeValued(rule)), `${text} (chunked)`).toEqual(want);
      const trues = want.filter((v) => v === 1).length;
      expect(whole.count(rule), text).toBe(trues);
      expect(Array.from(evaluateRule(rule, chunked)), text).toEqual(want.map((v) => (v === 1 ? 1 : 0)));
      const bits = whole.evaluateBits(rule);
      expect(bits.length).toBe(Math.ceil(ROWS / 32));
      const fromBits = Array.from({ length: ROWS }, (_, i) => ((bits[i >>> 5] as number) >>> (i & 31)) & 1);
      expect(fromBits, text).toEqual(want.map((v) => (v === 1 ? 1 : 0)));
      // No bits past the last row.
      expect((bits[bits.length - 1] as number) >>> (ROWS & 31), text).toBe(0);
      fired += trues;
    });
    // Both outcomes occur, so the comparison means something.
    expect(fired).toBeGreaterThan(rules.length * ROWS * 0.15);
    expect(fired).toBeLessThan(rules.length * ROWS * 0.85);
  });

  it('gives the same results again and in another order (pooled buffers are not shared)', async () => {
    const rules = RULES.map((text) => parseRule(text));
    const ev = new RuleEvaluator(data);
    const first = rules.map((r) => Array.from(ev.threeValued(r)));
    const kept = rules.map((r) => ev.evaluateBits(r));
    const reversed = [...rules].reverse().map((r) => Array.from(ev.threeValued(r))).reverse();
    expect(reversed).toEqual(first);
    // Bitsets handed out earlier are the caller's: later rules did not overwrite them.
    kept.forEach((bits, k) => {
      const again = ev.evaluateBits(rules[k] as RuleExpr);
      expect(Array.from(bits), RULES[k]).toEqual(Array.from(again));
    });
    expect(Array.from(evaluateRuleThreeValued(rules[0] as RuleExpr, data))).toEqual(first[0]);
  });

  it('handles empty tables and tables shorter than a word', async () => {
    const empty = await readAll('SELECT * FROM fast WHERE false');
    const ev = new RuleEvaluator(empty);
    expect(ev.count(parseRule("x > 0 OR small = 'UK' OR b OR TRUE"))).toBe(0);
    expect(ev.evaluate(parseRule('NOT x IS NULL'))).toHaveLength(0);
    const three = data.slice(5, 8);
    const want = (await duckdbVerdicts([parseRule('x > 0 OR NOT b')])).map((v) => v.slice(5, 8))[0];
    expect(Array.from(evaluateRuleThreeValued(parseRule('x > 0 OR NOT b'), three))).toEqual(want);
    expect(new RuleEvaluator(three).count(parseRule('TRUE'))).toBe(3);
  });

  it('still rejects rules that do not fit the table, with the column named', () => {
    const ev = new RuleEvaluator(data);
    expect(() => ev.count(parseRule('nope > 1'))).toThrow(/no column named "nope"/);
    expect(() => ev.count(parseRule("x = 'a'"))).toThrow(/"x" is a numeric column/);
    ev.prepare(['x', 'small']);
    expect(ev.rows).toBe(ROWS);
  });
});
