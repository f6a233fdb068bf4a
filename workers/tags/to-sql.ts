/**
 * DuckDB SQL for a rule: a boolean expression that is TRUE exactly where evaluateRule gives 1.
 * Built from the AST with quoteIdent/quoteLiteral (never pasted), every node parenthesised, the
 * whole wrapped in COALESCE(..., FALSE) so NULL (unknown) becomes "not tagged".
 *
 * Numbers: safe integers as integer literals (exact against integer and decimal columns); any
 * other number as a DOUBLE literal in exponent form (`0.1` -> `1e-1`), so DuckDB compares it as
 * the same double the JS evaluator uses rather than as a DECIMAL.
 * Dates/timestamps: string literals, which DuckDB casts to the column's type.
 * LIKE has no escape character (DuckDB's default); MATCHES becomes regexp_matches (a partial match)
 * after checking the pattern against the shared regex subset (see regex.ts); CONTAINS WORD/PHRASE and
 * `(?i)` patterns become flag-free regexes (text-match.ts).
 */
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import type { Operand, RuleExpr, RuleLiteral } from './ast';
import { translateRegex } from './regex';
import { portableRegex, textMatchPattern } from './text-match';

/** A number as a DuckDB literal with the same value as the JS double. */
export function duckdbNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`The number ${value} cannot be written in SQL.`);
  if (Number.isSafeInteger(value)) return String(value === 0 ? 0 : value);
  return value.toExponential();
}

function literal(lit: RuleLiteral): string {
  switch (lit.kind) {
    case 'number':
      return duckdbNumber(lit.value);
    case 'string':
      return quoteLiteral(lit.value);
    case 'boolean':
      return lit.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
  }
}

function operand(op: Operand): string {
  return op.kind === 'column' ? quoteIdent(op.name) : literal(op);
}

/** The bare three-valued SQL of a rule (NULL where the rule is unknown). */
export function ruleToDuckdbCondition(expr: RuleExpr): string {
  switch (expr.type) {
    case 'and':
    case 'or':
      if (expr.args.length === 0) return expr.type === 'and' ? 'TRUE' : 'FALSE';
      return `(${expr.args.map(ruleToDuckdbCondition).join(expr.type === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return `(NOT ${ruleToDuckdbCondition(expr.arg)})`;
    case 'literal':
      return expr.value ? 'TRUE' : 'FALSE';
    case 'compare': {
      const op = expr.op === '!=' ? '<>' : expr.op;
      return `(${quoteIdent(expr.left.name)} ${op} ${operand(expr.right)})`;
    }
    case 'in':
      return `(${quoteIdent(expr.column.name)} ${expr.negated ? 'NOT IN' : 'IN'} (${expr.values.map(literal).join(', ')}))`;
    case 'between':
      return `(${quoteIdent(expr.column.name)} ${expr.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${literal(expr.low)} AND ${literal(expr.high)})`;
    case 'isNull':
      return `(${quoteIdent(expr.column.name)} IS ${expr.negated ? 'NOT NULL' : 'NULL'})`;
    case 'like':
      return `(${quoteIdent(expr.column.name)} ${expr.negated ? 'NOT LIKE' : 'LIKE'} ${quoteLiteral(expr.pattern)})`;
    case 'regex': {
      translateRegex(expr.pattern);
      const call = `regexp_matches(${quoteIdent(expr.column.name)}, ${quoteLiteral(portableRegex(expr.pattern))})`;
      return expr.negated ? `(NOT ${call})` : call;
    }
    case 'contains': {
      const call = `regexp_matches(${quoteIdent(expr.column.name)}, ${quoteLiteral(textMatchPattern(expr.mode, expr.text))})`;
      return expr.negated ? `(NOT ${call})` : call;
    }
    case 'column':
      return quoteIdent(expr.column.name);
  }
}

/** A DuckDB boolean expression, TRUE exactly where the rule is TRUE (never NULL). */
export function ruleToDuckdbSql(expr: RuleExpr): string {
  return `COALESCE(${ruleToDuckdbCondition(expr)}, FALSE)`;
}
