/**
 * Which tags of a set apply to a table. A tag set can mix tags made on different tables (segment
 * tags fitted on an RFM table beside rule tags written on an orders table), so validation,
 * evaluation and pack builds take the tags the table can run and say which were left out and why.
 *
 * A tag applies when the table has every column the tag reads (its rule's columns, its
 * segmentation's input columns, its model's features). The table a tag was made on (tag.entity)
 * is only shown: a renamed table with the same columns still runs the tag.
 */
import { EngineError } from '../protocol/errors';
import { ruleColumns } from './ast';
import type { Tag, TagSet } from './tag';

/** A tag that was not run on a table, and why in plain words. */
export interface LeftOutTag {
  id: string;
  name: string;
  /** E.g. "needs column recency, missing in orders (made on rfm)". */
  reason: string;
  /** The columns the tag reads that the table lacks. */
  missingColumns: string[];
}

/** The columns a tag reads, or null when the tag does not say (a model or segmentation it only names). */
export function tagReadsColumns(tag: Tag): string[] | null {
  const def = tag.definition;
  if (def.kind === 'rule') return ruleColumns(def.ast);
  if (def.kind === 'segment') return def.segmentation ? [...new Set(def.segmentation.preprocessor.columns.map((c) => c.column))] : null;
  return null;
}

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] as string}`;
}

/** "needs column recency, missing in orders (made on rfm)". */
export function missingColumnsReason(missing: readonly string[], table: string, madeOn?: string): string {
  const shown = missing.length > 6 ? [...missing.slice(0, 6), `${missing.length - 6} more`] : [...missing];
  const made = madeOn && madeOn !== table ? ` (made on ${madeOn})` : '';
  return `needs column${missing.length === 1 ? '' : 's'} ${listWords(shown)}, missing in ${table}${made}`;
}

/**
 * The tags named in `only` (by name or id; names ignoring case), in the set's order; every tag when
 * `only` is absent. A name that matches no tag is an error that lists the tag names.
 */
export function chooseTags(set: TagSet, only: readonly string[] | undefined): Tag[] {
  if (only === undefined) return set.tags;
  if (!Array.isArray(only) || only.some((x) => typeof x !== 'string')) throw new EngineError('BAD_INPUT', 'The tags to use must be a list of tag names.');
  const wanted = only.map((x) => x.trim()).filter(Boolean);
  if (wanted.length === 0) throw new EngineError('BAD_INPUT', 'Choose at least one tag.');
  const chosen = new Set<string>();
  for (const w of wanted) {
    const tag = set.tags.find((t) => t.id === w) ?? set.tags.find((t) => t.name === w) ?? set.tags.find((t) => t.name.toLowerCase() === w.toLowerCase());
    if (!tag) {
      const names = set.tags.map((t) => t.name);
      throw new EngineError('BAD_INPUT', `The tag set has no tag called "${w}" (its tags: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}).`);
    }
    chosen.add(tag.id);
  }
  return set.tags.filter((t) => chosen.has(t.id));
}

export interface ColumnsOfItem {
  id: string;
  name: string;
  /** The columns it reads; null: not known here (it is kept, and whoever runs it reports problems). */
  columns: string[] | null;
  /** The table it was made on, for the reason text. */
  madeOn?: string;
}

/**
 * Splits items (tags, or pack tags) into those the table has every column for and those it lacks
 * some for. Column names match exactly, as rules and SQL read them.
 */
export function splitByColumns<T>(items: readonly T[], describe: (item: T) => ColumnsOfItem, available: Iterable<string>, table: string): { applicable: T[]; leftOut: LeftOutTag[] } {
  const have = new Set(available);
  const applicable: T[] = [];
  const leftOut: LeftOutTag[] = [];
  for (const item of items) {
    const d = describe(item);
    const missing = d.columns === null ? [] : [...new Set(d.columns)].filter((c) => !have.has(c));
    if (missing.length === 0) applicable.push(item);
    else leftOut.push({ id: d.id, name: d.name, reason: missingColumnsReason(missing, table, d.madeOn), missingColumns: missing });
  }
  return { applicable, leftOut };
}

/** The error when a table can run none of the tags: each tag with what it lacks. */
export function noTagApplies(leftOut: readonly LeftOutTag[], table: string): EngineError {
  const lines = leftOut.slice(0, 5).map((t) => `"${t.name}" ${t.reason.replace(/, missing in .*$/, '')}`);
  const more = leftOut.length > 5 ? `; and ${leftOut.length - 5} more` : '';
  const head = leftOut.length === 1 ? `The tag does not apply to ${table}` : `None of the ${leftOut.length} tags applies to ${table}`;
  return new EngineError('BAD_INPUT', `${head}: ${lines.join('; ')}${more}. Choose a table with these columns, or the tags made on this one.`);
}

/**
 * The tags of a set to run on a table: the chosen ones (all when `only` is absent) that the table
 * has every column for, and the rest with their reasons. Throws when tags were left out and none
 * remain (a table that can run nothing is a mistake worth stopping for).
 */
export function applicableTags(set: TagSet, columns: Iterable<string>, table: string, only?: readonly string[]): { tags: Tag[]; leftOut: LeftOutTag[] } {
  const chosen = chooseTags(set, only);
  const { applicable, leftOut } = splitByColumns(chosen, (t) => ({ id: t.id, name: t.name, columns: tagReadsColumns(t), madeOn: t.entity?.table }), columns, table);
  if (applicable.length === 0 && leftOut.length > 0) throw noTagApplies(leftOut, table);
  return { tags: applicable, leftOut };
}

/** The table a job's source names, if it names one (not a query). */
export function sourceTable(source: unknown): string | undefined {
  if (source && typeof source === 'object' && typeof (source as { table?: unknown }).table === 'string') return (source as { table: string }).table;
  return undefined;
}

/** How a source reads in messages: its table name, or "the query". */
export function sourceLabel(source: unknown): string {
  return sourceTable(source) ?? 'the query';
}
