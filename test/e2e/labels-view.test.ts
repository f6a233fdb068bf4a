/**
 * The Labels tab in a real Chromium against the built renderer: a labeler trained on Online Retail
 * descriptions (labelled by their product noun) shows its held-out report and precision/coverage
 * curve, lists rows to review (accepting one makes it a training row), and labels a table; the
 * workspace keeps the forms, the labeler and the review decision, and reopening it brings them back.
 */
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseWorkspace } from '../../renderer/workspace';
import { catalogTable, useAppPage } from './helpers';
import { openRetailTypesInLabels } from './labels-setup';

const app = useAppPage();

describe('Labels', () => {
  test('trains a labeler, shows the report and curve, reviews a row and labels a table', { timeout: 240_000 }, async () => {
    const { page, consoleErrors } = app;
    await openRetailTypesInLabels(page);
    expect(await page.getByTestId('labels-text').inputValue()).toBe('description');
    expect(await page.getByTestId('labels-label').inputValue()).toBe('product_type');
    await page.getByTestId('labels-train-run').click();
    await page.locator('[data-testid="labels-report"], [data-testid="labels-error"]').first().waitFor({ timeout: 150_000 });
    expect(await page.getByTestId('labels-error').count(), await page.getByTestId('labels-error').allInnerTexts().then((t) => t.join(' '))).toBe(0);
    expect(await page.getByTestId('labels-headline').innerText()).toMatch(/^8 labels · accuracy (9\d|100)\.\d% · macro-F1/);
    expect(await page.getByTestId('labels-coverage-at').innerText()).toMatch(/precision 90%: [\d.]+% · 95%: [\d.]+% · 99%: [\d.]+%/);
    await expect.poll(() => page.getByTestId('labels-curve').getAttribute('data-rendered'), { timeout: 30_000 }).toBe('true');
    expect(await page.locator('[data-testid="labels-per-label"] tbody tr').count()).toBe(8);

    // Review: accept the least certain row's guess; it becomes a training row.
    const rows = page.getByTestId('labels-review-row');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const before = await rows.count();
    await page.getByTestId('labels-accept').first().click();
    expect(await page.getByTestId('labels-train-run').innerText()).toBe('Retrain with 1 reviewed row');
    await expect.poll(() => rows.count()).toBeLessThanOrEqual(before);

    // Label the table.
    await page.getByTestId('labels-apply-run').click();
    const result = page.getByTestId('labels-apply-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.innerText()).toMatch(/^Wrote [\d,]+ rows to retail_types_labels: [\d,]+ by keyword rules, [\d,]+ by the classifier/);
    expect(consoleErrors).toEqual([]);
  });

  test('the workspace keeps the forms, the labeler and the review decision; reopening brings them back', { timeout: 180_000 }, async () => {
    const { page, consoleErrors } = app;
    const headline = await page.getByTestId('labels-headline').innerText();
    await page.getByTestId('labels-min-precision').fill('0.95');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-workspace').click()]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const labels = parseWorkspace(text).labels;
    expect(labels?.train).toMatchObject({ table: 'retail_types', textColumn: 'description', labelColumn: 'product_type', minPrecision: '0.95' });
    expect(labels?.labeler?.kind).toBe('assay-labeler');
    expect(labels?.labeler?.classes.length).toBe(8);
    expect(labels?.corrections.length).toBe(1);

    // Reopen: the workspace replaces what is open; the labeler is loaded into the engine again.
    const dir = fs.mkdtempSync('/tmp/assay-labels-');
    const file = `${dir}/labels.assay.json`;
    fs.writeFileSync(file, text);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-workspace').click()]);
    await chooser.setFiles(file);
    await catalogTable(page, 'online_retail').waitFor({ timeout: 60_000 });
    await page.getByTestId('tab-labels').click();
    await expect.poll(() => page.getByTestId('labels-headline').innerText(), { timeout: 60_000 }).toBe(headline);
    expect(await page.getByTestId('labels-min-precision').inputValue()).toBe('0.95');
    expect(await page.getByTestId('labels-train-run').innerText()).toBe('Retrain with 1 reviewed row');
    expect(await page.getByTestId('labels-error').count()).toBe(0);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(consoleErrors).toEqual([]);
  });
});
