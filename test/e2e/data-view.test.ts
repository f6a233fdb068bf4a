/**
 * The Data view on the sample workspace's Online Retail table (36,378 invoice lines): profile
 * cards whose text columns show their category labels and whose dates read as dates, and the
 * Rows tab, a virtualized grid that pages the table's real rows in as they scroll into view.
 */
import { describe, expect, test } from 'vitest';
import { catalogTable, useAppPage } from './helpers';

const TABLE = 'online_retail';
const ROWS = 36_378;

describe('Data view', () => {
  const app = useAppPage({
    afterReady: async ({ page }) => {
      await catalogTable(page, TABLE).waitFor({ timeout: 60_000 });
      await catalogTable(page, TABLE).click();
      await page.locator(`[data-testid="data-view"][data-table="${TABLE}"]`).waitFor();
    },
  });

  test('profile cards label text categories, count distinct values exactly and show dates as dates', async () => {
    const { page } = app;
    const card = (column: string) => page.locator(`[data-testid="profile-card"][data-column="${column}"]`);
    await card('Country').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('profile-coverage').innerText()).toMatch(/all figures exact/);

    const countries = await card('Country').getByTestId('top-value-label').allInnerTexts();
    expect(countries[0]).toBe('United Kingdom');
    expect(countries.length).toBe(8);
    // Invoice numbers look like numbers but are categories: each bar carries its code.
    const invoices = await card('InvoiceNo').getByTestId('top-value-label').allInnerTexts();
    expect(invoices.every((label) => /^C?\d{6}$/.test(label))).toBe(true);
    expect(await card('InvoiceNo').getByTestId('stat-distinct').innerText()).toMatch(/^\d{1,3}(,\d{3})*$/);
    // Long descriptions are cut, with the whole text in the tooltip.
    const description = card('Description').locator('[data-testid="top-values"] li').first();
    expect(await description.getAttribute('title')).toMatch(/^.+: [\d,]+ rows$/);

    expect(await card('InvoiceDate').getByTestId('stat-min').innerText()).toBe('2010-12-01 08:26:00');
    expect(await card('InvoiceDate').getByTestId('stat-max').innerText()).toBe('2011-12-09 12:50:00');
    const ticks = card('InvoiceDate').locator('[data-testid="mini-chart"] .xtick text');
    await ticks.first().waitFor({ timeout: 30_000 });
    const tickText = (await ticks.allTextContents()).join(' ');
    expect(tickText).toMatch(/2011/);
    expect(tickText).not.toMatch(/\d(\.\d+)?B/);
    // Each bin's tooltip gives its range as ISO dates and its row count; the chart is described in words.
    const chart = card('InvoiceDate').getByTestId('mini-chart');
    const binTitles = await chart.locator('.bin > title').allTextContents();
    expect(binTitles.length).toBeGreaterThan(1);
    expect(binTitles[0]).toMatch(/^2010-12-01 08:26:00 – 201[01]-\d\d-\d\d \d\d:\d\d:\d\d: [\d,]+ rows?$/);
    expect(await chart.getAttribute('aria-label')).toMatch(/^Histogram of InvoiceDate: \d+ bins from 2010-12-01 08:26:00 to 2011-12-09 12:50:00; most rows in /);
    // Numeric axes read as round numbers, and counts as whole numbers.
    const quantityTicks = await card('Quantity').locator('[data-testid="mini-chart"] .xtick text').allTextContents();
    expect(quantityTicks.length).toBeGreaterThan(1);
    expect(quantityTicks.every((tick) => /^-?\d+(\.\d+)?[kMBT]?$/.test(tick.replace(/,/g, '')))).toBe(true);
    const countTicks = await chart.locator('.ytick text').allTextContents();
    expect(countTicks[0]).toBe('0');
    expect(countTicks.every((tick) => /^\d+(\.\d+)?k?$/.test(tick))).toBe(true);
  });

  test('the first screen draws its profile charts without loading the charting library', async () => {
    const { page } = app;
    await page.locator('[data-testid="profile-card"] [data-testid="mini-chart"] svg').first().waitFor({ timeout: 60_000 });
    // Plotly (a 1.3 MB script: a 0.2 s task) is not part of the first screen: the only thing that
    // fetches it before a big chart is the idle preload, which starts after the app is ready.
    const plotly = await page.evaluate(() => {
      const preload = performance.getEntriesByName('assay: plotly preload', 'mark')[0]?.startTime ?? Infinity;
      const fetches = performance.getEntriesByType('resource').filter((entry) => /plotly/i.test(entry.name));
      return { fetchedBeforePreload: fetches.filter((entry) => entry.startTime < preload).length, globalWithoutPreload: 'Plotly' in window && preload === Infinity };
    });
    expect(plotly).toEqual({ fetchedBeforePreload: 0, globalWithoutPreload: false });
  });

  test('the Rows tab shows the table’s real rows and pages in the end on scroll', async () => {
    const { page } = app;
    await page.getByTestId('data-tab-rows').click();
    const grid = page.getByTestId('data-grid');
    await grid.waitFor({ timeout: 30_000 });
    expect(await grid.getAttribute('aria-rowcount')).toBe(String(ROWS + 1));
    const firstRow = grid.locator('[role="row"][aria-rowindex="2"]');
    await expect.poll(() => firstRow.innerText()).toMatch(/536365\s+85123A\s+WHITE HANGING HEART T-LIGHT HOLDER\s+6/);
    expect(await grid.locator('[role="columnheader"]').first().innerText()).toMatch(/InvoiceNo/);

    // Scrolled to the end, the last page is fetched (and only rows near it are in the DOM).
    await grid.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    const lastRow = grid.locator(`[role="row"][aria-rowindex="${ROWS + 1}"]`);
    await expect.poll(() => lastRow.innerText(), { timeout: 30_000 }).toMatch(/581587\s+22138\s+BAKING SET 9 PIECE RETROSPOT/);
    expect(await grid.locator('[role="row"]').count()).toBeLessThan(100);

    await page.getByTestId('data-tab-profile').click();
    await page.locator('[data-testid="profile-card"]').first().waitFor();
    expect(await page.getByTestId('data-grid').count()).toBe(0);
  });
});
