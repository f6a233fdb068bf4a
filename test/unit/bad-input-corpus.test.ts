import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { writeBadInputCorpus, type BadInputCase } from '../helpers/bad-input';
import { repoRoot, samples, tempDir } from '../helpers/paths';
import { runProcess } from '../helpers/process';

/**
 * Every file of the generated bad-input corpus through what the CLI does with data (load,
 * profile, query, export to CSV and Parquet), in one engine for speed; a few through the real
 * CLI. Whatever the file, the user gets a result or a plain error: never DuckDB's JSON, a
 * stack trace, an "unexpected" failure, or a file loaded as if whole when it is not.
 */
const dir = tempDir('bad-input');
const outDir = path.join(dir, 'out');
fs.mkdirSync(outDir);
let corpus: BadInputCase[] = [];
let engine: NodeEngine;

/** Signs of internals reaching the user. */
const INTERNALS = /exception_type|exception_message|\n\s+at |unexpected error|\/assay-files\/|__assay_/;

beforeAll(async () => {
  corpus = await writeBadInputCorpus(dir);
  engine = await createInProcessEngine();
}, 120_000);
afterAll(async () => {
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function outcome<T>(promise: Promise<T>): Promise<{ ok: T } | { err: EngineError }> {
  try {
    return { ok: await promise };
  } catch (err) {
    expect(err, 'every failure is a typed EngineError').toBeInstanceOf(EngineError);
    const e = err as EngineError;
    expect(e.message).not.toMatch(INTERNALS);
    // INTERNAL is what an unforeseen failure becomes (DuckDB's "Out of Range Error", a bug): never a plain answer.
    expect(e.code, `an unforeseen failure reached the user: ${e.message}`).not.toBe('INTERNAL');
    return { err: e };
  }
}

describe('the bad-input corpus through the engine', { timeout: 180_000 }, () => {
  it('loads what is readable and refuses what is damaged, in plain words, leaving no tables behind', async () => {
    const summary: string[] = [];
    for (const c of corpus) {
      const before = await engine.client.run('data.catalog', {});
      const opened = await outcome(engine.client.run('data.open', { source: { kind: 'path', path: path.join(dir, c.file) } }));
      if (!c.expect.loads) {
        expect('err' in opened, `${c.file} (${c.problem}) must be refused`).toBe(true);
        if (!('err' in opened)) continue;
        expect(opened.err.code, c.file).toBe(c.expect.code);
        expect(opened.err.message, c.file).toMatch(c.expect.message);
        expect(opened.err.message, `${c.file}: the message names the file`).toContain(c.file);
        const after = await engine.client.run('data.catalog', {});
        expect(after.map((t) => t.name), `${c.file}: nothing was loaded`).toEqual(before.map((t) => t.name));
        summary.push(`${c.file}: refused`);
        continue;
      }
      expect('ok' in opened, `${c.file} (${c.problem}) must load: ${'err' in opened ? opened.err.message : ''}`).toBe(true);
      if (!('ok' in opened)) continue;
      const table = opened.ok;
      if (c.expect.rows !== undefined) expect(table.rowCount, c.file).toBe(c.expect.rows);
      if (c.expect.warning) expect((table.warnings ?? []).join('\n'), c.file).toMatch(c.expect.warning);
      for (const warning of table.warnings ?? []) expect(warning).not.toMatch(INTERNALS);

      // Profile: every loaded table has one (wide tables are profiled a chunk of columns at a time).
      const profiled = await outcome(engine.client.run('data.profile', { table: table.name }));
      expect('ok' in profiled, `${c.file}: profile failed: ${'err' in profiled ? `${profiled.err.code}: ${profiled.err.message}` : ''}`).toBe(true);
      if ('ok' in profiled) {
        for (const column of profiled.ok.columns) {
          for (const figure of [column.min, column.max, column.mean, column.std]) {
            if (typeof figure === 'number') expect(Number.isFinite(figure), `${c.file}: ${column.name} has a figure ${figure}`).toBe(true);
          }
        }
      }
      // Query and export: always work on a loaded table.
      const result = await engine.client.run('sql.run', { sql: `SELECT * FROM "${table.name.replaceAll('"', '""')}"`, preview: 5 });
      expect(result.rowCount, c.file).toBe(table.rowCount);
      if (result.resultId && table.columns.length <= 100) {
        const csv = path.join(outDir, `${table.name}.csv`);
        await engine.client.run('data.export', { from: { resultId: result.resultId }, format: 'csv', path: csv });
        expect(fs.existsSync(csv), c.file).toBe(true);
        const parquet = await engine.client.run('data.export', { from: { resultId: result.resultId }, format: 'parquet' });
        expect(parquet.rowCount, c.file).toBe(table.rowCount);
        await engine.client.run('sql.release', { resultId: result.resultId });
      }
      await engine.client.run('data.drop', { table: table.name });
      summary.push(`${c.file}: ${table.rowCount} rows`);
    }
    expect(summary).toHaveLength(corpus.length);
  });

  it('suffixes a second file with the same table name and says so, instead of replacing the first', async () => {
    const first = await engine.client.run('data.open', { source: { kind: 'bytes', name: 'orders.csv', bytes: new TextEncoder().encode('id\n1\n') } });
    const second = await engine.client.run('data.open', { source: { kind: 'bytes', name: 'orders.csv.gz', bytes: new TextEncoder().encode('id\n2\n3\n') } });
    expect([first.name, second.name]).toEqual(['orders', 'orders_2']);
    expect(second.warnings?.join('\n')).toMatch(/A table named "orders" already exists \(from orders\.csv\); orders\.csv\.gz was loaded as "orders_2"/);
    expect((await engine.client.run('data.catalog', {})).find((t) => t.name === 'orders')?.rowCount).toBe(1);
  });
});

/** The real CLI, as a subprocess. */
function assay(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { timeoutMs: 120_000 });
}

const assayTemps = (folder: string): string[] => fs.readdirSync(folder).filter((n) => n.includes('.assay-tmp-'));

describe('the bad-input corpus through the CLI', { timeout: 240_000 }, () => {
  it('refuses damaged files with exit code 1 and one plain line, and profiles a 1000-column file without internals', async () => {
    const runs = await Promise.all([
      assay('query', path.join(dir, 'truncated.csv.gz'), '--sql', 'SELECT count(*) FROM truncated'),
      assay('profile', path.join(dir, 'corrupt-page.parquet')),
      assay('profile', path.join(dir, 'wide-1000.csv')),
    ]);
    const [gz, page, wide] = runs as [(typeof runs)[number], (typeof runs)[number], (typeof runs)[number]];
    expect(gz.code).toBe(1);
    expect(gz.stderr).toMatch(/^error: truncated\.csv\.gz is a damaged or truncated gzip file/);
    expect(page.code).toBe(1);
    expect(page.stderr).toMatch(/^error: corrupt-page\.parquet is damaged: row group 2: column "amount"/);
    expect([0, 1]).toContain(wide.code);
    for (const r of runs) expect(`${r.stdout}\n${r.stderr}`).not.toMatch(INTERNALS);
  });

  it('checks --out before any work: a folder, a missing folder; writes atomically and removes only dead processes\' temps', async () => {
    const input = path.join(dir, 'whole.csv.gz');
    const folder = await assay('query', input, '--sql', 'SELECT 1', '--out', outDir);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`--out: ${outDir} is a folder`);
    const missing = path.join(dir, 'no-such-folder', 'x.csv');
    const noFolder = await assay('query', input, '--sql', 'SELECT 1', '--out', missing);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toContain(`Cannot write ${missing}: the folder ${path.dirname(missing)} does not exist`);
    for (const r of [folder, noFolder]) expect(r.stderr).not.toMatch(/EISDIR|ENOENT|\n\s+at /);

    // A temp left by a killed process (pid gone) is removed by the next write; a live one is kept.
    const target = path.join(outDir, 'atomic.parquet');
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max default: never a live process
    const stale = path.join(outDir, `.atomic.parquet.assay-tmp-${deadPid}-1-aaaaaa`);
    const live = path.join(outDir, `.atomic.parquet.assay-tmp-${process.pid}-1-bbbbbb`);
    fs.writeFileSync(stale, 'left by a killed run');
    fs.writeFileSync(live, 'another run still writing');
    const ok = await assay('query', input, '--sql', 'SELECT * FROM whole', '--out', target);
    expect(ok.code).toBe(0);
    expect(fs.readFileSync(target).subarray(0, 4).toString()).toBe('PAR1');
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    fs.rmSync(live);
    expect(assayTemps(outDir)).toEqual([]);
  });

  it('SIGTERM during query --out keeps the old target and leaves no temp file', async () => {
    const input = path.join(dir, 'whole.csv.gz');
    const folder = tempDir('sigterm');
    const target = path.join(folder, 'big.csv');
    fs.writeFileSync(target, 'old contents\n');
    const child = (await import('node:child_process')).spawn(
      process.execPath,
      [path.join(repoRoot, 'bin', 'assay.mjs'), 'query', input, '--sql', 'SELECT i, i * 2 AS j FROM range(30000000) t(i)', '--out', target],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Wait until the export has started writing its temp file, then terminate.
    const started = Date.now();
    while (assayTemps(folder).length === 0 && Date.now() - started < 90_000) await new Promise((r) => setTimeout(r, 100));
    expect(assayTemps(folder).length).toBe(1);
    child.kill('SIGTERM');
    const code = await exited;
    expect([130, 143]).toContain(code);
    expect(stderr).not.toMatch(INTERNALS);
    expect(fs.readFileSync(target, 'utf8')).toBe('old contents\n');
    expect(assayTemps(folder)).toEqual([]);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});

describe('a real file cut short', { timeout: 60_000 }, () => {
  it('the Online Retail .csv.gz truncated to 60% is refused, not loaded as "malformed rows"', async () => {
    const whole = fs.readFileSync(samples.retailFull);
    const cut = path.join(dir, 'online_retail.csv.gz');
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const r = await outcome(engine.client.run('data.open', { source: { kind: 'path', path: cut } }));
    expect('err' in r && r.err.code).toBe('CORRUPT_FILE');
    expect('err' in r && r.err.message).toMatch(/^online_retail\.csv\.gz is a damaged or truncated gzip file/);
  });
});
