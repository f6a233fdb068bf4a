/**
 * Which rows train a model and which validate it, for every model kind (boosted trees and the
 * CTR family use this one function, so two models trained on the same data, target and split
 * are validated on the same rows).
 *
 * Splits:
 * - random / stratified: seeded shuffles (stratified keeps each class's share);
 * - time: the latest rows by a time column are held out;
 * - entity: rows are grouped by a key column (a user, a customer) and whole entities are held
 *   out, chosen by a hash of the key, so no entity is on both sides (with several rows per
 *   entity a row split leaks the entity's other rows into training).
 * With `folds` (k-fold cross-validation), fold `fold` (0-based) of `folds` is held out instead of
 * `validFraction`: the folds partition the rows (or the entities).
 */
import { EngineError } from '../protocol/errors';
import { quoteIdent } from '../data/sql-text';
import { asTimestamp } from '../data/zoned-time';
import { createRng } from './rng';

export interface RowSplitSpec {
  kind: 'random' | 'stratified' | 'time' | 'entity';
  validFraction?: number;
  timeColumn?: string;
  /** For kind 'entity': the column naming the entity. */
  keyColumn?: string;
  seed?: number;
  /** k-fold: hold out fold `fold` (0-based) of `folds` instead of `validFraction`. */
  folds?: number;
  fold?: number;
}

/** Hash buckets of an entity key: fine enough for any validation share. */
const ENTITY_BUCKETS = 1_000_000;

/**
 * The SQL (DOUBLE) each row needs for its split: seconds since the epoch for a time split, the
 * entity's hash bucket in [0, 1) for an entity split; null when the split needs none. Checks
 * that the named column exists. The column types tell a TIMESTAMPTZ, read as its UTC instant.
 */
export function splitValueExpression(split: RowSplitSpec | undefined, columns: ReadonlyArray<{ name: string; type: string }>): string | null {
  if (!split) return null;
  if (split.kind === 'time') {
    const time = columns.find((c) => c.name === split.timeColumn);
    if (!split.timeColumn || !time) throw new EngineError('BAD_INPUT', `The time column "${String(split.timeColumn ?? '')}" is not a column of the data.`);
    // Not a plain cast: on native DuckDB (ICU) that is the session zone's wall clock, which moves
    // the cut by the offset and reorders the repeated hour when clocks go back.
    return `CAST(epoch(${asTimestamp(time.type, quoteIdent(split.timeColumn))}) AS DOUBLE)`;
  }
  if (split.kind === 'entity') {
    if (!split.keyColumn) throw new EngineError('BAD_INPUT', 'An entity split needs the key column that names the entity (e.g. user_id).');
    if (!columns.some((c) => c.name === split.keyColumn)) throw new EngineError('BAD_INPUT', `The key column "${split.keyColumn}" is not a column of the data.`);
    // Seeded through the hashed text: another seed holds out other entities.
    const seed = split.seed ?? 42;
    return `CAST(hash(CAST(${quoteIdent(split.keyColumn)} AS VARCHAR) || '#${Math.trunc(seed)}') % ${ENTITY_BUCKETS} AS DOUBLE) / ${ENTITY_BUCKETS}`;
  }
  return null;
}

function checkFolds(split: RowSplitSpec): { folds: number; fold: number } | null {
  if (split.folds === undefined) return null;
  const folds = split.folds;
  const fold = split.fold ?? 0;
  if (!Number.isInteger(folds) || folds < 2 || folds > 50) throw new EngineError('BAD_INPUT', `Cross-validation needs 2 to 50 folds (got ${folds}).`);
  if (!Number.isInteger(fold) || fold < 0 || fold >= folds) throw new EngineError('BAD_INPUT', `The fold must be 0 to ${folds - 1} (got ${fold}).`);
  if (split.kind === 'time') throw new EngineError('BAD_INPUT', 'A time split holds out the latest rows; cross-validation folds need a random, stratified or entity split.');
  return { folds, fold };
}

/**
 * Train and validation row indices. `values` are the rows' split values from
 * splitValueExpression (NULL = NaN: a row without a time or key trains, it never validates).
 */
export function splitRowIndices(n: number, labels: ArrayLike<number>, split: RowSplitSpec | undefined, values: ArrayLike<number> | null): { train: Uint32Array; valid: Uint32Array } {
  const spec: RowSplitSpec = split ?? { kind: 'stratified' };
  const folds = checkFolds(spec);
  const fraction = spec.validFraction ?? 0.2;
  if (!folds && !(fraction >= 0 && fraction < 1)) throw new EngineError('BAD_INPUT', `The validation share must be in [0, 1) (got ${fraction}).`);
  const all = Array.from({ length: n }, (_, i) => i);
  if (!folds && fraction === 0) return { train: Uint32Array.from(all), valid: new Uint32Array(0) };
  const isValid = new Uint8Array(n);
  if (spec.kind === 'entity') {
    if (!values) throw new EngineError('BAD_INPUT', 'An entity split needs the key column.');
    // Bucket in [0, 1): fold f holds [f/k, (f+1)/k); a plain split holds [0, fraction).
    const lo = folds ? folds.fold / folds.folds : 0;
    const hi = folds ? (folds.fold + 1) / folds.folds : fraction;
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (v >= lo && v < hi) isValid[i] = 1;
    }
  } else if (spec.kind === 'time') {
    if (!values) throw new EngineError('BAD_INPUT', 'A time split needs a time column.');
    const timed = all.filter((i) => !Number.isNaN(values[i] as number)).sort((x, y) => (values[x] as number) - (values[y] as number) || x - y);
    for (const i of timed.slice(timed.length - Math.round(n * fraction))) isValid[i] = 1;
  } else {
    const rng = createRng(spec.seed ?? 42);
    const shuffle = (a: number[]): number[] => {
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [a[i], a[j]] = [a[j] as number, a[i] as number];
      }
      return a;
    };
    // The held-out part of one shuffled group: fold f of k, or the first `fraction`.
    const heldOut = (group: number[]): number[] => {
      if (!folds) return group.slice(0, Math.round(group.length * fraction));
      return group.slice(Math.round((group.length * folds.fold) / folds.folds), Math.round((group.length * (folds.fold + 1)) / folds.folds));
    };
    const chosen: number[] = [];
    if (spec.kind === 'stratified') {
      const byClass = new Map<number, number[]>();
      for (const i of all) {
        const y = labels[i] as number;
        const list = byClass.get(y) ?? [];
        list.push(i);
        byClass.set(y, list);
      }
      for (const [, list] of [...byClass.entries()].sort((x, y) => x[0] - y[0])) chosen.push(...heldOut(shuffle(list)));
    } else {
      chosen.push(...heldOut(shuffle(all)));
    }
    for (const i of chosen) isValid[i] = 1;
  }
  return { train: Uint32Array.from(all.filter((i) => !isValid[i])), valid: Uint32Array.from(all.filter((i) => isValid[i])) };
}

/**
 * Default feature candidates without the split's own columns: the entity key (with several rows
 * per entity it passes for a measure, and the model would learn entities, not behaviour) and the
 * time column of a time split. Named as features, they are used.
 */
export function withoutSplitColumns<C extends { name: string }>(split: RowSplitSpec | undefined, columns: C[], warnings: string[]): C[] {
  const used = split?.kind === 'entity' ? split.keyColumn : split?.kind === 'time' ? split.timeColumn : undefined;
  if (!used || !columns.some((c) => c.name === used)) return columns;
  warnings.push(`"${used}" was left out of the features: it ${split?.kind === 'entity' ? 'names the entity the split holds out' : 'orders the time split'}. Name it among the features to use it anyway.`);
  return columns.filter((c) => c.name !== used);
}
