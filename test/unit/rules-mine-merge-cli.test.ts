/**
 * `assay rules mine --out FILE` as a user runs it (a subprocess): into an existing tag set it
 * merges, the way `cluster --tags` and `labels train --tags` do (the draft tags an earlier run of
 * the same kind wrote for the same target are replaced, hand-written tags and other targets' tags
 * stay); a file that is not a tag set (a rule pack, not JSON) is refused before any work and left
 * byte for byte as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { otherAssayFile, minedEarlier, readTagSetToMerge } from '../../workers/cli/tag-set-file';
import { parseTagSet, parseTagSetJson, type Tag, type TagSet } from '../../workers/tags/tag';
import { mergeMinedTags } from '../../workers/tags/tag-set-edit';
import { repoRoot, tempDir, writeFixture } from '../helpers/paths';
import { runProcess } from '../helpers/process';

const dir = tempDir('rules-mine-merge');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const TARGET = 'bought\tflag'; // a target column named with a tab: the mined tags' names must still be valid

/** 400 rows: `bought` follows a and b (with noise), `kind` follows the words of `desc`. */
function dataCsv(): string {
  const words = { mug: ['mug', 'tea cup'], bag: ['tote', 'lunch bag'], lamp: ['lantern', 'candle'] };
  const lines = [`a,b,"${TARGET}",desc,kind`];
  for (let i = 0; i < 400; i++) {
    const a = (i * 7919) % 100;
    const b = (i * 104729) % 50;
    const bought = (a > 60 && b > 10) !== (i % 23 === 0) ? 'yes' : 'no';
    const kind = (['mug', 'bag', 'lamp'] as const)[i % 3]!;
    lines.push(`${a},${b},${bought},vintage ${words[kind][i % 2]} ${i % 5 === 0 ? 'red' : 'white'},${kind}`);
  }
  return `${lines.join('\n')}\n`;
}

const csv = writeFixture(dir, 'data.csv', dataCsv());

function assay(...args: string[]) {
  return runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { timeoutMs: 120_000 });
}

function read(file: string): TagSet {
  return parseTagSetJson(fs.readFileSync(file, 'utf8'));
}

const minedBy = (set: TagSet, by: string, positive?: string): Tag[] => set.tags.filter((t) => t.metrics?.by === by && (positive === undefined || t.metrics.target?.positive === positive));

describe('assay rules mine --out merges into a tag set and refuses other files', { timeout: 300_000 }, () => {
  const mine = (out: string, ...extra: string[]) => assay('rules', 'mine', csv, '--target', TARGET, '--out', out, '--time-budget', '20000', ...extra);

  it('keeps a hand-written tag and replaces only the earlier run of the same kind and target', async () => {
    const file = path.join(dir, 'tags.json');
    const first = await mine(file, '--positive', 'yes', '--min-precision', '0.7');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Wrote \d+ tags? to .*tags\.json$/m);
    const fresh = read(file);
    const firstMined = minedBy(fresh, 'rules.mine');
    expect(firstMined.length).toBeGreaterThan(0);
    // The tab in the target's name became a space in the tag names.
    expect(firstMined.every((t) => t.name.startsWith('bought flag=yes rule '))).toBe(true);

    const added = await assay('tags', 'add', file, '--name', 'Big spenders', '--rule', 'a > 90', '--description', 'written by hand');
    expect(added.code, added.stderr).toBe(0);
    const hand = read(file).tags.find((t) => t.name === 'Big spenders');
    expect(hand).toBeDefined();

    const again = await mine(file, '--positive', 'yes', '--min-precision', '0.7', '--seed', '7');
    expect(again.code, again.stderr).toBe(0);
    const second = read(file);
    const secondMined = minedBy(second, 'rules.mine');
    expect(again.stdout).toContain(`into the tag set ${file} (${firstMined.length} from an earlier run of the same kind replaced, 1 other tag kept)`);
    // The hand-written tag is there as it was; the mined tags are this run's only (no copies, no "_2" ids).
    expect(second.tags.find((t) => t.name === 'Big spenders')).toEqual(hand);
    expect(second.tags).toHaveLength(1 + secondMined.length);
    expect(secondMined.every((t) => !/_\d+_\d+$/.test(t.id) && !/\(\d+\)$/.test(t.name))).toBe(true);
    const firstAt = new Set(firstMined.map((t) => t.metrics?.measuredAt));
    expect(secondMined.every((t) => !firstAt.has(t.metrics?.measuredAt))).toBe(true);
    expect(second.version).toBe(fresh.version + 2);

    // Another value of the target is another kind of run: the rules for "yes" stay.
    const no = await mine(file, '--positive', 'no', '--min-precision', '0.5');
    expect(no.code, no.stderr).toBe(0);
    const third = read(file);
    expect(minedBy(third, 'rules.mine', 'yes').map((t) => t.id)).toEqual(secondMined.map((t) => t.id));
    expect(third.tags.find((t) => t.name === 'Big spenders')).toEqual(hand);
    expect(third.tags).toHaveLength(1 + secondMined.length + minedBy(third, 'rules.mine', 'no').length);

    // Keyword rules (--text) into the same file: added beside the rest, replaced by the next keyword run.
    const keywords = (...extra: string[]) => assay('rules', 'mine', csv, '--target', 'kind', '--text', 'desc', '--out', file, ...extra);
    const k1 = await keywords();
    expect(k1.code, k1.stderr).toBe(0);
    const fourth = read(file);
    const k1Tags = minedBy(fourth, 'rules.mineKeywords');
    expect(k1Tags.length).toBeGreaterThan(0);
    expect(fourth.tags).toHaveLength(third.tags.length + k1Tags.length);
    const k2 = await keywords('--no-phrases');
    expect(k2.code, k2.stderr).toBe(0);
    expect(k2.stdout).toContain(`(${k1Tags.length} from an earlier run of the same kind replaced, ${third.tags.length} other tags kept)`);
    const fifth = read(file);
    expect(fifth.tags.filter((t) => t.metrics?.by !== 'rules.mineKeywords')).toEqual(third.tags);
    expect(minedBy(fifth, 'rules.mineKeywords').every((t) => t.definition.kind === 'rule' && !t.definition.text.includes('PHRASE'))).toBe(true);
  });

  it('refuses a rule pack and a file that is not JSON before any work, leaving them byte for byte', async () => {
    const tagsFile = path.join(dir, 'for-pack.json');
    expect((await mine(tagsFile, '--positive', 'yes', '--min-precision', '0.7')).code).toBe(0);
    const packFile = path.join(dir, 'pack.json');
    const built = await assay('pack', 'build', tagsFile, '--data', csv, '--name', 'p', '--version', '1.0.0', '--target', TARGET, '--positive', 'yes', '--out', packFile);
    expect(built.code, built.stderr).toBe(0);
    const pack = fs.readFileSync(packFile);
    const mtime = fs.statSync(packFile).mtimeMs;

    const refused = await mine(packFile, '--positive', 'yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*pack\.json is a rule pack \(assay\.rulepack\/\d+\), not a tag set\. rules mine --out writes a tag set .* leaves this file as it is/);
    expect(fs.readFileSync(packFile).equals(pack)).toBe(true);
    expect(fs.statSync(packFile).mtimeMs).toBe(mtime);

    // Before any work: the pack is named even when the data file does not exist.
    const early = await assay('rules', 'mine', path.join(dir, 'missing.csv'), '--target', 'x', '--text', 'desc', '--out', packFile);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/is a rule pack/);
    expect(fs.readFileSync(packFile).equals(pack)).toBe(true);

    const data = fs.readFileSync(csv);
    const notJson = await mine(csv, '--positive', 'yes');
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(/data\.csv is not JSON, so not a tag set/);
    expect(fs.readFileSync(csv).equals(data)).toBe(true);
  });
});

describe('one row without a target value', { timeout: 120_000 }, () => {
  it('is "1 row has", not "1 rows have"', async () => {
    const gap = writeFixture(dir, 'gap.csv', dataCsv().replace(/\n(\d+),(\d+),(yes|no),/, '\n$1,$2,,'));
    const r = await assay('rules', 'mine', gap, '--target', TARGET, '--positive', 'yes', '--out', path.join(dir, 'gap.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: 1 row has no value in the target "bought\tflag"\./);
  });
});

describe('recognising what an earlier run wrote', () => {
  const rule = { kind: 'rule' as const, text: 'a > 1', ast: { type: 'compare' as const, op: '>' as const, left: { kind: 'column' as const, name: 'a' }, right: { kind: 'number' as const, value: 1 } } };
  const holdout = { rows: 10, support: 1, coverage: { value: 0.1, low: 0, high: 0.4 } };
  const mined = (over: Partial<Tag> = {}, metrics: Partial<NonNullable<Tag['metrics']>> = {}): Tag =>
    ({ id: 'r', name: 'r', group: 'predictive', description: '', owner: '', status: 'draft', definition: rule, metrics: { measuredAt: '2026-01-01T00:00:00Z', by: 'rules.mine', text: 'a > 1', target: { column: 'y', positive: 'yes' }, split: { kind: 'all' }, holdout, ...metrics }, ...over }) as Tag;
  const target = { column: 'y', positive: 'yes' };

  it('replaces untouched drafts of the same run kind and target; keeps validated, edited, re-measured and other targets', () => {
    expect(minedEarlier(mined(), 'rules.mine', target)).toBe(true);
    expect(minedEarlier(mined({ status: 'validated' }), 'rules.mine', target)).toBe(false);
    expect(minedEarlier(mined({ definition: { ...rule, text: 'a > 2' } }), 'rules.mine', target)).toBe(false);
    expect(minedEarlier(mined({}, { by: 'tags.validate' }), 'rules.mine', target)).toBe(false);
    expect(minedEarlier(mined({}, { target: { column: 'y', positive: 'no' } }), 'rules.mine', target)).toBe(false);
    expect(minedEarlier(mined(), 'rules.mineKeywords', { column: 'y' })).toBe(false);
    expect(minedEarlier(mined({}, { by: 'rules.mineKeywords', target: { column: 'y', positive: 'mug' } }), 'rules.mineKeywords', { column: 'y' })).toBe(true);
    // Mined on another table with the same target column: kept; on the same table: replaced.
    expect(minedEarlier(mined({ entity: { table: 'january' } }), 'rules.mine', { ...target, table: 'february' })).toBe(false);
    expect(minedEarlier(mined({ entity: { table: 'january' } }), 'rules.mine', { ...target, table: 'january' })).toBe(true);
    const { metrics: _none, ...hand } = mined();
    void _none;
    expect(minedEarlier(hand as Tag, 'rules.mine', target)).toBe(false);
  });

  it('merges with fresh ids and names where a kept tag holds them', () => {
    const set = parseTagSet({ tags: [mined({ id: 'r', name: 'r', status: 'validated' })] });
    const merged = mergeMinedTags(set, [mined({ id: 'r', name: 'R' }), mined({ id: 'new', name: 'new', group: 'fresh group' })], (t) => minedEarlier(t, 'rules.mine', target));
    expect(merged.replaced).toEqual([]);
    expect(merged.set.tags.map((t) => [t.id, t.name])).toEqual([['r', 'r'], ['r_2', 'R (2)'], ['new', 'new']]);
    expect(merged.set.taxonomy).toContain('fresh group');
    expect(() => parseTagSet(merged.set)).not.toThrow();
  });

  it('names what a file is when it is not a tag set', () => {
    expect(otherAssayFile({ schema: 'assay.rulepack/2', tags: [] })).toMatch(/rule pack/);
    expect(otherAssayFile({ kind: 'assay-labeler', version: 1 })).toMatch(/labeler/);
    expect(otherAssayFile({ format: 'assay-ctr', kind: 'fm' })).toMatch(/CTR model/);
    expect(otherAssayFile({ learner: {}, version: [2, 0, 0] })).toMatch(/GBDT model/);
    expect(otherAssayFile([1, 2])).toMatch(/list/);
    expect(otherAssayFile({ tags: [] })).toBeNull();
    const empty = writeFixture(dir, 'empty.json', '\n');
    expect(readTagSetToMerge(empty, 'rules mine --out')).toBeUndefined();
    expect(readTagSetToMerge(path.join(dir, 'absent.json'), 'rules mine --out')).toBeUndefined();
    const newer = writeFixture(dir, 'newer.json', '{"schema": "assay.tagset/9", "tags": []}');
    expect(() => readTagSetToMerge(newer, 'rules mine --out')).toThrow(/newer\.json is a tag set written by a newer Assay \(schema "assay\.tagset\/9"; this version reads "assay\.tagset\/1"\): update Assay to read it\./);
  });
});
