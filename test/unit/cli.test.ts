import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, samples, tempDir, writeFixture } from '../helpers/paths';
import { runProcess } from '../helpers/process';
import { EngineError } from '../../workers/api';
import { formatFailure, takeDebugFlag } from '../../workers/cli/common';

const dir = tempDir('cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI as a subprocess (without blocking this worker's event loop). */
function assay(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { timeoutMs: 120_000 });
}

describe('assay CLI', { timeout: 240_000 }, () => {
  it('prints help for the tool and for each command', async () => {
    const main = await assay('--help');
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/Commands:\n\s+profile FILE/);
    const profile = await assay('profile', '--help');
    expect(profile.code).toBe(0);
    expect(profile.stdout).toMatch(/^Usage: assay profile FILE \[--json\]/);
    expect((await assay('query', '-h')).stdout).toMatch(/--out FILE/);
  });

  it('exits 2 with a clear message on bad arguments', async () => {
    const none = await assay();
    expect(none.code).toBe(2);
    const unknown = await assay('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/);
    const badOption = await assay('query', samples.shoppers, '--sqll', 'x');
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/Unknown option '--sqll'/);
    const noSql = await assay('query', samples.shoppers);
    expect(noSql.code).toBe(2);
    expect(noSql.stderr).toMatch(/needs --sql/);
    const missing = await assay('profile', path.join(dir, 'nope.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/File not found/);
    const badOut = await assay('query', samples.shoppers, '--sql', 'SELECT 1', '--out', path.join(dir, 'x.xlsx'));
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toMatch(/must end in \.csv or \.parquet/);
  });

  it('profiles a file as JSON with exact counts', async () => {
    const r = await assay('profile', samples.shoppers, '--json');
    expect(r.code).toBe(0);
    const profile = JSON.parse(r.stdout) as { rowCount: number; columns: Array<{ name: string; topK: Array<{ value: string; count: number }> | null }> };
    expect(profile.rowCount).toBe(12_330);
    expect(profile.columns).toHaveLength(18);
    expect(profile.columns.find((c) => c.name === 'Revenue')?.topK).toContainEqual({ value: 'true', count: 1_908 });
  });

  it('queries several files as tables and prints a table', async () => {
    const users = writeFixture(dir, 'users.csv', 'id,country\n1,UK\n2,FR\n3,UK\n');
    const orders = writeFixture(dir, 'orders.csv.gz', zlib.gzipSync('id,amount\n1,10\n1,5\n3,7\n'));
    const r = await assay('query', users, orders, '--sql', 'SELECT u.country, sum(o.amount) AS total FROM users u JOIN orders o ON o.id = u.id GROUP BY 1 ORDER BY 1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/country │ total/);
    expect(r.stdout).toMatch(/UK +│ 22/);
    expect(r.stdout).toMatch(/\(1 row;/);
  });

  it('writes CSV and Parquet outputs, and reports SQL errors with exit code 1', async () => {
    const csv = path.join(dir, 'out.csv');
    const w = await assay('query', samples.shoppers, '--sql', 'SELECT Month, count(*) AS n FROM online_shoppers_intention GROUP BY 1 ORDER BY 1', '--out', csv);
    expect(w.code).toBe(0);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('Month,n');
    expect(lines).toHaveLength(11);
    const pq = path.join(dir, 'out.parquet');
    expect((await assay('query', samples.shoppers, '--sql', 'SELECT * FROM online_shoppers_intention', '--out', pq)).code).toBe(0);
    expect(fs.readFileSync(pq).subarray(0, 4).toString()).toBe('PAR1');
    const back = await assay('query', pq, '--sql', 'SELECT count(*) AS n, count(*) FILTER (Revenue) AS r FROM out');
    expect(back.stdout).toMatch(/12330 │ 1908/);
    const bad = await assay('query', samples.shoppers, '--sql', 'SELEC 1');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/syntax error at or near "SELEC" \(line 1, column 1\)/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('assay train / predict', { timeout: 240_000 }, () => {
  it('trains on the bank sample, writes an XGBoost model, prints metrics and the leak warning', async () => {
    const model = path.join(dir, 'bank.json');
    const r = await assay('train', samples.bank, '--target', 'y', '--rounds', '20', '--param', 'max_depth=4', '--param', 'eta=0.3', '--out', model);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { trees: number; roundsTrained: number; bestIteration: number; validation: { auc: number }; label: { positive: string } };
    // Early stopping is on by default: the saved model ends at the best of the 20 rounds, and says so.
    expect(summary.roundsTrained).toBe(20);
    expect(summary.trees).toBe(summary.bestIteration + 1);
    expect(r.stderr).toMatch(new RegExp(`saved model: round ${summary.trees} of 20 trained: the best iteration by validation auc`));
    expect(summary.validation.auc).toBeGreaterThan(0.85);
    expect(summary.label.positive).toBe('true');
    expect(r.stderr).toMatch(/warning: possible leak: "duration"/);
    const doc = JSON.parse(fs.readFileSync(model, 'utf8')) as { learner: { gradient_booster: { model: { trees: unknown[] } } } };
    expect(doc.learner.gradient_booster.model.trees).toHaveLength(summary.trees);

    const preds = path.join(dir, 'preds.csv');
    const p = await assay('predict', model, samples.bank, '--out', preds, '--shap');
    expect(p.code).toBe(0);
    const lines = fs.readFileSync(preds, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4_120);
    const header = (lines[0] as string).split(',');
    expect(header.slice(0, 2)).toEqual(['age', 'job']);
    expect(header).toContain('prediction');
    expect(header.at(-1)).toBe('shap_bias');
    // Input order: the first data row is the first row of the file.
    const firstInput = fs.readFileSync(samples.bank, 'utf8').split('\n')[1] as string;
    expect((lines[1] as string).startsWith(firstInput.split(';')[0] as string)).toBe(true);
    const prob = Number((lines[1] as string).split(',')[header.indexOf('prediction')]);
    expect(prob).toBeGreaterThan(0);
    expect(prob).toBeLessThan(1);
  });

  it('explains bad train arguments with exit code 2 and data problems with exit code 1', async () => {
    expect((await assay('train', samples.bank, '--out', path.join(dir, 'm.json'))).stderr).toMatch(/needs --target/);
    expect((await assay('train', samples.bank, '--target', 'y', '--param', 'eta', '--out', path.join(dir, 'm.json'))).code).toBe(2);
    const bad = await assay('train', samples.bank, '--target', 'y', '--param', 'max_depth=0', '--out', path.join(dir, 'm.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/max_depth must be a whole number from 1 to 30/);
    expect((await assay('predict', path.join(dir, 'missing.json'), samples.bank, '--out', path.join(dir, 'x.csv'))).code).toBe(2);
  });
});

describe('one error formatter: plain words, internals only with --debug', () => {
  it('prints EngineErrors as "error: <message>", DuckDB JSON unwrapped, a hint for internal ones', () => {
    const json = new EngineError('INTERNAL', 'Error: {"exception_type":"Parser","exception_message":"Max expression depth limit of 1000 exceeded."}');
    const plain = formatFailure(json);
    expect(plain.code).toBe(1);
    expect(plain.lines).toEqual(['error: Parser Error: Max expression depth limit of 1000 exceeded.', '(run with --debug for details)']);
    const sql = formatFailure(new EngineError('SQL_ERROR', 'Catalog Error: Table with name x does not exist!\nLINE 1: SELECT * FROM x\n              ^'));
    expect(sql.lines).toEqual(['error: Catalog Error: Table with name x does not exist!']);
    expect(formatFailure(new EngineError('CANCELLED', 'The job was cancelled.')).code).toBe(130);
  });

  it('turns an unexpected failure into one line naming the path, with the stack only under --debug', () => {
    const eisdir = Object.assign(new Error("EISDIR: illegal operation on a directory, open '/tmp/out'"), { code: 'EISDIR', path: '/tmp/out' });
    const plain = formatFailure(eisdir);
    expect(plain.lines).toEqual(['error: unexpected failure: a folder is in the way where a file was expected (/tmp/out)', '(run with --debug for details)']);
    expect(plain.lines.join('\n')).not.toMatch(/\n\s+at |EISDIR/);
    const debug = formatFailure(eisdir, true);
    expect(debug.lines[1]).toMatch(/\n\s+at /);
    expect(takeDebugFlag(['query', 'a.csv', '--debug', '--sql', 'x'])).toEqual({ argv: ['query', 'a.csv', '--sql', 'x'], debug: true });
  });
});
