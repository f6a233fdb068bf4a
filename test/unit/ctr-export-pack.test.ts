import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCtrModel } from '../../workers/ctr/model-file';
import { referenceProbabilities } from '../../workers/ctr/score-reference';
import type { CtrWeights } from '../../workers/ctr/weights';
import { packToSql } from '../../workers/packs/dialects/pack-sql';
import { finalizePack } from '../../workers/packs/io';
import { packReportHtml } from '../../workers/packs/report';
import type { RulePack } from '../../workers/packs/schema';
import { tagColumns } from '../../workers/packs/service';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { fixtureEncoding, fixtureRows, fixtureTableSql, randomWeights } from '../helpers/ctr-export-fixtures';
import { baseInput, queryRows } from '../helpers/packs';

const TABLE = 'ctr events';
const rows = fixtureRows(300, 29);
let engine: NodeEngine;

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: fixtureTableSql(TABLE, rows) });
});
afterAll(async () => {
  await engine.close();
});

const modelText = (weights: CtrWeights): string =>
  writeCtrModel(weights, { name: 'm', target: 'clicked', label: { kind: 'binary', positive: '1', negative: '0' }, params: {}, backend: null, trainedAt: '2026-01-01T00:00:00Z', bestEpoch: null });

/** The median reference probability: the tag then fires on about half the rows. */
function medianThreshold(weights: CtrWeights): number {
  const p = [...referenceProbabilities(weights, rows)].sort((a, b) => a - b);
  return Math.fround(p[Math.floor(p.length / 2)] as number) + 1e-9;
}

async function ctrPack(models: Array<{ name: string; weights: CtrWeights; threshold: number }>): Promise<RulePack> {
  const input = baseInput(
    'ctr tags',
    models.map((m, i) => ({ kind: 'model' as const, id: `ctr_tag_${i}`, name: m.name, model: { xgboostJson: modelText(m.weights), threshold: m.threshold } })),
  );
  return finalizePack({ ...input, entity: { table: TABLE, key: 'id' } });
}

describe('model tags built on LR and FM models in rule packs', () => {
  it("DuckDB: each tag fires exactly where the reference probability reaches the tag's threshold", async () => {
    const fm = randomWeights('fm', fixtureEncoding(), 91, 4);
    const lr = randomWeights('lr', fixtureEncoding(), 92);
    const pack = await ctrPack([
      { name: 'likely "clicker"', weights: fm, threshold: medianThreshold(fm) },
      { name: 'lr clicker', weights: lr, threshold: medianThreshold(lr) },
    ]);
    const out = await queryRows(engine.client, `SELECT * FROM (${packToSql(pack, 'duckdb', { header: false })}) ORDER BY "id"`);
    expect(out).toHaveLength(rows.length);
    pack.tags.forEach((tag, t) => {
      const weights = t === 0 ? fm : lr;
      const threshold = tag.kind === 'model' ? tag.model.threshold : Number.NaN;
      const expected = Array.from(referenceProbabilities(weights, rows), (p) => p >= threshold);
      const got = out.map((r) => r[tag.id] === true);
      expect(got).toEqual(expected);
      const fired = expected.filter(Boolean).length;
      expect(fired).toBeGreaterThan(rows.length / 3);
      expect(fired).toBeLessThan((rows.length * 2) / 3);
    });
  });

  it('lists the fields as the columns the tag reads', async () => {
    const pack = await ctrPack([{ name: 'fm tag', weights: randomWeights('fm', fixtureEncoding(), 93, 3), threshold: 0.5 }]);
    expect(tagColumns(pack.tags[0] as RulePack['tags'][number])).toEqual(fixtureEncoding().fields.map((f) => f.name));
  });

  it("the pack report names the tag's model as an Assay lr/fm model, not XGBoost JSON", async () => {
    const pack = await ctrPack([{ name: 'fm tag', weights: randomWeights('fm', fixtureEncoding(), 98, 3), threshold: 0.25 }]);
    const html = packReportHtml(pack);
    expect(html).toMatch(/model score &ge; <b>0\.25<\/b> <span class="muted">\(Assay lr\/fm model, [\d,]+ bytes\)/);
    expect(html).not.toContain('XGBoost JSON');
  });

  it('refuses a DeepFM model tag and a timestamp field in Hive, in plain words', async () => {
    const deep = await ctrPack([{ name: 'deep tag', weights: randomWeights('deepfm', fixtureEncoding(), 96, 3), threshold: 0.5 }]);
    expect(() => packToSql(deep, 'duckdb')).toThrow(/Model tag "deep tag" is built on a DeepFM model, which has no SQL form/);
    const fm = await ctrPack([{ name: 'fm tag', weights: randomWeights('fm', fixtureEncoding(), 97, 3), threshold: 0.5 }]);
    expect(() => packToSql(fm, 'hive')).toThrow(/Model tag "fm tag": The model reads timestamp column "seen", which hive cannot/);
  });
});
