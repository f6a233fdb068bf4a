import { SQL_DIALECTS } from '../packs/schema';
import { EngineError } from '../protocol/errors';
import { ctrToOnnx } from './export-onnx';
import { ctrToSql } from './export-sql';
import type { CtrExportParams, CtrExportResult } from './export-types';
import type { CtrWeights } from './weights';

const fileStem = (name: string): string => name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'model';

/** A CTR model as SQL or ONNX (the `model.exportCtr` job and `assay export`). */
export function exportCtrModel(weights: CtrWeights, modelName: string, params: CtrExportParams): CtrExportResult {
  const stem = fileStem(modelName);
  if (params.format === 'onnx') return { format: 'onnx', fileName: `${stem}.onnx`, onnx: ctrToOnnx(weights) };
  if (params.format !== 'sql') throw new EngineError('BAD_INPUT', `Unknown export format "${String(params.format)}"; use json, sql or onnx.`);
  const dialect = params.dialect ?? 'duckdb';
  if (!SQL_DIALECTS.includes(dialect)) throw new EngineError('BAD_INPUT', `Unknown SQL dialect "${String(dialect)}"; use ${SQL_DIALECTS.join(', ')}.`);
  if (params.layout !== undefined && !['auto', 'inline', 'tables'].includes(params.layout)) throw new EngineError('BAD_INPUT', `Unknown SQL layout "${String(params.layout)}"; use auto, inline or tables.`);
  const out = ctrToSql(weights, dialect, { layout: params.layout, table: params.table, weightsTable: params.weightsTable, keep: params.keep });
  const sql = out.setup === '' ? `${out.query};\n` : `${out.setup}\n\n${out.query};\n`;
  return { format: 'sql', fileName: `${stem}.${dialect}.sql`, sql, layout: out.layout, setup: out.setup, query: out.query };
}
