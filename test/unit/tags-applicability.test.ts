/**
 * Tag sets that mix tables: segment tags fitted on an RFM table beside rule tags written on an
 * orders table. Validation, evaluation and the CLI take the tags a table has the columns for (or
 * a chosen subset), name the rest with the columns they need, and fail in words when none apply.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packCommand } from '../../workers/cli/pack';
import { tagsCommand } from '../../workers/cli/tags';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { applicableTags, missingColumnsReason } from '../../workers/tags/applicability';
import { parseTagSet, ruleDefinition, type Tag, type TagSet } from '../../workers/tags/tag';
import { addSegmentTags } from '../../workers/tags/tag-set-edit';
import { failure } from '../helpers/engine';
import { queryRows } from '../helpers/packs';
import { tempDir, writeFixture } from '../helpers/paths';

let engine: NodeEngine;
let mixed: TagSet;
const dir = tempDir('tags-applicability');

// 200 customers with RFM figures; 300 orders with an amount, a country and a label.
const RFM_SQL = `CREATE OR REPLACE TABLE rfm AS SELECT i AS customer_id, (i * 37) % 365 AS recency, 1 + (i * 13) % 20 AS frequency, ((i * 7919) % 1000) / 4.0 AS monetary FROM range(200) t(i)`;
const ORDERS_SQL = `CREATE OR REPLACE TABLE orders AS SELECT i AS order_id, ((i * 104729) % 1000) / 10.0 AS amount, CASE WHEN i % 3 = 0 THEN 'UK' ELSE 'FR' END AS country, ((i * 104729) % 1000) / 10.0 > 60 AS big FROM range(300) t(i)`;

function ruleTag(id: string, name: string, text: string, table?: string): Tag {
  return parseTag({ id, name, group: 'basic', definition: ruleDefinition(text), ...(table ? { entity: { table } } : {}) });
}

function parseTag(input: unknown): Tag {
  return parseTagSet({ tags: [input] }).tags[0] as Tag;
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: RFM_SQL });
  await engine.client.run('sql.run', { sql: ORDERS_SQL });
  const clustered = await engine.client.run('cluster.run', { source: { table: 'rfm' }, features: ['recency', 'frequency', 'monetary'], k: 3, seed: 1 });
  const segments = await engine.client.run('cluster.tags', { clusterId: clustered.cluster.clusterId, names: { 0: 'Loyal', 1: 'Lapsed', 2: 'New' }, ref: 'rfm_k3' });
  const rules = parseTagSet({ tags: [ruleTag('big', 'Big orders', 'amount > 50', 'orders'), ruleTag('uk', 'UK', "country = 'UK'")] });
  // Through JSON, as a saved tags.json would be.
  mixed = parseTagSet(JSON.parse(JSON.stringify(addSegmentTags(rules, segments, { table: 'rfm' }).set)));
});

afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('which tags apply to a table', () => {
  it('records the table a tag was made on, and older files without it still load', () => {
    expect(mixed.tags.map((t) => t.entity?.table)).toEqual(['orders', undefined, 'rfm', 'rfm', 'rfm']);
    const old = JSON.parse(JSON.stringify(mixed)) as { tags: Array<Record<string, unknown>> };
    for (const t of old.tags) delete t.entity;
    expect(parseTagSet(old).tags).toHaveLength(5);
    expect(() => parseTagSet({ tags: [{ ...old.tags[0], entity: { table: '' } }] })).toThrow(/entity\.table/);
  });

  it('decides by columns (not by the recorded table) and words the reason', () => {
    // A renamed table with the same columns still runs the tag made on "orders".
    const onRenamed = applicableTags(mixed, ['order_id', 'amount', 'country', 'big'], 'orders_2024');
    expect(onRenamed.tags.map((t) => t.name)).toEqual(['Big orders', 'UK']);
    expect(onRenamed.leftOut.map((t) => t.name)).toEqual(['Loyal', 'Lapsed', 'New']);
    expect(onRenamed.leftOut[0]?.reason).toBe('needs columns recency, frequency and monetary, missing in orders_2024 (made on rfm)');
    expect(onRenamed.leftOut[0]?.missingColumns).toEqual(['recency', 'frequency', 'monetary']);
    expect(missingColumnsReason(['recency'], 'orders')).toBe('needs column recency, missing in orders');
    // A subset by name (any case) or id; unknown names are an error listing the tags.
    expect(applicableTags(mixed, ['amount', 'country'], 'orders', ['uk', 'big']).tags.map((t) => t.id)).toEqual(['big', 'uk']);
    expect(() => applicableTags(mixed, ['amount'], 'orders', ['Nope'])).toThrow(/no tag called "Nope" \(its tags: Big orders, UK, Loyal/);
    expect(() => applicableTags(mixed, ['amount'], 'orders', [' '])).toThrow(/Choose at least one tag/);
  });
});

describe('tags.validate and tags.evaluate on a mixed tag set', () => {
  it('validates the rule tags on orders and names the RFM segment tags it left out', async () => {
    const result = await engine.client.run('tags.validate', { tagSet: mixed, source: { table: 'orders' }, target: 'big' });
    expect(result.tags.map((t) => t.name)).toEqual(['Big orders', 'UK']);
    expect(result.leftOut.map((t) => `${t.name}: ${t.reason}`)).toEqual([
      'Loyal: needs columns recency, frequency and monetary, missing in orders (made on rfm)',
      'Lapsed: needs columns recency, frequency and monetary, missing in orders (made on rfm)',
      'New: needs columns recency, frequency and monetary, missing in orders (made on rfm)',
    ]);
    // Tags that were left out keep their status and figures.
    expect(result.tagSet.tags.filter((t) => t.definition.kind === 'segment').every((t) => t.metrics === undefined)).toBe(true);
    expect(result.overlap.names).toEqual(['Big orders', 'UK']);
  });

  it('validates the segment tags on rfm and leaves the order rules out', async () => {
    const result = await engine.client.run('tags.validate', { tagSet: mixed, source: { table: 'rfm' }, split: { kind: 'all' } });
    expect(result.tags.map((t) => t.name)).toEqual(['Loyal', 'Lapsed', 'New']);
    expect(result.tags.reduce((n, t) => n + t.holdout.support, 0)).toBe(200);
    expect(result.leftOut.map((t) => `${t.name}: ${t.reason}`)).toEqual(['Big orders: needs column amount, missing in rfm (made on orders)', 'UK: needs column country, missing in rfm']);
  });

  it('takes a chosen subset, and fails in words when none of the chosen tags applies', async () => {
    const subset = await engine.client.run('tags.validate', { tagSet: mixed, source: { table: 'orders' }, target: 'big', tags: ['UK'] });
    expect(subset.tags.map((t) => t.name)).toEqual(['UK']);
    expect(subset.leftOut).toEqual([]);
    const none = await failure(engine.client.run('tags.validate', { tagSet: mixed, source: { table: 'orders' }, target: 'big', tags: ['Loyal', 'New'] }));
    expect(none.code).toBe('BAD_INPUT');
    expect(none.message).toBe('None of the 2 tags applies to orders: "Loyal" needs columns recency, frequency and monetary; "New" needs columns recency, frequency and monetary. Choose a table with these columns, or the tags made on this one.');
    const unknown = await failure(engine.client.run('tags.validate', { tagSet: mixed, source: { table: 'orders' }, target: 'big', tags: ['Churners'] }));
    expect(unknown.message).toMatch(/no tag called "Churners"/);
  });

  it('tags.evaluate counts the applicable tags and lists the rest', async () => {
    const result = await engine.client.run('tags.evaluate', { tagSet: mixed, source: { table: 'orders' } });
    const [expected] = await queryRows(engine.client, "SELECT count(*) FILTER (WHERE amount > 50) AS big, count(*) FILTER (WHERE country = 'UK') AS uk FROM orders");
    expect(result.tags.map((t) => [t.name, t.count])).toEqual([
      ['Big orders', Number(expected?.big)],
      ['UK', Number(expected?.uk)],
    ]);
    expect(result.leftOut.map((t) => t.name)).toEqual(['Loyal', 'Lapsed', 'New']);
    const onRfm = await engine.client.run('tags.evaluate', { tagSet: mixed, source: { table: 'rfm' }, tags: ['Loyal'] });
    expect(onRfm.tags.map((t) => t.name)).toEqual(['Loyal']);
    expect(onRfm.leftOut).toEqual([]);
  });
});

describe('assay tags eval --tags', { timeout: 60_000 }, () => {
  function capture(): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
  }
  const deps = { startEngine: async (): Promise<NodeEngine> => ({ ...engine, close: async () => undefined }) };

  it('measures the applicable tags, names the left-out ones on stderr, and takes a subset', async () => {
    const tagsFile = writeFixture(dir, 'mixed.json', JSON.stringify(mixed));
    const rows = Array.from({ length: 40 }, (_, i) => `${i},${(i * 37) % 100},${i % 3 === 0 ? 'UK' : 'FR'}`);
    const orders = writeFixture(dir, 'shop_orders.csv', `order_id,amount,country\n${rows.join('\n')}\n`);
    const all = capture();
    expect(await tagsCommand(['eval', tagsFile, orders], all.io, deps)).toBe(0);
    expect(all.out.join('\n')).toMatch(/Big orders/);
    // Each command opens the file again; the shared engine then names the table shop_orders_2 (a warning).
    expect(all.err.filter((l) => l.startsWith('left out:'))).toEqual([
      'left out: Loyal (needs columns recency, frequency and monetary, missing in shop_orders (made on rfm))',
      'left out: Lapsed (needs columns recency, frequency and monetary, missing in shop_orders (made on rfm))',
      'left out: New (needs columns recency, frequency and monetary, missing in shop_orders (made on rfm))',
    ]);
    const one = capture();
    expect(await tagsCommand(['eval', tagsFile, orders, '--tags', 'UK', '--json'], one.io, deps)).toBe(0);
    const json = JSON.parse(one.out.join('\n')) as { tags: Array<{ name: string }>; leftOut: unknown[] };
    expect(json.tags.map((t) => t.name)).toEqual(['UK']);
    expect(json.leftOut).toEqual([]);
    expect(one.err.filter((l) => l.startsWith('left out:'))).toEqual([]);
    const none = capture();
    expect(await tagsCommand(['eval', tagsFile, orders, '--tags', 'Loyal'], none.io, deps)).toBe(1);
    expect(none.err.join('\n')).toMatch(/The tag does not apply to shop_orders_\d: "Loyal" needs columns recency, frequency and monetary/);
    const empty = capture();
    expect(await tagsCommand(['eval', tagsFile, orders, '--tags', ','], empty.io, deps)).toBe(2);
    expect(path.basename(tagsFile)).toBe('mixed.json');
  });
});

describe('pack build on a mixed tag set', { timeout: 120_000 }, () => {
  it('packs the tags the table can run, reports the rest, and takes a subset', async () => {
    const built = await engine.client.run('pack.build', { tagSet: mixed, table: 'orders', key: 'order_id', name: 'orders', version: '1.0.0' });
    expect(built.pack.tags.map((t) => t.name)).toEqual(['Big orders', 'UK']);
    expect(built.leftOut?.map((t) => `${t.name}: ${t.reason}`)).toEqual([
      'Loyal: needs columns recency, frequency and monetary, missing in orders (made on rfm)',
      'Lapsed: needs columns recency, frequency and monetary, missing in orders (made on rfm)',
      'New: needs columns recency, frequency and monetary, missing in orders (made on rfm)',
    ]);
    const segments = await engine.client.run('pack.build', { tagSet: mixed, table: 'rfm', key: 'customer_id', name: 'rfm', version: '1.0.0', tags: ['Loyal', 'New'] });
    expect(segments.pack.tags.map((t) => [t.name, t.kind])).toEqual([
      ['Loyal', 'segment'],
      ['New', 'segment'],
    ]);
    expect(segments.leftOut).toEqual([]);
    const none = await failure(engine.client.run('pack.build', { tagSet: mixed, table: 'rfm', key: 'customer_id', name: 'rfm', version: '1.0.0', tags: ['UK'] }));
    expect(none.message).toBe('The tag does not apply to rfm: "UK" needs column country. Choose a table with these columns, or the tags made on this one.');
  });

  it('assay pack build --tags, with the left-out tags on stderr', async () => {
    const tagsFile = writeFixture(dir, 'mixed-pack.json', JSON.stringify(mixed));
    const rows = Array.from({ length: 40 }, (_, i) => `${i},${(i * 37) % 100},${i % 3 === 0 ? 'UK' : 'FR'}`);
    const orders = writeFixture(dir, 'orders.csv', `order_id,amount,country\n${rows.join('\n')}\n`);
    const err: string[] = [];
    const io = { out: (): void => undefined, err: (t: string) => err.push(t) };
    const pack = path.join(dir, 'orders-pack.json');
    // One run (the command starts its own engine): a chosen subset, one of which the data cannot run.
    expect(await packCommand(['build', tagsFile, '--data', orders, '--key', 'order_id', '--name', 'orders', '--version', '1.0.0', '--tags', 'big,Loyal', '--out', pack], io)).toBe(0);
    expect(err.filter((l) => l.startsWith('left out:'))).toEqual(['left out: Loyal (needs columns recency, frequency and monetary, missing in orders (made on rfm))']);
    expect((JSON.parse(fs.readFileSync(pack, 'utf8')) as { tags: Array<{ name: string }> }).tags.map((t) => t.name)).toEqual(['Big orders']);
  });
});
