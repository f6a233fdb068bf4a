/**
 * A model tag inside a pack whose Assay attributes are damaged or newer: reading it for SQL (every
 * dialect, the golden-row check, apply) says so in words, as `assay predict` does for a model file.
 */
import { describe, expect, it } from 'vitest';
import { loadTagModel } from '../../workers/packs/dialects/model-sql';
import type { ModelPackTag } from '../../workers/packs/schema';
import { EngineError } from '../../workers/protocol/errors';
import { oneSplitModelJson } from '../helpers/packs';

function modelText(encoding: string): string {
  return oneSplitModelJson('spend', { assay_encoding: encoding });
}

function tag(encoding: string): ModelPackTag {
  return { kind: 'model', id: 'buyer', name: 'likely buyer', model: { xgboostJson: modelText(encoding), threshold: 0.5 } } as ModelPackTag;
}

function failure(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected a failure');
}

describe('model tags with damaged or newer attributes', () => {
  it('reads a good encoding', () => {
    const good = JSON.stringify({ version: 1, features: [{ name: 'spend', column: 'spend', kind: 'numeric' }], columns: [{ name: 'spend', type: 'DOUBLE' }] });
    expect(loadTagModel(tag(good)).encoding.features[0]?.column).toBe('spend');
  });

  it('a damaged encoding is named, not a JSON parser message', () => {
    const err = failure(() => loadTagModel(tag('{version: 1,')));
    expect(err.code).toBe('BAD_INPUT');
    expect(err.message).toMatch(/feature encoding \(attribute assay_encoding\) is damaged: it is not valid JSON/);
  });

  it('a newer encoding says to update Assay', () => {
    const err = failure(() => loadTagModel(tag(JSON.stringify({ version: 99, features: [], columns: [] }))));
    expect(err.message).toMatch(/newer Assay/);
  });
});
