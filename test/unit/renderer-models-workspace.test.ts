import { describe, expect, it } from 'vitest';
import { emptyModelsWorkspace, modelsWorkspaceStateSchema, removeSavedModel, setSavedModelId, upsertSavedModel } from '../../renderer/views/models/types';

describe('models workspace state', () => {
  it('saves models by name (case-insensitive replace), re-ids and removes them', () => {
    let state = upsertSavedModel(emptyModelsWorkspace(), { modelId: 'model_1', name: ' churn ', json: '{"a":1}', summary: { trees: 3 } });
    expect(state.models).toEqual([{ modelId: 'model_1', name: 'churn', json: '{"a":1}', summary: { trees: 3 } }]);
    state = upsertSavedModel(state, { name: 'other', json: '{}', summary: null });
    state = upsertSavedModel(state, { modelId: 'model_2', name: 'CHURN', json: '{"a":2}', summary: {} });
    expect(state.models.map((m) => [m.name, m.json])).toEqual([['CHURN', '{"a":2}'], ['other', '{}']]);
    state = setSavedModelId(state, 'other', 'model_9');
    expect(state.models[1]?.modelId).toBe('model_9');
    expect(removeSavedModel(state, 'CHURN').models.map((m) => m.name)).toEqual(['other']);
    expect(() => upsertSavedModel(state, { name: '  ', json: '{}', summary: null })).toThrow(/needs a name/);
  });

  it('validates what a workspace file holds', () => {
    expect(modelsWorkspaceStateSchema.parse({ models: [{ name: 'm', json: '{}', summary: { x: 1 } }] })).toEqual({ models: [{ name: 'm', json: '{}', summary: { x: 1 } }] });
    expect(modelsWorkspaceStateSchema.safeParse({ models: [{ name: 'm' }] }).success).toBe(false);
    expect(modelsWorkspaceStateSchema.safeParse({ models: [{ name: 'm', json: 5, summary: null }] }).success).toBe(false);
    expect(modelsWorkspaceStateSchema.safeParse({}).success).toBe(false);
  });
});
