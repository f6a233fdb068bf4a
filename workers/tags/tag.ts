/**
 * The tag definition model: what a tag is (a rule, a model threshold or a segment), where it sits
 * in the taxonomy, who owns it and how far it is through review (draft -> validated -> approved).
 * Defined with zod so a tag set read from disk or the UI is checked, with errors in plain words.
 */
import { z } from 'zod';
import { EngineError } from '../protocol/errors';
import { preprocessorSchema } from '../packs/schema';
import type { RuleExpr, RuleLiteral } from './ast';
import { parseRule } from './parser';
import { printRule } from './printer';
import type { CoverageOnly, Estimate, TagMetrics, TagSplit } from './validation';

/** The taxonomy a new tag set starts with; users may add, rename or remove groups. */
export const DEFAULT_TAXONOMY: readonly string[] = ['basic', 'behaviour', 'preference', 'predictive'];

export const TAG_STATUSES = ['draft', 'validated', 'approved'] as const;
export type TagStatus = (typeof TAG_STATUSES)[number];

/**
 * Allowed status changes: a draft is validated (it passed its gates on holdout), then approved
 * (signed off). A validated tag can go back to draft (edited, or failed on new data); an approved
 * tag goes back to draft when edited, or to validated when its approval is withdrawn.
 */
export const TAG_TRANSITIONS: Readonly<Record<TagStatus, readonly TagStatus[]>> = {
  draft: ['validated'],
  validated: ['approved', 'draft'],
  approved: ['validated', 'draft'],
};

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const nonBlank = z.string().trim().min(1, 'must not be empty');

const ruleLiteralSchema: z.ZodType<RuleLiteral, RuleLiteral> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('number'), value: finite }).strict(),
  z.object({ kind: z.literal('string'), value: z.string() }).strict(),
  z.object({ kind: z.literal('boolean'), value: z.boolean() }).strict(),
  z.object({ kind: z.literal('null') }).strict(),
]);
const columnRefSchema = z.object({ kind: z.literal('column'), name: z.string().min(1) }).strict();

/** The rule AST (ast.ts) as a zod schema. */
export const ruleExprSchema: z.ZodType<RuleExpr, RuleExpr> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('and'), args: z.array(ruleExprSchema).min(1) }).strict(),
    z.object({ type: z.literal('or'), args: z.array(ruleExprSchema).min(1) }).strict(),
    z.object({ type: z.literal('not'), arg: ruleExprSchema }).strict(),
    z.object({ type: z.literal('compare'), op: z.enum(['=', '!=', '<', '<=', '>', '>=']), left: columnRefSchema, right: z.union([ruleLiteralSchema, columnRefSchema]) }).strict(),
    z.object({ type: z.literal('in'), column: columnRefSchema, values: z.array(ruleLiteralSchema).min(1), negated: z.boolean() }).strict(),
    z.object({ type: z.literal('between'), column: columnRefSchema, low: ruleLiteralSchema, high: ruleLiteralSchema, negated: z.boolean() }).strict(),
    z.object({ type: z.literal('isNull'), column: columnRefSchema, negated: z.boolean() }).strict(),
    z.object({ type: z.literal('like'), column: columnRefSchema, pattern: z.string(), negated: z.boolean() }).strict(),
    z.object({ type: z.literal('regex'), column: columnRefSchema, pattern: z.string(), negated: z.boolean() }).strict(),
    z.object({ type: z.literal('contains'), column: columnRefSchema, mode: z.enum(['word', 'phrase']), text: z.string(), negated: z.boolean() }).strict(),
    z.object({ type: z.literal('column'), column: columnRefSchema }).strict(),
    z.object({ type: z.literal('literal'), value: z.boolean() }).strict(),
  ]),
);

/** A rule tag: the text people edit and the AST machines run; they must agree. */
export const ruleDefinitionSchema = z.object({ kind: z.literal('rule'), text: nonBlank, ast: ruleExprSchema }).strict();

/** A model tag: fires where the model's score is >= threshold. The model is referenced or embedded. */
export const modelDefinitionSchema = z
  .object({
    kind: z.literal('model'),
    /** Id of a model saved in the workspace. */
    modelRef: nonBlank.optional(),
    /** XGBoost JSON of the model, embedded (as packs carry it). */
    modelJson: z.record(z.string(), z.unknown()).optional(),
    threshold: finite,
  })
  .strict()
  .refine((d) => d.modelRef !== undefined || d.modelJson !== undefined, { message: 'a model tag needs a modelRef or an embedded modelJson' });

/**
 * A segmentation as a segment tag embeds it: the cluster engine's export (cluster.export) of the
 * fitted preprocessing and the k centroids. The preprocessing is the rule pack's schema, so a tag
 * that loads here packs without conversion.
 */
export const segmentationSchema = z
  .object({
    version: z.literal(1),
    name: z.string(),
    k: z.number().int().min(1),
    preprocessor: preprocessorSchema,
    /** k rows in the preprocessed space. */
    centroids: z.array(z.array(finite).min(1)).min(1),
    /** Rows per segment when it was fitted. */
    sizes: z.array(z.number().int().nonnegative()),
  })
  .strict()
  .refine((s) => s.centroids.length === s.k, 'must have k centroids')
  .refine((s) => s.centroids.every((c) => c.length === s.preprocessor.features.length), 'every centroid needs one value per preprocessed feature');

/**
 * A segment tag: fires for members of one segment of a segmentation. With the segmentation
 * embedded it can be evaluated and packed anywhere; tag files written before it was embedded only
 * name the segmentation (segmentRef) and still load.
 */
export const segmentDefinitionSchema = z
  .object({
    kind: z.literal('segment'),
    segmentRef: nonBlank,
    segmentId: z.union([z.number().int().nonnegative(), nonBlank]),
    segmentation: segmentationSchema.optional(),
  })
  .strict()
  .refine((d) => d.segmentation === undefined || (typeof d.segmentId === 'number' && d.segmentId < d.segmentation.k), {
    message: 'with an embedded segmentation, segmentId must be a segment number below k',
    path: ['segmentId'],
  });

export const tagDefinitionSchema = z.discriminatedUnion('kind', [ruleDefinitionSchema, modelDefinitionSchema, segmentDefinitionSchema]);

// ---- measured quality: a tag carries the figures of its last measurement on holdout rows ----

/** Figures are JSON numbers; an undefined figure (e.g. precision of a tag that never fires) is null. */
const figure = z.number().nullable();
const rowCount = z.number().int().nonnegative();
const estimateSchema: z.ZodType<Estimate, Estimate> = z.object({ value: figure, low: figure, high: figure }).strict();

/** TagMetrics (validation.ts) as a zod schema: confusion counts and the figures with 95% intervals. */
export const tagMetricsSchema: z.ZodType<TagMetrics, TagMetrics> = z
  .object({
    rows: rowCount,
    positives: rowCount,
    support: rowCount,
    tp: rowCount,
    fp: rowCount,
    fn: rowCount,
    tn: rowCount,
    baseRate: figure,
    coverage: estimateSchema,
    precision: estimateSchema,
    recall: estimateSchema,
    f1: estimateSchema,
    lift: estimateSchema,
  })
  .strict();

/** CoverageOnly (validation.ts): what is measured without a target. */
export const coverageOnlySchema: z.ZodType<CoverageOnly, CoverageOnly> = z.object({ rows: rowCount, support: rowCount, coverage: estimateSchema }).strict();

const tagSplitSchema: z.ZodType<TagSplit, TagSplit> = z
  .object({
    kind: z.enum(['random', 'stratified', 'time', 'all']),
    holdoutFraction: z.number().gt(0).lt(1).optional(),
    timeColumn: z.string().optional(),
    seed: z.number().int().optional(),
  })
  .strict();

/**
 * A tag's last measurement: the holdout figures (coverage, support, precision, recall, F1, lift,
 * each with its 95% interval, and the confusion counts of the rows counted), what they were
 * measured against, and when. rules.mine writes it for every mined tag; tags.validate replaces it.
 */
export const tagMeasurementSchema = z
  .object({
    /** When it was measured (ISO 8601). */
    measuredAt: z.string().min(1),
    /** The job that measured it. */
    by: z.enum(['rules.mine', 'rules.mineKeywords', 'tags.validate']),
    /** The rule text that was measured: figures of an edited rule describe another rule. */
    text: z.string().optional(),
    /** The label the figures are about; absent when only coverage was measured. */
    target: z.object({ column: nonBlank, positive: z.string() }).strict().optional(),
    /** The split whose holdout rows were counted ('all': every row). */
    split: tagSplitSchema,
    /** Figures on the holdout rows (coverage only without a target). */
    holdout: z.union([tagMetricsSchema, coverageOnlySchema]),
  })
  .strict();

/** Where a tag was made: the table's name. */
export const tagEntitySchema = z.object({ table: nonBlank }).strict();

/** The longest tag name, in UTF-16 code units (as zod and JavaScript count length). */
export const TAG_NAME_MAX = 200;

/** Tag names become SQL column aliases: any printable text, but no control characters. */
const tagNameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(TAG_NAME_MAX, `must be at most ${TAG_NAME_MAX} characters`)
  .refine((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), 'must not contain control characters');

export const tagSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be letters, digits, _ . - (starting with a letter or digit)'),
    name: tagNameSchema,
    group: nonBlank,
    description: z.string().default(''),
    owner: z.string().default(''),
    status: z.enum(TAG_STATUSES).default('draft'),
    definition: tagDefinitionSchema,
    /** The last holdout measurement, when there was one (files written before it existed have none). */
    metrics: tagMeasurementSchema.optional(),
    /**
     * The entity table the tag was made on (mined, written or fitted), for display. Whether a tag
     * applies to a table is decided by its columns (applicability.ts), so a renamed table still
     * runs it. Older files have none.
     */
    entity: tagEntitySchema.optional(),
    /** The class a labelling tag assigns (keyword rules mined for a label column): rows it fires on get `column = value`. */
    label: z.object({ column: nonBlank, value: z.string() }).strict().optional(),
  })
  .strict();

export const TAGSET_SCHEMA = 'assay.tagset/1';
/** The N of TAGSET_SCHEMA: a file with a larger one was written by a newer Assay. */
const TAGSET_SCHEMA_VERSION = 1;

export const tagSetSchema = z
  .object({
    schema: z.literal(TAGSET_SCHEMA).default(TAGSET_SCHEMA),
    /** Bumped on every saved change. */
    version: z.number().int().min(1).default(1),
    taxonomy: z.array(nonBlank).min(1).default([...DEFAULT_TAXONOMY]),
    tags: z.array(tagSchema),
  })
  .strict();

export type RuleDefinition = z.infer<typeof ruleDefinitionSchema>;
export type ModelDefinition = z.infer<typeof modelDefinitionSchema>;
export type SegmentDefinition = z.infer<typeof segmentDefinitionSchema>;
export type Segmentation = z.infer<typeof segmentationSchema>;
export type TagDefinition = z.infer<typeof tagDefinitionSchema>;
export type TagMeasurement = z.infer<typeof tagMeasurementSchema>;
export type TagEntity = z.infer<typeof tagEntitySchema>;
export type Tag = z.infer<typeof tagSchema>;
export type TagSet = z.infer<typeof tagSetSchema>;
/** A tag as written by hand (defaults not yet filled in). */
export type TagInput = z.input<typeof tagSchema>;
export type TagSetInput = z.input<typeof tagSetSchema>;

function pathText(path: ReadonlyArray<PropertyKey>, root: string): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), root);
}

function zodProblem(error: z.ZodError, root: string): string {
  const issue = error.issues[0];
  if (!issue) return `${root} is not valid.`;
  return `${pathText(issue.path, root)}: ${issue.message}.`;
}

/** Checks that a rule tag's text and AST agree (the AST must be what the text parses to). */
function checkRuleDefinition(def: RuleDefinition, where: string): void {
  let parsed: RuleExpr;
  try {
    parsed = parseRule(def.text);
  } catch (err) {
    throw new EngineError('BAD_INPUT', `${where}: the rule text does not parse: ${(err as Error).message}.`, err instanceof EngineError ? err.detail : undefined);
  }
  if (printRule(parsed) !== printRule(def.ast)) {
    throw new EngineError('BAD_INPUT', `${where}: the rule text and its AST disagree (the text reads "${printRule(parsed)}", the AST "${printRule(def.ast)}").`);
  }
}

/** Validates one tag (shape, rule text vs AST); fills defaults. Throws EngineError('BAD_INPUT'). */
export function parseTag(input: unknown, where = 'tag'): Tag {
  const result = tagSchema.safeParse(input);
  if (!result.success) throw new EngineError('BAD_INPUT', zodProblem(result.error, where));
  const tag = result.data;
  if (tag.definition.kind === 'rule') checkRuleDefinition(tag.definition, `${where} "${tag.name}"`);
  return tag;
}

/**
 * Validates a tag set: its shape, every rule (text and AST agree), unique ids, unique names
 * (case-insensitively, since names become SQL columns), and every group in the taxonomy.
 */
export function parseTagSet(input: unknown): TagSet {
  const result = tagSetSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue?.path[0] === 'schema' && input && typeof input === 'object') {
      const found = (input as Record<string, unknown>).schema;
      // A later assay.tagset/N: the remedy is to update Assay, as for packs (packs/io.ts).
      const version = typeof found === 'string' ? /^assay\.tagset\/(\d+)$/.exec(found)?.[1] : undefined;
      if (version !== undefined && Number(version) > TAGSET_SCHEMA_VERSION) {
        throw new EngineError('BAD_INPUT', `This is a tag set written by a newer Assay (schema "${found as string}"; this version reads "${TAGSET_SCHEMA}"): update Assay to read it.`);
      }
      throw new EngineError('BAD_INPUT', `This is not an Assay tag set this version can read (schema ${JSON.stringify(found)}; expected "${TAGSET_SCHEMA}").`);
    }
    throw new EngineError('BAD_INPUT', zodProblem(result.error, 'tag set'));
  }
  const set = result.data;
  const lowerGroups = new Set<string>();
  for (const g of set.taxonomy) {
    if (lowerGroups.has(g.toLowerCase())) throw new EngineError('BAD_INPUT', `The taxonomy lists the group "${g}" twice.`);
    lowerGroups.add(g.toLowerCase());
  }
  const ids = new Set<string>();
  const names = new Map<string, string>();
  set.tags.forEach((tag, i) => {
    const where = `tags[${i}]`;
    if (tag.definition.kind === 'rule') checkRuleDefinition(tag.definition, `${where} "${tag.name}"`);
    if (ids.has(tag.id)) throw new EngineError('BAD_INPUT', `${where}: the id "${tag.id}" is used by another tag.`);
    ids.add(tag.id);
    const other = names.get(tag.name.toLowerCase());
    if (other !== undefined) throw new EngineError('BAD_INPUT', `${where}: the name "${tag.name}" is already used by "${other}" (names must differ, ignoring case).`);
    names.set(tag.name.toLowerCase(), tag.name);
    if (!set.taxonomy.includes(tag.group)) throw new EngineError('BAD_INPUT', `${where} "${tag.name}": the group "${tag.group}" is not in the taxonomy (${set.taxonomy.join(', ')}).`);
  });
  return set;
}

/** Reads a tag set from JSON text, with a plain error for malformed JSON that names `file` when given. */
export function parseTagSetJson(text: string, file?: string): TagSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EngineError('BAD_INPUT', `${file === undefined ? 'The tag set' : `The tag set ${file}`} is not valid JSON: ${(err as Error).message.replace(/\.$/, '')}.`);
  }
  if (file === undefined) return parseTagSet(json);
  try {
    return parseTagSet(json);
  } catch (err) {
    // "This is a tag set written by a newer Assay" -> "FILE is a tag set ...": say which file.
    if (err instanceof EngineError && err.message.startsWith('This is ')) throw new EngineError(err.code, `${file} is ${err.message.slice('This is '.length)}`, err.detail);
    throw err;
  }
}

/** A rule definition from text: parses it and keeps the text as written. */
export function ruleDefinition(text: string): RuleDefinition {
  return { kind: 'rule', text, ast: parseRule(text) };
}

/** Moves a tag to another status, if that transition is allowed. */
export function transitionTag(tag: Tag, to: TagStatus): Tag {
  if (tag.status === to) return tag;
  if (!TAG_TRANSITIONS[tag.status].includes(to)) {
    throw new EngineError('BAD_INPUT', `Tag "${tag.name}" is ${tag.status}; it cannot become ${to} (allowed: ${TAG_TRANSITIONS[tag.status].join(', ')}).`);
  }
  return { ...tag, status: to };
}

/** An edited definition voids review and its measured figures: the tag goes back to draft. */
export function redefineTag(tag: Tag, definition: TagDefinition): Tag {
  const { metrics: _measuredBefore, ...rest } = tag;
  void _measuredBefore;
  return parseTag({ ...rest, definition, status: 'draft' });
}

/**
 * A tag name made from data (a column name, a class label, a suggested segment name): control
 * characters, which tag names refuse, become spaces and runs of white space one space; text too
 * long is cut, ending in "…", so that `suffix` (written by the caller, such as " (2)") still fits in
 * TAG_NAME_MAX. Blank text gives `fallback`. Every place that names a tag from data goes through
 * here, so a hostile column name gives a readable tag instead of a refused tag set.
 */
export function tagNameFrom(text: string, options: { suffix?: string; fallback?: string } = {}): string {
  const clean = (s: string): string => [...s].map((c) => (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f ? ' ' : c)).join('').replace(/\s+/g, ' ').trim();
  const suffix = options.suffix ?? '';
  let base = clean(text) || clean(options.fallback ?? '') || 'tag';
  const room = TAG_NAME_MAX - suffix.length;
  if (base.length > room) {
    base = base.slice(0, room - 1);
    // A cut between the halves of a surrogate pair would leave half a character.
    if (/[\ud800-\udbff]$/.test(base)) base = base.slice(0, -1);
    base = `${base.trimEnd()}…`;
  }
  return `${base}${suffix}`;
}

export interface SegmentTagOptions {
  /** Name per segment number; a segment without one is called "Segment i". */
  names?: Readonly<Record<number, string>> | readonly string[];
  /** Taxonomy group of the new tags (default "behaviour"). */
  group?: string;
  /** Stands for the segmentation in the tags' segmentRef and ids (default: its name). */
  ref?: string;
  /** The table the segmentation was fitted on (recorded as the tags' entity table). */
  table?: string;
}

/**
 * One draft segment tag per segment of a segmentation, each carrying the segmentation (scaler
 * and centroids) so it can be evaluated and packed later. Repeated names get their segment number.
 */
export function segmentTags(segmentation: unknown, options: SegmentTagOptions = {}): Tag[] {
  const parsed = segmentationSchema.safeParse(segmentation);
  if (!parsed.success) throw new EngineError('BAD_INPUT', zodProblem(parsed.error, 'segmentation'));
  const seg = parsed.data;
  const ref = (options.ref ?? seg.name).trim() || 'segments';
  const slug = ref.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60) || 'segments';
  // Suggested names come from column names and values, which may hold tabs, newlines or 300 characters.
  const givenOf = (i: number): string => {
    const given = (options.names as Record<number, string> | undefined)?.[i];
    return typeof given === 'string' ? given : '';
  };
  const nameOf = (i: number, suffix?: string): string => tagNameFrom(givenOf(i), { fallback: `Segment ${i}`, ...(suffix ? { suffix } : {}) });
  const lower = Array.from({ length: seg.k }, (_, i) => nameOf(i).toLowerCase());
  return Array.from({ length: seg.k }, (_, i) => {
    const name = lower.indexOf(lower[i] as string) !== i || lower.lastIndexOf(lower[i] as string) !== i ? nameOf(i, ` (segment ${i})`) : nameOf(i);
    return parseTag({
      id: `seg-${slug}-${i}`,
      name,
      group: options.group?.trim() || 'behaviour',
      description: `Segment ${i} of ${ref} (${seg.sizes[i] ?? 0} rows when fitted)`,
      definition: { kind: 'segment', segmentRef: ref, segmentId: i, segmentation: seg },
      ...(options.table?.trim() ? { entity: { table: options.table.trim() } } : {}),
    }, `segment tag ${i}`);
  });
}
