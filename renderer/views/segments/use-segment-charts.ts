import { useDeferredValue, useMemo } from 'react';
import type { ClusterResult, PortraitResult } from '../../../workers/api';
import type { Figure } from '../models/model-figures';
import { profileFigure, projectionFigure, sizesFigure } from './segment-figures';

/** The charts of one k-means run. */
export interface SegmentFigures {
  projection: Figure;
  sizes: Figure;
  /** Null until the portrait (the per-segment feature means) has arrived. */
  profile: Figure | null;
}

/** The projection, sizes and profile charts of a run, drawn with the segments' names. */
export function useSegmentCharts(result: ClusterResult | null, portrait: PortraitResult | null, names: string[]): SegmentFigures | null {
  // Typing a name should not redraw thousands of points on every key; names equal in content (a
  // workspace update that copies them) keep the same array, so the charts are not drawn again.
  // A new run (names of another length) is drawn with its own names at once: only typing is deferred,
  // else the projection was drawn twice per run (with the previous run's names, then its own).
  const deferredNames = useDeferredValue(names);
  const namesForCharts = deferredNames.length === names.length ? deferredNames : names;
  const namesKey = namesForCharts.join('\u0000');
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the content of the names on purpose
  const chartNames = useMemo(() => namesForCharts, [namesKey]);

  // One memo per chart: the portrait arriving redraws the profile, not the projection's points.
  const projection = useMemo(() => (result ? projectionFigure(result.projection, chartNames) : null), [result, chartNames]);
  const sizes = useMemo(() => (result ? sizesFigure(result.segments.map((s) => s.size), chartNames) : null), [result, chartNames]);
  const profile = useMemo(() => {
    const profileFeatures = portrait?.features ?? [];
    return portrait && profileFeatures.length > 0 ? profileFigure(portrait.cards, profileFeatures, chartNames) : null;
  }, [portrait, chartNames]);
  return projection && sizes ? { projection, sizes, profile } : null;
}
