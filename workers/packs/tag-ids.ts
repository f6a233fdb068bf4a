import { EngineError } from '../protocol/errors';

/**
 * Tag ids: a pack's output column names. Stable (they come from the tag set's id, not the display
 * name, so renaming a tag does not change the output schema) and safe in every engine without
 * case or quoting surprises: lower-case letters, digits and _, starting with a letter.
 */
export const TAG_ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** The safe id for a tag set id or a name: lower case, every run of other characters one "_". */
export function safeTagId(text: string): string {
  const base = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const id = /^[a-z]/.test(base) ? base : `tag_${base}`;
  return id.slice(0, 64).replace(/_+$/, '') || 'tag';
}

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
