/**
 * The Segments tab in a real Chromium against the built renderer: build RFM features from the
 * sample online_retail with the feature builder, cluster them with k = 4, read the portrait cards
 * and the 2D projection, rename a segment, save the segments as a table and in the workspace,
 * sweep k, and reopen the workspace.
 */
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseWorkspace } from '../../renderer/workspace';
import { catalogRowCount, catalogTable, useAppPage } from './helpers';

// Customers of the sample with at least one clean line (CustomerID present, not a cancellation,
// Quantity > 0, UnitPrice > 0), counted independently with Python's csv module.
const SAMPLE_CUSTOMERS = 442;
const CLEANING = `"CustomerID" IS NOT NULL AND NOT starts_with("InvoiceNo", 'C') AND "Quantity" > 0 AND "UnitPrice" > 0`;

const app = useAppPage();
let workspaceText = '';

describe('Segments: features, k-means, portraits, names, save', () => {
  test('the feature builder generates editable RFM SQL for online_retail and builds one row per customer', async () => {
    const { page } = app;
    await page.getByTestId('tab-segments').click();
    await page.getByTestId('features-table').selectOption('online_retail');
    // Key, time, order and value are guessed from the column names.
    expect(await page.getByTestId('features-key').inputValue()).toBe('CustomerID');
    expect(await page.getByTestId('features-time').inputValue()).toBe('InvoiceDate');
    expect(await page.getByTestId('features-order').inputValue()).toBe('InvoiceNo');
    expect(await page.getByTestId('features-value').inputValue()).toBe('"Quantity" * "UnitPrice"');
    expect(await page.getByTestId('features-template').inputValue()).toBe('rfm');
    // Nothing generated yet: Build table says why it cannot run, and names a missing field.
    expect(await page.getByTestId('features-build').isDisabled()).toBe(true);
    await expect.poll(() => page.getByTestId('features-as-of').inputValue(), { timeout: 30_000 }).toBe('2011-12-10');
    expect(await page.getByTestId('features-build-why').innerText()).toBe('Generate the SQL first (or write it in the editor).');
    await page.getByTestId('features-as-of').fill('');
    expect(await page.getByTestId('features-build-why').innerText()).toBe('Fill in the as-of date (YYYY-MM-DD), then generate the SQL.');
    await page.getByTestId('features-as-of').fill('2011-12-10');
    await page.getByTestId('features-where').fill(CLEANING);
    await page.getByTestId('features-generate').click();

    const editor = page.locator('[data-testid="features-sql"] .cm-content');
    await expect.poll(() => editor.innerText(), { timeout: 60_000 }).toMatch(/AS "recency"/);
    expect(await page.getByTestId('features-columns').innerText()).toMatch(/CustomerID, .*monetary/);
    // The SQL is editable: a comment typed at the end stays in the SQL that is built.
    await editor.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n-- checked by hand');
    await page.keyboard.press('Escape');
    expect(await editor.innerText()).toContain('-- checked by hand');

    expect(await page.getByTestId('features-output').inputValue()).toBe('online_retail_rfm');
    expect(await page.getByTestId('features-build-why').count()).toBe(0);
    await page.getByTestId('features-build').click();
    await expect.poll(() => page.getByTestId('segments-status').innerText(), { timeout: 60_000 }).toMatch(new RegExp(`Built online_retail_rfm: ${SAMPLE_CUSTOMERS} rows`));
    await catalogTable(page, 'online_retail_rfm').waitFor({ timeout: 15_000 });
    expect(await catalogRowCount(page, 'online_retail_rfm')).toBe(SAMPLE_CUSTOMERS);
    expect(await page.getByTestId('segments-error').count()).toBe(0);
  });

  test('the new table becomes the clustering input, numeric features shown with their types, the key left out', async () => {
    const { page } = app;
    expect(await page.getByTestId('cluster-table').inputValue()).toBe('online_retail_rfm');
    const features = page.getByTestId('cluster-features');
    const text = await features.innerText();
    expect(text).toMatch(/recency\s*INTEGER/);
    expect(text).toMatch(/monetary\s*DOUBLE/);
    // CustomerID is listed (it is numeric) but not ticked by default.
    const ticked = await features.locator('li', { has: page.locator('input:checked') }).allInnerTexts();
    expect(ticked.length).toBeGreaterThanOrEqual(5);
    expect(ticked.join(' ')).not.toMatch(/CustomerID/);
    expect(await page.getByTestId('cluster-k').inputValue()).toBe('4');
  });

  test('too large a k is refused in plain words', async () => {
    const { page } = app;
    await page.getByTestId('cluster-k').fill('1000');
    await page.getByTestId('cluster-run').click();
    await expect.poll(() => page.getByTestId('segments-error').innerText(), { timeout: 60_000 }).toMatch(/k = 1000 is more than the 442 rows/);
    await page.getByTestId('cluster-k').fill('4');
  });

  test('k = 4 gives four portrait cards, the projection coloured by segment, sizes and profiles', async () => {
    const { page } = app;
    await page.getByTestId('cluster-run').click();
    const cards = page.getByTestId('portrait-card');
    await expect.poll(() => cards.count(), { timeout: 90_000 }).toBe(4);
    expect(await page.getByTestId('segments-error').count()).toBe(0);
    expect(await page.getByTestId('cluster-backend-used').innerText()).toMatch(/backend (cpu|webgpu) \(/);

    // Sizes add up to the customers; each card has a size and share, feature means with lift and z, a rule.
    const sizes = await page.getByTestId('segment-size').allInnerTexts();
    const total = sizes.map((s) => Number(/^([\d,]+) rows/.exec(s)?.[1]?.replace(/,/g, ''))).reduce((a, b) => a + b, 0);
    expect(total).toBe(SAMPLE_CUSTOMERS);
    const first = cards.first();
    expect(await first.getByTestId('segment-features').innerText()).toMatch(/monetary[\s\S]*×[\s\S]*[+−]\d\.\d\d/);
    expect(await first.getByTestId('segment-rule').innerText()).toMatch(/precision \d+% · recall \d+%/);
    expect((await first.getByTestId('segment-name').inputValue()).length).toBeGreaterThan(0);

    const projection = page.locator('[data-testid="segments-projection"][data-rendered="true"]');
    await projection.waitFor({ timeout: 30_000 });
    // Four segments plus the centroids in the legend; every customer and centroid drawn (SVG: the app's CSP rules out WebGL traces).
    await expect.poll(() => projection.locator('.legendtext').count()).toBe(5);
    expect(await projection.locator('.scatterlayer .point').count()).toBe(SAMPLE_CUSTOMERS + 4);
    expect(await projection.innerText()).not.toMatch(/WebGL/);
    await page.locator('[data-testid="segments-sizes"][data-rendered="true"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="segments-profile"][data-rendered="true"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('segments-profile').locator('.bars .point').count()).toBeGreaterThan(8);
    await catalogTable(page, 'online_retail_rfm_segments').waitFor({ timeout: 15_000 });
  });

  test('renaming a segment renames it in the charts; saving writes segment_name and keeps it in the workspace', async () => {
    const { page } = app;
    const name = page.getByTestId('segment-name').first();
    await name.fill('Champions');
    const projection = page.getByTestId('segments-projection');
    await expect.poll(() => projection.locator('.legendtext').allTextContents(), { timeout: 15_000 }).toContain('Champions');

    await page.getByTestId('segments-save-name').fill('Retail RFM k4');
    await page.getByTestId('segments-save').click();
    await expect.poll(() => page.getByTestId('segments-status').innerText(), { timeout: 30_000 }).toMatch(/Saved 442 rows with their segment and segment_name into online_retail_rfm_segments/);
    const saved = page.getByTestId('segments-saved');
    await expect.poll(() => saved.locator('li').count()).toBe(1);
    expect(await saved.innerText()).toMatch(/Retail RFM k4[\s\S]*k = 4 · online_retail_rfm → online_retail_rfm_segments · Champions, /);

    // The named column is in DuckDB: count Champions through the SQL tab.
    await page.getByTestId('tab-data').click();
    await catalogTable(page, 'online_retail_rfm_segments').click();
    await expect.poll(() => page.locator('[data-testid="data-view"]').innerText(), { timeout: 30_000 }).toMatch(/segment_name/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-workspace').click()]);
    workspaceText = fs.readFileSync(await download.path(), 'utf8');
    const workspace = parseWorkspace(workspaceText);
    const record = workspace.segments?.saved[0];
    expect(record?.name).toBe('Retail RFM k4');
    expect(record?.segmentNames[0]).toBe('Champions');
    expect(record?.centroids).toHaveLength(4);
    expect(record?.centroids[0]?.length).toBeGreaterThanOrEqual(5);
    expect(record?.preprocessor).toMatchObject({ version: 1 });
    expect(workspace.segments?.current?.segmentNames[0]).toBe('Champions');
    expect(workspace.segments?.features.sql).toContain('-- checked by hand');
    expect(workspace.segments?.features.form).toMatchObject({ table: 'online_retail', key: 'CustomerID', asOf: '2011-12-10', where: CLEANING });
    expect(workspace.segments?.cluster).toMatchObject({ table: 'online_retail_rfm', k: '4' });

    // The named segments become segment tags in the Tags tab, carrying their scaler and centroids.
    await page.getByTestId('tab-segments').click();
    await page.getByTestId('segments-save-tags').click();
    await expect.poll(() => page.getByTestId('segments-status').innerText(), { timeout: 30_000 }).toMatch(/Segment tags in the Tags tab: added 4/);
    await page.getByTestId('tab-tags').click();
    const tagRows = page.locator('[data-testid="tags-group"][data-group="behaviour"] [data-testid="tag-row"]');
    await expect.poll(() => tagRows.count(), { timeout: 15_000 }).toBe(4);
    await tagRows.filter({ hasText: 'Champions' }).locator('button').first().click();
    await expect.poll(() => page.getByTestId('tag-segment-embedded').innerText(), { timeout: 15_000 }).toMatch(/Segment 0 of “Retail RFM k4” \(k = 4\)/);
  });

  test('a k sweep draws the elbow and silhouette charts, and its best k can be used', async () => {
    const { page } = app;
    await page.getByTestId('tab-segments').click();
    await page.getByTestId('cluster-k-from').fill('2');
    await page.getByTestId('cluster-k-to').fill('6');
    await page.getByTestId('cluster-sweep').click();
    const elbow = page.locator('[data-testid="sweep-elbow"][data-rendered="true"]');
    await elbow.waitFor({ timeout: 90_000 });
    expect(await elbow.locator('.scatterlayer .trace').first().locator('.point').count()).toBe(5);
    await page.locator('[data-testid="sweep-silhouette"][data-rendered="true"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('sweep-backend').innerText()).toMatch(/backend (cpu|webgpu)/);
    const useBest = page.getByTestId('sweep-use-best');
    const best = /k = (\d+)/.exec(await useBest.innerText())?.[1];
    await useBest.click();
    expect(await page.getByTestId('cluster-k').inputValue()).toBe(best);
  });

  test('a running sweep is cancelled from its Cancel button and the view stays usable', async () => {
    const { page } = app;
    await page.getByTestId('cluster-table').selectOption('online_shoppers_intention');
    await page.getByTestId('cluster-all-numeric').click();
    await page.getByTestId('cluster-k-to').fill('12');
    await page.getByTestId('cluster-sweep').click();
    await page.getByTestId('segments-cancel').click({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('segments-error').innerText(), { timeout: 30_000 }).toBe('The k sweep was cancelled.');
    expect(await page.getByTestId('cluster-sweep').isEnabled()).toBe(true);
    expect(await page.getByTestId('segments-progress').count()).toBe(0);
  });

  test('reopening the saved workspace brings back the form, the SQL and the named segmentation', async () => {
    const { page } = app;
    const dir = fs.mkdtempSync('/tmp/assay-segments-');
    const file = `${dir}/segments.assay.json`;
    fs.writeFileSync(file, workspaceText);
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-workspace').click()]);
    await chooser.setFiles(file);
    await catalogTable(page, 'online_retail').waitFor({ timeout: 60_000 });
    await page.getByTestId('tab-segments').click();
    await expect.poll(() => page.getByTestId('segments-saved').innerText(), { timeout: 15_000 }).toMatch(/Retail RFM k4/);
    expect(await page.getByTestId('features-as-of').inputValue()).toBe('2011-12-10');
    expect(await page.locator('[data-testid="features-sql"] .cm-content').innerText()).toContain('-- checked by hand');
    expect(app.consoleErrors).toEqual([]);
  });
});
