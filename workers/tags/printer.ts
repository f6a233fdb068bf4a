/**
 * Canonical rule text: upper-case keywords, identifiers quoted only when they must be, the fewest
 * parentheses the precedence (NOT > AND > OR) allows. print(parse(text)) is stable, and
 * parse(printRule(ast)) deep-equals ast for canonical ASTs (AND/OR flattened, no -0).
 */
import type { ColumnRef, Operand, RuleExpr, RuleLiteral } from './ast';
import { isBareIdentifier } from './parser';

/** A column name as rule text: bare when possible, else "double quoted" with "" inside. */
export function printIdentifier(name: string): string {
  return isBareIdentifier(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/** A string constant as rule text: 'single quoted' with '' for a quote. */
export function printString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function printLiteral(lit: RuleLiteral): string {
  switch (lit.kind) {
    case 'number':
      return Object.is(lit.value, -0) ? '0' : String(lit.value);
    case 'string':
      return printString(lit.value);
    case 'boolean':
      return lit.value ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
  }
}

function printOperand(op: Operand): string {
  return op.kind === 'column' ? printColumn(op) : printLiteral(op);
}

function printColumn(c: ColumnRef): string {
  return printIdentifier(c.name);
}

/** Binding strength: OR 1, AND 2, NOT 3, everything else (atoms) 4. */
function strength(e: RuleExpr): number {
  return e.type === 'or' ? 1 : e.type === 'and' ? 2 : e.type === 'not' ? 3 : 4;
}

function printChild(child: RuleExpr, parent: 'and' | 'or'): string {
  const text = printRule(child);
  // A nested node of the same kind keeps its parentheses so the tree shape survives a round trip.
  return strength(child) < strength({ type: parent, args: [] }) || child.type === parent ? `(${text})` : text;
}

/** The canonical text of a rule. */
export function printRule(expr: RuleExpr): string {
  switch (expr.type) {
    case 'and':
    case 'or': {
      const sep = expr.type === 'and' ? ' AND ' : ' OR ';
      return expr.args.map((a) => printChild(a, expr.type as 'and' | 'or')).join(sep);
    }
    case 'not': {
      const inner = printRule(expr.arg);
      return strength(expr.arg) < 3 ? `NOT (${inner})` : `NOT ${inner}`;
    }
    case 'compare':
      return `${printColumn(expr.left)} ${expr.op} ${printOperand(expr.right)}`;
    case 'in':
      return `${printColumn(expr.column)} ${expr.negated ? 'NOT IN' : 'IN'} (${expr.values.map(printLiteral).join(', ')})`;
    case 'between':
      return `${printColumn(expr.column)} ${expr.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${printLiteral(expr.low)} AND ${printLiteral(expr.high)}`;
    case 'isNull':
      return `${printColumn(expr.column)} IS ${expr.negated ? 'NOT NULL' : 'NULL'}`;
    case 'like':
      return `${printColumn(expr.column)} ${expr.negated ? 'NOT LIKE' : 'LIKE'} ${printString(expr.pattern)}`;
    case 'regex':
      return `${printColumn(expr.column)} ${expr.negated ? 'NOT MATCHES' : 'MATCHES'} ${printString(expr.pattern)}`;
    case 'contains':
      return `${printColumn(expr.column)} ${expr.negated ? 'NOT CONTAINS' : 'CONTAINS'} ${expr.mode === 'word' ? 'WORD' : 'PHRASE'} ${printString(expr.text)}`;
    case 'column':
      return printColumn(expr.column);
    case 'literal':
      return expr.value ? 'TRUE' : 'FALSE';
  }
}
