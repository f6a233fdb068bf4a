/** Clustering jobs through the real engine (DuckDB-WASM in-process): run, sweep, assign, errors, cancel. */
import { EngineError } from '../../workers/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterResult } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';

let engine: NodeEngine;

/** Three well-separated groups of 200 rows in (a, b), a text column, a NULL and a row id; rows interleaved. */
const BLOBS_SQL = `
  SELECT i AS id,
         (i % 3) AS truth,
         CASE i % 3 WHEN 0 THEN 0 WHEN 1 THEN 10 ELSE 20 END + sin(i * 12.9898) AS a,
         CASE i % 3 WHEN 0 THEN 0 WHEN 1 THEN -10 ELSE 10 END + cos(i * 78.233) AS b,
         CASE WHEN i = 5 THEN NULL ELSE (i % 3) * 2.0 + 1 END AS c,
         CASE i % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'green' ELSE 'blue' END AS colour
  FROM range(600) t(i)`;

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: `CREATE TABLE blobs AS ${BLOBS_SQL}` });
  await engine.client.run('sql.run', { sql: 'CREATE TABLE one_row AS SELECT 1.0 AS a, 2.0 AS b' });
  await engine.client.run('sql.run', { sql: 'CREATE TABLE flat AS SELECT 3.0 AS a, 1 AS b FROM range(50)' });
  await engine.client.run('sql.run', { sql: "CREATE TABLE words AS SELECT 'x' || i AS name FROM range(10) t(i)" });
  await engine.client.run('sql.run', { sql: 'CREATE TABLE big AS SELECT random() AS a, random() AS b, random() AS c, random() AS d FROM range(200000)' });
});
afterAll(async () => {
  await engine.close();
});

describe('cluster.run', () => {
  let result: ClusterResult;
  const phases: string[] = [];

  beforeAll(async () => {
    result = await engine.client.run(
      'cluster.run',
      { source: { table: 'blobs' }, features: ['a', 'b', 'c'], k: 3, seed: 1, outputTable: 'blobs_seg', preprocessing: { log1p: 'none' } },
      { onProgress: (p) => phases.push(p.phase) },
    );
  });

  it('finds the three groups and writes the segment column in input order', async () => {
    expect(result.segments.map((s) => s.size)).toEqual([200, 200, 200]);
    expect(result.cluster.features).toEqual(['a', 'b', 'c']);
    expect(result.outputTable?.rowCount).toBe(600);
    expect(result.outputTable?.columns.map((c) => c.name)).toEqual(['id', 'truth', 'a', 'b', 'c', 'colour', 'segment']);
    const pure = await engine.client.run('sql.run', { sql: 'SELECT max(segs) AS m FROM (SELECT truth, count(DISTINCT segment) AS segs FROM blobs_seg GROUP BY truth)' });
    const { tableFromIPC } = await import('apache-arrow');
    expect(Number(tableFromIPC(pure.preview).toArray()[0].m)).toBe(1);
    const order = tableFromIPC((await engine.client.run('sql.run', { sql: 'SELECT bool_and(id = rn) AS ok FROM (SELECT id, row_number() OVER () - 1 AS rn FROM blobs_seg)' })).preview);
    expect(order.toArray()[0].ok).toBe(true);
    expect(phases.at(-1)).toBe('done'); // per-iteration phases: see the cancel test (progress is throttled)
    expect(result.warnings.some((w) => w.includes('"c": 1 missing value replaced by the median'))).toBe(true);
  });

  it('returns metrics, centroids in both spaces, the preprocessing and a 2D projection', () => {
    expect(result.metrics.silhouette).toBeGreaterThan(0.8);
    expect(result.metrics.daviesBouldin).toBeLessThan(0.3);
    expect(result.metrics.silhouetteSampled).toBe(false);
    const originals = result.segments.map((s) => s.centroidOriginal.a ?? Number.NaN).sort((x, y) => x - y);
    expect(originals[0]).toBeCloseTo(0, 0);
    expect(originals[1]).toBeCloseTo(10, 0);
    expect(originals[2]).toBeCloseTo(20, 0);
    expect(result.segments[0]?.centroid).toHaveLength(3);
    expect(result.preprocessor.columns.map((c) => c.column)).toEqual(['a', 'b', 'c']);
    expect(result.projection.x).toHaveLength(600);
    expect(result.projection.centroids).toHaveLength(3);
    expect(result.projection.explained[0] + result.projection.explained[1]).toBeGreaterThan(0.9);
    expect(result.backend.name).toBe('cpu');
  });

  it('is deterministic for a seed', async () => {
    const again = await engine.client.run('cluster.run', { source: { table: 'blobs' }, features: ['a', 'b', 'c'], k: 3, seed: 1, preprocessing: { log1p: 'none' } });
    expect(again.metrics).toEqual(result.metrics);
    expect(again.segments).toEqual(result.segments);
  });

  it('one-hot encodes a text feature, clusters a query, and assigns new rows with the stored preprocessing', async () => {
    const r = await engine.client.run('cluster.run', { source: { sql: 'SELECT a, colour FROM blobs' }, features: ['a', 'colour'], k: 3, seed: 2 });
    expect(r.cluster.features).toEqual(['a', 'colour=blue', 'colour=green', 'colour=red']);
    const listed = await engine.client.run('cluster.list', {});
    expect(listed.some((s) => s.clusterId === r.cluster.clusterId)).toBe(true);
    const exported = await engine.client.run('cluster.export', { clusterId: result.cluster.clusterId });
    expect(exported.centroids).toHaveLength(3);
    const assigned = await engine.client.run('cluster.assign', { clusterId: result.cluster.clusterId, source: { sql: 'SELECT * FROM blobs ORDER BY id DESC' }, outputTable: 'blobs_again' });
    expect(assigned.rowCount).toBe(600);
    const same = await engine.client.run('sql.run', { sql: 'SELECT count(*) AS n FROM blobs_again a JOIN blobs_seg b USING (id) WHERE a.segment <> b.segment' });
    const { tableFromIPC } = await import('apache-arrow');
    expect(Number(tableFromIPC(same.preview).toArray()[0].n)).toBe(0);
  });
});

describe('cluster.run on the device', () => {
  it('--backend webgpu runs the centroid update on the device, with the CPU run\'s segments, shifts and metrics bit for bit', async (ctx) => {
    // A large offset and a small spread in one column: sums the old float64 device update could not match.
    const params = { source: { sql: 'SELECT a, b, c, 1e6 + a * 1e-3 AS far FROM blobs' }, features: ['a', 'b', 'c', 'far'], k: 4, seed: 5, nInit: 2, preprocessing: { log1p: 'none' as const, scaling: 'none' as const } };
    const onDevice = await engine.client.run('cluster.run', { ...params, backend: 'webgpu' }).catch((err: unknown) => err);
    if (onDevice instanceof EngineError && /WebGPU backend requested/.test(onDevice.message)) ctx.skip(onDevice.message);
    if (onDevice instanceof Error) throw onDevice;
    const onCpu = await engine.client.run('cluster.run', { ...params, backend: 'cpu' });
    expect((onDevice as ClusterResult).backend).toMatchObject({ name: 'webgpu', update: 'device' });
    expect(onCpu.backend).toMatchObject({ name: 'cpu', update: 'cpu' });
    const device = onDevice as ClusterResult;
    expect(device.iterations).toBe(onCpu.iterations);
    expect(device.shifts).toEqual(onCpu.shifts);
    expect(device.segments).toEqual(onCpu.segments);
    expect(device.metrics).toEqual(onCpu.metrics);
  });
});

describe('cluster.sweep', () => {
  it('runs k = 2..6 as one job, and the silhouette peaks at the true k', async () => {
    const sweep = await engine.client.run('cluster.sweep', { source: { table: 'blobs' }, features: ['a', 'b'], kFrom: 2, kTo: 6, seed: 3 });
    expect(sweep.points.map((p) => p.k)).toEqual([2, 3, 4, 5, 6]);
    expect(sweep.bestSilhouetteK).toBe(3);
    for (let i = 1; i < sweep.points.length; i++) expect(sweep.points[i]!.inertia).toBeLessThan(sweep.points[i - 1]!.inertia);
  });

  it('reports progress per k on a larger table', async () => {
    const phases: string[] = [];
    await engine.client.run('cluster.sweep', { source: { table: 'big' }, allNumeric: true, kFrom: 2, kTo: 4, maxIter: 3, seed: 1 }, { onProgress: (p) => phases.push(p.phase) });
    expect(phases.some((p) => /^k = [34]: /.test(p))).toBe(true);
  });
});

describe('bad input and cancel', () => {
  it('gives clear errors', async () => {
    expect((await failure(engine.client.run('cluster.run', { source: { table: 'blobs' }, features: ['a'], k: 601 }))).message).toMatch(/k = 601 is more than the 600 rows/);
    expect((await failure(engine.client.run('cluster.run', { source: { table: 'blobs' }, features: ['a'], k: 0 }))).message).toMatch(/at least 1/);
    expect((await failure(engine.client.run('cluster.run', { source: { table: 'flat' }, allNumeric: true, k: 2 }))).message).toMatch(/all constant/);
    expect((await failure(engine.client.run('cluster.run', { source: { table: 'one_row' }, allNumeric: true, k: 1 }))).message).toMatch(/single row/);
    expect((await failure(engine.client.run('cluster.run', { source: { table: 'words' }, allNumeric: true, k: 2 }))).message).toMatch(/no numeric column/);
    expect((await failure(engine.client.run('cluster.run', { source: { table: 'blobs' }, features: ['c'], k: 2, preprocessing: { impute: 'none' } }))).message).toMatch(/"c" has 1 missing/);
    expect((await failure(engine.client.run('cluster.run', { source: { table: 'blobs' }, features: ['nope'], k: 2 }))).message).toMatch(/"nope" is not a column/);
    expect((await failure(engine.client.run('cluster.run', { source: { table: 'missing_table' }, k: 2 }))).code).toBe('NOT_FOUND');
    expect((await failure(engine.client.run('cluster.sweep', { source: { table: 'blobs' }, features: ['a'], kFrom: 5, kTo: 2 }))).message).toMatch(/k range/);
    // WebGPU asked for by name: with no adapter at all, one plain error; where Dawn finds one (a
    // software adapter through Mesa's EGL counts when asked for by name), it runs on it.
    const onWebGpu = await engine.client.run('cluster.run', { source: { table: 'blobs' }, features: ['a'], k: 2, backend: 'webgpu' }).then(
      (result) => ({ ok: result.backend }),
      (err: unknown) => ({ err }),
    );
    if ('ok' in onWebGpu) expect(onWebGpu.ok.name).toBe('webgpu');
    else {
      expect(onWebGpu.err).toBeInstanceOf(EngineError);
      expect((onWebGpu.err as EngineError).message).toMatch(/WebGPU backend requested/);
    }
  });

  it('cancels a running job between iterations', async () => {
    let sawIteration = false;
    let reached: () => void = () => undefined;
    const iterating = new Promise<void>((resolve) => (reached = resolve));
    const handle = engine.client.start(
      'cluster.run',
      { source: { table: 'big' }, allNumeric: true, k: 40, tol: 0, maxIter: 100_000, nInit: 1 },
      {
        onProgress: (p) => {
          if (/iteration/.test(p.phase)) {
            sawIteration = true;
            reached();
          }
        },
      },
    );
    await iterating;
    handle.cancel();
    await expect(handle.result).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(sawIteration).toBe(true);
  });
});
