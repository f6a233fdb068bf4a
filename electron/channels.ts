// IPC channel names and menu commands, kept free of imports so the sandboxed preload bundle stays tiny.

/** IPC channel names (renderer -> main invoke, and main -> renderer menu events). */
export const IPC_CHANNELS = {
  pickFiles: 'assay:pick-files',
  readFile: 'assay:read-file',
  saveFile: 'assay:save-file',
  openWorkspace: 'assay:open-workspace',
  saveWorkspace: 'assay:save-workspace',
  recentWorkspaces: 'assay:recent-workspaces',
  openRecent: 'assay:open-recent',
  samplesDir: 'assay:samples-dir',
  menuCommand: 'assay:menu-command',
} as const;

/** Commands the application menu sends to the renderer. `open-recent` carries the workspace path. */
export const MENU_COMMANDS = ['open-files', 'open-workspace', 'save-workspace', 'save-workspace-as', 'open-recent'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];
