/**
 * Pack commands name what the user gave them: the data file (not the table it was loaded as), which
 * of two packs is bad, and a file with no rows as having no rows. A file whose contents are bad
 * (not JSON) is a failed job, exit 1, in every command that reads one; exit 2 is the command line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCommand } from '../../workers/cli/pack';
import { tagsCommand } from '../../workers/cli/tags';
import { tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('packs-cli-names');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { io: { out(t: string): void; err(t: string): void }; done(code: number): Run } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, done: (code) => ({ code, stdout: out.join('\n'), stderr: err.join('\n') }) };
}

async function pack(...args: string[]): Promise<Run> {
  const c = capture();
  return c.done(await packCommand(args, c.io));
}

async function tags(...args: string[]): Promise<Run> {
  const c = capture();
  return c.done(await tagsCommand(args, c.io));
}

const file = (name: string): string => path.join(dir, name);
const rows = (n: number, row: (i: number) => string): string => Array.from({ length: n }, (_, i) => row(i)).join('\n');

let v1: string;
let v2: string;
let tagSet: string;

beforeAll(async () => {
  // The build data is named users.csv: its table is "users", the pack's entity table.
  writeFixture(dir, 'users.csv', `user_id,spend,city\n${rows(40, (i) => `u${i},${i * 10},${i % 2 ? 'A' : 'B'}`)}\n`);
  tagSet = file('tags.json');
  expect((await tags('add', tagSet, '--name', 'big', '--rule', 'spend > 150')).code).toBe(0);
  expect((await tags('add', tagSet, '--name', 'in a', '--rule', "city = 'A'")).code).toBe(0);
  v1 = file('v1.json');
  const b1 = await pack('build', tagSet, '--data', file('users.csv'), '--name', 'demo', '--version', '1.0.0', '--out', v1);
  expect(b1.code, b1.stderr).toBe(0);
  v2 = file('v2.json');
  const b2 = await pack('build', tagSet, '--data', file('users.csv'), '--name', 'demo', '--version', '1.1.0', '--parent', v1, '--out', v2);
  expect(b2.code, b2.stderr).toBe(0);
  // Other data, each named unlike the pack's table.
  writeFixture(dir, 'spend-text.csv', `user_id,spend,city\n${rows(20, (i) => `u${i},${i === 7 ? 'n/a' : i * 10},A`)}\n`);
  writeFixture(dir, 'no-spend.csv', `user_id,city\n${rows(5, (i) => `u${i},A`)}\n`);
  writeFixture(dir, 'header-only.csv', 'user_id,spend,city\n');
  writeFixture(dir, 'empty-spend.csv', `user_id,spend,city\n${rows(6, (i) => `u${i},,A`)}\n`);
}, 240_000);

describe('pack commands name the data file the user gave', { timeout: 240_000 }, () => {
  it('validate --data: a text column and a missing column are named in the file, not the pack table', async () => {
    const text = await pack('validate', v1, '--data', file('spend-text.csv'));
    expect(text.code).toBe(1);
    expect(text.stderr).toBe('error: Tag "big" compares column "spend" with a number, but in spend-text.csv that column holds text (VARCHAR): some of its values are not numbers.');
    const missing = await pack('validate', v1, '--data', file('no-spend.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: no-spend.csv lacks column "spend" (read by "big") that the pack needs; its columns are "user_id", "city".');
    for (const r of [text, missing]) expect(r.stderr).not.toMatch(/"users"|Binder/);
  });

  it('diff --data: the same problems name the file (and the pack), and the coverage line names it too', async () => {
    const text = await pack('diff', v1, v2, '--data', file('spend-text.csv'));
    expect(text.code).toBe(1);
    expect(text.stderr).toBe('error: Tag "big" compares column "spend" with a number, but in spend-text.csv that column holds text (VARCHAR): some of its values are not numbers.');
    const missing = await pack('diff', v1, v2, '--data', file('no-spend.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: no-spend.csv lacks column "spend" (read by "big") that the old pack needs; its columns are "user_id", "city".');
    const ok = await pack('diff', v1, v2, '--data', file('users.csv'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('on users.csv (40 entities):');
  });

  it('build: a key or a column the file lacks is named in the file', async () => {
    writeFixture(dir, 'other-name.csv', `user_id,spend,city\n${rows(10, (i) => `u${i % 5},${i},A`)}\n`);
    const key = await pack('build', tagSet, '--data', file('other-name.csv'), '--name', 'd', '--version', '1.0.0', '--key', 'user_id', '--out', file('x.json'));
    expect(key.code).toBe(1);
    expect(key.stderr).toMatch(/^error: The key column "user_id" does not identify rows of other-name\.csv: /);
    const text = await pack('build', tagSet, '--data', file('spend-text.csv'), '--name', 'd', '--version', '1.0.0', '--out', file('x.json'));
    expect(text.code).toBe(1);
    expect(text.stderr).toBe('error: Tag "big" compares column "spend" with a number, but in spend-text.csv that column holds text (VARCHAR): some of its values are not numbers.');
    expect(fs.existsSync(file('x.json'))).toBe(false);
  });
});

describe('a file with no rows, or a column with no values, is said to be so', { timeout: 240_000 }, () => {
  it('validate, apply, build and diff on a header-only file: it has no rows, so every column reads as text', async () => {
    const expected = 'error: header-only.csv has no rows, so every column in it reads as text (VARCHAR); tag "big" compares column "spend" with a number and cannot run on it. Give data with at least one row.';
    const runs = {
      validate: await pack('validate', v1, '--data', file('header-only.csv')),
      apply: await pack('apply', v1, '--data', file('header-only.csv'), '--out', file('h.parquet')),
      build: await pack('build', tagSet, '--data', file('header-only.csv'), '--name', 'd', '--version', '1.0.0', '--out', file('h.json')),
      diff: await pack('diff', v1, v2, '--data', file('header-only.csv')),
    };
    for (const [command, r] of Object.entries(runs)) {
      expect(r.code, command).toBe(1);
      expect(r.stderr.split('\n').at(-1), command).toBe(expected);
      expect(r.stderr, command).not.toMatch(/values are not numbers/);
    }
    // The commands that open the file in the engine say so up front too.
    expect(runs.validate.stderr).toContain('warning: header-only.csv has no rows; there is nothing to measure on it.');
  });

  it('a column empty on every row reads as text for want of values, not because of them', async () => {
    const expected = 'error: Tag "big" compares column "spend" with a number, but in empty-spend.csv that column is empty on every row, so it reads as text (VARCHAR).';
    const validate = await pack('validate', v1, '--data', file('empty-spend.csv'));
    const apply = await pack('apply', v1, '--data', file('empty-spend.csv'), '--out', file('e.parquet'));
    for (const r of [validate, apply]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(expected);
    }
  });
});

describe('pack diff names which pack is bad', { timeout: 240_000 }, () => {
  it('damaged JSON, an edited pack and a newer schema each name the old or the new pack and its file', async () => {
    const text = fs.readFileSync(v2, 'utf8');
    const cut = writeFixture(dir, 'cut.json', text.slice(0, text.length / 2));
    const damaged = await pack('diff', v1, cut);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toMatch(/^error: The new pack \(cut\.json\) is not valid JSON \(.*\); the file may be truncated\.$/);

    const doc = JSON.parse(text) as { tags: Array<{ description: string }>; schema: string };
    doc.tags[0]!.description = 'edited by hand';
    const edited = writeFixture(dir, 'edited.json', JSON.stringify(doc));
    const hash = await pack('diff', edited, v2);
    expect(hash.code).toBe(1);
    expect(hash.stderr).toMatch(/^error: contentHash: the content of the old pack \(edited\.json\) does not match its hash \(recorded sha256:/);

    const newer = writeFixture(dir, 'newer.json', JSON.stringify({ ...doc, schema: 'assay.rulepack/99' }));
    const future = await pack('diff', v1, newer, '--data', file('users.csv'));
    expect(future.code).toBe(1);
    expect(future.stderr).toBe('error: schema: the new pack (newer.json) uses "assay.rulepack/99", newer than this Assay reads ("assay.rulepack/2"); update Assay.');
  });
});

describe('a file that is not JSON fails the job (exit 1), in every command that reads one', { timeout: 60_000 }, () => {
  it('pack build, tags eval and tags add agree; a bad command line stays exit 2', async () => {
    const garbage = writeFixture(dir, 'garbage.json', '{"tags": [');
    const before = fs.readFileSync(garbage, 'utf8');
    const build = await pack('build', garbage, '--data', file('users.csv'), '--name', 'd', '--version', '1.0.0', '--out', file('g.json'));
    const evaluated = await tags('eval', garbage, file('users.csv'));
    const added = await tags('add', garbage, '--name', 'x', '--rule', 'spend > 1');
    for (const [command, r] of Object.entries({ build, evaluated, added })) {
      expect(r.code, command).toBe(1);
      expect(r.stderr, command).toMatch(/^error: .*garbage\.json is not (valid )?JSON/);
    }
    expect(evaluated.stderr).toMatch(/^error: .*garbage\.json is not valid JSON \(.+\)\.$/);
    expect(fs.readFileSync(garbage, 'utf8')).toBe(before);
    expect((await tags('eval', garbage)).code).toBe(2);
  });
});
