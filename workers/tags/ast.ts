/**
 * The rule language's syntax tree. A tag rule is text for people and this tree for machines:
 * the parser builds it, the printer turns it back into canonical text, the JS evaluator runs it
 * over Arrow columns, and every SQL dialect (DuckDB, Spark, Hive, Flink, Trino) is generated from
 * it, never by pasting strings.
 *
 * Null policy ("a condition on a missing value is false"): rules use SQL's three-valued logic,
 * and a tag fires only where its rule is TRUE. So `x > 5`, `x NOT IN (...)`, `NOT (x > 5)` and
 * `x LIKE ...` are all false for a row whose x is NULL, while `x > 5 OR y = 1` still fires on
 * y = 1, and `x IS NULL` is the one way to ask for missing values. Comparisons with a NULL
 * literal are never true.
 */

/** A constant in a rule. Numbers are finite doubles; strings are compared byte for byte. */
export type RuleLiteral =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

/** A column of the entity table, by its exact (case-sensitive) name. */
export interface ColumnRef {
  kind: 'column';
  name: string;
}

/** The right side of a comparison: a constant, or another column. */
export type Operand = RuleLiteral | ColumnRef;

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type RuleExpr =
  | { type: 'and'; args: RuleExpr[] }
  | { type: 'or'; args: RuleExpr[] }
  | { type: 'not'; arg: RuleExpr }
  /** `column op operand`. */
  | { type: 'compare'; op: ComparisonOp; left: ColumnRef; right: Operand }
  /** `column [NOT] IN (v1, v2, ...)`; at least one value. */
  | { type: 'in'; column: ColumnRef; values: RuleLiteral[]; negated: boolean }
  /** `column [NOT] BETWEEN low AND high` (inclusive). */
  | { type: 'between'; column: ColumnRef; low: RuleLiteral; high: RuleLiteral; negated: boolean }
  /** `column IS [NOT] NULL`. */
  | { type: 'isNull'; column: ColumnRef; negated: boolean }
  /** `column [NOT] LIKE 'pattern'`: `%` any run, `_` one character, no escape character. Case-sensitive. */
  | { type: 'like'; column: ColumnRef; pattern: string; negated: boolean }
  /** `column [NOT] MATCHES 'regex'`: a partial match (search) with RE2-compatible syntax; a leading `(?i)` ignores case. */
  | { type: 'regex'; column: ColumnRef; pattern: string; negated: boolean }
  /**
   * `column [NOT] CONTAINS WORD 'w'` / `column [NOT] CONTAINS PHRASE 'a b'`: whole words, ignoring
   * case, with the word definition of text-match.ts (the same in JS and every SQL dialect).
   */
  | { type: 'contains'; column: ColumnRef; mode: 'word' | 'phrase'; text: string; negated: boolean }
  /** A boolean column on its own: `is_reseller`. */
  | { type: 'column'; column: ColumnRef }
  /** `TRUE` / `FALSE`. */
  | { type: 'literal'; value: boolean };

export type RuleExprType = RuleExpr['type'];

/** A rule's conditions: every node that is not AND, OR or NOT. */
export type RuleCondition = Exclude<RuleExpr, { type: 'and' | 'or' | 'not' }>;

/** Calls `visit` on each condition of a rule, left to right, through AND, OR and NOT. */
export function forEachCondition(expr: RuleExpr, visit: (condition: RuleCondition) => void): void {
  switch (expr.type) {
    case 'and':
    case 'or':
      for (const arg of expr.args) forEachCondition(arg, visit);
      return;
    case 'not':
      forEachCondition(expr.arg, visit);
      return;
    default:
      visit(expr);
  }
}

/** Every column a rule reads, in first-use order. */
export function ruleColumns(expr: RuleExpr): string[] {
  const seen = new Set<string>();
  forEachCondition(expr, (e) => {
    switch (e.type) {
      case 'compare':
        seen.add(e.left.name);
        if (e.right.kind === 'column') seen.add(e.right.name);
        return;
      case 'literal':
        return;
      default:
        seen.add(e.column.name);
    }
  });
  return [...seen];
}
