import { z } from 'zod';
import type { RuleExpr, RuleLiteral } from '../tags/ast';
import type { FeatureStep } from '../segments/types';
import { valueExprSchema } from '../tags/value-expr';
import { TAG_ID_PATTERN } from './tag-ids';

/**
 * The rule pack: the file analysts export, PMs sign off and production runs. Everything a
 * production engine needs to compute the same tags as the app travels in it: the rules as ASTs,
 * model tags with their XGBoost JSON, segment tags with their preprocessing and centroids, the feature
 * SQL, and golden rows to check the result. Defined once here; the JSON Schema shipped in
 * rulepack.schema.json is generated from it (scripts/gen-pack-schema.ts).
 */

export const PACK_SCHEMA = 'assay.rulepack/2';
export const PACK_SCHEMA_VERSION = 2;

export const SQL_DIALECTS = ['spark', 'hive', 'flink', 'trino', 'duckdb'] as const;
export type SqlDialect = (typeof SQL_DIALECTS)[number];

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const HASH = /^sha256:[0-9a-f]{64}$/;

export const semverSchema = z.string().regex(SEMVER, 'must be a semantic version such as 1.2.0');
export const contentHashSchema = z.string().regex(HASH, 'must be "sha256:" followed by 64 hex digits');
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time');
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
/** Tag names end up in SQL aliases and in a separator-joined list (Hive): no control characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const tagName = z.string().min(1).max(200).regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters');

// ---- Rule AST (mirrors workers/tags/ast.ts) ----

const ruleLiteral: z.ZodType<RuleLiteral> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('number'), value: finite }).strict(),
  z.object({ kind: z.literal('string'), value: z.string() }).strict(),
  z.object({ kind: z.literal('boolean'), value: z.boolean() }).strict(),
  z.object({ kind: z.literal('null') }).strict(),
]);
const columnRef = z.object({ kind: z.literal('column'), name: z.string().min(1) }).strict();
const comparisonOp = z.enum(['=', '!=', '<', '<=', '>', '>=']);

export const ruleExprSchema: z.ZodType<RuleExpr> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('and'), args: z.array(ruleExprSchema).min(1) }).strict(),
    z.object({ type: z.literal('or'), args: z.array(ruleExprSchema).min(1) }).strict(),
    z.object({ type: z.literal('not'), arg: ruleExprSchema }).strict(),
    z.object({ type: z.literal('compare'), op: comparisonOp, left: columnRef, right: z.union([ruleLiteral, columnRef]) }).strict(),
    z.object({ type: z.literal('in'), column: columnRef, values: z.array(ruleLiteral).min(1), negated: z.boolean() }).strict(),
    z.object({ type: z.literal('between'), column: columnRef, low: ruleLiteral, high: ruleLiteral, negated: z.boolean() }).strict(),
    z.object({ type: z.literal('isNull'), column: columnRef, negated: z.boolean() }).strict(),
    z.object({ type: z.literal('like'), column: columnRef, pattern: z.string(), negated: z.boolean() }).strict(),
    z.object({ type: z.literal('regex'), column: columnRef, pattern: z.string(), negated: z.boolean() }).strict(),
    z.object({ type: z.literal('contains'), column: columnRef, mode: z.enum(['word', 'phrase']), text: z.string(), negated: z.boolean() }).strict(),
    z.object({ type: z.literal('column'), column: columnRef }).strict(),
    z.object({ type: z.literal('literal'), value: z.boolean() }).strict(),
  ]),
);

// ---- The feature step (segments/types.ts FeatureStep) ----

const stageValues = z.array(z.string());
export const featureStepSchema: z.ZodType<FeatureStep> = z
  .object({
    template: z.enum(['rfm', 'funnel', 'category_shares', 'time_shares', 'windowed', 'all']),
    table: z.string().min(1),
    key: z.string().min(1),
    time: z.string().min(1),
    // 'timestamptz' is newer: packs written before it recorded a zoned column as 'text' and still read.
    timeKind: z.enum(['timestamp', 'timestamptz', 'date', 'text', 'epoch_seconds', 'epoch_milliseconds']),
    utcOffsetHours: finite.refine((h) => Math.abs(h) <= 14, 'must be between -14 and 14 hours'),
    order: z.string().min(1).optional(),
    eventType: z.string().min(1).optional(),
    category: z.string().min(1).optional(),
    session: z.string().min(1).optional(),
    eventValues: z.object({ view: stageValues, cart: stageValues, fav: stageValues, purchase: stageValues }).strict(),
    value: z.object({ text: z.string().min(1), ast: valueExprSchema }).strict().optional(),
    where: z.object({ text: z.string().min(1), ast: ruleExprSchema }).strict().optional(),
    topCategories: z.number().int().min(1).max(50),
    windows: z.array(z.number().int().min(1).max(3660)).min(1).optional(),
    item: z.string().min(1).optional(),
    from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').optional(),
    categories: z.array(z.string()),
    asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
    columns: z.array(z.string().min(1)).min(2),
  })
  .strict();

// ---- Metrics and gates ----

/** A measured value with its 95% (Wilson) interval. */
export const intervalMetricSchema = z.object({ value: finite, low: finite, high: finite }).strict();
export type IntervalMetric = z.infer<typeof intervalMetricSchema>;

export const METRIC_NAMES = ['coverage', 'support', 'precision', 'recall', 'f1', 'lift'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/**
 * A tag's value (GMV) figures with their 95% intervals (analytic: workers/tags/value-stats.ts),
 * when the pack was built with a value expression. Optional: packs without it load as before.
 */
export const valueMetricsSchema = z
  .object({
    /** The value expression as parsed, e.g. "Quantity * UnitPrice". */
    expression: z.string().min(1),
    /** 'row': each row's own value; 'entity': summed over the entity's event rows (by `key`). */
    per: z.enum(['row', 'entity']),
    key: z.string().min(1).optional(),
    /** Net value of every measured entity, and of the tagged ones. */
    total: finite,
    taggedTotal: finite,
    /** GMV share of the tagged entities, lift = share / coverage, mean value per entity in and out of the tag, and their difference. */
    share: intervalMetricSchema.optional(),
    lift: intervalMetricSchema.optional(),
    meanTagged: intervalMetricSchema.optional(),
    meanRest: intervalMetricSchema.optional(),
    difference: intervalMetricSchema.optional(),
    warnings: z.array(z.string()).optional(),
  })
  .strict();
export type ValueMetrics = z.infer<typeof valueMetricsSchema>;

export const tagMetricsSchema = z
  .object({
    /** Rows the metrics were measured on (the build data). */
    rows: z.number().int().nonnegative(),
    /** Rows where the tag fired. */
    support: z.number().int().nonnegative(),
    coverage: intervalMetricSchema,
    precision: intervalMetricSchema.optional(),
    recall: intervalMetricSchema.optional(),
    f1: intervalMetricSchema.optional(),
    lift: intervalMetricSchema.optional(),
    value: valueMetricsSchema.optional(),
  })
  .strict();
export type TagMetrics = z.infer<typeof tagMetricsSchema>;

/** A gate as the tag validation defines it: the figure must be at least `min` and/or at most `max`. */
export const gateSchema = z
  .object({ metric: z.enum(['coverage', 'support', 'precision', 'recall', 'f1', 'lift', 'valueLift', 'valueShare']), min: finite.optional(), max: finite.optional() })
  .strict()
  .refine((g) => g.min !== undefined || g.max !== undefined, 'a gate needs min or max');
export type Gate = z.infer<typeof gateSchema>;

export const gateOutcomeSchema = z
  .object({
    /** Every evaluated gate passed (gates that could not be evaluated do not count either way). */
    passed: z.boolean(),
    reasons: z.array(z.string()),
    /** Gates that could not be evaluated, with why (e.g. precision without a label). */
    notEvaluated: z.array(z.string()).optional(),
  })
  .strict();
export type GateOutcome = z.infer<typeof gateOutcomeSchema>;

// ---- Tags ----

const tagCommon = {
  /**
   * The tag's output column and its entry in the `tags` list: stable and safe in every engine
   * ([a-z0-9_], from the tag set's id), so renaming the display name does not change the output schema.
   */
  id: z.string().regex(TAG_ID_PATTERN, 'must be lower-case letters, digits and _, starting with a letter (at most 64)'),
  /** The display name, shown in comments, reports and the app. */
  name: tagName,
  group: z.string().default('basic'),
  description: z.string().default(''),
  owner: z.string().default(''),
  status: z.enum(['draft', 'validated', 'approved']).default('draft'),
  metrics: tagMetricsSchema.nullable().default(null),
  gates: z.array(gateSchema).default([]),
  gateOutcome: gateOutcomeSchema.nullable().default(null),
};

export const ruleTagSchema = z
  .object({ ...tagCommon, kind: z.literal('rule'), rule: z.object({ text: z.string(), ast: ruleExprSchema }).strict() })
  .strict();

export const modelTagSchema = z
  .object({
    ...tagCommon,
    kind: z.literal('model'),
    model: z
      .object({
        /** The model as XGBoost JSON text (Assay's feature encoding in its attributes). */
        xgboostJson: z.string().min(2),
        /** The tag fires where the prediction (a probability for binary:logistic) is >= threshold. */
        threshold: finite,
      })
      .strict(),
  })
  .strict();

const numericTransformSchema = z
  .object({
    column: z.string().min(1),
    kind: z.literal('numeric'),
    impute: finite,
    log1p: z.boolean(),
    center: finite,
    scale: finite.refine((s) => s !== 0, 'must not be 0'),
    constant: z.boolean(),
    skewness: z.number(),
  })
  .strict();
const oneHotTransformSchema = z
  .object({ column: z.string().min(1), kind: z.literal('onehot'), levels: z.array(z.string()).min(1), impute: z.string() })
  .strict();

/** The segmentation's fitted preprocessing (workers/cluster/preprocess.ts Preprocessor), as stored. */
export const preprocessorSchema = z
  .object({
    version: z.literal(1),
    options: z
      .object({
        scaling: z.enum(['standard', 'robust', 'none']),
        impute: z.enum(['median', 'mean', 'none']),
        log1p: z.union([z.enum(['auto', 'none']), z.array(z.string())]),
        skewThreshold: finite,
        maxLevels: z.number().int().min(1),
      })
      .strict(),
    columns: z.array(z.discriminatedUnion('kind', [numericTransformSchema, oneHotTransformSchema])).min(1),
    features: z.array(z.string()).min(1),
  })
  .strict()
  .refine((p) => p.features.length === p.columns.reduce((n, c) => n + (c.kind === 'numeric' ? 1 : c.levels.length), 0), 'features must list one name per numeric column and per one-hot level');

export const segmentTagSchema = z
  .object({
    ...tagCommon,
    kind: z.literal('segment'),
    segment: z
      .object({
        /** Impute, log1p, scale and one-hot exactly as the app's segmentation did. */
        preprocessor: preprocessorSchema,
        /** Centroids in the preprocessed space, one row per segment. */
        centroids: z.array(z.array(finite).min(1)).min(1),
        /** The segment this tag stands for (index into centroids, from 0). */
        index: z.number().int().nonnegative(),
      })
      .strict()
      .refine((s) => s.centroids.every((c) => c.length === s.preprocessor.features.length), 'every centroid needs one value per preprocessed feature')
      .refine((s) => s.index < s.centroids.length, 'index must point at a centroid'),
  })
  .strict();

export const packTagSchema = z.discriminatedUnion('kind', [ruleTagSchema, modelTagSchema, segmentTagSchema]);
export type PackTag = z.infer<typeof packTagSchema>;
export type RulePackTag = z.infer<typeof ruleTagSchema>;
export type ModelPackTag = z.infer<typeof modelTagSchema>;
export type SegmentPackTag = z.infer<typeof segmentTagSchema>;

// ---- Provenance, golden rows, reviews ----

export const columnSchemaEntry = z.object({ name: z.string(), type: z.string() }).strict();

export const sourceFileSchema = z
  .object({
    name: z.string().min(1),
    bytes: z.number().int().nonnegative(),
    rows: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
    columns: z.array(columnSchemaEntry),
  })
  .strict();
export type SourceFile = z.infer<typeof sourceFileSchema>;

/** A JSON cell of a golden row: numbers, strings, booleans and NULL (dates as ISO text). */
const cellSchema = z.union([z.string(), finite, z.boolean(), z.null()]);

export const goldenRowSchema = z
  .object({
    /** The row's entity key; in a pack without a key, its row number (1-based) in the build data. */
    key: z.union([z.string(), finite]),
    /** The row's values by column name (types in golden.columns). */
    values: z.record(z.string(), cellSchema),
    /** Ids of the tags that fire on this row, in pack order (what the output's `tags` list holds). */
    expected: z.array(z.string()),
  })
  .strict();
export type GoldenRow = z.infer<typeof goldenRowSchema>;

export const reviewSchema = z
  .object({
    by: z.string().min(1),
    at: isoTime,
    decision: z.enum(['approve', 'reject']),
    note: z.string(),
    /** The pack content the decision was about; a review of other content is void. */
    contentHash: contentHashSchema,
  })
  .strict();
export type Review = z.infer<typeof reviewSchema>;

// ---- The pack ----

export const rulePackSchema = z
  .object({
    schema: z.literal(PACK_SCHEMA),
    name: z.string().min(1).max(200),
    version: semverSchema,
    parent: z.object({ version: semverSchema, contentHash: contentHashSchema }).strict().nullable().default(null),
    created: z.object({ at: isoTime, by: z.string() }).strict(),
    /** The reference date relative dates are computed against, so production runs repeat. */
    asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD'),
    /** Three-valued logic; a tag is TRUE only where its rule is TRUE (NULL counts as not firing). */
    nullPolicy: z.literal('sql-three-valued/null-is-false').default('sql-three-valued/null-is-false'),
    /** Every tag is computed independently; an entity may carry several. */
    hitPolicy: z.literal('collect').default('collect'),
    entity: z
      .object({
        table: z.string().min(1),
        /**
         * The column that identifies an entity (unique and never NULL on the build data). Null when
         * the table has none: the pack then tags rows, and each output row carries `columns`.
         */
        key: z.string().min(1).nullable(),
        /** Without a key: the entity table's columns, passed through beside the tags so an output row names its input row. */
        columns: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .refine((e) => e.key !== null || e.columns !== undefined, { message: 'an entity without a key must list its columns (they identify each output row)', path: ['columns'] }),
    /**
     * The SQL computing the entity features (one row per key) as the app ran it (DuckDB). Null when
     * the entity table already holds the features. `byDialect` overrides it for a production engine.
     */
    featureSql: z
      .object({ duckdb: z.string().min(1), byDialect: z.partialRecord(z.enum(SQL_DIALECTS), z.string().min(1)).default({}) })
      .strict()
      .nullable()
      .default(null),
    /**
     * The feature step that produced the entity table from the raw events (template, columns,
     * cleaning filter, value expression, categories, as_of): exported as SQL from the raw table to
     * the tags for every dialect. Null when the entity table was not built by a recorded step.
     */
    features: featureStepSchema.nullable().default(null),
    tags: z.array(packTagSchema).min(1),
    /** The gates of the tag set as a whole and whether the set passed them. */
    gates: z.array(gateSchema).default([]),
    gateOutcome: gateOutcomeSchema.nullable().default(null),
    provenance: z.object({ sources: z.array(sourceFileSchema) }).strict().default({ sources: [] }),
    /** A small sample with the tags it must get: production checks its run against these. */
    golden: z
      .object({ columns: z.array(columnSchemaEntry), rows: z.array(goldenRowSchema) })
      .strict()
      .default({ columns: [], rows: [] }),
    reviews: z.array(reviewSchema).default([]),
    contentHash: contentHashSchema,
  })
  .strict()
  .superRefine((pack, ctx) => {
    // Output columns are the tag ids: they must not repeat, nor clash with the output's key and
    // `tags` columns (Spark, Hive and Trino fold identifier case). Display names must differ too.
    const ids = new Set<string>();
    const names = new Set<string>();
    const folded = new Set<string>([...identityColumns(pack.entity).map((c) => c.toLowerCase()), 'tags']);
    if (identityColumns(pack.entity).some((c) => c.toLowerCase() === 'tags')) {
      const message = 'a column named "tags" would clash with the output\'s list of fired tags; name a key column (or rename that column)';
      ctx.addIssue({ code: 'custom', path: ['entity', pack.entity.key === null ? 'columns' : 'key'], message });
    }
    pack.tags.forEach((tag, i) => {
      if (folded.has(tag.id)) {
        ctx.addIssue({ code: 'custom', path: ['tags', i, 'id'], message: `tag id "${tag.id}" (tag "${tag.name}") repeats another tag's id, ${pack.entity.key === null ? 'an entity column' : 'the entity key'} or "tags" (ignoring case): the output would have two columns of that name` });
      }
      if (names.has(tag.name)) ctx.addIssue({ code: 'custom', path: ['tags', i, 'name'], message: `tag name "${tag.name}" repeats another tag` });
      ids.add(tag.id);
      names.add(tag.name);
      folded.add(tag.id);
    });
    pack.golden.rows.forEach((row, i) => {
      row.expected.forEach((id, j) => {
        if (!ids.has(id)) ctx.addIssue({ code: 'custom', path: ['golden', 'rows', i, 'expected', j], message: `unknown tag id "${id}"` });
      });
    });
    if (pack.features !== null && pack.features.asOf !== pack.asOf) {
      ctx.addIssue({ code: 'custom', path: ['features', 'asOf'], message: `the feature step's as_of (${pack.features.asOf}) must be the pack's as_of (${pack.asOf})` });
    }
  });

export type RulePack = z.infer<typeof rulePackSchema>;

/** The output columns that identify an entity: the key, or without one every entity column. */
export function identityColumns(entity: { key: string | null; columns?: string[] | undefined }): string[] {
  return entity.key !== null ? [entity.key] : (entity.columns ?? []);
}
/** A pack as written by hand or by a tool: defaults may be left out. */
export type RulePackInput = z.input<typeof rulePackSchema>;

/** The pre-release shape ("assay.rulepack/0"): flat `rules` with text and AST, no kinds. */
/** A pack as a tool may hand it to finalizePack: tag ids may be left out (each is then derived from the name). */
export type RulePackDraft = Omit<RulePackInput, 'tags' | 'contentHash'> & { tags: Array<WithOptionalId<RulePackInput['tags'][number]>> };
type WithOptionalId<T> = T extends unknown ? Omit<T, 'id'> & { id?: string } : never;

export const rulePackV0Schema = z
  .object({
    schema: z.literal('assay.rulepack/0'),
    name: z.string().min(1),
    version: semverSchema,
    created: isoTime,
    author: z.string().default(''),
    table: z.string().min(1),
    key: z.string().min(1),
    rules: z.array(z.object({ name: tagName, text: z.string(), ast: ruleExprSchema, description: z.string().default('') }).strict()).min(1),
  })
  .strict();
export type RulePackV0 = z.infer<typeof rulePackV0Schema>;

/** The JSON Schema of the current pack format (shipped as rulepack.schema.json). */
export function packJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rulePackSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** The shipped schema file's exact text. */
export function packJsonSchemaText(): string {
  const schema = { $id: 'https://assay.local/schemas/rulepack-2.json', title: 'Assay rule pack (assay.rulepack/2)', ...packJsonSchema() };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
