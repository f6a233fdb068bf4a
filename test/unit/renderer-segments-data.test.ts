/**
 * The Segments view's view-model: form text -> engine parameters, column choices, segment names,
 * the workspace state and its schema, and the SQL that saves named segments (run in a real
 * DuckDB-WASM engine, end to end with the feature builder, k-means and the portrait job).
 */
import fs from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, PortraitCard, PortraitFeatureStat } from '../../workers/api';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import {
  defaultClusterFeatures,
  featureOutputName,
  featureParamsFromForm,
  featuresByDistinction,
  formatLift,
  formatZ,
  guessFeatureForm,
  looksLikeId,
  namesFromCards,
  portraitFeatures,
  quoteIdent,
  recordFromRun,
  runParamsFromForm,
  saveSegmentsSql,
  sweepParamsFromForm,
} from '../../renderer/views/segments/segment-data';
import {
  emptyClusterForm,
  emptyFeatureForm,
  emptySegmentsWorkspace,
  removeSegmentation,
  renameSegment,
  segmentsWorkspaceStateSchema,
  upsertSegmentation,
  type SegmentationRecord,
  type SegmentsWorkspaceState,
} from '../../renderer/views/segments/types';
import { parseWorkspace, serializeWorkspace, emptyWorkspace } from '../../renderer/workspace';

const RETAIL_COLUMNS: ColumnInfo[] = [
  { name: 'InvoiceNo', type: 'VARCHAR' },
  { name: 'StockCode', type: 'VARCHAR' },
  { name: 'Description', type: 'VARCHAR' },
  { name: 'Quantity', type: 'BIGINT' },
  { name: 'InvoiceDate', type: 'TIMESTAMP' },
  { name: 'UnitPrice', type: 'DOUBLE' },
  { name: 'CustomerID', type: 'BIGINT' },
  { name: 'Country', type: 'VARCHAR' },
];

describe('feature builder form', () => {
  it('guesses key, time, order and value from Online Retail column names, keeping what is typed', () => {
    const guessed = guessFeatureForm(emptyFeatureForm('online_retail'), RETAIL_COLUMNS);
    expect(guessed).toMatchObject({ key: 'CustomerID', time: 'InvoiceDate', order: 'InvoiceNo', value: '"Quantity" * "UnitPrice"', eventType: '', category: '' });
    const kept = guessFeatureForm({ ...emptyFeatureForm('t'), key: 'Country' }, RETAIL_COLUMNS);
    expect(kept.key).toBe('Country');
  });

  it('turns the form into a FeatureForm and names what is missing', () => {
    const form = { ...emptyFeatureForm('online_retail'), key: 'CustomerID', time: 'InvoiceDate', order: 'InvoiceNo', value: ' "Quantity" * "UnitPrice" ', asOf: '2011-12-10', where: '  ' };
    expect(featureParamsFromForm(form)).toEqual({
      ok: true,
      params: { template: 'rfm', table: 'online_retail', key: 'CustomerID', time: 'InvoiceDate', order: 'InvoiceNo', value: '"Quantity" * "UnitPrice"', asOf: '2011-12-10' },
    });
    const funnel = featureParamsFromForm({ ...form, template: 'funnel', eventType: 'kind', stages: { view: 'pv, view ,', cart: '', fav: '', purchase: 'buy' }, utcOffsetHours: '8', topCategories: '5' });
    expect(funnel.ok && funnel.params).toMatchObject({ eventType: 'kind', eventValues: { view: ['pv', 'view'], purchase: ['buy'] }, utcOffsetHours: 8, topCategories: 5 });
    const bad = featureParamsFromForm({ ...emptyFeatureForm('t'), template: 'funnel', asOf: '10/12/2011', topCategories: '80' });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual([
      'Choose the entity key column (one output row per value).',
      'Choose the time column.',
      'Write the as-of date as YYYY-MM-DD.',
      'The funnel template needs the event type column.',
      'Top categories must be a whole number from 1 to 50.',
    ]);
    expect(featureOutputName('online retail', 'all')).toBe('online_retail_features');
    expect(featureOutputName('events', 'rfm')).toBe('events_rfm');
  });
});

describe('clustering form', () => {
  const rfm: ColumnInfo[] = [
    { name: 'CustomerID', type: 'BIGINT' },
    { name: 'recency_days', type: 'INTEGER' },
    { name: 'frequency', type: 'BIGINT' },
    { name: 'monetary', type: 'DOUBLE' },
    { name: 'country', type: 'VARCHAR' },
    { name: 'user_id', type: 'BIGINT' },
    { name: 'is_vip', type: 'BOOLEAN' },
    { name: 'first_seen', type: 'DATE' },
  ];

  it('defaults to the numeric columns without keys and ids', () => {
    expect(['CustomerID', 'user_id', 'id', 'entity_key'].every(looksLikeId)).toBe(true);
    expect(['valid', 'paid', 'Idle', 'frequency'].some(looksLikeId)).toBe(false);
    expect(defaultClusterFeatures(rfm)).toEqual(['recency_days', 'frequency', 'monetary', 'is_vip']);
    expect(defaultClusterFeatures(rfm, 'frequency')).toEqual(['recency_days', 'monetary', 'is_vip']);
    expect(portraitFeatures(['monetary', 'country', 'frequency'], rfm)).toEqual(['monetary', 'frequency']);
  });

  it('builds run and sweep parameters, or says what is wrong', () => {
    const form = { ...emptyClusterForm('rfm'), features: ['monetary', 'frequency'], k: '4', seed: '7', scaling: 'robust' as const, backend: 'cpu' as const };
    expect(runParamsFromForm(form)).toEqual({
      ok: true,
      params: {
        source: { table: 'rfm' },
        features: ['monetary', 'frequency'],
        preprocessing: { scaling: 'robust', log1p: 'auto', impute: 'median' },
        seed: 7,
        backend: 'cpu',
        k: 4,
        outputTable: 'rfm_segments',
        name: 'rfm k=4',
      },
    });
    const all = runParamsFromForm({ ...form, features: null, outputTable: 'mine' });
    expect(all.ok && all.params).toMatchObject({ allNumeric: true, outputTable: 'mine' });
    expect(all.ok && 'features' in all.params).toBe(false);
    expect(sweepParamsFromForm(form)).toMatchObject({ ok: true, params: { kFrom: 2, kTo: 12, seed: 7 } });
    const bad = runParamsFromForm({ ...form, k: '2.5', features: [], seed: '-1', outputTable: 'RFM' });
    expect(!bad.ok && bad.problems).toEqual([
      'Tick at least one feature, or use every numeric column.',
      'The seed must be a whole number from 0 to 2147483647.',
      'k must be a whole number from 1 to 1000.',
      'Write the segments into a new table, not the table being clustered.',
    ]);
    const badSweep = sweepParamsFromForm({ ...form, kFrom: '6', kTo: '3' });
    expect(!badSweep.ok && badSweep.problems).toEqual(['The last k must not be below the first.']);
  });
});

describe('segment names and cards', () => {
  const card = (segment: string, suggestedName: string): PortraitCard => ({ segment, size: 1, share: 0.5, features: [], distinguishing: [], topCategories: [], rule: null, suggestedName });

  it('takes the suggested names, numbering repeats and filling gaps', () => {
    expect(namesFromCards([card('1', 'High monetary'), card('0', 'Low recency'), card('2', 'high monetary')], 4)).toEqual(['Low recency', 'High monetary (1)', 'high monetary (2)', 'Segment 3']);
    expect(namesFromCards([card('x', 'ignored'), card('9', 'out of range')], 2)).toEqual(['Segment 0', 'Segment 1']);
  });

  it('orders features by |z| with missing z last, and formats lift and z', () => {
    const stat = (feature: string, z: number | null): PortraitFeatureStat => ({ feature, segmentMean: 1, populationMean: 1, populationStd: 1, lift: 1, z, missing: 0 });
    expect(featuresByDistinction([stat('a', 0.2), stat('b', null), stat('c', -1.5), stat('d', 0.9)]).map((s) => s.feature)).toEqual(['c', 'd', 'a', 'b']);
    expect([formatLift(1.804), formatLift(12.4), formatLift(null), formatZ(1.254), formatZ(-0.4), formatZ(Number.NaN)]).toEqual(['1.80×', '12×', '—', '+1.25', '−0.40', '—']);
  });
});

describe('workspace state', () => {
  const record = (over: Partial<SegmentationRecord> = {}): SegmentationRecord => ({
    clusterId: 'cluster_1',
    name: 'rfm k=3',
    sourceTable: 'rfm',
    outputTable: 'rfm_segments',
    k: 3,
    columns: ['monetary'],
    preprocessor: { version: 1 },
    centroids: [[0], [1], [2]],
    sizes: [1, 2, 3],
    segmentNames: ['a', 'b', 'c'],
    createdAt: '2026-01-01T00:00:00Z',
    ...over,
  });

  it('renames a segment in the latest run and its saved copy; saves by name', () => {
    let state: SegmentsWorkspaceState = { ...emptySegmentsWorkspace(), current: record() };
    state = upsertSegmentation(state, { ...record(), name: ' Customers ' });
    state = renameSegment(state, 'cluster_1', 1, 'Big spenders');
    expect(state.current?.segmentNames).toEqual(['a', 'Big spenders', 'c']);
    expect(state.saved[0]?.segmentNames).toEqual(['a', 'Big spenders', 'c']);
    expect(state.saved[0]?.name).toBe('Customers');
    expect(renameSegment(state, 'cluster_9', 0, 'x')).toEqual(state);
    expect(renameSegment(state, 'cluster_1', 5, 'x')).toEqual(state);
    state = upsertSegmentation(state, { ...record({ clusterId: 'cluster_2' }), name: 'CUSTOMERS' });
    expect(state.saved.map((s) => [s.name, s.clusterId])).toEqual([['CUSTOMERS', 'cluster_2']]);
    expect(removeSegmentation(state, 'CUSTOMERS').saved).toEqual([]);
    expect(() => upsertSegmentation(state, record({ name: ' ' }))).toThrow(/needs a name/);
  });

  it('round-trips through the workspace file; older files without segments still load', () => {
    const segments = { ...emptySegmentsWorkspace(), current: record(), saved: [record({ savedTable: 'rfm_named' })] };
    const text = serializeWorkspace({ ...emptyWorkspace(), segments });
    expect(parseWorkspace(text).segments).toEqual(segments);
    expect(parseWorkspace(serializeWorkspace(emptyWorkspace())).segments).toBeUndefined();
    expect(segmentsWorkspaceStateSchema.safeParse({ ...segments, current: { ...record(), k: 0 } }).success).toBe(false);
    expect(() => parseWorkspace(JSON.stringify({ ...emptyWorkspace(), segments: { ...segments, cluster: { ...segments.cluster, backend: 'tpu' } } }))).toThrow(/segments\.cluster\.backend/);
  });
});

describe('end to end in the engine: features -> k-means -> portraits -> saved names', () => {
  let engine: NodeEngine;
  const retail = path.resolve('samples/online_retail_uci/online_retail_sample_cust_mod10.csv');

  beforeAll(async () => {
    engine = await createInProcessEngine();
    await engine.client.run('data.open', { source: { kind: 'bytes', name: 'retail.csv', bytes: fs.readFileSync(retail) }, tableName: 'online retail' });
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('builds RFM from the view form, clusters k=4, and saves segment names that match the segments', async () => {
    const form = {
      ...guessFeatureForm(emptyFeatureForm('online retail'), RETAIL_COLUMNS),
      asOf: '2011-12-10',
      where: `"CustomerID" IS NOT NULL AND NOT starts_with("InvoiceNo", 'C') AND "Quantity" > 0 AND "UnitPrice" > 0`,
    };
    const params = featureParamsFromForm(form);
    if (!params.ok) throw new Error(params.problems.join(' '));
    const generated = await engine.client.run('features.generate', params.params);
    const built = await engine.client.run('features.build', { sql: generated.sql, outputTable: featureOutputName(form.table, form.template) });
    expect(built.name).toBe('online_retail_rfm');
    expect(built.columns[0]?.name).toBe('CustomerID');

    const features = defaultClusterFeatures(built.columns, 'CustomerID');
    expect(features).toContain('monetary');
    expect(features).not.toContain('CustomerID');
    const run = runParamsFromForm({ ...emptyClusterForm(built.name), features, k: '4', backend: 'cpu' });
    if (!run.ok) throw new Error(run.problems.join(' '));
    const result = await engine.client.run('cluster.run', run.params);
    expect(result.outputTable?.name).toBe('online_retail_rfm_segments');
    expect(result.outputTable?.rowCount).toBe(built.rowCount);

    const portrait = await engine.client.run('segments.portrait', { table: 'online_retail_rfm_segments', segmentColumn: 'segment', features: portraitFeatures(result.cluster.columns, result.outputTable?.columns ?? []) });
    expect(portrait.cards).toHaveLength(4);
    const names = namesFromCards(portrait.cards, 4);
    expect(new Set(names).size).toBe(4);
    const renamed = names.map((n, i) => (i === 2 ? `Tom's "best"` : n));
    const record = recordFromRun(result, built.name, renamed);
    expect(record).toMatchObject({ k: 4, outputTable: 'online_retail_rfm_segments', sizes: result.segments.map((s) => s.size) });
    expect(record.centroids).toHaveLength(4);
    expect(segmentsWorkspaceStateSchema.parse({ ...emptySegmentsWorkspace(), current: record }).current).toEqual(record);

    // Saved in place (the target is the source): segment_name follows segment; saving again replaces the column.
    const columns = result.outputTable?.columns.map((c) => c.name) ?? [];
    await engine.client.run('sql.run', { sql: saveSegmentsSql(record.outputTable, record.outputTable, renamed, columns), preview: 0 });
    await engine.client.run('sql.run', { sql: saveSegmentsSql(record.outputTable, record.outputTable, renamed, [...columns, 'segment_name']), preview: 0 });
    const check = await engine.client.run('sql.run', {
      sql: `SELECT segment, segment_name, count(*) AS n FROM ${quoteIdent('online_retail_rfm_segments')} GROUP BY ALL ORDER BY segment`,
      preview: 100,
    });
    const rows = tableFromIPC(check.preview).toArray().map((r: { toJSON(): Record<string, unknown> }) => r.toJSON());
    expect(rows.map((r) => [Number(r.segment), r.segment_name, Number(r.n)])).toEqual(result.segments.map((s, i) => [s.segment, renamed[i], s.size]));
  });
});
