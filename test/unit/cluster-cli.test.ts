/** `assay cluster`: arguments, output rows in input order with `segment`, sweep and report. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTagSetJson } from '../../workers/api';
import { clusterCommand } from '../../workers/cli/cluster';
import { tagsCommand } from '../../workers/cli/tags';
import { tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('cluster-cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function assayCluster(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await clusterCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** 90 customers in three clear groups (rows interleaved), with an id and a text column. */
function customersCsv(): string {
  const lines = ['id,recency,frequency,monetary,country'];
  for (let i = 0; i < 90; i++) {
    const g = i % 3;
    const jitter = ((i * 37) % 11) / 10;
    lines.push(`c${i},${[5, 60, 300][g]! + jitter},${[20, 5, 1][g]! + jitter},${[2000, 300, 40][g]! + jitter * 10},${['UK', 'FR', 'DE'][g]}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('assay cluster', { timeout: 240_000 }, () => {
  const input = writeFixture(dir, 'customers.csv', customersCsv());

  it('prints help and exits 2 on bad arguments', async () => {
    const help = await assayCluster('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: assay cluster FILE \(--features a,b,...\|--all-numeric\) --k N --out FILE/);
    const cases: Array<[string[], RegExp]> = [
      [[input, '--all-numeric', '--out', path.join(dir, 'x.csv')], /needs --k N/],
      [[input, '--all-numeric', '--k', '3'], /needs --out FILE/],
      [[input, '--all-numeric', '--k', 'three', '--out', path.join(dir, 'x.csv')], /--k must be a whole number >= 1/],
      [[input, '--all-numeric', '--k', '0', '--out', path.join(dir, 'x.csv')], /--k must be a whole number >= 1/],
      [[input, '--features', 'recency', '--all-numeric', '--k', '2', '--out', path.join(dir, 'x.csv')], /either --features or --all-numeric/],
      [[input, '--all-numeric', '--k', '2', '--sweep', '5..2', '--out', path.join(dir, 'x.csv')], /--sweep needs 1 <= A <= B/],
      [[input, '--all-numeric', '--k', '2', '--out', path.join(dir, 'x.json')], /--out must end in .csv or .parquet/],
      [[path.join(dir, 'nope.csv'), '--all-numeric', '--k', '2', '--out', path.join(dir, 'x.csv')], /File not found/],
      [[input, '--all-numeric', '--k', '2', '--kk', '3', '--out', path.join(dir, 'x.csv')], /Unknown option '--kk'/],
    ];
    for (const [args, message] of cases) {
      const r = await assayCluster(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('writes one row per input row, in input order, with segment; sweeps and writes a report', async () => {
    const out = path.join(dir, 'segments.csv');
    const report = path.join(dir, 'portrait.json');
    const r = await assayCluster(input, '--features', 'recency,frequency,monetary', '--sweep', '2..5', '--seed', '4', '--out', out, '--report', report);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { k: number; sizes: number[]; sweep: { bestSilhouetteK: number; points: Array<{ k: number }> } };
    expect(summary.k).toBe(3); // chosen by the sweep's silhouette
    expect(summary.sizes).toEqual([30, 30, 30]);
    expect(summary.sweep.points.map((p) => p.k)).toEqual([2, 3, 4, 5]);
    expect(r.stderr).toMatch(/using k = 3/);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,recency,frequency,monetary,country,segment');
    expect(lines).toHaveLength(91);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((c) => c[0])).toEqual(Array.from({ length: 90 }, (_, i) => `c${i}`));
    // Each true group maps to exactly one segment, and different groups to different ones.
    const segmentOfGroup = [0, 1, 2].map((g) => new Set(rows.filter((_, i) => i % 3 === g).map((c) => c[5])));
    expect(segmentOfGroup.every((s) => s.size === 1)).toBe(true);
    expect(new Set(segmentOfGroup.map((s) => [...s][0])).size).toBe(3);
    const doc = JSON.parse(fs.readFileSync(report, 'utf8')) as { segments: Array<{ size: number; centroidOriginal: Record<string, number> }>; metrics: { silhouette: number }; portrait: { cards: unknown[] } | null; preprocessor: { columns: unknown[] } };
    expect(doc.segments.map((s) => s.size)).toEqual([30, 30, 30]);
    expect(doc.metrics.silhouette).toBeGreaterThan(0.8);
    expect(doc.preprocessor.columns).toHaveLength(3);
    expect(doc.portrait?.cards).toHaveLength(3);
    const monetary = doc.segments.map((s) => s.centroidOriginal.monetary ?? 0).sort((a, b) => a - b);
    expect(monetary[2]).toBeGreaterThan(1500);
  });

  it('saves segment tags into a tag set: named by the portraits, replaced on a rerun, evaluable by assay tags eval', async () => {
    const out = path.join(dir, 'tagged.csv');
    const tagsFile = path.join(dir, 'tags.json');
    const args = [input, '--features', 'recency,frequency,monetary', '--k', '3', '--seed', '4', '--out', out, '--tags', tagsFile];
    const first = await assayCluster(...args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/saved 3 segment tags to .*tags\.json \(3 added, 0 replaced\)/);
    const set = parseTagSetJson(fs.readFileSync(tagsFile, 'utf8'));
    expect(set.tags).toHaveLength(3);
    expect(set.tags.every((t) => t.definition.kind === 'segment' && t.status === 'draft' && t.group === 'behaviour')).toBe(true);
    // Portrait names (e.g. "High monetary · Low recency"), not the "Segment i" fallback.
    expect(set.tags.every((t) => !/^Segment \d+$/.test(t.name))).toBe(true);
    const summary = JSON.parse(first.stdout) as { tags: { ref: string; added: string[] } };
    expect(summary.tags.ref).toBe('customers_k3');

    const again = await assayCluster(...args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/\(0 added, 3 replaced\)/);
    const reread = parseTagSetJson(fs.readFileSync(tagsFile, 'utf8'));
    expect(reread.tags.map((t) => t.id)).toEqual(set.tags.map((t) => t.id));
    expect(reread.version).toBe(set.version + 1);

    // Each tag fires on its segment's 30 rows when the tag set is evaluated on the input.
    const evalOut: string[] = [];
    const evalErr: string[] = [];
    const code = await tagsCommand(['eval', tagsFile, input, '--json'], { out: (t) => evalOut.push(t), err: (t) => evalErr.push(t) });
    expect(code, evalErr.join('\n')).toBe(0);
    const evaluated = JSON.parse(evalOut.join('\n')) as { tags: Array<{ metrics: { support: number } }> };
    expect(evaluated.tags.map((t) => t.metrics.support)).toEqual([30, 30, 30]);
  });

  it('leaves a file that is not a tag set untouched, with a plain error', async () => {
    const tagsFile = path.join(dir, 'not-tags.json');
    fs.writeFileSync(tagsFile, '{"schema": "something/else", "tags": []}');
    const r = await assayCluster(input, '--all-numeric', '--k', '2', '--out', path.join(dir, 'z.csv'), '--tags', tagsFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not an Assay tag set/);
    expect(fs.readFileSync(tagsFile, 'utf8')).toBe('{"schema": "something/else", "tags": []}');
    const bad = await assayCluster(input, '--all-numeric', '--k', '2', '--out', path.join(dir, 'z.csv'), '--tag-group', 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/go with --tags/);
  });

  it('exits 1 with the engine message on bad data (k larger than the rows)', async () => {
    const r = await assayCluster(input, '--all-numeric', '--k', '91', '--out', path.join(dir, 'y.parquet'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/k = 91 is more than the 90 rows/);
    expect(fs.existsSync(path.join(dir, 'y.parquet'))).toBe(false);
  });
});
