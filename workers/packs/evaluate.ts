import { nearestExact } from '../cluster/kernel';
import { applyPreprocessor, type Preprocessor, type RawColumn } from '../cluster/preprocess';
import type { SegmentPackTag } from './schema';

function numeric(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return Number.NaN;
}

/**
 * Segment membership with the app's own transform and assignment (cluster/preprocess.ts and
 * cluster/kernel.ts): the reference the segment tags' SQL is checked against.
 */
export function segmentMembership(tag: SegmentPackTag, rows: ReadonlyArray<Record<string, unknown>>): Uint8Array {
  const pre = tag.segment.preprocessor as Preprocessor;
  const columns: RawColumn[] = pre.columns.map((t) =>
    t.kind === 'numeric'
      ? { name: t.column, kind: 'numeric', values: Float64Array.from(rows, (r) => numeric(r[t.column])) }
      : { name: t.column, kind: 'text', values: rows.map((r) => (r[t.column] === null || r[t.column] === undefined ? null : String(r[t.column]))) },
  );
  const d = pre.features.length;
  const x = applyPreprocessor(pre, columns, rows.length);
  const centroids = Float64Array.from(tag.segment.centroids.flat());
  const k = tag.segment.centroids.length;
  const out = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = nearestExact({ x, n: rows.length, d }, i, centroids, k) === tag.segment.index ? 1 : 0;
  return out;
}
