/**
 * Pure edits of a tag set shared by the Tags view and the CLI (no engine, no DOM): ids for new
 * tags, adding the segment tags of a segmentation, merging a mining run's tags, removing a group,
 * removing a tag, the status changes a person may make.
 */
import { EngineError } from '../protocol/errors';
import { tagNameFrom, type Tag, type TagSet, type TagStatus } from './tag';
import { safeTagId, tagIdFor } from './tag-id';

export { TAG_ID_PATTERN, safeTagId, tagIdFor } from './tag-id';

/**
 * Adds segment tags made from a segmentation (cluster.tags). Saving the same segmentation again
 * replaces its tags (same ids) instead of adding copies; a name already used by another tag gets
 * a number; a group missing from the taxonomy is added. Bumps the set's version when it changes.
 */
export function addSegmentTags(set: TagSet, incoming: readonly Tag[], options: { table?: string } = {}): { set: TagSet; added: string[]; replaced: string[] } {
  const tags = options.table ? withEntityTable(incoming, options.table) : incoming;
  // Matched in safe form: a segment tag saved before has the safe form of the incoming id.
  const incomingIds = new Set(tags.map((t) => safeTagId(t.id)));
  const kept = set.tags.filter((t) => !(incomingIds.has(safeTagId(t.id)) && t.definition.kind === 'segment'));
  const ids = new Set(kept.map((t) => t.id));
  const names = new Set(kept.map((t) => t.name.toLowerCase()));
  const taxonomy = [...set.taxonomy];
  const added: string[] = [];
  const replaced: string[] = [];
  const out = [...set.tags];
  for (const tag of tags) {
    let name = tag.name;
    for (let k = 2; names.has(name.toLowerCase()); k++) name = tagNameFrom(tag.name, { suffix: ` (${k})` });
    names.add(name.toLowerCase());
    if (!taxonomy.includes(tag.group)) taxonomy.push(tag.group);
    const at = out.findIndex((t) => safeTagId(t.id) === safeTagId(tag.id) && t.definition.kind === 'segment');
    const stored = out[at];
    if (stored) {
      out[at] = { ...tag, id: stored.id, name, status: 'draft' };
      replaced.push(stored.id);
      continue;
    }
    const id = tagIdFor(tag.id, ids);
    ids.add(id);
    out.push({ ...tag, id, name, status: 'draft' });
    added.push(id);
  }
  if (tags.length === 0) return { set, added, replaced };
  return { set: { ...set, taxonomy, tags: out, version: set.version + 1 }, added, replaced };
}

/**
 * Merges the tags of a mining run (`rules mine`) into an existing set: the tags for which
 * `earlier(tag)` holds (what an earlier run of the same kind wrote) are replaced by `mined`'s,
 * every other tag stays as it is. A mined tag whose id or name another kept tag holds gets a
 * number; a group missing from the taxonomy is added. Bumps the version.
 */
export function mergeMinedTags(set: TagSet, mined: readonly Tag[], earlier: (tag: Tag) => boolean): { set: TagSet; added: string[]; replaced: string[] } {
  const kept = set.tags.filter((t) => !earlier(t));
  const replaced = set.tags.filter((t) => earlier(t)).map((t) => t.id);
  const ids = kept.map((t) => t.id);
  const names = new Set(kept.map((t) => t.name.toLowerCase()));
  const taxonomy = [...set.taxonomy];
  const added: string[] = [];
  const tags = [...kept];
  for (const tag of mined) {
    let name = tag.name;
    for (let k = 2; names.has(name.toLowerCase()); k++) name = tagNameFrom(tag.name, { suffix: ` (${k})` });
    names.add(name.toLowerCase());
    const free = !ids.some((taken) => safeTagId(taken) === safeTagId(tag.id));
    const id = free ? tag.id : tagIdFor(tag.id, ids);
    ids.push(id);
    if (!taxonomy.includes(tag.group)) taxonomy.push(tag.group);
    tags.push({ ...tag, id, name });
    added.push(id);
  }
  return { set: { ...set, taxonomy, tags, version: set.version + 1 }, added, replaced };
}

/** Records the table tags were made on, where they do not say yet. */
export function withEntityTable(tags: readonly Tag[], table: string): Tag[] {
  const name = table.trim();
  return tags.map((t) => (t.entity || !name ? t : { ...t, entity: { table: name } }));
}

/**
 * Removes a group from the taxonomy. A group that still holds tags is removed only with
 * `withTags` (its tags go with it); otherwise it is an error that says how many it holds, so a
 * click never silently deletes tags. The last group cannot go. Bumps the version.
 */
export function removeGroup(set: TagSet, name: string, options: { withTags?: boolean } = {}): TagSet {
  if (!set.taxonomy.includes(name) && !set.tags.some((t) => t.group === name)) throw new EngineError('BAD_INPUT', `There is no group "${name}".`);
  const held = set.tags.filter((t) => t.group === name).length;
  if (held > 0 && !options.withTags) throw new EngineError('BAD_INPUT', `The group "${name}" holds ${held} tag${held === 1 ? '' : 's'}; remove it with its tags, or move them first.`);
  const taxonomy = set.taxonomy.filter((g) => g !== name);
  if (taxonomy.length === 0) throw new EngineError('BAD_INPUT', 'The taxonomy needs at least one group.');
  return { ...set, taxonomy, tags: set.tags.filter((t) => t.group !== name), version: set.version + 1 };
}

export function removeTag(set: TagSet, id: string): TagSet {
  return { ...set, tags: set.tags.filter((t) => t.id !== id), version: set.version + 1 };
}

/**
 * Status changes a person may make. "validated" is never set by hand: only a validation whose
 * gates pass on holdout sets it. A validated tag can be approved (signed off) or sent back to
 * draft; an approved tag can lose its approval.
 */
export const MANUAL_TRANSITIONS: Readonly<Record<TagStatus, readonly TagStatus[]>> = {
  draft: [],
  validated: ['approved', 'draft'],
  approved: ['validated', 'draft'],
};

export function setTagStatus(set: TagSet, id: string, to: TagStatus): TagSet {
  const tag = set.tags.find((t) => t.id === id);
  if (!tag) throw new EngineError('BAD_INPUT', 'That tag is no longer in the set.');
  if (tag.status === to) return set;
  if (!MANUAL_TRANSITIONS[tag.status].includes(to)) {
    throw new EngineError('BAD_INPUT', to === 'validated' ? `"${tag.name}" becomes validated only by passing its gates in a validation.` : `"${tag.name}" is ${tag.status}; it cannot become ${to}.`);
  }
  return { ...set, tags: set.tags.map((t) => (t.id === id ? { ...t, status: to } : t)), version: set.version + 1 };
}
