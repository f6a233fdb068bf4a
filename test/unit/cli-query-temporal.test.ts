import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowToRows } from '../../workers/cli/format-table';
import { civilFromDays, dateText, timestampText } from '../../workers/data/temporal-text';
import { temporalText } from '../../workers/data/zoned-time';
import type { DuckDriver } from '../../workers/data/driver';
import { openNodeDriver, type NodeDriverKind } from '../../workers/node/driver-choice';
import { repoRoot, tempDir } from '../helpers/paths';
import { runProcess } from '../helpers/process';

/**
 * `assay query` prints DATE, TIMESTAMP (any unit), TIMESTAMPTZ and TIME values as DuckDB prints
 * them, not as the epoch milliseconds Arrow JS hands out: the same text as `--out x.csv`.
 */
const KINDS: NodeDriverKind[] = ['wasm', 'native'];
const dir = tempDir('cli-query-temporal');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Values with the edges that go wrong: micro- and nanoseconds, before 1970, BC, year 10000+, ±infinity, NULL. */
const VALUES: Array<[type: string, literal: string]> = [
  ['DATE', "'2024-01-10'"],
  ['DATE', "'1969-12-31'"],
  ['DATE', "'2000-02-29'"],
  ['DATE', "'-0044-03-15'"],
  ['DATE', "'0000-03-01'"],
  ['DATE', "'12345-06-07'"],
  ['DATE', "'infinity'"],
  ['DATE', "'-infinity'"],
  ['DATE', 'NULL'],
  ['TIMESTAMP', "'2024-01-10 10:00:00'"],
  ['TIMESTAMP', "'2024-01-10 10:00:00.123456'"],
  ['TIMESTAMP', "'2024-01-10 10:00:00.120000'"],
  ['TIMESTAMP', "'1969-12-31 23:59:59.999999'"],
  ['TIMESTAMP', "'1900-03-01 00:00:00.000001'"],
  ['TIMESTAMP', "'-0044-03-15 01:02:03'"],
  ['TIMESTAMP', "'294246-01-10 04:00:54.775806'"],
  ['TIMESTAMP', "'infinity'"],
  ['TIMESTAMP', "'-infinity'"],
  ['TIMESTAMP_S', "'2024-01-10 10:00:07'"],
  ['TIMESTAMP_MS', "'2024-01-10 10:00:00.12'"],
  ['TIMESTAMP_NS', "'2024-01-10 10:00:00.123456789'"],
  ['TIMESTAMP_NS', "'1969-12-31 23:59:59.999999999'"],
  ['TIMESTAMPTZ', "'2024-01-10 10:00:00.5+00'"],
  ['TIMESTAMPTZ', "'2024-01-10 23:30:00-05'"],
  ['TIMESTAMPTZ', "'infinity'"],
  ['TIME', "'01:02:03.25'"],
  ['TIME', "'23:59:59.999999'"],
  ['TIME', "'00:00:00'"],
];

describe('temporal cell text', () => {
  const drivers = new Map<NodeDriverKind, DuckDriver>();
  beforeAll(async () => {
    for (const kind of KINDS) drivers.set(kind, await openNodeDriver(kind));
  }, 60_000);
  afterAll(async () => {
    for (const d of drivers.values()) await d.close();
  });

  it.each(KINDS)('on %s: every value reads as DuckDB casts it to text (TIMESTAMPTZ in UTC with +00)', async (kind) => {
    const driver = drivers.get(kind) as DuckDriver;
    for (const [type, literal] of VALUES) {
      const value = `CAST(${literal} AS ${type})`;
      const table = await driver.query(`SELECT ${value} AS v, ${temporalText(type === 'TIMESTAMPTZ' ? 'TIMESTAMP WITH TIME ZONE' : type, value)} AS text`);
      const { rows } = arrowToRows(table);
      const [shown, expected] = rows[0] ?? [];
      expect(shown, `${type} ${literal}`).toBe(expected === 'NULL' ? 'NULL' : expected);
    }
  });

  it('knows the calendar without Date: leap days, BC years, far years', () => {
    expect(civilFromDays(0)).toEqual({ year: 1970, month: 1, day: 1 });
    expect(civilFromDays(-1)).toEqual({ year: 1969, month: 12, day: 31 });
    expect(civilFromDays(11_016)).toEqual({ year: 2000, month: 2, day: 29 });
    // Every day of 1600–2400 against the platform's calendar.
    for (let days = -135_140; days <= 157_000; days += 37) {
      const d = new Date(days * 86_400_000);
      expect(civilFromDays(days), String(days)).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    }
    expect(dateText(-719_528)).toBe('0001-01-01 (BC)');
    expect(timestampText(-1n, 1_000_000n, false)).toBe('1969-12-31 23:59:59.999999');
    expect(timestampText(1_704_880_800_000_000n, 1_000_000n, true)).toBe('2024-01-10 10:00:00+00');
  });
});

describe('assay query prints dates as dates', { timeout: 240_000 }, () => {
  it.each(KINDS)('with ASSAY_DUCKDB=%s: DATE, TIMESTAMP with microseconds, TIMESTAMPTZ; the same text as --out csv', async (kind) => {
    const file = path.join(dir, `events_${kind}.csv`);
    fs.writeFileSync(file, 'id,visit_day,seen_at\n1,2024-01-10,2024-01-10 10:00:00.123456\n2,1969-12-31,1969-12-31 23:59:59.5\n');
    const sql = "SELECT id, visit_day, seen_at, CAST(seen_at AS TIMESTAMP) + INTERVAL 1 HOUR AS later, CASE WHEN id = 1 THEN TIMESTAMPTZ '2024-01-11 10:00:00+00' ELSE TIMESTAMPTZ '2024-01-12 05:00:00-05' END AS instant FROM events_" + kind + ' ORDER BY id';
    const env = { ...process.env, ASSAY_DUCKDB: kind, ASSAY_CLI_FROM_SOURCE: '1' };
    const run = (...extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), 'query', file, '--sql', sql, ...extra], { env, timeoutMs: 120_000 });
    const csvOut = path.join(dir, `out_${kind}.csv`);
    const [printed, written] = await Promise.all([run(), run('--out', csvOut)]);
    expect(printed.stderr).toBe('');
    expect(printed.code).toBe(0);
    expect(written.code).toBe(0);
    const lines = printed.stdout.split('\n');
    const cells = (line: string | undefined): string[] => (line ?? '').split('│').map((c) => c.trim());
    expect(cells(lines[0])).toEqual(['id', 'visit_day', 'seen_at', 'later', 'instant']);
    expect(cells(lines[2])).toEqual(['1', '2024-01-10', '2024-01-10 10:00:00.123456', '2024-01-10 11:00:00.123456', '2024-01-11 10:00:00+00']);
    expect(cells(lines[3])).toEqual(['2', '1969-12-31', '1969-12-31 23:59:59.5', '1970-01-01 00:59:59.5', '2024-01-12 10:00:00+00']);
    expect(printed.stdout).not.toMatch(/\b1704\d{9}\b/);
    // The CSV export writes the same dates and timestamps (TIMESTAMPTZ aside: DuckDB writes it in the session's zone).
    const csvRows = fs.readFileSync(csvOut, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 4));
    expect(csvRows).toEqual([cells(lines[2]).slice(0, 4), cells(lines[3]).slice(0, 4)]);
  });
});
