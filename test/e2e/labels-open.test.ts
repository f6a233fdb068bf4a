/**
 * "Open labeler…" in the Labels tab, in a real Chromium against the built renderer: a trained
 * labeler saved with "Save labeler…" opens back over a different labeler and shows its report and
 * review queue again (and the workspace keeps it); a cut file and a file from a newer format are
 * refused in plain words and the labeler on screen stays.
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { parseWorkspace } from '../../renderer/workspace';
import { useAppPage } from './helpers';
import { openRetailTypesInLabels } from './labels-setup';

const app = useAppPage();
const dir = fs.mkdtempSync('/tmp/assay-labels-open-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Trains with the form as it is; the new headline (the one on screen before, if any, must give way to it). */
async function train(page: Page, previousHeadline: string | null): Promise<string> {
  await page.getByTestId('labels-train-run').click();
  const headline = page.getByTestId('labels-headline');
  const error = page.getByTestId('labels-error');
  const shown = async (): Promise<string> => ((await error.count()) > 0 ? `error: ${await error.innerText()}` : (await headline.count()) > 0 ? headline.innerText() : '');
  await expect
    .poll(
      async () => {
        const now = await shown();
        return now !== '' && now !== previousHeadline;
      },
      { timeout: 150_000 },
    )
    .toBe(true);
  const now = await shown();
  expect(now).toMatch(/^8 labels · accuracy/);
  return now;
}

describe('Open labeler', () => {
  test('a saved labeler opens back with its report; broken and newer files are refused and the labeler on screen stays', { timeout: 300_000 }, async () => {
    const { page, consoleErrors } = app;
    await openRetailTypesInLabels(page);

    // Train at 90% and save the labeler the way a user does.
    const saved = await train(page, null);
    expect(saved).toMatch(/at precision 90\.0%/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('labels-export').click()]);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const good = `${dir}/retail.labeler.json`;
    fs.writeFileSync(good, text);
    const cut = `${dir}/cut.labeler.json`;
    fs.writeFileSync(cut, text.slice(0, Math.floor(text.length / 2)));
    const newer = `${dir}/newer.labeler.json`;
    fs.writeFileSync(newer, JSON.stringify({ ...(JSON.parse(text) as Record<string, unknown>), version: 99 }));

    // A different labeler on screen: retrained at 95%.
    await page.getByTestId('labels-min-precision').fill('0.95');
    const other = await train(page, saved);
    expect(other).toMatch(/at precision 95\.0%/);

    // A cut file: not JSON, said in words; the 95% labeler stays.
    const error = page.getByTestId('labels-error');
    await page.getByTestId('labels-open-input').setInputFiles(cut);
    await expect.poll(() => error.count().then((n) => (n > 0 ? error.innerText() : '')), { timeout: 30_000 }).toMatch(/^cut\.labeler\.json is not a labeler file: it is not valid JSON/);
    expect(await page.getByTestId('labels-headline').innerText()).toBe(other);

    // A newer format: the engine refuses it in words; the 95% labeler stays.
    await page.getByTestId('labels-open-input').setInputFiles(newer);
    await expect.poll(() => error.innerText(), { timeout: 30_000 }).toMatch(/^Opening newer\.labeler\.json failed: This labeler was written by a newer Assay \(format version 99; this one reads up to \d+\)\. Update Assay to use it\./);
    expect(await page.getByTestId('labels-headline').innerText()).toBe(other);
    expect(await page.locator('[data-testid="labels-per-label"] tbody tr').count()).toBe(8);

    // The saved file opens back: its report, curve and review queue, no error.
    await page.getByTestId('labels-open-input').setInputFiles(good);
    await expect.poll(() => page.getByTestId('labels-headline').innerText(), { timeout: 60_000 }).toBe(saved);
    expect(await error.count()).toBe(0);
    await expect.poll(() => page.getByTestId('labels-curve').getAttribute('data-rendered'), { timeout: 30_000 }).toBe('true');
    expect(await page.locator('[data-testid="labels-per-label"] tbody tr').count()).toBe(8);
    await expect.poll(() => page.getByTestId('labels-review-row').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('labels-text').inputValue()).toBe('description');

    // The workspace now keeps the opened labeler (the 90% one), as a reload would load it.
    const [workspaceDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-workspace').click()]);
    const labeler = parseWorkspace(fs.readFileSync(await workspaceDownload.path(), 'utf8')).labels?.labeler;
    expect(labeler?.kind).toBe('assay-labeler');
    expect(labeler?.report.minPrecision).toBe(0.9);
    expect(consoleErrors).toEqual([]);
  });
});
