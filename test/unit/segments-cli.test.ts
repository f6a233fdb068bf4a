import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { featuresCommand } from '../../workers/cli/features';
import { samples, tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('segments-cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function features(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await featuresCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Splits one CSV line, honouring quotes. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

const RFM_ARGS = ['--key', 'CustomerID', '--time', 'InvoiceDate', '--order', 'InvoiceNo', '--value', '"Quantity" * "UnitPrice"', '--as-of', '2011-12-10', '--where', `NOT starts_with("InvoiceNo", 'C') AND "Quantity" > 0 AND "UnitPrice" > 0`];

describe('assay features', { timeout: 120_000 }, () => {
  it('prints help and exits 2 with a clear message on bad arguments', async () => {
    const help = await features('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: assay features TEMPLATE FILE --key COL --time COL \[--as-of YYYY-MM-DD\] --out FILE/);
    const cases: Array<[string[], RegExp]> = [
      [[], /needs a TEMPLATE and a FILE/],
      [['cohorts', samples.retail], /Unknown template "cohorts"/],
      [['rfm', samples.retail, ...RFM_ARGS.filter((a, i, all) => a !== '--value' && all[i - 1] !== '--value'), '--out', 'x.csv'], /needs --value EXPR/],
      [['rfm', samples.retail, ...RFM_ARGS, '--as-of', '10/12/2011', '--out', 'x.csv'], /--as-of must be a date written YYYY-MM-DD/],
      [['rfm', samples.retail, ...RFM_ARGS, '--out', 'x.xlsx'], /--out must end in \.csv or \.parquet/],
      [['rfm', samples.retail, ...RFM_ARGS], /needs --out FILE/],
      [['funnel', samples.retail, ...RFM_ARGS, '--out', 'x.csv'], /needs --event-type COL/],
      [['rfm', path.join(dir, 'nope.csv'), ...RFM_ARGS, '--out', 'x.csv'], /File not found/],
      [['rfm', samples.retail, ...RFM_ARGS, '--bogus', '--out', 'x.csv'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = await features(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('writes the Online Retail RFM table as CSV, atomically, with values that match the raw lines', async () => {
    const out = path.join(dir, 'rfm.csv');
    const r = await features('rfm', samples.retail, ...RFM_ARGS, '--out', out);
    expect(r.stderr).toMatch(/^wrote \d+ rows x 8 columns to /);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('CustomerID,recency,frequency,monetary,aov,active_days,tenure_days,event_count');
    // Customer 12350 recomputed from the sample's lines (one invoice on 2011-02-02 16:01).
    const raw = fs.readFileSync(samples.retail, 'utf8').split('\n').slice(1).map(splitCsvLine);
    const mine = raw.filter((c) => c[6] === '12350' && !c[0]?.startsWith('C') && Number(c[3]) > 0 && Number(c[5]) > 0);
    const invoices = new Set(mine.map((c) => c[0]));
    const money = mine.reduce((s, c) => s + Number(c[3]) * Number(c[5]), 0);
    const last = Math.max(...mine.map((c) => Date.parse(`${(c[4] as string).replace(' ', 'T')}Z`)));
    const row = lines.map(splitCsvLine).find((c) => c[0] === '12350');
    expect(Number(row?.[1])).toBe(Math.floor((Date.parse('2011-12-10T00:00:00Z') - last) / 86_400_000));
    expect(Number(row?.[2])).toBe(invoices.size);
    expect(Number(row?.[3])).toBeCloseTo(money, 6);
    const customers = new Set(raw.filter((c) => c[6] && !c[0]?.startsWith('C') && Number(c[3]) > 0 && Number(c[5]) > 0).map((c) => c[6]));
    expect(lines.length - 1).toBe(customers.size);
  });

  it('without --as-of takes the data snapshot (the day after the latest event), never today', async () => {
    const r = await features('rfm', samples.retail, '--key', 'CustomerID', '--time', 'InvoiceDate', '--value', 'Quantity * UnitPrice', '--print-sql');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("as of 2011-12-10: the data's snapshot (the day after the latest event)");
    expect(r.stdout).toContain(`"InvoiceDate" < DATE '2011-12-10'`);
  });

  it('prints the funnel SQL and writes Parquet', async () => {
    const log = writeFixture(dir, 'events.csv', 'user,ts,kind\nu1,2024-01-01 10:00:00,pv\nu1,2024-01-01 10:05:00,cart\nu1,2024-01-01 10:09:00,buy\nu2,2024-01-02 11:00:00,pv\n');
    const out = path.join(dir, 'funnel.parquet');
    const r = await features('funnel', log, '--key', 'user', '--time', 'ts', '--event-type', 'kind', '--as-of', '2024-01-03', '--print-sql', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/count\(\*\) FILTER \(WHERE event_type IN \('buy', 'purchase'\)\) AS "purchase_count"/);
    const bytes = fs.readFileSync(out);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
  });
});
