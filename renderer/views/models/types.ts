/**
 * The Models view's persistent state: saved models. A model is kept as the XGBoost JSON that
 * 'model.export' writes (the engine re-imports it with 'model.import' when the workspace reopens),
 * so it lives in the workspace file and has a zod schema the file loader validates against.
 */
import { z } from 'zod';

export interface SavedModel {
  /** The engine's id for the model while it is loaded; stale after a restart (then re-imported). */
  modelId?: string;
  name: string;
  /** XGBoost JSON, as exported by the engine (with Assay's encoding in its attributes). */
  json: string;
  /** The engine's ModelSummary at save time, for showing the model before it is re-imported. */
  summary: unknown;
}

export interface ModelsWorkspaceState {
  models: SavedModel[];
}

export const savedModelSchema = z.object({
  modelId: z.string().optional(),
  name: z.string(),
  json: z.string(),
  summary: z.unknown(),
});

export const modelsWorkspaceStateSchema = z.object({
  models: z.array(savedModelSchema),
});

// Keep the hand-written interfaces and the schema in step: each must be assignable to the other.
type SchemaState = z.infer<typeof modelsWorkspaceStateSchema>;
const schemaMatchesInterface: (s: SchemaState) => ModelsWorkspaceState = (s) => s;
const interfaceMatchesSchema: (s: ModelsWorkspaceState) => SchemaState = (s) => s;
void schemaMatchesInterface;
void interfaceMatchesSchema;

export function emptyModelsWorkspace(): ModelsWorkspaceState {
  return { models: [] };
}

/** Adds a model, replacing one of the same name (case-insensitive): names identify saved models. */
export function upsertSavedModel(state: ModelsWorkspaceState, model: SavedModel): ModelsWorkspaceState {
  const name = model.name.trim();
  if (!name) throw new Error('A saved model needs a name.');
  const entry = { ...model, name };
  const index = state.models.findIndex((m) => m.name.toLowerCase() === name.toLowerCase());
  if (index < 0) return { models: [...state.models, entry] };
  return { models: state.models.map((m, i) => (i === index ? entry : m)) };
}

export function removeSavedModel(state: ModelsWorkspaceState, name: string): ModelsWorkspaceState {
  return { models: state.models.filter((m) => m.name !== name) };
}

/** Records the engine id a saved model got when it was (re-)imported. */
export function setSavedModelId(state: ModelsWorkspaceState, name: string, modelId: string): ModelsWorkspaceState {
  return { models: state.models.map((m) => (m.name === name ? { ...m, modelId } : m)) };
}
