// `assay export`: an lr/fm/deepfm model file as SQL (lr, fm; every pack dialect) or ONNX.
import fs from 'node:fs';
import path from 'node:path';
import type { CtrExportParams } from '../ctr/export-types';
import { writeFileAtomic } from '../node/atomic-write';
import { EXIT, UsageError, parseCommandLine, requireFile, withEngine, type Io } from './common';

const EXPORT_HELP = `Usage: assay export MODEL.json --format sql|onnx [options] --out FILE

Writes a CTR model (lr, fm or deepfm, from 'assay train --model ...') in a form production runs:
  sql    lr and fm scores as one SQL query in a rule-pack dialect: the kept columns, then
         "prediction" (the probability). Weights are inline CASE expressions for small
         vocabularies, or a lookup table (CREATE TABLE + INSERT statements first) for large ones.
  onnx   the model as ONNX (opset 13; deepfm, fm and lr): inputs "slots" (int64 [N, fields]) and
         "values" (float [N, fields]), outputs "probability" and "margin"; the field encoding is
         in the metadata ("assay.encoding", "assay.inputs").

Options:
  --format F          sql or onnx (required)
  --dialect D         SQL: spark | hive | flink | trino | duckdb (default duckdb)
  --layout L          SQL: auto (default) | inline | tables
  --table NAME        SQL: the table to score, dotted (db.events; default input)
  --weights-table N   SQL: the lookup table's name, dotted (default assay_ctr_weights)
  --keep a,b,...      SQL: columns written before the prediction (default the model's inputs)
  --out FILE          Where to write it (required)
  -h, --help          Show this help`;

const names = (value: unknown): string[] | undefined =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : undefined;

export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const options = {
    format: { type: 'string' },
    dialect: { type: 'string' },
    layout: { type: 'string' },
    table: { type: 'string' },
    'weights-table': { type: 'string' },
    keep: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { values, positionals } = parseCommandLine({ options }, argv, EXPORT_HELP);
  if (values.help) {
    io.out(EXPORT_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`export takes one MODEL.json (got ${positionals.length} arguments).\n\n${EXPORT_HELP}`);
  const format = values.format;
  if (format !== 'sql' && format !== 'onnx') throw new UsageError(`--format must be sql or onnx (got ${format === undefined ? 'nothing' : `"${String(format)}"`}).`);
  const out = typeof values.out === 'string' ? values.out : undefined;
  if (out === undefined) throw new UsageError('--out FILE is required.');
  const dialect = values.dialect;
  if (dialect !== undefined && !['spark', 'hive', 'flink', 'trino', 'duckdb'].includes(String(dialect))) throw new UsageError(`--dialect must be spark, hive, flink, trino or duckdb (got "${String(dialect)}").`);
  const layout = values.layout;
  if (layout !== undefined && !['auto', 'inline', 'tables'].includes(String(layout))) throw new UsageError(`--layout must be auto, inline or tables (got "${String(layout)}").`);
  const [modelFile] = positionals as [string];
  requireFile(modelFile);
  const json = fs.readFileSync(modelFile, 'utf8');
  return withEngine(async ({ client }) => {
    const model = await client.run('model.import', { json, name: path.basename(modelFile).replace(/\.json$/i, '') });
    const params: CtrExportParams = {
      modelId: model.modelId,
      format,
      dialect: dialect as CtrExportParams['dialect'],
      layout: layout as CtrExportParams['layout'],
      table: typeof values.table === 'string' ? values.table.split('.') : undefined,
      weightsTable: typeof values['weights-table'] === 'string' ? values['weights-table'].split('.') : undefined,
      keep: names(values.keep),
    };
    const result = await client.run('model.exportCtr', params);
    writeFileAtomic(path.resolve(out), result.format === 'onnx' ? (result.onnx as Uint8Array) : (result.sql as string));
    io.err(result.format === 'onnx' ? `wrote the ${model.kind} model as ONNX to ${out}` : `wrote the ${model.kind} model as ${params.dialect ?? 'duckdb'} SQL (${result.layout} weights) to ${out}`);
    return EXIT.ok;
  });
}
