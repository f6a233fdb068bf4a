import { DIALECTS, type Dialect } from '../packs/dialects/dialect';
import { indentSql } from '../packs/dialects/indent';
import { doubleSql } from '../packs/dialects/rule-sql';
import type { SqlDialect } from '../packs/schema';
import { EngineError } from '../protocol/errors';
import { checkWeightShapes } from './score-reference';
import type { CategoricalField, CtrWeights, NumericField } from './weights';

/**
 * LR and FM scores as SQL, in every pack dialect (DuckDB, Spark, Hive, Flink, Trino).
 *
 * The score of a row is bias + Σ_f w_f·v_f + ½ Σ_j ((Σ_f e_fj·v_f)² − Σ_f (e_fj·v_f)²) (weights.ts).
 * The query works in three steps, each a nested SELECT:
 * 1. Inputs: per field, its active slot from the source column, exactly as the contract says:
 *    - a hashed field: 1 + (first 8 hex digits of MD5(text) as an unsigned number) mod buckets;
 *      NULL → 0. MD5 is native everywhere; the hex digits become a number with `CAST('0x…' AS
 *      BIGINT)` (DuckDB), `conv(…, 16, 10)` (Spark, Hive), `from_base(…, 16)` (Trino) and, as Flink
 *      has no base conversion, digit by digit with LOCATE in '0123456789abcdef'.
 *    - a vocabulary field: its level text (a lookup table) or its slot by a CASE over the levels
 *      (inline); NULL, rare and unseen levels are slot 0, "other".
 *    - a numeric field: x = (t(raw) − mean) / std with t = sign·ln(1+|raw|) for log1p, and a
 *      missing flag m (1 where the value is NULL, NaN or ±Inf and the field has a missing
 *      indicator; x is then 0). Finite means ABS(raw) <= the largest double, a test that is false
 *      for NaN and ±Inf in every engine without arithmetic on them. Booleans are 1/0, dates days
 *      since 1970-01-01, timestamps epoch seconds (Hive and Flink have no exact form: refused).
 *    The categorical text is CAST(column AS STRING/VARCHAR): train on text or integer columns so
 *    every engine spells a level the same way.
 * 2. Weights per field: `inline` writes each slot's weight and embedding as CASE expressions over
 *    the slot (one query, nothing to install: small vocabularies, and model tags in rule packs);
 *    `tables` puts every categorical slot in one lookup table (field, level, slot, w, n2, e1..ek;
 *    DDL and INSERTs in `setup`) joined once per categorical field (on the level for a vocabulary,
 *    on the slot for hashing); a level the table does not hold takes the field's slot 0 ("other")
 *    weights, written into the query as constants. Numeric fields' few weights are always constants.
 * 3. The margin in DOUBLE: linear terms, then per embedding dimension j the square of Σ_f e_fj·v_f,
 *    less Σ_f v_f²·n2_f (n2 = the slot's squared embedding norm, precomputed in float64), and the
 *    probability 1 / (1 + EXP(−margin)). Weights are the model's float32 values written exactly.
 * DeepFM's MLP has no reasonable SQL form: it exports as ONNX (export-onnx.ts).
 */

export type CtrSqlLayout = 'inline' | 'tables';

/** Above this many categorical slots in all, `auto` layout uses lookup tables. */
export const INLINE_SLOT_LIMIT = 4096;

export interface CtrSqlOptions {
  /** Where the weights live (default `auto`: inline up to INLINE_SLOT_LIMIT categorical slots). */
  layout?: CtrSqlLayout | 'auto';
  /** The rows to score, as a relation (SQL text); default the table `table`. */
  source?: string;
  /** The production table holding the rows, as name parts (default `input`). */
  table?: string[];
  /** The lookup table's name parts (tables layout; default `assay_ctr_weights`). */
  weightsTable?: string[];
  /** Source columns written before the score (default: the model's input columns). */
  keep?: string[];
  /** Also write the margin (logit) as `margin`. */
  margin?: boolean;
  /** Flink's sink table (default "sink"). */
  sink?: string;
  /** Leave out the header comment (e.g. to run the query). */
  header?: boolean;
}

export interface CtrSqlExport {
  layout: CtrSqlLayout;
  /** Statements creating and filling the lookup table (empty for inline). */
  setup: string;
  /** The scoring query: the kept columns, then `prediction` (and `margin`). */
  query: string;
}

const MAX_DOUBLE = '1.7976931348623157e308';
const num = (value: number): string => doubleSql(value);

function modelCheck(weights: CtrWeights): void {
  if (weights.kind === 'deepfm') throw new EngineError('BAD_INPUT', 'A DeepFM model has no SQL form (its MLP): export it as ONNX instead.');
  checkWeightShapes(weights);
  for (const field of weights.encoding.fields) {
    if (field.kind === 'numeric' && !(Number.isFinite(field.mean) && Number.isFinite(field.std) && field.std > 0)) {
      throw new EngineError('BAD_INPUT', `Numeric field "${field.name}" has mean ${field.mean} and std ${field.std}; the std must be a positive number.`);
    }
  }
}

/** The first 8 hex digits of MD5 of `text` as an unsigned BIGINT, per dialect. */
export function md5PrefixSql(text: string, dialect: Dialect): string {
  switch (dialect.name) {
    case 'duckdb':
      return `CAST(('0x' || substr(md5(${text}), 1, 8)) AS BIGINT)`;
    case 'spark':
    case 'hive':
      return `CAST(conv(substr(md5(${text}), 1, 8), 16, 10) AS BIGINT)`;
    case 'trino':
      return `from_base(substr(to_hex(md5(to_utf8(${text}))), 1, 8), 16)`;
    case 'flink': {
      // No base conversion in Flink SQL: each hex digit's value from its place in '0…f', times 16^place.
      const digits = Array.from({ length: 8 }, (_, i) => `CAST(LOCATE(SUBSTR(MD5(${text}), ${i + 1}, 1), '0123456789abcdef') - 1 AS BIGINT) * ${16 ** (7 - i)}`);
      return `(${digits.join(' + ')})`;
    }
  }
}

const textSql = (column: string, dialect: Dialect): string => `CAST(${column} AS ${dialect.stringType})`;

/** A hashed field's slot: 0 for NULL, else 1 + hash mod buckets. */
export function hashSlotSql(field: CategoricalField, dialect: Dialect): string {
  const col = dialect.ident(field.name);
  return `CASE WHEN ${col} IS NULL THEN 0 ELSE ${md5PrefixSql(textSql(col, dialect), dialect)} % ${field.hashBuckets} + 1 END`;
}

/** A vocabulary field's slot by CASE over its levels (unseen, rare and NULL: 0). */
function vocabularySlotSql(field: CategoricalField, dialect: Dialect): string {
  if (field.levels.length === 0) return '0';
  const text = textSql(dialect.ident(field.name), dialect);
  return `CASE ${text}\n${field.levels.map((level, i) => `  WHEN ${dialect.string(level)} THEN ${i + 1}`).join('\n')}\n  ELSE 0 END`;
}

/** A numeric field's raw value as DOUBLE (NULL when missing). */
function rawNumberSql(field: NumericField, dialect: Dialect): string {
  const col = dialect.ident(field.name);
  switch (field.source) {
    case 'numeric':
      return `CAST(${col} AS DOUBLE)`;
    case 'boolean':
      return `CASE WHEN ${col} THEN ${num(1)} WHEN NOT ${col} THEN ${num(0)} END`;
    case 'date':
      return dialect.daysSinceEpoch(col);
    case 'timestamp': {
      const sql = dialect.secondsSinceEpoch(col);
      if (sql === null) throw new EngineError('BAD_INPUT', `The model reads timestamp column "${field.name}", which ${dialect.name} cannot turn into epoch seconds exactly.`);
      return sql;
    }
  }
}

function numericValueSql(field: NumericField, dialect: Dialect): { x: string; missing: string | null } {
  const raw = rawNumberSql(field, dialect);
  const finite = `ABS(${raw}) <= ${MAX_DOUBLE}`;
  const transformed = field.transform === 'log1p' ? `CASE WHEN ${raw} < 0 THEN -LN(${num(1)} - ${raw}) ELSE LN(${num(1)} + ${raw}) END` : raw;
  const standardised = field.mean === 0 && field.std === 1 ? transformed : `((${transformed}) - ${num(field.mean)}) / ${num(field.std)}`;
  return {
    x: `CASE WHEN ${finite} THEN ${standardised} ELSE ${num(0)} END`,
    missing: field.missingIndicator ? `CASE WHEN ${finite} THEN ${num(0)} ELSE ${num(1)} END` : null,
  };
}

/** One input column of step 1: its alias suffix and SQL. */
export interface CtrInputColumn {
  suffix: string;
  sql: string;
}

/** Step 1: the per-field input columns (suffix `s3` slot, `t3` level text, `x3` value, `m3` missing flag). */
export function ctrInputColumns(weights: CtrWeights, dialect: Dialect, layout: CtrSqlLayout): CtrInputColumn[] {
  const out: CtrInputColumn[] = [];
  weights.encoding.fields.forEach((field, f) => {
    if (field.kind === 'numeric') {
      const { x, missing } = numericValueSql(field, dialect);
      out.push({ suffix: `x${f}`, sql: x });
      if (missing !== null) out.push({ suffix: `m${f}`, sql: missing });
    } else if (field.encoding === 'hash') {
      out.push({ suffix: `s${f}`, sql: hashSlotSql(field, dialect) });
    } else if (layout === 'tables') {
      out.push({ suffix: `t${f}`, sql: textSql(dialect.ident(field.name), dialect) });
    } else {
      out.push({ suffix: `s${f}`, sql: vocabularySlotSql(field, dialect) });
    }
  });
  return out;
}

/** Squared norm of a slot's embedding (float64 sum of the float32 values). */
function squaredNorm(embedding: Float32Array, slot: number, k: number): number {
  let sum = 0;
  for (let j = 0; j < k; j++) sum += (embedding[slot * k + j] as number) ** 2;
  return sum;
}

/** Per field, the SQL of its weight, embedding dimensions and squared norm for the active slot, and its value. */
interface FieldTerms {
  /** The field's value v (null: 1, a categorical field). */
  value: string | null;
  w: string;
  e: string[];
  n2: string;
  /** A numeric field's missing-flag terms (the indicator slot), or null. */
  missing: { flag: string; w: string; e: string[]; n2: string } | null;
}

function numericTerms(weights: CtrWeights, f: number, input: (suffix: string) => string): FieldTerms {
  const field = weights.encoding.fields[f] as NumericField;
  const k = weights.kind === 'lr' ? 0 : weights.k;
  const lin = weights.linear[f] as Float32Array;
  const emb = weights.embeddings[f] ?? new Float32Array(0);
  const slotTerms = (slot: number) => ({
    w: num(lin[slot] as number),
    e: Array.from({ length: k }, (_, j) => num(emb[slot * k + j] as number)),
    n2: num(squaredNorm(emb, slot, k)),
  });
  return { value: input(`x${f}`), ...slotTerms(0), missing: field.missingIndicator ? { flag: input(`m${f}`), ...slotTerms(1) } : null };
}

/** Inline layout: a categorical field's terms as CASE expressions over its slot. */
function inlineTerms(weights: CtrWeights, f: number, input: (suffix: string) => string): FieldTerms {
  const k = weights.kind === 'lr' ? 0 : weights.k;
  const lin = weights.linear[f] as Float32Array;
  const emb = weights.embeddings[f] ?? new Float32Array(0);
  const slot = input(`s${f}`);
  const lookup = (value: (s: number) => number): string => {
    const branches = Array.from({ length: lin.length }, (_, s) => `WHEN ${s} THEN ${num(value(s))}`);
    return `CASE ${slot} ${branches.join(' ')} END`;
  };
  return {
    value: null,
    w: lookup((s) => lin[s] as number),
    e: Array.from({ length: k }, (_, j) => lookup((s) => emb[s * k + j] as number)),
    n2: lookup((s) => squaredNorm(emb, s, k)),
    missing: null,
  };
}

/** Tables layout: a categorical field's terms from its joined lookup row (`alias`), slot 0's when missing. */
function tableTerms(weights: CtrWeights, f: number, alias: string, dialect: Dialect): FieldTerms {
  const k = weights.kind === 'lr' ? 0 : weights.k;
  const lin = weights.linear[f] as Float32Array;
  const emb = weights.embeddings[f] ?? new Float32Array(0);
  const column = (name: string, other: number): string => `COALESCE(${alias}.${dialect.ident(name)}, ${num(other)})`;
  return {
    value: null,
    w: column('w', lin[0] as number),
    e: Array.from({ length: k }, (_, j) => column(`e${j + 1}`, emb[j] as number)),
    n2: column('n2', squaredNorm(emb, 0, k)),
    missing: null,
  };
}

/** Step 3: the margin from every field's terms. */
function marginSql(weights: CtrWeights, terms: FieldTerms[]): string {
  const times = (a: string, v: string | null): string => (v === null ? a : `${a} * ${v}`);
  const linear = [num(weights.bias)];
  for (const t of terms) {
    linear.push(times(t.w, t.value));
    if (t.missing) linear.push(times(t.missing.w, t.missing.flag));
  }
  let sql = linear.join('\n  + ');
  if (weights.kind === 'fm') {
    const dims = Array.from({ length: weights.k }, (_, j) => {
      const parts = terms.flatMap((t) => [times(t.e[j] as string, t.value), ...(t.missing ? [times(t.missing.e[j] as string, t.missing.flag)] : [])]);
      return `(${parts.join(' + ')})`;
    });
    // A numeric field's value and missing flag are never both non-zero: (e0·x + e1·m)² = x²·n2_0 + m·n2_1.
    const squares = terms.flatMap((t) => [t.value === null ? t.n2 : `${t.n2} * ${t.value} * ${t.value}`, ...(t.missing ? [times(t.missing.n2, t.missing.flag)] : [])]);
    sql += `\n  + ${num(0.5)} * (\n    ${dims.map((d) => `${d} * ${d}`).join('\n    + ')}\n    - (${squares.join(' + ')}))`;
  }
  return sql;
}

/** The margin of an inline-layout model from its step-1 input columns (rule packs use this). */
export function ctrInlineMarginSql(weights: CtrWeights, input: (suffix: string) => string): string {
  modelCheck(weights);
  const terms = weights.encoding.fields.map((field, f) => (field.kind === 'numeric' ? numericTerms(weights, f, input) : inlineTerms(weights, f, input)));
  return marginSql(weights, terms);
}

/** 1 / (1 + e^−margin) in DOUBLE. */
export const probabilitySql = (margin: string): string => `${num(1)} / (${num(1)} + EXP(-(${margin})))`;

function tableColumns(weights: CtrWeights, dialect: Dialect): Array<{ name: string; type: string }> {
  const k = weights.kind === 'lr' ? 0 : weights.k;
  return [
    { name: 'field', type: 'INT' },
    { name: 'level', type: dialect.stringType },
    { name: 'slot', type: 'BIGINT' },
    { name: 'w', type: 'DOUBLE' },
    { name: 'n2', type: 'DOUBLE' },
    ...Array.from({ length: k }, (_, j) => ({ name: `e${j + 1}`, type: 'DOUBLE' })),
  ];
}

const INSERT_BATCH = 500;

/** DDL and INSERT statements for the lookup table: one row per slot of every categorical field. */
export function ctrWeightsTableSql(weights: CtrWeights, dialect: Dialect, table: string[]): string {
  const k = weights.kind === 'lr' ? 0 : weights.k;
  const name = table.map(dialect.ident).join('.');
  const columns = tableColumns(weights, dialect);
  const rows: string[] = [];
  weights.encoding.fields.forEach((field, f) => {
    if (field.kind !== 'categorical') return;
    const lin = weights.linear[f] as Float32Array;
    const emb = weights.embeddings[f] ?? new Float32Array(0);
    for (let s = 0; s < lin.length; s++) {
      // A plain NULL inserts into the typed column (Hive's VALUES takes literals only); Flink's view needs the type.
      const noLevel = dialect.name === 'flink' ? `CAST(NULL AS ${dialect.stringType})` : 'NULL';
      const level = field.encoding === 'vocabulary' && s > 0 ? dialect.string(field.levels[s - 1] as string) : noLevel;
      const values = [String(f), level, String(s), num(lin[s] as number), num(squaredNorm(emb, s, k)), ...Array.from({ length: k }, (_, j) => num(emb[s * k + j] as number))];
      rows.push(`(${values.join(', ')})`);
    }
  });
  const columnList = columns.map((c) => dialect.ident(c.name)).join(', ');
  const statements: string[] = [];
  const batches: string[][] = [];
  for (let i = 0; i < rows.length; i += INSERT_BATCH) batches.push(rows.slice(i, i + INSERT_BATCH));
  if (dialect.name === 'flink') {
    // Flink tables need a connector; a temporary view of the values needs none (rows as ROW(…),
    // which every Flink SQL parser reads with negative numbers and casts inside).
    if (rows.length > 0) statements.push(`CREATE TEMPORARY VIEW ${name} AS\nSELECT * FROM (VALUES\n  ${rows.map((r) => `ROW${r}`).join(',\n  ')}\n) AS assay_weights (${columnList})`);
  } else {
    statements.push(`CREATE TABLE ${name} (${columns.map((c) => `${dialect.ident(c.name)} ${c.type}`).join(', ')})`);
    const into = dialect.name === 'hive' ? 'INSERT INTO TABLE' : 'INSERT INTO';
    for (const batch of batches) statements.push(`${into} ${name} VALUES\n  ${batch.join(',\n  ')}`);
  }
  return statements.map((s) => `${s};`).join('\n');
}

/** Chooses the layout: inline while the categorical slots stay few. */
export function chooseLayout(weights: CtrWeights, requested: CtrSqlOptions['layout']): CtrSqlLayout {
  if (requested === 'inline' || requested === 'tables') return requested;
  let slots = 0;
  weights.encoding.fields.forEach((field, f) => {
    if (field.kind === 'categorical') slots += weights.linear[f]?.length ?? 0;
  });
  return slots <= INLINE_SLOT_LIMIT ? 'inline' : 'tables';
}

function header(weights: CtrWeights, layout: CtrSqlLayout, dialect: Dialect): string {
  const fields = weights.encoding.fields;
  const lines = [
    `Assay ${weights.kind.toUpperCase()} model scored in ${dialect.name} SQL (${layout} weights${layout === 'tables' ? ': run the setup statements first' : ''})`,
    `${fields.length} fields${weights.kind === 'fm' ? `, embedding size ${weights.k}` : ''}; prediction = 1 / (1 + exp(-margin))`,
    ...fields.map((f) =>
      f.kind === 'numeric'
        ? `  ${f.name}: numeric (${f.source}${f.transform === 'log1p' ? ', sign*ln(1+|x|)' : ''}, mean ${f.mean}, std ${f.std}${f.missingIndicator ? ', missing indicator' : ''})`
        : `  ${f.name}: categorical, ${f.encoding === 'hash' ? `MD5 hashed into ${f.hashBuckets} buckets` : `${f.levels.length} levels`}; NULL and unseen levels -> "other"`,
    ),
  ];
  // eslint-disable-next-line no-control-regex -- control characters in names must not end the comment
  return lines.map((l) => `-- ${l.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')}`).join('\n');
}

/** An LR or FM model as SQL in one dialect: setup statements (tables layout) and the scoring query. */
export function ctrToSql(weights: CtrWeights, dialectName: SqlDialect, options: CtrSqlOptions = {}): CtrSqlExport {
  modelCheck(weights);
  const d = DIALECTS[dialectName];
  const q = d.ident;
  const layout = chooseLayout(weights, options.layout);
  const indent = (sql: string): string => indentSql(sql, d);
  const helper = (suffix: string): string => q(`__assay_ctr_${suffix}`);
  const source = options.source ?? (options.table ?? ['input']).map(q).join('.');
  const inputs = ctrInputColumns(weights, d, layout);
  const step1 = `SELECT assay_s0.*,\n  ${inputs.map((c) => `${indent(c.sql)} AS ${helper(c.suffix)}`).join(',\n  ')}\nFROM ${options.source !== undefined ? `(\n  ${indent(source)}\n)` : source} AS assay_s0`;

  const weightsTable = (options.weightsTable ?? ['assay_ctr_weights']).map(q).join('.');
  const joins: string[] = [];
  const input = (suffix: string): string => `assay_s1.${helper(suffix)}`;
  const terms = weights.encoding.fields.map((field, f) => {
    if (field.kind === 'numeric') return numericTerms(weights, f, input);
    if (layout === 'inline') return inlineTerms(weights, f, input);
    const alias = `assay_w${f}`;
    const on = field.encoding === 'vocabulary' ? `${alias}.${q('level')} = ${input(`t${f}`)}` : `${alias}.${q('slot')} = ${input(`s${f}`)}`;
    joins.push(`LEFT JOIN ${weightsTable} AS ${alias} ON ${alias}.${q('field')} = ${f} AND ${on}`);
    return tableTerms(weights, f, alias, d);
  });
  const margin = marginSql(weights, terms);
  const keep = options.keep ?? weights.encoding.fields.map((f) => f.name);
  const kept = keep.map((c) => `assay_s1.${q(c)}`);
  const scored = [...kept, `${indent(probabilitySql(margin))} AS ${q('prediction')}`];
  if (options.margin) scored.push(`${indent(margin)} AS ${q('margin')}`);
  const select = `SELECT ${scored.join(',\n  ')}\nFROM (\n  ${indent(step1)}\n) AS assay_s1${joins.map((j) => `\n${j}`).join('')}`;
  const statement = d.statement(select, options.sink ?? 'sink');
  return {
    layout,
    setup: layout === 'tables' ? ctrWeightsTableSql(weights, d, options.weightsTable ?? ['assay_ctr_weights']) : '',
    query: options.header === false ? statement : `${header(weights, layout, d)}\n${statement}`,
  };
}
