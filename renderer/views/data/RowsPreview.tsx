import { useCallback, useEffect, useState } from 'react';
import type { EngineClient, QueryResult, TableInfo } from '../../../workers/api';
import { describeError, isCancelled } from '../../errors';
import { ResultGrid } from '../sql/ResultGrid';
import '../sql/sql-view.css';
import { fetchTablePage } from './table-rows';

/** Rows shown before the first scroll; the grid pages the rest in as they come into view. */
const FIRST_ROWS = 200;

type PreviewState = { status: 'loading' } | { status: 'done'; result: QueryResult } | { status: 'error'; message: string };

/**
 * A plain, virtualized view of a table's rows: the SQL view's grid, fed page by page from the
 * table itself (only the visible window is fetched).
 */
export function RowsPreview({ engine, table, signature }: { engine: EngineClient; table: TableInfo; signature: string }) {
  const [state, setState] = useState<PreviewState>({ status: 'loading' });
  const name = table.name;
  const rowCount = table.rowCount;

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: 'loading' });
    fetchTablePage(engine, name, 0, FIRST_ROWS, controller.signal).then(
      (first) => {
        // The grid spans the whole table; rows past the first page are fetched as they scroll in.
        if (!controller.signal.aborted) setState({ status: 'done', result: { ...first, resultId: null, rowCount } });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setState({ status: 'error', message: isCancelled(err) ? 'Reading the rows was cancelled.' : describeError(err) });
      },
    );
    return () => controller.abort();
    // The signature stands for the table's content (name, row count, columns).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engine, signature]);

  const fetchRows = useCallback(async (offset: number, limit: number) => (await fetchTablePage(engine, name, offset, limit)).preview, [engine, name]);

  if (state.status === 'loading') return <p className="muted small" role="status">Reading rows…</p>;
  if (state.status === 'error') {
    return (
      <div className="notice notice-error" role="alert" data-testid="rows-error">
        The rows could not be read: {state.message}
      </div>
    );
  }
  return (
    <div className="data-rows" data-testid="rows-preview">
      <ResultGrid engine={engine} result={state.result} fetchRows={fetchRows} testId="data-grid" />
    </div>
  );
}
