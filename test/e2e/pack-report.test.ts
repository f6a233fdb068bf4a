import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addReview } from '../../workers/packs/io';
import { packReportHtml } from '../../workers/packs/report';
import { sampleMixedPack, sampleRulePack } from '../helpers/packs';
import { launchBrowser } from './helpers';

let browser: Browser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-pack-report-'));

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const plotlyJs = fs.readFileSync(createRequire(import.meta.url).resolve('plotly.js-cartesian-dist-min'), 'utf8');

describe('pack HTML report', () => {
  it('opens with no network and shows every tag, the chart, golden rows, SQL and reviews', async () => {
    for (const base of [await sampleRulePack(), await sampleMixedPack()]) {
      const pack = addReview(base, { by: 'pm@example.com', decision: 'approve', note: 'ok <b>not bold</b>', at: '2026-11-21T09:00:00.000Z' });
      const withMetrics = { ...pack, tags: pack.tags.map((t, i) => ({ ...t, metrics: { rows: 1000, support: 100 + i, coverage: { value: 0.1 + i / 100, low: 0.08, high: 0.13 + i / 100 }, precision: { value: 0.8, low: 0.75, high: 0.85 } } })) };
      const file = path.join(dir, `${pack.name.replace(/\W+/g, '_')}.html`);
      fs.writeFileSync(file, packReportHtml(withMetrics, { plotlyJs }));
      const context = await browser.newContext({ offline: true });
      const page = await context.newPage();
      const requests: string[] = [];
      const errors: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(pathToFileURL(file).href);
      await page.locator('#metrics-chart .main-svg').first().waitFor({ timeout: 30_000 });
      // The inlined bundle has the chart's trace types: a coverage and a precision bar (each with its
      // interval) per tag, not empty axes.
      expect(await page.locator('#metrics-chart .barlayer .point').count()).toBe(2 * withMetrics.tags.length);
      expect(await page.locator('#metrics-chart .errorbar').count()).toBe(2 * withMetrics.tags.length);
      const shown = await page.locator('tr.tag').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tag')));
      expect(shown).toEqual(withMetrics.tags.map((t) => t.name));
      for (const tag of withMetrics.tags) await expect(page.locator('tr.tag', { hasText: tag.name }).first().isVisible()).resolves.toBe(true);
      expect(await page.locator('details.sql summary').allTextContents()).toEqual(['spark Copy', 'hive Copy', 'flink Copy', 'trino Copy', 'duckdb Copy']);
      expect(await page.locator('h1 .badge').textContent()).toBe('approved');
      expect(await page.getByText('ok <b>not bold</b>').count()).toBe(1);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    }
  });
});
