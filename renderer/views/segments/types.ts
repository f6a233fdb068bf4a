/**
 * The Segments view's persistent state, kept in the workspace file: the feature builder's form
 * and SQL, the clustering form, the latest segmentation (scaler, centroids and the segment names
 * the user gave) and the segmentations saved on purpose. Tables are not kept (they are rebuilt
 * from the SQL); the scaler and centroids are, so segments can become tags later.
 */
import { z } from 'zod';

export const FEATURE_TEMPLATE_CHOICES = ['rfm', 'funnel', 'category_shares', 'time_shares', 'windowed', 'all'] as const;
export type FeatureTemplateChoice = (typeof FEATURE_TEMPLATE_CHOICES)[number];

/** The feature builder's form as typed (text fields; converted to a FeatureForm when generating). */
export const featureFormStateSchema = z.object({
  template: z.enum(FEATURE_TEMPLATE_CHOICES),
  table: z.string(),
  key: z.string(),
  time: z.string(),
  /** '' = a numeric time column in seconds is assumed by the engine. */
  timeUnit: z.enum(['', 'seconds', 'milliseconds']),
  utcOffsetHours: z.string(),
  order: z.string(),
  value: z.string(),
  eventType: z.string(),
  /** Comma-separated values of the event type column per funnel stage ('' = the engine's defaults). */
  stages: z.object({ view: z.string(), cart: z.string(), fav: z.string(), purchase: z.string() }),
  category: z.string(),
  topCategories: z.string(),
  session: z.string(),
  asOf: z.string(),
  where: z.string(),
  // Propensity datasets (workers/segments/windowed.ts, label-window.ts). Defaults keep workspace files
  // saved before these fields existed readable.
  /** Window lengths in days, comma-separated ('' = the engine's 1, 3, 7, 30 for the windowed template; none for `all`). */
  windows: z.string().default(''),
  /** Lower bound YYYY-MM-DD: events before it count in no feature ('' = none). */
  from: z.string().default(''),
  /** Item column: the windows count distinct items. */
  item: z.string().default(''),
  /** Label window in days after as_of, `1` or `1d` ('' = no label). */
  labelWindow: z.string().default(''),
  /** The label event: stage names or event-type values, comma-separated ('' = the purchase values). */
  labelEvents: z.string().default(''),
});
export type FeatureFormState = z.infer<typeof featureFormStateSchema>;

export const featuresStateSchema = z.object({
  form: featureFormStateSchema,
  /** The feature SQL as generated, or as the user edited it. */
  sql: z.string(),
  outputTable: z.string(),
});
export type FeaturesState = z.infer<typeof featuresStateSchema>;

export const CLUSTER_BACKENDS = ['auto', 'webgpu', 'cpu'] as const;

export const clusterFormStateSchema = z.object({
  table: z.string(),
  /** null: every numeric column (the engine picks them). */
  features: z.array(z.string()).nullable(),
  scaling: z.enum(['standard', 'robust', 'none']),
  log1p: z.enum(['auto', 'none']),
  impute: z.enum(['median', 'mean', 'none']),
  k: z.string(),
  kFrom: z.string(),
  kTo: z.string(),
  seed: z.string(),
  backend: z.enum(CLUSTER_BACKENDS),
  outputTable: z.string(),
});
export type ClusterFormState = z.infer<typeof clusterFormStateSchema>;

/** One k-means result as kept in the workspace: enough to assign new rows and to name the segments. */
export const segmentationRecordSchema = z.object({
  /** The engine's id while the result is loaded (stale after a restart). */
  clusterId: z.string(),
  name: z.string(),
  sourceTable: z.string(),
  /** The table holding the source rows plus `segment`. */
  outputTable: z.string(),
  k: z.number().int().positive(),
  /** Source columns clustered on. */
  columns: z.array(z.string()),
  /** The fitted preprocessing (the engine's Preprocessor, JSON). */
  preprocessor: z.unknown(),
  /** k centroids in the scaled space. */
  centroids: z.array(z.array(z.number())),
  sizes: z.array(z.number()),
  /** One name per segment, index = segment number. */
  segmentNames: z.array(z.string()),
  createdAt: z.string(),
  /** The table the named segments were saved into. */
  savedTable: z.string().optional(),
});
export type SegmentationRecord = z.infer<typeof segmentationRecordSchema>;

export const segmentsWorkspaceStateSchema = z.object({
  features: featuresStateSchema,
  cluster: clusterFormStateSchema,
  /** The latest run (its names are edited on the portrait cards). */
  current: segmentationRecordSchema.nullable(),
  saved: z.array(segmentationRecordSchema),
});
export type SegmentsWorkspaceState = z.infer<typeof segmentsWorkspaceStateSchema>;

export function emptyFeatureForm(table = ''): FeatureFormState {
  return {
    template: 'rfm',
    table,
    key: '',
    time: '',
    timeUnit: '',
    utcOffsetHours: '',
    order: '',
    value: '',
    eventType: '',
    stages: { view: '', cart: '', fav: '', purchase: '' },
    category: '',
    topCategories: '',
    session: '',
    asOf: '',
    where: '',
    windows: '',
    from: '',
    item: '',
    labelWindow: '',
    labelEvents: '',
  };
}

export function emptyClusterForm(table = ''): ClusterFormState {
  return { table, features: null, scaling: 'standard', log1p: 'auto', impute: 'median', k: '4', kFrom: '2', kTo: '12', seed: '0', backend: 'auto', outputTable: '' };
}

export function emptySegmentsWorkspace(): SegmentsWorkspaceState {
  return { features: { form: emptyFeatureForm(), sql: '', outputTable: '' }, cluster: emptyClusterForm(), current: null, saved: [] };
}

/** Renames one segment of the latest run (and of its saved copy, so both stay in step). */
export function renameSegment(state: SegmentsWorkspaceState, clusterId: string, segment: number, name: string): SegmentsWorkspaceState {
  const rename = (record: SegmentationRecord): SegmentationRecord =>
    record.clusterId === clusterId && segment >= 0 && segment < record.segmentNames.length ? { ...record, segmentNames: record.segmentNames.map((n, i) => (i === segment ? name : n)) } : record;
  return { ...state, current: state.current ? rename(state.current) : null, saved: state.saved.map(rename) };
}

/** Keeps a segmentation; one with the same name (case-insensitive) is replaced. */
export function upsertSegmentation(state: SegmentsWorkspaceState, record: SegmentationRecord): SegmentsWorkspaceState {
  const name = record.name.trim();
  if (!name) throw new Error('A saved segmentation needs a name.');
  const entry = { ...record, name };
  const index = state.saved.findIndex((s) => s.name.toLowerCase() === name.toLowerCase());
  const saved = index < 0 ? [...state.saved, entry] : state.saved.map((s, i) => (i === index ? entry : s));
  return { ...state, saved };
}

export function removeSegmentation(state: SegmentsWorkspaceState, name: string): SegmentsWorkspaceState {
  return { ...state, saved: state.saved.filter((s) => s.name !== name) };
}
