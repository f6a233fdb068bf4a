/**
 * Output columns are stable, safe tag ids: renaming a tag's display name does not change the
 * output schema; two tags that would share a column are refused, naming both; assay.rulepack/1
 * packs migrate (ids from names, their hash checked first; names sharing an id: packs-names-ids.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffPacks } from '../../workers/packs/diff';
import { packToSql } from '../../workers/packs/dialects/pack-sql';
import { packContentHash, readPack, writePack } from '../../workers/packs/io';
import { safeTagId } from '../../workers/packs/tag-ids';
import type { RulePack } from '../../workers/packs/schema';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import { failure } from '../helpers/engine';
import { queryRows } from '../helpers/packs';

let engine: NodeEngine;

function tagSet(tags: Array<[id: string, name: string, rule: string]>): unknown {
  return { schema: 'assay.tagset/1', tags: tags.map(([id, name, text]) => ({ id, name, group: 'basic', status: 'draft', definition: { kind: 'rule', text, ast: parseRule(text) } })) };
}

async function build(tags: Array<[string, string, string]>): Promise<RulePack> {
  const info = await engine.client.run('pack.build', { tagSet: tagSet(tags), table: 'users', key: 'user_id', name: 'names', version: '1.0.0', createdAt: '2026-12-04T12:00:00.000Z', goldenRows: 4 });
  return info.pack;
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: `CREATE TABLE users AS SELECT 'u' || CAST(i AS VARCHAR) AS user_id, i * 10.5 AS spend, i % 4 AS visits, i % 3 = 0 OR i > 30 AS churned FROM range(40) t(i)` });
});
afterAll(async () => {
  await engine.close();
});

describe('tag ids', { timeout: 60_000 }, () => {
  it('are safe ([a-z0-9_], a letter first) whatever the tag set id or name', () => {
    expect(safeTagId('big-spender')).toBe('big_spender');
    expect(safeTagId('seg-rfm.0')).toBe('seg_rfm_0');
    expect(safeTagId('  Café "VIP"  ')).toBe('cafe_vip');
    expect(safeTagId('3rd')).toBe('tag_3rd');
    expect(safeTagId('Ünïcödé ✓')).toBe('unicode');
    expect(safeTagId('💎')).toMatch(/^tag_[0-9a-f]{8}$/);
    expect(safeTagId('x'.repeat(100))).toHaveLength(64);
  });

  it('renaming a display name keeps the output schema and the golden rows; the name moves to the header', async () => {
    const before = await build([['big-spender', 'Big spender', 'spend > 200'], ['regular', 'Regular', 'visits >= 2']]);
    const after = await build([['big-spender', 'Whales 🐋', 'spend > 200'], ['regular', 'Regular "weekly"', 'visits >= 2']]);
    expect(after.tags.map((t) => t.id)).toEqual(['big_spender', 'regular']);
    for (const dialect of ['duckdb', 'spark', 'hive', 'flink', 'trino'] as const) {
      expect(packToSql(after, dialect, { header: false }), dialect).toBe(packToSql(before, dialect, { header: false }));
    }
    expect(after.golden.rows).toEqual(before.golden.rows);
    // A diff matches tags by id: a rename is a change of name, not a removed and an added tag.
    const diff = diffPacks(before, after);
    expect([diff.added, diff.removed]).toEqual([[], []]);
    expect(diff.changed.map((c) => [c.name, c.fields])).toEqual([['Whales 🐋', ['name (was "Big spender")']], ['Regular "weekly"', ['name (was "Regular")']]]);
    const header = packToSql(after, 'spark').split('\n').filter((l) => l.startsWith('--'));
    expect(header).toContain('--   big_spender "Whales 🐋" [rule, DRAFT]: coverage 50.0% [35.2%, 64.8%]; in-sample: measured on the 40 rows of the build data; gates passed: coverage ≥ 1%; not evaluated: precision ≥ 0.80 (needs a label; the pack was measured without one)');
    expect(header).toContain('-- DRAFT tags (not validated, not approved): big_spender, regular');
    expect(header).toContain('-- pack gates: no gates');
    const rows = await queryRows(engine.client, packToSql(after, 'duckdb'));
    expect(Object.keys(rows[0] ?? {})).toEqual(['user_id', 'big_spender', 'regular', 'tags']);
    expect(rows.filter((r) => r.big_spender === true)).toHaveLength(20);
    expect([...((rows.find((r) => r.user_id === 'u39')?.tags ?? []) as Iterable<string>)]).toEqual(['big_spender', 'regular']);
  });

  it('two tags that would share an output column are refused, naming both', async () => {
    const err = await failure(build([['a-b', 'First', 'spend > 1'], ['a.b', 'Second', 'visits > 1']]));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toBe('Tags "First" and "Second" would both be output as the column "a_b": tag ids must differ (rename the id of one of them in the tag set).');
    const tagsColumn = await failure(build([['tags', 'Tags', 'spend > 1']]));
    expect(tagsColumn.message).toMatch(/tags\[0\]\.id: tag id "tags" \(tag "Tags"\) repeats .* "tags"/);
  });

  it('an assay.rulepack/1 pack migrates: ids from names, golden rows by id, its v1 hash checked first', async () => {
    const current = await build([['big-spender', 'Big spender', 'spend > 200'], ['regular', 'Regular', 'visits >= 2']]);
    const nameOf = new Map(current.tags.map((t) => [t.id, t.name]));
    const { features: _features, contentHash: _hash, ...rest } = current;
    const v1Content = {
      ...rest,
      schema: 'assay.rulepack/1',
      tags: current.tags.map(({ id: _id, ...t }) => t),
      golden: { ...current.golden, rows: current.golden.rows.map((r) => ({ ...r, expected: r.expected.map((id) => nameOf.get(id) as string) })) },
    };
    const v1 = { ...v1Content, contentHash: await packContentHash(v1Content as unknown as RulePack) };
    const { pack, migratedFrom } = await readPack(JSON.stringify(v1));
    expect(migratedFrom).toBe('assay.rulepack/1');
    expect(pack.schema).toBe('assay.rulepack/2');
    expect(pack.tags.map((t) => [t.id, t.name])).toEqual([['big_spender', 'Big spender'], ['regular', 'Regular']]);
    expect(pack.golden.rows.flatMap((r) => r.expected)).toContain('big_spender');
    expect((await readPack(writePack(pack))).pack).toEqual(pack);
    const tampered = { ...v1, tags: v1.tags.map((t, i) => (i === 0 ? { ...t, description: 'edited' } : t)) };
    expect((await failure(readPack(JSON.stringify(tampered)))).message).toMatch(/^contentHash: the pack content does not match its hash/);
  });

  it('tags measured against a label take it into the pack: precision is measured, not "not evaluated"', async () => {
    const validated = await engine.client.run('tags.validate', { tagSet: tagSet([['big-spender', 'Big spender', 'spend > 200']]) as never, source: { table: 'users' }, target: 'churned', positive: 'true', split: { kind: 'all' } });
    const info = await engine.client.run('pack.build', { tagSet: validated.tagSet, table: 'users', key: 'user_id', name: 'mined', version: '1.0.0' });
    expect(info.target).toEqual({ column: 'churned', positive: 'true', from: 'mined tags' });
    const tag = info.pack.tags[0];
    expect(tag?.metrics?.precision?.value).toBeCloseTo(13 / 20, 9);
    expect(tag?.gateOutcome?.notEvaluated ?? []).toEqual([]);
    // A target given on the command line wins over the one the tags were measured against.
    const given = await engine.client.run('pack.build', { tagSet: validated.tagSet, table: 'users', key: 'user_id', name: 'mined', version: '1.0.0', target: { column: 'churned', positive: 'false' } });
    expect(given.target).toEqual({ column: 'churned', positive: 'false', from: 'given' });
  });
});
