/**
 * Inputs that are NULL (or one value) in every row, in keyword mining, feature building and tag
 * evaluation, and tag set files Assay cannot read: each is named in plain words, not answered
 * with "0 rules", a silent 0 or a cause that is not the real one.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterCommand } from '../../workers/cli/cluster';
import { featuresCommand } from '../../workers/cli/features';
import { rulesCommand, tagsCommand } from '../../workers/cli/tags';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseTagSet, parseTagSetJson, ruleDefinition } from '../../workers/tags/tag';
import { failure } from '../helpers/engine';
import { tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('allnull-inputs');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 120 events of 30 customers; `nothing` and `blank` are empty in every row, `y` is "yes" in every row. */
function eventsCsv(): string {
  const kinds = ['mug', 'lamp', 'bag'] as const;
  const lines = ['id,customer,ts,amount,part,text,punct,kind,y,nothing'];
  for (let i = 0; i < 120; i++) {
    const kind = kinds[i % 3] as string;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const month = String(1 + (i % 5)).padStart(2, '0');
    // `part` has a value on a few rows only: not all-NULL, so no warning.
    lines.push(`${i},c${i % 30},2024-${month}-${day} 10:00:00,${(i * 1.7).toFixed(2)},${i % 10 === 0 ? '5' : ''},vintage ${kind} ${i % 2 ? 'red' : 'blue'},${i % 2 ? '!!' : '--'},${kind},yes,`);
  }
  return `${lines.join('\n')}\n`;
}

const csv = writeFixture(dir, 'events.csv', eventsCsv());

const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, text: () => ({ out: out.join('\n'), err: err.join('\n') }) };
};

const bigTag = parseTagSet({ tags: [{ id: 'big', name: 'big', group: 'basic', description: '', owner: '', status: 'draft', definition: ruleDefinition('amount > 100') }] });

describe('all-NULL and one-value inputs', { timeout: 120_000 }, () => {
  let engine: NodeEngine;
  const deps = { startEngine: async (): Promise<NodeEngine> => ({ ...engine, close: async () => undefined }) };
  beforeAll(async () => {
    engine = await createInProcessEngine();
    await engine.client.run('data.open', { source: { kind: 'path', path: csv } });
  });
  afterAll(async () => {
    await engine.close();
  });
  const table = 'events';

  it('rules.mineKeywords refuses a text column without words in any row, naming it (labels train refuses it too)', async () => {
    const run = (text: string, source: { table: string } | { sql: string } = { table }) => engine.client.run('rules.mineKeywords', { source, text, target: 'kind' });
    await expect(failure(run('nothing'))).resolves.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^The text column "nothing" has no words in any row \(every value is NULL, empty or punctuation\)/) });
    await expect(failure(run('punct'))).resolves.toMatchObject({ message: expect.stringMatching(/text column "punct" has no words in any row/) });
    // Words only on rows without a label: nothing to mine either, and the message says so.
    const apart = `SELECT CASE WHEN id % 2 = 0 THEN text END AS text, CASE WHEN id % 2 = 1 THEN kind END AS kind FROM ${table}`;
    await expect(failure(run('text', { sql: apart }))).resolves.toMatchObject({ message: expect.stringMatching(/No row has both a text with words in "text" and a label in "kind"/) });
    // With no label at all, the miner's own message (about the label column) still comes first.
    await expect(failure(engine.client.run('rules.mineKeywords', { source: { table }, text: 'text', target: 'nothing' }))).resolves.toMatchObject({ message: expect.stringMatching(/label column has no values/) });
    // Real text still mines.
    expect((await run('text')).order.length).toBeGreaterThan(0);
    const c = capture();
    expect(await rulesCommand(['mine', csv, '--target', 'kind', '--text', 'nothing', '--out', `${dir}/k.json`], c.io, deps)).toBe(1);
    expect(c.text().err).toMatch(/text column "nothing" has no words in any row/);
    expect(fs.existsSync(`${dir}/k.json`)).toBe(false);
    await expect(failure(engine.client.run('labels.train', { source: { table }, textColumn: 'nothing', labelColumn: 'kind' }))).resolves.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('features: an all-NULL value is warned about by name; an all-NULL key is refused as such, not as "no events pass the filter"', async () => {
    const form = { template: 'rfm' as const, table, key: 'customer', time: 'ts', asOf: '' }; // '': the data's snapshot
    const nullValue = await engine.client.run('features.generate', { ...form, value: 'nothing' });
    // The Segments view lists the generated warnings (FeatureSqlCard, data-testid features-warnings).
    expect(nullValue.warnings).toContainEqual(expect.stringMatching(/^The value "nothing" is NULL in every event before 2024-05-28: every value feature \(monetary, AOV, spend\) is 0 or empty/));
    const filtered = await engine.client.run('features.generate', { ...form, value: 'CASE WHEN amount < 10 THEN amount END', where: 'amount > 10' });
    expect(filtered.warnings.join(' ')).toMatch(/"CASE WHEN amount < 10 THEN amount END" is NULL in every event that passes the filter before 2024-05-28/);
    for (const value of ['amount', 'part']) {
      const ok = await engine.client.run('features.generate', { ...form, value });
      expect(ok.warnings.join(' '), value).not.toMatch(/is NULL in every event/);
    }
    await expect(failure(engine.client.run('features.generate', { ...form, key: 'nothing', value: 'amount' }))).resolves.toMatchObject({
      code: 'BAD_INPUT',
      message: 'The entity key column "nothing" of "events" has no values (it is NULL in every row): there are no entities to build features for. Choose another key column.',
    });
    // A value that is not a number is still the build's to report, with its position in the SQL.
    const text = await engine.client.run('features.generate', { ...form, value: 'text' });
    expect(text.warnings.join(' ')).not.toMatch(/is NULL in every event/);

    const c = capture();
    expect(await featuresCommand(['rfm', csv, '--key', 'customer', '--time', 'ts', '--value', 'nothing', '--out', `${dir}/f.csv`], c.io)).toBe(0);
    expect(c.text().err).toMatch(/warning: The value "nothing" is NULL in every event/);
    const k = capture();
    expect(await featuresCommand(['rfm', csv, '--key', 'nothing', '--time', 'ts', '--value', 'amount', '--out', `${dir}/g.csv`], k.io)).toBe(1);
    expect(k.text().err).toMatch(/entity key column "nothing" .* has no values/);
    expect(k.text().err).not.toMatch(/pass the filter/);
  });

  it('tags.validate with a target that is the positive value in every row measures coverage only, with a warning', async () => {
    const run = (extra: Record<string, unknown>) => engine.client.run('tags.validate', { tagSet: bigTag, source: { table }, target: 'y', positive: 'yes', split: { kind: 'all' }, gates: {}, ...extra });
    const all = await run({});
    const tag = all.tags[0];
    expect(tag?.holdout).not.toHaveProperty('precision');
    expect(tag?.holdout.support).toBe(61); // amount = 1.7 i > 100 for i >= 59
    expect(all.set.holdout).not.toHaveProperty('lift');
    expect(all.warnings).toEqual(['The target "y" has one value in every row ("yes"): precision, recall, F1 and lift need positive and negative rows, so only coverage is measured.']);
    // The figures recorded on the tag claim no target.
    expect(all.tagSet.tags[0]?.metrics?.target).toBeUndefined();
    // A stratified split (the Tags view's default) splits the one class at random; a precision gate cannot pass.
    const gated = await run({ split: { kind: 'stratified', holdoutFraction: 0.3, seed: 1 }, gates: { perTag: [{ metric: 'precision', min: 0.5 }, { metric: 'coverage', min: 0.01 }] } });
    expect(gated.rows.holdout).toBe(36);
    expect(gated.tags[0]?.status).toBe('draft');
    expect(gated.tags[0]?.gates.reasons).toEqual(['precision cannot be measured: every row of the target "y" is "yes"']);
    // A positive value that does not occur is still refused: it is likely a typo.
    await expect(failure(run({ positive: 'no' }))).resolves.toMatchObject({ message: expect.stringMatching(/positive value "no" does not occur/) });
    // Both classes present: the full figures and no warning.
    const two = await engine.client.run('tags.validate', { tagSet: bigTag, source: { sql: `SELECT *, CASE WHEN id % 2 = 0 THEN 'yes' ELSE 'no' END AS z FROM ${table}` }, target: 'z', positive: 'yes', split: { kind: 'all' }, gates: {} });
    expect(two.tags[0]?.holdout).toHaveProperty('precision');
    expect(two.warnings).toEqual([]);

    const tagsFile = writeFixture(dir, 'tags.json', JSON.stringify(bigTag));
    const c = capture();
    expect(await tagsCommand(['eval', tagsFile, csv, '--target', 'y', '--positive', 'yes'], c.io, deps)).toBe(0);
    expect(c.text().out).toMatch(/coverage \[95% CI\]/);
    expect(c.text().out).not.toMatch(/precision/);
    // The CLI says why precision is missing (on stderr; in --json as "warnings").
    expect(c.text().err).toMatch(/warning: The target "y" has one value in every row \("yes"\)/);
    const j = capture();
    expect(await tagsCommand(['eval', tagsFile, csv, '--target', 'y', '--positive', 'yes', '--json'], j.io, deps)).toBe(0);
    expect((JSON.parse(j.text().out) as { warnings: string[] }).warnings).toHaveLength(1);
  });

  it('a tag set from a newer Assay says to update Assay; a file that is not JSON is named', async () => {
    expect(() => parseTagSet({ schema: 'assay.tagset/7', tags: [] })).toThrow('This is a tag set written by a newer Assay (schema "assay.tagset/7"; this version reads "assay.tagset/1"): update Assay to read it.');
    expect(() => parseTagSet({ schema: 'assay.rulepack/2', tags: [] })).toThrow(/^This is not an Assay tag set this version can read \(schema "assay\.rulepack\/2"/);
    expect(() => parseTagSet({ schema: 'assay.tagset/0', tags: [] })).toThrow(/^This is not an Assay tag set this version can read/);
    expect(() => parseTagSetJson('{"schema": "assay.tagset/2", "tags": []}', 'mine.json')).toThrow(/^mine\.json is a tag set written by a newer Assay .*update Assay/);
    expect(() => parseTagSetJson('{"tags": [', 'mine.json')).toThrow(/^The tag set mine\.json is not valid JSON: /);
    expect(() => parseTagSetJson('{"tags": [')).toThrow(/^The tag set is not valid JSON: /);

    const garbage = writeFixture(dir, 'garbage.json', 'not json at all');
    const c = capture();
    expect(await clusterCommand([csv, '--features', 'amount', '--k', '2', '--tags', garbage, '--out', `${dir}/cl.csv`], c.io)).toBe(1);
    expect(c.text().err).toContain(`The tag set ${garbage} is not valid JSON`);
    const newer = writeFixture(dir, 'newer.json', '{"schema": "assay.tagset/3", "tags": []}');
    const n = capture();
    expect(await clusterCommand([csv, '--features', 'amount', '--k', '2', '--tags', newer, '--out', `${dir}/cl.csv`], n.io)).toBe(1);
    expect(n.text().err).toContain(`${newer} is a tag set written by a newer Assay`);
  });
});
