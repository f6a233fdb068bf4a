import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrToSql, md5PrefixSql, type CtrSqlLayout } from '../../workers/ctr/export-sql';
import { levelHash, referenceMargins, referenceProbabilities } from '../../workers/ctr/score-reference';
import type { CtrWeights } from '../../workers/ctr/weights';
import { DIALECTS } from '../../workers/packs/dialects/dialect';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { createRng } from '../../workers/gbdt/rng';
import { fixtureEncoding, fixtureRows, fixtureTableSql, randomWeights, type FixtureRow } from '../helpers/ctr-export-fixtures';
import { baseInput, grammarErrors, queryRows } from '../helpers/packs';
import { writeCtrModel } from '../../workers/ctr/model-file';
import { packToSql } from '../../workers/packs/dialects/pack-sql';
import { finalizePack } from '../../workers/packs/io';

let engine: NodeEngine;
const rows = fixtureRows(400, 7);
const TABLE = 'ctr input';

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: fixtureTableSql(TABLE, rows) });
});
afterAll(async () => {
  await engine.close();
});

/** Relative difference, against 1 for values near 0. */
const relative = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));

async function scoreInDuckdb(weights: CtrWeights, layout: CtrSqlLayout, weightsTable: string): Promise<Array<Record<string, unknown>>> {
  const sql = ctrToSql(weights, 'duckdb', { layout, table: [TABLE], keep: ['id'], margin: true, weightsTable: [weightsTable] });
  expect(sql.layout).toBe(layout);
  if (sql.setup !== '') await engine.client.run('sql.run', { sql: `DROP TABLE IF EXISTS "${weightsTable}"; ${sql.setup}` });
  const out = await queryRows(engine.client, `${sql.query} ORDER BY "id"`);
  expect(out).toHaveLength(rows.length);
  return out;
}

function expectParity(weights: CtrWeights, out: Array<Record<string, unknown>>, inputRows: FixtureRow[]): void {
  const margins = referenceMargins(weights, inputRows);
  const probabilities = referenceProbabilities(weights, inputRows);
  let worst = 0;
  out.forEach((row, i) => {
    worst = Math.max(worst, relative(Number(row.margin), margins[i] as number), relative(Number(row.prediction), probabilities[i] as number));
  });
  expect(worst).toBeLessThanOrEqual(1e-6);
  // The scores vary, so the comparison means something.
  expect(new Set(out.map((r) => Number(r.prediction).toFixed(6))).size).toBeGreaterThan(rows.length / 2);
}

describe('MD5 hashing of levels', () => {
  it('matches node:crypto MD5 on ASCII, Unicode, empty and long texts', () => {
    const random = createRng(3);
    const texts = ['', 'a', 'abc', 'naïve 東京 🚀', 'x'.repeat(55), 'y'.repeat(56), 'z'.repeat(64), 'w'.repeat(1000)];
    for (let i = 0; i < 50; i++) texts.push(String.fromCodePoint(...Array.from({ length: Math.floor(random() * 80) }, () => 32 + Math.floor(random() * 5000))));
    for (const text of texts) expect(levelHash(text), text).toBe(createHash('md5').update(text, 'utf8').digest().readUInt32BE(0));
  });

  it("DuckDB's and Flink's digit-by-digit SQL give the same unsigned 32-bit prefix as the app", async () => {
    const texts = ['abc', '', "it's", 'naïve 東京', 'site-17.example', '0', '12345'];
    const values = texts.map((t) => `(${DIALECTS.duckdb.string(t)})`).join(', ');
    // Flink's form uses only LOCATE/SUBSTR/MD5: DuckDB has the last two, and LOCATE as a macro.
    await engine.client.run('sql.run', { sql: 'CREATE OR REPLACE MACRO locate(needle, haystack) AS instr(haystack, needle)' });
    const out = await queryRows(engine.client, `SELECT t, ${md5PrefixSql('t', DIALECTS.duckdb)} AS duck, ${md5PrefixSql('t', DIALECTS.flink)} AS flink FROM (VALUES ${values}) AS v(t)`);
    for (const row of out) {
      const expected = levelHash(row.t as string);
      expect(Number(row.duck), row.t as string).toBe(expected);
      expect(Number(row.flink), row.t as string).toBe(expected);
    }
  });
});

describe('DuckDB SQL of LR and FM equals the float64 reference on every row', () => {
  for (const kind of ['fm', 'lr'] as const) {
    for (const layout of ['inline', 'tables'] as const) {
      it(`${kind}, ${layout} weights (NULLs, NaN/Inf, unseen levels, hashed text and integers, dates, timestamps)`, async () => {
        const weights = randomWeights(kind, fixtureEncoding(), kind === 'fm' ? 11 : 12, 5);
        expectParity(weights, await scoreInDuckdb(weights, layout, `w_${kind}_${layout}`), rows);
      });
    }
  }

  it('the fixture rows reach every slot kind: NULL, NaN, ±Inf, unseen level, "other" of an empty vocabulary', () => {
    expect(rows.some((r) => r.amount === null)).toBe(true);
    expect(rows.some((r) => Number.isNaN(r.amount))).toBe(true);
    expect(rows.some((r) => r.amount === Number.POSITIVE_INFINITY)).toBe(true);
    expect(rows.some((r) => r.amount === Number.NEGATIVE_INFINITY)).toBe(true);
    expect(rows.some((r) => String(r['color "c"']).startsWith('unseen'))).toBe(true);
    expect(rows.some((r) => r['color "c"'] === "it's")).toBe(true);
    expect(rows.some((r) => r['color "c"'] === 'back\\slash')).toBe(true);
    expect(rows.some((r) => r.empty === 'anything')).toBe(true);
  });

  it('auto layout: inline for a small vocabulary, lookup tables for a large one; both score the same', async () => {
    const small = randomWeights('fm', fixtureEncoding(), 21, 3);
    expect(ctrToSql(small, 'duckdb').layout).toBe('inline');
    const large = randomWeights('fm', fixtureEncoding({ hashBuckets: 5000 }), 22, 3);
    expect(ctrToSql(large, 'duckdb').layout).toBe('tables');
    expectParity(large, await scoreInDuckdb(large, 'tables', 'w_large'), rows);
  });
});

/** A pack of one FM model tag, as the dialect's SQL (with the packs tests' stand-in for Flink's ARRAY[...]). */
async function ctrPackSql(dialect: 'spark' | 'hive' | 'flink' | 'trino', weights: CtrWeights): Promise<string> {
  const meta = { name: 'm', target: 'y', label: { kind: 'binary' as const }, params: {}, backend: null, trainedAt: '2026-01-01T00:00:00Z', bestEpoch: null };
  const input = baseInput('fm pack', [{ kind: 'model', id: 'fm_tag', name: 'fm tag', model: { xgboostJson: writeCtrModel(weights, meta), threshold: 0.5 } }]);
  const sql = packToSql(await finalizePack({ ...input, entity: { table: 'events', key: 'id' } }), dialect);
  return dialect === 'flink' ? sql.replace('ARRAY_REMOVE(ARRAY[', 'ARRAY_REMOVE(ARRAY(').replace(/\n {2}\], CAST\(NULL AS STRING\)\)/, '\n  ), CAST(NULL AS STRING))') : sql;
}

describe('every dialect', () => {
  for (const dialect of ['spark', 'hive', 'flink', 'trino'] as const) {
    it(`${dialect}: the queries, the lookup-table setup and a pack with an FM model tag parse in its grammar`, async () => {
      // Hive and Flink have no exact epoch seconds: their model reads no timestamp.
      const encoding = fixtureEncoding({ timestamps: dialect !== 'hive' && dialect !== 'flink' });
      const fm = randomWeights('fm', encoding, 31, 3);
      const inline = ctrToSql(fm, dialect, { layout: 'inline', table: ['db', 'events'], keep: ['id'] });
      const tables = ctrToSql(fm, dialect, { layout: 'tables', table: ['db', 'events'], keep: ['id'], weightsTable: ['db', 'fm_weights'] });
      const lr = ctrToSql(randomWeights('lr', encoding, 32), dialect, { layout: 'tables', table: ['db', 'events'] });
      const texts = [inline.query, tables.query, ...tables.setup.split(/;\n(?=CREATE|INSERT)/).map((s) => s.replace(/;$/, '')), lr.query];
      // A rule pack with an FM model tag (ctr-export-pack.test.ts checks its tags), in the same parser run.
      texts.push(await ctrPackSql(dialect, randomWeights('fm', fixtureEncoding({ timestamps: dialect === 'spark' || dialect === 'trino', hashBuckets: 2 }), 33, 2)));
      const errors = await grammarErrors(dialect, texts);
      texts.forEach((text, i) => expect(errors[i], text.slice(0, 2000)).toEqual([]));
    });
  }

  it('Hive and Flink refuse a timestamp field in plain words; DeepFM is sent to ONNX', () => {
    const weights = randomWeights('fm', fixtureEncoding(), 41, 3);
    expect(() => ctrToSql(weights, 'hive')).toThrow(/timestamp column "seen", which hive cannot turn into epoch seconds exactly/);
    expect(() => ctrToSql(weights, 'flink')).toThrow(/which flink cannot/);
    expect(() => ctrToSql(randomWeights('deepfm', fixtureEncoding(), 42, 3), 'spark')).toThrow(/DeepFM model has no SQL form .*ONNX/);
  });

  it('refuses weights that do not match their encoding, and a zero std', () => {
    const weights = randomWeights('fm', fixtureEncoding(), 43, 3);
    expect(() => ctrToSql({ ...weights, linear: weights.linear.slice(1) }, 'duckdb')).toThrow(/weights do not match its encoding/);
    const fields = weights.encoding.fields.map((f) => (f.name === 'plain' ? { ...f, std: 0 } : f));
    expect(() => ctrToSql({ ...weights, encoding: { version: 1, fields } }, 'duckdb')).toThrow(/"plain" has mean 0 and std 0/);
  });
});
