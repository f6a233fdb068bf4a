import type { Operand, RuleExpr, RuleLiteral } from '../../tags/ast';
import { translateRegex } from '../../tags/regex';
import { portableRegex, textMatchPattern } from '../../tags/text-match';
import type { Dialect } from './dialect';

/**
 * A number as SQL text. Whole numbers stay integers (exact against integer columns); others are
 * written in exponent form, which every target reads as a DOUBLE (a plain `0.1` would be a DECIMAL
 * whose conversion to DOUBLE is not always correctly rounded). Negatives are parenthesised so that
 * `a - -1` can never become a `--` comment.
 */
export function numberSql(value: number): string {
  const text = Number.isSafeInteger(value) ? String(value) : value.toExponential().replace('e+', 'e');
  return value < 0 || Object.is(value, -0) ? `(${text})` : text;
}

/** A DOUBLE-typed constant, exactly the given double. */
export function doubleSql(value: number): string {
  const text = value.toExponential().replace('e+', 'e');
  return value < 0 ? `(${text})` : text;
}

export function literalSql(literal: RuleLiteral, dialect: Dialect): string {
  switch (literal.kind) {
    case 'number':
      return numberSql(literal.value);
    case 'string':
      return dialect.string(literal.value);
    case 'boolean':
      return literal.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
  }
}

function operandSql(operand: Operand, dialect: Dialect, column: (name: string) => string): string {
  return operand.kind === 'column' ? column(operand.name) : literalSql(operand, dialect);
}

const SQL_OP: Record<string, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/**
 * A rule as a SQL boolean expression with SQL's three-valued logic (NULL where the rule is
 * unknown). Callers wrap the whole rule in COALESCE(..., FALSE): the tag fires only where the
 * rule is TRUE, exactly as the JS evaluator decides.
 */
export function ruleSql(expr: RuleExpr, dialect: Dialect, column: (name: string) => string = dialect.ident): string {
  const visit = (e: RuleExpr): string => {
    switch (e.type) {
      case 'and':
      case 'or':
        return e.args.length === 1 ? visit(e.args[0] as RuleExpr) : `(${e.args.map(visit).join(e.type === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${visit(e.arg)})`;
      case 'compare':
        // A comparison with NULL is never true; a typed NULL keeps strict engines (Flink) happy.
        if (e.right.kind === 'null') return 'CAST(NULL AS BOOLEAN)';
        return `(${column(e.left.name)} ${SQL_OP[e.op]} ${operandSql(e.right, dialect, column)})`;
      case 'in':
        return `(${column(e.column.name)} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map((v) => literalSql(v, dialect)).join(', ')}))`;
      case 'between':
        return `(${column(e.column.name)} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${literalSql(e.low, dialect)} AND ${literalSql(e.high, dialect)})`;
      case 'isNull':
        return `(${column(e.column.name)} IS ${e.negated ? 'NOT NULL' : 'NULL'})`;
      case 'like':
        return `(${dialect.like(column(e.column.name), e.pattern, e.negated)})`;
      case 'regex': {
        // Only the regex subset that RE2 and Java read alike (throws BAD_INPUT otherwise).
        translateRegex(e.pattern);
        const match = dialect.regex(column(e.column.name), portableRegex(e.pattern));
        return e.negated ? `(NOT (${match}))` : `(${match})`;
      }
      case 'contains': {
        // Whole words ignoring case, as one flag-free regex every engine reads alike (text-match.ts).
        const match = dialect.regex(column(e.column.name), textMatchPattern(e.mode, e.text));
        return e.negated ? `(NOT (${match}))` : `(${match})`;
      }
      case 'column':
        return column(e.column.name);
      case 'literal':
        return e.value ? 'TRUE' : 'FALSE';
    }
  };
  return visit(expr);
}
