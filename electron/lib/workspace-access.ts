// Files a workspace asks to read. A workspace file can come from anyone (a download, a colleague, a
// compromised renderer that saved it earlier), so the absolute paths it names are granted only after
// the user saw them listed and said yes. The answer is remembered per workspace, in the user's data
// folder, so reopening the same workspace asks only about paths it did not name before.
import { promises as fsp } from 'node:fs';
import path from 'node:path';

import { writeFileAtomic } from './atomic-write';

export interface WorkspaceAccessRequest {
  /** The workspace file being opened (absolute). */
  workspacePath: string;
  /** Absolute paths it names that the user has not opened or allowed before. */
  paths: string[];
}

/** Paths listed in the dialog; the rest are counted. */
export const MAX_LISTED_PATHS = 12;
/** Workspaces remembered (least recently approved dropped first). */
export const MAX_REMEMBERED_WORKSPACES = 100;
const MAX_PATHS_PER_WORKSPACE = 10_000;

/** The dialog main shows: a question, and the workspace and paths it names. */
export function workspaceAccessPrompt(request: WorkspaceAccessRequest): { message: string; detail: string } {
  const count = request.paths.length;
  const files = count === 1 ? '1 file' : `${count} files`;
  const listed = request.paths.slice(0, MAX_LISTED_PATHS);
  const more = count - listed.length;
  return {
    message: `${path.basename(request.workspacePath)} wants Assay to read ${files} you have not opened here. Allow it?`,
    detail: [
      `Workspace: ${request.workspacePath}`,
      '',
      ...listed,
      ...(more > 0 ? [`… and ${more} more`] : []),
      '',
      'Choose "Don\'t allow" unless you expect this workspace to use these files: it then opens without them.',
    ].join('\n'),
  };
}

/** workspace path -> approved paths; anything unusable (corrupt, hand-edited, old) counts as empty. */
export function parseWorkspaceAccess(text: string): Map<string, string[]> {
  const approvals = new Map<string, string[]>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return approvals;
  }
  const workspaces = (parsed as { workspaces?: unknown } | null)?.workspaces;
  if (workspaces === null || typeof workspaces !== 'object' || Array.isArray(workspaces)) return approvals;
  for (const [workspacePath, paths] of Object.entries(workspaces)) {
    if (!path.isAbsolute(workspacePath) || !Array.isArray(paths)) continue;
    const valid = paths.filter((entry): entry is string => typeof entry === 'string' && entry.length <= 4096 && path.isAbsolute(entry));
    approvals.set(workspacePath, valid.slice(0, MAX_PATHS_PER_WORKSPACE));
  }
  return approvals;
}

export class WorkspaceAccessStore {
  constructor(
    private readonly filePath: string,
    private readonly maxWorkspaces = MAX_REMEMBERED_WORKSPACES,
  ) {}

  static inUserData(userDataDir: string): WorkspaceAccessStore {
    return new WorkspaceAccessStore(path.join(userDataDir, 'workspace-access.json'));
  }

  /** Paths the user allowed `workspacePath` to read in an earlier session. */
  async approved(workspacePath: string): Promise<Set<string>> {
    return new Set((await this.load()).get(path.resolve(workspacePath)) ?? []);
  }

  async approve(workspacePath: string, paths: readonly string[]): Promise<void> {
    const approvals = await this.load();
    const key = path.resolve(workspacePath);
    const merged = [...new Set([...(approvals.get(key) ?? []), ...paths.map((entry) => path.resolve(entry))])];
    approvals.delete(key); // re-inserted last: most recently approved
    approvals.set(key, merged.slice(-MAX_PATHS_PER_WORKSPACE));
    const kept = [...approvals.entries()].slice(-this.maxWorkspaces);
    await fsp.mkdir(path.dirname(this.filePath), { recursive: true });
    await writeFileAtomic(this.filePath, `${JSON.stringify({ version: 1, workspaces: Object.fromEntries(kept) }, null, 2)}\n`);
  }

  private async load(): Promise<Map<string, string[]>> {
    try {
      return parseWorkspaceAccess(await fsp.readFile(this.filePath, 'utf8'));
    } catch {
      return new Map();
    }
  }
}
