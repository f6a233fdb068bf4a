/**
 * The labelling loops yield while they run, so a cancel gets through mid-loop (not only after the
 * last row): the text loop and the keyword-rule loop stop part-way with the typed CANCELLED error,
 * and a labels.apply job cancelled while it labels fails with CANCELLED and writes no table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Utf8, vectorFromArray } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCatalogCsv } from '../../scripts/gen-catalog';
import { forEachText, forEachTextCancellable } from '../../workers/labels/features';
import { ruleHitsCancellable, type LabelRule } from '../../workers/labels/rules';
import { Featurizer } from '../../workers/labels/tokenize';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';
import { tempDir } from '../helpers/paths';

const dir = tempDir('labels-cancel');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const TEXTS = vectorFromArray(
  Array.from({ length: 200_000 }, (_, i) => `vintage ${['red', 'blue', 'green'][i % 3]} teapot number ${i} with a long enough title to take a while`),
  new Utf8(),
);

describe('labelling loops', () => {
  it('the text loop stops part-way once the signal is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    let visited = 0;
    await expect(forEachTextCancellable(TEXTS, new Featurizer(), () => void visited++, controller.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(visited).toBeGreaterThan(0);
    expect(visited).toBeLessThan(TEXTS.length);
  });

  it('visits every row, in order, as the plain loop does, when not cancelled', async () => {
    const small = TEXTS.slice(0, 3000);
    const plain: number[] = [];
    const cancellable: number[] = [];
    forEachText(small, new Featurizer(), (f, row) => plain.push(row, f?.total ?? -1));
    await forEachTextCancellable(small, new Featurizer(), (f, row) => void cancellable.push(row, f?.total ?? -1), undefined);
    expect(cancellable).toEqual(plain);
  });

  it('the keyword-rule loop stops part-way too, and matches as the rules do when run to the end', async () => {
    const rule: LabelRule = { id: 'r1', label: 'red', mode: 'word', text: 'red', ruleText: "title CONTAINS WORD 'red'", holdoutMatches: 0, holdoutPrecision: 1 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    await expect(ruleHitsCancellable([rule], TEXTS, controller.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    const hits = await ruleHitsCancellable([rule], TEXTS.slice(0, 30), undefined);
    expect(Array.from(hits)).toEqual(Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 0 : -1)));
  });

  it('a labels.apply job cancelled while it labels fails with CANCELLED and leaves no output table', async () => {
    const engine = await createInProcessEngine();
    try {
      const file = path.join(dir, 'catalog.csv');
      writeCatalogCsv(file, 3000, 4);
      await engine.client.run('data.open', { source: { kind: 'path', path: file } });
      const trained = await engine.client.run('labels.train', { source: { table: 'catalog' }, textColumn: 'title', labelColumn: 'category', keywordRules: false, epochs: 5 });
      await engine.client.run('sql.run', { sql: 'CREATE TABLE many AS SELECT title FROM catalog, range(100)' });
      const handle = engine.client.start('labels.apply', { labelerId: trained.labelerId, source: { table: 'many' }, outputTable: 'many_labels' }, {
        onProgress: (p) => {
          if (p.phase.startsWith('labelling')) handle.cancel();
        },
      });
      expect((await failure(handle.result)).code).toBe('CANCELLED');
      expect((await engine.client.run('data.catalog', {})).map((t) => t.name)).not.toContain('many_labels');
    } finally {
      await engine.close();
    }
  }, 60_000);
});
