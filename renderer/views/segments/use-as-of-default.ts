import { useEffect, useRef, type MutableRefObject } from 'react';
import { tableFromIPC } from 'apache-arrow';
import type { ColumnInfo, EngineClient } from '../../../workers/api';
import { asOfDefaultSql } from './segment-data';
import type { FeatureFormState, SegmentsWorkspaceState } from './types';

/**
 * The feature builder's as-of date defaults to the day after the latest time in the chosen column
 * (an engine query), shown as a value the user can change; a date the user wrote is kept. Returns the
 * date the view filled in itself (null until it has), so the form can say where it came from.
 */
export function useAsOfDefault(
  engine: EngineClient,
  form: FeatureFormState,
  formColumns: readonly ColumnInfo[],
  workspaceRef: MutableRefObject<SegmentsWorkspaceState>,
  updateWorkspace: (change: (state: SegmentsWorkspaceState) => SegmentsWorkspaceState) => void,
): MutableRefObject<string | null> {
  const autoAsOf = useRef<string | null>(null);
  const timeColumn = formColumns.find((c) => c.name === form.time);
  const asOfQuery = form.table && timeColumn ? asOfDefaultSql(form.table, timeColumn, form.timeUnit) : null;
  useEffect(() => {
    if (!asOfQuery) return;
    const asOf = workspaceRef.current.features.form.asOf;
    if (asOf.trim() && asOf !== autoAsOf.current) return;
    const controller = new AbortController();
    engine
      .run('sql.run', { sql: asOfQuery, preview: 1 }, { signal: controller.signal })
      .then((result) => {
        if (result.resultId !== null) void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
        const value = tableFromIPC(result.preview).getChild('as_of')?.get(0) as string | null | undefined;
        const latest = workspaceRef.current.features.form.asOf;
        // The user may have typed a date while the query ran: theirs wins.
        if (controller.signal.aborted || !value || (latest.trim() && latest !== autoAsOf.current)) return;
        autoAsOf.current = value;
        updateWorkspace((s) => ({ ...s, features: { ...s.features, form: { ...s.features.form, asOf: value } } }));
      })
      // No default (a time column with no readable times): the field stays empty and says it is needed.
      .catch(() => undefined);
    return () => controller.abort();
  }, [engine, asOfQuery, updateWorkspace, workspaceRef]);
  return autoAsOf;
}
