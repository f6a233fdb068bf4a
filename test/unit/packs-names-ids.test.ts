/**
 * One id maker for tag sets and packs: names without ASCII letters get distinct hashed ids, v1
 * packs whose names give one id migrate with numbered ids, new tag set ids are already valid pack
 * columns; and a pack built on a feature table carries the step only while the table is the one
 * features.build made (not once it is replaced, dropped and made again, or renamed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packContentHash, readPack } from '../../workers/packs/io';
import type { RulePack } from '../../workers/packs/schema';
import { TAG_ID_PATTERN, safeTagId } from '../../workers/packs/tag-ids';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import { tagIdFor } from '../../workers/tags/tag-set-edit';

let engine: NodeEngine;

function ruleTag(id: string, name: string, text: string): Record<string, unknown> {
  return { id, name, group: 'basic', status: 'draft', definition: { kind: 'rule', text, ast: parseRule(text) } };
}

async function buildOn(table: string, tags: Array<Record<string, unknown>>): Promise<RulePack> {
  const info = await engine.client.run('pack.build', { tagSet: { schema: 'assay.tagset/1', tags }, table, name: 'ids', version: '1.0.0', createdAt: '2026-12-04T12:00:00.000Z', goldenRows: 4 });
  return info.pack;
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: `CREATE TABLE users AS SELECT 'u' || CAST(i AS VARCHAR) AS user_id, i * 10.5 AS spend, i % 4 AS visits FROM range(40) t(i)` });
});
afterAll(async () => {
  await engine.close();
});

/** A v1 pack (no ids, names in the golden rows) made from a current pack, with its v1 hash. */
async function asV1(current: RulePack, names: string[]): Promise<Record<string, unknown>> {
  const nameOf = new Map(current.tags.map((t, i) => [t.id, names[i] as string]));
  const { features: _features, contentHash: _hash, ...rest } = current;
  const content = {
    ...rest,
    schema: 'assay.rulepack/1',
    tags: current.tags.map(({ id: _id, ...t }, i) => ({ ...t, name: names[i] as string })),
    golden: { ...current.golden, rows: current.golden.rows.map((r) => ({ ...r, expected: r.expected.map((id) => nameOf.get(id) as string) })) },
  };
  return { ...content, contentHash: await packContentHash(content as unknown as RulePack) };
}

describe('tag ids', { timeout: 60_000 }, () => {
  it('names without ASCII letters or digits get distinct, deterministic hashed ids', () => {
    const [a, b] = [safeTagId('高价值用户'), safeTagId('流失风险')];
    expect(a).toMatch(/^tag_[0-9a-f]{8}$/);
    expect(b).toMatch(/^tag_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(safeTagId('高价值用户')).toBe(a);
    expect(safeTagId('  高价值用户 ')).toBe(a);
    expect(safeTagId('   ')).toBe('tag');
  });

  it('a v1 pack with two non-Latin tag names, and one with two names giving one id, migrate and load', async () => {
    const current = await buildOn('users', [ruleTag('a', 'A', 'spend > 200'), ruleTag('b', 'B', 'visits >= 2')]);
    const chinese = await readPack(JSON.stringify(await asV1(current, ['高价值用户', '流失风险'])));
    const ids = chinese.pack.tags.map((t) => t.id);
    expect(ids).toEqual([safeTagId('高价值用户'), safeTagId('流失风险')]);
    expect(chinese.pack.tags.map((t) => t.name)).toEqual(['高价值用户', '流失风险']);
    expect(new Set(chinese.pack.golden.rows.flatMap((r) => r.expected))).toEqual(new Set(ids));
    // Names that share a safe id: numbered in pack order, the same every time.
    const clash = await asV1(current, ['Big spender', 'big spender!']);
    const migrated = await readPack(JSON.stringify(clash));
    expect(migrated.pack.tags.map((t) => t.id)).toEqual(['big_spender', 'big_spender_2']);
    expect((await readPack(JSON.stringify(clash))).pack).toEqual(migrated.pack);
  });

  it('new tag set ids are valid pack columns and never collide with an existing id in a pack', async () => {
    for (const name of ['Foo-Bar', 'High value / UK', 'seg-rfm.0', '3rd', '高价值用户', 'x'.repeat(100)]) expect(tagIdFor(name, []), name).toMatch(TAG_ID_PATTERN);
    expect(tagIdFor('Foo-Bar', [])).toBe('foo_bar');
    // An older tag set keeps its stored id "Foo-Bar" (a pack outputs it as foo_bar): a new tag
    // named foo_bar gets another id, so a pack of both builds.
    const id = tagIdFor('foo_bar', ['Foo-Bar']);
    expect(id).toBe('foo_bar_2');
    const pack = await buildOn('users', [ruleTag('Foo-Bar', 'Old', 'spend > 200'), ruleTag(id, 'New', 'visits >= 2')]);
    expect(pack.tags.map((t) => t.id)).toEqual(['foo_bar', 'foo_bar_2']);
    expect(tagIdFor('x'.repeat(100), ['x'.repeat(64)])).toBe(`${'x'.repeat(62)}_2`);
  });
});

describe('a feature table replaced, dropped or renamed forgets its feature step', { timeout: 60_000 }, () => {
  const log = ['user,ts,kind,price', 'u1,2024-03-04 09:15:00,pv,0', 'u1,2024-03-05 21:00:00,buy,30', 'u2,2024-03-06 10:00:00,pv,0', 'u3,2024-03-07 23:59:00,buy,12'].join('\n');
  const spender = [ruleTag('spender', 'Spender', 'event_count >= 1')];

  async function buildFeatures(table: string): Promise<void> {
    const generated = await engine.client.run('features.generate', { template: 'all', table: 'log', key: 'user', time: 'ts', eventType: 'kind', value: 'price', asOf: '2024-03-08' });
    await engine.client.run('features.build', { sql: generated.sql, outputTable: table, replace: true, step: generated.step });
  }

  beforeAll(async () => {
    await engine.client.run('data.open', { source: { kind: 'bytes', name: 'log.csv', bytes: new TextEncoder().encode(log) }, tableName: 'log' });
  });

  it('keeps the step while the table is the one built, forgets it once replaced by SQL with the same columns and rows', async () => {
    await buildFeatures('log_features');
    expect((await buildOn('log_features', spender)).features?.asOf).toBe('2024-03-08');
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE TABLE log_features AS SELECT * FROM log_features' });
    expect((await buildOn('log_features', spender)).features).toBeNull();
  });

  it('forgets it when the table is dropped and another made under its name, or replaced by data.open', async () => {
    await buildFeatures('log_features');
    await engine.client.run('sql.run', { sql: 'CREATE TABLE features_copy AS SELECT * FROM log_features' });
    await engine.client.run('data.drop', { table: 'log_features' });
    await engine.client.run('data.rename', { table: 'features_copy', newName: 'log_features' });
    expect((await buildOn('log_features', spender)).features).toBeNull();
    await buildFeatures('log_features');
    const columns = (await buildOn('log_features', spender)).features?.columns ?? [];
    expect(columns.slice(0, 2)).toEqual(['user', 'recency']);
    const csv = [columns.join(','), ...['u1', 'u2', 'u3'].map((u) => [u, ...columns.slice(1).map(() => '1')].join(','))].join('\n');
    await engine.client.run('data.open', { source: { kind: 'bytes', name: 'f.csv', bytes: new TextEncoder().encode(csv) }, tableName: 'log_features', replace: true });
    expect((await buildOn('log_features', spender)).features).toBeNull();
  });

  it('forgets it when the table is renamed away and back, or rows are deleted', async () => {
    await buildFeatures('log_features');
    await engine.client.run('data.rename', { table: 'log_features', newName: 'moved' });
    await engine.client.run('data.rename', { table: 'moved', newName: 'log_features' });
    expect((await buildOn('log_features', spender)).features).toBeNull();
    await buildFeatures('log_features');
    await engine.client.run('sql.run', { sql: `DELETE FROM log_features WHERE "user" = 'u3'` });
    expect((await buildOn('log_features', spender)).features).toBeNull();
  });
});
