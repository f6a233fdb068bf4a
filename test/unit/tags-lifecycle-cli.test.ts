/**
 * A tag's life in a file from the command line, as the Tags view leads it: `assay tags validate`
 * (gates on holdout rows, verdicts and figures written back), `tags
 * status` (sign-off; validated only by a validation), `tags remove`. The verdicts must be the
 * engine's tags.validate verdicts for the same split and gates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rulesCommand, tagsCommand } from '../../workers/cli/tags';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import { parseTagSet, type TagSet } from '../../workers/tags/tag';
import { samples, tempDir } from '../helpers/paths';

let engine: NodeEngine;
const dir = tempDir('tags-lifecycle');
beforeAll(async () => {
  engine = await createInProcessEngine();
}, 60_000);
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function capture(): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
}
// The shared engine, left open by each command.
const deps = { startEngine: async (): Promise<NodeEngine> => ({ ...engine, close: async () => undefined }) };

function rule(id: string, name: string, text: string) {
  return { id, name, group: 'predictive', status: 'draft', definition: { kind: 'rule', text, ast: parseRule(text) } };
}

/** On online shoppers, one tag passes precision >= 0.7 and coverage >= 1% (0.81 and 3.3% on all rows), one fails (precision 0.15). */
function writeSet(file: string): TagSet {
  const set = parseTagSet({ tags: [rule('buyers', 'High page value', 'PageValues > 50'), rule('everyone', 'Any visit', 'ProductRelated >= 0')] });
  fs.writeFileSync(file, `${JSON.stringify(set, null, 2)}\n`);
  return set;
}

const read = (file: string): TagSet => parseTagSet(JSON.parse(fs.readFileSync(file, 'utf8')));

describe('assay tags validate / status / remove', { timeout: 180_000 }, () => {
  it('validate: the engine verdicts for the same split and gates, written back; a failing tag is a verdict (exit 0)', async () => {
    const file = path.join(dir, 'tags.json');
    const before = writeSet(file);
    const run = capture();
    const code = await tagsCommand(['validate', file, samples.shoppers, '--target', 'Revenue', '--min-precision', '0.7'], run.io, deps);
    expect(code).toBe(0);
    const after = read(file);
    expect(after.version).toBe(before.version + 1);
    const byId = new Map(after.tags.map((t) => [t.id, t]));
    expect(byId.get('buyers')?.status).toBe('validated');
    expect(byId.get('everyone')?.status).toBe('draft');
    // The figures are recorded with the tag, as the view records them.
    expect(byId.get('buyers')?.metrics?.by).toBe('tags.validate');
    expect(run.out.join('\n')).toMatch(/High page value: draft -> validated/);
    expect(run.out.join('\n')).toMatch(/Any visit: stays draft \(.*precision/);
    // The same verdicts as the job itself with the view's default split and gates.
    const table = (await engine.client.run('data.open', { source: { kind: 'path', path: samples.shoppers }, tableName: 'shoppers_check', replace: true })).name;
    const direct = await engine.client.run('tags.validate', { tagSet: before, source: { table }, target: 'Revenue', gates: { perTag: [{ metric: 'precision', min: 0.7 }, { metric: 'coverage', min: 0.01 }] } });
    expect(Object.fromEntries(direct.tags.map((t) => [t.id, t.status]))).toEqual(Object.fromEntries(after.tags.map((t) => [t.id, t.status])));
  });

  it('status: sign-off on a validated tag, refused on a draft one (only validation validates), and the file untouched then', async () => {
    const file = path.join(dir, 'status.json');
    writeSet(file);
    expect(await tagsCommand(['validate', file, samples.shoppers, '--target', 'Revenue', '--min-precision', '0.7'], capture().io, deps)).toBe(0);
    const approve = capture();
    expect(await tagsCommand(['status', file, '--tags', 'high page value', '--to', 'approved'], approve.io, deps)).toBe(0);
    expect(approve.out).toEqual(['High page value: validated -> approved']);
    expect(read(file).tags.find((t) => t.id === 'buyers')?.status).toBe('approved');
    const bytes = fs.readFileSync(file, 'utf8');
    const refused = capture();
    expect(await tagsCommand(['status', file, '--tags', 'buyers,everyone', '--to', 'approved'], refused.io, deps)).toBe(1);
    expect(refused.err.join('\n')).toMatch(/"Any visit" is draft; it cannot become approved/);
    const byHand = capture();
    expect(await tagsCommand(['status', file, '--tags', 'everyone', '--to', 'validated'], byHand.io, deps)).toBe(1);
    expect(byHand.err.join('\n')).toMatch(/becomes validated only by passing its gates in a validation/);
    expect(fs.readFileSync(file, 'utf8')).toBe(bytes);
    const unknown = capture();
    expect(await tagsCommand(['status', file, '--tags', 'nope', '--to', 'draft'], unknown.io, deps)).toBe(1);
    expect(unknown.err.join('\n')).toMatch(/has no tag "nope" \(its tags: High page value, Any visit\)/);
    const notJson = path.join(dir, 'broken.json');
    fs.writeFileSync(notJson, '{"tags": [');
    const broken = capture();
    expect(await tagsCommand(['status', notJson, '--tags', 'buyers', '--to', 'draft'], broken.io, deps)).toBe(1);
    expect(broken.err.join('\n')).toMatch(/The tag set .*broken\.json is not valid JSON/);
    const badTo = capture();
    expect(await tagsCommand(['status', file, '--tags', 'buyers', '--to', 'done'], badTo.io, deps)).toBe(2);
  });

  it('remove: deletes the named tags and bumps the version', async () => {
    const file = path.join(dir, 'remove.json');
    const before = writeSet(file);
    const run = capture();
    writeSet(file);
    const both = capture();
    expect(await tagsCommand(['remove', file, '--tags', 'Any visit,buyers'], both.io, deps)).toBe(0);
    // One command, one version, however many tags it removes.
    expect(read(file).version).toBe(before.version + 1);
    expect(read(file).tags).toEqual([]);
    writeSet(file);
    expect(await tagsCommand(['remove', file, '--tags', 'Any visit'], run.io, deps)).toBe(0);
    const after = read(file);
    expect(after.tags.map((t) => t.id)).toEqual(['buyers']);
    expect(after.version).toBe(before.version + 1);
    expect(run.out.join('\n')).toMatch(/Removed Any visit; 1 tag left/);
  });

  it('validate does not overwrite an edit saved while it ran', async () => {
    const file = path.join(dir, 'concurrent.json');
    writeSet(file);
    // Another writer (the Tags view, another command) saves the file while the job runs.
    const editing = { startEngine: async (): Promise<NodeEngine> => {
      fs.appendFileSync(file, '\n');
      return { ...engine, close: async () => undefined };
    } };
    const run = capture();
    expect(await tagsCommand(['validate', file, samples.shoppers, '--target', 'Revenue'], run.io, editing)).toBe(1);
    expect(run.err.join('\n')).toMatch(/concurrent\.json changed while tags validate ran; nothing was written to it/);
    expect(read(file).tags.every((t) => t.status === 'draft')).toBe(true);
    // The same for rules mine --out (and cluster --tags, labels train --tags: the same check).
    const before = fs.readFileSync(file, 'utf8');
    const mined = capture();
    expect(await rulesCommand(['mine', samples.shoppers, '--target', 'Revenue', '--max-rules', '2', '--out', file], mined.io, editing)).toBe(1);
    expect(mined.err.join('\n')).toMatch(/concurrent\.json changed while rules mine ran; nothing was written to it/);
    expect(fs.readFileSync(file, 'utf8')).toBe(`${before}\n`);
  });

  it('validate without a target: coverage gates only, on a random split', async () => {
    const file = path.join(dir, 'coverage.json');
    writeSet(file);
    const run = capture();
    expect(await tagsCommand(['validate', file, samples.shoppers, '--min-coverage', '2'], run.io, deps)).toBe(0);
    expect(read(file).tags.every((t) => t.status === 'validated')).toBe(true);
    const precisionWithoutTarget = capture();
    expect(await tagsCommand(['validate', file, samples.shoppers, '--min-precision', '0.9'], precisionWithoutTarget.io, deps)).toBe(2);
    expect(precisionWithoutTarget.err.join('\n')).toMatch(/--min-precision needs --target/);
  });
});
