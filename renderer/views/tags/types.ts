/**
 * The Tags view's persistent state, kept in the workspace file: the tag set being edited, the tag
 * sets saved on purpose, the table the rules are written against, the mining and validation forms,
 * and the last gate verdict per tag (the badges in the list).
 *
 * The tag set has the shape the engine's tag model (workers/tags/tag.ts) defines and `assay rules
 * mine` writes; the renderer may not import that schema, so it is mirrored here in its outline and
 * the engine checks it fully (rule text vs AST, unique names, groups) whenever a job receives it.
 */
import { z } from 'zod';
import { DEFAULT_MINING_PRECISION, DEFAULT_PRECISION_GATE, type RuleExpr, type TagDefinition, type TagMeasurement, type TagSet } from '../../../workers/api';

export type { RuleExpr, Tag, TagDefinition, TagSet, TagStatus } from '../../../workers/api';

export const TAGSET_SCHEMA = 'assay.tagset/1';
export const DEFAULT_TAXONOMY: readonly string[] = ['basic', 'behaviour', 'preference', 'predictive'];
export const TAG_STATUSES = ['draft', 'validated', 'approved'] as const;

type EmbeddedSegmentation = NonNullable<Extract<TagDefinition, { kind: 'segment' }>['segmentation']>;

const nonBlank = z.string().trim().min(1, 'must not be empty');

// The AST is checked by the engine (parseTagSet); here it only has to be a syntax-tree object.
const ruleExprSchema = z.custom<RuleExpr>((value) => typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string', 'must be a rule syntax tree');

const tagDefinitionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rule'), text: nonBlank, ast: ruleExprSchema }),
  z.object({ kind: z.literal('model'), modelRef: nonBlank.optional(), modelJson: z.record(z.string(), z.unknown()).optional(), threshold: z.number() }),
  z.object({
    kind: z.literal('segment'),
    segmentRef: nonBlank,
    segmentId: z.union([z.number().int().nonnegative(), nonBlank]),
    // The embedded segmentation (scaler and centroids); the engine checks its shape (parseTagSet).
    segmentation: z.custom<EmbeddedSegmentation>((value) => typeof value === 'object' && value !== null, 'must be a segmentation object').optional(),
  }),
]);

export const tagSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be letters, digits, _ . - (starting with a letter or digit)'),
  name: nonBlank,
  group: nonBlank,
  description: z.string().default(''),
  owner: z.string().default(''),
  status: z.enum(TAG_STATUSES).default('draft'),
  definition: tagDefinitionSchema,
  // Holdout figures of the last measurement; the engine checks their shape (parseTagSet).
  metrics: z.custom<TagMeasurement>((value) => typeof value === 'object' && value !== null, 'must be a measurement object').optional(),
  // The table the tag was made on (shown; whether it applies is decided by its columns).
  entity: z.object({ table: nonBlank }).optional(),
});

export const tagSetSchema = z.object({
  schema: z.literal(TAGSET_SCHEMA).default(TAGSET_SCHEMA),
  version: z.number().int().min(1).default(1),
  taxonomy: z.array(nonBlank).min(1),
  tags: z.array(tagSchema),
});

/** The last validation of a tag: whether it passed its gates on holdout, and why not. */
export const gateRecordSchema = z.object({
  passed: z.boolean(),
  reasons: z.array(z.string()),
  /** The rule text that was validated: an edited rule no longer carries the verdict. */
  text: z.string(),
  at: z.string(),
});

export const savedTagSetSchema = z.object({
  name: nonBlank,
  savedAt: z.string(),
  tagSet: tagSetSchema,
});

export const miningFormSchema = z.object({
  targetKind: z.enum(['label', 'segment']),
  target: z.string(),
  positive: z.string(),
  minPrecision: z.string(),
  minSupport: z.string(),
  maxRules: z.string(),
  maxConditions: z.string(),
  seed: z.string(),
  timeBudgetSeconds: z.string(),
  exclude: z.array(z.string()),
});

export const validationFormSchema = z.object({
  target: z.string(),
  positive: z.string(),
  split: z.enum(['random', 'stratified', 'time', 'all']),
  holdoutShare: z.string(),
  timeColumn: z.string(),
  seed: z.string(),
  minPrecision: z.string(),
  /** Percent of rows, as typed ("1" = 1%). */
  minCoveragePercent: z.string(),
  windows: z.string(),
  /** Ids of tags unticked for validation (new tags are validated unless unticked). */
  skipTags: z.array(z.string()).default([]),
});

export const tagsWorkspaceStateSchema = z.object({
  /** The tag set being edited. */
  tagSet: tagSetSchema,
  /** Its name when saved (or to save it under). */
  name: z.string(),
  saved: z.array(savedTagSetSchema),
  /** The table rules are written, mined and validated against. */
  table: z.string(),
  mining: miningFormSchema,
  validation: validationFormSchema,
  /** Last gate verdict per tag id. */
  gates: z.record(z.string(), gateRecordSchema),
});

export type GateRecord = z.infer<typeof gateRecordSchema>;
export type SavedTagSet = z.infer<typeof savedTagSetSchema>;
export type MiningForm = z.infer<typeof miningFormSchema>;
export type ValidationForm = z.infer<typeof validationFormSchema>;
export type TagsWorkspaceState = z.infer<typeof tagsWorkspaceStateSchema>;

// The mirrored schema and the engine's TagSet must stay the same shape: each must be assignable to the other.
type SchemaTagSet = z.infer<typeof tagSetSchema>;
const schemaMatchesEngine: (s: SchemaTagSet) => TagSet = (s) => s;
const engineMatchesSchema: (s: TagSet) => SchemaTagSet = (s) => s;
void schemaMatchesEngine;
void engineMatchesSchema;

export function emptyTagSet(): TagSet {
  return { schema: TAGSET_SCHEMA, version: 1, taxonomy: [...DEFAULT_TAXONOMY], tags: [] };
}

export function emptyMiningForm(): MiningForm {
  // Above the validation gate, so freshly mined rules can pass it (workers/tags/validation.ts).
  return { targetKind: 'label', target: '', positive: '', minPrecision: String(DEFAULT_MINING_PRECISION), minSupport: '0.01', maxRules: '5', maxConditions: '3', seed: '42', timeBudgetSeconds: '20', exclude: [] };
}

export function emptyValidationForm(): ValidationForm {
  return { target: '', positive: '', split: 'stratified', holdoutShare: '0.3', timeColumn: '', seed: '42', minPrecision: String(DEFAULT_PRECISION_GATE), minCoveragePercent: '1', windows: '4', skipTags: [] };
}

export function emptyTagsWorkspace(): TagsWorkspaceState {
  return { tagSet: emptyTagSet(), name: 'tags', saved: [], table: '', mining: emptyMiningForm(), validation: emptyValidationForm(), gates: {} };
}
