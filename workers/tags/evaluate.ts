/**
 * The JS evaluator: runs a rule over an Arrow table, column-wise. Each column a rule reads is
 * extracted once per table and kept for every later rule (numbers and dates as a Float64Array, text
 * as a dictionary + codes, booleans and validity as bitsets). Every node then yields two bitsets,
 * the rows where it is TRUE and the rows where it is FALSE (rows in neither are NULL), 32 rows per
 * word: leaves fill them in tight typed loops, AND/OR/NOT are word operations, and the buffers come
 * from a pool, so a simple rule over 1M rows takes a few milliseconds. A row is tagged where the
 * rule is TRUE. Matches ruleToDuckdbSql row for row (the property test checks it), including
 * DuckDB's NaN order (NaN equals NaN and sorts above every number) and byte-wise (code point) text
 * order.
 *
 * Known limits: integers beyond 2^53 and DECIMALs wider than a double are compared as doubles;
 * TIMESTAMP_NS is compared at double precision of microseconds; TIMESTAMP WITH TIME ZONE columns
 * can only be tested with IS [NOT] NULL.
 */
import type { Table } from 'apache-arrow';
import type { RuleExpr } from './ast';
import { ruleColumns } from './ast';
import { bitCount } from './bitsets';
import { storeOf, type ColumnStore } from './evaluate-columns';
import { Evaluator, type Tri } from './evaluate-nodes';
import { findColumnInText } from './parser';
import { checkRuleTypes, kindOfDuckdbType, suggestColumn, UnknownColumnError, type ColumnKind } from './rule-types';

export { kindOfArrowType } from './evaluate-columns';
export { compareCodePoints } from './evaluate-kernels';

function unknownColumn(name: string, columns: readonly string[], text: string | undefined): never {
  const suggestion = suggestColumn(name, columns);
  const where = text === undefined ? undefined : findColumnInText(text, name);
  const place = where ? ` (line ${where.position.line}, column ${where.position.column})` : '';
  const message = `There is no column named "${name}"${place}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`;
  const err = new UnknownColumnError(name, message);
  if (err.detail) {
    if (where) {
      err.detail.position = where.position;
      err.detail.length = where.length;
    }
    if (suggestion) err.detail.suggestion = suggestion;
  }
  throw err;
}

/**
 * Checks a rule against a table schema without data (column names and DuckDB types, as DESCRIBE
 * gives them): unknown columns (with the name's position in `text` and a "did you mean"), type
 * mismatches naming the column, unsupported regexes. Throws EngineError('BAD_INPUT').
 */
export function checkRuleAgainstSchema(expr: RuleExpr, columns: ReadonlyArray<{ name: string; type: string }>, text?: string): void {
  const byName = new Map(columns.map((c) => [c.name, kindOfDuckdbType(c.type)]));
  checkRuleTypes(expr, (name) => byName.get(name), (name) => unknownColumn(name, columns.map((c) => c.name), text));
}

/** Checks a rule against an Arrow table's schema (see checkRuleAgainstSchema); returns the kinds of the columns it reads. */
export function checkRuleAgainstTable(expr: RuleExpr, table: Table, text?: string): Map<string, ColumnKind> {
  const store = storeOf(table);
  checkRuleTypes(expr, (name) => store.fields.get(name), (name) => unknownColumn(name, store.fieldNames, text));
  return new Map(ruleColumns(expr).map((name) => [name, (store.fields.get(name) as { kind: ColumnKind }).kind]));
}

/**
 * Evaluates many rules over one table. Each column is extracted on first use and kept (per table,
 * so separate evaluators and evaluateRule calls over the same Table share the work) while the
 * table is alive.
 */
export class RuleEvaluator {
  private readonly store: ColumnStore;
  private readonly evaluator: Evaluator;

  constructor(table: Table) {
    this.store = storeOf(table);
    this.evaluator = new Evaluator(this.store);
  }

  get rows(): number {
    return this.store.rows;
  }

  /** Extracts these columns now (all of the table's when absent), so later rules only compute. */
  prepare(columns: readonly string[] = this.store.fieldNames): void {
    for (const name of columns) this.store.column(name);
  }

  private run(expr: RuleExpr): Tri {
    checkRuleTypes(expr, (name) => this.store.fields.get(name), (name) => unknownColumn(name, this.store.fieldNames, undefined));
    return this.evaluator.run(expr);
  }

  /** 0 false, 1 true, 2 NULL per row. Throws EngineError('BAD_INPUT') for a rule that does not fit the table. */
  threeValued(expr: RuleExpr): Uint8Array {
    const r = this.run(expr);
    const out = new Uint8Array(this.store.rows);
    for (let i = 0; i < out.length; i++) {
      const w = i >>> 5;
      const b = i & 31;
      out[i] = ((r.t[w] as number) >>> b) & 1 ? 1 : ((r.f[w] as number) >>> b) & 1 ? 0 : 2;
    }
    this.evaluator.release(r);
    return out;
  }

  /** 1 where the rule is TRUE, else 0. */
  evaluate(expr: RuleExpr): Uint8Array {
    const r = this.run(expr);
    const out = new Uint8Array(this.store.rows);
    const t = r.t;
    for (let w = 0; w < t.length; w++) {
      const bits = t[w] as number;
      if (bits === 0) continue;
      const base = w << 5;
      const end = Math.min(32, out.length - base);
      for (let j = 0; j < end; j++) out[base + j] = (bits >>> j) & 1;
    }
    this.evaluator.release(r);
    return out;
  }

  /** The rows where the rule is TRUE as a bitset (bit i & 31 of word i >>> 5), owned by the caller. */
  evaluateBits(expr: RuleExpr): Uint32Array {
    const r = this.run(expr);
    this.store.release(r.f);
    return r.t;
  }

  /** How many rows the rule is TRUE on. */
  count(expr: RuleExpr): number {
    const r = this.run(expr);
    const n = bitCount(r.t);
    this.evaluator.release(r);
    return n;
  }
}

/**
 * Evaluates a rule over every row of an Arrow table: 1 where the rule is TRUE, 0 where it is
 * FALSE or NULL. Throws EngineError('BAD_INPUT') for unknown columns and type mismatches.
 */
export function evaluateRule(expr: RuleExpr, table: Table): Uint8Array {
  return new RuleEvaluator(table).evaluate(expr);
}

/** The three-valued result (0 false, 1 true, 2 NULL) per row, for tests and explanations. */
export function evaluateRuleThreeValued(expr: RuleExpr, table: Table): Uint8Array {
  return new RuleEvaluator(table).threeValued(expr);
}
