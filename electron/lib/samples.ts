// Lists the sample data shipped with the app (samples/ beside package.json).
import { promises as fsp } from 'node:fs';
import path from 'node:path';

import type { DesktopFileEntry } from '../contract';

const MAX_DEPTH = 3;
const MAX_FILES = 1000;

/** Every regular, non-hidden file below `samplesDir`; `name` is the relative path with `/` separators. */
export async function listSampleFiles(samplesDir: string): Promise<DesktopFileEntry[]> {
  const root = path.resolve(samplesDir);
  const files: DesktopFileEntry[] = [];
  const walk = async (directory: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return;
    let entries;
    try {
      entries = await fsp.readdir(directory, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (files.length >= MAX_FILES || entry.name.startsWith('.')) continue;
      const fullPath = path.join(directory, entry.name);
      if (entry.isDirectory()) await walk(fullPath, depth + 1);
      else if (entry.isFile()) {
        const { size } = await fsp.stat(fullPath);
        files.push({ path: fullPath, name: path.relative(root, fullPath).split(path.sep).join('/'), size });
      }
    }
  };
  await walk(root, 0);
  return files;
}
