/**
 * The workspace file (`*.assay.json`): which files were opened under which table names, the SQL
 * workspace and the selected table. It holds no data: sources are opened again on load.
 */
import { z } from 'zod';
import type { FileFormat } from '../workers/api';
import { labelsWorkspaceStateSchema } from './views/labels/types';
import { modelsWorkspaceStateSchema } from './views/models/types';
import { packsWorkspaceStateSchema } from './views/packs/types';
import { segmentsWorkspaceStateSchema } from './views/segments/types';
import { tagsWorkspaceStateSchema } from './views/tags/types';
import { emptySqlWorkspace, sqlWorkspaceStateSchema, type SqlWorkspaceState } from './views/sql/types';

export const WORKSPACE_EXTENSION = '.assay.json';

const fileFormatSchema = z.enum(['csv', 'parquet', 'json', 'ndjson']);

export const workspaceSourceSchema = z.object({
  /** The table the file was loaded into. */
  table: z.string().min(1),
  /** The file's name, used to match a file the user picks again. */
  name: z.string().min(1),
  format: fileFormatSchema,
  /** An absolute path (desktop): read again without asking. */
  path: z.string().optional(),
  /** A path inside the bundled samples folder: fetched again without asking. */
  sample: z.string().optional(),
  delimiter: z.string().optional(),
  header: z.boolean().optional(),
});

export const workspaceSchema = z.object({
  version: z.literal(1),
  name: z.string().optional(),
  savedAt: z.string().optional(),
  sources: z.array(workspaceSourceSchema),
  sql: sqlWorkspaceStateSchema,
  /** Saved models (XGBoost JSON); absent in workspaces saved before the Models view. */
  models: modelsWorkspaceStateSchema.optional(),
  /** Feature builder, clustering form and named segmentations; absent before the Segments view. */
  segments: segmentsWorkspaceStateSchema.optional(),
  /** The tag set, saved tag sets and the mining/validation forms; absent before the Tags view. */
  tags: tagsWorkspaceStateSchema.optional(),
  /** The open rule pack, the build form and the reviewer's name; absent before the Packs view. */
  packs: packsWorkspaceStateSchema.optional(),
  /** The Labels forms, the trained labeler (its file) and the review decisions; absent before the Labels view kept state. */
  labels: labelsWorkspaceStateSchema.optional(),
  selectedTable: z.string().nullable(),
});

export type WorkspaceSource = z.infer<typeof workspaceSourceSchema>;
export type Workspace = z.infer<typeof workspaceSchema>;

// FileFormat and the schema's enum must stay the same set.
const formatsAgree: (f: FileFormat) => WorkspaceSource['format'] = (f) => f;
void formatsAgree;

export function emptyWorkspace(): Workspace {
  return { version: 1, sources: [], sql: emptySqlWorkspace(), selectedTable: null };
}

export function serializeWorkspace(workspace: Workspace): string {
  return `${JSON.stringify(workspace, null, 2)}\n`;
}

/** Parses and validates a workspace file; the error says what is wrong in plain words. */
export function parseWorkspace(text: string): Workspace {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('This is not a workspace file: it is not valid JSON.');
  }
  const parsed = workspaceSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : '';
    throw new Error(`This workspace file cannot be read${where}: ${issue?.message ?? 'unknown problem'}.`);
  }
  return parsed.data;
}

export function workspaceFileName(name: string | undefined): string {
  const base = (name ?? 'workspace').trim().replace(/[\\/:*?"<>|]+/g, '_') || 'workspace';
  return base.endsWith(WORKSPACE_EXTENSION) ? base : `${base}${WORKSPACE_EXTENSION}`;
}

export type { SqlWorkspaceState };
