import type { AssayDesktop } from '../../electron/contract';
import { parseSampleManifest, type SampleManifest } from '../samples';
import { WORKSPACE_EXTENSION } from '../workspace';
import type { Platform, WorkspaceText } from './types';

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function joinPath(dir: string, relative: string): string {
  const separator = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return `${dir.replace(/[\\/]+$/, '')}${separator}${relative.split('/').join(separator)}`;
}

function asWorkspaceText(file: { path: string; text: string } | null): WorkspaceText | null {
  return file ? { name: baseName(file.path), path: file.path, text: file.text } : null;
}

/** The Electron shell: native dialogs and atomic writes through the preload's typed API. */
export function createDesktopPlatform(desktop: AssayDesktop): Platform {
  let samplesDir: Promise<string> | null = null;
  const samplesRoot = (): Promise<string> => {
    samplesDir ??= desktop.samplesDir().then((info) => info.dir);
    return samplesDir;
  };
  const decoder = new TextDecoder();

  return {
    kind: 'desktop',
    async pickFiles() {
      const entries = await desktop.pickFiles();
      const picked = [];
      for (const entry of entries) {
        picked.push({ kind: 'bytes' as const, name: entry.name, path: entry.path, bytes: await desktop.readFile(entry.path) });
      }
      return picked;
    },
    readPath: (path) => desktop.readFile(path),
    async saveBytes(fileName, bytes) {
      await desktop.saveFile({ defaultName: fileName, bytes });
    },
    async loadSampleManifest(): Promise<SampleManifest> {
      const bytes = await desktop.readFile(joinPath(await samplesRoot(), 'manifest.json'));
      return parseSampleManifest(decoder.decode(bytes));
    },
    async readSample(relativePath) {
      return desktop.readFile(joinPath(await samplesRoot(), relativePath));
    },
    async openWorkspace() {
      return asWorkspaceText(await desktop.openWorkspace());
    },
    async saveWorkspace(workspace, saveAs) {
      const path = saveAs ? null : workspace.path ?? null;
      const saved = await desktop.saveWorkspace({ path, text: workspace.text });
      return saved ? { name: baseName(saved.path), path: saved.path } : null;
    },
    async recentWorkspaces() {
      const paths = await desktop.recentWorkspaces();
      return paths.map((path) => ({ id: path, name: baseName(path).replace(WORKSPACE_EXTENSION, ''), detail: path }));
    },
    async openRecent(id) {
      return asWorkspaceText(await desktop.openRecent(id));
    },
    onMenuCommand: (listener) => desktop.onMenuCommand(listener),
  };
}
