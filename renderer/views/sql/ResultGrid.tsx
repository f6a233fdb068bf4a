import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { EngineClient, QueryResult } from '../../../workers/api';
import { describeError } from '../../errors';
import { cellDisplayText, formatIpcRows, isTruncated, type CellText, type FormattedColumn } from './format';
import { HEADER_HEIGHT, MAX_GRID_ROWS, ROW_HEIGHT, columnWidths, gutterWidth } from './grid-layout';
import { PageCache } from './page-cache';

export const PAGE_SIZE = 500;
export const CACHED_PAGES = 20;

interface ResultGridProps {
  engine: EngineClient;
  result: QueryResult;
  /**
   * Where rows past the inline preview come from, as Arrow IPC (default: `sql.fetch` on the
   * result's handle). The Data view pages a table this way without copying it into a result.
   */
  fetchRows?: (offset: number, limit: number) => Promise<Uint8Array>;
  testId?: string;
}

interface SelectedCell {
  row: number;
  column: number;
}

/**
 * A virtualized grid over a query result: only the rows and columns in view are in the DOM, and
 * only the pages of rows in view are fetched from the engine (`sql.fetch`).
 */
export function ResultGrid({ engine, result, fetchRows, testId = 'sql-grid' }: ResultGridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [selected, setSelected] = useState<SelectedCell | null>(null);

  const preview = useMemo(() => formatIpcRows(result.preview), [result.preview]);
  // Results without a handle (e.g. SHOW, EXPLAIN) have only their inline rows.
  const pageable = result.resultId !== null || fetchRows !== undefined;
  const rowCount = pageable ? Math.min(result.rowCount, MAX_GRID_ROWS) : preview.rows.length;
  const arrowColumns = useMemo(() => new Map(preview.columns.map((c, i) => [i, c])), [preview]);

  const cache = useMemo(() => {
    const resultId = result.resultId;
    return new PageCache<CellText[]>({
      rowCount,
      pageSize: PAGE_SIZE,
      maxPages: CACHED_PAGES,
      seed: preview.rows,
      fetchPage: async (offset, limit) => {
        if (fetchRows) return formatIpcRows(await fetchRows(offset, limit)).rows;
        if (resultId === null) return [];
        const page = await engine.run('sql.fetch', { resultId, offset, limit });
        return formatIpcRows(page.ipc).rows;
      },
      onChange: redraw,
    });
  }, [engine, result.resultId, rowCount, preview, fetchRows]);
  // Drop the previous result's cache (late pages are ignored). Not done in an effect cleanup:
  // StrictMode's trial unmount would dispose the cache that is still in use.
  const previousCache = useRef<PageCache<CellText[]> | null>(null);
  useEffect(() => {
    if (previousCache.current && previousCache.current !== cache) previousCache.current.dispose();
    previousCache.current = cache;
  }, [cache]);

  const widths = useMemo(() => columnWidths(result.columns, preview.rows.slice(0, 100)), [result.columns, preview]);
  const gutter = gutterWidth(rowCount);

  const rows = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const columns = useVirtualizer({
    horizontal: true,
    count: result.columns.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => widths[index] ?? 120,
    overscan: 3,
  });
  useEffect(() => columns.measure(), [widths, columns]);

  const visibleRows = rows.getVirtualItems();
  const visibleColumns = columns.getVirtualItems();
  const firstRow = visibleRows[0]?.index ?? 0;
  const lastRow = visibleRows[visibleRows.length - 1]?.index ?? -1;
  useEffect(() => {
    if (lastRow >= firstRow) cache.ensure(firstRow, lastRow);
  }, [cache, firstRow, lastRow]);

  // A new result starts at the top-left with nothing selected.
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0, left: 0 });
    setSelected(null);
  }, [result]);

  const totalWidth = gutter + columns.getTotalSize();
  const fetchError = cache.lastError ? describeError(cache.lastError) : null;

  const moveSelection = useCallback(
    (dRow: number, dColumn: number) => {
      setSelected((current) => {
        const base = current ?? { row: firstRow, column: 0 };
        const next = {
          row: Math.max(0, Math.min(rowCount - 1, base.row + dRow)),
          column: Math.max(0, Math.min(result.columns.length - 1, base.column + dColumn)),
        };
        rows.scrollToIndex(next.row);
        columns.scrollToIndex(next.column);
        return next;
      });
    },
    [firstRow, rowCount, result.columns.length, rows, columns],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const page = Math.max(1, visibleRows.length - 2);
    const moves: Record<string, [number, number]> = {
      ArrowDown: [1, 0],
      ArrowUp: [-1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
      PageDown: [page, 0],
      PageUp: [-page, 0],
    };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      moveSelection(move[0], move[1]);
      return;
    }
    if (event.key === 'Home' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      moveSelection(-rowCount, -result.columns.length);
    } else if (event.key === 'End' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      moveSelection(rowCount, result.columns.length);
    } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c' && selected) {
      const value = cache.getRow(selected.row)?.[selected.column];
      if (value !== undefined) {
        event.preventDefault();
        void navigator.clipboard?.writeText(value ?? '').catch(() => undefined);
      }
    }
  };

  if (result.columns.length === 0) {
    return <p className="sql-empty">The statement ran and returned no columns.</p>;
  }

  return (
    <div className="result-grid-wrap">
      {fetchError && (
        <div className="result-grid-fetch-error" role="alert">
          Some rows could not be loaded: {fetchError}
        </div>
      )}
      <div
        ref={scroller}
        className="result-grid"
        role="grid"
        aria-rowcount={rowCount + 1}
        aria-colcount={result.columns.length}
        tabIndex={0}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <div style={{ width: totalWidth, height: HEADER_HEIGHT + rows.getTotalSize(), position: 'relative' }}>
          <div className="result-grid-header" role="row" aria-rowindex={1} style={{ width: totalWidth, height: HEADER_HEIGHT }}>
            <div className="result-grid-corner" style={{ width: gutter, height: HEADER_HEIGHT }} aria-hidden="true">
              #
            </div>
            {visibleColumns.map((col) => {
              const info = result.columns[col.index];
              const arrow: FormattedColumn | undefined = arrowColumns.get(col.index);
              return (
                <div
                  key={col.key}
                  role="columnheader"
                  aria-colindex={col.index + 1}
                  className={`result-grid-th${arrow?.numeric ? ' numeric' : ''}`}
                  style={{ left: gutter + col.start, width: col.size, height: HEADER_HEIGHT }}
                  title={`${info?.name ?? ''}: ${info?.type ?? ''}`}
                >
                  <span className="result-grid-th-name">{info?.name}</span>
                  <span className="result-grid-th-type">{info?.type}</span>
                </div>
              );
            })}
          </div>
          <div style={{ position: 'relative', height: rows.getTotalSize(), width: totalWidth }}>
            {visibleRows.map((row) => {
              const cells = cache.getRow(row.index);
              return (
                <div
                  key={row.key}
                  role="row"
                  aria-rowindex={row.index + 2}
                  className={`result-grid-row${row.index % 2 === 1 ? ' odd' : ''}`}
                  style={{ transform: `translateY(${row.start}px)`, height: ROW_HEIGHT, width: totalWidth }}
                >
                  <div className="result-grid-rownum" style={{ width: gutter, height: ROW_HEIGHT }}>
                    {(row.index + 1).toLocaleString('en-US')}
                  </div>
                  {visibleColumns.map((col) => {
                    const isSelected = selected?.row === row.index && selected.column === col.index;
                    const style = { left: gutter + col.start, width: col.size, height: ROW_HEIGHT };
                    const numeric = arrowColumns.get(col.index)?.numeric ? ' numeric' : '';
                    const selectedClass = isSelected ? ' selected' : '';
                    const select = (): void => setSelected({ row: row.index, column: col.index });
                    if (!cells) {
                      return <div key={col.key} role="gridcell" className={`result-grid-td loading${selectedClass}`} style={style} onMouseDown={select} />;
                    }
                    const text = cells[col.index] ?? null;
                    if (text === null) {
                      return (
                        <div key={col.key} role="gridcell" aria-colindex={col.index + 1} className={`result-grid-td null${selectedClass}`} style={style} onMouseDown={select}>
                          NULL
                        </div>
                      );
                    }
                    return (
                      <div
                        key={col.key}
                        role="gridcell"
                        aria-colindex={col.index + 1}
                        className={`result-grid-td${numeric}${selectedClass}`}
                        style={style}
                        title={isTruncated(text) ? text : undefined}
                        onMouseDown={select}
                      >
                        {cellDisplayText(text)}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {pageable && result.rowCount > rowCount && (
        <div className="result-grid-note">
          The grid shows the first {rowCount.toLocaleString('en-US')} rows; filter the query or export the result to see all {result.rowCount.toLocaleString('en-US')}.
        </div>
      )}
      {!pageable && result.rowCount > preview.rows.length && (
        <div className="result-grid-note">Showing the first {preview.rows.length.toLocaleString('en-US')} rows; this statement's result cannot be paged.</div>
      )}
    </div>
  );
}
