/**
 * Keyword rule mining for every class of a label column at once (keyword-mining.ts, the
 * rules.mineKeywords job, `assay rules mine --text`) and hand-written rules from the CLI
 * (`assay tags add`). Data: a seeded synthetic catalogue, Online Retail descriptions from samples/
 * with a label derived by a documented rule, and Instacart products -> department when
 * ../shared/datasets/instacart_sample is present.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tableFromArrays, tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rulesCommand, tagsCommand } from '../../workers/cli/tags';
import { createRng } from '../../workers/gbdt/rng';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { evaluateRule } from '../../workers/tags/evaluate';
import { applyKeywordRules, mineKeywordRules, type KeywordMiningResult } from '../../workers/tags/keyword-mining';
import { parseTagSet } from '../../workers/tags/tag';
import { failure } from '../helpers/engine';
import { samples, sharedDatasets, tempDir, writeFixture } from '../helpers/paths';

const CLASSES: Record<string, string[]> = {
  kitchen: ['mug', 'teapot', 'spoon', 'tea cup', 'cake tin'],
  bags: ['tote', 'lunch bag', 'shopper', 'rucksack'],
  lights: ['candle', 'lantern', 't-light holder', 'fairy lights'],
  garden: ['planter', 'watering can', 'bird feeder', 'seed tin'],
};
const SHARED = ['vintage', 'red', 'white', 'set of 3', 'large', 'small', 'retrospot', 'Ceramic', 'pack of 12'];

/** A seeded catalogue: each row a few shared words around one word of its class (10% noise words from other classes). */
function catalogue(rows: number, seed: number): { texts: string[]; labels: string[] } {
  const rng = createRng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const names = Object.keys(CLASSES);
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < rows; i++) {
    const label = pick(names);
    const own = pick(CLASSES[label] as string[]);
    const noise = rng() < 0.1 ? ` ${pick(CLASSES[pick(names)] as string[])}` : '';
    const text = `${pick(SHARED)} ${rng() < 0.5 ? own.toUpperCase() : own}${noise} ${pick(SHARED)}`;
    texts.push(text);
    labels.push(label);
  }
  return { texts, labels };
}

describe('mineKeywordRules: every class in one pass', () => {
  const { texts, labels } = catalogue(3000, 7);
  let result: KeywordMiningResult;
  beforeAll(async () => {
    result = await mineKeywordRules(texts, labels, { column: 'Description' });
  });

  it('finds the words of each class, with holdout precision, coverage and evidence rows', () => {
    expect(result.classes.map((c) => c.label).sort()).toEqual(Object.keys(CLASSES).sort());
    for (const c of result.classes) {
      expect(c.rules.length, c.label).toBeGreaterThan(0);
      const own = (CLASSES[c.label] as string[]).join(' ').toLowerCase();
      for (const r of c.rules) {
        // Every chosen word or phrase holds a word of the class's own.
        expect(r.text.split(' ').some((w) => own.includes(w)), `${c.label}: ${r.text}`).toBe(true);
        expect(r.outOfBag.precision).toBeGreaterThanOrEqual(0.85);
        expect(r.holdout.precision.value ?? 0).toBeGreaterThan(0.8);
        expect(r.ruleText).toMatch(/^Description CONTAINS (WORD|PHRASE) '/);
        for (const row of r.evidence.right) expect(labels[row]).toBe(c.label);
        for (const row of r.evidence.wrong) expect(labels[row]).not.toBe(c.label);
      }
      expect(c.set?.recall.value ?? 0).toBeGreaterThan(0.5);
    }
    expect(result.overall.precision ?? 0).toBeGreaterThan(0.85);
    expect(result.overall.coverage).toBeGreaterThan(0.6);
    expect(result.rows.holdout).toBeGreaterThan(800);
    // One priority list, highest out-of-bag precision first.
    const precisions = result.rules.map((r) => r.outOfBag.precision);
    expect([...precisions].sort((a, b) => b - a)).toEqual(precisions);
  });

  it('is deterministic for a seed', async () => {
    const again = await mineKeywordRules(texts, labels, { column: 'Description' });
    expect(again.rules.map((r) => `${r.label}:${r.text}`)).toEqual(result.rules.map((r) => `${r.label}:${r.text}`));
  });

  it('applyKeywordRules fires exactly where the rule evaluator (and so the SQL) does, on hostile text', () => {
    const hostile = ['', '   ', null, `${'x'.repeat(9_996)} mug`, 'MUG\n', "it's a 'mug'", '马克杯 mug', 'smug', 'mugs', 'TEA-CUP', 'tea\tcup', '\u0000mug', ...texts.slice(0, 300)];
    const table = tableFromArrays({ Description: hostile });
    const firstRule = applyKeywordRules(result.rules, hostile);
    const fires = result.rules.map((r) => evaluateRule(r.ast, table));
    hostile.forEach((_, i) => {
      const expected = fires.findIndex((f) => f[i] === 1);
      expect(firstRule[i], JSON.stringify(hostile[i])).toBe(expected);
    });
    expect(firstRule[3]).toBeGreaterThanOrEqual(0);
    expect(firstRule.slice(0, 3)).toEqual(Int32Array.from([-1, -1, -1]));
  });

  it('refuses one class, no labels, too many classes and lengths that differ, in words', async () => {
    expect((await failure(mineKeywordRules(['a', 'b'], ['x', 'x'], { column: 'd' }))).message).toMatch(/one class \("x"\); keyword mining needs at least two/);
    expect((await failure(mineKeywordRules(['a', 'b'], [null, null], { column: 'd' }))).message).toMatch(/no values/);
    expect((await failure(mineKeywordRules(['a'], ['x', 'y'], { column: 'd' }))).message).toMatch(/1 texts but 2 labels/);
    const many = Array.from({ length: 60 }, (_, i) => `c${i}`);
    expect((await failure(mineKeywordRules(many, many, { column: 'd', maxClasses: 50 }))).message).toMatch(/more than 50 distinct values; keyword mining takes at most 50 classes/);
    expect((await failure(mineKeywordRules(['a', 'b'], ['x', 'y'], { column: 'd', minPrecision: 2 }))).message).toMatch(/minimum precision/);
  });

  it('lets the event loop run while it mines: an abort from a timer stops it with CANCELLED, and progress comes in between', async () => {
    const big = catalogue(60_000, 11);
    const controller = new AbortController();
    const phases: string[] = [];
    let abortedAt = 0;
    // The timer can only fire if the miner yields; a miner that blocks the thread finishes first.
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 30);
    const err = await failure(mineKeywordRules(big.texts, big.labels, { column: 'd', signal: controller.signal, onProgress: (_, phase) => phases.push(phase) }));
    expect(err.code).toBe('CANCELLED');
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(1_000);
    expect(phases.length).toBeGreaterThan(0);
  });

  it('handles thousands of classes in one pass: rare classes get a note, frequent ones rules', async () => {
    const rng = createRng(3);
    const t: string[] = [];
    const l: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      const c = i < 6_000 ? Math.floor(rng() * 3_000) : 3_000 + (i % 3);
      t.push(`item w${c} common`);
      l.push(`class ${c}`);
    }
    const started = Date.now();
    const r = await mineKeywordRules(t, l, { column: 'd' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.classes.length).toBeGreaterThan(2_500);
    const withRules = r.classes.filter((c) => c.rules.length > 0).map((c) => c.label);
    expect(withRules).toEqual(expect.arrayContaining(['class 3000', 'class 3001', 'class 3002']));
    // A few rare classes reach the minimum support of 5 rows by chance; most do not.
    expect(withRules.length).toBeLessThan(50);
    expect(r.classes.find((c) => c.label === 'class 0')?.note).toMatch(/fewer than the minimum support|no word/);
    expect(r.warnings.join(' ')).toMatch(/classes got no keyword rule/);
  });
});

describe('rules.mineKeywords job and the CLI', () => {
  let engine: NodeEngine;
  const dir = tempDir('tags-keyword');
  const deps = { startEngine: async (): Promise<NodeEngine> => ({ ...engine, close: async () => undefined }) };
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
  };
  /**
   * Online Retail's product type, derived by a documented rule: the last word of Description
   * (upper case letters) where at least 150 rows end in it; other rows have no label.
   */
  const RETAIL_TYPES = `SELECT Description, CASE WHEN count(*) OVER (PARTITION BY w) >= 150 THEN w END AS product_type
    FROM (SELECT Description, NULLIF(regexp_extract(Description, '([A-Z]+)\\s*$', 1), '') AS w FROM online_retail_sample_cust_mod10)`;

  beforeAll(async () => {
    engine = await createInProcessEngine();
    await engine.client.run('data.open', { source: { kind: 'path', path: samples.retail } });
  });
  afterAll(async () => {
    await engine.close();
  });

  it('mines Online Retail product types in one run, each tag recording its class', async () => {
    const r = await engine.client.run('rules.mineKeywords', { source: { sql: RETAIL_TYPES }, text: 'Description', target: 'product_type' });
    const withRules = r.classes.filter((c) => c.rules.length > 0);
    expect(r.classes.length).toBeGreaterThan(15);
    expect(withRules.length).toBeGreaterThan(r.classes.length * 0.7);
    expect(r.overall.precision ?? 0).toBeGreaterThan(0.9);
    expect(r.rows.unlabelled).toBeGreaterThan(0);
    // Where the type's own word is precise, it is chosen ('bag' is not: JUMBO BAG RED RETROSPOT ends in RETROSPOT).
    expect(r.classes.find((c) => c.label === 'DECORATION')?.rules.map((x) => x.keyword)).toContain('decoration');
    expect(r.classes.find((c) => c.label === 'TISSUES')?.rules.map((x) => x.keyword)).toContain('tissues');
    expect(r.tagSet.tags.length).toBe(r.order.length);
    for (const tag of r.tagSet.tags) {
      expect(tag.label?.column).toBe('product_type');
      expect(tag.metrics?.target?.positive).toBe(tag.label?.value);
      expect(tag.definition.kind).toBe('rule');
    }
    // The tags measure the same on the data through tags.validate (the rule evaluator).
    const first = r.classes.flatMap((c) => c.rules)[0];
    const v = await engine.client.run('tags.validate', { tagSet: r.tagSet, source: { sql: `SELECT * FROM (${RETAIL_TYPES}) WHERE product_type IS NOT NULL` }, target: 'product_type', positive: first?.label, split: { kind: 'all' }, tags: [first?.id as string] });
    expect(v.tags[0]?.holdout.support).toBeGreaterThanOrEqual(first?.holdout.support ?? Infinity);
  }, 30_000);

  it('refuses a numeric text column, a missing column and the same column twice', async () => {
    await expect(failure(engine.client.run('rules.mineKeywords', { source: { table: 'online_retail_sample_cust_mod10' }, text: 'Quantity', target: 'Country' }))).resolves.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/"Quantity" is BIGINT; keyword rules need a text column/) });
    await expect(failure(engine.client.run('rules.mineKeywords', { source: { table: 'online_retail_sample_cust_mod10' }, text: 'Descr', target: 'Country' }))).resolves.toMatchObject({ message: expect.stringMatching(/text column "Descr" is not a column/) });
    await expect(failure(engine.client.run('rules.mineKeywords', { source: { table: 'online_retail_sample_cust_mod10' }, text: 'Description', target: 'Description' }))).resolves.toMatchObject({ message: expect.stringMatching(/both the text and the label column/) });
  });

  it('cancels mid-run through the job protocol: CANCELLED within a second of the cancel, and the engine mines again after', async () => {
    // 200,000 rows of five words (three from a 30,000-word vocabulary), 30 classes: seconds of mining.
    const sql = `SELECT 'w' || hash(range * 7) % 30000 || ' w' || hash(range * 11) % 30000 || ' c' || range % 30 || 'x' || hash(range) % 5 || ' w' || hash(range * 13) % 30000 || ' item' AS d,
      'class ' || range % 30 AS l FROM range(200000)`;
    let cancelledIn = '';
    let cancelledAt = 0;
    // The miner's own progress (between 0.1 and 0.9) only arrives while it runs if it yields to the
    // event loop; a miner that blocks the thread delivers nothing until it has finished.
    const handle = engine.client.start(
      'rules.mineKeywords',
      { source: { sql }, text: 'd', target: 'l' },
      {
        onProgress: (p) => {
          if (cancelledAt || p.fraction <= 0.1 || p.fraction >= 0.9) return;
          cancelledIn = p.phase;
          cancelledAt = performance.now();
          handle.cancel();
        },
      },
    );
    await expect(handle.result).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(cancelledIn).toMatch(/words|rules|rows/);
    expect(performance.now() - cancelledAt).toBeLessThan(1_000);
    const after = await engine.client.run('rules.mineKeywords', { source: { sql: `${sql} LIMIT 3000` }, text: 'd', target: 'l' });
    expect(after.classes.length).toBe(30);
  }, 30_000);

  it('keeps hostile labels exact in the tag and readable in its name', async () => {
    const sql = `SELECT CASE WHEN range % 2 = 0 THEN 'red mug ' || range ELSE 'blue bag ' || range END AS d,
      CASE WHEN range % 2 = 0 THEN 'it''s "a"' || chr(10) || 'mug' ELSE 'bag' END AS l FROM range(400)`;
    const r = await engine.client.run('rules.mineKeywords', { source: { sql }, text: 'd', target: 'l' });
    const tag = r.tagSet.tags.find((t) => t.label?.value.includes('\n'));
    expect(tag?.label?.value).toBe('it\'s "a"\nmug');
    expect(tag?.name.startsWith('l = it\'s "a" mug: ')).toBe(true);
  });

  it('assay rules mine --text writes the tag set; assay tags add takes a rule as text', async () => {
    const file = path.join(dir, 'types.json');
    const mine = capture();
    expect(await rulesCommand(['mine', samples.retail, '--target', 'Country', '--text', 'Description', '--min-precision', '0.9', '--out', file], mine.io, deps)).toBe(0);
    expect(mine.out.join('\n')).toMatch(/Keyword rules for Country from Description: \d+ rules for \d+ of \d+ classes/);
    const mined = parseTagSet(JSON.parse(fs.readFileSync(file, 'utf8')));

    const add = capture();
    expect(await tagsCommand(['add', file, '--name', 'Mugs', '--rule', "Description CONTAINS WORD 'mug' AND UnitPrice < 5", '--label', 'kind=mug'], add.io, deps)).toBe(0);
    const after = parseTagSet(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(after.tags.length).toBe(mined.tags.length + 1);
    const added = after.tags.at(-1);
    expect(added?.definition).toMatchObject({ kind: 'rule', text: "Description CONTAINS WORD 'mug' AND UnitPrice < 5" });
    expect(added?.label).toEqual({ column: 'kind', value: 'mug' });
    expect(added?.group).toBe('manual');

    const fresh = path.join(dir, 'new.json');
    expect(await tagsCommand(['add', fresh, '--name', 'Tea cups', '--rule', "Description contains phrase 'tea cup'"], capture().io, deps)).toBe(0);
    expect(parseTagSet(JSON.parse(fs.readFileSync(fresh, 'utf8'))).tags[0]?.definition).toMatchObject({ text: "Description CONTAINS PHRASE 'tea cup'" });

    const bad = capture();
    expect(await tagsCommand(['add', fresh, '--name', 'Broken', '--rule', "Description CONTAINS 'mug'"], bad.io, deps)).toBe(1);
    expect(bad.err.join('\n')).toBe("error: the rule does not parse: expected WORD or PHRASE after CONTAINS, found the string 'mug' at line 1, column 22\n  Description CONTAINS 'mug'\n                       ^");
    const twice = capture();
    expect(await tagsCommand(['add', fresh, '--name', 'tea CUPS', '--rule', "Description CONTAINS WORD 'cup'"], twice.io, deps)).toBe(1);
    expect(twice.err.join('\n')).toMatch(/error: .*(name|Tea cups)/i);
    const usage = capture();
    expect(await tagsCommand(['add', fresh, '--name', 'x'], usage.io, deps)).toBe(2);
    expect(usage.err.join('\n')).toMatch(/tags add needs --rule/);
    expect(await rulesCommand(['mine', samples.retail, '--target', 'Country', '--text', 'Description', '--positive', 'UK', '--out', file], usage.io, deps)).toBe(2);
  }, 30_000);

  it('reads a file that is not UTF-8 as today (Latin-1, with a warning) and mines its accented words', async () => {
    const lines = ['Description,kind'];
    for (let i = 0; i < 60; i++) lines.push(i % 2 === 0 ? `CAF\u00c9 Latte ${i},mug` : `Blue Tote ${i},bag`);
    const file = writeFixture(dir, 'latin1.csv', Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
    const out = path.join(dir, 'latin1-tags.json');
    const run = capture();
    expect(await rulesCommand(['mine', file, '--target', 'kind', '--text', 'Description', '--out', out, '--json'], run.io, deps)).toBe(0);
    expect(run.err.join('\n')).toMatch(/not valid UTF-8; it was decoded as Latin-1/);
    const result = JSON.parse(run.out.join('\n')) as { classes: Array<{ label: string; rules: Array<{ keyword: string }> }> };
    expect(result.classes.find((c) => c.label === 'mug')?.rules.map((r) => r.keyword).join(' ')).toContain('café');
  });

  const instacart = path.join(sharedDatasets, 'instacart_sample');
  const haveInstacart = fs.existsSync(path.join(instacart, 'products.csv')) && fs.existsSync(path.join(instacart, 'departments.csv'));
  it.skipIf(!haveInstacart)('Instacart: all 21 departments from product names in one run (skipped when ../shared/datasets/instacart_sample is absent)', async () => {
    const p = await engine.client.run('data.open', { source: { kind: 'path', path: path.join(instacart, 'products.csv') } });
    const d = await engine.client.run('data.open', { source: { kind: 'path', path: path.join(instacart, 'departments.csv') } });
    const sql = `SELECT product_name, department FROM "${p.name}" JOIN "${d.name}" USING (department_id)`;
    const started = Date.now();
    const r = await engine.client.run('rules.mineKeywords', { source: { sql }, text: 'product_name', target: 'department' });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.classes.length).toBe(21);
    expect(r.classes.filter((c) => c.rules.length > 0).length).toBeGreaterThanOrEqual(15);
    expect(r.overall.precision ?? 0).toBeGreaterThan(0.85);
    expect(r.classes.find((c) => c.label === 'breakfast')?.rules.map((x) => x.keyword)).toContain('cereal');
    const check = tableFromIPC((await engine.client.run('sql.run', { sql: `SELECT count(*)::INTEGER AS n FROM (${sql})` })).preview);
    expect(r.rows.train + r.rows.holdout).toBe(check.getChild('n')?.get(0));
  }, 30_000);
});
