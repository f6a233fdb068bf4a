/**
 * Keyword rules in the Tags tab, in a real Chromium against the built renderer, on the sample
 * online_retail table: a CONTAINS WORD rule typed as text shows the same live count as native
 * DuckDB gives for its SQL, and keyword rules mined for every class of a label column are added
 * as tags that record their class.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, test } from 'vitest';
import { parseRule } from '../../workers/tags/parser';
import { ruleToDuckdbSql } from '../../workers/tags/to-sql';
import { REPO_ROOT, useAppPage } from './helpers';

const RETAIL_CSV = path.join(REPO_ROOT, 'samples/online_retail_uci/online_retail_sample_cust_mod10.csv');
const RULE = "Description CONTAINS WORD 'mug' OR Description CONTAINS PHRASE 'tea cup'";

/** Rows of the sample where the rule's DuckDB SQL is true, by native DuckDB on the same CSV. */
async function nativeCount(rule: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const reader = await db.runAndReadAll(`SELECT count(*) FILTER (WHERE ${ruleToDuckdbSql(parseRule(rule))}) AS n FROM read_csv('${RETAIL_CSV.replaceAll("'", "''")}', header = true)`);
    return Number((reader.getRowObjectsJS()[0] as { n: bigint | number }).n);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const app = useAppPage();

describe('Tags: keyword rules', () => {
  test('a CONTAINS WORD / PHRASE rule typed as text counts the rows native DuckDB counts', async () => {
    const { page } = app;
    await page.getByTestId('tab-tags').click();
    await page.getByTestId('tags-table').selectOption('online_retail');
    const expected = await nativeCount(RULE);
    expect(expected).toBeGreaterThan(100);
    const editor = page.locator('[data-testid="rule-editor"] .cm-content');
    await editor.click();
    await page.keyboard.insertText(RULE);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('rule-count').getAttribute('data-count'), { timeout: 30_000 }).toBe(String(expected));
  });

  test('mines keyword rules for every class of a label and adds them as tags', async () => {
    const { page } = app;
    await page.getByTestId('tags-section-mine').click();
    await page.getByTestId('keyword-text').selectOption('Description');
    await page.getByTestId('keyword-target').selectOption('Country');
    await page.getByTestId('keyword-run').click();
    await page.getByTestId('keyword-result').waitFor({ timeout: 60_000 });
    const rules = page.getByTestId('keyword-rule');
    const n = await rules.count();
    expect(n).toBeGreaterThan(0);
    expect(await rules.first().innerText()).toMatch(/Description CONTAINS (WORD|PHRASE) '/);
    expect(await page.getByTestId('keyword-overall').innerText()).toMatch(/rows labelled \(coverage [\d.]+%\), precision [\d.]+/);
    // Classes without a rule say why.
    expect(await page.getByTestId('keyword-class-empty').count()).toBeGreaterThan(0);
    await page.getByTestId('keyword-add').click();
    await expect.poll(() => page.locator('[data-testid="tags-group"][data-group="Country keywords"] [data-testid="tag-row"]').count()).toBe(n);
    expect(await page.getByTestId('keyword-note').innerText()).toContain(`Added ${n} draft tag`);
  });
});
