// Which files the renderer may read. The renderer is treated as untrusted: it can only name paths that
// the user handed over (dialogs), that ship with the app (samples), or that a workspace the user opened
// refers to and the user then allowed (workspace-access.ts). Everything else is refused.
import { promises as fsp } from 'node:fs';
import path from 'node:path';

import { hasParentSegment, isAbsolutePathString } from '../contract';

export class AccessDeniedError extends Error {
  constructor(readonly requestedPath: string) {
    super(`Access denied: ${requestedPath} was not opened by you, is not a sample, and is not a file you allowed an opened workspace to read`);
    this.name = 'AccessDeniedError';
  }
}

/** File systems on Windows and macOS compare names case-insensitively by default. */
function comparisonKey(resolvedPath: string, platform: NodeJS.Platform): string {
  return platform === 'win32' || platform === 'darwin' ? resolvedPath.toLowerCase() : resolvedPath;
}

/** True when `child` is `parent` itself or lies below it (after resolving both). */
export function isInsideDirectory(parent: string, child: string): boolean {
  const relative = path.relative(path.resolve(parent), path.resolve(child));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

export class PathGrants {
  private readonly files = new Set<string>();
  private readonly directories: string[] = [];

  constructor(private readonly platform: NodeJS.Platform = process.platform) {}

  /** Grants one file (the user picked it, or a workspace names it). Relative paths are ignored. */
  grantFile(filePath: string): void {
    if (!path.isAbsolute(filePath)) return;
    this.files.add(comparisonKey(path.resolve(filePath), this.platform));
  }

  /** Grants every file below a folder (the bundled samples). */
  grantDirectory(directoryPath: string): void {
    if (!path.isAbsolute(directoryPath)) return;
    this.directories.push(path.resolve(directoryPath));
  }

  /** Lexical check: no file system access. */
  isGranted(requestedPath: string): boolean {
    if (!isAbsolutePathString(requestedPath) || hasParentSegment(requestedPath) || requestedPath.includes('\0')) {
      return false;
    }
    const resolved = path.resolve(requestedPath);
    if (this.files.has(comparisonKey(resolved, this.platform))) return true;
    return this.directories.some((directory) => isInsideDirectory(directory, resolved));
  }

  /**
   * Resolves `requestedPath` to the file to read, or throws AccessDeniedError. A file inside a granted
   * folder must also be inside it after following symlinks, so a link cannot lead out of the samples.
   */
  async resolveReadable(requestedPath: string): Promise<string> {
    if (!this.isGranted(requestedPath)) throw new AccessDeniedError(requestedPath);
    const resolved = path.resolve(requestedPath);
    if (this.files.has(comparisonKey(resolved, this.platform))) return resolved;
    const real = await fsp.realpath(resolved);
    for (const directory of this.directories) {
      const realDirectory = await fsp.realpath(directory).catch(() => directory);
      if (isInsideDirectory(realDirectory, real)) return real;
    }
    throw new AccessDeniedError(requestedPath);
  }
}

const MAX_WORKSPACE_PATHS = 10_000;
const MAX_WORKSPACE_DEPTH = 64;
const PATH_KEYS = new Set(['path', 'file', 'filePath', 'source', 'sourcePath']);

/**
 * Data file paths a workspace refers to: every absolute path string anywhere in its JSON, and relative
 * strings under a path-like key (`path`, `file`, `filePath`, `source`, `sourcePath`) resolved against the
 * workspace's folder (so a workspace moved together with its data still opens). Invalid JSON names
 * nothing; the renderer reports the parse error itself. (`..` is fine here: the result is resolved, and
 * the renderer must then ask for that resolved absolute path.)
 */
export function collectWorkspacePaths(workspaceText: string, workspacePath: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(workspaceText);
  } catch {
    return [];
  }
  const workspaceDir = path.dirname(path.resolve(workspacePath));
  const found = new Set<string>();

  const visit = (value: unknown, key: string | null, depth: number): void => {
    if (found.size >= MAX_WORKSPACE_PATHS || depth > MAX_WORKSPACE_DEPTH) return;
    if (typeof value === 'string') {
      if (value.length === 0 || value.length > 4096 || value.includes('\0')) return;
      if (path.isAbsolute(value)) found.add(path.resolve(value));
      else if (key !== null && PATH_KEYS.has(key) && !/^[a-z][a-z0-9+.-]*:/i.test(value)) {
        found.add(path.resolve(workspaceDir, value));
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item, key, depth + 1);
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value)) visit(child, childKey, depth + 1);
    }
  };
  visit(parsed, null, 0);
  return [...found];
}
