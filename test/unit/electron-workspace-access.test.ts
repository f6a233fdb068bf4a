// A workspace file's paths are read only after the user saw them and said yes (electron/lib/workspace-access.ts
// and DesktopService.openWorkspace/openRecent), and the answer is remembered per workspace.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DesktopService, type DesktopDialogs } from '../../electron/lib/desktop-service';
import { RecentWorkspacesStore } from '../../electron/lib/recent';
import {
  MAX_LISTED_PATHS,
  MAX_REMEMBERED_WORKSPACES,
  parseWorkspaceAccess,
  WorkspaceAccessStore,
  workspaceAccessPrompt,
  type WorkspaceAccessRequest,
} from '../../electron/lib/workspace-access';

let root: string;
beforeEach(async () => {
  root = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-workspace-access-')));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

interface Session {
  service: DesktopService;
  asked: WorkspaceAccessRequest[];
  answers: boolean[];
  toOpen: string[][];
}

/** One app session: its own service (fresh grants), sharing the user-data folder with earlier ones. */
function newSession(): Session {
  const session = { asked: [] as WorkspaceAccessRequest[], answers: [] as boolean[], toOpen: [] as string[][] } as Session;
  const dialogs: DesktopDialogs = {
    openFiles: async () => session.toOpen.shift() ?? [],
    saveFile: async () => null,
    confirmWorkspaceAccess: async (request) => {
      session.asked.push(request);
      return session.answers.shift() ?? false;
    },
  };
  const userData = path.join(root, 'user-data');
  session.service = new DesktopService({
    dialogs,
    recent: RecentWorkspacesStore.inUserData(userData),
    workspaceAccess: WorkspaceAccessStore.inUserData(userData),
    samplesDir: path.join(root, 'samples'),
    defaultSaveDir: root,
  });
  return session;
}

async function writeFiles(): Promise<{ workspace: string; data: string; secret: string; sample: string }> {
  const data = path.join(root, 'orders.csv');
  const secret = path.join(root, 'secret', 'id_rsa');
  const sample = path.join(root, 'samples', 'bank.csv');
  await fsp.mkdir(path.dirname(secret), { recursive: true });
  await fsp.mkdir(path.dirname(sample), { recursive: true });
  await fsp.writeFile(data, 'id\n1\n');
  await fsp.writeFile(secret, 'PRIVATE KEY');
  await fsp.writeFile(sample, 'age\n30\n');
  const workspace = path.join(root, 'shared.assay.json');
  await fsp.writeFile(workspace, JSON.stringify({ sources: [{ path: data }, { path: sample }], note: secret }));
  return { workspace, data, secret, sample };
}

describe('opening a workspace that names files', () => {
  it('lists the files not yet readable and, on "Don\'t allow", opens the workspace but refuses to read them', async () => {
    const { workspace, data, secret, sample } = await writeFiles();
    const session = newSession();
    session.toOpen.push([workspace]);
    const opened = await session.service.openWorkspace();
    expect(opened?.path).toBe(workspace);
    // The sample is readable anyway: it is not in the question.
    expect(session.asked).toEqual([{ workspacePath: workspace, paths: [data, secret] }]);
    await expect(session.service.readFile(secret)).rejects.toThrow(/^Access denied: .*allowed an opened workspace/);
    await expect(session.service.readFile(data)).rejects.toThrow(/^Access denied/);
    expect(Buffer.from(await session.service.readFile(sample)).toString()).toBe('age\n30\n');

    // Reopening (File > Open recent) asks again: a refusal is not remembered as consent.
    expect(await session.service.openRecent(workspace)).not.toBeNull();
    expect(session.asked).toHaveLength(2);
  });

  it('on "Allow", reads them, and remembers the answer for that workspace in later sessions', async () => {
    const { workspace, data, secret } = await writeFiles();
    const first = newSession();
    first.toOpen.push([workspace]);
    first.answers.push(true);
    await first.service.openWorkspace();
    expect(Buffer.from(await first.service.readFile(data)).toString()).toBe('id\n1\n');
    expect(Buffer.from(await first.service.readFile(secret)).toString()).toBe('PRIVATE KEY');

    const second = newSession();
    await second.service.openRecent(workspace);
    expect(second.asked).toEqual([]);
    expect(Buffer.from(await second.service.readFile(data)).toString()).toBe('id\n1\n');

    // The workspace now names one more file: only that one is asked about.
    const extra = path.join(root, 'extra.csv');
    await fsp.writeFile(extra, 'x\n');
    await fsp.writeFile(workspace, JSON.stringify({ sources: [{ path: data }, { path: extra }] }));
    const third = newSession();
    await third.service.openRecent(workspace);
    expect(third.asked).toEqual([{ workspacePath: workspace, paths: [extra] }]);
    await expect(third.service.readFile(extra)).rejects.toThrow(/^Access denied/);
    expect(Buffer.from(await third.service.readFile(data)).toString()).toBe('id\n1\n');
  });

  it('asks nothing for a workspace naming only files the user picked or the samples', async () => {
    const { data, sample } = await writeFiles();
    const workspace = path.join(root, 'mine.assay.json');
    await fsp.writeFile(workspace, JSON.stringify({ sources: [{ path: data }, { path: sample }] }));
    const session = newSession();
    session.toOpen.push([data], [workspace]);
    await session.service.pickFiles();
    await session.service.openWorkspace();
    expect(session.asked).toEqual([]);
  });

  it('a consent for one workspace does not carry over to another naming the same file', async () => {
    const { workspace, secret } = await writeFiles();
    const first = newSession();
    first.toOpen.push([workspace]);
    first.answers.push(true);
    await first.service.openWorkspace();

    const other = path.join(root, 'other.assay.json');
    await fsp.writeFile(other, JSON.stringify({ note: secret }));
    const second = newSession();
    second.toOpen.push([other]);
    await second.service.openWorkspace();
    expect(second.asked).toEqual([{ workspacePath: other, paths: [secret] }]);
    await expect(second.service.readFile(secret)).rejects.toThrow(/^Access denied/);
  });
});

describe('workspaceAccessPrompt', () => {
  it('names the workspace, lists the first paths and counts the rest', () => {
    const paths = Array.from({ length: MAX_LISTED_PATHS + 3 }, (_, index) => `/data/file-${index}.csv`);
    const prompt = workspaceAccessPrompt({ workspacePath: '/home/ana/q3.assay.json', paths });
    expect(prompt.message).toBe('q3.assay.json wants Assay to read 15 files you have not opened here. Allow it?');
    const lines = prompt.detail.split('\n');
    expect(lines[0]).toBe('Workspace: /home/ana/q3.assay.json');
    expect(lines).toContain('/data/file-0.csv');
    expect(lines).toContain(`/data/file-${MAX_LISTED_PATHS - 1}.csv`);
    expect(lines).not.toContain(`/data/file-${MAX_LISTED_PATHS}.csv`);
    expect(lines).toContain('… and 3 more');
    expect(workspaceAccessPrompt({ workspacePath: '/w/a.assay.json', paths: ['/x'] }).message).toContain('read 1 file ');
  });
});

describe('WorkspaceAccessStore', () => {
  it('treats a corrupt or odd file as no approvals', async () => {
    expect(parseWorkspaceAccess('{nope')).toEqual(new Map());
    expect(parseWorkspaceAccess('[]')).toEqual(new Map());
    expect(parseWorkspaceAccess(JSON.stringify({ workspaces: { 'relative.assay.json': ['/a'], '/w.assay.json': ['/a', 'b', 3] } }))).toEqual(
      new Map([['/w.assay.json', ['/a']]]),
    );
    const store = new WorkspaceAccessStore(path.join(root, 'access.json'));
    await fsp.writeFile(path.join(root, 'access.json'), 'garbage');
    expect(await store.approved('/w.assay.json')).toEqual(new Set());
  });

  it(`keeps the most recently approved workspaces (${MAX_REMEMBERED_WORKSPACES} by default)`, async () => {
    const store = new WorkspaceAccessStore(path.join(root, 'access.json'), 3);
    for (const index of [0, 1, 2]) await store.approve(`/w/${index}.assay.json`, [`/d/${index}.csv`]);
    await store.approve('/w/0.assay.json', ['/d/0b.csv']); // approved again: now the most recent
    await store.approve('/w/3.assay.json', ['/d/3.csv']);
    expect(await store.approved('/w/1.assay.json')).toEqual(new Set());
    expect(await store.approved('/w/0.assay.json')).toEqual(new Set(['/d/0.csv', '/d/0b.csv']));
    expect(await store.approved('/w/2.assay.json')).toEqual(new Set(['/d/2.csv']));
    expect(await store.approved('/w/3.assay.json')).toEqual(new Set(['/d/3.csv']));
  });
});
