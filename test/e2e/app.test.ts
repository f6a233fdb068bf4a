/**
 * The app in a real Chromium against the built renderer: files in through the file input, the
 * sample workspace, profiles, SQL, charts, cancel, and bad input. One browser for the file; two
 * pages (an empty start and the sample workspace), reused across tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { parseWorkspace } from '../../renderer/workspace';
import {
  REPO_ROOT,
  catalogRowCount,
  catalogTable,
  fixtureDir,
  launchBrowser,
  openApp,
  openFiles,
  waitForIdle,
  waitForReady,
  writeFixture,
  type AppPage,
} from './helpers';

const SHOPPERS_CSV = path.join(REPO_ROOT, 'samples/online_shoppers_intention/online_shoppers_intention.csv');
const SHOPPERS_ROWS = 12_330;

let browser: Browser;
let fixtures: string;

beforeAll(async () => {
  browser = await launchBrowser();
  fixtures = fixtureDir();
});

afterAll(async () => {
  await browser?.close();
  if (fixtures) fs.rmSync(fixtures, { recursive: true, force: true });
});

function errorNotices(page: Page) {
  return page.locator('[data-testid="notice"][data-tone="error"]');
}

async function dismissNotices(page: Page): Promise<void> {
  const buttons = page.locator('[data-testid="notice"] button');
  while ((await buttons.count()) > 0) await buttons.first().click();
}

/** Replaces the editor's text (CodeMirror) and runs it. */
async function runSql(page: Page, sql: string): Promise<void> {
  const editor = page.locator('#panel-sql [data-testid="sql-editor"] .cm-content');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(sql);
  await page.getByTestId('sql-run').click();
}

async function resultCount(page: Page): Promise<number> {
  const text = await page.getByTestId('sql-result-count').innerText();
  return Number(text.replace(/[^0-9]/g, ''));
}

describe('empty start: files through the file input', () => {
  let app: AppPage;

  beforeAll(async () => {
    app = await openApp(browser, '?samples=0');
  });

  afterAll(async () => {
    await app?.page.close();
  });

  test('the UI is usable before the engine is ready, then reports DuckDB ready', async () => {
    const { page } = app;
    const openButton = page.getByTestId('open-files');
    await openButton.waitFor();
    // DuckDB's 34 MB wasm takes seconds to compile; the shell is on screen well before.
    expect(await page.getByTestId('engine-status').getAttribute('data-state')).toBe('starting');
    expect(await page.getByTestId('engine-status').innerText()).toMatch(/Starting DuckDB/);
    // The button works now: the file chooser opens and the file is queued until DuckDB is up.
    const early = writeFixture(fixtures, 'early.csv', 'x,y\n1,a\n2,b\n');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), openButton.click()]);
    await chooser.setFiles(early);
    await page.getByTestId('tab-sql').click();
    await page.getByTestId('tab-data').click();
    expect(await page.getByTestId('tab-data').getAttribute('aria-selected')).toBe('true');

    await waitForReady(page);
    const status = page.getByTestId('engine-status');
    expect(await status.getAttribute('data-state')).toBe('ready');
    expect(await status.innerText()).toMatch(/DuckDB v?\d+\.\d+/);
    await catalogTable(page, 'early').waitFor({ timeout: 30_000 });
    expect(await catalogRowCount(page, 'early')).toBe(2);
  });

  test('opening the online shoppers CSV shows its table, row count and profile cards', async () => {
    const { page } = app;
    await openFiles(page, [SHOPPERS_CSV]);
    const table = catalogTable(page, 'online_shoppers_intention');
    await table.waitFor({ timeout: 60_000 });
    expect(await catalogRowCount(page, 'online_shoppers_intention')).toBe(SHOPPERS_ROWS);
    await page.locator('[data-testid="data-view"][data-table="online_shoppers_intention"]').waitFor();
    expect(await page.getByTestId('data-row-count').innerText()).toContain('12,330 rows');
    const revenue = page.locator('[data-testid="profile-card"][data-column="Revenue"]');
    await revenue.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('profile-card').count()).toBe(18);
    expect(await revenue.locator('.type-badge').innerText()).toBe('BOOLEAN');
    // Revenue has no NULLs and two values.
    expect(await revenue.getByTestId('stat-nulls').innerText()).toBe('0%');
    expect(await revenue.getByTestId('stat-distinct').innerText()).toBe('2');
    // Numeric columns draw a histogram (plain SVG: no charting library on the first screen).
    const histogram = page.locator('[data-testid="profile-card"][data-column="ProductRelated_Duration"] [data-testid="mini-chart"] svg .bar');
    await histogram.first().waitFor({ timeout: 30_000 });
    expect(await errorNotices(page).count()).toBe(0);
  });

  test('several files at once, including gzip, TSV and NDJSON', async () => {
    const { page } = app;
    const { gzipSync } = await import('node:zlib');
    const csv = 'id,city,amount\n1,Lisbon,10.5\n2,Porto,\n3,Braga,7.25\n';
    const files = [
      writeFixture(fixtures, 'orders.csv.gz', gzipSync(Buffer.from(csv))),
      writeFixture(fixtures, 'regions.tsv', 'code\tname\nN\tNorth\nS\tSouth\n'),
      writeFixture(fixtures, 'events.ndjson', '{"user":1,"kind":"view"}\n{"user":2,"kind":"buy"}\n{"user":1,"kind":"buy"}\n{"user":3,"kind":null}\n'),
    ];
    await openFiles(page, files);
    await catalogTable(page, 'orders').waitFor({ timeout: 60_000 });
    await catalogTable(page, 'regions').waitFor({ timeout: 60_000 });
    await catalogTable(page, 'events').waitFor({ timeout: 60_000 });
    expect(await catalogRowCount(page, 'orders')).toBe(3);
    expect(await catalogRowCount(page, 'regions')).toBe(2);
    expect(await catalogRowCount(page, 'events')).toBe(4);
    await waitForIdle(page);
    expect(await errorNotices(page).allInnerTexts()).toEqual([]);
  });

  test('bad input gives clear errors and leaves other tables unchanged', async () => {
    const { page } = app;
    await dismissNotices(page);
    const corrupt = writeFixture(fixtures, 'corrupt.parquet', new Uint8Array([0x50, 0x41, 0x52, 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x50, 0x41, 0x52, 0x31]));
    const empty = writeFixture(fixtures, 'empty.csv', '');
    await openFiles(page, [corrupt, empty]);
    await expect.poll(() => errorNotices(page).count(), { timeout: 60_000 }).toBe(2);
    const messages = (await errorNotices(page).allInnerTexts()).join('\n');
    expect(messages).toMatch(/Could not open corrupt\.parquet: .*(parquet|corrupt|damaged)/i);
    expect(messages).toMatch(/Could not open empty\.csv: .*empty/i);
    expect(await catalogTable(page, 'corrupt').count()).toBe(0);
    expect(await catalogTable(page, 'empty').count()).toBe(0);
    await dismissNotices(page);

    // A ragged CSV (a short row, a long row) and Latin-1 bytes load, and the app says how.
    const ragged = writeFixture(fixtures, 'ragged.csv', 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
    const latin1 = writeFixture(fixtures, 'latin1.csv', Buffer.concat([Buffer.from('name,city\nJos'), Buffer.from([0xe9]), Buffer.from(',S'), Buffer.from([0xe3]), Buffer.from('o Paulo\nAna,Porto\n')]));
    await openFiles(page, [ragged, latin1]);
    await catalogTable(page, 'ragged').waitFor({ timeout: 30_000 });
    await waitForIdle(page);
    const warnings = (await page.locator('[data-testid="notice"][data-tone="warning"]').allInnerTexts()).join('\n');
    const raggedNote = /ragged\.csv has malformed rows.*Loaded (\d+) rows/.exec(warnings);
    expect(raggedNote, warnings).not.toBeNull();
    // The short row is padded, so at least the three rows with <= 3 fields are there, and the
    // count the warning states is the table's real count.
    const raggedRows = await catalogRowCount(page, 'ragged');
    expect(raggedRows).toBeGreaterThanOrEqual(3);
    expect(Number(raggedNote?.[1])).toBe(raggedRows);
    expect(warnings).toMatch(/latin1\.csv is not valid UTF-8; it was decoded as Latin-1/);

    await catalogTable(page, 'latin1').waitFor({ timeout: 30_000 });
    expect(await catalogRowCount(page, 'latin1')).toBe(2);
    await catalogTable(page, 'latin1').getByTestId('catalog-table-name').click();
    const cityCard = page.locator('[data-testid="profile-card"][data-column="city"]');
    await cityCard.waitFor({ timeout: 30_000 });
    // The Latin-1 bytes were decoded into real characters (no U+FFFD replacement marks).
    const samples = await page.locator('[data-testid="profile-card"][data-column="name"] .samples').innerText();
    expect(samples).toContain('José');
    expect(samples).not.toContain('\uFFFD');
    await dismissNotices(page);

    // A column name that tries SQL injection is just a name.
    const evilColumn = 'a"; DROP TABLE x;--';
    const injection = writeFixture(fixtures, 'injection.csv', `"a""; DROP TABLE x;--",b\n1,2\n3,4\n`);
    await openFiles(page, [injection]);
    await catalogTable(page, 'injection').waitFor({ timeout: 30_000 });
    expect(await catalogRowCount(page, 'injection')).toBe(2);
    await page.locator(`[data-testid="profile-card"][data-column='${evilColumn}']`).waitFor({ timeout: 30_000 });

    // Nothing else moved.
    expect(await catalogRowCount(page, 'online_shoppers_intention')).toBe(SHOPPERS_ROWS);
    expect(await catalogRowCount(page, 'orders')).toBe(3);
    expect(await errorNotices(page).count()).toBe(0);
  });

  test('catalog: change a column type, rename and drop a table', async () => {
    const { page } = app;
    const regions = catalogTable(page, 'regions');
    await regions.getByRole('button', { name: 'Show columns of regions' }).click();
    // Retype a text column to INTEGER: every value fails to convert, so the engine refuses.
    await regions.getByLabel('Type of code').selectOption('INTEGER');
    // Picking only stages the change: it names it and waits for "Change type".
    const staged = regions.locator('[data-testid="catalog-type-change"]');
    expect(await staged.innerText()).toMatch(/VARCHAR → INTEGER/);
    await staged.getByRole('button', { name: 'Change type' }).click();
    await expect.poll(() => errorNotices(page).count(), { timeout: 30_000 }).toBe(1);
    expect(await errorNotices(page).innerText()).toMatch(/Could not change code to INTEGER/);
    await dismissNotices(page);
    expect(await regions.getByLabel('Type of code').inputValue()).toBe('VARCHAR');

    const orders = catalogTable(page, 'orders');
    await orders.getByRole('button', { name: 'Show columns of orders' }).click();
    const amount = orders.getByLabel('Type of amount');
    const amountType = await amount.inputValue();
    expect(amountType).toBe('DOUBLE');
    // An arrow key on the closed select fires `change` in Chromium: it stages a type, never runs the ALTER.
    await amount.focus();
    await page.keyboard.press('ArrowUp');
    const amountChange = orders.locator('[data-testid="catalog-type-change"]');
    await amountChange.waitFor({ timeout: 5_000 });
    expect(await amountChange.innerText()).toContain('DOUBLE → FLOAT');
    // Escape discards it: the column keeps its type and the select keeps the focus.
    await page.keyboard.press('Escape');
    await amountChange.waitFor({ state: 'detached', timeout: 5_000 });
    expect(await amount.inputValue()).toBe(amountType);
    expect(await amount.evaluate((el) => el === document.activeElement)).toBe(true);
    // Enter applies a staged pick; focus comes back to the select once the job is done.
    await amount.selectOption('VARCHAR');
    await amount.press('Enter');
    await expect.poll(() => orders.getByLabel('Type of amount').inputValue(), { timeout: 30_000 }).toBe('VARCHAR');
    expect(await amountChange.count()).toBe(0);
    await expect.poll(() => amount.evaluate((el) => el === document.activeElement), { timeout: 10_000 }).toBe(true);
    expect(await errorNotices(page).count()).toBe(0);

    await orders.getByRole('button', { name: 'Rename' }).click();
    const input = page.getByLabel('New name for orders');
    await input.fill('orders_2024');
    await input.press('Enter');
    await catalogTable(page, 'orders_2024').waitFor({ timeout: 30_000 });
    expect(await catalogRowCount(page, 'orders_2024')).toBe(3);

    const renamed = catalogTable(page, 'orders_2024');
    await renamed.getByTestId('catalog-table-name').click();
    await page.locator('[data-testid="data-view"][data-table="orders_2024"]').waitFor();
    await renamed.getByRole('button', { name: 'Drop' }).click();
    await renamed.getByRole('button', { name: 'Drop', exact: true }).last().click();
    await catalogTable(page, 'orders_2024').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await catalogRowCount(page, 'online_shoppers_intention')).toBe(SHOPPERS_ROWS);
  });
});

describe('sample workspace: SQL, charts, cancel, save', () => {
  let app: AppPage;

  beforeAll(async () => {
    app = await openApp(browser);
    await waitForReady(app.page);
  });

  afterAll(async () => {
    await app?.page.close();
  });

  test('first start opens the sample workspace', async () => {
    const { page } = app;
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'samples/manifest.json'), 'utf8')) as { files: Array<{ table: string; rows: number }> };
    for (const file of manifest.files) {
      expect(await catalogRowCount(page, file.table), file.table).toBe(file.rows);
    }
    const first = manifest.files[0];
    expect(first).toBeDefined();
    await page.locator(`[data-testid="data-view"][data-table="${first?.table}"]`).waitFor();
    await page.getByTestId('profile-card').first().waitFor({ timeout: 60_000 });
    expect(await errorNotices(page).count()).toBe(0);
  });

  test('table pickers in Models, Segments, Tags and Packs start on the catalog selection, and a pick made in a view stays', async () => {
    const { page } = app;
    await catalogTable(page, 'online_retail').click();
    await page.locator('[data-testid="data-view"][data-table="online_retail"]').waitFor();
    const pickers: Array<[tab: string, picker: string]> = [
      ['models', 'model-source-table'],
      ['segments', 'features-table'],
      ['segments', 'cluster-table'],
      ['tags', 'tags-table'],
      ['packs', 'pack-build-table'],
    ];
    for (const [tab, picker] of pickers) {
      await page.getByTestId(`tab-${tab}`).click();
      await expect.poll(() => page.getByTestId(picker).inputValue(), { timeout: 30_000, message: picker }).toBe('online_retail');
    }
    // The as-of date is a real value from the data: the day after the last invoice (2011-12-09 12:50).
    await page.getByTestId('tab-segments').click();
    await expect.poll(() => page.getByTestId('features-as-of').inputValue(), { timeout: 30_000 }).toBe('2011-12-10');
    expect(await page.getByTestId('features-as-of-hint').innerText()).toBe('the day after the latest InvoiceDate');

    // A table picked in the Models view stays when the catalog selection moves; untouched pickers follow it.
    await page.getByTestId('tab-models').click();
    await page.getByTestId('model-source-table').selectOption('bank_marketing');
    await catalogTable(page, 'online_shoppers_intention').click();
    await page.getByTestId('tab-segments').click();
    await expect.poll(() => page.getByTestId('features-table').inputValue(), { timeout: 30_000 }).toBe('online_shoppers_intention');
    await page.getByTestId('tab-models').click();
    expect(await page.getByTestId('model-source-table').inputValue()).toBe('bank_marketing');
    await page.getByTestId('tab-data').click();
  });

  test('a query in the SQL tab shows its row count', async () => {
    const { page } = app;
    await page.getByTestId('tab-sql').click();
    await page.locator('#panel-sql [data-testid="sql-editor"] .cm-content').waitFor({ timeout: 30_000 });
    await runSql(page, 'SELECT VisitorType, count(*) AS sessions, avg(CAST(Revenue AS INTEGER)) AS conversion FROM online_shoppers_intention GROUP BY VisitorType ORDER BY sessions DESC');
    await expect.poll(() => resultCount(page), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => page.getByTestId('sql-grid').innerText()).toContain('Returning_Visitor');
  });

  test('a SQL error says where it is', async () => {
    const { page } = app;
    await runSql(page, 'SELECT count(*) FROM online_shoppers_intention WHERE no_such_column > 1');
    const error = page.getByTestId('sql-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toMatch(/no_such_column/);
  });

  test('a chart of the result draws', async () => {
    const { page } = app;
    await runSql(page, 'SELECT Month, count(*) AS sessions FROM online_shoppers_intention GROUP BY Month ORDER BY sessions DESC');
    await expect.poll(() => resultCount(page), { timeout: 30_000 }).toBe(10);
    await page.getByTestId('sql-tab-chart').click();
    await page.getByTestId('chart-type').selectOption('bar');
    const plot = page.locator('[data-testid="chart-plot"] .main-svg');
    await plot.first().waitFor({ timeout: 30_000 });
    // Ten bars, one per month.
    await expect.poll(() => page.locator('[data-testid="chart-plot"] .bars .point').count(), { timeout: 15_000 }).toBe(10);
    await page.getByTestId('sql-tab-results').click();
  });

  test('a chart job cancelled from the jobs panel says so, and Try again draws it', async () => {
    const { page } = app;
    // A few rows behind a slow scalar subquery: the chart's aggregate re-runs it, long enough to cancel.
    await runSql(page, 'SELECT x % 3 AS k FROM range(30) t(x) WHERE (SELECT count(*) FROM range(400000000) r(y) WHERE y % 7 = 3) > 0');
    await expect.poll(() => resultCount(page), { timeout: 120_000 }).toBe(30);
    await page.getByTestId('sql-tab-chart').click();
    await page.getByTestId('chart-type').selectOption('bar');
    await page.locator('[data-testid="chart-plot"][data-state="loading"]').waitFor({ timeout: 15_000 });
    // Cancel the chart's jobs (an axis settling can leave an aborted one queued beside it).
    const jobs = page.locator('[data-testid="job-row"][data-kind="sql.run"]');
    await jobs.first().waitFor({ timeout: 15_000 });
    const failed = page.getByTestId('chart-failed');
    await expect
      .poll(
        async () => {
          for (const button of await jobs.getByTestId('job-cancel').all()) await button.click({ timeout: 1_000 }).catch(() => undefined);
          return failed.count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    expect(await failed.innerText()).toMatch(/Preparing the chart was cancelled/);
    await expect.poll(() => jobs.count(), { timeout: 30_000 }).toBe(0);
    await page.getByTestId('chart-retry').click();
    await expect.poll(() => page.locator('[data-testid="chart-plot"] .bars .point').count(), { timeout: 120_000 }).toBe(3);
    expect(await failed.count()).toBe(0);
    await expect.poll(() => jobs.count(), { timeout: 30_000 }).toBe(0);
    await page.getByTestId('sql-tab-results').click();
  });

  test('a long query is cancelled from the jobs panel and the next query works', async () => {
    const { page } = app;
    await runSql(page, 'SELECT count(*) FROM range(10000000000) t(x) WHERE x % 7 = 3');
    const job = page.locator('[data-testid="job-row"][data-kind="sql.run"]');
    await job.waitFor({ timeout: 15_000 });
    await job.getByTestId('job-cancel').click();
    await job.waitFor({ state: 'detached', timeout: 15_000 });
    const error = page.getByTestId('sql-error');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.innerText()).toMatch(/cancel/i);
    await runSql(page, 'SELECT 42 AS answer');
    await expect.poll(() => resultCount(page), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('sql-grid').innerText()).toContain('42');
    expect(await page.getByTestId('sql-error').count()).toBe(0);
  });

  test('saving the workspace downloads a valid .assay.json with the sample sources', async () => {
    const { page } = app;
    await page.getByTestId('tab-data').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-workspace').click()]);
    expect(download.suggestedFilename()).toMatch(/\.assay\.json$/);
    const file = await download.path();
    const workspace = parseWorkspace(fs.readFileSync(file, 'utf8'));
    const shoppers = workspace.sources.find((source) => source.table === 'online_shoppers_intention');
    expect(shoppers?.sample).toBe('online_shoppers_intention/online_shoppers_intention.csv');
    expect(shoppers?.format).toBe('csv');
    expect(workspace.sql.history.some((entry) => entry.sql.includes('SELECT 42'))).toBe(true);
    expect(workspace.selectedTable).toBe('online_shoppers_intention');
  });

  test('opening a workspace re-opens samples and asks for other files again', async () => {
    const { page } = app;
    const workspaceFile = writeFixture(
      fixtures,
      'review.assay.json',
      JSON.stringify({
        version: 1,
        name: 'review',
        sources: [
          { table: 'shoppers', name: 'online_shoppers_intention.csv', format: 'csv', sample: 'online_shoppers_intention/online_shoppers_intention.csv', delimiter: ';' },
          { table: 'my_regions', name: 'regions_custom.tsv', format: 'csv' },
        ],
        sql: { queries: [{ id: 'q1', name: 'Buyers', sql: 'SELECT count(*) FROM shoppers WHERE Revenue' }], history: [], charts: [] },
        selectedTable: 'shoppers',
      }),
    );
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('open-workspace').click()]);
    await chooser.setFiles(workspaceFile);
    await catalogTable(page, 'shoppers').waitFor({ timeout: 60_000 });
    expect(await catalogRowCount(page, 'shoppers')).toBe(SHOPPERS_ROWS);
    // The workspace replaced what was open.
    expect(await catalogTable(page, 'online_retail').count()).toBe(0);
    await page.locator('[data-testid="data-view"][data-table="shoppers"]').waitFor();
    const pickAgain = page.getByTestId('pick-again');
    await pickAgain.waitFor();
    expect(await pickAgain.innerText()).toContain('regions_custom.tsv');

    await openFiles(page, [writeFixture(fixtures, 'regions_custom.tsv', 'code\tname\nN\tNorth\nS\tSouth\nE\tEast\n')]);
    await catalogTable(page, 'my_regions').waitFor({ timeout: 30_000 });
    expect(await catalogRowCount(page, 'my_regions')).toBe(3);
    await pickAgain.waitFor({ state: 'detached' });
    expect(await errorNotices(page).count()).toBe(0);
  });

  test('no uncaught errors in the page', () => {
    const unexpected = app.consoleErrors.filter((text) => !/Failed to load resource/.test(text));
    expect(unexpected).toEqual([]);
  });
});

describe('engine start-up failure', () => {
  test('a DuckDB that cannot start is reported once, in plain words', async () => {
    const page = await browser.newPage();
    try {
      // Simulates a broken install: the wasm file is missing.
      await page.route('**/duckdb-*.wasm', (route) => route.fulfill({ status: 404, body: 'not here' }));
      await page.goto(new URL('?samples=1', inject('baseUrl')).href, { waitUntil: 'commit' });
      await page.locator('[data-testid="engine-status"][data-state="failed"]').waitFor({ timeout: 60_000 });
      await expect.poll(() => errorNotices(page).count()).toBe(1);
      expect(await errorNotices(page).innerText()).toMatch(/DuckDB could not start.*wasm file is missing.*HTTP 404/);
      expect(await page.getByTestId('app').getAttribute('data-ready')).toBe('false');
      // The sample jobs failed with it instead of hanging.
      await waitForIdle(page, 10_000);
    } finally {
      await page.close();
    }
  });
});
