import { EngineError } from '../protocol/errors';
import { ROOT_PARENT, type BoostedModel, type Tree } from './model';
import type { Objective } from './params';

/**
 * XGBoost's JSON model format (schema of 1.7+). Floats are written with a decimal point or an
 * exponent: XGBoost's reader rejects `3` where it expects a float.
 */

/** A JSON number literal XGBoost reads as a float (always with '.' or 'e'). */
function floatLiteral(x: number): string {
  if (!Number.isFinite(x)) throw new EngineError('INTERNAL', `Cannot write ${x} into an XGBoost model.`);
  const s = String(Math.fround(x));
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** Float32 text of a number in XGBoost's style (e.g. 5E-1). */
function scoreText(x: number): string {
  return Math.fround(x).toExponential(8).replace(/\.?0+e/, 'E').replace('e', 'E').replace('E+', 'E');
}

const FLOAT_MARK = '@@F@@';

/** Serialises a model as XGBoost JSON text that `xgboost.Booster(model_file=...)` loads. */
export function toXgboostJson(model: BoostedModel, extraAttributes: Record<string, string> = {}): string {
  const floats = (a: ArrayLike<number>): string[] => Array.from(a, (v) => `${FLOAT_MARK}${floatLiteral(v)}${FLOAT_MARK}`);
  const trees = model.trees.map((t, id) => ({
    base_weights: floats(t.baseWeight),
    categories: [],
    categories_nodes: [],
    categories_segments: [],
    categories_sizes: [],
    default_left: Array.from(t.defaultLeft),
    id,
    left_children: Array.from(t.left),
    loss_changes: floats(t.lossChange),
    parents: Array.from(t.parent),
    right_children: Array.from(t.right),
    split_conditions: floats(t.threshold),
    split_indices: Array.from(t.feature),
    split_type: Array.from(t.left, () => 0),
    sum_hessian: floats(t.sumHessian),
    tree_param: { num_deleted: '0', num_feature: String(model.numFeature), num_nodes: String(t.left.length), size_leaf_vector: '0' },
  }));
  const objective: Record<string, unknown> = { name: model.objective };
  if (model.objective === 'binary:logistic') objective.reg_loss_param = { scale_pos_weight: '1' };
  else if (model.objective === 'reg:squarederror') objective.reg_loss_param = { scale_pos_weight: '1' };
  else objective.softmax_multiclass_param = { num_class: String(model.numClass) };
  const doc = {
    learner: {
      attributes: {
        ...extraAttributes,
        ...(model.bestIteration === null ? {} : { best_iteration: String(model.bestIteration), best_ntree_limit: String(model.trees.length) }),
      },
      feature_names: model.featureNames,
      feature_types: model.featureNames.map(() => 'float'),
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: '1', num_trees: String(model.trees.length), size_leaf_vector: '0' },
          tree_info: model.treeInfo,
          trees,
        },
        name: 'gbtree',
      },
      learner_model_param: {
        base_score: scoreText(model.baseScore),
        boost_from_average: '1',
        num_class: String(model.numClass),
        num_feature: String(model.numFeature),
        num_target: '1',
      },
      objective,
    },
    version: [1, 7, 4],
  };
  return JSON.stringify(doc).replace(new RegExp(`"${FLOAT_MARK}(.*?)${FLOAT_MARK}"`, 'g'), '$1');
}

function bad(message: string): EngineError {
  return new EngineError('BAD_INPUT', `Not a readable XGBoost model: ${message}`);
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(`${what} is missing or not an object.`);
  return v as Record<string, unknown>;
}

function numbers(v: unknown, what: string, length?: number): number[] {
  if (!Array.isArray(v)) throw bad(`${what} is not a list.`);
  const out = v.map((x) => (typeof x === 'boolean' ? (x ? 1 : 0) : Number(x)));
  if (out.some((x) => Number.isNaN(x))) throw bad(`${what} holds a non-number.`);
  if (length !== undefined && out.length !== length) throw bad(`${what} has ${out.length} entries, expected ${length}.`);
  return out;
}

/** base_score is a string: "5E-1" (1.x/2.x) or "[5E-1]" (3.x). */
export function parseBaseScore(text: unknown): number {
  const s = String(text ?? '0.5').trim().replace(/^\[/, '').replace(/\]$/, '').split(',')[0] ?? '0.5';
  const v = Number(s);
  if (!Number.isFinite(v)) throw bad(`base_score "${String(text)}" is not a number.`);
  return v;
}

/**
 * What another Assay file given as a model is, in words (a rule pack, tag set or labeler opened
 * as a model would otherwise fail as "learner is missing"); undefined for anything else.
 */
export function otherAssayFile(doc: unknown): string | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || 'learner' in doc) return undefined;
  const { schema, kind } = doc as { schema?: unknown; kind?: unknown };
  if (typeof schema === 'string' && schema.startsWith('assay.rulepack/')) return 'This is an Assay rule pack, not a model: apply it with assay pack apply (or the Packs view).';
  if (typeof schema === 'string' && schema.startsWith('assay.tagset/')) return 'This is an Assay tag set, not a model: measure it with assay tags eval, or build a rule pack from it with assay pack build.';
  if (kind === 'assay-labeler') return 'This is an Assay labeler, not a model: use it with assay labels apply (or the Labels view).';
  if (typeof schema === 'string' && schema.startsWith('assay.')) return `This is an Assay file of another kind (${schema}), not a model.`;
  return undefined;
}

/** Reads an XGBoost JSON model (1.7 and 2.x/3.x forms) into Assay's model. */
export function fromXgboostJson(text: string): BoostedModel {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw bad(`invalid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
  const other = otherAssayFile(doc);
  if (other) throw new EngineError('BAD_INPUT', other);
  const learner = asObject(asObject(doc, 'the document').learner, 'learner');
  const booster = asObject(learner.gradient_booster, 'learner.gradient_booster');
  if (booster.name !== 'gbtree') throw bad(`booster "${String(booster.name)}" is not supported (only gbtree).`);
  const gbModel = asObject(booster.model, 'gradient_booster.model');
  const lmp = asObject(learner.learner_model_param, 'learner_model_param');
  const objectiveName = String(asObject(learner.objective, 'objective').name);
  const known: Objective[] = ['binary:logistic', 'reg:squarederror', 'multi:softprob'];
  let objective: Objective;
  if (known.includes(objectiveName as Objective)) objective = objectiveName as Objective;
  else if (objectiveName === 'multi:softmax') objective = 'multi:softprob';
  else if (objectiveName === 'reg:linear') objective = 'reg:squarederror';
  else if (objectiveName === 'binary:logitraw') throw bad('objective binary:logitraw is not supported.');
  else throw bad(`objective "${objectiveName}" is not supported.`);
  const numFeature = Number(lmp.num_feature);
  const numClass = Number(lmp.num_class ?? 0);
  if (!Number.isInteger(numFeature) || numFeature < 0) throw bad('num_feature is not a whole number.');
  const rawTrees = gbModel.trees;
  if (!Array.isArray(rawTrees)) throw bad('trees is not a list.');
  const trees: Tree[] = rawTrees.map((raw, i) => {
    const t = asObject(raw, `tree ${i}`);
    const left = numbers(t.left_children, `tree ${i} left_children`);
    const n = left.length;
    if (Array.isArray(t.split_type) && (t.split_type as unknown[]).some((x) => Number(x) !== 0)) {
      throw bad(`tree ${i} has categorical splits, which Assay does not read yet.`);
    }
    const tree: Tree = {
      left: Int32Array.from(left),
      right: Int32Array.from(numbers(t.right_children, `tree ${i} right_children`, n)),
      parent: Int32Array.from(Array.isArray(t.parents) ? numbers(t.parents, `tree ${i} parents`, n) : left.map((_, k) => (k === 0 ? ROOT_PARENT : 0))),
      feature: Int32Array.from(numbers(t.split_indices, `tree ${i} split_indices`, n)),
      threshold: Float32Array.from(numbers(t.split_conditions, `tree ${i} split_conditions`, n)),
      defaultLeft: Uint8Array.from(numbers(t.default_left, `tree ${i} default_left`, n)),
      lossChange: Float32Array.from(Array.isArray(t.loss_changes) ? numbers(t.loss_changes, 'loss_changes', n) : new Array<number>(n).fill(0)),
      sumHessian: Float32Array.from(Array.isArray(t.sum_hessian) ? numbers(t.sum_hessian, 'sum_hessian', n) : new Array<number>(n).fill(0)),
      baseWeight: Float32Array.from(Array.isArray(t.base_weights) ? numbers(t.base_weights, 'base_weights', n) : new Array<number>(n).fill(0)),
    };
    for (let k = 0; k < n; k++) {
      const l = tree.left[k] as number;
      const r = tree.right[k] as number;
      if (l !== -1 && (l <= k || l >= n || r <= k || r >= n)) throw bad(`tree ${i} node ${k} has children out of range.`);
      if (l !== -1 && ((tree.feature[k] as number) < 0 || (tree.feature[k] as number) >= Math.max(1, numFeature))) {
        throw bad(`tree ${i} node ${k} splits on feature ${tree.feature[k]}, but the model has ${numFeature}.`);
      }
    }
    return tree;
  });
  const treeInfo = numbers(gbModel.tree_info, 'tree_info', trees.length);
  const names = Array.isArray(learner.feature_names) && learner.feature_names.length === numFeature ? (learner.feature_names as unknown[]).map(String) : Array.from({ length: numFeature }, (_, i) => `f${i}`);
  const attributes = (learner.attributes ?? {}) as Record<string, unknown>;
  const best = attributes.best_iteration === undefined ? null : Number(attributes.best_iteration);
  return {
    objective,
    numClass: objective === 'multi:softprob' ? numClass : 0,
    baseScore: parseBaseScore(lmp.base_score),
    numFeature,
    featureNames: names,
    trees,
    treeInfo,
    bestIteration: best !== null && Number.isFinite(best) ? best : null,
  };
}

/** The string attributes stored in a model (XGBoost keeps arbitrary key/value strings there). */
export function readAttributes(text: string): Record<string, string> {
  try {
    const doc = JSON.parse(text) as { learner?: { attributes?: Record<string, unknown> } };
    const attrs = doc.learner?.attributes ?? {};
    return Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, String(v)]));
  } catch {
    return {};
  }
}
