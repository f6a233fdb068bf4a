/**
 * The Models tab in a real Chromium against the built renderer: train a GBDT on the sample
 * online_shoppers_intention (target Revenue, 20 rounds; the saved model ends at the best
 * iteration, early stopping being on by default), watch the learning curve, read the AUC
 * and the ROC chart, move the threshold, explain with SHAP, export the XGBoost JSON and score a table.
 */
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { catalogRowCount, catalogTable, useAppPage } from './helpers';

const SHOPPERS_ROWS = 12_330;

const app = useAppPage();
/** Trees in the first model: early stopping (on by default) keeps the best of its 20 rounds. */
let savedTrees = 0;

describe('Models: train, evaluate, explain, export, score', () => {
  test('trains on online_shoppers_intention with target Revenue and shows AUC > 0.85 and the ROC curve', async () => {
    const { page } = app;
    await page.getByTestId('tab-models').click();
    await page.getByTestId('model-source-table').selectOption('online_shoppers_intention');
    await page.getByTestId('model-target').selectOption('Revenue');
    // Every other column is a feature by default, with its DuckDB type shown.
    const features = page.getByTestId('model-features');
    await expect.poll(() => features.locator('input[type="checkbox"]:checked').count()).toBe(17);
    expect(await features.innerText()).toContain('PageValues');
    expect(await features.innerText()).toContain('DOUBLE');
    // XGBoost's defaults are shown.
    expect(await page.getByTestId('model-param-eta').inputValue()).toBe('0.3');
    expect(await page.getByTestId('model-param-max_depth').inputValue()).toBe('6');
    await page.getByTestId('model-param-num_boost_round').fill('20');
    await page.getByTestId('model-train').click();

    const metrics = page.getByTestId('model-metrics');
    await metrics.waitFor({ timeout: 90_000 });
    const aucText = await page.getByTestId('metric-auc').innerText();
    const auc = Number(/([01]\.\d+)/.exec(aucText)?.[1]);
    expect(auc).toBeGreaterThan(0.85);
    expect(auc).toBeLessThanOrEqual(1);
    expect(await metrics.innerText()).toMatch(/AUC/);

    // ROC chart drawn by Plotly, with the curve and the chance diagonal.
    const roc = page.locator('[data-testid="model-roc"][data-rendered="true"]');
    await roc.waitFor({ timeout: 30_000 });
    expect(await roc.locator('.scatterlayer .trace').count()).toBe(2);
    // Learning curve re-plotted from the history: train and valid series of 20 rounds.
    const curve = page.locator('[data-testid="model-learning-curve"][data-rendered="true"]');
    await curve.waitFor({ timeout: 30_000 });
    expect(await curve.locator('.scatterlayer .trace').count()).toBe(2);
    expect(await curve.locator('.scatterlayer .trace').first().locator('.point').count()).toBe(20);
    // The saved model ends at its best iteration, and says so (not the last round's figures).
    const facts = await page.getByTestId('model-facts').innerText();
    const rounds = /(\d+) trees \(best iteration: round (\d+) of 20 trained \(early stopping, patience 20\); the saved model ends there\)/.exec(facts);
    expect(rounds, facts).not.toBeNull();
    savedTrees = Number(rounds?.[1]);
    expect(Number(rounds?.[2])).toBe(savedTrees);
    expect(await page.getByTestId('model-metrics').locator('xpath=ancestor::section[1]').locator('h3').innerText()).toMatch(/^Metrics of the saved model on 2,466 validation rows/);
    expect(await page.getByTestId('model-error').count()).toBe(0);
  });

  test('the threshold slider re-evaluates precision, recall and the confusion matrix in the engine', async () => {
    const { page } = app;
    const confusion = page.getByTestId('model-confusion');
    const before = await confusion.innerText();
    const recallBefore = await page.getByTestId('metric-recall').innerText();
    await page.getByTestId('model-threshold').fill('0.9');
    await expect.poll(() => page.getByTestId('model-threshold-value').innerText()).toBe('0.90');
    await expect.poll(() => confusion.innerText(), { timeout: 15_000 }).toContain('threshold 0.90');
    expect(await confusion.innerText()).not.toBe(before);
    const recall = (text: string): number => Number(/([\d.]+)%/.exec(text)?.[1]);
    // A higher threshold never finds more positives.
    expect(recall(await page.getByTestId('metric-recall').innerText())).toBeLessThan(recall(recallBefore));
  });

  test('SHAP: beeswarm, dependence and waterfall draw; feature importance toggles', async () => {
    const { page } = app;
    await page.locator('[data-testid="model-beeswarm"][data-rendered="true"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="model-dependence"][data-rendered="true"]').waitFor({ timeout: 30_000 });
    const waterfall = page.locator('[data-testid="model-waterfall"][data-rendered="true"]');
    await waterfall.waitFor({ timeout: 30_000 });
    // Bars, not empty axes: a trace type missing from the bundled Plotly draws nothing.
    expect(await waterfall.locator('.barlayer .point').count()).toBeGreaterThan(2);
    expect(await page.getByTestId('model-shap').innerText()).toMatch(/bias -?[\d.]+ \+ contributions = margin -?[\d.]+/);
    await page.getByTestId('importance-weight').click();
    await page.locator('[data-testid="model-importance"][data-rendered="true"]').waitFor();
    expect(await page.getByTestId('model-importance').locator('.bars .point').count()).toBeGreaterThan(3);
  });

  test('exports the model as XGBoost JSON', async () => {
    const { page } = app;
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('model-export').click()]);
    const file = await download.path();
    const model = JSON.parse(fs.readFileSync(file, 'utf8')) as { learner?: { gradient_booster?: { model?: { trees?: unknown[] } }; objective?: { name?: string } } };
    expect(model.learner?.objective?.name).toBe('binary:logistic');
    expect(model.learner?.gradient_booster?.model?.trees).toHaveLength(savedTrees);
  });

  test('scores a table into a new table that appears in the catalog', async () => {
    const { page } = app;
    await page.getByTestId('model-score-table').selectOption('online_shoppers_intention');
    await page.getByTestId('model-score-output').fill('shoppers_scored');
    await page.getByTestId('model-score').click();
    await expect.poll(() => page.getByTestId('model-status').innerText(), { timeout: 60_000 }).toMatch(/Scored 12,330 rows/);
    await catalogTable(page, 'shoppers_scored').waitFor({ timeout: 15_000 });
    expect(await catalogRowCount(page, 'shoppers_scored')).toBe(SHOPPERS_ROWS);
  });

  test('saves the model in the workspace and imports the exported JSON as a new model', async () => {
    const { page } = app;
    await page.getByTestId('model-save').click();
    const saved = page.getByTestId('model-saved');
    await expect.poll(() => saved.locator('li').count(), { timeout: 30_000 }).toBe(1);
    expect(await saved.innerText()).toContain(`binary:logistic · ${savedTrees} trees`);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('model-export').click()]);
    await page.getByTestId('model-import-input').setInputFiles(await download.path());
    await expect.poll(() => page.getByTestId('model-status').innerText(), { timeout: 30_000 }).toMatch(new RegExp(`Imported .*: ${savedTrees} trees`));
    // An imported model has no rows of its own: no metrics, but it can still score.
    expect(await page.getByTestId('model-results').innerText()).toMatch(/imported: it has no rows of its own/);
    expect(await page.getByTestId('model-metrics').count()).toBe(0);
    // Opening the saved model again brings back its evaluation (the engine still holds it).
    await saved.locator('.sql-list-item').first().click();
    await page.getByTestId('model-metrics').waitFor({ timeout: 30_000 });
    expect(Number(/([01]\.\d+)/.exec(await page.getByTestId('metric-auc').innerText())?.[1])).toBeGreaterThan(0.85);
  });

  test('a query as the source: a text target asks for its positive value, and a leaking column is flagged', async () => {
    const { page } = app;
    await page.getByLabel('SQL query').check();
    await page
      .getByTestId('model-source-sql')
      .fill("SELECT * EXCLUDE (y), CAST(y AS INTEGER) * 10 + age % 3 AS followup_calls, CASE WHEN y THEN 'subscribed' ELSE 'declined' END AS outcome FROM bank_marketing");
    await page.getByRole('button', { name: 'Read columns' }).click();
    await expect.poll(() => page.getByTestId('model-target').locator('option').allInnerTexts(), { timeout: 30_000 }).toContain('outcome (VARCHAR)');
    await page.getByTestId('model-target').selectOption('outcome');
    const positive = page.getByTestId('model-positive');
    await positive.waitFor({ timeout: 30_000 });
    expect(await positive.locator('option').allInnerTexts()).toEqual(['(recognise yes/no, true/false, 1/0)', 'declined', 'subscribed']);
    await positive.selectOption('subscribed');
    await page.getByTestId('model-param-num_boost_round').fill('10');
    await page.getByTestId('model-train').click();
    await expect.poll(() => page.getByTestId('model-facts').innerText(), { timeout: 90_000 }).toMatch(/target outcome \(positive = subscribed\)/);
    // followup_calls is made from the outcome itself: the leak is named, above the metrics.
    const warnings = page.getByTestId('model-warnings');
    await warnings.waitFor({ timeout: 10_000 });
    expect(await warnings.innerText()).toMatch(/possible leak: "followup_calls"/);
  });

  test('training is cancelled from the Cancel button', async () => {
    const { page } = app;
    await page.getByTestId('model-param-num_boost_round').fill('5000');
    await page.getByTestId('model-param-eta').fill('0.01');
    await page.getByTestId('model-train').click();
    await expect.poll(() => page.getByTestId('model-progress').innerText(), { timeout: 60_000 }).toMatch(/round \d+ of 5000/);
    // The last model's results stay on screen while the new one trains, greyed and labelled as the previous model's.
    expect(await page.getByTestId('model-previous-note').innerText()).toMatch(/^Results of the previous model “.+”; a new model is training/);
    expect(await page.getByTestId('model-previous').locator('[data-testid="model-results"]').count()).toBe(1);
    await page.getByTestId('model-cancel').click();
    await expect.poll(() => page.getByTestId('model-error').innerText(), { timeout: 30_000 }).toBe('Training was cancelled.');
    await page.getByTestId('model-train').waitFor();
    expect(await page.getByTestId('model-previous-note').count()).toBe(0);
    await page.getByTestId('model-param-num_boost_round').fill('20');
  });

  test('a bad parameter is reported in plain words', async () => {
    const { page } = app;
    await page.getByTestId('model-param-eta').fill('2');
    await page.getByTestId('model-train').click();
    const error = page.getByTestId('model-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.innerText()).toMatch(/eta must be in \(0, 1\]/);
    await page.getByTestId('model-param-eta').fill('0.3');
    expect(app.consoleErrors).toEqual([]);
  });
});
