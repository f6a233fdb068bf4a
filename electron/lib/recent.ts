// The "recent workspaces" list, kept as a small JSON file in the user's data folder.
import { promises as fsp } from 'node:fs';
import path from 'node:path';

import { writeFileAtomic } from './atomic-write';

export const MAX_RECENT_WORKSPACES = 10;

/** Moves `workspacePath` to the front, drops duplicates (same resolved path) and caps the list. */
export function withRecentWorkspace(list: readonly string[], workspacePath: string, cap = MAX_RECENT_WORKSPACES): string[] {
  const resolved = path.resolve(workspacePath);
  return [resolved, ...list.filter((entry) => path.resolve(entry) !== resolved)].slice(0, cap);
}

/** Reads whatever a previous version (or a crash, or a hand edit) left; anything unusable counts as empty. */
export function parseRecentWorkspaces(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const entries = Array.isArray(parsed)
    ? parsed
    : parsed !== null && typeof parsed === 'object' && Array.isArray((parsed as { workspaces?: unknown }).workspaces)
      ? (parsed as { workspaces: unknown[] }).workspaces
      : [];
  let list: string[] = [];
  for (const entry of entries.slice().reverse()) {
    if (typeof entry === 'string' && entry.length > 0 && entry.length <= 4096 && path.isAbsolute(entry)) {
      list = withRecentWorkspace(list, entry);
    }
  }
  return list;
}

export class RecentWorkspacesStore {
  constructor(private readonly filePath: string) {}

  static inUserData(userDataDir: string): RecentWorkspacesStore {
    return new RecentWorkspacesStore(path.join(userDataDir, 'recent-workspaces.json'));
  }

  async list(): Promise<string[]> {
    try {
      return parseRecentWorkspaces(await fsp.readFile(this.filePath, 'utf8'));
    } catch {
      return [];
    }
  }

  async add(workspacePath: string): Promise<string[]> {
    const next = withRecentWorkspace(await this.list(), workspacePath);
    await this.save(next);
    return next;
  }

  async remove(workspacePath: string): Promise<string[]> {
    const resolved = path.resolve(workspacePath);
    const next = (await this.list()).filter((entry) => entry !== resolved);
    await this.save(next);
    return next;
  }

  private async save(list: string[]): Promise<void> {
    await fsp.mkdir(path.dirname(this.filePath), { recursive: true });
    await writeFileAtomic(this.filePath, `${JSON.stringify({ version: 1, workspaces: list }, null, 2)}\n`);
  }
}
