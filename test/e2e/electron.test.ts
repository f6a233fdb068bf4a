// Launches the built Electron app with Playwright and checks the window and its security settings.
// Runs only where the Electron binary is installed (and, on Linux, a display exists); elsewhere the
// whole suite is skipped with the reason in its name and printed once.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AssayDesktop } from '../../electron/contract';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

function electronBinary(): string | null {
  const pathFile = path.join(repoRoot, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(repoRoot, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const skipReason =
  binary === null
    ? 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD); skipping Electron e2e'
    : process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY
      ? 'no display (run under xvfb-run); skipping Electron e2e'
      : null;
if (skipReason !== null) console.info(skipReason);

describe.skipIf(skipReason !== null)(`Electron shell${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(path.join(repoRoot, 'out', 'electron', 'main.cjs'))) {
      const { buildElectron } = (await import(
        /* @vite-ignore */ pathToFileURL(path.join(repoRoot, 'scripts', 'build-electron.mjs')).href
      )) as { buildElectron: (options?: { quiet?: boolean }) => Promise<unknown> };
      await buildElectron({ quiet: true });
    }
    const env = Object.fromEntries(
      Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[0] !== 'ELECTRON_RUN_AS_NODE'),
    );
    const rootArgs = process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    app = await electron.launch({ executablePath: binary!, args: [...rootArgs, repoRoot], env, cwd: repoRoot });
    page = await app.firstWindow();
    await page.waitForFunction(() => document.title === 'Assay');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('opens one window titled Assay from app://assay/', async () => {
    expect(await page.title()).toBe('Assay');
    expect(page.url()).toBe('app://assay/index.html');
    expect(app.windows()).toHaveLength(1);
  });

  it('runs the page isolated and sandboxed, with no Node in reach', async () => {
    const preferences = await app.evaluate(({ BrowserWindow }) => {
      // Present at run time in every Electron since 2019, but missing from electron.d.ts.
      const contents = BrowserWindow.getAllWindows()[0]!.webContents as unknown as {
        getLastWebPreferences(): Record<string, unknown> | null;
      };
      const webPreferences = contents.getLastWebPreferences();
      return {
        contextIsolation: webPreferences?.contextIsolation,
        sandbox: webPreferences?.sandbox,
        nodeIntegration: webPreferences?.nodeIntegration,
        webSecurity: webPreferences?.webSecurity,
      };
    });
    expect(preferences).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });

    const page_ = await page.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      crossOriginIsolated: window.crossOriginIsolated,
      desktopKeys: Object.keys(window.assayDesktop ?? {}).sort(),
      platform: window.assayDesktop?.platform,
    }));
    expect(page_).toEqual({
      require: 'undefined',
      process: 'undefined',
      crossOriginIsolated: true,
      desktopKeys: [
        'onMenuCommand',
        'openRecent',
        'openWorkspace',
        'pickFiles',
        'platform',
        'readFile',
        'recentWorkspaces',
        'samplesDir',
        'saveFile',
        'saveWorkspace',
      ],
      platform: 'electron',
    });
  });

  it('refuses files the user never granted and invalid arguments, and reads samples', async () => {
    const outcome = await page.evaluate(async () => {
      const desktop: AssayDesktop = window.assayDesktop!;
      const errorOf = (promise: Promise<unknown>): Promise<string> =>
        promise.then(
          () => 'resolved',
          (error: unknown) => String(error),
        );
      const samples = await desktop.samplesDir();
      const manifest = samples.files.find((file) => file.name === 'manifest.json');
      return {
        secret: await errorOf(desktop.readFile('/etc/passwd')),
        relative: await errorOf(desktop.readFile('samples/manifest.json')),
        wrongType: await errorOf((desktop.readFile as (path: unknown) => Promise<Uint8Array>)(42)),
        manifestBytes: manifest ? (await desktop.readFile(manifest.path)).byteLength : -1,
        manifestSize: manifest?.size ?? -2,
      };
    });
    expect(outcome.secret).toMatch(/Access denied/);
    expect(outcome.relative).toMatch(/Invalid arguments for assay:read-file: path must be absolute/);
    expect(outcome.wrongType).toMatch(/path must be a string/);
    expect(outcome.manifestBytes).toBe(outcome.manifestSize);
  });

  it('denies new windows and navigation away from the app', async () => {
    // about:blank: an https URL would be handed to the user's browser, which a test must not do.
    const opened = await page.evaluate(() => window.open('about:blank') === null);
    expect(opened).toBe(true);
    await page.evaluate(() => {
      window.location.href = 'file:///etc/passwd';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://assay/index.html');
    expect(app.windows()).toHaveLength(1);
  });
});
