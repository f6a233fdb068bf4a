/**
 * The Tags tab in a real Chromium against the built renderer, on the sample
 * online_shoppers_intention: write a rule and watch its live count (checked against native
 * DuckDB), see a syntax error at its exact position, mine rules for Revenue, add them as tags,
 * validate the set with gates, and export tags.json (read back by the engine's tag-set parser).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { parseTagSetJson } from '../../workers/tags/tag';
import { REPO_ROOT, useAppPage } from './helpers';

const SHOPPERS_CSV = path.join(REPO_ROOT, 'samples/online_shoppers_intention/online_shoppers_intention.csv');
const RULE = "PageValues > 0 and Month = 'Nov'";
// The value after ">" is missing: the parser must point at "and" (offset 13, column 14).
const BROKEN_RULE = "PageValues > and Month = 'Nov'";

/** The count of rows matching the rule and the table's size, by native DuckDB on the same CSV. */
async function nativeCount(): Promise<{ count: number; rows: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const reader = await db.runAndReadAll(
      `SELECT count(*) FILTER (WHERE PageValues > 0 AND Month = 'Nov') AS n, count(*) AS total FROM read_csv('${SHOPPERS_CSV.replaceAll("'", "''")}', delim = ';', header = true)`,
    );
    const row = reader.getRowObjectsJS()[0] as { n: bigint | number; total: bigint | number };
    return { count: Number(row.n), rows: Number(row.total) };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

async function typeRule(page: Page, text: string): Promise<void> {
  const editor = page.locator('[data-testid="rule-editor"] .cm-content');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Escape'); // close the completion popup, if open
}

const app = useAppPage();

describe('Tags: rule editor, mining, validation, export', () => {
  test('a rule shows its live count of matching rows, equal to a SQL count', async () => {
    const { page } = app;
    await page.getByTestId('tab-tags').click();
    await page.getByTestId('tags-table').selectOption('online_shoppers_intention');
    const expected = await nativeCount();
    expect(expected.rows).toBe(12_330);
    expect(expected.count).toBeGreaterThan(100);
    await typeRule(page, RULE);
    const count = page.getByTestId('rule-count');
    await expect.poll(() => count.getAttribute('data-count'), { timeout: 30_000 }).toBe(String(expected.count));
    expect(await count.getAttribute('data-rows')).toBe(String(expected.rows));
    expect(await count.innerText()).toContain(`of ${expected.rows.toLocaleString('en-US')} rows match`);
    expect(await page.getByTestId('rule-errors').count()).toBe(0);
  });

  test('a broken rule shows its syntax error at the exact position, underlined', async () => {
    const { page } = app;
    await typeRule(page, BROKEN_RULE);
    const problem = page.getByTestId('rule-error').first();
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.getAttribute('data-offset')).toBe('13');
    expect(await problem.getAttribute('data-line')).toBe('1');
    expect(await problem.getAttribute('data-column')).toBe('14');
    expect(await problem.innerText()).toMatch(/line 1, column 14/);
    // The underline covers the offending token.
    await expect.poll(() => page.locator('[data-testid="rule-editor"] .rule-error-mark').innerText()).toBe('and');
    expect(await page.getByTestId('rule-count').count()).toBe(0);
  });

  test('the fixed rule becomes a draft tag in its group', async () => {
    const { page } = app;
    await typeRule(page, RULE);
    await page.getByTestId('rule-count').waitFor({ timeout: 30_000 });
    await page.getByTestId('tag-name').fill('November buyers');
    await page.getByTestId('tag-group').selectOption('behaviour');
    await page.getByTestId('tag-owner').fill('growth team');
    await page.getByTestId('tag-save').click();
    const row = page.locator('[data-testid="tags-group"][data-group="behaviour"] [data-testid="tag-row"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.getAttribute('data-status')).toBe('draft');
    expect(await row.innerText()).toContain('November buyers');
    expect(await row.innerText()).toContain('rule');
  });

  test('mines rules for Revenue with their evidence and adds them as tags', async () => {
    const { page } = app;
    await page.getByTestId('tags-section-mine').click();
    await page.getByTestId('mine-target').selectOption('Revenue');
    // Mining states the validation gate and aims above it by default.
    expect(await page.getByTestId('mine-min-precision').inputValue()).toBe('0.85');
    expect(await page.getByTestId('mine-gate-note').innerText()).toMatch(/^Validation gate: precision ≥ 0\.8 on holdout rows\. Mining aims above it/);
    // Revenue is a BOOLEAN column in the sample (TRUE/FALSE): its positive value defaults to true.
    expect(await page.getByTestId('mine-positive').locator('option').first().innerText()).toMatch(/true/);
    // A long search can be cancelled; the panel says so and stays usable.
    await page.getByTestId('mine-budget').fill('120');
    await page.getByTestId('mine-run').click();
    await page.getByTestId('mine-progress').waitFor({ timeout: 15_000 });
    await page.getByTestId('mine-cancel').click();
    await expect.poll(() => page.getByTestId('mine-error').innerText().catch(() => ''), { timeout: 30_000 }).toBe('Mining was cancelled.');
    await page.getByTestId('mine-budget').fill('8');
    await page.getByTestId('mine-run').click();
    const result = page.getByTestId('mine-result');
    await result.waitFor({ timeout: 120_000 });
    const rules = page.getByTestId('mined-rule');
    const n = await rules.count();
    expect(n).toBeGreaterThan(0);
    expect(await page.getByTestId('mine-rules').innerText()).toContain('PageValues');
    expect(await page.getByTestId('mine-application').innerText()).toMatch(/when (any of the \d+ rules fires|the rule fires)/);
    const evidence = await rules.first().innerText();
    expect(evidence).toMatch(/holdout: precision \d\.\d{3} \[\d\.\d{3}–\d\.\d{3}\]/);
    expect(evidence).toMatch(/rows tagged, [\d,]+ right, [\d,]+ wrong/);
    // Example rows are read back from the table.
    await rules.first().getByRole('button', { name: 'Show rows' }).click();
    await expect.poll(() => page.getByTestId('mine-examples').locator('tbody tr').count()).toBeGreaterThan(0);
    await page.getByTestId('mine-add').click();
    await expect.poll(() => page.locator('[data-testid="tags-group"][data-group="predictive"] [data-testid="tag-row"]').count()).toBe(n);
  });

  test('validates the tag set: metrics with intervals, gate reasons, statuses, overlap heatmap', async () => {
    const { page } = app;
    await page.getByTestId('tags-section-validate').click();
    // The target comes over from the mining, with the same default (stratified, 30%, seed 42) holdout.
    expect(await page.getByTestId('validate-target').inputValue()).toBe('Revenue');
    // Every default: rules mined with the default settings pass the default gates.
    expect(await page.getByTestId('gate-precision').inputValue()).toBe('0.8');
    expect(await page.getByTestId('gate-coverage').inputValue()).toBe('1');
    await page.getByTestId('validate-run').click();
    await page.getByTestId('validate-result').waitFor({ timeout: 90_000 });
    const rows = page.getByTestId('validate-row');
    const tagCount = await page.getByTestId('tag-row').count();
    expect(await rows.count()).toBe(tagCount);
    expect(await page.getByTestId('validate-table').innerText()).toMatch(/\d\.\d{3} \[\d\.\d{3}–\d\.\d{3}\]/);

    // Each tag's badge and status in the list agree with its verdict in the table.
    let passed = 0;
    for (let i = 0; i < tagCount; i++) {
      const row = rows.nth(i);
      const id = (await row.getAttribute('data-tag-id')) as string;
      const ok = (await row.getAttribute('data-passed')) === 'true';
      const listed = page.locator(`[data-testid="tag-row"][data-tag-id="${id}"]`);
      expect(await listed.getAttribute('data-status')).toBe(ok ? 'validated' : 'draft');
      expect(await listed.getByTestId('tag-gate').innerText()).toBe(ok ? 'gates ✓' : 'gates ✗');
      if (ok) passed++;
      else expect(await row.getByTestId('validate-reasons').innerText()).toMatch(/(precision|coverage) [\d.]+%? < [\d.]+%? on holdout/);
    }
    // Mined at precision >= 0.85 on out-of-bag rows: at least one passes the 0.8 gate on holdout.
    expect(passed).toBeGreaterThan(0);

    // A strict gate fails every tag, says why, and sends validated tags back to draft.
    await page.getByTestId('gate-precision').fill('0.99');
    await page.getByTestId('validate-run').click();
    await expect.poll(() => page.locator('[data-testid="validate-row"][data-passed="true"]').count(), { timeout: 90_000 }).toBe(0);
    await expect.poll(() => page.locator('[data-testid="tag-row"][data-status="validated"]').count()).toBe(0);
    expect(await page.getByTestId('validate-reasons').first().innerText()).toMatch(/precision [\d.]+ < 0\.99 on holdout \(95% CI/);
    // The reason shows in the editor too, for the selected tag.
    await page.locator('[data-testid="tag-row"]').first().locator('button').click();
    expect(await page.getByTestId('tag-gate-reasons').innerText()).toMatch(/Fails its gates: precision/);

    if (tagCount > 1) {
      const heatmap = page.locator('[data-testid="validate-overlap"][data-rendered="true"]');
      await page.getByTestId('tags-section-validate').click();
      await heatmap.waitFor({ timeout: 30_000 });
      expect(await heatmap.locator('.heatmaplayer, .hm').count()).toBeGreaterThan(0);
    }
    // Back to the default gate for the export below.
    await page.getByTestId('gate-precision').fill('0.8');
    await page.getByTestId('validate-run').click();
    await expect.poll(() => page.locator('[data-testid="tag-row"][data-status="validated"]').count(), { timeout: 90_000 }).toBe(passed);
  });

  test('exports tags.json that the engine reads, with statuses and rules', async () => {
    const { page } = app;
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('tags-export').click()]);
    const file = await download.path();
    const set = parseTagSetJson(fs.readFileSync(file, 'utf8'));
    expect(download.suggestedFilename()).toBe('tags.json');
    const names = set.tags.map((t) => t.name);
    expect(names).toContain('November buyers');
    const november = set.tags.find((t) => t.name === 'November buyers');
    expect(november?.definition.kind === 'rule' && november.definition.text).toBe(RULE);
    expect(november?.owner).toBe('growth team');
    expect(set.tags.filter((t) => t.status === 'validated').length).toBeGreaterThan(0);
    expect(app.consoleErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  test('a tag written on another table is left out here with its reason; removing its group takes it along', async () => {
    const { page } = app;
    // A rule on the invoice lines, in a group of its own.
    await page.getByTestId('tags-new-group').fill('retail');
    await page.getByTestId('tags-new-group').press('Enter');
    await page.getByTestId('tags-table').selectOption('online_retail');
    await page.getByTestId('tags-new').click();
    await typeRule(page, 'Quantity > 10');
    await page.getByTestId('rule-count').waitFor({ timeout: 30_000 });
    await page.getByTestId('tag-name').fill('Bulk lines');
    await page.getByTestId('tag-group').selectOption('retail');
    await page.getByTestId('tag-save').click();
    const retail = page.locator('[data-testid="tags-group"][data-group="retail"]');
    await expect.poll(() => retail.getByTestId('tag-row').count()).toBe(1);

    // On the sessions table it cannot run: the Validate tab says so before and after the run.
    await page.getByTestId('tags-table').selectOption('online_shoppers_intention');
    await page.getByTestId('tags-section-validate').click();
    const choice = page.locator('[data-testid="validate-choice"][data-applies="false"]');
    await expect.poll(() => choice.count()).toBe(1);
    expect(await choice.innerText()).toMatch(/Bulk lines\s+— left out here: needs column Quantity, missing in online_shoppers_intention \(made on online_retail\)/);
    await page.getByTestId('validate-run').click();
    const leftOut = page.getByTestId('validate-left-out');
    await leftOut.waitFor({ timeout: 90_000 });
    expect(await leftOut.innerText()).toBe('Left out: Bulk lines (needs column Quantity, missing in online_shoppers_intention (made on online_retail)).');
    expect(await page.locator('[data-testid="validate-row"][data-tag-id="Bulk_lines"]').count()).toBe(0);

    // Removing a group that holds tags asks first, then removes the group and its tags.
    await retail.getByTestId('tags-group-remove').click();
    const confirm = page.getByTestId('tags-group-confirm');
    expect(await confirm.innerText()).toMatch(/Remove “retail” and its 1 tag\?/);
    await page.getByTestId('tags-group-confirm-remove').click();
    await expect.poll(() => retail.count()).toBe(0);
    expect(await page.locator('[data-testid="tag-row"][data-tag-id="Bulk_lines"]').count()).toBe(0);
    expect(await page.getByTestId('tags-status').innerText()).toContain('Removed the group “retail” and its 1 tag.');
    expect(app.consoleErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});

describe('Tags: a table change and remembered choices', () => {
  /** The text of the option a <select> shows: what the user sees, to compare with what it sends. */
  const shownOption = (page: Page, testId: string): Promise<string> => page.getByTestId(testId).evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');

  test('mined rules go away with their table; pickers show the remembered target and value they send', async () => {
    const { page } = app;
    await page.getByTestId('tab-tags').click();
    await page.getByTestId('tags-table').selectOption('online_shoppers_intention');
    await page.getByTestId('tags-section-mine').click();
    await page.getByTestId('mine-target').selectOption('VisitorType');
    await page.getByTestId('mine-positive').selectOption('New_Visitor');
    await page.getByTestId('mine-budget').fill('2');
    await page.getByTestId('mine-run').click();
    await page.getByTestId('mine-result').waitFor({ timeout: 60_000 });

    // Another table: the rules (and their "Show rows" row numbers) were for the old one.
    await page.getByTestId('tags-table').selectOption('online_retail');
    await expect.poll(() => page.getByTestId('mine-result').count()).toBe(0);
    // The remembered target and value are still what mining would send, and the pickers show them.
    expect(await page.getByTestId('mine-target').inputValue()).toBe('VisitorType');
    expect(await shownOption(page, 'mine-target')).toBe('VisitorType (not in this table)');
    expect(await page.getByTestId('mine-positive').inputValue()).toBe('New_Visitor');
    expect(await shownOption(page, 'mine-positive')).toBe('New_Visitor (not in this table)');
    await page.getByTestId('tags-section-validate').click();
    const validateTarget = await page.getByTestId('validate-target').inputValue();
    expect(validateTarget).not.toBe('');
    expect(await shownOption(page, 'validate-target')).toBe(`${validateTarget} (not in this table)`);

    // Back on the first table the old result does not come back: it was cleared, not hidden.
    await page.getByTestId('tags-table').selectOption('online_shoppers_intention');
    await page.getByTestId('tags-section-mine').click();
    expect(await shownOption(page, 'mine-target')).toMatch(/^VisitorType \(/);
    expect(await page.getByTestId('mine-result').count()).toBe(0);
    expect(app.consoleErrors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
