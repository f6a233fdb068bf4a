import { Table, makeVector, tableToIPC, type Int32, type Vector } from 'apache-arrow';
import type { DataSourceRef, TableInfo } from '../data/types';
import { vectorToFloat64 } from '../data/arrow-values';
import type { DataEngine } from '../data/engine';
import { describeRelation, resolveRelation } from '../data/relation';
import type { EngineHostOptions } from '../compute/host-options';
import { quoteIdent } from '../data/sql-text';
import { asTimestamp } from '../data/zoned-time';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { jobRegistrar, type JobContext, type JobHost } from '../protocol/host';
import { createRng } from '../gbdt/rng';
import { createWasmKmeansKernel, type KmeansData, type KmeansKernel } from './kernel';
import { runKmeans, sampleRows } from './kmeans';
import { clusterMetrics } from './metrics';
import { fitPca2d, project } from './pca';
import { applyPreprocessor, checkPreprocessor, fitPreprocessor, toOriginalUnits, type Preprocessor, type RawColumn } from './preprocess';
import type {
  ClusterAssignParams,
  ClusterExport,
  ClusterInputParams,
  ClusterProjection,
  ClusterResult,
  ClusterRunParams,
  ClusterSummary,
  ClusterSweepParams,
  ClusterSweepPoint,
  ClusterSweepResult,
  ClusterTagsParams,
  ClusterJobs,
} from './types';
import { pickKmeansKernel } from './webgpu-kmeans';
import { segmentTags, type Tag } from '../tags/tag';
import { isNumericTypeName, isTemporalTypeName } from '../data/type-names';

interface StoredCluster {
  summary: ClusterSummary;
  preprocessor: Preprocessor;
  centroids: Float64Array;
  sizes: number[];
}

type ColumnKind = 'numeric' | 'boolean' | 'temporal' | 'text' | 'unsupported';

interface ChosenColumn {
  name: string;
  type: string;
  kind: ColumnKind;
}

const ROW_COLUMN = '__assay_row';
const STAGING = '__assay_cluster_src';
const LABELS = '__assay_cluster_labels';
const MAX_SWEEP_SPAN = 50;
const SWEEP_MINI_BATCH_ROWS = 200_000;


function columnKind(type: string): ColumnKind {
  const t = type.toUpperCase();
  if (isNumericTypeName(t)) return 'numeric';
  if (t === 'BOOLEAN') return 'boolean';
  if (isTemporalTypeName(t)) return 'temporal';
  if (/^(VARCHAR|ENUM)/.test(t)) return 'text';
  return 'unsupported';
}


function vectorToStrings(vector: Vector | null, length: number): Array<string | null> {
  const out = new Array<string | null>(length).fill(null);
  if (!vector) return out;
  for (let i = 0; i < length; i++) {
    const v: unknown = vector.get(i);
    out[i] = v === null || v === undefined ? null : String(v);
  }
  return out;
}

/** Where the kernel's last update ran: only the WebGPU kernel can run it on the device. */
function updateRanOn(kernel: KmeansKernel): 'device' | 'cpu' {
  return 'lastUpdate' in kernel && kernel.lastUpdate === 'device' ? 'device' : 'cpu';
}

function yieldNow(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The prepared input of a run or sweep. */
interface Prepared {
  relation: string;
  /** True when rows were read from the staging table (ordered by row number). */
  staged: boolean;
  columns: ChosenColumn[];
  raw: RawColumn[];
  preprocessor: Preprocessor;
  data: KmeansData;
  warnings: string[];
}

/** Clustering: k-means runs and sweeps on tables or queries; results keep their scaler and centroids. */
export class ClusterService {
  private readonly results = new Map<string, StoredCluster>();
  private counter = 0;

  /** `gpu` is the host's navigator.gpu, when it has one (browser workers). */
  constructor(
    private readonly data: DataEngine,
    private readonly gpu?: unknown,
  ) {}

  private relation(source: DataSourceRef | undefined): Promise<string> {
    return resolveRelation(this.data, source, 'to cluster');
  }

  private describe(relation: string): Promise<Array<{ name: string; type: string }>> {
    return describeRelation(this.data, relation);
  }

  private chooseColumns(all: Array<{ name: string; type: string }>, params: ClusterInputParams): ChosenColumn[] {
    const requested = Array.isArray(params.features) && params.features.length > 0 ? params.features : null;
    if (requested) {
      const seen = new Set<string>();
      return requested.map((name) => {
        const c = all.find((col) => col.name === name) ?? all.find((col) => col.name.toLowerCase() === String(name).toLowerCase());
        if (!c) throw new EngineError('BAD_INPUT', `Feature "${name}" is not a column of the data (its columns: ${all.map((col) => col.name).join(', ')}).`);
        if (seen.has(c.name)) throw new EngineError('BAD_INPUT', `Feature "${c.name}" is listed twice.`);
        seen.add(c.name);
        const kind = columnKind(c.type);
        if (kind === 'unsupported') throw new EngineError('BAD_INPUT', `Feature "${c.name}" has type ${c.type}, which cannot be clustered on.`);
        return { ...c, kind };
      });
    }
    const numeric = all.map((c) => ({ ...c, kind: columnKind(c.type) })).filter((c) => (c.kind === 'numeric' || c.kind === 'boolean') && c.name !== ROW_COLUMN);
    if (numeric.length === 0) throw new EngineError('BAD_INPUT', `The data has no numeric column to cluster on (its columns: ${all.map((c) => `${c.name} ${c.type}`).join(', ')}). Name text features with features.`);
    return numeric;
  }

  private selectList(columns: ChosenColumn[]): string {
    return columns
      .map((c, i) => {
        const col = quoteIdent(c.name);
        if (c.kind === 'text') return `CAST(${col} AS VARCHAR) AS "f${i}"`;
        // asTimestamp: a TIMESTAMPTZ as its UTC wall clock on both drivers (no ICU, no session time zone).
        if (c.kind === 'temporal') return `CAST(epoch(${asTimestamp(c.type, col)}) / 86400.0 AS DOUBLE) AS "f${i}"`;
        return `CAST(${col} AS DOUBLE) AS "f${i}"`;
      })
      .join(', ');
  }

  private async readColumns(from: string, columns: ChosenColumn[], ordered: boolean, signal: AbortSignal): Promise<{ raw: RawColumn[]; n: number }> {
    const table = await this.data.driver.query(`SELECT ${this.selectList(columns)} FROM ${from}${ordered ? ` ORDER BY ${quoteIdent(ROW_COLUMN)}` : ''}`, signal);
    const n = table.numRows;
    const raw: RawColumn[] = columns.map((c, i) =>
      c.kind === 'text'
        ? { name: c.name, kind: 'text', values: vectorToStrings(table.getChild(`f${i}`), n) }
        : { name: c.name, kind: 'numeric', values: vectorToFloat64(table.getChild(`f${i}`), n) },
    );
    return { raw, n };
  }

  private async prepare(params: ClusterInputParams, stage: boolean, ctx: JobContext): Promise<Prepared> {
    const relation = await this.relation(params.source);
    ctx.progress(0.01, 'reading columns');
    const all = await this.describe(relation);
    const columns = this.chooseColumns(all, params);
    let from = relation;
    if (stage) {
      await this.data.driver.query(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(STAGING)} AS SELECT row_number() OVER () - 1 AS ${quoteIdent(ROW_COLUMN)}, * FROM ${relation}`, ctx.signal);
      from = quoteIdent(STAGING);
    }
    ctx.progress(0.03, 'reading rows');
    const { raw, n } = await this.readColumns(from, columns, stage, ctx.signal);
    if (n === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to cluster.');
    if (n === 1) throw new EngineError('BAD_INPUT', 'The data has a single row; clustering needs at least two rows.');
    throwIfAborted(ctx.signal);
    ctx.progress(0.06, 'preprocessing');
    const { preprocessor, warnings } = fitPreprocessor(raw, params.preprocessing);
    const x = applyPreprocessor(preprocessor, raw, n);
    const logged = preprocessor.columns.filter((t) => t.kind === 'numeric' && t.log1p).map((t) => t.column);
    if (logged.length > 0 && preprocessor.options.log1p === 'auto') warnings.push(`log1p applied to skewed column${logged.length === 1 ? '' : 's'}: ${logged.join(', ')}.`);
    return { relation, staged: stage, columns, raw, preprocessor, data: { x, n, d: preprocessor.features.length }, warnings };
  }

  private async dropStaging(): Promise<void> {
    await this.data.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(STAGING)}`).catch(() => undefined);
    await this.data.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(LABELS)}`).catch(() => undefined);
  }

  /** Writes the staged rows plus `segment` into `out`, in input order. */
  private async writeSegments(labels: Int32Array, out: string, sourceColumns: string[], warnings: string[], signal: AbortSignal): Promise<TableInfo> {
    const n = labels.length;
    const rowIds = new Int32Array(n);
    for (let i = 0; i < n; i++) rowIds[i] = i;
    await this.data.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(LABELS)}`);
    const arrow = new Table({ [ROW_COLUMN]: makeVector(rowIds), segment: makeVector(labels) } as Record<string, Vector<Int32>>);
    await this.data.driver.insertArrowIPC(LABELS, tableToIPC(arrow, 'stream'), true);
    const existing = await this.data.tableNames();
    const clash = existing.find((t) => t.toLowerCase() === out.toLowerCase());
    if (clash) await this.data.driver.query(`DROP TABLE ${quoteIdent(clash)}`);
    const excluded = [ROW_COLUMN];
    const old = sourceColumns.find((c) => c.toLowerCase() === 'segment');
    if (old) {
      excluded.push(old);
      warnings.push(`The input's own "${old}" column is replaced by the new segments in ${out}.`);
    }
    await this.data.driver.query(
      `CREATE TABLE ${quoteIdent(out)} AS SELECT s.* EXCLUDE (${excluded.map(quoteIdent).join(', ')}), p."segment" FROM ${quoteIdent(STAGING)} s JOIN ${quoteIdent(LABELS)} p USING (${quoteIdent(ROW_COLUMN)}) ORDER BY s.${quoteIdent(ROW_COLUMN)}`,
      signal,
    );
    return this.data.describe(out);
  }

  private stored(clusterId: string): StoredCluster {
    const s = this.results.get(clusterId);
    if (!s) throw new EngineError('NOT_FOUND', 'That clustering result is not loaded; run it again.');
    return s;
  }

  list(): ClusterSummary[] {
    return [...this.results.values()].map((s) => s.summary);
  }

  exportResult(clusterId: string): ClusterExport {
    const s = this.stored(clusterId);
    const d = s.preprocessor.features.length;
    const centroids = Array.from({ length: s.summary.k }, (_, c) => Array.from(s.centroids.subarray(c * d, c * d + d)));
    return { version: 1, name: s.summary.name, k: s.summary.k, preprocessor: s.preprocessor, centroids, sizes: s.sizes };
  }

  async run(params: ClusterRunParams, ctx: JobContext): Promise<ClusterResult> {
    const started = Date.now();
    const k = Number(params.k);
    if (!Number.isInteger(k) || k < 1) throw new EngineError('BAD_INPUT', `The number of segments k must be a whole number of at least 1 (got ${String(params.k)}).`);
    const out = typeof params.outputTable === 'string' ? params.outputTable.trim() : '';
    if (params.outputTable !== undefined && !out) throw new EngineError('BAD_INPUT', 'Name the table to write the segments into.');
    try {
      const prep = await this.prepare(params, out !== '', ctx);
      const { data, preprocessor, warnings } = prep;
      if (k > data.n) throw new EngineError('BAD_INPUT', `k = ${k} is more than the ${data.n.toLocaleString('en-US')} rows; each segment needs at least one row.`);
      const choice = await pickKmeansKernel(params.backend ?? 'auto', this.gpu);
      try {
        const nInit = params.nInit ?? (data.n <= 200_000 ? 3 : 1);
        const result = await runKmeans(choice.kernel, data, {
          k,
          nInit,
          maxIter: params.maxIter,
          tol: params.tol,
          seed: params.seed ?? 0,
          miniBatch: params.miniBatch ? (typeof params.miniBatch === 'object' ? params.miniBatch : {}) : null,
          signal: ctx.signal,
          onProgress: (f, phase) => ctx.progress(0.08 + 0.72 * f, phase),
        });
        const distinctCentroids = new Set<string>();
        for (let c = 0; c < k; c++) distinctCentroids.add(Array.from(result.centroids.subarray(c * data.d, (c + 1) * data.d)).join(','));
        if (distinctCentroids.size < k) warnings.push(`Only ${distinctCentroids.size} distinct centroids for k = ${k}: the data has fewer distinct points than segments.`);
        ctx.progress(0.82, 'quality metrics');
        await yieldNow();
        throwIfAborted(ctx.signal);
        const metrics = clusterMetrics(data, result.centroids, result.labels, k, { inertia: result.inertia, seed: params.seed ?? 0, silhouetteSample: params.silhouetteSample ?? 4000 });
        ctx.progress(0.88, '2D projection');
        await yieldNow();
        throwIfAborted(ctx.signal);
        const projection = this.projection(data, result.labels, result.centroids, k, params.projectionSample ?? 5000, params.seed ?? 0);
        let outputTable: TableInfo | undefined;
        if (out) {
          ctx.progress(0.92, `writing ${out}`);
          outputTable = await this.writeSegments(result.labels, out, (await this.describe(prep.relation)).map((c) => c.name), warnings, ctx.signal);
        }
        const clusterId = `cluster_${++this.counter}`;
        const summary: ClusterSummary = {
          clusterId,
          name: params.name?.trim() || `k-means k=${k} (${clusterId})`,
          k,
          rows: data.n,
          features: preprocessor.features,
          columns: prep.columns.map((c) => c.name),
          inertia: result.inertia,
          createdAt: new Date().toISOString(),
          ...(out ? { outputTable: outputTable?.name ?? out } : {}),
        };
        this.results.set(clusterId, { summary, preprocessor, centroids: result.centroids, sizes: result.sizes });
        const d = data.d;
        const segments = result.sizes.map((size, c) => ({
          segment: c,
          size,
          share: size / data.n,
          centroid: Array.from(result.centroids.subarray(c * d, c * d + d)),
          centroidOriginal: toOriginalUnits(preprocessor, result.centroids, c * d),
        }));
        ctx.progress(1, 'done');
        return {
          cluster: summary,
          segments,
          metrics,
          iterations: result.iterations,
          converged: result.converged,
          restarts: result.restarts,
          shifts: result.shifts,
          preprocessor,
          projection,
          backend: { name: choice.backend, reason: choice.reason, update: updateRanOn(choice.kernel) },
          ...(outputTable ? { outputTable } : {}),
          warnings,
          elapsedMs: Date.now() - started,
        };
      } finally {
        choice.kernel.dispose();
      }
    } finally {
      if (out) await this.dropStaging();
    }
  }

  private projection(data: KmeansData, labels: Int32Array, centroids: Float64Array, k: number, sample: number, seed: number): ClusterProjection {
    const pca = fitPca2d(data, 20_000, seed);
    const rows = sampleRows(data.n, Math.max(0, Math.floor(sample)), createRng(seed + 1));
    const xs: number[] = [];
    const ys: number[] = [];
    const segs: number[] = [];
    for (const r of rows) {
      const [a, b] = project(pca, data.x, r * data.d);
      xs.push(a);
      ys.push(b);
      segs.push(labels[r] as number);
    }
    const cs: Array<[number, number]> = [];
    for (let c = 0; c < k; c++) cs.push(project(pca, centroids, c * data.d));
    return { explained: pca.explained, fitRows: pca.sampleRows, rows: Array.from(rows), x: xs, y: ys, segment: segs, centroids: cs };
  }

  async sweep(params: ClusterSweepParams, ctx: JobContext): Promise<ClusterSweepResult> {
    const started = Date.now();
    const kFrom = Number(params.kFrom ?? 2);
    const kTo = Number(params.kTo ?? 12);
    if (!Number.isInteger(kFrom) || !Number.isInteger(kTo) || kFrom < 1 || kTo < kFrom) throw new EngineError('BAD_INPUT', `The k range must be whole numbers with 1 <= from <= to (got ${String(params.kFrom)}..${String(params.kTo)}).`);
    if (kTo - kFrom + 1 > MAX_SWEEP_SPAN) throw new EngineError('BAD_INPUT', `A sweep covers at most ${MAX_SWEEP_SPAN} values of k.`);
    const prep = await this.prepare(params, false, ctx);
    const { data, preprocessor, warnings } = prep;
    if (kTo > data.n) throw new EngineError('BAD_INPUT', `k = ${kTo} is more than the ${data.n.toLocaleString('en-US')} rows; each segment needs at least one row.`);
    // Above 200,000 rows the sweep defaults to mini-batch: eleven full Lloyd runs on millions of rows take minutes.
    const miniBatch = params.miniBatch ?? data.n > SWEEP_MINI_BATCH_ROWS;
    if (miniBatch && params.miniBatch === undefined) warnings.push(`With ${data.n.toLocaleString('en-US')} rows the sweep uses mini-batch k-means (1024 rows per step); run a single k for the full Lloyd result.`);
    const choice = await pickKmeansKernel(params.backend ?? 'auto', this.gpu);
    const points: ClusterSweepPoint[] = [];
    const silhouetteSample = params.silhouetteSample ?? 3000;
    try {
      const span = kTo - kFrom + 1;
      for (let k = kFrom; k <= kTo; k++) {
        const kStarted = Date.now();
        const base = 0.08 + (0.92 * (k - kFrom)) / span;
        const result = await runKmeans(choice.kernel, data, {
          k,
          nInit: params.nInit ?? 1,
          maxIter: params.maxIter,
          tol: params.tol,
          seed: params.seed ?? 0,
          miniBatch: miniBatch ? (typeof miniBatch === 'object' ? miniBatch : {}) : null,
          signal: ctx.signal,
          onProgress: (f, phase) => ctx.progress(base + (0.85 * f * 0.92) / span, `k = ${k}: ${phase}`),
        });
        ctx.progress(base + (0.85 * 0.92) / span, `k = ${k}: quality metrics`);
        await yieldNow();
        throwIfAborted(ctx.signal);
        const m = clusterMetrics(data, result.centroids, result.labels, k, { inertia: result.inertia, seed: params.seed ?? 0, silhouetteSample });
        points.push({
          k,
          inertia: result.inertia,
          silhouette: m.silhouette,
          daviesBouldin: m.daviesBouldin,
          calinskiHarabasz: m.calinskiHarabasz,
          iterations: result.iterations,
          converged: result.converged,
          sizes: result.sizes,
          elapsedMs: Date.now() - kStarted,
        });
      }
    } finally {
      choice.kernel.dispose();
    }
    let bestSilhouetteK: number | null = null;
    let best = Number.NEGATIVE_INFINITY;
    for (const p of points) {
      if (p.silhouette !== null && p.silhouette > best) {
        best = p.silhouette;
        bestSilhouetteK = p.k;
      }
    }
    ctx.progress(1, 'done');
    return {
      rows: data.n,
      features: preprocessor.features,
      points,
      miniBatch: miniBatch !== false,
      bestSilhouetteK,
      silhouetteRows: Math.min(data.n, silhouetteSample),
      preprocessor,
      backend: { name: choice.backend, reason: choice.reason },
      warnings,
      elapsedMs: Date.now() - started,
    };
  }

  /** Assigns new rows to a stored result's centroids through its stored preprocessing. */
  async assign(params: ClusterAssignParams, ctx: JobContext): Promise<TableInfo> {
    const stored = this.stored(params.clusterId);
    const out = typeof params.outputTable === 'string' ? params.outputTable.trim() : '';
    if (!out) throw new EngineError('BAD_INPUT', 'Name the table to write the segments into.');
    const relation = await this.relation(params.source);
    const all = await this.describe(relation);
    try {
      const labels = await this.assignStaged(relation, all, stored.preprocessor, stored.centroids, stored.summary.k, ctx);
      ctx.progress(0.8, `writing ${out}`);
      const info = await this.writeSegments(labels, out, all.map((c) => c.name), [], ctx.signal);
      ctx.progress(1, 'done');
      return info;
    } finally {
      await this.dropStaging();
    }
  }

  /**
   * The segment of every row of a relation (in input order) under a fitted preprocessing and
   * centroids: what cluster.assign writes, and what segment tags evaluate to.
   */
  async assignRows(relation: string, segmentation: SegmentationModel, ctx: Pick<JobContext, 'signal' | 'progress'>): Promise<Int32Array> {
    const d = segmentation.preprocessor.features.length;
    if (segmentation.centroids.length !== segmentation.k || segmentation.centroids.some((c) => c.length !== d)) {
      throw new EngineError('BAD_INPUT', `The segmentation needs ${segmentation.k} centroids of ${d} values each.`);
    }
    const centroids = Float64Array.from(segmentation.centroids.flat());
    try {
      return await this.assignStaged(relation, await this.describe(relation), segmentation.preprocessor, centroids, segmentation.k, ctx);
    } finally {
      await this.dropStaging();
    }
  }

  /** Stages the relation with row numbers and assigns each row to its nearest centroid. */
  private async assignStaged(
    relation: string,
    all: Array<{ name: string; type: string }>,
    preprocessor: Preprocessor,
    centroids: Float64Array,
    k: number,
    ctx: Pick<JobContext, 'signal' | 'progress'>,
  ): Promise<Int32Array> {
    const pre = checkPreprocessor(preprocessor);
    const columns: ChosenColumn[] = pre.columns.map((t) => {
      const c = all.find((col) => col.name === t.column);
      if (!c) throw new EngineError('BAD_INPUT', `The data has no column "${t.column}", which these segments need.`);
      const kind = columnKind(c.type);
      return { ...c, kind: t.kind === 'onehot' ? 'text' : kind === 'temporal' ? 'temporal' : 'numeric' };
    });
    ctx.progress(0.05, 'reading rows');
    await this.data.driver.query(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(STAGING)} AS SELECT row_number() OVER () - 1 AS ${quoteIdent(ROW_COLUMN)}, * FROM ${relation}`, ctx.signal);
    const { raw, n } = await this.readColumns(quoteIdent(STAGING), columns, true, ctx.signal);
    if (n === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to assign.');
    const x = applyPreprocessor(pre, raw, n);
    const data: KmeansData = { x, n, d: pre.features.length };
    ctx.progress(0.4, `assigning ${n.toLocaleString('en-US')} rows`);
    const kernel = createWasmKmeansKernel();
    const labels = new Int32Array(n);
    try {
      await kernel.assign(data, centroids, k, labels);
    } finally {
      kernel.dispose();
    }
    throwIfAborted(ctx.signal);
    return labels;
  }
}

/** A fitted preprocessing and its centroids (a ClusterExport, or the segmentation a segment tag carries). */
export type SegmentationModel = Pick<ClusterExport, 'preprocessor' | 'centroids' | 'k'>;

/** The segment of every row of a relation, by the cluster engine's own preprocessing and assignment code. */
export function assignSegmentation(engine: DataEngine, relation: string, segmentation: SegmentationModel, ctx: Pick<JobContext, 'signal' | 'progress'>): Promise<Int32Array> {
  return new ClusterService(engine).assignRows(relation, segmentation, ctx);
}

/** cluster.tags: segment tags from a loaded result or from a segmentation given as data. */
export function clusterTags(service: ClusterService, params: ClusterTagsParams): Tag[] {
  if ((params.clusterId === undefined) === (params.segmentation === undefined)) throw new EngineError('BAD_INPUT', 'Give either a clusterId or a segmentation to make segment tags from.');
  const segmentation = params.clusterId !== undefined ? service.exportResult(params.clusterId) : params.segmentation;
  if (params.names !== undefined && (typeof params.names !== 'object' || params.names === null)) throw new EngineError('BAD_INPUT', 'names must map segment numbers to names.');
  return segmentTags(segmentation, { names: params.names, group: params.group, ref: params.ref });
}

/** Registers this area's jobs on the engine host. */
export function registerClusterJobs(host: JobHost, engine: DataEngine, options: EngineHostOptions): void {
  const on = jobRegistrar<ClusterJobs>(host);
  const service = new ClusterService(engine, options.gpu);
  on('cluster.run', (p, ctx) => service.run(p, ctx));
  on('cluster.sweep', (p, ctx) => service.sweep(p, ctx));
  on('cluster.assign', (p, ctx) => service.assign(p, ctx));
  on('cluster.export', async (p) => service.exportResult(p.clusterId));
  on('cluster.list', async () => service.list());
  on('cluster.tags', async (p) => clusterTags(service, p));
}
