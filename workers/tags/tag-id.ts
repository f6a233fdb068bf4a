/** Tag ids, one maker for tag sets and packs (no imports: packs/schema.ts reads the pattern). */

/**
 * Tag ids: a tag's stable name in a tag set and a pack's output column. Safe in every engine
 * without case or quoting surprises: lower-case letters, digits and _, starting with a letter.
 */
export const TAG_ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** FNV-1a over the UTF-8 bytes, 8 hex digits: a short, deterministic stand-in for a name. */
function nameHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * The safe id for a tag set id or a name: lower case, every run of other characters one "_".
 * A name with no ASCII letter or digit ("高价值用户") gets "tag_" and a hash of the name, so two
 * such names get different ids.
 */
export function safeTagId(text: string): string {
  const base = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (base === '') return text.trim() === '' ? 'tag' : `tag_${nameHash(text.trim())}`;
  const id = /^[a-z]/.test(base) ? base : `tag_${base}`;
  return id.slice(0, 64).replace(/_+$/, '');
}

/**
 * A new tag id from a name (see safeTagId), unique among `taken`: "_2", "_3"... where taken. An id
 * taken counts in its safe form too, since a pack outputs a tag set id through safeTagId.
 */
export function tagIdFor(name: string, taken: Iterable<string>): string {
  const used = new Set<string>();
  for (const id of taken) used.add(id).add(safeTagId(id));
  const base = safeTagId(name);
  if (!used.has(base)) return base;
  for (let k = 2; ; k++) {
    const suffix = `_${k}`;
    const id = `${base.slice(0, 64 - suffix.length).replace(/_+$/, '')}${suffix}`;
    if (!used.has(id)) return id;
  }
}
