import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { samplesDir } from '../helpers/paths';

interface ManifestFile {
  name: string;
  path: string;
  table: string;
  bytes: number;
  rows: number;
  delimiter?: string;
  licence: string;
}

const manifest = JSON.parse(fs.readFileSync(path.join(samplesDir, 'manifest.json'), 'utf8')) as { version: number; files: ManifestFile[] };
let engine: NodeEngine;

beforeAll(async () => {
  engine = await createInProcessEngine();
});
afterAll(async () => {
  await engine.close();
});

describe('the shipped sample workspace', () => {
  it('ships only CC BY / MIT data, each folder with its SOURCE note and licence', () => {
    expect(manifest.version).toBe(1);
    expect(manifest.files.length).toBeGreaterThanOrEqual(4);
    for (const file of manifest.files) {
      expect(['CC BY 4.0', 'MIT']).toContain(file.licence);
      const folder = path.join(samplesDir, path.dirname(file.path));
      expect(fs.existsSync(path.join(folder, 'SOURCE.md'))).toBe(true);
      expect(fs.existsSync(path.join(folder, 'LICENSE'))).toBe(true);
      expect(fs.statSync(path.join(samplesDir, file.path)).size).toBe(file.bytes);
    }
  });

  it('opens every sample with the row count and delimiter the manifest states', async () => {
    for (const file of manifest.files) {
      const info = await engine.client.run('data.open', { source: { kind: 'path', path: path.join(samplesDir, file.path) }, tableName: file.table });
      expect(info.name).toBe(file.table);
      expect(info.rowCount).toBe(file.rows);
      if (file.delimiter) expect(info.source?.delimiter).toBe(file.delimiter);
      expect(info.warnings ?? []).toEqual([]);
    }
  });
});
