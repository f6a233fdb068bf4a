p='workers/packs/schema.ts'
s=open(p).read()
a=s.index("export const scalerColumnSchema = z")
b=s.index("export const packTagSchema")
new='''const numericTransformSchema = z
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

'''
s=s[:a]+new+s[b:]
open(p,'w').write(s)

p='workers/packs/dialects/model-sql.ts'
s=open(p).read()
a=s.index("/** z = (x - mean) / scale of each scaler column, as DOUBLE. */")
b=s.index("/** Nearest centroid is the tag's")
new='''/**
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

'''
s=s[:a]+new+s[b:]
s=s.replace("/** Nearest centroid is the tag's (ties go to the lower index); NULL when a feature is missing. */","/** Nearest centroid is the tag's (ties go to the lower index, as the app assigns). */")
open(p,'w').write(s)
