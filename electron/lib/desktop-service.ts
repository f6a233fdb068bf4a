// What each IPC call does, with the native dialogs passed in: main.ts wires this to Electron, tests
// drive it with scripted dialog answers. Arguments arrive here already validated (ipc-validate.ts).
import { promises as fsp } from 'node:fs';
import path from 'node:path';

import { LIMITS, type DesktopFileEntry, type DesktopWorkspaceFile, type SaveFileRequest, type SaveWorkspaceRequest } from '../contract';
import { writeFileAtomic } from './atomic-write';
import { collectWorkspacePaths, PathGrants } from './paths';
import type { RecentWorkspacesStore } from './recent';
import { listSampleFiles } from './samples';
import type { WorkspaceAccessRequest, WorkspaceAccessStore } from './workspace-access';

export const WORKSPACE_SUFFIX = '.assay.json';
/** Buffers (and so IPC payloads) cannot exceed 2 GiB; bigger files need the engine's streaming path. */
export const MAX_READ_BYTES = 2 ** 31 - 1;

export interface DialogFilter {
  name: string;
  extensions: string[];
}

/** The native dialogs the shell uses; each returns `null`/`[]`/`false` when the user cancels. */
export interface DesktopDialogs {
  openFiles(options: { title: string; filters: DialogFilter[]; multiple: boolean }): Promise<string[]>;
  saveFile(options: { title: string; defaultPath: string; filters: DialogFilter[] }): Promise<string | null>;
  /** Lists the files an opening workspace names and asks whether Assay may read them. */
  confirmWorkspaceAccess(request: WorkspaceAccessRequest): Promise<boolean>;
}

export interface DesktopServiceOptions {
  dialogs: DesktopDialogs;
  recent: RecentWorkspacesStore;
  /** The files each workspace was allowed to read, remembered across sessions. */
  workspaceAccess: WorkspaceAccessStore;
  samplesDir: string;
  /** Folder proposed by save dialogs (e.g. the user's Documents). */
  defaultSaveDir: string;
  /** Called after the recent list changes (main rebuilds the menu). */
  onRecentChanged?: (recent: string[]) => void;
}

export const DATA_FILE_FILTERS: DialogFilter[] = [
  { name: 'Data files', extensions: ['csv', 'tsv', 'txt', 'json', 'jsonl', 'ndjson', 'parquet', 'gz'] },
  { name: 'All files', extensions: ['*'] },
];
export const WORKSPACE_FILTERS: DialogFilter[] = [{ name: 'Assay workspace', extensions: ['assay.json'] }];

/** `name` -> `name.assay.json`, `name.json` -> `name.assay.json`; already-suffixed paths are kept. */
export function withWorkspaceSuffix(filePath: string): string {
  if (filePath.endsWith(WORKSPACE_SUFFIX)) return filePath;
  return `${filePath.replace(/\.json$/i, '')}${WORKSPACE_SUFFIX}`;
}

export class DesktopService {
  readonly grants = new PathGrants();
  /** Workspaces the user opened or chose to save in this session: the only ones written without asking. */
  private readonly knownWorkspaces = new Set<string>();

  constructor(private readonly options: DesktopServiceOptions) {
    this.grants.grantDirectory(options.samplesDir);
  }

  async pickFiles(): Promise<DesktopFileEntry[]> {
    const chosen = await this.options.dialogs.openFiles({ title: 'Open data files', filters: DATA_FILE_FILTERS, multiple: true });
    const entries: DesktopFileEntry[] = [];
    for (const filePath of chosen) {
      const resolved = path.resolve(filePath);
      const stat = await fsp.stat(resolved);
      if (!stat.isFile()) continue;
      this.grants.grantFile(resolved);
      entries.push({ path: resolved, name: path.basename(resolved), size: stat.size });
    }
    return entries;
  }

  async readFile(requestedPath: string): Promise<Uint8Array> {
    const filePath = await this.grants.resolveReadable(requestedPath);
    const stat = await fsp.stat(filePath);
    if (!stat.isFile()) throw new Error(`Not a file: ${requestedPath}`);
    if (stat.size > MAX_READ_BYTES) {
      throw new Error(`File too large to read in one piece (${stat.size} bytes, limit ${MAX_READ_BYTES}): ${requestedPath}`);
    }
    return fsp.readFile(filePath);
  }

  async saveFile(request: SaveFileRequest): Promise<{ path: string } | null> {
    const target = await this.options.dialogs.saveFile({
      title: 'Save file',
      defaultPath: path.join(this.options.defaultSaveDir, request.defaultName),
      filters: request.filters ?? [{ name: 'All files', extensions: ['*'] }],
    });
    if (target === null) return null;
    const resolved = path.resolve(target);
    await writeFileAtomic(resolved, request.bytes);
    this.grants.grantFile(resolved);
    return { path: resolved };
  }

  async openWorkspace(): Promise<DesktopWorkspaceFile | null> {
    const [chosen] = await this.options.dialogs.openFiles({ title: 'Open workspace', filters: WORKSPACE_FILTERS, multiple: false });
    if (chosen === undefined) return null;
    return this.loadWorkspace(path.resolve(chosen));
  }

  async saveWorkspace(request: SaveWorkspaceRequest): Promise<{ path: string } | null> {
    let target = request.path === null ? null : path.resolve(request.path);
    if (target === null || !this.knownWorkspaces.has(target)) {
      const chosen = await this.options.dialogs.saveFile({
        title: 'Save workspace',
        defaultPath: target ?? path.join(this.options.defaultSaveDir, `untitled${WORKSPACE_SUFFIX}`),
        filters: WORKSPACE_FILTERS,
      });
      if (chosen === null) return null;
      target = withWorkspaceSuffix(path.resolve(chosen));
    }
    await writeFileAtomic(target, request.text);
    // Text the renderer wrote grants nothing: only workspaces read from disk (dialog, recent) do.
    this.knownWorkspaces.add(target);
    await this.rememberRecent(target);
    return { path: target };
  }

  recentWorkspaces(): Promise<string[]> {
    return this.options.recent.list();
  }

  async openRecent(requestedPath: string): Promise<DesktopWorkspaceFile | null> {
    const resolved = path.resolve(requestedPath);
    const recent = await this.options.recent.list();
    if (!recent.includes(resolved)) throw new Error(`Access denied: ${requestedPath} is not a recent workspace`);
    try {
      return await this.loadWorkspace(resolved);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const recent = await this.options.recent.remove(resolved);
      this.options.onRecentChanged?.(recent);
      return null;
    }
  }

  async samplesDir(): Promise<{ dir: string; files: DesktopFileEntry[] }> {
    const dir = path.resolve(this.options.samplesDir);
    return { dir, files: await listSampleFiles(dir) };
  }

  private async loadWorkspace(workspacePath: string): Promise<DesktopWorkspaceFile> {
    const stat = await fsp.stat(workspacePath);
    if (stat.size > LIMITS.maxWorkspaceChars) {
      throw new Error(`Workspace too large (${stat.size} bytes, limit ${LIMITS.maxWorkspaceChars}): ${workspacePath}`);
    }
    const text = await fsp.readFile(workspacePath, 'utf8');
    this.knownWorkspaces.add(workspacePath);
    await this.grantWorkspacePaths(workspacePath, text);
    await this.rememberRecent(workspacePath);
    return { path: workspacePath, text };
  }

  /**
   * Grants the files a workspace names only with the user's consent: paths already readable (picked,
   * samples) or allowed for this workspace before pass; the rest are listed in a dialog. "Don't allow"
   * still opens the workspace, and reads of those files are refused.
   */
  private async grantWorkspacePaths(workspacePath: string, text: string): Promise<void> {
    const named = collectWorkspacePaths(text, workspacePath);
    if (named.length === 0) return;
    const approvedBefore = await this.options.workspaceAccess.approved(workspacePath);
    const unknown = named.filter((dataPath) => !approvedBefore.has(dataPath) && !this.grants.isGranted(dataPath));
    for (const dataPath of named) if (approvedBefore.has(dataPath)) this.grants.grantFile(dataPath);
    if (unknown.length === 0) return;
    if (!(await this.options.dialogs.confirmWorkspaceAccess({ workspacePath, paths: unknown }))) return;
    for (const dataPath of unknown) this.grants.grantFile(dataPath);
    await this.options.workspaceAccess.approve(workspacePath, unknown);
  }

  private async rememberRecent(workspacePath: string): Promise<void> {
    // Await first: `f?.(await x)` would skip the write entirely when no listener is set.
    const recent = await this.options.recent.add(workspacePath);
    this.options.onRecentChanged?.(recent);
  }
}
