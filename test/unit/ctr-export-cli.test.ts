import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctrOnnxInputs } from '../../workers/ctr/export-onnx';
import { writeCtrModel } from '../../workers/ctr/model-file';
import { referenceProbabilities } from '../../workers/ctr/score-reference';
import type { CtrWeights } from '../../workers/ctr/weights';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { fixtureEncoding, fixtureRows, fixtureTableSql, randomWeights } from '../helpers/ctr-export-fixtures';
import { queryRows } from '../helpers/packs';
import { repoRoot, tempDir } from '../helpers/paths';
import { runProcess } from '../helpers/process';

const dir = tempDir('ctr-export-cli');
const rows = fixtureRows(200, 23);
let engine: NodeEngine;

function assay(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runProcess(process.execPath, [path.join(repoRoot, 'bin', 'assay.mjs'), ...args], { timeoutMs: 120_000 });
}

function modelFile(name: string, weights: CtrWeights): string {
  const file = path.join(dir, `${name}.json`);
  const meta = { name, target: 'clicked', label: { kind: 'binary' as const, positive: '1', negative: '0' }, params: {}, backend: null, trainedAt: '2026-01-01T00:00:00Z', bestEpoch: null };
  fs.writeFileSync(file, writeCtrModel(weights, meta));
  return file;
}

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: fixtureTableSql('events', rows) });
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('assay export', { timeout: 120_000 }, () => {
  it('writes an FM model as DuckDB SQL (lookup-table layout) whose scores equal the reference on every row', async () => {
    const weights = randomWeights('fm', fixtureEncoding(), 81, 4);
    const out = path.join(dir, 'fm.sql');
    const run = await assay('export', modelFile('fm', weights), '--format', 'sql', '--dialect', 'duckdb', '--layout', 'tables', '--table', 'events', '--keep', 'id', '--out', out);
    expect(run.stderr).toMatch(/wrote the fm model as duckdb SQL \(tables weights\)/);
    expect(run.code).toBe(0);
    const script = fs.readFileSync(out, 'utf8');
    const [setup, query] = script.split('\n\n') as [string, string];
    await engine.client.run('sql.run', { sql: setup });
    const scored = await queryRows(engine.client, `SELECT * FROM (${query.replace(/;\s*$/, '')}) ORDER BY "id"`);
    const expected = referenceProbabilities(weights, rows);
    expect(scored).toHaveLength(rows.length);
    scored.forEach((r, i) => expect(Math.abs(Number(r.prediction) - (expected[i] as number))).toBeLessThanOrEqual(1e-6));
  });

  it('writes a DeepFM model as ONNX that onnxruntime scores as the reference does', async () => {
    const weights = randomWeights('deepfm', fixtureEncoding(), 82, 4);
    const out = path.join(dir, 'deep.onnx');
    const run = await assay('export', modelFile('deep', weights), '--format', 'onnx', '--out', out);
    expect(run.code).toBe(0);
    const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(out)));
    const { slots, values, dims } = ctrOnnxInputs(weights, rows);
    const result = await session.run({ slots: new ort.Tensor('int64', slots, dims), values: new ort.Tensor('float32', values, dims) });
    const probability = result.probability?.data as Float32Array;
    const expected = referenceProbabilities(weights, rows);
    probability.forEach((p, i) => expect(Math.abs(p - (expected[i] as number))).toBeLessThanOrEqual(1e-5));
  });

  it('refuses bad requests in plain words', async () => {
    const deep = modelFile('deep2', randomWeights('deepfm', fixtureEncoding(), 83, 3));
    const noFormat = await assay('export', deep, '--out', path.join(dir, 'x.sql'));
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toMatch(/--format must be sql or onnx/);
    const badDialect = await assay('export', deep, '--format', 'sql', '--dialect', 'oracle', '--out', path.join(dir, 'x.sql'));
    expect(badDialect.code).toBe(2);
    expect(badDialect.stderr).toMatch(/--dialect must be spark, hive, flink, trino or duckdb/);
    const deepSql = await assay('export', deep, '--format', 'sql', '--out', path.join(dir, 'x.sql'));
    expect(deepSql.code).toBe(1);
    expect(deepSql.stderr).toMatch(/DeepFM model has no SQL form.*ONNX/);
    const hiveTimestamp = await assay('export', modelFile('fm2', randomWeights('fm', fixtureEncoding(), 84, 3)), '--format', 'sql', '--dialect', 'hive', '--out', path.join(dir, 'x.sql'));
    expect(hiveTimestamp.code).toBe(1);
    expect(hiveTimestamp.stderr).toMatch(/timestamp column "seen", which hive cannot/);
    expect(fs.existsSync(path.join(dir, 'x.sql'))).toBe(false);
  });
});
