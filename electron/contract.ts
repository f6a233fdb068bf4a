// The typed surface between the renderer and the Electron shell.
//
// The preload exposes `AssayDesktop` as `window.assayDesktop`; main validates every IPC argument with
// the zod schemas below before touching the file system. This file imports nothing from Electron or
// Node, so the renderer can `import type { AssayDesktop } from '../electron/contract'` (or even import
// the schemas) without pulling either in.
import { z } from 'zod';
import { IPC_CHANNELS, MENU_COMMANDS, type MenuCommand } from './channels';

export { IPC_CHANNELS, MENU_COMMANDS, type MenuCommand };

/** A file the user may read: its absolute path, base name and size in bytes. */
export interface DesktopFileEntry {
  path: string;
  name: string;
  size: number;
}

/** A workspace file (`*.assay.json`) as read from disk. */
export interface DesktopWorkspaceFile {
  path: string;
  text: string;
}

export interface SaveFileFilter {
  name: string;
  extensions: string[];
}

export interface SaveFileRequest {
  /** Suggested file name (no directory). */
  defaultName: string;
  bytes: Uint8Array;
  filters?: SaveFileFilter[];
}

export interface SaveWorkspaceRequest {
  /** Where to write; `null` asks with a save dialog ("Save as"). */
  path: string | null;
  text: string;
}

export interface AssayDesktop {
  readonly platform: 'electron';
  /** Native multi-select open dialog. The chosen paths become readable; `[]` when cancelled. */
  pickFiles(): Promise<DesktopFileEntry[]>;
  /**
   * Whole-file read. Allowed only for paths the user granted (pickFiles, a save dialog), files in
   * the bundled samples folder, and paths named in a workspace the user opened; anything else
   * rejects with an error whose message starts with "Access denied".
   */
  readFile(path: string): Promise<Uint8Array>;
  /** Save dialog, then an atomic write (temp file in the same folder, fsync, rename). `null` when cancelled. */
  saveFile(request: SaveFileRequest): Promise<{ path: string } | null>;
  /** Open dialog for `*.assay.json`; the workspace's data paths become readable. `null` when cancelled. */
  openWorkspace(): Promise<DesktopWorkspaceFile | null>;
  /** Atomic write of a workspace; `path: null` (or a path never opened/saved here) asks with a dialog. */
  saveWorkspace(request: SaveWorkspaceRequest): Promise<{ path: string } | null>;
  /** Most recent first, at most 10. */
  recentWorkspaces(): Promise<string[]>;
  /** Opens a workspace from the recent list (only paths on that list); `null` if it no longer exists. */
  openRecent(path: string): Promise<DesktopWorkspaceFile | null>;
  /** The bundled sample data; `name` is the path relative to `dir`, with `/` separators. */
  samplesDir(): Promise<{ dir: string; files: DesktopFileEntry[] }>;
  /**
   * Application menu commands the renderer acts on; for `open-recent`, `path` is the workspace chosen
   * from File > Open recent (pass it to `openRecent`). Returns an unsubscribe function.
   */
  onMenuCommand(listener: (command: MenuCommand, path?: string) => void): () => void;
}

// ---- Limits (why: IPC arguments come from a renderer we treat as untrusted) ----
export const LIMITS = {
  maxPathLength: 4096,
  maxFileNameLength: 255,
  /** Workspaces are plain-text project files; 64 MiB is far above any real one. */
  maxWorkspaceChars: 64 * 1024 * 1024,
  /** Exports (CSV, Parquet, reports) written in one piece. */
  maxSaveBytes: 1024 * 1024 * 1024,
  maxFilters: 16,
  maxExtensionsPerFilter: 16,
} as const;

const WINDOWS_DRIVE_ABSOLUTE = /^[A-Za-z]:[\\/]/;
const WINDOWS_UNC = /^\\\\[^\\/]+[\\/][^\\/]+/;

/** True for `/x` (POSIX) and `C:\x`, `C:/x`, `\\server\share` (Windows). */
export function isAbsolutePathString(candidate: string): boolean {
  return candidate.startsWith('/') || WINDOWS_DRIVE_ABSOLUTE.test(candidate) || WINDOWS_UNC.test(candidate);
}

/** True when any segment of the path is `..` (either separator). */
export function hasParentSegment(candidate: string): boolean {
  return candidate.split(/[\\/]/).some((segment) => segment === '..');
}

export const absolutePathSchema = z
  .string({ error: 'path must be a string' })
  .min(1, { error: 'path must not be empty' })
  .max(LIMITS.maxPathLength, { error: `path is longer than ${LIMITS.maxPathLength} characters` })
  .refine((value) => !value.includes('\0'), { error: 'path must not contain NUL characters' })
  .refine(isAbsolutePathString, { error: 'path must be absolute' })
  .refine((value) => !hasParentSegment(value), { error: 'path must not contain ".." segments' });

export const fileNameSchema = z
  .string({ error: 'file name must be a string' })
  .min(1, { error: 'file name must not be empty' })
  .max(LIMITS.maxFileNameLength, { error: `file name is longer than ${LIMITS.maxFileNameLength} characters` })
  .refine((value) => !/[\\/\0]/.test(value), { error: 'file name must not contain a separator or NUL' })
  .refine((value) => value !== '.' && value !== '..', { error: 'file name must not be "." or ".."' });

export const saveFileFilterSchema = z.strictObject({
  name: z.string().min(1).max(100),
  extensions: z
    .array(z.string().regex(/^(\*|[A-Za-z0-9_-]{1,16}(\.[A-Za-z0-9_-]{1,16})?)$/, {
      error: 'extension must be "*" or letters/digits without a leading dot (e.g. "csv", "assay.json")',
    }))
    .min(1)
    .max(LIMITS.maxExtensionsPerFilter),
});

export const saveFileRequestSchema = z.strictObject({
  defaultName: fileNameSchema,
  bytes: z
    .instanceof(Uint8Array, { error: 'bytes must be a Uint8Array' })
    .refine((bytes) => bytes.byteLength <= LIMITS.maxSaveBytes, {
      error: `bytes exceed ${LIMITS.maxSaveBytes} bytes`,
    }),
  filters: z.array(saveFileFilterSchema).max(LIMITS.maxFilters).optional(),
});

export const workspaceTextSchema = z
  .string({ error: 'workspace text must be a string' })
  .max(LIMITS.maxWorkspaceChars, { error: `workspace text exceeds ${LIMITS.maxWorkspaceChars} characters` });

export const saveWorkspaceRequestSchema = z.strictObject({
  path: absolutePathSchema
    .refine((value) => value.endsWith('.assay.json'), { error: 'workspace path must end with .assay.json' })
    .nullable(),
  text: workspaceTextSchema,
});

export const menuCommandSchema = z.enum(MENU_COMMANDS);

/** Argument tuples per invoke channel (what `ipcRenderer.invoke(channel, ...args)` sends). */
export const IPC_ARGUMENT_SCHEMAS = {
  [IPC_CHANNELS.pickFiles]: z.tuple([]),
  [IPC_CHANNELS.readFile]: z.tuple([absolutePathSchema]),
  [IPC_CHANNELS.saveFile]: z.tuple([saveFileRequestSchema]),
  [IPC_CHANNELS.openWorkspace]: z.tuple([]),
  [IPC_CHANNELS.saveWorkspace]: z.tuple([saveWorkspaceRequestSchema]),
  [IPC_CHANNELS.recentWorkspaces]: z.tuple([]),
  [IPC_CHANNELS.openRecent]: z.tuple([absolutePathSchema]),
  [IPC_CHANNELS.samplesDir]: z.tuple([]),
} as const;

export type InvokeChannel = keyof typeof IPC_ARGUMENT_SCHEMAS;

declare global {
  interface Window {
    /** Present only inside the Electron shell; the browser build uses browser file APIs instead. */
    assayDesktop?: AssayDesktop;
  }
}
