/**
 * The Segments tab's propensity dataset in a real Chromium: the windowed template with a 1-day label
 * window on a generated event log, the as-of date defaulting to the data (less the label window),
 * the refusals in plain words, the built table equal cell for cell to what `assay features` writes
 * for the same options, and the table going straight to the Models view to train on `label`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { featuresCommand } from '../../workers/cli/features';
import { createRng } from '../../workers/gbdt/rng';
import { catalogRowCount, catalogTable, fixtureDir, openFiles, useAppPage, writeFixture, runSqlInTab } from './helpers';

const USERS = 300;
const stamp = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/**
 * 300 users over May 2025 and 2025-06-01 (the label day, the data's last). A third are "warm": they
 * view and cart in the last three days of May and mostly buy on June 1st; the rest rarely do.
 */
function eventLog(): string {
  const rng = createRng(2515);
  const lines = ['user_id,ts,event_type,price,item_id'];
  const may1 = Date.UTC(2025, 4, 1);
  const june1 = Date.UTC(2025, 5, 1);
  for (let user = 1; user <= USERS; user++) {
    const warm = rng() < 1 / 3;
    const item = (): string => `i${Math.floor(rng() * 60)}`;
    for (let i = 0; i < 3; i++) lines.push(`${user},${stamp(may1 + Math.floor(rng() * 25 * 86_400_000))},${rng() < 0.8 ? 'pv' : 'buy'},${(rng() * 50).toFixed(2)},${item()}`);
    if (warm) for (let i = 0; i < 4; i++) lines.push(`${user},${stamp(june1 - Math.floor(rng() * 3 * 86_400_000) - 1000)},${i === 0 ? 'cart' : 'pv'},0,${item()}`);
    if (rng() < (warm ? 0.8 : 0.1)) lines.push(`${user},${stamp(june1 + Math.floor(rng() * 86_400_000))},buy,${(10 + rng() * 90).toFixed(2)},${item()}`);
  }
  return lines.join('\n');
}

const dir = fixtureDir();
const eventsFile = path.join(dir, 'shop_events.csv');
const cliFile = path.join(dir, 'cli.csv');

const app = useAppPage({
  beforeOpen: async () => {
    writeFixture(dir, 'shop_events.csv', eventLog());
    // The CLI, same options, no --as-of: its default is the view's (the snapshot less the label window).
    const err: string[] = [];
    const code = await featuresCommand(
      ['windowed', eventsFile, '--key', 'user_id', '--time', 'ts', '--event-type', 'event_type', '--value', 'price', '--item', 'item_id', '--windows', '1,3,7', '--label-window', '1d', '--out', cliFile],
      { out: () => undefined, err: (t) => err.push(t) },
    );
    if (code !== 0) throw new Error(`assay features failed: ${err.join('\n')}`);
  },
  afterReady: async ({ page }) => {
    await openFiles(page, [eventsFile]);
    await catalogTable(page, 'shop_events').waitFor({ timeout: 60_000 });
  },
  afterClose: () => fs.rmSync(dir, { recursive: true, force: true }),
});

/** A CSV of plain values (no quoted commas here) as a header and rows of cells. */
function readCsv(text: string): { header: string[]; rows: string[][] } {
  const [head, ...lines] = text.trim().split(/\r?\n/);
  return { header: (head ?? '').split(','), rows: lines.map((l) => l.split(',')) };
}

/** Generates with the form as it is and waits for the error panel to say `message`. */
async function generateFails(page: Page, message: RegExp): Promise<void> {
  await page.getByTestId('features-generate').click();
  await expect.poll(() => page.getByTestId('segments-error').innerText().catch(() => ''), { timeout: 30_000 }).toMatch(message);
}

describe('Segments: a windowed propensity dataset with a label window', () => {
  test('the form offers windows, item, from and a label window; as of follows the data, less the label window', async () => {
    const { page } = app;
    await page.getByTestId('tab-segments').click();
    await page.getByTestId('features-table').selectOption('shop_events');
    await page.getByTestId('features-template').selectOption('windowed');
    expect(await page.getByTestId('features-key').inputValue()).toBe('user_id');
    expect(await page.getByTestId('features-event-type').inputValue()).toBe('event_type');
    expect(await page.getByTestId('features-item').inputValue()).toBe('item_id');
    expect(await page.getByTestId('features-windows').getAttribute('placeholder')).toBe('1, 3, 7, 30');
    await page.getByTestId('features-value').fill('price');
    await page.getByTestId('features-windows').fill('1, 3, 7');
    // The data's snapshot: the day after the latest event (2025-06-01 ...), never today.
    await expect.poll(() => page.getByTestId('features-as-of').inputValue(), { timeout: 30_000 }).toBe('2025-06-02');
    expect(await page.getByTestId('features-as-of-hint').innerText()).toBe('the day after the latest ts');
    // A 1-day label window must end with the data: as of moves back a day, and says why.
    await page.getByTestId('features-label-window').fill('1d');
    await expect.poll(() => page.getByTestId('features-as-of').inputValue()).toBe('2025-06-01');
    expect(await page.getByTestId('features-as-of-hint').innerText()).toBe("1 day before the data's snapshot 2025-06-02, so the label window ends with the data");
    expect(await page.getByTestId('features-label-hint').innerText()).toMatch(/^Adds label: 1 when a purchase \(buy \/ purchase\) happened in the 1 day from as of on, else 0; label_spend: its value there\./);
    expect(await page.getByTestId('features-output').inputValue()).toBe('shop_events_windowed');
  });

  test('mistakes are refused in plain words: bad windows, a label window past the data, as of after every event or before the first, from not before as of', async () => {
    const { page } = app;
    await page.getByTestId('features-windows').fill('1, x');
    await generateFails(page, /The windows must be whole numbers of days from 1 to 3660, separated by commas/);
    await page.getByTestId('features-windows').fill('1, 3, 7');

    await page.getByTestId('features-as-of').fill('2025-06-02');
    await generateFails(page, /The label window of 1 day from the as-of date 2025-06-02 runs to 2025-06-03, past the data's last event \(2025-06-01 [\d:]+\).*Choose an as-of date on or before 2025-06-01/);
    // A date the user wrote stays; the hint then names the snapshot.
    expect(await page.getByTestId('features-as-of-hint').innerText()).toBe("the data's snapshot is 2025-06-02");

    await page.getByTestId('features-label-window').fill('');
    await page.getByTestId('features-as-of').fill('2025-07-01');
    await generateFails(page, /The as-of date 2025-07-01 is after every event \(the latest is 2025-06-01 [\d:]+\)/);
    expect(await page.getByTestId('features-label-hint').count()).toBe(0);
    await page.getByTestId('features-as-of').fill('2025-05-01');
    await generateFails(page, /The as-of date 2025-05-01 is on or before the first event \(2025-05-01 [\d:]+\): no event falls before it, so every feature window is empty/);

    await page.getByTestId('features-as-of').fill('2025-05-20');
    await page.getByTestId('features-from').fill('2025-05-20');
    await generateFails(page, /The lower bound --from 2025-05-20 is not before the as-of date 2025-05-20: no event could count/);
    await page.getByTestId('features-from').fill('2025-05-19');
    await page.getByTestId('features-generate').click();
    await expect.poll(() => page.getByTestId('features-warnings').innerText(), { timeout: 30_000 }).toMatch(/The 3d, 7d windows start before --from 2025-05-19: they count only events from 2025-05-19 on/);
    expect(await page.getByTestId('segments-error').count()).toBe(0);
    await page.getByTestId('features-from').fill('');

    // Cleared, the date follows the data again once the label window is set back.
    await page.getByTestId('features-as-of').fill('');
    await page.getByTestId('features-label-window').fill('1d');
    await expect.poll(() => page.getByTestId('features-as-of').inputValue()).toBe('2025-06-01');
  });

  test('generate and build: one row per user with the windows, label and label_spend, equal to the CLI output', async () => {
    const { page } = app;
    await page.getByTestId('features-generate').click();
    await expect.poll(() => page.getByTestId('features-columns').innerText(), { timeout: 60_000 }).toMatch(/^36 columns: user_id, view_count_1d, .*, label, label_spend$/);
    expect(await page.getByTestId('segments-error').count()).toBe(0);
    await page.getByTestId('features-build').click();
    await expect.poll(() => page.getByTestId('segments-status').innerText(), { timeout: 60_000 }).toMatch(/^Built shop_events_windowed: [\d,]+ rows × 36 columns in .*, a propensity dataset with the target label/);
    await catalogTable(page, 'shop_events_windowed').waitFor({ timeout: 15_000 });
    // Clustering takes the table, but not its label.
    expect(await page.getByTestId('cluster-table').inputValue()).toBe('shop_events_windowed');
    const ticked = await page.getByTestId('cluster-features').locator('li', { has: page.locator('input:checked') }).allInnerTexts();
    expect(ticked.join(' ')).toMatch(/cart_count_3d/);
    expect(ticked.join(' ')).not.toMatch(/\blabel/);

    const cli = readCsv(fs.readFileSync(cliFile, 'utf8'));
    expect(await catalogRowCount(page, 'shop_events_windowed')).toBe(cli.rows.length);

    // The app's table, exported from the SQL tab, against the CLI's file: same columns, same cells.
    await runSqlInTab(page, 'SELECT * FROM shop_events_windowed ORDER BY user_id');
    await expect.poll(() => page.getByTestId('sql-export-csv').isEnabled(), { timeout: 30_000 }).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('sql-export-csv').click()]);
    const ours = readCsv(fs.readFileSync(await download.path(), 'utf8'));
    expect(ours.header).toEqual(cli.header);
    const byUser = (rows: string[][]): string[][] => [...rows].sort((a, b) => Number(a[0]) - Number(b[0]));
    const a = byUser(ours.rows);
    const b = byUser(cli.rows);
    expect(a.length).toBe(b.length);
    let positives = 0;
    a.forEach((row, i) => {
      const other = b[i] as string[];
      row.forEach((cell, j) => {
        const x = Number(cell);
        const y = Number(other[j]);
        if (Math.abs(x - y) > 1e-9 * Math.max(1, Math.abs(y))) expect(`${cli.header[j]} of user ${row[0]}: ${cell}`).toBe(`${cli.header[j]} of user ${row[0]}: ${other[j]}`);
      });
      positives += Number(row[cli.header.indexOf('label')]);
    });
    expect(positives).toBeGreaterThan(20);
    expect(positives).toBeLessThan(a.length);
  });

  test('the built table goes straight to the Models view: target label, split by user, label_spend left out', async () => {
    const { page, consoleErrors } = app;
    await page.getByTestId('tab-segments').click();
    await page.getByTestId('features-open-models').click();
    await expect.poll(() => page.getByTestId('model-source-table').inputValue(), { timeout: 30_000 }).toBe('shop_events_windowed');
    expect(await page.getByTestId('model-target').inputValue()).toBe('label');
    expect(await page.getByTestId('model-split').inputValue()).toBe('entity');
    expect(await page.getByTestId('model-split-key').inputValue()).toBe('user_id');
    await page.getByTestId('model-param-num_boost_round').fill('20');
    await page.getByTestId('model-train').click();
    await page.getByTestId('model-metrics').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('model-warnings').innerText()).toMatch(/"label_spend" left out/);
    const auc = Number(/([01]\.\d+)/.exec(await page.getByTestId('metric-auc').innerText())?.[1]);
    // Recent views and carts tell the warm users apart on held-out users.
    expect(auc).toBeGreaterThan(0.75);
    expect(await page.getByTestId('model-error').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
