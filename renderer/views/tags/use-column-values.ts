import { useEffect, useState } from 'react';
import { tableFromIPC } from 'apache-arrow';
import type { EngineClient } from '../../../workers/api';
import { quoteIdentifier } from '../sql/schema-completion';

const MAX_VALUES = 30;

/**
 * The distinct values of a column (as text, at most 30), for picking a positive label or a
 * segment. Null while unknown; the list is cut at 30 values (the user can type one instead).
 */
export function useColumnValues(engine: EngineClient, table: string, column: string): string[] | null {
  const [state, setState] = useState<{ key: string; values: string[] } | null>(null);
  const key = `${table}\u0000${column}`;
  useEffect(() => {
    if (!table || !column) return;
    const controller = new AbortController();
    const col = quoteIdentifier(column);
    const sql = `SELECT DISTINCT CAST(${col} AS VARCHAR) AS v FROM ${quoteIdentifier(table)} WHERE ${col} IS NOT NULL ORDER BY 1 LIMIT ${MAX_VALUES + 1}`;
    engine
      .run('sql.run', { sql, preview: MAX_VALUES + 1 }, { signal: controller.signal })
      .then((result) => {
        if (result.resultId !== null) void engine.run('sql.release', { resultId: result.resultId }).catch(() => undefined);
        const values = tableFromIPC(result.preview).getChild('v')?.toArray() as unknown[] | undefined;
        if (!controller.signal.aborted) setState({ key, values: (values ?? []).map(String) });
      })
      .catch(() => undefined);
    return () => controller.abort();
  }, [engine, table, column, key]);
  return state && state.key === key ? state.values : null;
}

export const COLUMN_VALUES_SHOWN = MAX_VALUES;
