import { forEachCondition, type RuleExpr, type RuleLiteral } from '../tags/ast';
import { EngineError } from '../protocol/errors';
import type { RulePack } from './schema';

const TEXT = /^(VARCHAR|STRING|TEXT|CHAR|BPCHAR)/i;

/**
 * Rule conditions that compare a text column with a number: DuckDB refuses them with a Binder
 * Error deep inside the generated query. Found here first, they are named in plain words: the
 * tag, the column and its type in the data (a number column read as text in another file).
 */
export function textNumberConflicts(expr: RuleExpr, typeOf: (column: string) => string | undefined): Array<{ column: string; type: string }> {
  const out: Array<{ column: string; type: string }> = [];
  const check = (column: string, literals: RuleLiteral[]): void => {
    const type = typeOf(column);
    if (type !== undefined && TEXT.test(type) && literals.some((l) => l.kind === 'number')) out.push({ column, type });
  };
  forEachCondition(expr, (e) => {
    switch (e.type) {
      case 'compare':
        if (e.right.kind !== 'column') check(e.left.name, [e.right]);
        return;
      case 'in':
        check(e.column.name, e.values);
        return;
      case 'between':
        check(e.column.name, [e.low, e.high]);
        return;
      default:
        return;
    }
  });
  return out;
}

/** Refuses data whose column types the pack's rules cannot run on, naming tag, column and type. */
export function checkRuleTypes(pack: RulePack, columns: ReadonlyArray<{ name: string; type: string }>, where: string): void {
  const types = new Map(columns.map((c) => [c.name.toLowerCase(), c.type]));
  for (const tag of pack.tags) {
    if (tag.kind !== 'rule') continue;
    const [conflict] = textNumberConflicts(tag.rule.ast, (c) => types.get(c.toLowerCase()));
    if (conflict) {
      throw new EngineError(
        'BAD_INPUT',
        `Tag "${tag.name}" compares column "${conflict.column}" with a number, but in ${where} that column holds text (${conflict.type}): some of its values are not numbers.`,
      );
    }
  }
}
