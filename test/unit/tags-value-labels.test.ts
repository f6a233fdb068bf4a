/**
 * Labels judged by a value (GMV): labels.eval with a value gives every label its rows' share of the
 * total value, lift and means (rows assigned the label at the labeler's thresholds), equal to the
 * same sums in DuckDB over labels.apply's output at those thresholds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelerSummary } from '../../workers/api';
import { writeCatalogCsv } from '../../scripts/gen-catalog';
import { labelsCommand } from '../../workers/cli/labels';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';
import { tempDir } from '../helpers/paths';

let engine: NodeEngine;
let trained: LabelerSummary;
const dir = tempDir('tags-value-labels');
const PRICED = { sql: 'SELECT *, (product_id * 37) % 200 + 0.5 AS price FROM catalog' };

async function rows(sql: string): Promise<Array<Record<string, unknown>>> {
  const result = await engine.client.run('sql.run', { sql });
  const page = await engine.client.run('sql.fetch', { resultId: result.resultId as string, offset: 0, limit: 100_000 });
  await engine.client.run('sql.release', { resultId: result.resultId as string });
  return tableFromIPC(page.ipc)
    .toArray()
    .map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  const file = path.join(dir, 'catalog.csv');
  writeCatalogCsv(file, 2000, 5);
  await engine.client.run('data.open', { source: { kind: 'path', path: file } });
  trained = await engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'category', seed: 1 });
}, 120_000);

afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('labels.eval with a value', { timeout: 60_000 }, () => {
  it('gives every label its GMV share and lift, equal to DuckDB sums over the labels assigned at the thresholds', async () => {
    const evaluated = await engine.client.run('labels.eval', { labelerId: trained.labelerId, source: PRICED, labelColumn: 'category', value: { expression: 'price' } });
    expect(evaluated.value).toMatchObject({ expression: 'price', per: 'row', entities: 2000 });
    await engine.client.run('labels.apply', { labelerId: trained.labelerId, source: PRICED, outputTable: 'priced_labels', precisionThresholds: true });
    const direct = await rows('SELECT label, CAST(sum(price) AS DOUBLE) AS s, count(*) AS n, CAST(sum(sum(price)) OVER () AS DOUBLE) AS total FROM priced_labels GROUP BY 1');
    const labels = evaluated.value?.labels ?? [];
    expect(labels.map((l) => l.label).sort()).toEqual([...trained.classes].sort());
    for (const l of labels) {
      const d = direct.find((r) => r.label === l.label);
      expect(l.stats.tagged).toBe(Number(d?.n ?? 0));
      if (d) {
        expect(l.stats.share.value).toBeCloseTo(Number(d.s) / Number(d.total), 12);
        expect(l.stats.lift.value).toBeCloseTo(Number(d.s) / Number(d.total) / (Number(d.n) / 2000), 12);
      }
    }
  });

  it('refuses a value that is not numeric', async () => {
    const bad = await failure(engine.client.run('labels.eval', { labelerId: trained.labelerId, source: PRICED, labelColumn: 'category', value: { expression: 'title * 2' } }));
    expect(bad.message).toMatch(/"title" is VARCHAR, not a number/);
  });

  it('assay labels eval --value adds each label\'s GMV share and lift to its JSON', async () => {
    const file = await engine.client.run('labels.export', { labelerId: trained.labelerId });
    const labelerFile = path.join(dir, 'labeler.json');
    fs.writeFileSync(labelerFile, JSON.stringify(file));
    const lines = fs.readFileSync(path.join(dir, 'catalog.csv'), 'utf8').trimEnd().split('\n');
    const priced = path.join(dir, 'priced.csv');
    fs.writeFileSync(priced, [`${lines[0]},price`, ...lines.slice(1).map((l, i) => `${l},${((i + 1) * 37) % 200 + 0.5}`)].join('\n') + '\n');
    const out: string[] = [];
    const err: string[] = [];
    expect(await labelsCommand(['eval', labelerFile, priced, '--label', 'category', '--value', 'price'], { out: (t) => out.push(t), err: (t) => err.push(t) })).toBe(0);
    const json = JSON.parse(out.join('\n')) as { value: { expression: string; labels: Array<{ label: string; share: { value: number }; lift: { value: number; low: number } }> } };
    expect(json.value.expression).toBe('price');
    expect(json.value.labels).toHaveLength(trained.classes.length);
    expect(json.value.labels.reduce((a, l) => a + l.share.value, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(json.value.labels.every((l) => l.lift.low < l.lift.value)).toBe(true);
  });
});
