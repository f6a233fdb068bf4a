/**
 * The Labels view's state in the workspace file: forms, the trained labeler (its file) and the
 * review decisions survive serialise -> parse, the labeler loads into a fresh engine with the same
 * report and labels, older workspaces without it still open, and a broken labeler entry is refused
 * in words. A labeler over the size cap is not kept (the user is told to save it to a file), and
 * labels.release drops a labeler from the engine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCatalogCsv } from '../../scripts/gen-catalog';
import { emptyLabelsWorkspace, labelerForWorkspace, type LabelsWorkspaceState } from '../../renderer/views/labels/types';
import type { LabelerFile } from '../../workers/api';
import { emptyWorkspace, parseWorkspace, serializeWorkspace } from '../../renderer/workspace';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { tempDir } from '../helpers/paths';

const dir = tempDir('labels-workspace');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('Labels workspace state', () => {
  it('keeps the forms, the labeler and the review decisions, and the labeler loads back with the same report', async () => {
    const engine = await createInProcessEngine();
    let state: LabelsWorkspaceState;
    let reportBefore: unknown;
    try {
      const file = path.join(dir, 'catalog.csv');
      writeCatalogCsv(file, 1500, 3);
      await engine.client.run('data.open', { source: { kind: 'path', path: file } });
      const trained = await engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'category', minPrecision: 0.95, keywordRules: false });
      reportBefore = trained.report;
      state = {
        train: { table: 'catalog', textColumn: 'title', labelColumn: 'category', minPrecision: '0.95', holdout: '0.25' },
        apply: { table: 'catalog', outputTable: 'catalog_out', minConfidence: '0.5', atPrecision: true },
        labeler: await engine.client.run('labels.export', { labelerId: trained.labelerId }),
        corrections: [{ row: 12, text: 'red teapot', label: trained.classes[0] as string }],
      };
      // Up to the cap the workspace keeps the file; above it, none, and the user is told to save it.
      const labelerFile = state.labeler as LabelerFile;
      const chars = JSON.stringify(labelerFile).length;
      expect(labelerForWorkspace(labelerFile)).toEqual({ labeler: labelerFile, notice: null });
      expect(labelerForWorkspace(labelerFile, chars)).toEqual({ labeler: labelerFile, notice: null });
      const tooLarge = labelerForWorkspace(labelerFile, chars - 1);
      expect(tooLarge.labeler).toBeNull();
      expect(tooLarge.notice).toMatch(/too large to keep in the workspace .*Save it now with "Save labeler…"/);
      // A released labeler is gone from the engine (the view releases the one it replaces).
      expect(await engine.client.run('labels.release', { labelerId: trained.labelerId })).toEqual({ released: true });
      await expect(engine.client.run('labels.export', { labelerId: trained.labelerId })).rejects.toThrow(/not loaded/);
      expect(await engine.client.run('labels.release', { labelerId: trained.labelerId })).toEqual({ released: false });
    } finally {
      await engine.close();
    }
    const reopened = parseWorkspace(serializeWorkspace({ ...emptyWorkspace(), labels: state }));
    expect(reopened.labels?.train).toEqual(state.train);
    expect(reopened.labels?.apply).toEqual(state.apply);
    expect(reopened.labels?.corrections).toEqual(state.corrections);
    const fresh = await createInProcessEngine();
    try {
      const loaded = await fresh.client.run('labels.load', { file: reopened.labels?.labeler });
      expect(loaded.report).toEqual(reportBefore);
      expect(loaded.textColumn).toBe('title');
    } finally {
      await fresh.close();
    }
  }, 60_000);

  it('opens a workspace saved before the Labels view kept state, and refuses a labeler that is not one', () => {
    expect(parseWorkspace(serializeWorkspace(emptyWorkspace())).labels).toBeUndefined();
    const broken = { ...emptyWorkspace(), labels: { ...emptyLabelsWorkspace(), labeler: { kind: 'xgboost' } } };
    expect(() => parseWorkspace(JSON.stringify(broken))).toThrow(/at "labels.labeler": expected an Assay labeler/);
  });
});
