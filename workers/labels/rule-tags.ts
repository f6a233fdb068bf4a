/**
 * A labeler's keyword rules as labelling tags, so a rule pack carries them as SQL in every dialect
 * (`assay pack build`): one tag per rule, in a group "<label column> keywords", each recording the
 * class it assigns. Rules the classifier stands behind are not SQL: the classifier ships as the
 * labeler file (hundreds of thousands of weights do not make a readable or fast SQL expression).
 */
import { parseTagSet, ruleDefinition, tagNameFrom, type TagSet } from '../tags/tag';
import { tagIdFor } from '../tags/tag-set-edit';
import type { LabelRule } from './rules';

/**
 * `set` with the labeler's keyword rules as draft tags in the group `<labelColumn> keywords`
 * (tags already in that group are replaced, not copied).
 */
export function labelRulesToTagSet(set: TagSet, rules: readonly LabelRule[], meta: { labelColumn: string; table?: string }): { set: TagSet; added: number; replaced: number } {
  const group = `${meta.labelColumn} keywords`;
  const kept = set.tags.filter((t) => t.group !== group);
  const replaced = set.tags.length - kept.length;
  const ids = kept.map((t) => t.id);
  const names = new Set(kept.map((t) => t.name.toLowerCase()));
  const tags = [...kept];
  for (const rule of rules) {
    // The number goes after the cut, so two long labels that share their first 200 characters differ.
    let name = tagNameFrom(`${rule.label}: ${rule.text}`, { fallback: 'label' });
    for (let i = 2; names.has(name.toLowerCase()); i++) name = tagNameFrom(`${rule.label}: ${rule.text}`, { fallback: 'label', suffix: ` (${i})` });
    names.add(name.toLowerCase());
    const id = tagIdFor(name, ids);
    ids.push(id);
    tags.push({
      id,
      name,
      group,
      description: `Keyword rule ${rule.id} of a labeler: held-out precision ${rule.holdoutPrecision.toFixed(3)} on ${rule.holdoutMatches} rows.`,
      owner: '',
      status: 'draft',
      definition: ruleDefinition(rule.ruleText),
      label: { column: meta.labelColumn, value: rule.label },
      ...(meta.table ? { entity: { table: meta.table } } : {}),
    });
  }
  const next = parseTagSet({ ...set, version: set.version + 1, taxonomy: set.taxonomy.includes(group) ? set.taxonomy : [...set.taxonomy, group], tags });
  return { set: next, added: rules.length, replaced };
}
