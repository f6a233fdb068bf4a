import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRule } from '../../workers/tags/evaluate';
import { predict } from '../../workers/gbdt/predict';
import { DIALECTS } from '../../workers/packs/dialects/dialect';
import { packToSql } from '../../workers/packs/dialects/pack-sql';
import { loadTagModel } from '../../workers/packs/dialects/model-sql';
import { segmentMembership } from '../../workers/packs/evaluate';
import { writePack } from '../../workers/packs/io';
import { SQL_DIALECTS, type RulePack, type SqlDialect } from '../../workers/packs/schema';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { COL, SAMPLE_COLUMNS, createTableSql, grammarCompatible, grammarErrors, queryRows, referenceEval, sampleMixedPack, sampleRows, sampleRulePack, type Row } from '../helpers/packs';
import { failure } from '../helpers/engine';

let packs: RulePack[];
let engine: NodeEngine;
const rows = sampleRows(96);

beforeAll(async () => {
  packs = [await sampleRulePack(), await sampleMixedPack()];
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: createTableSql('users "main"', SAMPLE_COLUMNS, rows) });
});
afterAll(async () => {
  await engine.close();
});

describe.each(SQL_DIALECTS.filter((d) => d !== 'duckdb') as Array<Exclude<SqlDialect, 'duckdb'>>)('%s output', (dialect) => {
  it('parses in the dialect grammar for every sample pack; a pasted unescaped quote does not', async () => {
    const sql = packs.map((pack) => grammarCompatible(dialect, packToSql(pack, dialect)));
    const errors = await grammarErrors(dialect, [...sql, `SELECT 'it's' FROM t`]);
    sql.forEach((text, i) => expect(errors[i], text).toEqual([]));
    expect(errors[sql.length]?.length).toBeGreaterThan(0);
  });
});

describe('dialect escaping', () => {
  it('quotes identifiers and strings by construction', () => {
    expect(DIALECTS.spark.string(`a'b\\c`)).toBe(`'a\\'b\\\\c'`);
    expect(DIALECTS.hive.string(`a'b\\c`)).toBe(`'a\\'b\\\\c'`);
    expect(DIALECTS.trino.string(`a'b\\c`)).toBe(`'a''b\\c'`);
    expect(DIALECTS.flink.string(`a'b\\c`)).toBe(`('a''b' || CHR(92) || 'c')`);
    expect(DIALECTS.duckdb.ident('a"b')).toBe('"a""b"');
    expect(DIALECTS.spark.ident('a`b')).toBe('`a``b`');
    expect(packToSql(packs[0] as RulePack, 'flink')).toMatch(/^INSERT INTO `sink`\nSELECT /m);
    expect(packToSql(packs[0] as RulePack, 'flink', { sink: 'tags_out' })).toMatch(/^INSERT INTO `tags_out`/m);
  });

  it('keeps a newline in a name inside the header comment', () => {
    const sql = packToSql(packs[0] as RulePack, 'duckdb');
    expect(sql.split('\n').filter((l) => l.includes('sample'))).toEqual(['-- Assay rule pack "hostile "sample" pack" version 1.0.0']);
  });
});

describe('DuckDB output on the samples', () => {
  it('gives exactly the reference evaluator\'s tags, NULLs and hostile identifiers included', async () => {
    const pack = packs[0] as RulePack;
    const out = await queryRows(engine.client, packToSql(pack, 'duckdb'));
    expect(out).toHaveLength(rows.length);
    const byKey = new Map(out.map((r) => [r[COL.key] as string, r]));
    let fired = 0;
    for (const row of rows) {
      const got = byKey.get(row[COL.key] as string) as Record<string, unknown>;
      const expected = pack.tags.filter((t) => t.kind === 'rule' && referenceEval(t.rule.ast, row) === true).map((t) => t.id);
      fired += expected.length;
      for (const tag of pack.tags) expect(got[tag.id], `${tag.name} on ${JSON.stringify(row)}`).toBe(expected.includes(tag.id));
      expect([...(got.tags as Iterable<string>)]).toEqual(expected);
    }
    // Every tag fires somewhere and misses somewhere, so the comparison means something.
    for (const tag of pack.tags.filter((t) => t.name !== 'eq_null' && t.name !== 'not_in_null')) {
      const count = out.filter((r) => r[tag.id] === true).length;
      expect(count, tag.name).toBeGreaterThan(0);
      expect(count, tag.name).toBeLessThan(rows.length);
    }
    expect(fired).toBeGreaterThan(50);
  });

  it("gives exactly the in-app evaluator's tags (evaluateRule over the same rows as Arrow)", async () => {
    const pack = packs[0] as RulePack;
    const data = await engine.client.run('sql.run', { sql: `SELECT * FROM "users ""main"""`, preview: 100_000 });
    const table = tableFromIPC(data.preview);
    const out = await queryRows(engine.client, packToSql(pack, 'duckdb'));
    const keys = table.getChild(COL.key)?.toArray() as string[];
    expect(keys).toHaveLength(rows.length);
    const byKey = new Map(out.map((r) => [r[COL.key] as string, r]));
    for (const tag of pack.tags) {
      if (tag.kind !== 'rule') continue;
      const fires = evaluateRule(tag.rule.ast, table);
      keys.forEach((key, i) => expect(byKey.get(key)?.[tag.id], `${tag.name} on ${key}`).toBe(fires[i] === 1));
    }
  });


  it('model tags equal the model\'s predictions and segment tags the nearest centroid', async () => {
    const pack = packs[1] as RulePack;
    const out = await queryRows(engine.client, packToSql(pack, 'duckdb'));
    const byKey = new Map(out.map((r) => [r[COL.key] as string, r]));
    const modelTag = pack.tags[1];
    const segmentTag = pack.tags[2];
    if (modelTag?.kind !== 'model' || segmentTag?.kind !== 'segment') throw new Error('fixture');
    const { model } = loadTagModel(modelTag);
    const col = (name: string): Float32Array => Float32Array.from(rows, (r) => (r[name] === null ? Number.NaN : (r[name] as number)));
    const probs = predict(model, [col(COL.spend), col(COL.slash)], rows.length);
    const members = segmentMembership(segmentTag, rows);
    let modelFires = 0;
    rows.forEach((row: Row, i) => {
      const got = byKey.get(row[COL.key] as string) as Record<string, unknown>;
      const fires = (probs[i] as number) >= modelTag.model.threshold;
      modelFires += fires ? 1 : 0;
      expect(got[modelTag.id], `row ${i} p=${probs[i]}`).toBe(fires);
      expect(got[segmentTag.id], `row ${i}`).toBe(members[i] === 1);
    });
    // The rows on split thresholds are decided in float32: a double comparison would differ.
    const doubleSplit = (x: number, t: number): boolean => x < Math.fround(t);
    expect(doubleSplit(510.1, 510.1) && doubleSplit(-0.35, -0.35) && doubleSplit(0.1, 0.1)).toBe(true);
    expect(Math.fround(510.1) < Math.fround(510.1)).toBe(false);
    expect(modelFires).toBeGreaterThan(0);
    expect(modelFires).toBeLessThan(rows.length);
    expect(members.some((m) => m === 1) && members.some((m) => m === 0)).toBe(true);
  });
});

describe('pack jobs on the in-app engine', () => {
  it('pack.read, pack.export, pack.review, pack.apply and pack.validate run through the job protocol', async () => {
    const text = writePack(packs[1] as RulePack);
    const read = await engine.client.run('pack.read', { text });
    expect(read.approval).toBe('unreviewed');
    const exported = await engine.client.run('pack.export', { text, dialect: 'trino' });
    expect(exported.sql).toContain('filter(ARRAY[');
    const reviewed = await engine.client.run('pack.review', { text, by: 'pm', decision: 'approve', note: 'ok' });
    expect(reviewed.approval).toBe('approved');
    const applied = await engine.client.run('pack.apply', { text, into: 'tagged users' });
    expect(applied.rowCount).toBe(rows.length);
    const direct = await queryRows(engine.client, packToSql(packs[1] as RulePack, 'duckdb'));
    for (const tag of (packs[1] as RulePack).tags) expect(applied.counts[tag.id], tag.name).toBe(direct.filter((r) => r[tag.id] === true).length);
    const validation = await engine.client.run('pack.validate', { text });
    expect(validation).toMatchObject({ ok: true, golden: { rows: 0, mismatches: [] } });
    const err = await failure(engine.client.run('pack.export', { text: text.slice(0, 50), dialect: 'spark' }));
    expect(err.code).toBe('BAD_INPUT');
  });
});
