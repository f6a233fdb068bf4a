/**
 * The CTR model family's contract between training and export: how source columns become field
 * slots (the encoding, saved inside the model) and the trained parameters as plain arrays. Training
 * (tfjs, any backend) produces `CtrWeights`; scoring in the app, SQL export (LR/FM, every dialect)
 * and ONNX export (DeepFM) all read this one shape, so they cannot drift apart.
 *
 * Field slots: every field maps a row to exactly one slot index of its own table.
 * - categorical, vocabulary: slot 0 = "other" (unseen, rare or NULL levels), slot i+1 = levels[i].
 * - categorical, hash: slot = 1 + (first 32 bits of MD5 of the level's UTF-8 text, read big-endian
 *   as an unsigned integer) mod hashBuckets; NULL = slot 0. MD5 because every target engine
 *   (Spark, Hive, Flink, Trino, DuckDB) has it, so exported SQL hashes exactly as training did.
 * - numeric (numbers, booleans as 0/1, dates as days since 1970-01-01, timestamps as seconds since
 *   the epoch): slot 0 carries the transformed value x; a missing, NaN or infinite value gives
 *   x = 0 and, when `missingIndicator`, activates slot 1 with value 1 instead.
 *
 * Score (margin) of a row, with v(f) the active slot's value in field f (1 for categorical, x or 1
 * for numeric), w/e the linear weight and embedding of that slot:
 *   lr:      bias + Σ_f w_f · v(f)
 *   fm:      lr + Σ_{f<g} <e_f·v(f), e_g·v(g)>
 *   deepfm:  fm + mlp(concat_f e_f·v(f))   (ReLU hidden layers, a linear output of width 1)
 * probability = sigmoid(margin).
 */

export type CtrKind = 'lr' | 'fm' | 'deepfm';

/** Numeric transform applied before standardisation: log1p applies sign(x)·ln(1+|x|). */
export type NumericTransform = 'none' | 'log1p';

export interface NumericField {
  kind: 'numeric';
  /** Field name (the source column name). */
  name: string;
  /** Source DuckDB type family, for the SQL that turns the column into a number. */
  source: 'numeric' | 'boolean' | 'date' | 'timestamp';
  transform: NumericTransform;
  /** x = (transform(raw) - mean) / std; mean 0 and std 1 when not standardised. */
  mean: number;
  std: number;
  missingIndicator: boolean;
}

export interface CategoricalField {
  kind: 'categorical';
  name: string;
  encoding: 'vocabulary' | 'hash';
  /** Vocabulary levels (slot i+1), most frequent first; empty for hashing. */
  levels: string[];
  /** Number of hash buckets (slots 1..hashBuckets); 0 for a vocabulary. */
  hashBuckets: number;
}

export type CtrField = NumericField | CategoricalField;

export interface CtrEncoding {
  version: 1;
  fields: CtrField[];
}

/** Number of slots in a field's tables. */
export function slotCount(field: CtrField): number {
  if (field.kind === 'numeric') return field.missingIndicator ? 2 : 1;
  return 1 + (field.encoding === 'vocabulary' ? field.levels.length : field.hashBuckets);
}

export interface DenseLayer {
  /** Row-major [inputs × outputs]. */
  weights: Float32Array;
  bias: Float32Array;
  inputs: number;
  outputs: number;
  activation: 'relu' | 'linear';
}

export interface CtrWeights {
  kind: CtrKind;
  encoding: CtrEncoding;
  bias: number;
  /** Per field: one first-order weight per slot. */
  linear: Float32Array[];
  /** Embedding size k (0 for lr). */
  k: number;
  /** Per field: row-major [slots × k] embeddings (empty for lr). */
  embeddings: Float32Array[];
  /** DeepFM's MLP over the concatenated field embeddings (fields × k inputs); empty otherwise. */
  mlp: DenseLayer[];
}
