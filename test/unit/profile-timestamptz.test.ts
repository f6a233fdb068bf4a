import fs from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnProfile, TableProfile } from '../../workers/api';
import { openNodeDriver, type NodeDriverKind } from '../../workers/node/driver-choice';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { zoneNote } from '../../renderer/views/data/card-data';
import { tempDir } from '../helpers/paths';

/**
 * A Parquet file with a tz-aware timestamp column (`timestamp[us, tz=UTC]`, as Spark and pandas
 * write them) is profiled on duckdb-wasm, which has no ICU, and on native DuckDB, which has it:
 * both give the instants in UTC, also when the session's time zone is another one.
 */
const KINDS: NodeDriverKind[] = ['wasm', 'native'];
const dir = tempDir('profile-timestamptz');
const file = path.join(dir, 'events.parquet');
const engines = new Map<NodeDriverKind, NodeEngine>();

const utc = (hours: number, minutes = 0, seconds = 0): number => Date.UTC(2021, 2, 4, hours, minutes, seconds) / 1000;

beforeAll(async () => {
  // Written with offsets other than UTC: the profile must show the instants, not the text.
  const writer = await openNodeDriver('native');
  try {
    const select = `SELECT id, ts::TIMESTAMPTZ AS at FROM (VALUES
      (1, '2021-03-04 05:30:00+05:30'), (2, '2021-03-04 00:00:00+00'), (3, '2021-03-04 00:30:00+00'), (4, '2021-03-03 20:15:00-05'),
      (5, NULL), (6, '2021-03-04 07:00:00+02'), (7, '2021-03-04 09:59:59.5+00'), (8, '2021-03-04 10:00:00+00')) AS v(id, ts)`;
    await writer.copyTo(`${select} ORDER BY id`, 'FORMAT parquet', file);
  } finally {
    await writer.close();
  }
  for (const kind of KINDS) engines.set(kind, await createInProcessEngine(kind));
}, 120_000);
afterAll(async () => {
  for (const engine of engines.values()) await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function profileFile(engine: NodeEngine): Promise<{ profile: TableProfile; at: ColumnProfile }> {
  const opened = await engine.client.run('data.open', { source: { kind: 'path', path: file } });
  const profile = await engine.client.run('data.profile', { table: opened.name, bins: 10 });
  await engine.client.run('data.drop', { table: opened.name });
  const at = profile.columns.find((c) => c.name === 'at');
  if (!at) throw new Error('no "at" column in the profile');
  return { profile, at };
}

describe('profiling a tz-aware Parquet timestamp column', () => {
  it.each(KINDS)('on %s: type kept, min/max/samples/histogram in UTC', async (kind) => {
    const { at } = await profileFile(engines.get(kind) as NodeEngine);
    expect(at.type).toBe('TIMESTAMP WITH TIME ZONE');
    expect(zoneNote(at)).toBe('Times shown in UTC');
    expect(zoneNote({ type: 'TIMESTAMP' })).toBeNull();
    expect(at).toMatchObject({ kind: 'temporal', valueType: 'timestamp', rowCount: 8, nullCount: 1, distinct: 6, distinctExact: true });
    expect(at.min).toBe('2021-03-04 00:00:00+00');
    expect(at.max).toBe('2021-03-04 10:00:00+00');
    expect(at.samples).toEqual(['2021-03-04 00:00:00+00', '2021-03-04 00:30:00+00', '2021-03-04 01:15:00+00', '2021-03-04 05:00:00+00', '2021-03-04 09:59:59.5+00']);
    // Ten one-hour bins from 00:00 to 10:00 UTC; 10:00 itself falls in the last bin.
    expect(at.histogram?.map((b) => b.lo)).toEqual(Array.from({ length: 10 }, (_v, h) => utc(h)));
    expect(at.histogram?.map((b) => b.count)).toEqual([3, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(at.histogram?.at(-1)?.hi).toBe(utc(10));
  });

  it('the same answer on native DuckDB in another session time zone as on duckdb-wasm', async () => {
    const native = engines.get('native') as NodeEngine;
    // Native DuckDB has ICU: CAST(at AS TIMESTAMP) would move to New York time here.
    await native.client.run('sql.run', { sql: "SET TimeZone = 'America/New_York'" });
    try {
      const zoned = await native.client.run('sql.run', { sql: "SELECT CAST(TIMESTAMPTZ '2021-03-04 00:00:00+00' AS VARCHAR) AS v", preview: 1 });
      expect(tableFromIPC(zoned.preview).get(0)?.toJSON()).toEqual({ v: '2021-03-03 19:00:00-05' });
      const [wasm, ny] = await Promise.all([profileFile(engines.get('wasm') as NodeEngine), profileFile(native)]);
      const strip = ({ profile }: { profile: TableProfile }): unknown => ({ ...profile, elapsedMs: 0 });
      expect(strip(ny)).toEqual(strip(wasm));
      expect(ny.at.min).toBe('2021-03-04 00:00:00+00');
    } finally {
      await native.client.run('sql.run', { sql: "SET TimeZone = 'UTC'" });
    }
  });

  it('on duckdb-wasm above the sampling threshold: histogram of the sample, exact min/max', async () => {
    const engine = engines.get('wasm') as NodeEngine;
    // 300,000 rows, one a second from 00:00 UTC (the profile samples above 200,000 rows).
    await engine.client.run('sql.run', { sql: "CREATE TABLE many_tz AS SELECT CAST(TIMESTAMP '2021-03-04 00:00:00' + range * INTERVAL 1 SECOND AS TIMESTAMPTZ) AS at FROM range(300000)" });
    try {
      const profile = await engine.client.run('data.profile', { table: 'many_tz', bins: 5 });
      const at = profile.columns[0];
      expect(profile.sampledRows).toBeGreaterThan(90_000);
      expect(at?.min).toBe('2021-03-04 00:00:00+00');
      expect(at?.max).toBe('2021-03-07 11:19:59+00');
      expect(at?.histogram?.[0]?.lo).toBe(utc(0));
      expect(at?.histogram?.at(-1)?.hi).toBe(utc(83, 19, 59)); // 3 days 11:19:59 after the first
      expect(at?.histogram?.reduce((sum, b) => sum + b.count, 0)).toBe(profile.sampledRows);
    } finally {
      await engine.client.run('data.drop', { table: 'many_tz' });
    }
  });
});
