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

/** A rule tag that compares a text column with a number. */
export interface RuleTypeConflict {
  tag: string;
  column: string;
  type: string;
}

/** The first rule tag whose conditions compare a text column of `columns` with a number. */
export function ruleTypeConflict(pack: RulePack, columns: ReadonlyArray<{ name: string; type: string }>): RuleTypeConflict | undefined {
  const types = new Map(columns.map((c) => [c.name.toLowerCase(), c.type]));
  for (const tag of pack.tags) {
    if (tag.kind !== 'rule') continue;
    const [conflict] = textNumberConflicts(tag.rule.ast, (c) => types.get(c.toLowerCase()));
    if (conflict) return { tag: tag.name, ...conflict };
  }
  return undefined;
}

/** How much a column holds: the data's rows, and its non-NULL values among them. */
export interface ColumnFill {
  rows: number;
  values: number;
}

/**
 * The conflict in plain words. A file with no rows, or a column empty on every row, reads as text
 * only because there is nothing to type it by: "some of its values are not numbers" would be false.
 */
export function ruleTypeError(conflict: RuleTypeConflict, where: string, fill?: ColumnFill): EngineError {
  const { tag, column, type } = conflict;
  if (fill !== undefined && fill.rows === 0) {
    return new EngineError('BAD_INPUT', `${where} has no rows, so every column in it reads as text (${type}); tag "${tag}" compares column "${column}" with a number and cannot run on it. Give data with at least one row.`);
  }
  if (fill !== undefined && fill.values === 0) {
    return new EngineError('BAD_INPUT', `Tag "${tag}" compares column "${column}" with a number, but in ${where} that column is empty on every row, so it reads as text (${type}).`);
  }
  return new EngineError('BAD_INPUT', `Tag "${tag}" compares column "${column}" with a number, but in ${where} that column holds text (${type}): some of its values are not numbers.`);
}

/**
 * Refuses data whose column types the pack's rules cannot run on, naming tag, column and type.
 * `fill` counts the rows and the column's values, asked only when there is a conflict to word.
 */
export async function checkRuleTypes(pack: RulePack, columns: ReadonlyArray<{ name: string; type: string }>, where: string, fill?: (column: string) => Promise<ColumnFill>): Promise<void> {
  const conflict = ruleTypeConflict(pack, columns);
  if (conflict) throw ruleTypeError(conflict, where, fill ? await fill(conflict.column) : undefined);
}
