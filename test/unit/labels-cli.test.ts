/**
 * `assay labels train|apply|eval`: help, argument errors, and the whole flow on Online Retail
 * descriptions (samples/); Instacart product names -> departments when ../shared has them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsCommand } from '../../workers/cli/labels';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { samples, sharedDatasets, tempDir, writeFixture } from '../helpers/paths';

const dir = tempDir('labels-cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function assayLabels(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await labelsCommand(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/**
 * Online Retail's distinct descriptions labelled by their product noun (the last word) where it is
 * one of the eight commonest; the other descriptions keep an empty label (to be labelled).
 */
const retailCsv = path.join(dir, 'retail_descriptions.csv');
beforeAll(async () => {
  const engine = await createInProcessEngine();
  try {
    const retail = await engine.client.run('data.open', { source: { kind: 'path', path: samples.retail } });
    await engine.client.run('sql.run', {
      sql: `CREATE TABLE described AS
        WITH d AS (SELECT DISTINCT trim(Description) AS description FROM "${retail.name}" WHERE Description IS NOT NULL AND trim(Description) <> ''),
        w AS (SELECT description, list_last(string_split(description, ' ')) AS noun FROM d),
        top AS (SELECT noun FROM w GROUP BY noun ORDER BY count(*) DESC, noun LIMIT 8)
        SELECT description, CASE WHEN noun IN (SELECT noun FROM top) THEN lower(noun) END AS product_type FROM w ORDER BY description`,
    });
    await engine.client.run('data.export', { from: { table: 'described' }, format: 'csv', path: retailCsv });
  } finally {
    await engine.close();
  }
}, 60_000);

describe('assay labels', { timeout: 240_000 }, () => {
  it('prints help for each command and exits 2 on bad arguments', async () => {
    const top = await assayLabels('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: assay labels <train\|apply\|eval\|review>/);
    for (const [sub, usage] of [
      ['train', /^Usage: assay labels train FILE --text COL --label COL --out LABELER.json/],
      ['apply', /^Usage: assay labels apply LABELER.json FILE --out OUT/],
      ['eval', /^Usage: assay labels eval LABELER.json FILE --label COL/],
      ['review', /^Usage: assay labels review LABELER.json FILE --out REVIEW.csv/],
    ] as const) {
      const help = await assayLabels(sub, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(usage);
    }
    const out = path.join(dir, 'x.json');
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /Unknown labels command "frobnicate"/],
      [['train', retailCsv, '--text', 'description', '--out', out], /needs --text COL, --label COL and --out/],
      [['train', retailCsv, '--text', 'description', '--label', 'product_type', '--out', path.join(dir, 'x.csv')], /--out must name a .json labeler file/],
      [['train', retailCsv, '--text', 'description', '--label', 'product_type', '--out', out, '--holdout', '1.5'], /--holdout must be between 0 and 1/],
      [['train', retailCsv, '--text', 'description', '--label', 'product_type', '--out', out, '--min-precision', '0'], /--min-precision must be above 0/],
      [['train', path.join(dir, 'nope.csv'), '--text', 'a', '--label', 'b', '--out', out], /File not found/],
      [['apply', out, retailCsv], /needs --out FILE/],
      [['apply', out, retailCsv, '--out', path.join(dir, 'o.txt')], /--out must end in .csv or .parquet/],
      [['apply', out, retailCsv, '--out', path.join(dir, 'o.csv'), '--min-confidence', '2'], /--min-confidence must be from 0 to 1/],
      [['eval', out, retailCsv], /needs --label COL/],
    ];
    for (const [args, message] of cases) {
      const r = await assayLabels(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('trains on Online Retail descriptions, applies to every row in order, and evaluates', async () => {
    const labeler = path.join(dir, 'retail.labeler.json');
    const report = path.join(dir, 'retail.report.json');
    const train = await assayLabels('train', retailCsv, '--text', 'description', '--label', 'product_type', '--min-precision', '0.95', '--out', labeler, '--report', report);
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(train.stdout) as { accuracy: number; classes: number; rows: { withoutLabel: number }; coverageAt: Record<string, number>; atThresholds: { precision: number } };
    expect(summary.classes).toBe(8);
    expect(summary.rows.withoutLabel).toBeGreaterThan(1000);
    expect(summary.accuracy).toBeGreaterThan(0.95);
    expect(summary.atThresholds.precision).toBeGreaterThanOrEqual(0.95);
    expect(Object.keys(summary.coverageAt)).toEqual(['0.9', '0.95', '0.99']);
    expect((JSON.parse(fs.readFileSync(report, 'utf8')) as { curve: unknown[] }).curve.length).toBeGreaterThan(5);

    const out = path.join(dir, 'retail_labels.csv');
    const apply = await assayLabels('apply', labeler, retailCsv, '--out', out, '--min-confidence', '0.5');
    expect(apply.code, apply.stderr).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    const input = fs.readFileSync(retailCsv, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('description,product_type,label,confidence,label_source');
    expect(lines.length).toBe(input.length);
    // Input columns unchanged and in input order.
    for (let i = 1; i < input.length; i += 97) expect(lines[i]?.startsWith(input[i] as string), `line ${i}`).toBe(true);

    const evaluation = await assayLabels('eval', labeler, retailCsv, '--label', 'product_type');
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const e = JSON.parse(evaluation.stdout) as { accuracy: number; macroF1: number; coverageAt: Record<string, number>; withoutLabel: number };
    expect(e.accuracy).toBeGreaterThan(0.95);
    expect(e.macroF1).toBeGreaterThan(0.9);
    expect(e.withoutLabel).toBe(summary.rows.withoutLabel);
  });

  it('review loop: the least sure rows to a file, filled in, and trained on with --corrections', async () => {
    const labeler = path.join(dir, 'review.labeler.json');
    expect((await assayLabels('train', retailCsv, '--text', 'description', '--label', 'product_type', '--min-precision', '0.95', '--out', labeler)).code).toBe(0);
    const queue = path.join(dir, 'review.csv');
    const review = await assayLabels('review', labeler, retailCsv, '--out', queue, '--limit', '40');
    expect(review.code, review.stderr).toBe(0);
    const counts = JSON.parse(review.stdout) as { rows: number; unlabelled: number; total: number };
    expect(counts.rows).toBe(40);
    expect(counts.unlabelled).toBeGreaterThan(40);
    expect(counts.total).toBe(fs.readFileSync(retailCsv, 'utf8').trimEnd().split('\n').length - 1);
    expect(review.stderr).toMatch(/wrote 40 rows to review to .*review\.csv; [\d,]+ of [\d,]+ rows are left unlabelled/);
    const engine = await createInProcessEngine();
    let filled: string;
    try {
      const { client } = engine;
      const t = await client.run('data.open', { source: { kind: 'path', path: queue } });
      const input = await client.run('data.open', { source: { kind: 'path', path: retailCsv } });
      // The queue as the Labels view shows it: its rows' texts are the input's, most uncertain first, no label yet.
      const check = await client.run('sql.run', {
        sql: `WITH q AS (SELECT *, confidence - second_confidence AS margin, lag(confidence - second_confidence) OVER () AS previous FROM "${t.name}")
              SELECT count(*) FILTER (WHERE q.text IS DISTINCT FROM i.description) AS wrong_text, count(*) FILTER (WHERE q.label IS NOT NULL) AS labelled,
                count(*) FILTER (WHERE q.margin < q.previous - 1e-4) AS out_of_order
              FROM q JOIN (SELECT row_number() OVER () - 1 AS r, description FROM "${input.name}") i ON i.r = q."row"`,
        preview: 1,
      });
      const { tableFromIPC } = await import('apache-arrow');
      const row = tableFromIPC(check.preview).get(0)?.toJSON() as Record<string, bigint>;
      expect(row).toEqual({ wrong_text: 0n, labelled: 0n, out_of_order: 0n });
      // A reviewer accepts the best label of the first 15 rows and leaves the rest empty.
      await client.run('sql.run', { sql: `CREATE TABLE reviewed AS SELECT * EXCLUDE (rn) REPLACE (CASE WHEN rn <= 15 THEN best END AS label) FROM (SELECT *, row_number() OVER () AS rn FROM "${t.name}")` });
      filled = path.join(dir, 'review_filled.csv');
      await client.run('data.export', { from: { table: 'reviewed' }, format: 'csv', path: filled });
    } finally {
      await engine.close();
    }
    const retrained = await assayLabels('train', retailCsv, '--text', 'description', '--label', 'product_type', '--min-precision', '0.95', '--corrections', filled, '--out', path.join(dir, 'review2.labeler.json'));
    expect(retrained.code, retrained.stderr).toBe(0);
    expect(retrained.stderr).toMatch(/15 reviewed rows from /);
    expect((JSON.parse(retrained.stdout) as { warnings: string[] }).warnings).toContain('15 reviewed rows added to the training rows.');
    // A file without the columns is refused before training, in words.
    const wrong = writeFixture(dir, 'not_review.csv', 'title,kind\nmug,mug\n');
    const refused = await assayLabels('train', retailCsv, '--text', 'description', '--label', 'product_type', '--corrections', wrong, '--out', path.join(dir, 'review3.labeler.json'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not_review\.csv has no "text" or "label" column: corrections need "text" and "label"/);
  });

  it('saves the keyword rules as labelling tags that a rule pack exports as SQL', async () => {
    const tags = path.join(dir, 'retail.tags.json');
    const r = await assayLabels('train', retailCsv, '--text', 'description', '--label', 'product_type', '--out', path.join(dir, 'retail2.json'), '--tags', tags);
    expect(r.code, r.stderr).toBe(0);
    const set = JSON.parse(fs.readFileSync(tags, 'utf8')) as { tags: Array<{ group: string; label?: { column: string; value: string }; definition: { text: string } }> };
    expect(set.tags.length).toBeGreaterThan(3);
    for (const t of set.tags) {
      expect(t.group).toBe('product_type keywords');
      expect(t.label?.column).toBe('product_type');
      expect(t.definition.text).toMatch(/^description CONTAINS (WORD|PHRASE) '/);
    }
    const { packCommand } = await import('../../workers/cli/pack');
    const io = { out: (): void => undefined, err: (): void => undefined };
    const pack = path.join(dir, 'retail.pack.json');
    expect(await packCommand(['build', tags, '--data', retailCsv, '--name', 'retail-types', '--version', '1.0.0', '--out', pack], io)).toBe(0);
    const sql: string[] = [];
    expect(await packCommand(['export', pack, '--target', 'spark'], { out: (t) => sql.push(t), err: () => undefined })).toBe(0);
    expect(sql.join('\n')).toMatch(/description/i);
  });

  it('refuses a file that is not a labeler, in words', async () => {
    const notLabeler = writeFixture(dir, 'tags.json', JSON.stringify({ kind: 'assay-tag-set', tags: [] }));
    const r = await assayLabels('apply', notLabeler, retailCsv, '--out', path.join(dir, 'o.csv'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: This file is not an Assay labeler/);
    const garbage = writeFixture(dir, 'garbage.json', '{not json');
    const g = await assayLabels('eval', garbage, retailCsv, '--label', 'product_type');
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/is not a labeler file: it is not valid JSON/);
  });

  const instacart = path.join(sharedDatasets, 'instacart_sample');
  const hasInstacart = fs.existsSync(path.join(instacart, 'products.csv'));
  it.skipIf(!hasInstacart)('Instacart product names -> departments: accuracy and coverage at 95% precision on held-out rows (skipped without ../shared/datasets/instacart_sample)', async () => {
    const engine = await createInProcessEngine();
    const products = path.join(dir, 'instacart_products.csv');
    try {
      for (const f of ['products.csv', 'departments.csv']) await engine.client.run('data.open', { source: { kind: 'path', path: path.join(instacart, f) } });
      await engine.client.run('sql.run', { sql: 'CREATE TABLE labelled AS SELECT p.product_id, p.product_name, d.department FROM products p JOIN departments d USING (department_id) ORDER BY p.product_id' });
      await engine.client.run('data.export', { from: { table: 'labelled' }, format: 'csv', path: products });
    } finally {
      await engine.close();
    }
    const r = await assayLabels('train', products, '--text', 'product_name', '--label', 'department', '--out', path.join(dir, 'instacart.json'));
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as { accuracy: number; classes: number; coverageAt: Record<string, number> };
    expect(s.classes).toBe(21);
    // scikit-learn's TF-IDF + LogisticRegression (C = 10) on the same split: accuracy 0.850, coverage at 95% precision 0.688
    // (test/bench/labels.ts). The per-row AdaGrad this labeler used before L-BFGS reached 0.844 and 0.670.
    expect(s.accuracy).toBeGreaterThan(0.847);
    expect(s.coverageAt['0.95']).toBeGreaterThanOrEqual(0.685);
  });
});
