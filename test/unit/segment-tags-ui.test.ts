import { describe, expect, it } from 'vitest';
import { addSegmentTags, definitionSummary } from '../../renderer/views/tags/tag-data';
import { emptyTagSet, tagSetSchema, type Tag, type TagSet } from '../../renderer/views/tags/types';
import { parseTagSet, segmentTags, type Segmentation } from '../../workers/tags/tag';

/** A tiny fitted segmentation: one standardised column, two centroids. */
const SEGMENTATION: Segmentation = {
  version: 1,
  name: 'rfm k2',
  k: 2,
  preprocessor: {
    version: 1,
    options: { scaling: 'standard', impute: 'median', log1p: 'none', skewThreshold: 1, maxLevels: 20 },
    columns: [{ column: 'spend', kind: 'numeric', impute: 10, log1p: false, center: 10, scale: 5, constant: false, skewness: 0 }],
    features: ['spend'],
  },
  centroids: [[-1], [1]],
  sizes: [40, 60],
};

function withRule(set: TagSet, name: string): TagSet {
  const rule: Tag = { id: 'big', name, group: 'basic', description: '', owner: '', status: 'approved', definition: { kind: 'rule', text: 'spend > 1', ast: { type: 'compare', op: '>', left: { kind: 'column', name: 'spend' }, right: { kind: 'number', value: 1 } } } };
  return { ...set, tags: [...set.tags, rule] };
}

describe('Save as segment tags (Tags view side)', () => {
  it('adds one draft tag per segment, renames clashes, adds a missing group, and the engine accepts the set', () => {
    const tags = segmentTags(SEGMENTATION, { names: ['Big spenders', 'Casual'], group: 'portraits' });
    const start = withRule(emptyTagSet(), 'big spenders');
    const { set, added, replaced } = addSegmentTags(start, tags);
    expect(added).toEqual(['seg_rfm_k2_0', 'seg_rfm_k2_1']);
    expect(replaced).toEqual([]);
    expect(set.tags.map((t) => t.name)).toEqual(['big spenders', 'Big spenders (2)', 'Casual']);
    expect(set.taxonomy).toContain('portraits');
    expect(set.version).toBe(start.version + 1);
    // The workspace schema keeps the embedded segmentation (it must not be stripped on reload).
    const reloaded = tagSetSchema.parse(JSON.parse(JSON.stringify(set)));
    const def = reloaded.tags[1]?.definition;
    expect(def?.kind === 'segment' && def.segmentation?.centroids).toEqual([[-1], [1]]);
    expect(parseTagSet(reloaded).tags).toHaveLength(3);
    expect(definitionSummary(def as Tag['definition'])).toMatch(/segment 0 of rfm k2 \(k = 2, scaler and centroids embedded\)/);
  });

  it('saving the same segmentation again updates its tags instead of adding copies', () => {
    const first = addSegmentTags(emptyTagSet(), segmentTags(SEGMENTATION, { names: ['A', 'B'] })).set;
    const again = addSegmentTags(first, segmentTags(SEGMENTATION, { names: ['A renamed', 'B'] }));
    expect(again.added).toEqual([]);
    expect(again.replaced).toEqual(['seg_rfm_k2_0', 'seg_rfm_k2_1']);
    expect(again.set.tags.map((t) => t.name)).toEqual(['A renamed', 'B']);
    // A set saved before ids were made safe keeps its stored ids, and its segment tags are still replaced.
    const older = { ...first, tags: first.tags.map((t) => ({ ...t, id: t.id.replace(/_/g, '-') })) };
    const onOlder = addSegmentTags(older, segmentTags(SEGMENTATION, { names: ['A', 'B'] }));
    expect([onOlder.added, onOlder.replaced]).toEqual([[], ['seg-rfm-k2-0', 'seg-rfm-k2-1']]);
    expect(definitionSummary({ kind: 'segment', segmentRef: 'old', segmentId: 1 })).toMatch(/reference only/);
  });
});
