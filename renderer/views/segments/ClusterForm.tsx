import { useMemo, type JSX } from 'react';
import type { ColumnInfo, TableInfo } from '../../../workers/api';

import type { TrackedJob } from '../../use-engine-job';
import { clusterableColumns, defaultClusterFeatures, tableNameFrom } from './segment-data';
import { TableSelect } from './SegmentFields';
import { SegmentsJobLine, type SegmentsJob } from './SegmentsJobLine';
import type { ClusterFormState } from './types';

const BACKEND_HINTS: Record<ClusterFormState['backend'], string> = {
  auto: 'auto: WebGPU on a real GPU adapter, otherwise the CPU (WebAssembly) kernel',
  webgpu: 'WebGPU: assignment and update kernels in WGSL (any adapter, software ones too)',
  cpu: 'CPU: the WebAssembly kernel',
};

export interface ClusterFormProps {
  tables: TableInfo[];
  cluster: ClusterFormState;
  /** The columns of the table to cluster. */
  clusterColumns: readonly ColumnInfo[];
  /** The key column of the feature table just built, when that is the table to cluster (left out of the default features). */
  builtKey: string | undefined;
  setCluster(change: Partial<ClusterFormState>): void;
  onChooseTable(table: string): void;
  busy: boolean;
  /** Why k-means cannot run now (null: it can). */
  clusterWhy: string | null;
  job: TrackedJob<SegmentsJob> | null;
  onRun(): void;
  onSweep(): void;
}

/** Step 2: the k-means form (table, features, scaling, seed, backend, k, output table) with Run and Sweep. */
export function ClusterForm(props: ClusterFormProps): JSX.Element {
  const { tables, cluster, clusterColumns, builtKey, setCluster, onChooseTable, busy, clusterWhy, job, onRun, onSweep } = props;
  const candidates = useMemo(() => clusterableColumns(clusterColumns), [clusterColumns]);
  const ticked = useMemo(() => new Set(cluster.features ?? candidates.map((c) => c.name)), [cluster.features, candidates]);
  const toggleFeature = (name: string): void => {
    const next = new Set(ticked);
    if (next.has(name)) next.delete(name);
    else next.add(name);
    setCluster({ features: candidates.map((c) => c.name).filter((c) => next.has(c)) });
  };
  return (
    <fieldset className="form-group" data-testid="cluster-form">
      <legend>k-means</legend>
      <TableSelect label="Table" value={cluster.table} tables={tables} onChange={onChooseTable} testId="cluster-table" />
      <div className="seg-features-head">
        <span className="small">
          Features: {cluster.features === null ? `every numeric column (${candidates.length})` : `${cluster.features.length} of ${candidates.length} numeric`}
        </span>
        <span className="models-feature-actions">
          <button type="button" className="btn btn-small" onClick={() => setCluster({ features: defaultClusterFeatures(clusterColumns, builtKey) })} title="Numeric columns except keys and ids">
            Default
          </button>
          <button type="button" className="btn btn-small" onClick={() => setCluster({ features: null })} data-testid="cluster-all-numeric" title="Every numeric and boolean column, ids included">
            All numeric
          </button>
          <button type="button" className="btn btn-small" onClick={() => setCluster({ features: [] })}>
            None
          </button>
        </span>
      </div>
      <ul className="models-features" data-testid="cluster-features">
        {candidates.length === 0 && <li className="muted small">No numeric columns.</li>}
        {candidates.map((c) => (
          <li key={c.name}>
            <label>
              <input type="checkbox" checked={ticked.has(c.name)} onChange={() => toggleFeature(c.name)} /> <span className="models-feature-name">{c.name}</span>
              <span className="type-badge">{c.type}</span>
            </label>
          </li>
        ))}
      </ul>
      <div className="seg-grid">
        <label className="seg-field">
          <span>Scaling</span>
          <select value={cluster.scaling} onChange={(event) => setCluster({ scaling: event.target.value as ClusterFormState['scaling'] })} data-testid="cluster-scaling">
            <option value="standard">standardise (mean, std)</option>
            <option value="robust">robust (median, IQR)</option>
            <option value="none">none</option>
          </select>
        </label>
        <label className="seg-field">
          <span>log1p</span>
          <select value={cluster.log1p} onChange={(event) => setCluster({ log1p: event.target.value as ClusterFormState['log1p'] })} data-testid="cluster-log1p">
            <option value="auto">skewed columns (auto)</option>
            <option value="none">none</option>
          </select>
        </label>
        <label className="seg-field">
          <span>Missing values</span>
          <select value={cluster.impute} onChange={(event) => setCluster({ impute: event.target.value as ClusterFormState['impute'] })} data-testid="cluster-impute">
            <option value="median">median</option>
            <option value="mean">mean</option>
            <option value="none">none (an error)</option>
          </select>
        </label>
        <label className="seg-field">
          <span>Seed</span>
          <input type="text" inputMode="numeric" value={cluster.seed} onChange={(event) => setCluster({ seed: event.target.value })} data-testid="cluster-seed" />
        </label>
      </div>
      <label className="seg-field">
        <span>Backend</span>
        <select value={cluster.backend} onChange={(event) => setCluster({ backend: event.target.value as ClusterFormState['backend'] })} data-testid="cluster-backend">
          <option value="auto">auto</option>
          <option value="webgpu">WebGPU</option>
          <option value="cpu">CPU (WebAssembly)</option>
        </select>
      </label>
      <small className="muted">{BACKEND_HINTS[cluster.backend]}. Results show the backend used.</small>
      <div className="seg-run-row">
        <label className="seg-field seg-narrow">
          <span>k</span>
          <input type="text" inputMode="numeric" size={3} value={cluster.k} onChange={(event) => setCluster({ k: event.target.value })} data-testid="cluster-k" />
        </label>
        <label className="seg-field">
          <span>Output table</span>
          <input type="text" value={cluster.outputTable} placeholder={tableNameFrom(cluster.table || 'table', 'segments')} onChange={(event) => setCluster({ outputTable: event.target.value })} data-testid="cluster-output" />
        </label>
      </div>
      <button type="button" className="btn btn-primary" onClick={onRun} disabled={clusterWhy !== null} data-testid="cluster-run">
        ▶ Run k-means
      </button>
      {clusterWhy && !job && (
        <span className="small seg-why" data-testid="cluster-run-why">
          {clusterWhy}
        </span>
      )}
      <div className="seg-run-row">
        <label className="seg-field seg-narrow">
          <span>k from</span>
          <input type="text" inputMode="numeric" size={3} value={cluster.kFrom} onChange={(event) => setCluster({ kFrom: event.target.value })} data-testid="cluster-k-from" />
        </label>
        <label className="seg-field seg-narrow">
          <span>to</span>
          <input type="text" inputMode="numeric" size={3} value={cluster.kTo} onChange={(event) => setCluster({ kTo: event.target.value })} data-testid="cluster-k-to" />
        </label>
        <button type="button" className="btn" onClick={onSweep} disabled={busy || !cluster.table} data-testid="cluster-sweep">
          Sweep k
        </button>
      </div>
      <SegmentsJobLine job={job} which={['run', 'sweep', 'portrait']} />
    </fieldset>
  );
}
