/**
 * Segment tags in the app: a segment tag that carries its segmentation fires on the rows the
 * cluster engine assigns to its segment (the stored preprocessing, then the nearest centroid),
 * the same code cluster.assign runs, so in-app figures and packed SQL agree.
 */
import { assignSegmentation } from '../cluster/jobs';
import type { DataEngine } from '../data/engine';
import type { JobContext } from '../protocol/host';
import type { Segmentation, Tag } from './tag';

export const SEGMENT_WITHOUT_SEGMENTATION = 'this segment tag only names its segmentation; save the segments as tags again from the Segments view so the tag carries its scaler and centroids';

export interface SegmentTagRef {
  tag: Tag;
  segmentation: Segmentation;
  segment: number;
}

/** The tag's segmentation and segment number, or null when it does not carry them. */
export function segmentTagRef(tag: Tag): SegmentTagRef | null {
  const def = tag.definition;
  if (def.kind !== 'segment' || def.segmentation === undefined || typeof def.segmentId !== 'number') return null;
  return { tag, segmentation: def.segmentation, segment: def.segmentId };
}

/**
 * Fires (1/0 per row, in the relation's order) of each segment tag. Tags sharing a segmentation
 * share one assignment pass.
 */
export async function segmentFires(engine: DataEngine, relation: string, refs: readonly SegmentTagRef[], ctx: JobContext): Promise<Uint8Array[]> {
  const labelsBySegmentation = new Map<string, Int32Array>();
  const quiet: JobContext = { signal: ctx.signal, progress: () => undefined };
  const out: Uint8Array[] = [];
  for (const ref of refs) {
    const key = JSON.stringify([ref.segmentation.preprocessor, ref.segmentation.centroids]);
    let labels = labelsBySegmentation.get(key);
    if (!labels) {
      labels = await assignSegmentation(engine, relation, ref.segmentation, quiet);
      labelsBySegmentation.set(key, labels);
    }
    const fires = new Uint8Array(labels.length);
    for (let i = 0; i < labels.length; i++) fires[i] = labels[i] === ref.segment ? 1 : 0;
    out.push(fires);
  }
  return out;
}
