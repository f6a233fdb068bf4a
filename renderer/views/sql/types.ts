/**
 * The SQL workspace's persistent state: saved queries, run history and saved charts. It lives in
 * the project (workspace) file, so it has a zod schema that the file loader validates against.
 */
import { z } from 'zod';

export interface SavedQuery {
  id: string;
  name: string;
  sql: string;
}

export interface HistoryEntry {
  sql: string;
  /** ISO 8601 time the run started. */
  at: string;
  ok: boolean;
  rowCount?: number;
  elapsedMs?: number;
  error?: string;
}

export type ChartType = 'histogram' | 'bar' | 'line' | 'scatter' | 'box' | 'heatmap';

export const CHART_TYPES: readonly ChartType[] = ['histogram', 'bar', 'line', 'scatter', 'box', 'heatmap'];

export interface ChartSpec {
  id: string;
  /** The query whose result the chart draws. */
  sql: string;
  type: ChartType;
  x: string | null;
  y: string | null;
  color: string | null;
  title?: string;
}

export interface SqlWorkspaceState {
  queries: SavedQuery[];
  history: HistoryEntry[];
  charts: ChartSpec[];
}

/** History is capped so the workspace file stays small. */
export const HISTORY_LIMIT = 200;

export const savedQuerySchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  sql: z.string(),
});

export const historyEntrySchema = z.object({
  sql: z.string(),
  at: z.string(),
  ok: z.boolean(),
  rowCount: z.number().int().nonnegative().optional(),
  elapsedMs: z.number().nonnegative().optional(),
  error: z.string().optional(),
});

export const chartTypeSchema = z.enum(['histogram', 'bar', 'line', 'scatter', 'box', 'heatmap']);

export const chartSpecSchema = z.object({
  id: z.string().min(1),
  sql: z.string(),
  type: chartTypeSchema,
  x: z.string().nullable(),
  y: z.string().nullable(),
  color: z.string().nullable(),
  title: z.string().optional(),
});

export const sqlWorkspaceStateSchema = z.object({
  queries: z.array(savedQuerySchema),
  history: z.array(historyEntrySchema),
  charts: z.array(chartSpecSchema),
});

// Keep the hand-written interfaces and the schema in step: each must be assignable to the other.
type SchemaState = z.infer<typeof sqlWorkspaceStateSchema>;
const schemaMatchesInterface: (s: SchemaState) => SqlWorkspaceState = (s) => s;
const interfaceMatchesSchema: (s: SqlWorkspaceState) => SchemaState = (s) => s;
void schemaMatchesInterface;
void interfaceMatchesSchema;

export function emptySqlWorkspace(): SqlWorkspaceState {
  return { queries: [], history: [], charts: [] };
}
