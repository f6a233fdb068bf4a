// Sandboxed preload: exposes exactly the AssayDesktop contract as window.assayDesktop. Only channel
// constants are imported (no zod), so this bundle stays a few KB; main validates every argument.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

import { IPC_CHANNELS, MENU_COMMANDS, type MenuCommand } from './channels';
import type { AssayDesktop } from './contract';

function isMenuCommand(value: unknown): value is MenuCommand {
  return typeof value === 'string' && (MENU_COMMANDS as readonly string[]).includes(value);
}

const assayDesktop: AssayDesktop = {
  platform: 'electron',
  pickFiles: () => ipcRenderer.invoke(IPC_CHANNELS.pickFiles),
  readFile: (filePath) => ipcRenderer.invoke(IPC_CHANNELS.readFile, filePath),
  saveFile: (request) => ipcRenderer.invoke(IPC_CHANNELS.saveFile, request),
  openWorkspace: () => ipcRenderer.invoke(IPC_CHANNELS.openWorkspace),
  saveWorkspace: (request) => ipcRenderer.invoke(IPC_CHANNELS.saveWorkspace, request),
  recentWorkspaces: () => ipcRenderer.invoke(IPC_CHANNELS.recentWorkspaces),
  openRecent: (workspacePath) => ipcRenderer.invoke(IPC_CHANNELS.openRecent, workspacePath),
  samplesDir: () => ipcRenderer.invoke(IPC_CHANNELS.samplesDir),
  onMenuCommand(listener) {
    // The IPC event object never reaches the page (it would expose ipcRenderer internals).
    const relay = (_event: IpcRendererEvent, command: unknown, workspacePath: unknown): void => {
      if (!isMenuCommand(command)) return;
      listener(command, typeof workspacePath === 'string' ? workspacePath : undefined);
    };
    ipcRenderer.on(IPC_CHANNELS.menuCommand, relay);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.menuCommand, relay);
    };
  },
};

contextBridge.exposeInMainWorld('assayDesktop', assayDesktop);
