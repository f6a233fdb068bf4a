import { ctrInlineMarginSql, ctrInputColumns, probabilitySql } from '../../ctr/export-sql';
import { looksLikeCtrModel, readCtrModel } from '../../ctr/model-file';
import type { CtrWeights } from '../../ctr/weights';
import { EngineError } from '../../protocol/errors';
import type { ModelPackTag } from '../schema';
import type { Dialect } from './dialect';
import { doubleSql } from './rule-sql';

/**
 * Model tags built on an LR or FM model (an Assay CTR model file in the tag's model text, where a
 * tree model has its XGBoost JSON). In the pack's query they take the same two steps as a tree
 * model: the field inputs (slots, values, missing flags; workers/ctr/export-sql.ts) beside the
 * tree features, then the margin beside the tree leaves, with the weights inline as CASE
 * expressions (a pack is one query, with nothing to install). The tag fires where
 * 1 / (1 + e^−margin) >= threshold, the probability in DOUBLE as the app scores it.
 * DeepFM has no SQL form: such a tag is refused in plain words (export the model as ONNX).
 */

export function isCtrTag(tag: ModelPackTag): boolean {
  return looksLikeCtrModel(tag.model.xgboostJson);
}

export function loadCtrTag(tag: ModelPackTag): CtrWeights {
  let weights: CtrWeights;
  try {
    weights = readCtrModel(tag.model.xgboostJson).weights;
  } catch (err) {
    throw new EngineError('BAD_INPUT', `Model tag "${tag.name}": ${err instanceof Error ? err.message : String(err)}`);
  }
  if (weights.kind === 'deepfm') throw new EngineError('BAD_INPUT', `Model tag "${tag.name}" is built on a DeepFM model, which has no SQL form; a pack's model tag needs a tree, lr or fm model (export the DeepFM model as ONNX instead).`);
  return weights;
}

/** The source columns a CTR model tag reads. */
export function ctrTagColumns(tag: ModelPackTag): string[] {
  return loadCtrTag(tag).encoding.fields.map((f) => f.name);
}

export interface CtrTagSql {
  /** Step-1 columns (`expr AS alias`), beside the other tags' features. */
  featureCols: string[];
  /** Step-2 columns: the margin. */
  stepCols: string[];
  /** The tag's condition over the step columns. */
  decision: string;
}

/** The pack query's pieces for model tag number `index`. */
export function ctrTagSql(tag: ModelPackTag, dialect: Dialect, index: number): CtrTagSql {
  const weights = loadCtrTag(tag);
  const alias = (suffix: string): string => dialect.ident(`__assay_m${index}_${suffix}`);
  let inputs;
  try {
    inputs = ctrInputColumns(weights, dialect, 'inline');
  } catch (err) {
    throw err instanceof EngineError ? new EngineError(err.code, `Model tag "${tag.name}": ${err.message}`) : err;
  }
  const margin = alias('margin');
  return {
    featureCols: inputs.map((c) => `${c.sql} AS ${alias(c.suffix)}`),
    stepCols: [`${ctrInlineMarginSql(weights, alias)} AS ${margin}`],
    decision: `(${probabilitySql(margin)} >= ${doubleSql(tag.model.threshold)})`,
  };
}
