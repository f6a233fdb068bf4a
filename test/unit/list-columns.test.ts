/**
 * List and array columns (BIGINT[], DOUBLE[2], TIMESTAMP[]), which Parquet files carry and both
 * drivers now load as lists: the jobs that read numbers or dates must not take them for their
 * element type. Profile, train (default features), scoring, clustering and pack builds either
 * leave them out or refuse them by name, in plain words, never with a raw DuckDB cast error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeDriverKind } from '../../workers/node/driver-choice';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { parseRule } from '../../workers/tags/parser';
import { failure } from '../helpers/engine';

const KINDS: NodeDriverKind[] = ['wasm', 'native'];
const engines = new Map<NodeDriverKind, NodeEngine>();

beforeAll(async () => {
  for (const kind of KINDS) {
    const e = await createInProcessEngine(kind);
    engines.set(kind, e);
    await e.client.run('sql.run', {
      sql: `CREATE TABLE shop AS SELECT i AS id, (i % 7) * 1.5 AS spend, CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END AS y,
              [i, i + 1] AS ids, [i * 0.5, 1.0]::DOUBLE[2] AS pair, [make_timestamp(1700000000000000 + i * 1000000)] AS seen
            FROM range(300) r(i)`,
    });
    // The same rows with a list where the model read a number.
    await e.client.run('sql.run', { sql: 'CREATE TABLE shop_listy AS SELECT id, [spend] AS spend, y FROM shop' });
  }
}, 120_000);
afterAll(async () => {
  for (const e of engines.values()) await e.close();
});

describe.each(KINDS)('list columns on %s', (kind) => {
  const client = () => (engines.get(kind) as NodeEngine).client;

  it('profile: figures for the other columns, none for the lists', async () => {
    const profile = await client().run('data.profile', { table: 'shop' });
    const byName = new Map(profile.columns.map((c) => [c.name, c]));
    expect(byName.get('spend')?.mean).toBeCloseTo(4.485, 6);
    for (const name of ['ids', 'pair', 'seen']) {
      expect(byName.get(name)?.kind, name).toBe('other');
      expect(byName.get(name)?.mean ?? null, name).toBeNull();
    }
  });

  it('train: default features leave the lists out; a list named as a feature is refused by name; scoring a list where a number was is refused', async () => {
    const trained = await client().run('model.train', { source: { table: 'shop' }, target: 'y', params: { num_boost_round: 3 }, split: { kind: 'random', validFraction: 0.2, seed: 1 } });
    expect(trained.model.features.map((f) => f.column)).toEqual(['spend']);
    const named = await failure(client().run('model.train', { source: { table: 'shop' }, target: 'y', features: ['spend', 'pair'] }));
    expect(named.message).toMatch(/^Feature "pair" has type DOUBLE\[2\], which cannot be used as a model feature\.$/);
    const scored = await failure(client().run('model.predict', { modelId: trained.model.modelId, source: { table: 'shop_listy' }, outputTable: 'scored' }));
    expect(scored.code).toBe('BAD_INPUT');
    expect(scored.message).toMatch(/^Column "spend" was DECIMAL\(21,1\) when the model was trained and is DECIMAL\(21,1\)\[\]/);
  });

  it('cluster: every numeric column by default means the numbers, not the lists', async () => {
    const result = await client().run('cluster.run', { source: { table: 'shop' }, allNumeric: true, k: 2, seed: 1 });
    expect(result.preprocessor.columns.map((c) => c.column)).toEqual(['id', 'spend', 'y']);
  });

  it('pack build: a TIMESTAMP[] column does not set (or break) the snapshot date', async () => {
    const pack = await client().run('pack.build', {
      tagSet: { schema: 'assay.tagset/1', tags: [{ id: 'big', name: 'big', group: 'basic', definition: { kind: 'rule', text: 'spend > 5', ast: parseRule('spend > 5') } }] },
      table: 'shop',
      key: 'id',
      name: 'shop tags',
      version: '1.0.0',
      createdAt: '2026-12-05T00:00:00.000Z',
    });
    expect(pack.pack.tags.map((t) => t.id)).toEqual(['big']);
  });
});
