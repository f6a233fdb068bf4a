import { COLUMN_TYPES, type ColumnTypeName } from '../../workers/api';

/** A type picked in the catalog but not applied yet, and the column type it was picked against. */
export interface StagedType {
  from: string;
  to: string;
}

/**
 * The change a staged pick would make, or null when there is nothing to apply: no pick, the pick
 * is the current type, the column was retyped since (the pick was made against another type), or
 * the pick is not a type the engine accepts.
 */
export function stagedTypeChange(current: string, staged: StagedType | null): { from: string; to: ColumnTypeName } | null {
  if (!staged || staged.from !== current || staged.to === current) return null;
  if (!(COLUMN_TYPES as readonly string[]).includes(staged.to)) return null;
  return { from: current, to: staged.to as ColumnTypeName };
}
