import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { MAX_RECENT_WORKSPACES, parseRecentWorkspaces, RecentWorkspacesStore, withRecentWorkspace } from '../../electron/lib/recent';

let userData: string;
beforeEach(async () => {
  userData = await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-recent-'));
});
afterEach(async () => {
  await fsp.rm(userData, { recursive: true, force: true });
});

describe('withRecentWorkspace', () => {
  it('puts the newest first and removes duplicates (also non-normalised ones)', () => {
    expect(withRecentWorkspace(['/w/a.assay.json', '/w/b.assay.json'], '/w/b.assay.json')).toEqual([
      '/w/b.assay.json',
      '/w/a.assay.json',
    ]);
    expect(withRecentWorkspace(['/w/a.assay.json'], '/w/./x/../a.assay.json')).toEqual(['/w/a.assay.json']);
  });

  it(`keeps at most ${MAX_RECENT_WORKSPACES}`, () => {
    let list: string[] = [];
    for (let i = 0; i < 25; i++) list = withRecentWorkspace(list, `/w/${i}.assay.json`);
    expect(list).toHaveLength(10);
    expect(list[0]).toBe('/w/24.assay.json');
    expect(list[9]).toBe('/w/15.assay.json');
  });
});

describe('parseRecentWorkspaces', () => {
  it('treats corrupt or foreign content as empty and drops bad entries', () => {
    expect(parseRecentWorkspaces('{"workspaces": ["/a.assay.json", ')).toEqual([]);
    expect(parseRecentWorkspaces('')).toEqual([]);
    expect(parseRecentWorkspaces('"just a string"')).toEqual([]);
    expect(parseRecentWorkspaces('null')).toEqual([]);
    expect(parseRecentWorkspaces(JSON.stringify({ workspaces: ['/a.assay.json', 7, 'relative.assay.json', null, '/a.assay.json', '/b.assay.json'] }))).toEqual(
      ['/a.assay.json', '/b.assay.json'],
    );
    expect(parseRecentWorkspaces(JSON.stringify(['/old-format.assay.json']))).toEqual(['/old-format.assay.json']);
  });
});

describe('RecentWorkspacesStore', () => {
  it('persists across instances, deduplicated and capped', async () => {
    const store = RecentWorkspacesStore.inUserData(userData);
    expect(await store.list()).toEqual([]);
    for (let i = 0; i < 12; i++) await store.add(`/w/${i}.assay.json`);
    await store.add('/w/5.assay.json');
    const reopened = RecentWorkspacesStore.inUserData(userData);
    const list = await reopened.list();
    expect(list).toHaveLength(10);
    expect(list[0]).toBe('/w/5.assay.json');
    expect(list.filter((entry) => entry === '/w/5.assay.json')).toHaveLength(1);
    expect(list).not.toContain('/w/0.assay.json');
    expect(await reopened.remove('/w/5.assay.json')).not.toContain('/w/5.assay.json');
    expect(await fsp.readdir(userData)).toEqual(['recent-workspaces.json']);
  });

  it('survives a corrupt file: reads as empty, then the next add rewrites it whole', async () => {
    const file = path.join(userData, 'recent-workspaces.json');
    await fsp.writeFile(file, '{"version":1,"workspaces":["/w/a.assay.json"');
    const store = new RecentWorkspacesStore(file);
    expect(await store.list()).toEqual([]);
    expect(await store.add('/w/b.assay.json')).toEqual(['/w/b.assay.json']);
    expect(JSON.parse(await fsp.readFile(file, 'utf8'))).toEqual({ version: 1, workspaces: ['/w/b.assay.json'] });
  });

  it('creates the user data folder when it does not exist yet', async () => {
    const store = RecentWorkspacesStore.inUserData(path.join(userData, 'nested', 'Assay'));
    await store.add('/w/a.assay.json');
    expect(await store.list()).toEqual(['/w/a.assay.json']);
  });
});
