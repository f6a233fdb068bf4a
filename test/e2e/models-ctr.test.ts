/**
 * The CTR model kinds in a real Chromium against the built renderer, on the sample
 * online_shoppers_intention (target Revenue): a GBDT and an FM on the same split, the FM's epoch
 * curve, field importance and interactions (no SHAP), the comparison card, SQL (Spark) and ONNX
 * exports, a tiny DeepFM (tfjs in the engine worker), and 3-fold cross-validation by entity.
 */
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useAppPage } from './helpers';

const app = useAppPage();

async function chooseShoppers(page: Page): Promise<void> {
  await page.getByTestId('model-source-table').selectOption('online_shoppers_intention');
  await page.getByTestId('model-target').selectOption('Revenue');
}

async function setCtrParams(page: Page, params: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(params)) await page.getByTestId(`model-param-${name}`).fill(value);
}

/** Trains with the form as it is and waits until the facts line names the new model (or an error shows). */
async function trainNamed(page: Page, name: string): Promise<void> {
  await page.getByTestId('model-name').fill(name);
  await page.getByTestId('model-train').click();
  const shown = async (): Promise<string> => {
    if ((await page.getByTestId('model-error').count()) > 0) return `error: ${await page.getByTestId('model-error').innerText()}`;
    if ((await page.getByTestId('model-previous').count()) > 0) return 'training';
    const facts = page.getByTestId('model-facts');
    return (await facts.count()) > 0 ? facts.innerText() : '';
  };
  await expect.poll(shown, { timeout: 60_000 }).toMatch(new RegExp(`^${name} ·`));
  await page.getByTestId('model-metrics').waitFor({ timeout: 30_000 });
}

async function aucShown(page: Page): Promise<number> {
  return Number(/([01]\.\d+)/.exec(await page.getByTestId('metric-auc').innerText())?.[1]);
}

describe('Models: the CTR kinds (lr, fm, deepfm) in the app', () => {
  test('a GBDT then an FM on the same split: the FM draws epochs, field importance and interactions, no SHAP', async () => {
    const { page } = app;
    await page.getByTestId('tab-models').click();
    await chooseShoppers(page);
    await page.getByTestId('model-param-num_boost_round').fill('5');
    await trainNamed(page, 'shoppers gbdt');
    expect(await aucShown(page)).toBeGreaterThan(0.8);

    await page.getByTestId('model-kind').selectOption('fm');
    await setCtrParams(page, { k: '4', epochs: '3' });
    await trainNamed(page, 'shoppers fm');
    expect(await aucShown(page)).toBeGreaterThan(0.75);
    const curve = page.locator('[data-testid="model-learning-curve"][data-rendered="true"]');
    await curve.waitFor({ timeout: 30_000 });
    // The x axis counts epochs, not boosting rounds (an SVG text: textContent, not innerText).
    expect(await curve.locator('.xtitle').textContent()).toBe('epoch');
    const points = await curve.locator('.scatterlayer .trace').first().locator('.point').count();
    expect(points).toBeGreaterThanOrEqual(1);
    expect(points).toBeLessThanOrEqual(3);
    await page.locator('[data-testid="model-importance"][data-rendered="true"]').waitFor({ timeout: 30_000 });
    expect(await page.getByText('Field importance').count()).toBe(1);
    expect(await page.getByTestId('model-interactions').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('model-shap').count()).toBe(0);
    expect(await page.getByTestId('model-beeswarm').count()).toBe(0);
  });

  test('the comparison card lists both models with their AUCs', async () => {
    const { page } = app;
    const table = page.getByTestId('model-compare-table');
    await table.waitFor({ timeout: 15_000 });
    const head = await table.locator('thead').innerText();
    expect(head).toContain('shoppers fm');
    expect(head).toContain('shoppers gbdt');
    const aucRow = await table.locator('tbody tr', { hasText: /^AUC/ }).first().locator('td').allInnerTexts();
    expect(aucRow.slice(0, 2).map((t) => Number(t))).toEqual([expect.any(Number), expect.any(Number)]);
    for (const text of aucRow.slice(0, 2)) expect(Number(text)).toBeGreaterThan(0.75);
    await page.locator('[data-testid="model-compare-roc"][data-rendered="true"]').waitFor({ timeout: 30_000 });
  });

  test('exports the FM as Spark SQL and as ONNX', async () => {
    const { page } = app;
    await page.getByTestId('model-sql-dialect').selectOption('spark');
    const [sqlDownload] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('model-export-sql').click()]);
    const sql = fs.readFileSync(await sqlDownload.path(), 'utf8');
    expect(sqlDownload.suggestedFilename()).toMatch(/\.sql$/);
    expect(sql).toMatch(/SELECT/i);
    expect(sql).toContain('PageValues');
    const [onnxDownload] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('model-export-onnx').click()]);
    expect(onnxDownload.suggestedFilename()).toMatch(/\.onnx$/);
    const onnx = fs.readFileSync(await onnxDownload.path());
    expect(onnx.length).toBeGreaterThan(1000);
    // An ONNX ModelProto starts with field 1 (ir_version, a varint): tag byte 0x08.
    expect(onnx[0]).toBe(0x08);
  });

  test('a tiny DeepFM trains with tfjs in the engine worker', async () => {
    const { page } = app;
    await page.getByTestId('model-kind').selectOption('deepfm');
    expect(await page.getByTestId('model-ctr-backend-note').innerText()).toMatch(/MLP on TensorFlow\.js \(its WebAssembly backend/);
    await setCtrParams(page, { k: '4', epochs: '2', hidden: '8' });
    await trainNamed(page, 'shoppers deepfm');
    expect(await aucShown(page)).toBeGreaterThan(0.7);
    // The app serves tfjs's .wasm files: the MLP runs on the WASM backend, not the CPU fallback.
    expect(await page.getByTestId('model-backend-used').innerText()).toMatch(/tfjs WASM backend for the MLP \(SIMD, (threads|one thread)\)/);
    // The worker offers navigator.gpu, and auto refuses Chromium's SwiftShader for the MLP, saying so.
    expect(await page.getByTestId('model-backend-used').innerText()).toMatch(/WebGPU not used: .*(swiftshader|software|fallback)/i);
  });

  test('3-fold cross-validation of an LR by entity shows the CV card', async () => {
    const { page } = app;
    await page.getByTestId('model-kind').selectOption('lr');
    await setCtrParams(page, { epochs: '2' });
    await page.getByTestId('model-split').selectOption('entity');
    // TrafficType repeats over thousands of rows: its values are the entities held out whole.
    await page.getByTestId('model-split-key').selectOption('TrafficType');
    await page.getByTestId('model-cv-folds').fill('3');
    await trainNamed(page, 'shoppers lr cv');
    const cv = page.getByTestId('model-cross-validation');
    await cv.waitFor({ timeout: 15_000 });
    expect(await cv.locator('h3').innerText()).toBe('Cross-validation: 3 folds of whole entities (TrafficType)');
    expect(await cv.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(app.consoleErrors).toEqual([]);
  });
});
