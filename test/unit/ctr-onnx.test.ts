import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { ctrOnnxInputs, ctrToOnnx } from '../../workers/ctr/export-onnx';
import { ProtoWriter } from '../../workers/ctr/onnx-proto';
import { referenceMargins, referenceProbabilities } from '../../workers/ctr/score-reference';
import type { CtrWeights } from '../../workers/ctr/weights';
import { fixtureEncoding, fixtureRows, randomWeights } from '../helpers/ctr-export-fixtures';

ort.env.wasm.numThreads = 1;
const rows = fixtureRows(300, 17);

async function runOnnx(bytes: Uint8Array, weights: CtrWeights, input: ReadonlyArray<Record<string, unknown>>): Promise<{ probability: Float32Array; margin: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes);
  const { slots, values, dims } = ctrOnnxInputs(weights, input);
  const out = await session.run({ slots: new ort.Tensor('int64', slots, dims), values: new ort.Tensor('float32', values, dims) });
  expect(out.probability?.dims).toEqual([input.length, 1]);
  return { probability: out.probability?.data as Float32Array, margin: out.margin?.data as Float32Array };
}

describe('protobuf writer', () => {
  it('writes varints, negative int64, strings, floats and nested messages as protobuf does', () => {
    const w = new ProtoWriter();
    w.int(1, 150); // the protobuf guide's example: 08 96 01
    w.int(2, -1); // two's complement in ten bytes
    w.string(3, 'hé');
    w.float(4, 1.5);
    w.message(5, (inner) => inner.int(1, 1));
    expect(Buffer.from(w.finish()).toString('hex')).toBe('089601' + '10ffffffffffffffffff01' + '1a0368c3a9' + '250000c03f' + '2a020801');
  });

  it('keeps long payloads whole across its internal buffers', () => {
    const w = new ProtoWriter();
    const big = new Uint8Array(70_000).map((_, i) => i & 255);
    for (let i = 0; i < 300; i++) w.int(1, i);
    w.bytes(2, big);
    w.int(3, 7);
    const out = w.finish();
    expect(out.length).toBe(300 + 128 + 2 * 172 + 1 + 3 + 70_000 + 2); // tags, 1- and 2-byte varints, tag, length, payload, last field
    expect(Buffer.from(out.subarray(out.length - 2 - 70_000, out.length - 2)).equals(Buffer.from(big))).toBe(true);
  });
});

describe('ONNX export scored in onnxruntime-web (WASM, in Node) equals the app scores', () => {
  for (const kind of ['deepfm', 'fm', 'lr'] as const) {
    it(`${kind}: probability and margin within 1e-5 on every row (NULLs, NaN/Inf, unseen levels, hashed fields)`, async () => {
      const weights = randomWeights(kind, fixtureEncoding(), 50 + kind.length, 6, [16, 8]);
      const { probability, margin } = await runOnnx(ctrToOnnx(weights), weights, rows);
      const expectedP = referenceProbabilities(weights, rows);
      const expectedM = referenceMargins(weights, rows);
      let worst = 0;
      for (let i = 0; i < rows.length; i++) {
        worst = Math.max(worst, Math.abs((probability[i] as number) - (expectedP[i] as number)), Math.abs((margin[i] as number) - (expectedM[i] as number)) / Math.max(1, Math.abs(expectedM[i] as number)));
      }
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(new Set(Array.from(probability, (p) => p.toFixed(5))).size).toBeGreaterThan(rows.length / 2);
    });
  }

  it('names its inputs slots and values and its outputs probability and margin', async () => {
    const weights = randomWeights('deepfm', fixtureEncoding(), 61, 4);
    const session = await ort.InferenceSession.create(ctrToOnnx(weights));
    expect(session.inputNames).toEqual(['slots', 'values']);
    expect(session.outputNames).toEqual(['probability', 'margin']);
  });
});

const python = '/usr/bin/python3';
const hasOnnx = fs.existsSync(python) && spawnSync(python, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

describe('ONNX checker (Debian python3-onnx)', () => {
  // Skipped where Debian's python3-onnx is absent (.ci/run installs it): the checker is its code.
  it.skipIf(!hasOnnx)('accepts the DeepFM, FM and LR files (full check, shape inference) and reads the encoding back (skipped without python3-onnx)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assay-onnx-'));
    try {
      const files = (['deepfm', 'fm', 'lr'] as const).map((kind) => {
        const weights = randomWeights(kind, fixtureEncoding(), 70 + kind.length, 4);
        const file = path.join(dir, `${kind}.onnx`);
        fs.writeFileSync(file, ctrToOnnx(weights));
        return file;
      });
      const script = [
        'import json, sys, onnx',
        'for f in sys.argv[1:]:',
        '    m = onnx.load(f)',
        '    onnx.checker.check_model(m, full_check=True)',
        '    meta = {p.key: p.value for p in m.metadata_props}',
        '    print(json.dumps({"kind": meta["assay.kind"], "fields": [x["name"] for x in json.loads(meta["assay.encoding"])["fields"]], "opset": m.opset_import[0].version}))',
      ].join('\n');
      const out = execFileSync(python, ['-c', script, ...files], { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l) as { kind: string; fields: string[]; opset: number });
      expect(out.map((o) => o.kind)).toEqual(['deepfm', 'fm', 'lr']);
      for (const o of out) expect(o.fields).toEqual(fixtureEncoding().fields.map((f) => f.name));
      expect(out[0]?.opset).toBe(13);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
