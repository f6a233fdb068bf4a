import { describe, expect, it } from 'vitest';
import { diffPacks, formatDiff, lineDiff } from '../../workers/packs/diff';
import { editPack } from '../../workers/packs/io';
import { parseRule } from '../../workers/tags/parser';
import { sampleRulePack } from '../helpers/packs';

describe('pack diff', () => {
  it('diffs conditions line by line, removals before additions', () => {
    expect(lineDiff(['a > 1', 'b = 2', 'c < 3'], ['a > 1', 'b = 5', 'c < 3', 'd IS NULL'])).toEqual(['  a > 1', '- b = 2', '+ b = 5', '  c < 3', '+ d IS NULL']);
    expect(lineDiff([], ['x'])).toEqual(['+ x']);
    expect(lineDiff(['x'], [])).toEqual(['- x']);
  });

  it('finds added, removed and changed tags with the condition-level diff and metric deltas', async () => {
    const base = await sampleRulePack();
    const old = await editPack(base, (d) => ({
      ...d,
      tags: d.tags.map((t) => (t.name === 'high "value"' ? { ...t, metrics: { rows: 100, support: 10, coverage: { value: 0.1, low: 0.05, high: 0.17 } } } : t)),
    }));
    const text = `"spend 90d" > 400 AND "Country" IN ('UK', 'FR') AND "it's"`;
    const next = await editPack(old, (d) => ({
      ...d,
      version: '1.1.0',
      tags: [
        ...d.tags
          .filter((t) => t.name !== 'regex_tag')
          .map((t) => (t.name === 'high "value"' && t.kind === 'rule' ? { ...t, rule: { text, ast: parseRule(text) }, metrics: { rows: 100, support: 14, coverage: { value: 0.14, low: 0.08, high: 0.22 } } } : t)),
        { kind: 'rule' as const, id: 'new_tag', name: 'new tag', group: 'basic', description: '', owner: '', status: 'draft' as const, metrics: null, gates: [], gateOutcome: null, rule: { text: 'TRUE', ast: parseRule('TRUE') } },
      ],
    }));
    const diff = diffPacks(old, next);
    expect(diff.added).toEqual(['new tag']);
    expect(diff.removed).toEqual(['regex_tag']);
    expect(diff.changed).toHaveLength(1);
    const change = diff.changed[0];
    expect(change?.fields).toEqual(['rule']);
    expect(change?.conditions).toEqual(['- "spend 90d" > 500.5', '+ "spend 90d" > 400', `  Country IN ('UK', 'FR')`, `+ "it's"`]);
    expect(change?.metrics.find((m) => m.metric === 'coverage')).toMatchObject({ old: 0.1, new: 0.14 });
    expect(change?.metrics.find((m) => m.metric === 'support')).toEqual({ metric: 'support', old: 10, new: 14, delta: 4 });
    expect(diff.unchanged).toHaveLength(old.tags.length - 2);
    const text2 = formatDiff(diff);
    expect(text2).toContain('changed high "value" (rule)\n    - "spend 90d" > 500.5\n    + "spend 90d" > 400');
    expect(text2).toContain('added   new tag');
    expect(text2).toContain('removed regex_tag');
  });
});
