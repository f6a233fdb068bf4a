/**
 * A built feature table as the Segments view hands it on: its entity key, and when it was built
 * with a label window (workers/segments/label-window.ts) its label columns, so it opens in the
 * Models view as a propensity dataset (target `label`, split by entity). Pure, unit-tested.
 */
import { PROPENSITY_LABELS, type FeatureBuildResult } from '../../../workers/api';

/** What the Models view is asked to open: a table, and optionally its target and entity key. */
export interface OpenInModels {
  table: string;
  target?: string;
  /** The entity key: the Models view splits by it (every entity wholly in training or validation). */
  keyColumn?: string;
}

export interface BuiltDataset {
  name: string;
  /** The first column: the entity key (one row per value). */
  key: string | undefined;
  /** The label columns the engine adds (`label`, `label_spend`); empty without a label window. */
  labels: string[];
}

export function builtDatasetOf(result: Pick<FeatureBuildResult, 'name' | 'columns'>): BuiltDataset {
  const names = result.columns.map((c) => c.name);
  const labelled = names.includes('label');
  return { name: result.name, key: names[0], labels: labelled ? PROPENSITY_LABELS.filter((n) => names.includes(n)) : [] };
}

/** The Models view request for a built table: a labelled one trains on `label`, split by its entity key. */
export function openInModelsRequest(dataset: BuiltDataset): OpenInModels {
  const request: OpenInModels = { table: dataset.name };
  if (dataset.labels.includes('label')) request.target = 'label';
  if (dataset.key !== undefined) request.keyColumn = dataset.key;
  return request;
}

/** The status line after a build: what was built, and where it goes next. */
export function builtStatusText(result: Pick<FeatureBuildResult, 'name' | 'warnings'>, dataset: BuiltDataset, figures: string): string {
  const extra = result.warnings.length > 0 ? ` ${result.warnings.join(' ')}` : '';
  if (dataset.labels.length === 0) return `Built ${result.name}: ${figures}. It is now the table to cluster.${extra}`;
  const spend = dataset.labels.includes('label_spend') ? ' (label_spend, its value, is left out of the features when label is the target)' : '';
  return `Built ${result.name}: ${figures}, a propensity dataset with the target label${spend}. Train a model on it in the Models view; it is also the table to cluster, without the label.${extra}`;
}
