import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editPack, readPack, writePack } from '../../workers/packs/io';
import { packCommand } from '../../workers/cli/pack';
import { oneSplitModelJson } from '../helpers/packs';
import { tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('packs-cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function pack(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await packCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const file = (name: string): string => path.join(dir, name);

/** 300 users; NULLs in spend and country; a label that mostly follows spend. */
function dataCsv(): string {
  const lines = ['user_id,spend_90d,orders_90d,country,is_reseller,label'];
  for (let i = 0; i < 300; i++) {
    const spend = i % 13 === 0 ? '' : String(((i * 7919) % 1000) + 0.5);
    const orders = (i * 31) % 9;
    const country = i % 11 === 0 ? '' : ['UK', 'FR', 'DE', 'ES'][i % 4];
    const label = spend !== '' && Number(spend) > 450 && i % 5 !== 0 ? 1 : i % 17 === 0 ? 1 : 0;
    lines.push(`u${String(i).padStart(3, '0')},${spend},${orders},${country},${i % 7 === 0},${label}`);
  }
  return `${lines.join('\n')}\n`;
}

function modelJson(): Record<string, unknown> {
  return JSON.parse(oneSplitModelJson('spend_90d')) as Record<string, unknown>;
}

function tagSet(spendThreshold: number): unknown {
  return {
    schema: 'assay.tagset/1',
    tags: [
      { id: 'big', name: 'big spender', group: 'behaviour', definition: { kind: 'rule', text: `spend_90d > ${spendThreshold} AND country IN ('UK', 'FR')`, ast: null } },
      { id: 'nores', name: 'not reseller', group: 'basic', definition: { kind: 'rule', text: 'NOT is_reseller AND orders_90d >= 3', ast: null } },
      { id: 'model', name: 'likely buyer', group: 'predictive', definition: { kind: 'model', modelJson: modelJson(), threshold: 0.5 } },
    ],
  };
}

async function writeTagSet(name: string, spendThreshold: number): Promise<string> {
  const { parseRule } = await import('../../workers/tags/parser');
  const set = tagSet(spendThreshold) as { tags: Array<{ definition: { kind: string; text?: string; ast?: unknown } }> };
  for (const t of set.tags) if (t.definition.kind === 'rule') t.definition.ast = parseRule(t.definition.text as string);
  return writeFixture(dir, name, JSON.stringify(set, null, 2));
}

let data: string;

beforeAll(async () => {
  data = writeFixture(dir, 'users.csv', dataCsv());
  await writeTagSet('tags-v1.json', 500);
  await writeTagSet('tags-v2.json', 400);
});

describe('assay pack', { timeout: 240_000 }, () => {
  it('builds a pack with metrics, gates, provenance and golden rows', async () => {
    const r = await pack('build', file('tags-v1.json'), '--data', data, '--name', 'demo', '--version', '1.0.0', '--target', 'label', '--positive', '1', '--by', 'ana', '--as-of', '2026-11-01', '--out', file('v1.json'));
    expect(r.stderr).toMatch(/wrote/);
    expect(r.code).toBe(0);
    const { pack: p } = await readPack(fs.readFileSync(file('v1.json'), 'utf8'));
    expect(p.entity).toEqual({ table: 'users', key: 'user_id' });
    expect(p.created.by).toBe('ana');
    expect(p.asOf).toBe('2026-11-01');
    expect(p.tags.map((t) => t.kind)).toEqual(['rule', 'rule', 'model']);
    const big = p.tags[0];
    expect(big?.metrics?.rows).toBe(300);
    expect(big?.metrics?.precision?.value).toBeGreaterThan(0.5);
    expect(big?.gateOutcome).not.toBeNull();
    expect(p.provenance.sources[0]).toMatchObject({ name: 'users.csv', rows: 300, bytes: fs.statSync(data).size });
    expect(p.provenance.sources[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.golden.rows.length).toBeGreaterThan(5);
    expect(p.golden.rows.some((g) => g.expected.length === 0)).toBe(true);
    expect(p.golden.rows.some((g) => g.expected.includes('model'))).toBe(true);
    expect(r.stdout).toMatch(/big spender \(rule\): coverage/);
  });

  it('validates schema, hash and golden rows; with data, the metrics; fails on tampering', async () => {
    const ok = await pack('validate', file('v1.json'));
    expect(ok.stdout).toMatch(/golden rows: (\d+) of \1 match/);
    expect(ok.code).toBe(0);
    const withData = await pack('validate', file('v1.json'), '--data', data, '--target', 'label', '--positive', '1');
    expect(withData.stdout).toMatch(/is the build source users\.csv/);
    expect(withData.stdout).toMatch(/metrics: (\d+) of \1 within their recorded 95% intervals/);
    expect(withData.code).toBe(0);

    const text = fs.readFileSync(file('v1.json'), 'utf8');
    fs.writeFileSync(file('tampered.json'), text.replace('spend_90d > 500', 'spend_90d > 50'));
    const tampered = await pack('validate', file('tampered.json'));
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/content does not match its hash/);

    // A re-hashed pack whose golden rows disagree with its rules fails on the golden rows.
    const { pack: p } = await readPack(text);
    const wrong = await editPack(p, (d) => ({ ...d, golden: { ...d.golden, rows: d.golden.rows.map((g, i) => (i === 0 ? { ...g, expected: g.expected.length ? [] : ['big'] } : g)) } }));
    fs.writeFileSync(file('wrong-golden.json'), writePack(wrong));
    const bad = await pack('validate', file('wrong-golden.json'));
    expect(bad.stdout).toMatch(/MISMATCH key "u\d+"/);
    expect(bad.code).toBe(1);

    fs.writeFileSync(file('truncated.json'), text.slice(0, 200));
    expect((await pack('validate', file('truncated.json'))).code).toBe(1);
    expect((await pack('validate')).code).toBe(2);
  });

  it('exports every target; the DuckDB query runs on native DuckDB', async () => {
    for (const target of ['spark', 'hive', 'flink', 'trino', 'duckdb']) {
      const r = await pack('export', file('v1.json'), '--target', target, '--out', file(`v1.${target}.sql`));
      expect(r.code).toBe(0);
      expect(fs.readFileSync(file(`v1.${target}.sql`), 'utf8')).toMatch(/^-- Assay rule pack "demo" version 1\.0\.0\n-- content hash sha256:/);
    }
    expect(fs.readFileSync(file('v1.flink.sql'), 'utf8')).toMatch(/^INSERT INTO `sink`$/m);
    expect((await pack('export', file('v1.json'), '--target', 'oracle')).code).toBe(2);
  });

  it('applies the pack on native DuckDB with the same counts as the build measured', async () => {
    const r = await pack('apply', file('v1.json'), '--data', data, '--out', file('tags.parquet'));
    expect(r.code).toBe(0);
    const { pack: p } = await readPack(fs.readFileSync(file('v1.json'), 'utf8'));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${file('tags.parquet').replaceAll("'", "''")}')`)).getRowObjectsJS();
    conn.closeSync();
    instance.closeSync();
    expect(rows).toHaveLength(300);
    for (const t of p.tags) expect(rows.filter((x) => x[t.id] === true).length, t.name).toBe(t.metrics?.support);
    expect(r.stdout).toMatch(/^300 entities tagged/);
  });

  it('diffs two versions: condition-level rule diff and coverage on data', async () => {
    const build = await pack('build', file('tags-v2.json'), '--data', data, '--name', 'demo', '--version', '1.1.0', '--parent', file('v1.json'), '--target', 'label', '--positive', '1', '--out', file('v2.json'));
    expect(build.code).toBe(0);
    const { pack: v2 } = await readPack(fs.readFileSync(file('v2.json'), 'utf8'));
    const { pack: v1 } = await readPack(fs.readFileSync(file('v1.json'), 'utf8'));
    expect(v2.parent).toEqual({ version: '1.0.0', contentHash: v1.contentHash });
    const d = await pack('diff', file('v1.json'), file('v2.json'));
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('changed big spender (rule)');
    expect(d.stdout).toContain('- spend_90d > 500\n    + spend_90d > 400\n      country IN (\'UK\', \'FR\')');
    expect(d.stdout).toMatch(/coverage: 0\.\d+ -> 0\.\d+ \(\+0\.\d+\)/);
    const onData = await pack('diff', file('v1.json'), file('v2.json'), '--data', data, '--json');
    const json = JSON.parse(onData.stdout) as { data: { rows: number; tags: Array<{ name: string; gained: number; lost: number; jaccard: number; exampleGained: string[] }> } };
    const big = json.data.tags.find((t) => t.name === 'big spender');
    expect(json.data.rows).toBe(300);
    expect(big?.gained).toBeGreaterThan(0);
    expect(big?.lost).toBe(0);
    expect(big?.jaccard).toBeLessThan(1);
    expect(big?.exampleGained[0]).toMatch(/^u\d{3}$/);
    expect(json.data.tags.find((t) => t.name === 'likely buyer')?.jaccard).toBe(1);
  });

  it('records reviews and writes a self-contained report', async () => {
    fs.copyFileSync(file('v1.json'), file('reviewed.json'));
    expect((await pack('review', file('reviewed.json'), '--by', 'pm', '--approve', '--note', 'fine')).code).toBe(0);
    const { pack: p } = await readPack(fs.readFileSync(file('reviewed.json'), 'utf8'));
    expect(p.reviews).toEqual([expect.objectContaining({ by: 'pm', decision: 'approve', contentHash: p.contentHash })]);
    expect((await pack('review', file('reviewed.json'), '--by', 'pm', '--reject')).code).toBe(1);
    const r = await pack('report', file('reviewed.json'), '--out', file('report.html'));
    expect(r.code).toBe(0);
    const html = fs.readFileSync(file('report.html'), 'utf8');
    for (const t of p.tags) expect(html).toContain(t.name);
    expect(html).toContain('Plotly.newPlot');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });
});
