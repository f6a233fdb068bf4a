/**
 * "Open labeler…" in the Labels view: a saved labeler file's text reads back (as the view reads it)
 * and loads with the report it was saved with; text that is not JSON, another kind of file and a
 * newer format are refused in plain words; the form follows the labeler's columns only where the
 * table has its text column; and an opened labeler over the workspace cap says to open the file again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCatalogCsv } from '../../scripts/gen-catalog';
import { formForOpenedLabeler, parseLabelerText } from '../../renderer/views/labels/open-labeler';
import { labelerForWorkspace } from '../../renderer/views/labels/types';
import { describeJobFailure } from '../../renderer/errors';
import type { ColumnInfo } from '../../workers/api';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { tempDir } from '../helpers/paths';

const dir = tempDir('labels-open');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const col = (name: string, type = 'VARCHAR'): ColumnInfo => ({ name, type });

describe('Open labeler', () => {
  it('reads a saved labeler file back with its report, and refuses broken, foreign and newer files in words', async () => {
    const engine = await createInProcessEngine();
    try {
      const csv = path.join(dir, 'catalog.csv');
      writeCatalogCsv(csv, 1500, 3);
      await engine.client.run('data.open', { source: { kind: 'path', path: csv } });
      const trained = await engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'category', minPrecision: 0.9, keywordRules: false });
      // What "Save labeler…" writes.
      const saved = JSON.stringify(await engine.client.run('labels.export', { labelerId: trained.labelerId }));

      const loaded = await engine.client.run('labels.load', { file: parseLabelerText(saved, 'catalog.labeler.json') });
      expect(loaded.labelerId).not.toBe(trained.labelerId);
      expect(loaded.report).toEqual(trained.report);
      expect(loaded.classes).toEqual(trained.classes);
      expect({ text: loaded.textColumn, label: loaded.labelColumn }).toEqual({ text: 'title', label: 'category' });

      expect(() => parseLabelerText(saved.slice(0, saved.length / 2), 'cut.json')).toThrow(/^cut\.json is not a labeler file: it is not valid JSON \(/);

      const newer = { ...(JSON.parse(saved) as Record<string, unknown>), version: 99 };
      const refusedNewer = await engine.client.run('labels.load', { file: parseLabelerText(JSON.stringify(newer), 'newer.json') }).then(
        () => null,
        (err: unknown) => describeJobFailure('Opening newer.json', err),
      );
      expect(refusedNewer).toMatch(/^Opening newer\.json failed: This labeler was written by a newer Assay \(format version 99; this one reads up to \d+\)\. Update Assay to use it\.$/);

      const refusedKind = await engine.client.run('labels.load', { file: parseLabelerText('{"kind":"assay-tag-set","version":1}', 'tags.json') }).then(
        () => null,
        (err: unknown) => describeJobFailure('Opening tags.json', err),
      );
      expect(refusedKind).toMatch(/^Opening tags\.json failed: This file is not an Assay labeler \(its kind is "assay-tag-set"/);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('fits the form to the labeler where the table has its text column', () => {
    const labeler = { textColumn: 'title', labelColumn: 'category' };
    expect(formForOpenedLabeler([col('title'), col('category'), col('price', 'DOUBLE')], labeler)).toEqual({ textColumn: 'title', labelColumn: 'category' });
    // Without the label column the form's default label column applies.
    expect(formForOpenedLabeler([col('title'), col('brand')], labeler)).toEqual({ textColumn: 'title', labelColumn: '' });
    // No text column: no review queue for this table.
    expect(formForOpenedLabeler([col('name'), col('category')], labeler)).toBeNull();
    expect(formForOpenedLabeler([col('title')], { textColumn: '', labelColumn: '' })).toBeNull();
  });

  it('an opened labeler over the workspace cap is left out and the user is told to open its file again', () => {
    const file = { kind: 'assay-labeler', version: 1, weights: 'x'.repeat(200) } as unknown as Parameters<typeof labelerForWorkspace>[0];
    const chars = JSON.stringify(file).length;
    expect(labelerForWorkspace(file, chars, 'big.labeler.json')).toEqual({ labeler: file, notice: null });
    const over = labelerForWorkspace(file, chars - 1, 'big.labeler.json');
    expect(over.labeler).toBeNull();
    expect(over.notice).toMatch(/too large to keep in the workspace .*Open big\.labeler\.json again with "Open labeler…"/);
    expect(over.notice).not.toMatch(/Save it now/);
  });
});
