// Electron main process: one hardened window serving the built renderer from app://assay/, native
// menus and dialogs, and the IPC handlers of contract.ts. All logic that can live without Electron is
// in ./lib (unit-tested there); this file only wires it to Electron.
import path from 'node:path';

import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  shell,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions,
} from 'electron';

import { IPC_CHANNELS, type InvokeChannel, type MenuCommand } from './contract';
import { DesktopService, type DesktopDialogs } from './lib/desktop-service';
import { isTrustedSenderUrl, validateIpcArguments, type IpcArguments } from './lib/ipc-validate';
import { externalLinkPrompt, externalLinkTarget, isAppUrl, isPermissionAllowed } from './lib/permissions';
import { APP_ENTRY_URL, APP_SCHEME, serveAppRequest } from './lib/protocol-headers';
import { RecentWorkspacesStore } from './lib/recent';
import { WorkspaceAccessStore, workspaceAccessPrompt } from './lib/workspace-access';

const WINDOW_TITLE = 'Assay';

// Must run before `ready`: a standard + secure scheme gets a real origin, fetch(), CORS and service
// semantics, so COOP/COEP make the page cross-origin isolated just as over https.
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true, codeCache: true },
  },
]);
app.enableSandbox();

const appRoot = app.getAppPath();
const rendererRoot = path.join(appRoot, 'dist');
const samplesRoot = path.join(appRoot, 'samples');

let mainWindow: BrowserWindow | null = null;

function sendMenuCommand(command: MenuCommand, workspacePath?: string): void {
  const target = mainWindow ?? BrowserWindow.getAllWindows()[0];
  if (target === undefined || target.isDestroyed()) return;
  target.webContents.send(IPC_CHANNELS.menuCommand, command, workspacePath);
}

function buildMenu(recent: readonly string[]): void {
  const recentItems: MenuItemConstructorOptions[] =
    recent.length === 0
      ? [{ label: 'No recent workspaces', enabled: false }]
      : recent.map((workspacePath) => ({
          label: workspacePath,
          click: () => sendMenuCommand('open-recent', workspacePath),
        }));
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open files…', accelerator: 'CmdOrCtrl+O', click: () => sendMenuCommand('open-files') },
        { label: 'Open workspace…', accelerator: 'CmdOrCtrl+Shift+O', click: () => sendMenuCommand('open-workspace') },
        { label: 'Open recent', submenu: recentItems },
        { type: 'separator' },
        { label: 'Save workspace', accelerator: 'CmdOrCtrl+S', click: () => sendMenuCommand('save-workspace') },
        { label: 'Save workspace as…', accelerator: 'CmdOrCtrl+Shift+S', click: () => sendMenuCommand('save-workspace-as') },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createDialogs(): DesktopDialogs {
  const parent = (): BrowserWindow | undefined => mainWindow ?? undefined;
  return {
    async openFiles({ title, filters, multiple }) {
      const properties: Array<'openFile' | 'multiSelections'> = multiple ? ['openFile', 'multiSelections'] : ['openFile'];
      const window = parent();
      const result = window
        ? await dialog.showOpenDialog(window, { title, filters, properties })
        : await dialog.showOpenDialog({ title, filters, properties });
      return result.canceled ? [] : result.filePaths;
    },
    async saveFile({ title, defaultPath, filters }) {
      const window = parent();
      const options = { title, defaultPath, filters, properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const] };
      const result = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
      return result.canceled || !result.filePath ? null : result.filePath;
    },
    confirmWorkspaceAccess(request) {
      return askUser({ type: 'warning', ...workspaceAccessPrompt(request), yes: 'Allow', no: "Don't allow" });
    },
  };
}

/** A yes/no message box over the main window; "no" is the default and what Escape chooses. */
async function askUser(question: { type: 'question' | 'warning'; message: string; detail: string; yes: string; no: string }): Promise<boolean> {
  const options = {
    type: question.type,
    message: question.message,
    detail: question.detail,
    buttons: [question.yes, question.no],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  };
  const window = mainWindow ?? undefined;
  const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  return response === 0;
}

/** Registers `handler` for `channel` behind the sender check and the zod validation of its arguments. */
function handle<C extends InvokeChannel>(channel: C, handler: (...args: IpcArguments<C>) => Promise<unknown>): void {
  ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...rawArguments: unknown[]) => {
    if (!isTrustedSenderUrl(event.senderFrame?.url)) {
      throw new Error(`Refused ${channel}: the caller is not the Assay page`);
    }
    return handler(...validateIpcArguments(channel, rawArguments));
  });
}

function registerIpc(service: DesktopService): void {
  handle(IPC_CHANNELS.pickFiles, () => service.pickFiles());
  handle(IPC_CHANNELS.readFile, (filePath) => service.readFile(filePath));
  handle(IPC_CHANNELS.saveFile, (request) => service.saveFile(request));
  handle(IPC_CHANNELS.openWorkspace, () => service.openWorkspace());
  handle(IPC_CHANNELS.saveWorkspace, (request) => service.saveWorkspace(request));
  handle(IPC_CHANNELS.recentWorkspaces, () => service.recentWorkspaces());
  handle(IPC_CHANNELS.openRecent, (workspacePath) => service.openRecent(workspacePath));
  handle(IPC_CHANNELS.samplesDir, () => service.samplesDir());
}

function hardenSession(): void {
  const appSession = session.defaultSession;
  // Every permission is refused except writing text to the clipboard ("copy SQL") from the app itself,
  // judged by the frame that asks (details.requestingUrl / requestingOrigin), not by the window's URL.
  appSession.setPermissionRequestHandler((_webContents, permission, callback, details) =>
    callback(isPermissionAllowed(permission, details.requestingUrl)),
  );
  appSession.setPermissionCheckHandler((_webContents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
  appSession.protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererRoot, request.url));
}

let externalLinkQuestionOpen = false;

/** Asks before handing a link to the browser or mail program; one question at a time (no dialog floods). */
async function openExternalAfterAsking(rawUrl: string): Promise<void> {
  const href = externalLinkTarget(rawUrl);
  if (href === null || externalLinkQuestionOpen) return;
  externalLinkQuestionOpen = true;
  try {
    if (await askUser({ type: 'question', ...externalLinkPrompt(href), yes: 'Open', no: 'Cancel' })) await shell.openExternal(href);
  } catch (error) {
    dialog.showErrorBox('Could not open the link', error instanceof Error ? error.message : String(error));
  } finally {
    externalLinkQuestionOpen = false;
  }
}

// Every web contents (including any a bug might create) can neither navigate away, open windows nor
// embed <webview>. http(s) and mailto links open outside the app once the user says yes.
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    void openExternalAfterAsking(url);
    return { action: 'deny' };
  });
});

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: WINDOW_TITLE,
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

async function start(): Promise<void> {
  await app.whenReady();
  hardenSession();
  const recent = RecentWorkspacesStore.inUserData(app.getPath('userData'));
  const service = new DesktopService({
    dialogs: createDialogs(),
    recent,
    workspaceAccess: WorkspaceAccessStore.inUserData(app.getPath('userData')),
    samplesDir: samplesRoot,
    defaultSaveDir: app.getPath('documents'),
    onRecentChanged: buildMenu,
  });
  registerIpc(service);
  buildMenu(await recent.list());
  mainWindow = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

start().catch((error: unknown) => {
  dialog.showErrorBox('Assay could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
