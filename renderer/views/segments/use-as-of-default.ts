import { useEffect, useRef, useState, type MutableRefObject } from 'react';
import { tableFromIPC } from 'apache-arrow';
import type { ColumnInfo, EngineClient } from '../../../workers/api';
import { asOfDefaultSql, defaultAsOf } from './segment-data';
import type { FeatureFormState, SegmentsWorkspaceState } from './types';

export interface AsOfDefault {
  /** The date the view filled in itself (null until it has), so the form can say where it came from. */
  autoAsOf: MutableRefObject<string | null>;
  /** The data's snapshot, the day after the latest time in the column (null until read). */
  snapshot: string | null;
}

/**
 * The feature builder's as-of date defaults to the data's snapshot, the day after the latest time in
 * the chosen column (an engine query; never today's date), or with a label window of N days, N days
 * before it. It is shown as a value the user can change; a date the user wrote is kept.
 */
export function useAsOfDefault(
  engine: EngineClient,
  form: FeatureFormState,
  formColumns: readonly ColumnInfo[],
  workspaceRef: MutableRefObject<SegmentsWorkspaceState>,
  updateWorkspace: (change: (state: SegmentsWorkspaceState) => SegmentsWorkspaceState) => void,
): AsOfDefault {
  const autoAsOf = useRef<string | null>(null);
  const [snapshot, setSnapshot] = useState<{ query: string; value: string } | null>(null);
  const timeColumn = formColumns.find((c) => c.name === form.time);
  const offset = Number(form.utcOffsetHours.trim() || '0');
  const asOfQuery = form.table && timeColumn ? asOfDefaultSql(form.table, timeColumn, form.timeUnit, Number.isFinite(offset) ? offset : 0) : null;

  useEffect(() => {
    if (!asOfQuery) return;
    const controller = new AbortController();
    engine
      .run('sql.run', { sql: asOfQuery, preview: 1 }, { signal: controller.signal })
      .then((result) => {
        if (result.resultId !== null) void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
        const value = tableFromIPC(result.preview).getChild('as_of')?.get(0) as string | null | undefined;
        if (!controller.signal.aborted && value) setSnapshot({ query: asOfQuery, value });
      })
      // No default (a time column with no readable times): the field stays empty and says it is needed.
      .catch(() => undefined);
    return () => controller.abort();
  }, [engine, asOfQuery]);

  const current = snapshot !== null && snapshot.query === asOfQuery ? snapshot.value : null;
  const wanted = current === null ? null : defaultAsOf(current, form.labelWindow);
  useEffect(() => {
    if (wanted === null) return;
    const asOf = workspaceRef.current.features.form.asOf;
    // A date the user wrote wins; an empty field or the view's own earlier default follows the data.
    if (asOf.trim() && asOf !== autoAsOf.current) return;
    autoAsOf.current = wanted;
    if (asOf !== wanted) updateWorkspace((s) => ({ ...s, features: { ...s.features, form: { ...s.features.form, asOf: wanted } } }));
  }, [wanted, updateWorkspace, workspaceRef]);

  return { autoAsOf, snapshot: current };
}
