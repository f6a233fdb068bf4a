import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { isAtomicTempName, writeFileAtomic } from '../../electron/lib/atomic-write';

const repoRoot = path.resolve(__dirname, '../..');
let dir: string;

beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'assay-atomic-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates a new file and replaces an existing one, leaving no temp files', async () => {
    const target = path.join(dir, 'report.csv');
    await writeFileAtomic(target, 'a,b\n1,2\n');
    expect(await fsp.readFile(target, 'utf8')).toBe('a,b\n1,2\n');
    await writeFileAtomic(target, new Uint8Array([0x78, 0x79]));
    expect(await fsp.readFile(target, 'utf8')).toBe('xy');
    expect(await fsp.readdir(dir)).toEqual(['report.csv']);
  });

  it('writes streamed chunks in order', async () => {
    const target = path.join(dir, 'streamed.bin');
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 5; i++) yield new Uint8Array(1000).fill(i);
    }
    await writeFileAtomic(target, chunks());
    const bytes = await fsp.readFile(target);
    expect(bytes.length).toBe(5000);
    expect([bytes[0], bytes[999], bytes[1000], bytes[4999]]).toEqual([0, 0, 1, 4]);
  });

  it('keeps the mode of the file it replaces', async () => {
    if (process.platform === 'win32') return;
    const target = path.join(dir, 'private.json');
    await fsp.writeFile(target, 'old', { mode: 0o600 });
    await fsp.chmod(target, 0o600);
    await writeFileAtomic(target, 'new');
    expect((await fsp.stat(target)).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file intact and removes the temp file when the rename fails', async () => {
    const target = path.join(dir, 'workspace.assay.json');
    await fsp.writeFile(target, '{"old":true}');
    let tempSeen = '';
    await expect(
      writeFileAtomic(target, '{"new":true}', {
        beforeRename: async (tempPath) => {
          tempSeen = tempPath;
          // The complete new bytes are on disk next to the target before the rename.
          expect(await fsp.readFile(tempPath, 'utf8')).toBe('{"new":true}');
          throw Object.assign(new Error('EXDEV: simulated rename failure'), { code: 'EXDEV' });
        },
      }),
    ).rejects.toThrow('simulated rename failure');
    expect(path.dirname(tempSeen)).toBe(dir);
    expect(await fsp.readFile(target, 'utf8')).toBe('{"old":true}');
    expect(await fsp.readdir(dir)).toEqual(['workspace.assay.json']);
  });

  it('cleans up when the operating system refuses the rename (target is a folder)', async () => {
    const target = path.join(dir, 'taken');
    await fsp.mkdir(target);
    await fsp.writeFile(path.join(target, 'inside.txt'), 'keep');
    await expect(writeFileAtomic(target, 'bytes')).rejects.toThrow();
    expect(await fsp.readFile(path.join(target, 'inside.txt'), 'utf8')).toBe('keep');
    expect(await fsp.readdir(dir)).toEqual(['taken']);
  });

  it('leaves the old file intact when the source fails midway', async () => {
    const target = path.join(dir, 'export.csv');
    await fsp.writeFile(target, 'previous export');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(4096).fill(65);
      throw new Error('query cancelled');
    }
    await expect(writeFileAtomic(target, failing())).rejects.toThrow('query cancelled');
    expect(await fsp.readFile(target, 'utf8')).toBe('previous export');
    expect(await fsp.readdir(dir)).toEqual(['export.csv']);
  });

  it('fails cleanly when the folder does not exist', async () => {
    await expect(writeFileAtomic(path.join(dir, 'missing', 'x.txt'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('survives a writer process killed midway: the target keeps its old bytes, never a partial file', async () => {
    const target = path.join(dir, 'big.parquet');
    const oldBytes = 'the previous complete file';
    await fsp.writeFile(target, oldBytes);
    const moduleUrl = pathToFileURL(path.join(repoRoot, 'electron/lib/atomic-write.ts')).href;
    const childScript = path.join(dir, 'writer.mts');
    await fsp.writeFile(
      childScript,
      [
        `import { writeFileAtomic } from ${JSON.stringify(moduleUrl)};`,
        'async function* chunks() {',
        '  const chunk = new Uint8Array(1 << 20).fill(0x42);',
        '  for (let i = 0; i < 8; i++) yield chunk;',
        "  process.stdout.write('midway\\n');",
        '  // Hold the write open (a slow producer) until the parent kills us.',
        '  await new Promise((resolve) => setTimeout(resolve, 120_000));',
        '  yield chunk;',
        '}',
        'await writeFileAtomic(process.argv[2], chunks());',
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, target], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (data: Buffer) => {
        stdout += data.toString();
        if (stdout.includes('midway')) resolve();
      });
      child.on('exit', () => reject(new Error(`writer exited before midway: ${stderr}`)));
    });

    // Midway: 8 MiB sit in a temp file beside the target, the target is untouched.
    const temps = (await fsp.readdir(dir)).filter(isAtomicTempName);
    expect(temps).toHaveLength(1);
    expect((await fsp.stat(path.join(dir, temps[0]!))).size).toBe(8 << 20);
    expect(await fsp.readFile(target, 'utf8')).toBe(oldBytes);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(await fsp.readFile(target, 'utf8')).toBe(oldBytes);
    const names = (await fsp.readdir(dir)).filter((name) => name !== 'writer.mts');
    // Only the target and the orphaned temp (recognisable, safe to delete) remain.
    expect(names.sort()).toEqual(['big.parquet', temps[0]].sort());
  });
});
