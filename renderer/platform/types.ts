import type { MenuCommand } from '../../electron/contract';
import type { SampleManifest } from '../samples';

/** A file the user chose, ready for `data.open`. */
export type PickedFile =
  | { kind: 'blob'; name: string; blob: Blob }
  | { kind: 'bytes'; name: string; bytes: Uint8Array; path: string };

export interface WorkspaceText {
  /** What to show (file name). */
  name: string;
  /** Where it lives (desktop path), used to save in place. */
  path?: string;
  text: string;
}

export interface RecentWorkspace {
  id: string;
  name: string;
  detail: string;
}

export type { MenuCommand };

/**
 * What the renderer needs from its host: files in and out, workspaces, samples. One
 * implementation per host (plain browser, Electron shell), chosen once at start-up.
 */
export interface Platform {
  readonly kind: 'browser' | 'desktop';
  /** Native file picker (desktop); null means the page's own file input is used. */
  readonly pickFiles: (() => Promise<PickedFile[]>) | null;
  /** Reads a file named by path in a workspace (desktop only). */
  readonly readPath: ((path: string) => Promise<Uint8Array>) | null;
  saveBytes(fileName: string, bytes: Uint8Array): Promise<void>;
  loadSampleManifest(): Promise<SampleManifest>;
  readSample(relativePath: string): Promise<Uint8Array>;
  openWorkspace(): Promise<WorkspaceText | null>;
  /** Saves and returns where (null when the user cancelled). */
  saveWorkspace(workspace: WorkspaceText, saveAs: boolean): Promise<{ name: string; path?: string } | null>;
  recentWorkspaces(): Promise<RecentWorkspace[]>;
  openRecent(id: string): Promise<WorkspaceText | null>;
  /** Desktop menu commands; `path` comes with `open-recent`. */
  onMenuCommand(listener: (command: MenuCommand, path?: string) => void): () => void;
}
