import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';

export const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: inject('chromiumPath'), args: CHROMIUM_ARGS, headless: true });
}

export interface AppPage {
  page: Page;
  /** Messages the page printed to the console as errors, and uncaught exceptions. */
  consoleErrors: string[];
}

/**
 * Opens the app. The module script waits on the engine, so `load` may come late: navigate
 * with `commit` and wait for conditions instead.
 */
export async function openApp(browser: Browser, query = ''): Promise<AppPage> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`${error.name}: ${error.message}`));
  await page.goto(new URL(query, inject('baseUrl')).href, { waitUntil: 'commit' });
  return { page, consoleErrors };
}

export async function waitForReady(page: Page, timeout = 90_000): Promise<void> {
  await page.locator('[data-testid="app"][data-ready="true"]').waitFor({ timeout });
}

export interface AppFileSetup {
  /** Runs before the browser starts, e.g. fixtures built by the engine in Node. */
  beforeOpen?: () => Promise<void>;
  /** Runs once the app is ready, e.g. opening files or switching tabs. */
  afterReady?: (app: AppPage) => Promise<void>;
  /** Runs after the page and the browser are closed, e.g. removing fixture files. */
  afterClose?: () => void;
}

/**
 * Registers the beforeAll/afterAll hooks of a test file that drives one app page: launch Chromium,
 * open the app and wait until it is ready; close both afterwards. The returned object reads the
 * page once beforeAll has run (the tests share one page, in order).
 */
export function useAppPage(setup: AppFileSetup = {}): AppPage {
  let browser: Browser | undefined;
  let app: AppPage | undefined;
  const current = (): AppPage => {
    if (!app) throw new Error('The app is not open (beforeAll failed or has not run).');
    return app;
  };

  beforeAll(async () => {
    await setup.beforeOpen?.();
    browser = await launchBrowser();
    app = await openApp(browser);
    await waitForReady(app.page);
    await setup.afterReady?.(app);
  });

  afterAll(async () => {
    await app?.page.close();
    await browser?.close();
    setup.afterClose?.();
  });

  return {
    get page() {
      return current().page;
    },
    get consoleErrors() {
      return current().consoleErrors;
    },
  };
}

/** A fresh temp folder for fixture files. */
export function fixtureDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'assay-e2e-'));
}

export function writeFixture(dir: string, name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export function catalogTable(page: Page, name: string) {
  return page.locator(`[data-testid="catalog-table"][data-table="${name}"]`);
}

/** Row count shown in the catalog for a table, as a number. */
export async function catalogRowCount(page: Page, name: string): Promise<number> {
  const text = await catalogTable(page, name).getByTestId('catalog-row-count').innerText();
  return Number(text.replace(/[^0-9]/g, ''));
}

/** Opens files through the hidden file input, as the "Open files…" button does. */
export async function openFiles(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('file-input').setInputFiles(files);
}

/** Waits until no job is queued or running. */
export async function waitForIdle(page: Page, timeout = 60_000): Promise<void> {
  await page.locator('[data-testid="job-row"]').first().waitFor({ state: 'detached', timeout });
}

/** Switches to the SQL tab, replaces the editor's text with `sql` and runs it (without waiting for the result). */
export async function runSqlInTab(page: Page, sql: string): Promise<void> {
  await page.getByTestId('tab-sql').click();
  const editor = page.locator('#panel-sql [data-testid="sql-editor"] .cm-content');
  await editor.waitFor({ timeout: 30_000 });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(sql);
  await page.getByTestId('sql-run').click();
}
