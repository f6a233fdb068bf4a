import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths';
import { runProcess } from './process';

/** Debian's python3 with python3-xgboost (CI installs it); null when absent, with the reason. */
export function findXgboostPython(): { python: string | null; reason: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import xgboost, numpy; print(xgboost.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, reason: `xgboost ${r.stdout.trim()}` };
  }
  return { python: null, reason: 'python3-xgboost is not installed (apt-get install python3-xgboost); skipping XGBoost parity' };
}

export async function runXgboost(python: string, spec: Record<string, unknown>, dir: string): Promise<void> {
  const specPath = path.join(dir, `spec-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(specPath, JSON.stringify(spec));
  const r = await runProcess(python, [path.join(repoRoot, 'test', 'python', 'xgb_reference.py'), specPath]);
  if (r.code !== 0) throw new Error(`XGBoost reference failed: ${r.stderr || r.stdout}`);
}

/** Writes float32 columns as CSV rows (NaN as "nan"), with enough digits to round-trip float32. */
export function writeMatrix(file: string, columns: Float32Array[]): void {
  const n = columns[0]?.length ?? 0;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(columns.map((c) => (Number.isNaN(c[i] as number) ? 'nan' : (c[i] as number).toPrecision(9))).join(','));
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

export function readMatrix(file: string): number[][] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number));
}
