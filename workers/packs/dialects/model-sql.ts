import { readEncodingAttribute, type FeatureEncoding, type FeatureSpec } from '../../gbdt/encoding';
import { baseMargin, type BoostedModel, type Tree } from '../../gbdt/model';
import { fromXgboostJson, readAttributes } from '../../gbdt/xgboost-json';
import { EngineError } from '../../protocol/errors';
import type { ModelPackTag, SegmentPackTag } from '../schema';
import type { Dialect } from './dialect';
import { doubleSql } from './rule-sql';

export interface LoadedModel {
  model: BoostedModel;
  encoding: FeatureEncoding;
}

/** Parses a model tag's XGBoost JSON and its feature encoding (plain numeric columns when absent). */
export function loadTagModel(tag: ModelPackTag): LoadedModel {
  const model = fromXgboostJson(tag.model.xgboostJson);
  if (model.objective === 'multi:softprob') throw new EngineError('BAD_INPUT', `Model tag "${tag.name}": multi-class models cannot be a threshold tag.`);
  const attrs = readAttributes(tag.model.xgboostJson);
  const encoding = attrs.assay_encoding
    ? readEncodingAttribute(attrs.assay_encoding)
    : { version: 1 as const, features: model.featureNames.map((f) => ({ name: f, column: f, kind: 'numeric' as const })), columns: [] };
  if (encoding.features.length !== model.numFeature) {
    throw new EngineError('BAD_INPUT', `Model tag "${tag.name}": the model has ${model.numFeature} features but its encoding lists ${encoding.features.length}.`);
  }
  return { model, encoding };
}

/** A float32 constant: the shortest double that rounds to it, cast to the dialect's FLOAT. */
function floatSql(value: number, dialect: Dialect): string {
  return `CAST(${doubleSql(Math.fround(value))} AS ${dialect.floatType})`;
}

/** One model feature from its source column, as DOUBLE (NULL = missing), like the app's encoding. */
export function modelFeatureSql(spec: FeatureSpec, dialect: Dialect, tagName: string): string {
  const col = dialect.ident(spec.column);
  switch (spec.kind) {
    case 'numeric':
      return `CAST(${col} AS DOUBLE)`;
    case 'date':
      return dialect.daysSinceEpoch(col);
    case 'timestamp': {
      const sql = dialect.secondsSinceEpoch(col);
      if (sql === null) throw new EngineError('BAD_INPUT', `Model tag "${tagName}" reads timestamp column "${spec.column}", which ${dialect.name} cannot turn into epoch seconds exactly.`);
      return sql;
    }
    case 'onehot':
      return `CASE WHEN ${col} IS NULL THEN CAST(NULL AS DOUBLE) WHEN CAST(${col} AS ${dialect.stringType}) = ${dialect.string(spec.level)} THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END`;
  }
}

/**
 * One tree as a CASE expression giving its leaf value (FLOAT). A row goes left when
 * float32(x) < float32(threshold); a missing value follows the node's default direction.
 */
export function treeSql(tree: Tree, feature: (index: number) => string, dialect: Dialect): string {
  const node = (i: number, depth: number): string => {
    const left = tree.left[i] as number;
    if (left === -1) return floatSql(tree.threshold[i] as number, dialect);
    const x = feature(tree.feature[i] as number);
    const less = `CAST(${x} AS ${dialect.floatType}) < ${floatSql(tree.threshold[i] as number, dialect)}`;
    const condition = tree.defaultLeft[i] === 1 ? `(${x} IS NULL OR ${less})` : less;
    const pad = '  '.repeat(depth + 1);
    return `CASE WHEN ${condition}\n${pad}THEN ${node(left, depth + 1)}\n${pad}ELSE ${node(tree.right[i] as number, depth + 1)} END`;
  };
  return node(0, 0);
}

/**
 * The prediction compared with the tag's threshold, from per-tree leaf columns: the margin summed
 * in float32 in tree order (each partial sum cast to FLOAT, as XGBoost accumulates), then the
 * sigmoid for binary:logistic rounded to float32 like the app's predictions.
 */
export function modelDecisionSql(loaded: LoadedModel, treeColumns: string[], threshold: number, dialect: Dialect): string {
  let margin = floatSql(baseMargin(loaded.model.objective, loaded.model.baseScore), dialect);
  for (const column of treeColumns) margin = `CAST(${margin} + ${column} AS ${dialect.floatType})`;
  const prediction =
    loaded.model.objective === 'binary:logistic'
      ? `CAST(CAST(1 AS DOUBLE) / (CAST(1 AS DOUBLE) + EXP(-CAST(${margin} AS DOUBLE))) AS ${dialect.floatType})`
      : margin;
  return `(CAST(${prediction} AS DOUBLE) >= ${doubleSql(threshold)})`;
}

/**
 * The preprocessed features of a segment tag, as the app computes them (cluster/preprocess.ts
 * applyPreprocessor): a missing number takes the imputed value, log1p(max(v, 0)) where fitted,
 * then (v - center) / scale rounded to float32; a one-hot level is 1 where the text (missing ->
 * the imputed level) equals it. LN(1 + v) stands in for log1p, which not every engine has.
 */
export function segmentScaledSql(tag: SegmentPackTag, dialect: Dialect): string[] {
  const out: string[] = [];
  for (const t of tag.segment.preprocessor.columns) {
    const col = dialect.ident(t.column);
    if (t.kind === 'numeric') {
      if (t.constant) {
        out.push('CAST(0 AS DOUBLE)');
        continue;
      }
      let v = `COALESCE(CAST(${col} AS DOUBLE), ${doubleSql(t.impute)})`;
      if (t.log1p) v = `LN(${doubleSql(1)} + GREATEST(${v}, ${doubleSql(0)}))`;
      out.push(`CAST(CAST((${v} - ${doubleSql(t.center)}) / ${doubleSql(t.scale)} AS ${dialect.floatType}) AS DOUBLE)`);
    } else {
      const text = `COALESCE(CAST(${col} AS ${dialect.stringType}), ${dialect.string(t.impute)})`;
      for (const level of t.levels) out.push(`CASE WHEN ${text} = ${dialect.string(level)} THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END`);
    }
  }
  return out;
}

/** Squared distance of the preprocessed row to each centroid, summed in feature order (float64). */
export function segmentDistanceSql(tag: SegmentPackTag, scaledColumns: string[]): string[] {
  return tag.segment.centroids.map((centroid) =>
    centroid.map((c, j) => `(${scaledColumns[j]} - ${doubleSql(c)}) * (${scaledColumns[j]} - ${doubleSql(c)})`).join(' + '),
  );
}

/** Nearest centroid is the tag's (ties go to the lower index, as the app assigns). */
export function segmentDecisionSql(tag: SegmentPackTag, distanceColumns: string[]): string {
  const own = distanceColumns[tag.segment.index] as string;
  const parts = distanceColumns.flatMap((d, k) => (k === tag.segment.index ? [] : [`${own} ${k < tag.segment.index ? '<' : '<='} ${d}`]));
  return parts.length === 0 ? `(${own} IS NOT NULL)` : `(${parts.join(' AND ')})`;
}
