/**
 * Rule packs tell the truth: a key identifies rows (or the pack tags rows), a pack validates on
 * the data it was built from, quoted newlines survive the SQL printer, zero coverage is not
 * drift, gates say which were evaluated, and `pack apply` reads files as the rest of the tool.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCommand } from '../../workers/cli/pack';
import { main } from '../../workers/cli/main';
import { rulesCommand } from '../../workers/cli/tags';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { quoteIdent } from '../../workers/data/sql-text';
import { packToSql } from '../../workers/packs/dialects/pack-sql';
import { gateSummary } from '../../workers/packs/gates';
import { finalizePack, readPack } from '../../workers/packs/io';
import { packReportHtml } from '../../workers/packs/report';
import type { RulePack } from '../../workers/packs/schema';
import { evaluateRule } from '../../workers/tags/evaluate';
import { parseRule } from '../../workers/tags/parser';
import { failure } from '../helpers/engine';
import { createTableSql, queryRows } from '../helpers/packs';
import { samples, tempDir, writeFixture } from '../helpers/paths';
import { tableFromIPC } from 'apache-arrow';

const dir = tempDir('packs-truth');
const file = (name: string): string => path.join(dir, name);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(command: (argv: string[], io: { out(t: string): void; err(t: string): void }) => Promise<number>, ...args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
const pack = (...args: string[]): Promise<Run> => cli(packCommand, ...args);

function tagSet(rules: Record<string, string>): unknown {
  return {
    schema: 'assay.tagset/1',
    tags: Object.entries(rules).map(([name, text], i) => ({ id: `t${i}`, name, group: 'basic', definition: { kind: 'rule', text, ast: parseRule(text) } })),
  };
}

let engine: NodeEngine;
beforeAll(async () => {
  engine = await createInProcessEngine();
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const build = (table: string, rules: Record<string, string>, extra: Record<string, unknown> = {}): Promise<RulePack> =>
  engine.client.run('pack.build', { tagSet: tagSet(rules), table, name: 'truth', version: '1.0.0', createdAt: '2026-12-01T00:00:00.000Z', ...extra }).then((i) => i.pack);

describe('online shoppers: mine, build, validate on the same file', { timeout: 240_000 }, () => {
  it('validates: no id column, so the pack tags rows; a non-unique --key is refused with a reason', async () => {
    const mined = await cli(rulesCommand, 'mine', samples.shoppers, '--target', 'Revenue', '--positive', 'TRUE', '--max-rules', '3', '--out', file('shoppers-tags.json'));
    expect(mined.code, mined.stderr).toBe(0);
    const built = await pack('build', file('shoppers-tags.json'), '--data', samples.shoppers, '--name', 'shoppers', '--version', '1.0.0', '--out', file('shoppers.json'));
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/no key column/);
    const { pack: p } = await readPack(fs.readFileSync(file('shoppers.json'), 'utf8'));
    expect(p.entity.key).toBeNull();
    expect(p.entity.columns).toContain('Administrative');
    // Golden rows are named by their row number: distinct, unlike the old key "Administrative".
    expect(new Set(p.golden.rows.map((r) => r.key)).size).toBe(p.golden.rows.length);
    expect(p.golden.rows.length).toBe(20);

    const validated = await pack('validate', file('shoppers.json'), '--data', samples.shoppers);
    expect(validated.stdout).toMatch(/golden rows: 20 of 20 match/);
    expect(validated.stdout).toMatch(/\nvalid$/);
    expect(validated.code).toBe(0);
    expect(validated.stdout.split('\n').length).toBeLessThan(12);

    const keyed = await pack('build', file('shoppers-tags.json'), '--data', samples.shoppers, '--name', 'shoppers', '--version', '1.0.0', '--key', 'Administrative', '--out', file('bad-key.json'));
    expect(keyed.code).toBe(1);
    expect(keyed.stderr).toMatch(/The key column "Administrative" does not identify rows of online_shoppers_intention\.csv: its 12,330 rows hold \d+ distinct values \("0" is on 5,768 rows\)/);
    expect(fs.existsSync(file('bad-key.json'))).toBe(false);
  });
});

describe('entity key', () => {
  beforeAll(async () => {
    // session_id looks like an id but repeats; user_id is unique; amount is unique by chance.
    const rows = Array.from({ length: 40 }, (_, i) => ({ session_id: `s${i % 7}`, user_id: `u${i}`, amount: i * 1.5, visits: i % 4 }));
    const columns = [
      { name: 'session_id', type: 'VARCHAR' },
      { name: 'user_id', type: 'VARCHAR' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'visits', type: 'INTEGER' },
    ];
    await engine.client.run('sql.run', { sql: createTableSql('visits', columns, rows) });
    await engine.client.run('sql.run', { sql: createTableSql('anon', columns.filter((c) => c.name !== 'user_id'), rows) });
  });

  it('takes a unique id-like column, never a repeating one', async () => {
    const p = await build('visits', { busy: 'visits >= 2' });
    expect(p.entity).toEqual({ table: 'visits', key: 'user_id' });
    expect((await engine.client.run('pack.keys', { table: 'visits' })).candidates.map((c) => c.name)).toEqual(['user_id']);
  });

  it('without a unique key the pack tags rows: output rows carry their columns, golden rows match by position', async () => {
    const p = await build('anon', { busy: 'visits >= 2' });
    expect(p.entity).toEqual({ table: 'anon', key: null, columns: ['session_id', 'amount', 'visits'] });
    const keys = await engine.client.run('pack.keys', { table: 'anon' });
    expect(keys.candidates).toEqual([]);
    expect(keys.reason).toMatch(/no whole-number or text column has a distinct, non-empty value on each of the 40 rows/);
    const out = await queryRows(engine.client, packToSql(p, 'duckdb', { header: false }));
    expect(Object.keys(out[0] ?? {})).toEqual(['session_id', 'amount', 'visits', 't0', 'tags']);
    expect(out.filter((r) => r.t0 === true)).toHaveLength(20);
    const text = (await engine.client.run('pack.read', { text: JSON.stringify(p) })).text;
    const validation = await engine.client.run('pack.validate', { text, table: 'anon' });
    expect(validation.golden.mismatches).toEqual([]);
    expect(validation.ok).toBe(true);
    // A keyless pack diffs on data by row number.
    const diff = await engine.client.run('pack.diff', { oldText: text, newText: text, table: 'anon' });
    expect(diff.data?.tags[0]).toMatchObject({ gained: 0, lost: 0, jaccard: 1 });
  });

  it('refuses a named key that repeats or is empty, and a missing one', async () => {
    const repeated = await failure(build('visits', { busy: 'visits >= 2' }, { key: 'session_id' }));
    expect(repeated.code).toBe('BAD_INPUT');
    expect(repeated.message).toMatch(/The key column "session_id" does not identify rows of "visits": its 40 rows hold 7 distinct values \("s\d" is on 6 rows\)/);
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE holes AS SELECT CASE WHEN i % 9 = 0 THEN NULL ELSE i END AS id, i % 3 AS k FROM range(30) t(i)' });
    expect((await failure(build('holes', { one: 'k = 1' }, { key: 'id' }))).message).toMatch(/The key column "id" is empty on 4 of 30 rows of "holes"/);
    expect((await failure(build('visits', { busy: 'visits >= 2' }, { key: 'nope' }))).message).toMatch(/The key column "nope" is not in "visits"/);
    // Without a key the output carries every column: one named "tags" would clash with the fired-tags list.
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE tagged_before AS SELECT i % 3 AS tags, i % 4 AS k FROM range(12) t(i)' });
    expect((await failure(build('tagged_before', { one: 'k = 1' }))).message).toMatch(/entity\.columns: a column named "tags" would clash with the output's list of fired tags/);
  });
});

describe('quoted newlines and control characters survive the SQL printer', () => {
  it('a literal with a newline counts the same rows in the pack as in the evaluator; a column named with a newline builds', async () => {
    const column = 'note\nline\t2\u0001';
    await engine.client.run('sql.run', {
      sql: `CREATE OR REPLACE TABLE notes AS SELECT i AS id, CASE WHEN i < 250 THEN 'a' || chr(10) || 'b' ELSE 'a b' END AS txt, CASE WHEN i % 2 = 0 THEN 'x' || chr(10) || '  y' ELSE 'z' END AS ${quoteIdent(column)} FROM range(400) t(i)`,
    });
    const rules = { newline: "txt = 'a\nb'", column: `${quoteIdent(column)} = 'x\n  y'` };
    const p = await build('notes', rules);
    const counts = Object.fromEntries(p.tags.map((t) => [t.name, t.metrics?.support]));
    expect(counts).toEqual({ newline: 250, column: 200 });
    const data = tableFromIPC((await engine.client.run('sql.run', { sql: 'SELECT * FROM notes', preview: 1000 })).preview);
    for (const [name, text] of Object.entries(rules)) expect(evaluateRule(parseRule(text), data).reduce((s, v) => s + v, 0), name).toBe(counts[name]);
    for (const dialect of ['duckdb', 'trino', 'spark', 'hive', 'flink'] as const) {
      const sql = packToSql(p, dialect);
      expect(sql, dialect).not.toMatch(/a\n +b'/);
    }
    const validation = await engine.client.run('pack.validate', { text: JSON.stringify(p), table: 'notes' });
    expect(validation.ok).toBe(true);
  });
});

describe('metric drift', () => {
  it('a tag that never fires is not drift on its own data (its coverage interval ends at ~2e-19)', async () => {
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE quiet AS SELECT i AS id, i % 10 AS v FROM range(500) t(i)' });
    const p = await build('quiet', { never: 'v > 100', some: 'v > 5' });
    expect(p.tags[0]?.metrics?.support).toBe(0);
    const validation = await engine.client.run('pack.validate', { text: JSON.stringify(p), table: 'quiet' });
    expect(validation.drift.filter((d) => d.outside)).toEqual([]);
    expect(validation.ok).toBe(true);
  });
});

describe('gates say which were evaluated', () => {
  it('without a label precision is "not evaluated", never "passed"; with one it is evaluated; no gates say so', async () => {
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE labelled AS SELECT i AS id, i % 10 AS v, (i % 10 >= 5) AS y FROM range(500) t(i)' });
    const unlabelled = await build('labelled', { high: 'v >= 5' });
    const tag = unlabelled.tags[0] as RulePack['tags'][number];
    expect(tag.gateOutcome?.notEvaluated).toEqual(['precision ≥ 0.80 (needs a label; the pack was measured without one)']);
    const summary = gateSummary(tag);
    expect(summary.state).toBe('partial');
    expect(summary.text).toBe('gates passed: coverage ≥ 1%; not evaluated: precision ≥ 0.80 (needs a label; the pack was measured without one)');
    expect(packToSql(unlabelled, 'spark')).toContain('not evaluated: precision ≥ 0.80');
    const html = packReportHtml(unlabelled);
    expect(html).toContain('evaluated gates passed');
    expect(html).toContain('not evaluated:');

    const labelled = await build('labelled', { high: 'v >= 5' }, { target: { column: 'y', positive: 'true' } });
    expect(gateSummary(labelled.tags[0] as RulePack['tags'][number])).toMatchObject({ state: 'passed', text: 'gates passed: precision ≥ 0.80; coverage ≥ 1%', notEvaluated: [] });

    const ungated = await finalizePack({ ...unlabelled, contentHash: undefined, tags: unlabelled.tags.map((t) => ({ ...t, gates: [], gateOutcome: null })) } as Parameters<typeof finalizePack>[0]);
    expect(gateSummary(ungated.tags[0] as RulePack['tags'][number]).text).toBe('no gates');
    expect(packReportHtml(ungated)).toContain('<span class="badge none">no gates</span>');

    // A pack written before notEvaluated existed: read from its metrics (no precision recorded).
    const { notEvaluated: _dropped, ...oldOutcome } = tag.gateOutcome as NonNullable<typeof tag.gateOutcome>;
    expect(gateSummary({ ...tag, gateOutcome: oldOutcome }).notEvaluated).toEqual(['precision ≥ 0.80 (needs a label; the pack was measured without one)']);
  });
});

describe('pack apply reads files as the rest of the tool does', { timeout: 240_000 }, () => {
  let tags: string;
  beforeAll(() => {
    tags = writeFixture(dir, 'apply-tags.json', JSON.stringify(tagSet({ big: 'spend > 500', named: "city = 'Köln'" })));
  });

  /** `assay query` warnings on a file: what `pack apply` must say too. */
  async function queryWarnings(data: string): Promise<string[]> {
    const r = await cli(main, 'query', data, '--sql', 'SELECT 1');
    return r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
  }

  it('Latin-1 and ragged CSV: same warnings as query, the same rows as the build measured', async () => {
    const latin = writeFixture(dir, 'latin.csv', Buffer.concat([Buffer.from('user_id;spend;city\n'), ...Array.from({ length: 30 }, (_, i) => Buffer.from(`u${i};${i * 40};${i % 3 === 0 ? 'K\xf6ln' : 'Paris'}\n`, 'latin1'))]));
    const ragged = writeFixture(dir, 'ragged.csv', `user_id,spend,city\n${Array.from({ length: 200 }, (_, i) => `u${i},${(i * 7) % 1000}${i % 50 === 7 ? '' : `,C${i % 5}`}`).join('\n')}\n`);
    for (const data of [latin, ragged]) {
      const base = path.basename(data, '.csv');
      const built = await pack('build', tags, '--data', data, '--name', base, '--version', '1.0.0', '--out', file(`${base}.json`));
      expect(built.code, built.stderr).toBe(0);
      const applied = await pack('apply', file(`${base}.json`), '--data', data, '--out', file(`${base}.parquet`));
      expect(applied.code, applied.stderr).toBe(0);
      const expected = await queryWarnings(data);
      expect(expected.length, base).toBeGreaterThan(0);
      // DuckDB's own wording of the bad row (inside the parentheses) differs between its builds.
      const shape = (lines: string[]): string[] => lines.map((l) => l.replace(/malformed rows \(.*\)\. Loaded/, 'malformed rows (…). Loaded'));
      expect(shape(applied.stderr.split('\n').filter((l) => l.startsWith('warning:'))), base).toEqual(shape(expected));
      const { pack: p } = await readPack(fs.readFileSync(file(`${base}.json`), 'utf8'));
      for (const t of p.tags) expect(applied.stdout, `${base} ${t.name}`).toContain(`  ${t.id} (${t.name}): ${t.metrics?.support}`);
    }
  });

  it('data errors are plain words naming the file and column, exit code 1', async () => {
    const missing = writeFixture(dir, 'nospend.csv', 'user_id,city\nu1,A\nu2,B\n');
    const r1 = await pack('apply', file('latin.json'), '--data', missing, '--out', file('x.parquet'));
    expect(r1.code).toBe(1);
    expect(r1.stderr).toBe('error: nospend.csv lacks column "spend" (read by "big") that the pack needs; its columns are "user_id", "city".');
    const text = writeFixture(dir, 'textspend.csv', `user_id,spend,city\n${Array.from({ length: 20 }, (_, i) => `u${i},${i === 13 ? 'n/a' : i * 50},A`).join('\n')}\n`);
    const r2 = await pack('apply', file('latin.json'), '--data', text, '--out', file('x.parquet'));
    expect(r2.code).toBe(1);
    expect(r2.stderr).toBe('error: Tag "big" compares column "spend" with a number, but in textspend.csv that column holds text (VARCHAR): some of its values are not numbers.');
    expect(r2.stderr).not.toMatch(/unexpected|Binder|SELECT/);
    const garbage = writeFixture(dir, 'garbage.parquet', 'not parquet at all');
    const r3 = await pack('apply', file('latin.json'), '--data', garbage, '--out', file('x.parquet'));
    expect(r3.code).toBe(1);
    expect(r3.stderr).toBe('error: garbage.parquet is not a valid Parquet file (missing the PAR1 markers); it may be truncated or corrupt.');
    expect(fs.existsSync(file('x.parquet'))).toBe(false);
  });

  it('a truncated .csv.gz is refused as query refuses it, not tagged as if whole', async () => {
    const whole = zlib.gzipSync(`user_id,spend,city\n${Array.from({ length: 3000 }, (_, i) => `u${i},${(i * 7) % 1000},C${i % 5}`).join('\n')}\n`);
    const cut = writeFixture(dir, 'cut.csv.gz', whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = await pack('apply', file('latin.json'), '--data', cut, '--out', file('cut.parquet'));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: cut\.csv\.gz is a damaged or truncated gzip file/);
    expect(fs.existsSync(file('cut.parquet'))).toBe(false);
  });
});
