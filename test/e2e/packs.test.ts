/**
 * The Packs tab in a real Chromium against the built renderer. Two versions of a pack are built in
 * Node by the real engine (in-process DuckDB-WASM) from small tag sets on a CSV; the page opens the
 * same CSV and the packs: every tag and its metrics, the Spark SQL (copied), sign-off with a note,
 * the saved pack carrying the approval, the diff of two versions on the data, apply, build from a
 * tags.json, the report download, and a tampered pack refused with the hash error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { PackInfo } from '../../workers/api';
import { createInProcessEngine } from '../../workers/node/engine-node';
import { addReview, editPack, readPack, writePack } from '../../workers/packs/io';
import { parseRule } from '../../workers/tags/parser';
import { catalogRowCount, catalogTable, fixtureDir, openFiles, useAppPage, writeFixture } from './helpers';

const ROWS = 120;
const TAGS = ['big spender', 'not reseller', "O'Brien \"fans\""];

function usersCsv(): string {
  const lines = ['user_id,spend_90d,orders_90d,country,is_reseller,label'];
  for (let i = 0; i < ROWS; i++) {
    const spend = i % 13 === 0 ? '' : String(((i * 7919) % 1000) + 0.5);
    const country = i % 11 === 0 ? '' : ['UK', 'FR', 'DE', 'ES'][i % 4];
    const label = spend !== '' && Number(spend) > 450 && i % 5 !== 0 ? 1 : 0;
    lines.push(`u${String(i).padStart(3, '0')},${spend},${(i * 31) % 9},${country},${i % 7 === 0},${label}`);
  }
  return `${lines.join('\n')}\n`;
}

function tagSet(spendThreshold: number, withThird: boolean): unknown {
  const rule = (id: string, name: string, text: string) => ({ id, name, group: 'basic', definition: { kind: 'rule', text, ast: parseRule(text) } });
  return {
    schema: 'assay.tagset/1',
    tags: [
      rule('big', TAGS[0] as string, `spend_90d > ${spendThreshold} AND country IN ('UK', 'FR')`),
      rule('nores', TAGS[1] as string, 'NOT is_reseller AND orders_90d >= 3'),
      ...(withThird ? [rule('third', TAGS[2] as string, "country = 'DE'")] : []),
    ],
  };
}

const dir = fixtureDir();
const file = (name: string): string => path.join(dir, name);
const csv = writeFixture(dir, 'users.csv', usersCsv());
/** The same rows without user_id: no column identifies a row. */
const csvNoKey = writeFixture(dir, 'users_nokey.csv', usersCsv().split('\n').map((line) => line.slice(line.indexOf(',') + 1)).join('\n'));
const app = useAppPage({
  // Both pack versions are built in Node by the real engine before the browser starts.
  async beforeOpen() {
    writeFixture(dir, 'tags-v3.json', JSON.stringify(tagSet(300, true)));
    const engine = await createInProcessEngine();
    try {
      await engine.client.run('data.open', { source: { kind: 'path', path: csv } });
      const build = (version: string, threshold: number, parent?: string): Promise<PackInfo> =>
        engine.client.run('pack.build', { tagSet: tagSet(threshold, true), table: 'users', key: 'user_id', name: 'demo', version, parent, target: { column: 'label', positive: '1' }, createdBy: 'ana', createdAt: '2026-11-20T10:00:00.000Z' });
      const v1 = await build('1.0.0', 500);
      const v2 = await build('1.1.0', 400, v1.text);
      fs.writeFileSync(file('demo-1.0.0.json'), v1.text);
      fs.writeFileSync(file('demo-1.1.0.json'), v2.text);
      fs.writeFileSync(file('tampered.json'), v1.text.replace('spend_90d > 500', 'spend_90d > 50'));
      // Approved, then edited (and re-hashed) by a tool: the approval no longer holds.
      const approved = addReview(v1.pack, { by: 'lead@example.com', decision: 'approve', note: 'fine', at: '2026-11-21T09:00:00.000Z' });
      fs.writeFileSync(file('edited.json'), writePack(await editPack(approved, (d) => ({ ...d, tags: d.tags.map((t, i) => (i === 0 ? { ...t, description: 'edited' } : t)) }))));
      expect(fs.readFileSync(file('tampered.json'), 'utf8')).not.toBe(v1.text);
    } finally {
      await engine.close();
    }
  },
  async afterReady({ page }) {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await openFiles(page, [csv, csvNoKey]);
    await catalogTable(page, 'users').waitFor({ timeout: 30_000 });
    await catalogTable(page, 'users_nokey').waitFor({ timeout: 30_000 });
    await page.getByTestId('tab-packs').click();
  },
  afterClose() {
    fs.rmSync(dir, { recursive: true, force: true });
  },
});

describe('Packs: open, review, diff, apply, build', { timeout: 120_000 }, () => {
  test('opens a pack: header, every tag with metrics and gates, golden rows, SQL per dialect with Copy', async () => {
    const { page } = app;
    await page.getByTestId('pack-open-input').setInputFiles(file('demo-1.0.0.json'));
    const header = page.getByTestId('pack-header');
    await header.waitFor({ timeout: 30_000 });
    const headerText = await header.innerText();
    expect(headerText).toContain('demo');
    expect(headerText).toContain('1.0.0');
    expect(headerText).toContain('by ana');
    expect(headerText).toContain('sql-three-valued/null-is-false');
    expect(headerText).toContain('collect');
    expect(headerText).toMatch(/users · key user_id/);
    expect(await page.getByTestId('pack-hash').innerText()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await page.getByTestId('pack-approval').innerText()).toBe('unreviewed');

    const rows = page.getByTestId('pack-tag');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-tag')))).toEqual(TAGS);
    // Coverage and precision with their intervals; a gate badge on every tag.
    expect(await rows.first().locator('td[data-metric="coverage"]').innerText()).toMatch(/^\d+\.\d+% \(\d+\.\d+–\d+\.\d+%\)$/);
    expect(await rows.first().locator('td[data-metric="precision"]').innerText()).toMatch(/%/);
    expect(await page.getByTestId('pack-gate').count()).toBe(TAGS.length);
    expect(await page.getByTestId('pack-gate').first().innerText()).toMatch(/gates (passed|failed)/);
    expect(await page.getByTestId('pack-golden').locator('tbody tr').count()).toBeGreaterThan(3);
    // The metric chart: one bar per tag, with error bars.
    const chart = page.locator('[data-testid="pack-metric-chart"][data-rendered="true"]');
    await chart.waitFor({ timeout: 30_000 });
    expect(await chart.locator('.barlayer .point').count()).toBe(TAGS.length);
    expect(await chart.locator('.errorbar').count()).toBe(TAGS.length);

    const sql = page.getByTestId('pack-sql');
    await expect.poll(() => sql.innerText(), { timeout: 15_000 }).toMatch(/^-- Assay rule pack "demo" version 1\.0\.0/);
    expect(await sql.getAttribute('data-dialect')).toBe('spark');
    const spark = await sql.innerText();
    for (const tag of TAGS) expect(spark).toContain(tag);
    // Output columns are the tag ids (display names stay in the header comment).
    expect(spark).toContain('`nores`');
    expect(spark).toContain('nores "not reseller" [rule, DRAFT]');
    await page.getByTestId('pack-sql-copy').click();
    await page.getByTestId('pack-sql-copied').waitFor();
    expect((await page.evaluate(() => navigator.clipboard.readText())).trim()).toBe(spark.trim());
    await page.getByTestId('pack-dialect-flink').click();
    await expect.poll(() => sql.innerText()).toMatch(/^INSERT INTO `sink`$/m);
    await page.getByTestId('pack-dialect-trino').click();
    await expect.poll(() => sql.getAttribute('data-dialect')).toBe('trino');
  });

  test('approves with a note; the approval shows and travels in the saved pack', async () => {
    const { page } = app;
    await page.getByTestId('pack-reviewer').fill('pm@example.com');
    await page.getByTestId('pack-review-note').fill('Checked the Spark SQL and the golden rows.');
    await page.getByTestId('pack-approve').click();
    await expect.poll(() => page.getByTestId('pack-approval').innerText()).toBe('approved');
    const review = page.getByTestId('pack-review').first();
    expect(await review.innerText()).toContain('pm@example.com');
    expect(await review.innerText()).toContain('Checked the Spark SQL and the golden rows.');
    expect(await review.getAttribute('data-valid')).toBe('true');

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('pack-save').click()]);
    expect(download.suggestedFilename()).toBe('demo-1.0.0.json');
    const saved = await readPack(fs.readFileSync(await download.path(), 'utf8'));
    expect(saved.pack.reviews).toHaveLength(1);
    expect(saved.pack.reviews[0]).toMatchObject({ by: 'pm@example.com', decision: 'approve', note: 'Checked the Spark SQL and the golden rows.' });
    expect(saved.pack.reviews[0]?.contentHash).toBe(saved.pack.contentHash);
  });

  test('diffs against the newer version on the data: condition-level lines and coverage old -> new', async () => {
    const { page } = app;
    await page.getByTestId('pack-diff-input').setInputFiles(file('demo-1.1.0.json'));
    await page.getByTestId('pack-diff-direction').selectOption('newer');
    await page.getByTestId('pack-diff-table').selectOption('users');
    await page.getByTestId('pack-diff-run').click();
    const diff = page.getByTestId('pack-diff');
    await diff.waitFor({ timeout: 60_000 });
    const changed = page.locator('[data-testid="pack-diff-changed"][data-tag="big spender"]');
    const lines = await changed.getByTestId('pack-diff-line').evaluateAll((els) => els.map((e) => [e.getAttribute('data-tone'), e.textContent]));
    expect(lines).toContainEqual(['removed', '- spend_90d > 500']);
    expect(lines).toContainEqual(['added', '+ spend_90d > 400']);
    expect(await changed.innerText()).toMatch(/coverage: .*→/);
    const data = page.getByTestId('pack-diff-data');
    const big = data.locator('tr[data-tag="big spender"]');
    expect(await big.innerText()).toMatch(/changed/);
    // Lowering the threshold only gains entities: some gained, none lost, example keys shown.
    const cells = await big.locator('td').allInnerTexts();
    expect(Number(cells[3])).toBeGreaterThan(0);
    expect(Number(cells[4])).toBe(0);
    expect(cells[6]).toMatch(/\+ u\d{3}/);
    expect(await data.locator('tr[data-tag="not reseller"] td').nth(5).innerText()).toBe('1.000');
  });

  test('applies the pack to the loaded table into a new table', async () => {
    const { page } = app;
    await page.getByTestId('pack-apply-into').fill('demo_tags');
    await page.getByTestId('pack-apply').click();
    await expect.poll(() => page.getByTestId('pack-status').innerText(), { timeout: 60_000 }).toMatch(/Tagged 120 entities of users into the table demo_tags/);
    await catalogTable(page, 'demo_tags').waitFor({ timeout: 30_000 });
    expect(await catalogRowCount(page, 'demo_tags')).toBe(ROWS);
  });

  test('builds a new version from a tags.json on the table, with the open pack as parent', async () => {
    const { page } = app;
    await page.getByTestId('pack-tags-input').setInputFiles(file('tags-v3.json'));
    await page.getByTestId('pack-build-table').selectOption('users');
    // Only columns DuckDB finds unique and never empty are offered as the key.
    const keyOptions = page.getByTestId('pack-build-key').locator('option');
    await expect.poll(() => keyOptions.allInnerTexts(), { timeout: 30_000 }).toEqual(['automatic: user_id', 'user_id']);
    await page.getByTestId('pack-build-key').selectOption('user_id');
    await page.getByTestId('pack-build-name').fill('demo');
    await page.getByTestId('pack-build-version').fill('1.2.0');
    await page.getByTestId('pack-build-parent').selectOption('open');
    await page.getByTestId('pack-build-run').click();
    await expect.poll(() => page.getByTestId('pack-header').innerText(), { timeout: 60_000 }).toMatch(/1\.2\.0/);
    expect(await page.getByTestId('pack-header').innerText()).toMatch(/Parent\s+1\.0\.0/);
    expect(await page.getByTestId('pack-approval').innerText()).toBe('unreviewed');
    expect(await page.getByTestId('pack-tag').count()).toBe(TAGS.length);
    expect(await page.getByTestId('pack-entity').innerText()).toBe('users · key user_id');

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('pack-report').click()]);
    expect(download.suggestedFilename()).toBe('demo-1.2.0.html');
    const html = fs.readFileSync(await download.path(), 'utf8');
    expect(html).toContain('big spender');
    expect(html).toContain('not reseller');
    expect(html).toMatch(/O(&#39;|&#x27;|')Brien/);
    // Plotly was inlined from the bundled asset: the report needs no network.
    expect(html.length).toBeGreaterThan(1_000_000);
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  test('a table with no unique column: the key picker says why, the pack tags rows and checks its golden rows', async () => {
    const { page } = app;
    await page.getByTestId('pack-build-table').selectOption('users_nokey');
    await expect.poll(() => page.getByTestId('pack-build-key-note').innerText(), { timeout: 30_000 }).toMatch(/^No column can be the key: no whole-number or text column has a distinct, non-empty value on each of the 120 rows\./);
    expect(await page.getByTestId('pack-build-key').locator('option').allInnerTexts()).toEqual(['none: tag rows']);
    await page.getByTestId('pack-build-version').fill('1.3.0');
    await page.getByTestId('pack-build-run').click();
    await expect.poll(() => page.getByTestId('pack-entity').innerText(), { timeout: 60_000 }).toBe('users_nokey · no key column: rows are tagged and keep their columns');
    await page.getByTestId('pack-check').click();
    await expect.poll(() => page.getByTestId('pack-check-result').innerText(), { timeout: 60_000 }).toMatch(/^Passed: (\d+) of \1 golden rows/);
  });

  test('a review of content that changed since is shown as void', async () => {
    const { page } = app;
    await page.getByTestId('pack-open-input').setInputFiles(file('edited.json'));
    const review = page.getByTestId('pack-review');
    await expect.poll(() => review.first().getAttribute('data-valid'), { timeout: 30_000 }).toBe('false');
    expect(await review.first().innerText()).toMatch(/lead@example\.com[\s\S]*void: content changed/);
    expect(await page.getByTestId('pack-approval').innerText()).toBe('unreviewed');
  });

  test('a tampered pack is refused with the hash error', async () => {
    const { page } = app;
    await page.getByTestId('pack-open-input').setInputFiles(file('tampered.json'));
    const error = page.getByTestId('pack-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toMatch(/tampered\.json cannot be opened as a pack/);
    expect(await error.innerText()).toMatch(/does not match its hash/);
    expect(await page.getByTestId('pack-header').count()).toBe(0);
    expect(app.consoleErrors).toEqual([]);
  });
});
