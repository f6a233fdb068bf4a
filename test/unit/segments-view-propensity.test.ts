/**
 * The Segments view's windowed template and label window (renderer/views/segments): the form gives
 * the engine exactly what the CLI's options give it, bad fields are refused in plain words, the
 * as-of date the view fills in is the engine's own default, and a built labelled table is handed
 * to the Models view as a propensity dataset.
 */
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, FeatureForm } from '../../workers/api';
import { parseFeatureSpec } from '../../workers/cli/features';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { builtDatasetOf, builtStatusText, openInModelsRequest } from '../../renderer/views/segments/propensity';
import { addDays, asOfDefaultSql, defaultAsOf, featureParamsFromForm, guessFeatureForm, parseDayCount } from '../../renderer/views/segments/segment-data';
import { emptyFeatureForm, featureFormStateSchema, type FeatureFormState } from '../../renderer/views/segments/types';

const EVENT_COLUMNS: ColumnInfo[] = [
  { name: 'user_id', type: 'BIGINT' },
  { name: 'ts', type: 'TIMESTAMP' },
  { name: 'event_type', type: 'VARCHAR' },
  { name: 'price', type: 'DOUBLE' },
  { name: 'item_id', type: 'VARCHAR' },
] as ColumnInfo[];

/** The view's form as a user fills it for a next-day-purchase dataset. */
function viewForm(change: Partial<FeatureFormState>): FeatureFormState {
  return { ...emptyFeatureForm('events'), template: 'windowed', key: 'user_id', time: 'ts', eventType: 'event_type', value: 'price', ...change };
}

function paramsOf(form: FeatureFormState): FeatureForm {
  const built = featureParamsFromForm(form);
  if (!built.ok) throw new Error(built.problems.join(' '));
  return built.params;
}

function problemsOf(form: FeatureFormState): string {
  const built = featureParamsFromForm(form);
  return built.ok ? '' : built.problems.join(' ');
}

const cli = (spec: string): FeatureForm => ({ ...parseFeatureSpec(spec, undefined, undefined, 'help'), table: 'events' });

describe('the windowed and label fields give the engine what the CLI options give it', () => {
  it('windowed template, windows, --from, item and a 1-day label window', () => {
    const form = viewForm({ item: 'item_id', windows: '1, 3, 7', from: '2025-05-01', labelWindow: '1d', asOf: '2025-06-01' });
    expect(paramsOf(form)).toEqual(cli('windowed --key user_id --time ts --event-type event_type --value price --item item_id --windows 1,3,7 --from 2025-05-01 --label-window 1d --as-of 2025-06-01'));
  });

  it('a label on RFM with chosen label events and stage values; blank windows leave the engine its default', () => {
    const rfm = viewForm({ template: 'rfm', labelWindow: '7', labelEvents: 'cart, fav', stages: { view: '', cart: '', fav: '', purchase: 'buy' }, asOf: '2025-05-25' });
    expect(paramsOf(rfm)).toEqual(cli('rfm --key user_id --time ts --event-type event_type --value price --purchase buy --label-window 7 --label-event cart,fav --as-of 2025-05-25'));
    const plain = paramsOf(viewForm({ asOf: '2025-06-01' }));
    expect(plain.windows).toBeUndefined();
    expect(plain).toEqual(cli('windowed --key user_id --time ts --event-type event_type --value price --as-of 2025-06-01'));
  });

  it('all takes windows when given', () => {
    expect(paramsOf(viewForm({ template: 'all', windows: '30,7', asOf: '2025-06-01' }))).toEqual(cli('all --key user_id --time ts --event-type event_type --value price --windows 30,7 --as-of 2025-06-01'));
  });
});

describe('bad windowed fields are refused in plain words before any job runs', () => {
  it('windows, from, label window and label events', () => {
    const asOf = '2025-06-01';
    expect(problemsOf(viewForm({ asOf, windows: '7, x' }))).toMatch(/The windows must be whole numbers of days from 1 to 3660, separated by commas \(e\.g\. 1, 3, 7, 30\)\./);
    expect(problemsOf(viewForm({ asOf, windows: '0' }))).toMatch(/The windows must be whole numbers/);
    expect(problemsOf(viewForm({ asOf, windows: Array.from({ length: 13 }, (_, i) => i + 1).join(',') }))).toMatch(/At most 12 windows \(got 13\)/);
    expect(problemsOf(viewForm({ asOf, from: '05/01/2025' }))).toMatch(/Write the lower bound \(from\) as YYYY-MM-DD/);
    expect(problemsOf(viewForm({ asOf, labelWindow: '1 week' }))).toMatch(/The label window must be a whole number of days from 1 to 3660, written like 1 or 7d/);
    expect(problemsOf(viewForm({ asOf, labelEvents: 'buy' }))).toMatch(/A label event needs a label window/);
    expect(problemsOf(viewForm({ asOf, labelWindow: '1', labelEvents: 'buy', eventType: '' }))).toMatch(/A label event needs the event type column/);
    // Every problem at once, with the form's other ones.
    expect(problemsOf(viewForm({ asOf: '', windows: 'x', labelWindow: 'y' }))).toMatch(/as-of date[\s\S]*windows[\s\S]*label window/);
  });

  it('day counts read as the CLI reads them', () => {
    expect(['1', '7d', '7 days', '1 day', '3660'].map(parseDayCount)).toEqual([1, 7, 7, 1, 3660]);
    expect(['', '0', '3661', '1.5', '-1', 'd'].map(parseDayCount)).toEqual([null, null, null, null, null, null]);
  });
});

describe('workspace files and guesses', () => {
  it('a workspace saved before the windowed fields existed still reads, with them empty', () => {
    const { windows, from, item, labelWindow, labelEvents, ...old } = emptyFeatureForm('events');
    void [windows, from, item, labelWindow, labelEvents];
    const parsed = featureFormStateSchema.parse({ ...old, template: 'rfm' });
    expect([parsed.windows, parsed.from, parsed.item, parsed.labelWindow, parsed.labelEvents]).toEqual(['', '', '', '', '']);
    expect(featureFormStateSchema.parse({ ...emptyFeatureForm('events'), template: 'windowed' }).template).toBe('windowed');
  });

  it('the item column is guessed from its name', () => {
    expect(guessFeatureForm(emptyFeatureForm('events'), EVENT_COLUMNS).item).toBe('item_id');
    expect(guessFeatureForm(emptyFeatureForm('events'), [{ name: 'StockCode', type: 'VARCHAR' }] as ColumnInfo[]).item).toBe('StockCode');
  });
});

describe('the as-of default the view fills in is the engine default', { timeout: 60_000 }, () => {
  let engine: NodeEngine;
  // The latest event is 2025-06-01 20:00 UTC: the snapshot is 06-02, or 06-03 read 8 hours ahead.
  const csv = ['user_id,ts,event_type,price', '1,2025-05-20 10:00:00,pv,0', '1,2025-05-31 10:00:00,buy,5', '2,2025-05-25 09:00:00,buy,7', '2,2025-06-01 20:00:00,buy,3'].join('\n');
  beforeAll(async () => {
    engine = await createInProcessEngine();
    await engine.client.run('data.open', { source: { kind: 'bytes', name: 'events.csv', bytes: new TextEncoder().encode(csv) }, tableName: 'events' });
  });
  afterAll(async () => {
    await engine.close();
  });

  async function viewSnapshot(offsetHours: number): Promise<string> {
    const result = await engine.client.run('sql.run', { sql: asOfDefaultSql('events', { name: 'ts', type: 'TIMESTAMP' } as ColumnInfo, '', offsetHours), preview: 1 });
    return String(tableFromIPC(result.preview).getChild('as_of')?.get(0));
  }

  it('the snapshot, the snapshot less the label window, and both after a UTC offset; never today', async () => {
    for (const [offset, labelWindow] of [[0, ''], [0, '1d'], [0, '7'], [8, ''], [8, '3d']] as const) {
      const snapshot = await viewSnapshot(offset);
      const shown = defaultAsOf(snapshot, labelWindow);
      const engineForm = paramsOf(viewForm({ asOf: '2000-01-01', labelWindow, utcOffsetHours: offset ? String(offset) : '' }));
      const generated = await engine.client.run('features.generate', { ...engineForm, asOf: '' });
      expect([offset, labelWindow, shown]).toEqual([offset, labelWindow, generated.asOf]);
      expect(generated.asOfBasis).toBe('snapshot');
      // The view's form, with the date it shows, generates exactly the SQL the engine's default does.
      const viewGenerated = await engine.client.run('features.generate', paramsOf(viewForm({ asOf: shown, labelWindow, utcOffsetHours: offset ? String(offset) : '' })));
      expect(viewGenerated.sql).toBe(generated.sql);
    }
    expect(await viewSnapshot(0)).toBe('2025-06-02');
    expect(await viewSnapshot(8)).toBe('2025-06-03');
    expect(defaultAsOf('2025-06-02', '1d')).toBe('2025-06-01');
    expect(defaultAsOf('2025-06-02', 'not days')).toBe('2025-06-02');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('a lower bound with no event before as_of is an empty window, refused in plain words; one event at the bound is enough', async () => {
    const generate = (from: string, asOf: string): Promise<unknown> => engine.client.run('features.generate', paramsOf(viewForm({ asOf, from })));
    // Events on 05-20, 05-25, 05-31 and 06-01: none in [05-26, 05-31).
    await expect(generate('2025-05-26', '2025-05-31')).rejects.toThrow(/No event of "events" falls between the lower bound 2025-05-26 and the as-of date 2025-05-31: every feature window is empty/);
    await expect(generate('2025-05-25', '2025-05-31')).resolves.toMatchObject({ asOf: '2025-05-31' });
    await expect(generate('2025-05-31', '2025-05-31')).rejects.toThrow(/The lower bound --from 2025-05-31 is not before the as-of date 2025-05-31/);
  });

  it('the lower-bound check applies the build\'s filter: an event in the window that the filter drops does not count', async () => {
    const generate = (where: string): Promise<unknown> => engine.client.run('features.generate', paramsOf(viewForm({ asOf: '2025-05-31', from: '2025-05-21', where })));
    // In [05-21, 05-31) only 05-25's buy.
    await expect(generate("event_type = 'pv'")).rejects.toThrow(/No event of "events" that passes the filter falls between the lower bound 2025-05-21 and the as-of date 2025-05-31/);
    await expect(generate("event_type = 'buy'")).resolves.toMatchObject({ asOf: '2025-05-31' });
  });
});

describe('a built table handed on', () => {
  const columns = (names: string[]): ColumnInfo[] => names.map((name) => ({ name, type: 'BIGINT' }) as ColumnInfo);

  it('a labelled table opens in Models with the target label, split by its entity key', () => {
    const built = { name: 'events_windowed', columns: columns(['user_id', 'event_count_1d', 'spend_1d', 'label', 'label_spend']), warnings: [] };
    const dataset = builtDatasetOf(built);
    expect(dataset).toEqual({ name: 'events_windowed', key: 'user_id', labels: ['label', 'label_spend'] });
    expect(openInModelsRequest(dataset)).toEqual({ table: 'events_windowed', target: 'label', keyColumn: 'user_id' });
    expect(builtStatusText(built, dataset, '400 rows × 5 columns in 40 ms')).toBe(
      'Built events_windowed: 400 rows × 5 columns in 40 ms, a propensity dataset with the target label (label_spend, its value, is left out of the features when label is the target). Train a model on it in the Models view; it is also the table to cluster, without the label.',
    );
  });

  it('an unlabelled table opens with no target; a column merely named label_spend is no label', () => {
    const built = { name: 'rfm', columns: columns(['CustomerID', 'recency', 'label_spend']), warnings: ['A warning.'] };
    const dataset = builtDatasetOf(built);
    expect(dataset.labels).toEqual([]);
    expect(openInModelsRequest(dataset)).toEqual({ table: 'rfm', keyColumn: 'CustomerID' });
    expect(builtStatusText(built, dataset, '3 rows')).toBe('Built rfm: 3 rows. It is now the table to cluster. A warning.');
  });
});
