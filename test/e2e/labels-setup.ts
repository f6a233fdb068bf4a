import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { runSqlInTab } from './helpers';

/**
 * The Labels e2e tests' table: Online Retail's distinct descriptions labelled by their last word
 * when it is one of the 8 commonest (else NULL: rows to label), opened in the Labels tab.
 */
export async function openRetailTypesInLabels(page: Page): Promise<void> {
  await runSqlInTab(
    page,
    `CREATE TABLE retail_types AS
      WITH d AS (SELECT DISTINCT trim(Description) AS description FROM online_retail WHERE Description IS NOT NULL AND trim(Description) <> ''),
      w AS (SELECT description, list_last(string_split(description, ' ')) AS noun FROM d),
      top AS (SELECT noun FROM w GROUP BY noun ORDER BY count(*) DESC, noun LIMIT 8)
      SELECT description, CASE WHEN noun IN (SELECT noun FROM top) THEN lower(noun) END AS product_type FROM w ORDER BY description`,
  );
  await page.getByTestId('tab-labels').click();
  const tableSelect = page.getByTestId('labels-table');
  await tableSelect.waitFor({ timeout: 30_000 });
  await expect.poll(() => tableSelect.locator('option[value="retail_types"]').count(), { timeout: 30_000 }).toBe(1);
  await tableSelect.selectOption('retail_types');
}
