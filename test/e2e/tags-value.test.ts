/**
 * The Tags view judges tags by a value (GMV), in a real Chromium against the built renderer: on
 * online_shoppers_intention, a rule tag validated with the value `PageValues` and a GMV-lift gate
 * shows its share of the total value and its lift (equal to native DuckDB's sums) and passes or
 * fails the gate by that lift.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT, useAppPage } from './helpers';

const SHOPPERS_CSV = path.join(REPO_ROOT, 'samples/online_shoppers_intention/online_shoppers_intention.csv');

/** Share of PageValues on November rows, and the lift (share ÷ share of rows), by native DuckDB. */
async function nativeValue(): Promise<{ share: number; lift: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const reader = await db.runAndReadAll(
      `SELECT sum(PageValues) FILTER (WHERE Month = 'Nov') / sum(PageValues) AS share, count(*) FILTER (WHERE Month = 'Nov') / count(*) AS coverage FROM read_csv('${SHOPPERS_CSV.replaceAll("'", "''")}', delim = ';', header = true)`,
    );
    const row = reader.getRowObjectsJS()[0] as { share: number; coverage: number };
    return { share: Number(row.share), lift: Number(row.share) / Number(row.coverage) };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const app = useAppPage();

describe('Tags: value (GMV) of a tag in validation', () => {
  test('shows GMV share and lift per tag, equal to native DuckDB, and gates on GMV lift', async () => {
    const { page } = app;
    await page.getByTestId('tab-tags').click();
    await page.getByTestId('tags-table').selectOption('online_shoppers_intention');
    const editor = page.locator('[data-testid="rule-editor"] .cm-content');
    await editor.click();
    await page.keyboard.insertText("Month = 'Nov'");
    await page.keyboard.press('Escape');
    await page.getByTestId('rule-count').waitFor({ timeout: 30_000 });
    await page.getByTestId('tag-name').fill('November');
    await page.getByTestId('tag-save').click();
    await expect.poll(() => page.getByTestId('tag-row').count()).toBe(1);

    const expected = await nativeValue();
    await page.getByTestId('tags-section-validate').click();
    await page.getByTestId('validate-split').selectOption('all');
    // A lift gate without a value is refused in words before anything runs.
    await page.getByTestId('gate-value-lift').fill('1.2');
    await page.getByTestId('validate-run').click();
    await expect.poll(() => page.getByTestId('validate-error').innerText()).toContain('A GMV lift gate needs a value expression');
    await page.getByTestId('validate-value').fill('PageValues');
    // No label here: the precision gate is cleared, so the lift gate decides.
    await page.getByTestId('gate-precision').fill('');
    await page.getByTestId('validate-run').click();
    await page.getByTestId('validate-result').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('validate-value-note').innerText()).toMatch(/^Value: PageValues \(per row\), total [\d,.]+\./);
    const row = page.getByTestId('validate-row').first();
    const share = await row.getByTestId('validate-value-share').innerText();
    expect(share).toMatch(/^[\d.]+% \[[\d.]+%–[\d.]+%\]$/);
    expect(share.startsWith(`${(expected.share * 100).toFixed(expected.share < 0.1 ? 1 : 0)}% `)).toBe(true);
    expect(await row.getByTestId('validate-value-lift').innerText()).toMatch(new RegExp(`^${expected.lift.toFixed(2).replace('.', '\\.')}× \\[`));
    const reasons = await row.innerText();
    expect(await row.getAttribute('data-passed'), reasons).toBe(expected.lift >= 1.2 ? 'true' : 'false');
  });
});
