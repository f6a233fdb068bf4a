import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureForm } from '../../workers/api';
import { createRng } from '../../workers/gbdt/rng';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';

/**
 * Hand-made events where every windowed figure and label is known. as_of is 2025-06-10, so the
 * windows start at 06-09 (1d), 06-07 (3d), 06-03 (7d) and 05-11 (30d), each at midnight.
 */
const EVENTS = [
  'user_id,ts,event_type,price,item_id',
  // a: one event on each side of every window's lower edge.
  'a,2025-06-09 23:59:59,buy,10,i1',
  'a,2025-06-09 00:00:00,pv,0,i2', // exactly as_of - 1d: in the 1d window
  'a,2025-06-08 23:59:59,cart,0,i2', // 1 s before as_of - 1d: 3d only
  'a,2025-06-03 00:00:00,buy,5,i3', // exactly as_of - 7d: in the 7d window
  'a,2025-06-02 23:59:59,buy,7,i3', // 1 s before: 30d only
  'a,2025-06-10 00:00:00,buy,100,i9', // at as_of: no feature, the 1d label
  'a,2025-06-10 23:59:59,pv,0,i9', // in the label window, not a purchase
  'a,2025-06-11 00:00:00,buy,50,i9', // at as_of + 1d: outside the 1d label window
  // b: only an old event before as_of (every window empty), two purchases in the label window.
  'b,2025-05-01 10:00:00,buy,20,i1',
  'b,2025-06-10 12:00:00,buy,30,i1',
  'b,2025-06-10 13:00:00,buy,40,i2',
  // c: events only at or after as_of: not a row.
  'c,2025-06-10 08:00:00,buy,99,i1',
  // d: the 30d window's edge.
  'd,2025-05-20 09:00:00,fav,0,i5',
  'd,2025-05-11 00:00:00,pv,0,i5', // exactly as_of - 30d: in
  'd,2025-05-10 23:59:59,pv,0,i6', // 1 s before: in no window
].join('\n');

let engine: NodeEngine;
beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('data.open', { source: { kind: 'bytes', name: 'events.csv', bytes: new TextEncoder().encode(EVENTS) }, tableName: 'events' });
});
afterAll(async () => {
  await engine.close();
});

async function rows(sql: string): Promise<Array<Record<string, unknown>>> {
  const result = await engine.client.run('sql.run', { sql, preview: 10_000 });
  return tableFromIPC(result.preview).toArray().map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
}

const FORM: FeatureForm = { template: 'windowed', table: 'events', key: 'user_id', time: 'ts', eventType: 'event_type', value: 'price', item: 'item_id', asOf: '2025-06-10' };

/** Builds the form into a table and returns its rows by user, numbers as numbers. */
async function build(form: FeatureForm, table: string): Promise<{ byUser: Map<string, Record<string, number>>; columns: string[]; warnings: string[]; asOf: string }> {
  const generated = await engine.client.run('features.generate', form);
  const built = await engine.client.run('features.build', { sql: generated.sql, outputTable: table, replace: true });
  expect(built.columns.map((c) => c.name)).toEqual(generated.columns);
  const byUser = new Map<string, Record<string, number>>();
  for (const row of await rows(`SELECT * FROM "${table}" ORDER BY user_id`)) {
    const { user_id: user, ...rest } = row;
    byUser.set(String(user), Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, Number(v)])));
  }
  return { byUser, columns: generated.columns, warnings: [...generated.warnings, ...built.warnings], asOf: generated.asOf };
}

describe('windowed features', { timeout: 60_000 }, () => {
  it('count, spend and distinct items per event type over [as_of - N days, as_of), both edges', async () => {
    const { byUser, columns } = await build(FORM, 'win');
    expect(columns.slice(0, 12)).toEqual([
      'user_id', 'view_count_1d', 'cart_count_1d', 'fav_count_1d', 'purchase_count_1d', 'event_count_1d', 'spend_1d',
      'items_1d', 'view_items_1d', 'cart_items_1d', 'fav_items_1d', 'purchase_items_1d',
    ]);
    expect(columns).toContain('spend_30d');
    expect(columns).toContain('items_7d');
    expect([...byUser.keys()]).toEqual(['a', 'b', 'd']); // c has no event before as_of
    const a = byUser.get('a') as Record<string, number>;
    expect([a.view_count_1d, a.cart_count_1d, a.purchase_count_1d, a.event_count_1d, a.spend_1d, a.items_1d, a.purchase_items_1d, a.view_items_1d]).toEqual([1, 0, 1, 2, 10, 2, 1, 1]);
    expect([a.cart_count_3d, a.purchase_count_3d, a.event_count_3d, a.spend_3d, a.items_3d, a.cart_items_3d]).toEqual([1, 1, 3, 10, 2, 1]);
    expect([a.purchase_count_7d, a.event_count_7d, a.spend_7d, a.items_7d, a.purchase_items_7d]).toEqual([2, 4, 15, 3, 2]);
    expect([a.purchase_count_30d, a.event_count_30d, a.spend_30d, a.items_30d, a.purchase_items_30d]).toEqual([3, 5, 22, 3, 2]);
    // b's only event before as_of is older than every window: zeros, not NULL.
    const b = byUser.get('b') as Record<string, number>;
    for (const [name, value] of Object.entries(b)) expect([name, value]).toEqual([name, 0]);
    const d = byUser.get('d') as Record<string, number>;
    expect([d.view_count_30d, d.fav_count_30d, d.event_count_30d, d.items_30d, d.view_items_30d, d.spend_30d]).toEqual([1, 1, 2, 1, 1, 0]);
    expect([d.event_count_7d, d.items_7d]).toEqual([0, 0]);
  });

  it('--windows picks the windows; without an event type every event counts and spend is of every row', async () => {
    const { byUser, columns } = await build({ template: 'windowed', table: 'events', key: 'user_id', time: 'ts', value: 'price', asOf: '2025-06-10', windows: [7, 2] }, 'win_plain');
    expect(columns).toEqual(['user_id', 'event_count_2d', 'spend_2d', 'event_count_7d', 'spend_7d']);
    expect(byUser.get('a')).toEqual({ event_count_2d: 3, spend_2d: 10, event_count_7d: 4, spend_7d: 15 });
  });

  it('--from is a lower bound: an event exactly at it counts, one a second earlier counts nowhere', async () => {
    const { byUser, warnings } = await build({ ...FORM, from: '2025-06-03' }, 'win_from');
    expect([...byUser.keys()]).toEqual(['a']); // b and d have no event from 06-03 on
    const a = byUser.get('a') as Record<string, number>;
    expect([a.purchase_count_7d, a.spend_7d]).toEqual([2, 15]);
    expect([a.purchase_count_30d, a.event_count_30d, a.spend_30d]).toEqual([2, 4, 15]);
    expect(warnings.join('\n')).toMatch(/The 30d window starts before --from 2025-06-03/);
    // the other templates honour it too
    const rfm = await build({ template: 'rfm', table: 'events', key: 'user_id', time: 'ts', eventType: 'event_type', value: 'price', asOf: '2025-06-10', from: '2025-06-03' }, 'rfm_from');
    expect(rfm.byUser.get('a')?.monetary).toBe(15);
  });

  it('all includes the windowed family only when windows are given', async () => {
    const base: FeatureForm = { template: 'all', table: 'events', key: 'user_id', time: 'ts', eventType: 'event_type', value: 'price', asOf: '2025-06-10' };
    const plain = await engine.client.run('features.generate', base);
    expect(plain.columns.some((c) => /_\d+d$/.test(c))).toBe(false);
    expect(plain.step).not.toBeNull();
    const windowed = await engine.client.run('features.generate', { ...base, windows: [7] });
    expect(windowed.columns).toContain('purchase_count_7d');
    expect(windowed.columns).toContain('recency');
    // A labelled training set is not a feature step a pack can carry: said, not silently dropped.
    const labelled = await engine.client.run('features.generate', { ...base, windows: [7], labelWindowDays: 1 });
    expect(labelled.step).toBeNull();
    expect(labelled.stepProblem).toMatch(/label/);
  });

  it('no event at or after as_of affects any feature (leak test)', async () => {
    const rng = createRng(15);
    const users = ['a', 'b', 'c', 'd', 'e'];
    const types = ['pv', 'cart', 'fav', 'buy'];
    const later: string[] = [];
    for (let i = 0; i < 400; i++) {
      const seconds = Math.floor(rng() * 20 * 86_400); // 06-10 00:00:00 .. 06-29
      const ts = new Date(Date.UTC(2025, 5, 10) + seconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
      later.push(`${users[Math.floor(rng() * users.length)]},${ts},${types[Math.floor(rng() * types.length)]},${Math.floor(rng() * 500)},i${Math.floor(rng() * 50)}`);
    }
    await engine.client.run('data.open', { source: { kind: 'bytes', name: 'leaky.csv', bytes: new TextEncoder().encode(`${EVENTS}\n${later.join('\n')}`) }, tableName: 'leaky' });
    const form: FeatureForm = { template: 'all', table: 'events', key: 'user_id', time: 'ts', eventType: 'event_type', value: 'price', item: 'item_id', asOf: '2025-06-10', windows: [1, 3, 7, 30] };
    const clean = await build(form, 'leak_clean');
    const leaky = await build({ ...form, table: 'leaky' }, 'leak_leaky');
    expect(leaky.columns).toEqual(clean.columns);
    expect(leaky.byUser).toEqual(clean.byUser);
  });
});

describe('label builder', { timeout: 60_000 }, () => {
  it('label and label_spend over [as_of, as_of + N days), joined to the features, one row per known entity', async () => {
    const { byUser, columns } = await build({ ...FORM, labelWindowDays: 1 }, 'labelled');
    expect(columns.slice(-2)).toEqual(['label', 'label_spend']);
    expect([...byUser.keys()]).toEqual(['a', 'b', 'd']);
    // a: the purchase at as_of 00:00 is in; the one at as_of + 1d 00:00 is out; the view is no purchase.
    expect([byUser.get('a')?.label, byUser.get('a')?.label_spend]).toEqual([1, 100]);
    expect([byUser.get('b')?.label, byUser.get('b')?.label_spend]).toEqual([1, 70]);
    expect([byUser.get('d')?.label, byUser.get('d')?.label_spend]).toEqual([0, 0]);
    // the features are the unlabelled ones
    const plain = await build(FORM, 'unlabelled');
    for (const [user, features] of plain.byUser) expect({ ...byUser.get(user), label: undefined, label_spend: undefined }).toEqual({ ...features, label: undefined, label_spend: undefined });
  });

  it('--label-event picks the event (stage names or values); a 2-day window reaches the next day', async () => {
    const view = await build({ ...FORM, labelWindowDays: 1, labelEvents: ['view'] }, 'label_view');
    expect([view.byUser.get('a')?.label, view.byUser.get('a')?.label_spend]).toEqual([1, 0]);
    expect(view.byUser.get('b')?.label).toBe(0);
    const two = await build({ ...FORM, labelWindowDays: 2, labelEvents: ['buy'] }, 'label_two');
    expect([two.byUser.get('a')?.label, two.byUser.get('a')?.label_spend]).toEqual([1, 150]);
    // the cleaning filter applies to the label events as to the features
    const cleaned = await build({ ...FORM, labelWindowDays: 1, where: 'price < 60' }, 'label_cleaned');
    expect([cleaned.byUser.get('a')?.label, cleaned.byUser.get('b')?.label, cleaned.byUser.get('b')?.label_spend]).toEqual([0, 1, 70]);
  });

  it('without an as-of date, as_of is the label window before the snapshot', async () => {
    // The latest event is 2025-06-11 00:00:00: snapshot 06-12, so a 1-day label starts 06-11.
    const { asOf, byUser } = await build({ ...FORM, asOf: '', labelWindowDays: 1 }, 'label_default');
    expect(asOf).toBe('2025-06-11');
    expect([byUser.get('a')?.label, byUser.get('a')?.label_spend, byUser.get('c')?.label]).toEqual([1, 50, 0]);
  });

  it('a label window past the last event is refused, naming both dates', async () => {
    const err = await failure(engine.client.run('features.generate', { ...FORM, labelWindowDays: 7 }));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toContain('2025-06-10');
    expect(err.message).toContain('2025-06-11 00:00:00');
    expect(err.message).toMatch(/on or before 2025-06-05/);
    const ok = await engine.client.run('features.generate', { ...FORM, asOf: '2025-06-11', labelWindowDays: 1 });
    expect(ok.asOf).toBe('2025-06-11');
  });

  it('bad input: each a clear error', async () => {
    const cases: Array<[Partial<FeatureForm>, RegExp]> = [
      [{ windows: [0] }, /window must be a whole number of days from 1/],
      [{ windows: [] }, /windows must be a list of day counts/],
      [{ from: '2025-06-10' }, /--from 2025-06-10 is not before the as-of date 2025-06-10/],
      [{ from: '2025-02-30' }, /not a calendar day/],
      [{ item: 'sku' }, /item column "sku" is not in table "events"/],
      [{ labelWindowDays: 0 }, /label window must be a whole number of days/],
      [{ eventType: undefined, template: 'windowed', labelWindowDays: 1, labelEvents: ['buy'] }, /A label event needs an event type column/],
    ];
    for (const [change, message] of cases) {
      const err = await failure(engine.client.run('features.generate', { ...FORM, ...change } as FeatureForm));
      expect(err.message).toMatch(message);
    }
  });
});
