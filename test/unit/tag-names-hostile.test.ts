/**
 * Tag names made from data (tag.ts tagNameFrom): a clustered column named with a tab, a newline
 * or 300 characters gives readable segment tags that parse back, through the cluster.tags job
 * (what the Segments view's "Save as tags" runs) and `assay cluster --tags` as a user runs it; the
 * same helper names labeler keyword tags and mined rules.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelRulesToTagSet } from '../../workers/labels/rule-tags';
import type { LabelRule } from '../../workers/labels/rules';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { TAG_NAME_MAX, parseTagSet, parseTagSetJson, tagNameFrom, type Tag } from '../../workers/tags/tag';
import { addSegmentTags } from '../../workers/tags/tag-set-edit';
import { repoRoot, tempDir, writeFixture } from '../helpers/paths';
import { runProcess } from '../helpers/process';

const dir = tempDir('tag-names-hostile');
const LONG = `long_${'spend_'.repeat(49)}end`; // 300 characters
const TAB = 'q\tty';
const NEWLINE = 'ca\nt';
// eslint-disable-next-line no-control-regex -- control characters are what tag names refuse
const CONTROL = /[\u0000-\u001f\u007f]/;

/** 240 rows in three clear groups over the three hostile columns, as CSV (the names quoted). */
function hostileCsv(): string {
  const lines = [[TAB, NEWLINE, LONG].map((n) => `"${n}"`).join(',')];
  for (let i = 0; i < 240; i++) {
    const g = i % 3;
    const jitter = ((i * 37) % 11) / 10;
    lines.push([[1, 40, 90][g]! + jitter, [70, 5, 30][g]! + jitter, [500, 20, 2000][g]! + jitter * 10].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function expectReadable(names: readonly string[]): void {
  for (const name of names) {
    expect(name).not.toMatch(CONTROL);
    expect(name.length).toBeLessThanOrEqual(TAG_NAME_MAX);
    expect(name.trim()).toBe(name);
    expect(name.length).toBeGreaterThan(0);
  }
  expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tagNameFrom', () => {
  it('turns control characters into spaces, caps the length with the suffix kept, and falls back on blank text', () => {
    expect(tagNameFrom('q\tty')).toBe('q ty');
    expect(tagNameFrom(' High ca\nt \r\n· Low q\u007fty ')).toBe('High ca t · Low q ty');
    const cut = tagNameFrom(LONG);
    expect(cut).toHaveLength(TAG_NAME_MAX);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.startsWith('long_spend_spend_')).toBe(true);
    const numbered = tagNameFrom(LONG, { suffix: ' (12)' });
    expect(numbered).toHaveLength(TAG_NAME_MAX);
    expect(numbered.endsWith('… (12)')).toBe(true);
    expect(tagNameFrom('short', { suffix: ' (2)' })).toBe('short (2)');
    expect(tagNameFrom('\t\n ', { fallback: 'Segment 3' })).toBe('Segment 3');
    expect(tagNameFrom('')).toBe('tag');
    // A cut that would fall between the two halves of an emoji drops the whole emoji.
    const emoji = tagNameFrom(`${'a'.repeat(TAG_NAME_MAX - 2)}😀😀`);
    expect(emoji).toBe(`${'a'.repeat(TAG_NAME_MAX - 2)}…`);
    expect(parseTagSet({ tags: [{ id: 'a', name: emoji, group: 'basic', definition: { kind: 'rule', text: 'x > 1', ast: { type: 'compare', op: '>', left: { kind: 'column', name: 'x' }, right: { kind: 'number', value: 1 } } } }] }).tags).toHaveLength(1);
  });

  it('names labeler keyword tags: two long labels that share their first 200 characters still get two names', () => {
    const label = 'x'.repeat(250);
    const rule = (id: string, text: string): LabelRule => ({ id, label, mode: 'word', text, ruleText: `d CONTAINS WORD '${text}'`, holdoutMatches: 10, holdoutPrecision: 0.9 });
    const { set } = labelRulesToTagSet(parseTagSet({ tags: [] }), [rule('r1', 'mug'), rule('r2', 'cup')], { labelColumn: 'kind\tcol' });
    expectReadable(set.tags.map((t) => t.name));
    expect(set.tags[1]?.name.endsWith('… (2)')).toBe(true);
  });

  it('numbers a segment tag whose name another tag holds without going past the cap', () => {
    const taken = parseTagSet({ tags: [{ id: 'first', name: tagNameFrom(LONG), group: 'basic', definition: { kind: 'rule', text: 'x > 1', ast: { type: 'compare', op: '>', left: { kind: 'column', name: 'x' }, right: { kind: 'number', value: 1 } } } }] });
    const incoming = { ...taken.tags[0], id: 'seg-x-0' } as Tag;
    const merged = addSegmentTags(taken, [incoming]);
    expect(merged.set.tags[1]?.name).toBe(tagNameFrom(LONG, { suffix: ' (2)' }));
    expect(() => parseTagSet(merged.set)).not.toThrow();
  });
});

describe('segment tags from hostile column names', { timeout: 240_000 }, () => {
  let engine: NodeEngine;
  const csv = writeFixture(dir, 'hostile.csv', hostileCsv());
  beforeAll(async () => {
    engine = await createInProcessEngine();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('cluster.tags takes the portrait names the Segments view passes (tab, newline, 300 characters) and gives tags that parse back', async () => {
    const opened = await engine.client.run('data.open', { source: { kind: 'path', path: csv } });
    const result = await engine.client.run('cluster.run', { source: { table: opened.name }, allNumeric: true, k: 3, seed: 1, outputTable: 'hostile_seg' });
    // The names as a portrait could suggest them, and one left blank.
    const names = { 0: `High ${TAB} · Low ${NEWLINE}`, 1: `High ${LONG} · Low ${TAB}`, 2: '\t\n' };
    const tags = await engine.client.run('cluster.tags', { clusterId: result.cluster.clusterId, names, ref: 'hostile\tk3' });
    expect(tags.map((t) => t.name)).toEqual(['High q ty · Low ca t', tagNameFrom(`High ${LONG} · Low ${TAB}`), 'Segment 2']);
    expect(tags[1]?.name).toHaveLength(TAG_NAME_MAX);
    const set = parseTagSetJson(JSON.stringify({ tags }));
    expectReadable(set.tags.map((t) => t.name));
    // The same name twice (after cleaning) gets each segment's number, still within the cap.
    const twice = await engine.client.run('cluster.tags', { clusterId: result.cluster.clusterId, names: { 0: `${LONG}\t`, 1: LONG, 2: 'a\tb' } });
    expect(twice.map((t) => t.name)).toEqual([tagNameFrom(LONG, { suffix: ' (segment 0)' }), tagNameFrom(LONG, { suffix: ' (segment 1)' }), 'a b']);
    expectReadable(twice.map((t) => t.name));
  });

  it('assay cluster --tags writes the CSV and the tags, which tags eval reads back', async () => {
    const tagsFile = path.join(dir, 'tags.json');
    const assay = (...args: string[]) => runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { timeoutMs: 120_000 });
    const r = await assay('cluster', csv, '--k', '3', '--seed', '1', '--out', path.join(dir, 'seg.csv'), '--tags', tagsFile);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/saved 3 segment tags to .*tags\.json \(3 added, 0 replaced\)/);
    const set = parseTagSetJson(fs.readFileSync(tagsFile, 'utf8'));
    expect(set.tags).toHaveLength(3);
    const names = set.tags.map((t) => t.name);
    expectReadable(names);
    // Named by the portraits after the hostile columns, cleaned: not the "Segment i" fallback.
    expect(names.every((n) => !/^Segment \d$/.test(n))).toBe(true);
    expect(names.join(' ')).toMatch(/q ty|ca t|long_spend_/);
    const evaluated = await assay('tags', 'eval', tagsFile, csv, '--json');
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const supports = (JSON.parse(evaluated.stdout) as { tags: Array<{ metrics: { support: number } }> }).tags.map((t) => t.metrics.support);
    expect(supports).toEqual([80, 80, 80]);
  });
});
