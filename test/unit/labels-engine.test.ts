/**
 * Labels jobs through the real engine (DuckDB-WASM in-process) on the seeded synthetic catalogue:
 * train (quality, thresholds, rules, determinism), apply (order, columns, confidence cut-offs),
 * file round trip and refusals, eval, review, corrections, bad input and cancel.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelerFile, LabelerSummary } from '../../workers/api';
import { writeCatalogCsv } from '../../scripts/gen-catalog';
import { LABELER_VERSION } from '../../workers/labels/model-file';
import { parseRule } from '../../workers/tags/parser';
import { ruleToDuckdbSql } from '../../workers/tags/to-sql';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';
import { tempDir, writeFixture } from '../helpers/paths';

let engine: NodeEngine;
let trained: LabelerSummary;
const phases: string[] = [];
const dir = tempDir('labels-engine');

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
  writeCatalogCsv(file, 6000, 11);
  await engine.client.run('data.open', { source: { kind: 'path', path: file } });
  trained = await engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'category', seed: 1 }, { onProgress: (p) => phases.push(p.phase) });
}, 120_000);

afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('labels.train', () => {
  it('learns the catalogue: accuracy, macro-F1, thresholds that hold their precision, coverage at 90/95/99%', () => {
    const r = trained.report;
    expect(r.classes).toBe(12);
    expect(r.rows.total).toBe(6000);
    expect(r.rows.holdout).toBeGreaterThan(1100);
    expect(r.accuracy).toBeGreaterThan(0.93);
    expect(r.macroF1).toBeGreaterThan(0.93);
    expect(r.minPrecision).toBe(0.9);
    expect(r.overall.precision).toBeGreaterThanOrEqual(0.9);
    expect(r.overall.coverage).toBeGreaterThan(0.9);
    expect(Object.keys(r.coverageAt)).toEqual(['0.9', '0.95', '0.99']);
    expect(r.coverageAt['0.9']).toBeGreaterThanOrEqual(r.coverageAt['0.95'] as number);
    expect(r.coverageAt['0.95']).toBeGreaterThanOrEqual(r.coverageAt['0.99'] as number);
    expect(r.curve.length).toBeGreaterThan(10);
    expect(r.temperature).toBeGreaterThan(0);
    for (const label of r.perLabel) {
      expect(label.support, label.label).toBeGreaterThan(0);
      if (label.thresholdFrom === 'own' && label.precision !== null) expect(label.precision, label.label).toBeGreaterThanOrEqual(0.9);
    }
    expect(phases.some((p) => p.startsWith('training: pass'))).toBe(true);
  });

  it('mines keyword rules that reach the precision on held-out rows', () => {
    expect(trained.rules.length).toBeGreaterThan(5);
    for (const rule of trained.rules) {
      expect(rule.holdoutPrecision).toBeGreaterThanOrEqual(0.9);
      expect(rule.holdoutMatches).toBeGreaterThanOrEqual(3);
      expect(trained.classes).toContain(rule.label);
      expect(rule.ruleText).toMatch(/^title CONTAINS (WORD|PHRASE) '/);
    }
    expect(trained.report.rules.holdoutPrecision).toBeGreaterThanOrEqual(0.9);
    expect(trained.report.rules.holdoutMatched).toBeGreaterThan(0.1);
  });

  it('labels by the first keyword rule exactly where its SQL fires (what a rule pack runs)', async () => {
    await engine.client.run('labels.apply', { labelerId: trained.labelerId, source: { table: 'catalog' }, outputTable: 'catalog_rules_check' });
    const first = trained.rules[0] as (typeof trained.rules)[number];
    const bySql = await rows(`SELECT count(*) AS n FROM catalog WHERE ${ruleToDuckdbSql(parseRule(first.ruleText))}`);
    const byLabeler = await rows(`SELECT count(*) AS n FROM catalog_rules_check WHERE label_source = 'rule:${first.id}'`);
    expect(Number(byLabeler[0]?.n)).toBe(Number(bySql[0]?.n));
    expect(Number(bySql[0]?.n)).toBeGreaterThan(0);
  });

  it('is deterministic for a seed', async () => {
    const again = await engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'category', seed: 1 });
    const a = await engine.client.run('labels.export', { labelerId: trained.labelerId });
    const b = await engine.client.run('labels.export', { labelerId: again.labelerId });
    expect(b.weights).toBe(a.weights);
    expect(b.rules).toEqual(a.rules);
    expect(b.thresholds).toEqual(a.thresholds);
  });
});

describe('labels.apply', () => {
  it('writes every input row in input order with its columns, label, confidence and label_source', async () => {
    const result = await engine.client.run('labels.apply', { labelerId: trained.labelerId, source: { table: 'catalog' }, outputTable: 'catalog_labels' });
    expect(result.rows).toBe(6000);
    expect(result.labelled.rules + result.labelled.classifier).toBe(6000);
    expect(result.labelled.rules).toBeGreaterThan(0);
    expect(result.table.columns.map((c) => c.name)).toEqual(['product_id', 'title', 'category', 'label', 'confidence', 'label_source']);
    const out = await rows('SELECT product_id, category, label, confidence, label_source FROM catalog_labels');
    expect(out.map((r) => Number(r.product_id))).toEqual(Array.from({ length: 6000 }, (_, i) => i + 1));
    const right = out.filter((r) => r.label === r.category).length;
    expect(right / out.length).toBeGreaterThan(0.93);
    for (const r of out.slice(0, 200)) {
      expect(typeof r.confidence).toBe('number');
      expect(String(r.label_source)).toMatch(/^(classifier|rule:kw\d+)$/);
    }
  });

  it('leaves the label empty below --min-confidence or below the label threshold', async () => {
    const cut = await engine.client.run('labels.apply', { labelerId: trained.labelerId, source: { table: 'catalog' }, outputTable: 'catalog_cut', minConfidence: 0.99 });
    const out = await rows('SELECT label, confidence, label_source FROM catalog_cut');
    const empty = out.filter((r) => r.label === null);
    expect(empty.length).toBe(cut.unlabelled);
    expect(empty.length).toBeGreaterThan(0);
    for (const r of empty) {
      expect(Number(r.confidence)).toBeLessThan(0.99);
      expect(r.label_source).toBeNull();
    }
    const atPrecision = await engine.client.run('labels.apply', { labelerId: trained.labelerId, source: { sql: 'SELECT * FROM catalog WHERE product_id > 3000' }, outputTable: 'catalog_at_p', precisionThresholds: true });
    expect(atPrecision.rows).toBe(3000);
    expect(atPrecision.unlabelled).toBeGreaterThan(0);
    expect(atPrecision.unlabelled).toBeLessThan(600);
  });

  it('round-trips through the labeler file with identical labels; refuses other kinds and newer versions', async () => {
    const file = await engine.client.run('labels.export', { labelerId: trained.labelerId });
    expect(file.kind).toBe('assay-labeler');
    expect(file.version).toBe(LABELER_VERSION);
    const reloaded = await engine.client.run('labels.load', { file: JSON.parse(JSON.stringify(file)) as unknown });
    expect(reloaded.classes).toEqual(trained.classes);
    await engine.client.run('labels.apply', { labelerId: reloaded.labelerId, source: { table: 'catalog' }, outputTable: 'catalog_reloaded' });
    const diff = await rows('SELECT count(*) AS n FROM catalog_labels a POSITIONAL JOIN catalog_reloaded b WHERE a.label IS DISTINCT FROM b.label OR a.confidence IS DISTINCT FROM b.confidence');
    expect(Number(diff[0]?.n)).toBe(0);
    const newer = await failure(engine.client.run('labels.load', { file: { ...file, version: LABELER_VERSION + 1 } }));
    expect(newer.message).toMatch(/newer Assay \(format version 2; this one reads up to 1\)/);
    const other = await failure(engine.client.run('labels.load', { file: { kind: 'assay-tag-set', tags: [] } }));
    expect(other.message).toMatch(/not an Assay labeler .*"assay-tag-set"/);
    const broken = await failure(engine.client.run('labels.load', { file: { ...file, weights: file.weights.slice(0, 16) } as LabelerFile }));
    expect(broken.message).toMatch(/not a usable labeler file: the weights hold/);
  });
});

describe('labels.eval and labels.review', () => {
  it('evaluates against known labels with coverage at 90/95/99% precision', async () => {
    const e = await engine.client.run('labels.eval', { labelerId: trained.labelerId, source: { table: 'catalog' }, labelColumn: 'category' });
    expect(e.rows).toBe(6000);
    expect(e.accuracy).toBeGreaterThan(0.93);
    expect(e.macroF1).toBeGreaterThan(0.93);
    expect(e.coverageAt['0.9']).toBeGreaterThan(0.9);
    expect(e.atThresholds.precision).toBeGreaterThan(0.9);
    expect(e.unknownLabels).toBe(0);
  });

  it('counts labels the labeler never learnt as wrong', async () => {
    const e = await engine.client.run('labels.eval', { labelerId: trained.labelerId, source: { sql: "SELECT title, 'unheard-of' AS category FROM catalog LIMIT 50" }, labelColumn: 'category' });
    expect(e.unknownLabels).toBe(50);
    expect(e.accuracy).toBe(0);
  });

  it('lists the unlabelled rows, least certain first', async () => {
    const review = await engine.client.run('labels.review', { labelerId: trained.labelerId, source: { table: 'catalog' }, limit: 30 });
    expect(review.total).toBe(6000);
    expect(review.rows.length).toBeGreaterThan(0);
    const margins = review.rows.map((r) => r.confidence - r.secondConfidence);
    expect(margins).toEqual([...margins].sort((a, b) => a - b));
    for (const r of review.rows) expect(r.text.length).toBeGreaterThan(0);
  });

  it('trains on reviewed corrections', async () => {
    const texts = ['zorblax quantum gizmo', 'ZORBLAX gizmo deluxe', 'zorblax gizmo mini'];
    const before = await engine.client.run('labels.review', { labelerId: trained.labelerId, source: { sql: `SELECT 'zorblax gizmo' AS title` }, limit: 5 });
    const corrected = await engine.client.run('labels.train', {
      source: { table: 'catalog' },
      textColumn: 'title',
      labelColumn: 'category',
      seed: 1,
      corrections: texts.map((text) => ({ text, label: 'toys' })),
    });
    expect(corrected.report.warnings.join(' ')).toMatch(/3 reviewed rows added/);
    await engine.client.run('labels.apply', { labelerId: corrected.labelerId, source: { sql: `SELECT 'zorblax gizmo' AS title` }, outputTable: 'zorblax' });
    const out = await rows('SELECT label FROM zorblax');
    expect(out[0]?.label).toBe('toys');
    expect(before.rows[0]?.best === 'toys' && (before.rows[0]?.confidence ?? 0) > 0.5).toBe(false);
  });
});

describe('labels bad input', () => {
  beforeAll(async () => {
    // Hostile labels, blank and very long texts, NULLs; rows interleaved.
    await engine.client.run('sql.run', {
      sql: `CREATE TABLE hostile AS SELECT i AS id,
        CASE WHEN i % 10 = 0 THEN '   ' WHEN i % 10 = 1 THEN NULL WHEN i = 7 THEN repeat('candle mug ', 1000) ELSE (CASE i % 3 WHEN 0 THEN 'red candle ' WHEN 1 THEN 'blue mug ' ELSE 'kite toy ' END) || (i % 17) END AS title,
        CASE i % 3 WHEN 0 THEN 'a"b, c' WHEN 1 THEN 'it''s; DROP TABLE hostile; --' ELSE 'ünï 🎉
line' END AS label
        FROM range(600) t(i)`,
    });
  });

  it('keeps hostile label strings as they are, through training and the output table', async () => {
    const s = await engine.client.run('labels.train', { source: { table: 'hostile' }, textColumn: 'title', labelColumn: 'label' });
    expect([...s.classes].sort()).toEqual(['a"b, c', "it's; DROP TABLE hostile; --", 'ünï 🎉\nline'].sort());
    expect(s.report.warnings.join(' ')).toMatch(/no word in the text/);
    const applied = await engine.client.run('labels.apply', { labelerId: s.labelerId, source: { table: 'hostile' }, outputTable: 'hostile_labels' });
    expect(applied.emptyText).toBe(120);
    const out = await rows('SELECT id, title, label, confidence, label_source FROM hostile_labels');
    expect(out.length).toBe(600);
    for (const r of out) {
      const blank = r.title === null || String(r.title).trim() === '';
      if (blank) expect([r.label, r.confidence, r.label_source]).toEqual([null, null, null]);
      else expect(s.classes).toContain(r.label);
    }
    expect(out[7]?.label).not.toBeNull();
    const exported = await engine.client.run('labels.export', { labelerId: s.labelerId });
    expect(JSON.parse(JSON.stringify(exported.classes))).toEqual(s.classes);
  });

  it('refuses a label column with one class, a missing column, and the same column twice', async () => {
    await engine.client.run('sql.run', { sql: "CREATE TABLE one_class AS SELECT 'title ' || i AS title, 'only' AS label FROM range(50) t(i)" });
    expect((await failure(engine.client.run('labels.train', { source: { table: 'one_class' }, textColumn: 'title', labelColumn: 'label' }))).message).toMatch(
      /same label \("only"\): a classifier needs at least two labels/,
    );
    expect((await failure(engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'name', labelColumn: 'category' }))).message).toMatch(/The text column "name" is not a column/);
    expect((await failure(engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'title' }))).message).toMatch(/different columns/);
    expect((await failure(engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'category', minPrecision: 1.5 }))).message).toMatch(/minimum precision/);
    expect((await failure(engine.client.run('labels.apply', { labelerId: 'labeler_999', source: { table: 'catalog' }, outputTable: 'x' }))).code).toBe('NOT_FOUND');
  });

  it('trains on thousands of labels, and refuses an id column as a label', async () => {
    await engine.client.run('sql.run', { sql: "CREATE TABLE many AS SELECT 'item ' || (i % 1000) || ' kind' || (i % 1000) AS title, 'k' || (i % 1000) AS label FROM range(2000) t(i)" });
    const s = await engine.client.run('labels.train', { source: { table: 'many' }, textColumn: 'title', labelColumn: 'label', epochs: 2, keywordRules: false });
    expect(s.classes.length).toBe(1000);
    expect(s.report.perLabel.length).toBe(1000);
    // One training row per label and two epochs: far better than chance (0.001), if far from perfect.
    expect(s.report.accuracy).toBeGreaterThan(0.1);
    await engine.client.run('sql.run', { sql: "CREATE TABLE ids AS SELECT 'item ' || i AS title, 'id' || i AS label FROM range(5001) t(i)" });
    expect((await failure(engine.client.run('labels.train', { source: { table: 'ids' }, textColumn: 'title', labelColumn: 'label' }))).message).toMatch(/5,001 different labels; at most 5,000/);
  }, 60_000);

  it('reads a Latin-1 (non-UTF-8) file: accents folded as in UTF-8', async () => {
    const lines = ['title,label'];
    for (let i = 0; i < 60; i++) lines.push(i % 2 ? `Crème brûlée ${i},dessert` : `Café noir ${i},drink`);
    const file = writeFixture(dir, 'latin1.csv', Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
    const info = await engine.client.run('data.open', { source: { kind: 'path', path: file } });
    expect((info.warnings ?? []).join(' ')).toMatch(/Latin-1/i);
    const s = await engine.client.run('labels.train', { source: { table: info.name }, textColumn: 'title', labelColumn: 'label' });
    expect(s.report.accuracy).toBe(1);
    await engine.client.run('labels.apply', { labelerId: s.labelerId, source: { sql: "SELECT 'CREME BRULEE' AS title UNION ALL SELECT 'cafe' AS title" }, outputTable: 'latin_out' });
    expect((await rows('SELECT label FROM latin_out')).map((r) => r.label)).toEqual(['dessert', 'drink']);
  });

  it('cancels training', async () => {
    const handle = engine.client.start('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'category', epochs: 400 });
    setTimeout(() => handle.cancel(), 300);
    expect((await failure(handle.result)).code).toBe('CANCELLED');
  });
});
