import { EngineError } from '../protocol/errors';
import { safeTagId } from '../tags/tag-id';

// One id maker for tag sets and packs (the lower layer, tags/, owns it): a pack's output column is
// its tag set id through safeTagId, so ids the Tags view or CLI make are already valid columns.
export { TAG_ID_PATTERN, safeTagId, tagIdFor } from '../tags/tag-id';

/**
 * Gives every tag its id (kept where it has one, derived from `from` otherwise) and refuses two
 * tags that would share an output column, naming both.
 */
export function assignTagIds<T extends { name: string; id?: string }>(tags: T[], from: (tag: T) => string = (t) => t.name): Array<T & { id: string }> {
  const byId = new Map<string, T>();
  return tags.map((tag) => {
    const id = tag.id ?? safeTagId(from(tag));
    const other = byId.get(id);
    if (other !== undefined) {
      throw new EngineError('BAD_INPUT', `Tags "${other.name}" and "${tag.name}" would both be output as the column "${id}": tag ids must differ (rename the id of one of them in the tag set).`, { id, tags: [other.name, tag.name] });
    }
    byId.set(id, tag);
    return { ...tag, id };
  });
}
