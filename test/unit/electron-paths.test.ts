import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DesktopService, withWorkspaceSuffix, type DesktopDialogs } from '../../electron/lib/desktop-service';
import { AccessDeniedError, collectWorkspacePaths, isInsideDirectory, PathGrants } from '../../electron/lib/paths';
import { RecentWorkspacesStore } from '../../electron/lib/recent';
import { WorkspaceAccessStore, type WorkspaceAccessRequest } from '../../electron/lib/workspace-access';

let root: string;

beforeEach(async () => {
  root = await fsp.realpath(await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-paths-')));
});
afterEach(async () => {
  await fsp.rm(root, { recursive: true, force: true });
});

describe('isInsideDirectory', () => {
  it('separates children from siblings with a shared prefix', () => {
    expect(isInsideDirectory('/app/samples', '/app/samples/a/b.csv')).toBe(true);
    expect(isInsideDirectory('/app/samples', '/app/samples')).toBe(true);
    expect(isInsideDirectory('/app/samples', '/app/samples-evil/b.csv')).toBe(false);
    expect(isInsideDirectory('/app/samples', '/app/samples/../secret.txt')).toBe(false);
  });
});

describe('PathGrants', () => {
  it('refuses any path that was not granted', async () => {
    const grants = new PathGrants('linux');
    const secret = path.join(root, 'secret.txt');
    await fsp.writeFile(secret, 'x');
    expect(grants.isGranted(secret)).toBe(false);
    await expect(grants.resolveReadable(secret)).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(grants.resolveReadable(secret)).rejects.toThrow(/^Access denied: /);
  });

  it('allows exactly the granted files', async () => {
    const grants = new PathGrants('linux');
    const chosen = path.join(root, 'orders.csv');
    grants.grantFile(chosen);
    expect(grants.isGranted(chosen)).toBe(true);
    expect(grants.isGranted(path.join(root, 'orders.csv.bak'))).toBe(false);
    expect(grants.isGranted(path.join(root, 'ORDERS.csv'))).toBe(false);
    expect(grants.isGranted(`${root}/x/../orders.csv`)).toBe(false);
    expect(grants.isGranted('orders.csv')).toBe(false);
  });

  it('compares case-insensitively where the file system does', () => {
    const grants = new PathGrants('win32');
    grants.grantFile(path.join(root, 'Orders.CSV'));
    expect(grants.isGranted(path.join(root, 'orders.csv'))).toBe(true);
  });

  it('allows files below a granted folder but not symlinks leading out of it', async () => {
    const samples = path.join(root, 'samples');
    await fsp.mkdir(path.join(samples, 'retail'), { recursive: true });
    await fsp.writeFile(path.join(samples, 'retail', 'lines.csv'), 'a\n1\n');
    await fsp.writeFile(path.join(root, 'outside.txt'), 'secret');
    await fsp.symlink(path.join(root, 'outside.txt'), path.join(samples, 'link.txt'));
    const grants = new PathGrants('linux');
    grants.grantDirectory(samples);
    expect(await grants.resolveReadable(path.join(samples, 'retail', 'lines.csv'))).toBe(path.join(samples, 'retail', 'lines.csv'));
    expect(grants.isGranted(path.join(root, 'outside.txt'))).toBe(false);
    expect(grants.isGranted(path.join(root, 'samples-other', 'x.csv'))).toBe(false);
    await expect(grants.resolveReadable(path.join(samples, 'link.txt'))).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

describe('collectWorkspacePaths', () => {
  it('finds absolute paths anywhere and resolves relative ones under path-like keys', () => {
    const workspace = path.join(root, 'project', 'churn.assay.json');
    const text = JSON.stringify({
      version: 1,
      sources: [
        { table: 'orders', path: '/data/orders.parquet' },
        { table: 'users', path: 'data/users.csv' },
        { table: 'events', file: '../shared/events.csv' },
      ],
      notes: 'see /data/notes.txt',
      exportTo: '/exports/out.csv',
      sql: 'SELECT 1',
      url: { path: 'https://example.com/x.csv' },
    });
    expect(collectWorkspacePaths(text, workspace).sort()).toEqual(
      [
        '/data/orders.parquet',
        path.join(root, 'project', 'data', 'users.csv'),
        path.join(root, 'shared', 'events.csv'),
        '/exports/out.csv',
      ].sort(),
    );
  });

  it('names nothing for invalid JSON', () => {
    expect(collectWorkspacePaths('{not json', '/w/a.assay.json')).toEqual([]);
  });
});

describe('DesktopService', () => {
  interface Script {
    open: string[][];
    save: Array<string | null>;
    /** Answers to "may this workspace read these files?" (none left: "Don't allow"). */
    access?: boolean[];
    /** Filled with every such question asked. */
    asked?: WorkspaceAccessRequest[];
  }
  function scriptedDialogs(script: Script): DesktopDialogs {
    return {
      openFiles: async () => script.open.shift() ?? [],
      saveFile: async () => (script.save.length > 0 ? script.save.shift()! : null),
      confirmWorkspaceAccess: async (request) => {
        script.asked?.push(request);
        return script.access?.shift() ?? false;
      },
    };
  }

  async function makeService(script: Script) {
    const samples = path.join(root, 'samples');
    await fsp.mkdir(path.join(samples, 'bank'), { recursive: true });
    await fsp.writeFile(path.join(samples, 'manifest.json'), '{}');
    await fsp.writeFile(path.join(samples, 'bank', 'bank.csv'), 'age;y\n30;no\n');
    await fsp.writeFile(path.join(samples, '.DS_Store'), '');
    const recent = new RecentWorkspacesStore(path.join(root, 'user-data', 'recent-workspaces.json'));
    const workspaceAccess = new WorkspaceAccessStore(path.join(root, 'user-data', 'workspace-access.json'));
    const service = new DesktopService({ dialogs: scriptedDialogs(script), recent, workspaceAccess, samplesDir: samples, defaultSaveDir: root });
    return { service, samples, recent };
  }

  it('reads picked files and samples, and refuses everything else', async () => {
    const picked = path.join(root, 'picked.csv');
    const other = path.join(root, 'other.csv');
    await fsp.writeFile(picked, 'id\n1\n');
    await fsp.writeFile(other, 'secret');
    const { service, samples } = await makeService({ open: [[picked]], save: [] });

    await expect(service.readFile(picked)).rejects.toThrow(/^Access denied/);
    expect(await service.pickFiles()).toEqual([{ path: picked, name: 'picked.csv', size: 5 }]);
    expect(Buffer.from(await service.readFile(picked)).toString()).toBe('id\n1\n');
    expect(Buffer.from(await service.readFile(path.join(samples, 'bank', 'bank.csv'))).toString()).toContain('age;y');
    await expect(service.readFile(other)).rejects.toThrow(/^Access denied/);

    const listing = await service.samplesDir();
    expect(listing.dir).toBe(samples);
    expect(listing.files.map((file) => file.name)).toEqual(['bank/bank.csv', 'manifest.json']);
  });

  it('grants the data a workspace names once the user opens it and allows it, not when the renderer saves it', async () => {
    const data = path.join(root, 'data.csv');
    const sneaky = path.join(root, 'sneaky.txt');
    await fsp.writeFile(data, 'a\n1\n');
    await fsp.writeFile(sneaky, 'secret');
    const workspace = path.join(root, 'w.assay.json');
    await fsp.writeFile(workspace, JSON.stringify({ sources: [{ path: data }] }));
    const { service, recent } = await makeService({ open: [[workspace]], save: [], access: [true] });

    const opened = await service.openWorkspace();
    expect(opened).toEqual({ path: workspace, text: JSON.stringify({ sources: [{ path: data }] }) });
    expect(Buffer.from(await service.readFile(data)).toString()).toBe('a\n1\n');
    expect(await recent.list()).toEqual([workspace]);

    // Saving to the opened workspace needs no dialog; the text written grants nothing by itself.
    expect(await service.saveWorkspace({ path: workspace, text: JSON.stringify({ sources: [{ path: sneaky }] }) })).toEqual({
      path: workspace,
    });
    await expect(service.readFile(sneaky)).rejects.toThrow(/^Access denied/);
  });

  it('asks with a dialog before writing a workspace path it has not seen, and adds the suffix', async () => {
    const chosen = path.join(root, 'segments');
    const { service, recent } = await makeService({ open: [], save: [chosen, null] });
    expect(await service.saveWorkspace({ path: null, text: '{"v":1}' })).toEqual({ path: `${chosen}.assay.json` });
    expect(await fsp.readFile(`${chosen}.assay.json`, 'utf8')).toBe('{"v":1}');
    expect(await recent.list()).toEqual([`${chosen}.assay.json`]);
    // An unknown explicit path goes through the dialog too; cancelling writes nothing.
    const elsewhere = path.join(root, 'elsewhere.assay.json');
    expect(await service.saveWorkspace({ path: elsewhere, text: '{}' })).toBeNull();
    await expect(fsp.access(elsewhere)).rejects.toThrow();
  });

  it('saves exports atomically to the chosen path and returns null on cancel', async () => {
    const target = path.join(root, 'export.csv');
    const { service } = await makeService({ open: [], save: [target, null] });
    expect(await service.saveFile({ defaultName: 'export.csv', bytes: new TextEncoder().encode('x\n1\n') })).toEqual({ path: target });
    expect(await fsp.readFile(target, 'utf8')).toBe('x\n1\n');
    expect(await service.saveFile({ defaultName: 'export.csv', bytes: new Uint8Array([1]) })).toBeNull();
  });

  it('opens only recent workspaces and drops ones that vanished', async () => {
    const workspace = path.join(root, 'gone.assay.json');
    const { service, recent } = await makeService({ open: [], save: [] });
    await expect(service.openRecent(path.join(root, 'never.assay.json'))).rejects.toThrow(/not a recent workspace/);
    await recent.add(workspace);
    expect(await service.openRecent(workspace)).toBeNull();
    expect(await recent.list()).toEqual([]);
  });
});

describe('withWorkspaceSuffix', () => {
  it('normalises to .assay.json', () => {
    expect(withWorkspaceSuffix('/w/a')).toBe('/w/a.assay.json');
    expect(withWorkspaceSuffix('/w/a.json')).toBe('/w/a.assay.json');
    expect(withWorkspaceSuffix('/w/a.assay.json')).toBe('/w/a.assay.json');
  });
});
