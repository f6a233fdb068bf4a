/**
 * Preprocessing for clustering, fitted once and stored (JSON) with the result so the same
 * transform applies to new rows: numeric columns are imputed (median or mean), optionally
 * log1p-transformed (auto: skewness above a threshold and no negative values), then standardised
 * (mean / population std, as scikit-learn's StandardScaler) or robust-scaled (median / IQR, as
 * RobustScaler); low-cardinality text columns are one-hot encoded (missing -> most frequent level).
 */
import { EngineError } from '../protocol/errors';

export type Scaling = 'standard' | 'robust' | 'none';

export interface PreprocessOptions {
  scaling?: Scaling;
  /** 'auto' (default), 'none', or the columns to log1p. */
  log1p?: 'auto' | 'none' | string[];
  /** Skewness above which 'auto' applies log1p (default 1). */
  skewThreshold?: number;
  /** Missing numbers: 'median' (default), 'mean', or 'none' (missing values are an error). */
  impute?: 'median' | 'mean' | 'none';
  /** Text columns with at most this many levels are one-hot encoded (default 12). */
  maxLevels?: number;
}

export interface NumericTransform {
  column: string;
  kind: 'numeric';
  /** Replaces missing values (before log1p). */
  impute: number;
  log1p: boolean;
  center: number;
  scale: number;
  /** The column had a single value: it becomes 0 everywhere. */
  constant: boolean;
  skewness: number;
}

export interface OneHotTransform {
  column: string;
  kind: 'onehot';
  levels: string[];
  /** Replaces missing values. */
  impute: string;
}

export type ColumnTransform = NumericTransform | OneHotTransform;

/** A fitted preprocessor; plain JSON. */
export interface Preprocessor {
  version: 1;
  options: Required<Omit<PreprocessOptions, 'log1p'>> & { log1p: 'auto' | 'none' | string[] };
  columns: ColumnTransform[];
  /** Output feature names, in the order of the scaled matrix's columns. */
  features: string[];
}

export type RawColumn = { name: string; kind: 'numeric'; values: Float64Array } | { name: string; kind: 'text'; values: Array<string | null> };

export function resolveOptions(options: PreprocessOptions = {}): Preprocessor['options'] {
  const scaling = options.scaling ?? 'standard';
  if (!['standard', 'robust', 'none'].includes(scaling)) throw new EngineError('BAD_INPUT', `Scaling must be standard, robust or none (got ${String(scaling)}).`);
  const impute = options.impute ?? 'median';
  if (!['median', 'mean', 'none'].includes(impute)) throw new EngineError('BAD_INPUT', `Imputation must be median, mean or none (got ${String(impute)}).`);
  const log1p = options.log1p ?? 'auto';
  if (!(log1p === 'auto' || log1p === 'none' || Array.isArray(log1p))) throw new EngineError('BAD_INPUT', 'log1p must be auto, none or a list of columns.');
  const skewThreshold = options.skewThreshold ?? 1;
  if (!Number.isFinite(skewThreshold)) throw new EngineError('BAD_INPUT', 'The skewness threshold must be a number.');
  const maxLevels = options.maxLevels ?? 12;
  if (!Number.isInteger(maxLevels) || maxLevels < 1) throw new EngineError('BAD_INPUT', 'maxLevels must be a whole number of at least 1.');
  return { scaling, impute, log1p, skewThreshold, maxLevels };
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

function present(values: Float64Array): Float64Array {
  let count = 0;
  for (const v of values) if (Number.isFinite(v)) count++;
  const out = new Float64Array(count);
  let at = 0;
  for (const v of values) if (Number.isFinite(v)) out[at++] = v;
  return out;
}

function meanOf(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Fisher-Pearson skewness (population moments); 0 for a constant column. */
export function skewnessOf(values: Float64Array): number {
  const n = values.length;
  if (n < 3) return 0;
  const mean = meanOf(values);
  let m2 = 0;
  let m3 = 0;
  for (const v of values) {
    const t = v - mean;
    m2 += t * t;
    m3 += t * t * t;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 ? m3 / m2 ** 1.5 : 0;
}

function fitNumeric(column: { name: string; values: Float64Array }, options: Preprocessor['options'], warnings: string[]): NumericTransform {
  const n = column.values.length;
  const known = present(column.values);
  if (known.length === 0) throw new EngineError('BAD_INPUT', `Column "${column.name}" has no values (every row is missing).`);
  const missing = n - known.length;
  if (missing > 0) {
    if (options.impute === 'none') {
      throw new EngineError('BAD_INPUT', `Column "${column.name}" has ${missing.toLocaleString('en-US')} missing or non-finite value${missing === 1 ? '' : 's'}; filter those rows or choose an imputation (median or mean).`);
    }
  }
  const sortedKnown = Float64Array.from(known).sort();
  const impute = options.impute === 'mean' ? meanOf(known) : quantileSorted(sortedKnown, 0.5);
  if (missing > 0) warnings.push(`"${column.name}": ${missing.toLocaleString('en-US')} missing value${missing === 1 ? '' : 's'} replaced by the ${options.impute === 'mean' ? 'mean' : 'median'} (${formatNumber(impute)}).`);
  const filled = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = column.values[i] as number;
    filled[i] = Number.isFinite(v) ? v : impute;
  }
  const skewness = skewnessOf(filled);
  const min = sortedKnown[0] as number;
  let log1p = false;
  if (Array.isArray(options.log1p)) {
    log1p = options.log1p.includes(column.name);
    if (log1p && min < 0) throw new EngineError('BAD_INPUT', `log1p needs values >= 0, but "${column.name}" has ${formatNumber(min)}.`);
  } else if (options.log1p === 'auto') {
    // Not for 0/1 flags: skewed, but log1p would only rename their two values.
    let levels = 1;
    for (let i = 1; i < sortedKnown.length && levels <= 2; i++) if (sortedKnown[i] !== sortedKnown[i - 1]) levels++;
    log1p = min >= 0 && levels > 2 && skewness > options.skewThreshold;
  }
  const transformed = log1p ? filled.map((v) => Math.log1p(v)) : filled;
  let center = 0;
  let scale = 1;
  if (options.scaling === 'standard') {
    center = meanOf(transformed);
    let v = 0;
    for (const t of transformed) v += (t - center) ** 2;
    scale = Math.sqrt(v / n);
  } else if (options.scaling === 'robust') {
    const sorted = Float64Array.from(transformed).sort();
    center = quantileSorted(sorted, 0.5);
    scale = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
    if (!(scale > 0)) {
      // Over half the rows share a value: fall back to the standard deviation rather than divide by 0.
      let v = 0;
      const m = meanOf(transformed);
      for (const t of transformed) v += (t - m) ** 2;
      scale = Math.sqrt(v / n);
    }
  }
  let constant = false;
  if (sortedKnown[0] === sortedKnown[sortedKnown.length - 1] || !(scale > 0)) {
    constant = true;
    scale = 1;
    center = transformed[0] ?? 0;
    warnings.push(`"${column.name}" has a single value (${formatNumber(min)}); it cannot separate segments.`);
  }
  return { column: column.name, kind: 'numeric', impute, log1p, center, scale, constant, skewness };
}

function fitText(column: { name: string; values: Array<string | null> }, options: Preprocessor['options'], warnings: string[]): OneHotTransform {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of column.values) {
    if (v === null) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (counts.size === 0) throw new EngineError('BAD_INPUT', `Column "${column.name}" has no values (every row is missing).`);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (ranked.length > options.maxLevels) {
    warnings.push(`"${column.name}" has ${ranked.length.toLocaleString('en-US')} levels; it is one-hot encoded over its ${options.maxLevels} most frequent (others are all zeros).`);
  }
  const levels = ranked.slice(0, options.maxLevels).map(([level]) => level);
  const impute = levels[0] as string;
  if (missing > 0) warnings.push(`"${column.name}": ${missing.toLocaleString('en-US')} missing value${missing === 1 ? '' : 's'} replaced by the most frequent level (${impute}).`);
  if (levels.length === 1) warnings.push(`"${column.name}" has a single level (${impute}); it cannot separate segments.`);
  return { column: column.name, kind: 'onehot', levels, impute };
}

function formatNumber(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en-US') : Number(v.toPrecision(6)).toString();
}

export function fitPreprocessor(columns: RawColumn[], options: PreprocessOptions = {}): { preprocessor: Preprocessor; warnings: string[] } {
  const resolved = resolveOptions(options);
  if (columns.length === 0) throw new EngineError('BAD_INPUT', 'There are no feature columns to cluster on (no numeric column was found or chosen).');
  if (Array.isArray(resolved.log1p)) {
    for (const name of resolved.log1p) {
      if (!columns.some((c) => c.name === name && c.kind === 'numeric')) throw new EngineError('BAD_INPUT', `log1p names "${name}", which is not a numeric feature.`);
    }
  }
  const warnings: string[] = [];
  const transforms: ColumnTransform[] = columns.map((c) => (c.kind === 'numeric' ? fitNumeric(c, resolved, warnings) : fitText(c, resolved, warnings)));
  const informative = transforms.some((t) => (t.kind === 'numeric' ? !t.constant : t.levels.length > 1));
  if (!informative) throw new EngineError('BAD_INPUT', 'Every feature has a single value (all constant); there is nothing to separate segments by.');
  const features: string[] = [];
  for (const t of transforms) {
    if (t.kind === 'numeric') features.push(t.column);
    else for (const level of t.levels) features.push(`${t.column}=${level}`);
  }
  return { preprocessor: { version: 1, options: resolved, columns: transforms, features }, warnings };
}

/** The scaled matrix (n x features, row-major float32) of columns given in the preprocessor's order. */
export function applyPreprocessor(pre: Preprocessor, columns: RawColumn[], n: number): Float32Array {
  const d = pre.features.length;
  const out = new Float32Array(n * d);
  let offset = 0;
  for (const t of pre.columns) {
    const column = columns.find((c) => c.name === t.column);
    if (!column) throw new EngineError('BAD_INPUT', `The data has no column "${t.column}", which the segments need.`);
    if (t.kind === 'numeric') {
      if (column.kind !== 'numeric') throw new EngineError('BAD_INPUT', `Column "${t.column}" must be numeric, as when the segments were built.`);
      if (pre.options.impute === 'none') {
        for (let i = 0; i < n; i++) {
          if (!Number.isFinite(column.values[i] as number)) throw new EngineError('BAD_INPUT', `Column "${t.column}" has a missing value in row ${i}; these segments were built without imputation.`);
        }
      }
      for (let i = 0; i < n; i++) {
        const raw = column.values[i] as number;
        let v = Number.isFinite(raw) ? raw : t.impute;
        if (t.log1p) v = Math.log1p(Math.max(v, 0));
        out[i * d + offset] = t.constant ? 0 : (v - t.center) / t.scale;
      }
      offset += 1;
    } else {
      const index = new Map(t.levels.map((level, l) => [level, l]));
      for (let i = 0; i < n; i++) {
        const raw = column.kind === 'text' ? column.values[i] : String(column.values[i]);
        const l = index.get(raw ?? t.impute);
        if (l !== undefined) out[i * d + offset + l] = 1;
      }
      offset += t.levels.length;
    }
  }
  return out;
}

/**
 * A point of the scaled space in original units: numeric columns by their value (expm1 undoes
 * log1p), one-hot columns by the share of each level.
 */
export function toOriginalUnits(pre: Preprocessor, point: ArrayLike<number>, offset = 0): Record<string, number> {
  const out: Record<string, number> = {};
  let at = offset;
  for (const t of pre.columns) {
    if (t.kind === 'numeric') {
      const v = (point[at] as number) * t.scale + t.center;
      out[t.column] = t.constant ? t.impute : t.log1p ? Math.expm1(v) : v;
      at += 1;
    } else {
      for (const level of t.levels) out[`${t.column}=${level}`] = point[at++] as number;
    }
  }
  return out;
}

/** Validates a preprocessor read back from JSON. */
export function checkPreprocessor(value: unknown): Preprocessor {
  const p = value as Preprocessor;
  if (!p || typeof p !== 'object' || p.version !== 1 || !Array.isArray(p.columns) || !Array.isArray(p.features)) {
    throw new EngineError('BAD_INPUT', 'The stored preprocessing is not valid (expected version 1 with columns and features).');
  }
  return p;
}
