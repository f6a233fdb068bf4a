/** Job kinds of the clustering area, with their parameters and results (re-exported by workers/api). */
import type { DataSourceRef, TableInfo } from '../data/types';
import type { ClusterMetrics } from './metrics';
import type { PreprocessOptions, Preprocessor } from './preprocess';
import type { Tag } from '../tags/tag';

export type { ClusterMetrics } from './metrics';
export type { ColumnTransform, NumericTransform, OneHotTransform, PreprocessOptions, Preprocessor, Scaling } from './preprocess';

export type ClusterBackend = 'auto' | 'webgpu' | 'cpu';

/** What to cluster and how to prepare it (shared by run and sweep). */
export interface ClusterInputParams {
  source: DataSourceRef;
  /** Feature columns (numeric, boolean, date or low-cardinality text). */
  features?: string[];
  /** Every numeric (and boolean) column; the default when `features` is absent. */
  allNumeric?: boolean;
  preprocessing?: PreprocessOptions;
  /** k-means++ restarts per k; the lowest inertia is kept (default: run 3 up to 200,000 rows else 1; sweep 1). */
  nInit?: number;
  /** Lloyd iterations (default 300), or passes over the data for mini-batch. */
  maxIter?: number;
  /** Relative tolerance, as scikit-learn (default 1e-4). */
  tol?: number;
  seed?: number;
  /** Mini-batch k-means (true: 1024 rows per step). Sweeps default to it above 200,000 rows. */
  miniBatch?: boolean | { batchSize?: number };
  backend?: ClusterBackend;
  /** Silhouette is exact up to this many rows, on a seeded sample above (default 4000 for run, 3000 for sweep). */
  silhouetteSample?: number;
}

export interface ClusterRunParams extends ClusterInputParams {
  k: number;
  /** Writes the source columns plus `segment` (input order kept) into this table. */
  outputTable?: string;
  /** Rows of the 2D projection returned for display (default 5000, seeded). */
  projectionSample?: number;
  name?: string;
}

export interface ClusterSegmentInfo {
  segment: number;
  size: number;
  share: number;
  /** Centroid in the scaled space (one value per feature). */
  centroid: number[];
  /** Centroid in original units: numeric columns by value, one-hot levels as shares. */
  centroidOriginal: Record<string, number>;
}

export interface ClusterProjection {
  explained: [number, number];
  /** Rows the PCA was fitted on. */
  fitRows: number;
  /** Displayed rows: input row index, coordinates, segment. */
  rows: number[];
  x: number[];
  y: number[];
  segment: number[];
  /** Centroids projected, one [x, y] per segment. */
  centroids: Array<[number, number]>;
}

export interface ClusterSummary {
  clusterId: string;
  name: string;
  k: number;
  rows: number;
  /** Output features (one-hot levels as column=level). */
  features: string[];
  /** Source columns. */
  columns: string[];
  inertia: number;
  createdAt: string;
  outputTable?: string;
}

export interface ClusterResult {
  cluster: ClusterSummary;
  segments: ClusterSegmentInfo[];
  metrics: ClusterMetrics;
  iterations: number;
  converged: boolean;
  /** Inertia of each restart (the kept one is the lowest). */
  restarts: Array<{ inertia: number; iterations: number; converged: boolean }>;
  /** Total squared centroid shift per iteration of the kept run. */
  shifts: number[];
  preprocessor: Preprocessor;
  projection: ClusterProjection;
  /** `update`: where the centroid update of the last Lloyd iteration ran (the device's sums equal the CPU's: exact-sums.ts). */
  backend: { name: 'cpu' | 'webgpu'; reason: string; update?: 'device' | 'cpu' };
  outputTable?: TableInfo;
  warnings: string[];
  elapsedMs: number;
}

export interface ClusterSweepParams extends ClusterInputParams {
  /** First and last k (default 2 and 12). */
  kFrom?: number;
  kTo?: number;
}

export interface ClusterSweepPoint {
  k: number;
  inertia: number;
  silhouette: number | null;
  daviesBouldin: number | null;
  calinskiHarabasz: number | null;
  iterations: number;
  converged: boolean;
  sizes: number[];
  elapsedMs: number;
}

export interface ClusterSweepResult {
  rows: number;
  features: string[];
  points: ClusterSweepPoint[];
  /** Mini-batch k-means was used (the default above 200,000 rows). */
  miniBatch: boolean;
  /** The k with the highest silhouette (null when none is defined). */
  bestSilhouetteK: number | null;
  silhouetteRows: number;
  preprocessor: Preprocessor;
  backend: { name: 'cpu' | 'webgpu'; reason: string };
  warnings: string[];
  elapsedMs: number;
}

export interface ClusterAssignParams {
  clusterId: string;
  source: DataSourceRef;
  outputTable: string;
}

/** A result's scaler and centroids, enough to assign new rows elsewhere (segment tags). */
export interface ClusterExport {
  version: 1;
  name: string;
  k: number;
  preprocessor: Preprocessor;
  /** k rows in the scaled space. */
  centroids: number[][];
  sizes: number[];
}

/** Segment tags from a clustering result: one tag per segment, each embedding the scaler and centroids. */
export interface ClusterTagsParams {
  /** A result loaded in the engine (cluster.run) ... */
  clusterId?: string;
  /** ... or a segmentation kept elsewhere (a ClusterExport, e.g. from the workspace). */
  segmentation?: ClusterExport;
  /** Tag name per segment number (the portrait's suggested or edited names); "Segment i" when absent. */
  names?: Record<number, string>;
  /** Taxonomy group of the tags (default "behaviour"). */
  group?: string;
  /** Stands for the segmentation in the tags' segmentRef and ids (default: its name). */
  ref?: string;
}

export interface ClusterJobs {
  /** k-means on a table or query; optionally writes the rows with their `segment` into a table. */
  'cluster.run': { params: ClusterRunParams; result: ClusterResult };
  /** k-means for each k of a range, with inertia and quality metrics per k (elbow and silhouette charts). */
  'cluster.sweep': { params: ClusterSweepParams; result: ClusterSweepResult };
  /** Assigns the rows of a table or query to the nearest centroid of a stored result (same preprocessing). */
  'cluster.assign': { params: ClusterAssignParams; result: TableInfo };
  /** A stored result's preprocessing and centroids, as JSON-ready data. */
  'cluster.export': { params: { clusterId: string }; result: ClusterExport };
  'cluster.list': { params: Record<string, never>; result: ClusterSummary[] };
  /** One draft segment tag per segment, carrying the preprocessing and centroids (packable, evaluable). */
  'cluster.tags': { params: ClusterTagsParams; result: Tag[] };
}
