// Launches the built Electron app with Playwright and checks the window and its security settings.
// Runs only where the Electron binary is installed (and, on Linux, a display exists); elsewhere the
// whole suite is skipped with the reason in its name and printed once.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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
    ? 'Electron binary not installed (npm start fetches it on first use); skipping Electron e2e'
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

  it('asks before reading the files a workspace names, and reads nothing on "Don\'t allow"', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'assay-e2e-workspace-'));
    try {
      const secret = path.join(folder, 'secret.txt');
      const workspace = path.join(folder, 'shared.assay.json');
      writeFileSync(secret, 'secret');
      writeFileSync(workspace, JSON.stringify({ sources: [{ path: secret }] }));
      // Native dialogs stubbed in main: the open dialog picks the workspace, the question gets "Don't allow".
      await app.evaluate(({ dialog }, chosen) => {
        const asked: Array<{ message?: string; detail?: string }> = [];
        (globalThis as { assayAsked?: unknown }).assayAsked = asked;
        dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [chosen] })) as typeof dialog.showOpenDialog;
        dialog.showMessageBox = (async (...args: unknown[]) => {
          asked.push(args[args.length - 1] as { message?: string; detail?: string });
          return { response: 1, checkboxChecked: false };
        }) as typeof dialog.showMessageBox;
      }, workspace);
      const outcome = await page.evaluate(async (secretPath) => {
        const desktop: AssayDesktop = window.assayDesktop!;
        const opened = await desktop.openWorkspace();
        const read = await desktop.readFile(secretPath).then(
          () => 'resolved',
          (error: unknown) => String(error),
        );
        return { opened: opened?.path ?? null, read };
      }, secret);
      const asked = await app.evaluate(() => (globalThis as { assayAsked?: Array<{ message?: string; detail?: string }> }).assayAsked ?? []);
      expect(outcome.opened).toBe(workspace);
      expect(outcome.read).toMatch(/Access denied/);
      expect(asked).toHaveLength(1);
      expect(asked[0]!.message).toBe('shared.assay.json wants Assay to read 1 file you have not opened here. Allow it?');
      expect(asked[0]!.detail).toContain(secret);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('opens http(s) links outside the app only after asking, and never other schemes', async () => {
    await app.evaluate(({ dialog, shell }) => {
      const record = { asked: [] as string[], opened: [] as string[], answer: 1 };
      (globalThis as { assayLinks?: unknown }).assayLinks = record;
      dialog.showMessageBox = (async (...args: unknown[]) => {
        record.asked.push(String((args[args.length - 1] as { detail?: string }).detail));
        return { response: record.answer, checkboxChecked: false };
      }) as typeof dialog.showMessageBox;
      shell.openExternal = (async (url: string) => {
        record.opened.push(url);
      }) as typeof shell.openExternal;
    });
    const links = async (): Promise<{ asked: string[]; opened: string[]; answer: number }> =>
      app.evaluate(() => (globalThis as { assayLinks?: { asked: string[]; opened: string[]; answer: number } }).assayLinks!);

    await page.evaluate(() => window.open('file:///etc/passwd'));
    await page.evaluate(() => window.open('https://example.com/docs')); // answered "Cancel"
    await page.waitForTimeout(300);
    expect(await links()).toMatchObject({ asked: ['https://example.com/docs'], opened: [] });

    await app.evaluate(() => {
      (globalThis as { assayLinks?: { answer: number } }).assayLinks!.answer = 0;
    });
    await page.evaluate(() => window.open('https://example.com/docs'));
    await page.waitForTimeout(300);
    expect(await links()).toMatchObject({ opened: ['https://example.com/docs'] });
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
