import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { safeTagId } from '../../workers/packs/tag-ids';
import { parseTagSet, segmentTags, type Tag, type TagSetInput } from '../../workers/tags/tag';
import { failure } from '../helpers/engine';
import { queryRows } from '../helpers/packs';

let engine: NodeEngine;

/**
 * 300 points in three loose groups: a skewed column (log1p "auto"), a NULL now and then (imputed),
 * a two-level text column (one-hot), and an id. Deterministic: values come from the row number.
 */
const TABLE_SQL = `CREATE OR REPLACE TABLE pts AS
  SELECT i AS id,
    CASE WHEN i % 17 = 0 THEN NULL ELSE (i % 3) * 6.0 + ((i * 7919) % 100) / 20.0 END AS a,
    exp((i % 3) * 1.5 + ((i * 104729) % 50) / 25.0) AS spend,
    CASE WHEN (i * 31) % 5 < 2 THEN 'web' ELSE 'app' END AS channel
  FROM range(300) t(i)`;

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: TABLE_SQL });
});

afterAll(async () => {
  await engine.close();
});

async function clusterToTags(): Promise<{ tags: Tag[]; segmentOf: Map<number, number>; k: number }> {
  const result = await engine.client.run('cluster.run', { source: { table: 'pts' }, features: ['a', 'spend', 'channel'], k: 3, seed: 7, outputTable: 'pts_seg' });
  expect(result.preprocessor.columns.some((c) => c.kind === 'onehot')).toBe(true);
  expect(result.preprocessor.columns.some((c) => c.kind === 'numeric' && c.log1p)).toBe(true);
  const tags = await engine.client.run('cluster.tags', { clusterId: result.cluster.clusterId, names: { 0: 'Alpha', 1: 'Beta' }, group: 'behaviour' });
  const assigned = await queryRows(engine.client, 'SELECT id, segment FROM pts_seg');
  const segmentOf = new Map(assigned.map((r) => [Number(r.id), Number(r.segment)]));
  return { tags, segmentOf, k: result.cluster.k };
}

describe('segment tags', () => {
  it('cluster.run -> cluster.tags -> pack.build -> DuckDB SQL gives exactly the cluster assignment, and tags.evaluate/validate agree', async () => {
    const { tags, segmentOf, k } = await clusterToTags();
    expect(tags.map((t) => t.name)).toEqual(['Alpha', 'Beta', 'Segment 2']);
    for (const [i, tag] of tags.entries()) {
      expect(tag.definition.kind).toBe('segment');
      if (tag.definition.kind !== 'segment') continue;
      expect(tag.definition.segmentId).toBe(i);
      expect(tag.definition.segmentation?.k).toBe(k);
    }
    // Every segment is non-empty, so "fires iff segment == i" is a real check for each tag.
    const sizes = [0, 1, 2].map((s) => [...segmentOf.values()].filter((x) => x === s).length);
    expect(sizes.every((n) => n > 0)).toBe(true);

    // Through JSON, as a saved tag file would be.
    const tagSet = JSON.parse(JSON.stringify({ tags })) as TagSetInput;
    const built = await engine.client.run('pack.build', { tagSet, table: 'pts', key: 'id', name: 'segments', version: '1.0.0', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(built.pack.tags.map((t) => t.kind)).toEqual(['segment', 'segment', 'segment']);
    const { sql } = await engine.client.run('pack.export', { text: built.text, dialect: 'duckdb' });
    const out = await queryRows(engine.client, sql);
    expect(out).toHaveLength(300);
    let checked = 0;
    for (const row of out) {
      const segment = segmentOf.get(Number(row.id));
      expect(segment).toBeDefined();
      tags.forEach((tag, i) => {
        expect(row[safeTagId(tag.id)], `row ${String(row.id)}, tag ${tag.name}`).toBe(segment === i);
        checked++;
      });
    }
    expect(checked).toBe(900);

    const evaluated = await engine.client.run('tags.evaluate', { tagSet, source: { table: 'pts' } });
    expect(evaluated.skipped).toEqual([]);
    expect(evaluated.tags.map((t) => t.count)).toEqual(sizes);
    expect(evaluated.rows).toBe(300);
    const viaJs = await engine.client.run('tags.evaluate', { tagSet, source: { table: 'pts' }, via: 'js' });
    expect(viaJs.tags.map((t) => t.count)).toEqual(sizes);
    const written = await engine.client.run('tags.evaluate', { tagSet, source: { table: 'pts' }, output: 'pts_tags' });
    expect(written.skipped.map((s) => s.id)).toEqual(tags.map((t) => t.id));

    const validated = await engine.client.run('tags.validate', { tagSet, source: { table: 'pts' }, split: { kind: 'all' } });
    expect(validated.skipped).toEqual([]);
    expect(validated.tags.map((t) => t.holdout.support)).toEqual(sizes);
  });

  it('tags.validate lines segment assignments up with the rows of a query whose order changes on every read', async () => {
    const { tags, segmentOf } = await clusterToTags();
    const tagSet = JSON.parse(JSON.stringify({ tags })) as TagSetInput;
    // The target is "in segment 0", so the Alpha tag is right on every row when the rows line up.
    const sql = 'SELECT p.*, s.segment = 0 AS is_alpha FROM pts p JOIN pts_seg s USING (id) ORDER BY random()';
    const validated = await engine.client.run('tags.validate', { tagSet, source: { sql }, target: 'is_alpha', split: { kind: 'all' } });
    const alpha = validated.tags.find((t) => t.name === 'Alpha');
    const size = [...segmentOf.values()].filter((x) => x === 0).length;
    const metrics = alpha?.holdout as { support: number; tp?: number; fp?: number } | undefined;
    expect(metrics?.support).toBe(size);
    expect(metrics?.tp).toBe(size);
    expect(metrics?.fp).toBe(0);
    // The copy that kept the order is gone.
    expect(await queryRows(engine.client, "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '__assay_rows_%'")).toEqual([]);
  });

  it('cluster.tags also takes a segmentation as data and keeps names unique', async () => {
    const run = await engine.client.run('cluster.run', { source: { table: 'pts' }, features: ['a', 'spend'], k: 2, seed: 1 });
    const exported = await engine.client.run('cluster.export', { clusterId: run.cluster.clusterId });
    const tags = await engine.client.run('cluster.tags', { segmentation: exported, names: { 0: 'Big', 1: 'big' }, ref: 'my segments' });
    expect(tags.map((t) => t.name)).toEqual(['Big (segment 0)', 'big (segment 1)']);
    expect(tags.map((t) => t.id)).toEqual(['seg-my-segments-0', 'seg-my-segments-1']);
    expect((await failure(engine.client.run('cluster.tags', {}))).code).toBe('BAD_INPUT');
    const bad = { ...exported, centroids: exported.centroids.slice(1) };
    expect((await failure(engine.client.run('cluster.tags', { segmentation: bad }))).message).toMatch(/k centroids/);
    expect(() => segmentTags({ ...exported, k: 0 })).toThrow(/segmentation/);
  });

  it('an older tag file without the embedded segmentation still loads; packing it gives the clear error', async () => {
    const old: TagSetInput = { schema: 'assay.tagset/1', tags: [{ id: 'vip', name: 'VIP', group: 'behaviour', definition: { kind: 'segment', segmentRef: 'rfm k=4', segmentId: 2 } }] };
    const set = parseTagSet(old);
    expect(set.tags[0]?.definition).toEqual({ kind: 'segment', segmentRef: 'rfm k=4', segmentId: 2 });
    const err = await failure(engine.client.run('pack.build', { tagSet: old, table: 'pts', key: 'id', name: 'old', version: '1.0.0' }));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/packing segment tags needs the segmentation's preprocessing and centroids/);
    const evaluated = await engine.client.run('tags.evaluate', { tagSet: old, source: { table: 'pts' } });
    expect(evaluated.skipped.map((s) => s.id)).toEqual(['vip']);
    // An embedded segmentation must fit the segment number.
    const { tags } = await clusterToTags();
    const def = tags[0]?.definition;
    expect(def?.kind).toBe('segment');
    expect(() => parseTagSet({ tags: [{ ...tags[0], definition: { ...def, segmentId: 5 } }] })).toThrow(/segment number below k/);
  });
});
