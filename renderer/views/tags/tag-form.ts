import type { Tag, TagDefinition } from './types';

/** The tag editor's form: the tag being written (id null = a new tag). */
export interface TagForm {
  id: string | null;
  name: string;
  group: string;
  description: string;
  owner: string;
  kind: TagDefinition['kind'];
  ruleText: string;
  modelRef: string;
  threshold: string;
  segmentRef: string;
  segmentId: string;
}

export function emptyForm(group: string): TagForm {
  return { id: null, name: '', group, description: '', owner: '', kind: 'rule', ruleText: '', modelRef: '', threshold: '0.5', segmentRef: '', segmentId: '' };
}

export function formOf(tag: Tag): TagForm {
  const d = tag.definition;
  return {
    id: tag.id,
    name: tag.name,
    group: tag.group,
    description: tag.description,
    owner: tag.owner,
    kind: d.kind,
    ruleText: d.kind === 'rule' ? d.text : '',
    modelRef: d.kind === 'model' ? (d.modelRef ?? '') : '',
    threshold: d.kind === 'model' ? String(d.threshold) : '0.5',
    segmentRef: d.kind === 'segment' ? d.segmentRef : '',
    segmentId: d.kind === 'segment' ? String(d.segmentId) : '',
  };
}

/** Whether two rule texts differ only in letter case and spacing (then the canonical form adds nothing). */
export function sameText(a: string, b: string): boolean {
  const norm = (t: string): string => t.replace(/\s+/g, ' ').trim().toLowerCase();
  return norm(a) === norm(b);
}
