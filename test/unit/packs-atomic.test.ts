import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPack } from '../../workers/packs/io';
import { repoRoot, tempDir } from '../helpers/paths';

const dir = tempDir('packs-atomic');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Starts the writer, waits until it is mid-loop, kills it with SIGKILL; returns the two hashes. */
function runAndKill(target: string, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'helpers', 'pack-writer.ts'), target], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('writing\n')) setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer ended without being killed: ${out}`));
      else resolve(out.split('\n').filter((l) => l.startsWith('sha256:')));
    });
    child.on('error', reject);
  });
}

describe('pack writes', () => {
  it('killing the writer mid-write never leaves a half-written pack', { timeout: 180_000 }, async () => {
    const target = path.join(dir, 'pack.json');
    const seen = new Set<string>();
    for (const delay of [5, 60, 200]) {
      const hashes = await runAndKill(target, delay);
      expect(hashes).toHaveLength(2);
      const text = fs.readFileSync(target, 'utf8');
      expect(text.length).toBeGreaterThan(1_000_000);
      const { pack } = await readPack(text);
      expect(hashes).toContain(pack.contentHash);
      seen.add(pack.contentHash);
    }
    // Temp files of killed writers may remain beside the target, but never under its name.
    expect(fs.readdirSync(dir).filter((f) => !f.startsWith('.pack.json.'))).toEqual(['pack.json']);
    expect(seen.size).toBeGreaterThanOrEqual(1);
  });
});
