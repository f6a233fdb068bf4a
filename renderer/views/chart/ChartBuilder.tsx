import { useEffect, useMemo, useRef, useState } from 'react';
import type { Config, Data, Layout } from 'plotly.js';
import type { EngineClient, QueryResult } from '../../../workers/api';
import { drawPlot, loadPlotly } from '../../components/plotly';
import { describeError, isCancelled } from '../../errors';
import { newId } from '../sql/workspace-ops';
import { CHART_TYPES, type ChartSpec, type ChartType } from '../sql/types';
import { plotColumnsFromIpc, uniqueColumnsOf, type ChartFigure } from './chart-data';
import { loadChart, type LoadedChart } from './chart-loader';
import { CHART_AXES, CHART_TYPE_LABELS, axesAfterTypeChange, columnsFor, missingAxis, reconcileAxes, type AxisChoice, type AxisRole } from './chart-model';

interface ChartBuilderProps {
  engine: EngineClient;
  result: QueryResult;
  /** The query that produced `result`. */
  sql: string;
  /** A saved chart being shown again (its type, axes and title are restored). */
  initial: ChartSpec | null;
  onSave(chart: ChartSpec): void;
  /** False while another tab covers the builder; the plot is resized when it shows again. */
  visible: boolean;
}

const BASE_LAYOUT: Partial<Layout> = {
  margin: { l: 64, r: 24, t: 40, b: 64 },
  paper_bgcolor: 'rgba(0,0,0,0)',
  plot_bgcolor: 'rgba(0,0,0,0)',
  font: { family: 'Inter, system-ui, sans-serif', size: 12, color: '#344054' },
  hovermode: 'closest',
  autosize: true,
};

const CONFIG: Partial<Config> = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };

function toPlotly(figure: ChartFigure, title: string): { data: Data[]; layout: Partial<Layout> } {
  const layout: Partial<Layout> = {
    ...BASE_LAYOUT,
    ...(figure.layout as Partial<Layout>),
    xaxis: { ...(figure.layout.xaxis as Partial<Layout['xaxis']>), automargin: true },
    yaxis: { ...(figure.layout.yaxis as Partial<Layout['yaxis']>), automargin: true },
    title: title ? { text: title, font: { size: 14 } } : { text: '' },
  };
  return { data: figure.data as Data[], layout };
}

type DrawState = { state: 'idle' } | { state: 'loading' } | { state: 'drawn'; loaded: LoadedChart } | { state: 'failed'; message: string };

/** Chart builder for the current result: type, axes, a Plotly plot, and saving into the workspace. */
export function ChartBuilder({ engine, result, sql, initial, onSave, visible }: ChartBuilderProps) {
  const [type, setType] = useState<ChartType>(initial?.type ?? 'histogram');
  // A small result is wholly in its preview: note which columns never repeat (aggregated keys).
  const uniqueColumns = useMemo(() => {
    try {
      const data = plotColumnsFromIpc(result.preview);
      return uniqueColumnsOf(data, data.rowCount === result.rowCount);
    } catch {
      return new Set<string>();
    }
  }, [result]);
  const [axes, setAxes] = useState<AxisChoice>(() =>
    reconcileAxes(initial?.type ?? 'histogram', result.columns, initial ? { x: initial.x, y: initial.y, color: initial.color } : { x: null, y: null, color: null }, uniqueColumns),
  );
  const [title, setTitle] = useState(initial?.title ?? '');
  // Axes the user picked by hand survive a change of chart type (when they fit); others follow the defaults.
  const [touched, setTouched] = useState<ReadonlySet<AxisRole>>(() => new Set(initial ? (['x', 'y', 'color'] as const) : []));
  // The saved chart this builder updates; only while it still charts the same query.
  const [saved, setSaved] = useState<{ id: string; sql: string } | null>(initial ? { id: initial.id, sql: initial.sql } : null);
  const chartId = saved && saved.sql === sql ? saved.id : null;
  const [draw, setDraw] = useState<DrawState>({ state: 'idle' });
  // Bumped by "Try again" after a failed or cancelled chart job.
  const [attempt, setAttempt] = useState(0);
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const plot = useRef<HTMLDivElement>(null);

  // A new result keeps the chart type and whichever axes still fit.
  useEffect(() => {
    setAxes((current) => {
      const next = reconcileAxes(type, result.columns, current, uniqueColumns);
      // Same columns: keep the same object so the chart is not fetched twice.
      return next.x === current.x && next.y === current.y && next.color === current.color ? current : next;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [result]);

  const problem = missingAxis(type, axes, result.columns);

  useEffect(() => {
    if (problem) {
      setDraw({ state: 'idle' });
      return;
    }
    const controller = new AbortController();
    setDraw({ state: 'loading' });
    loadChart(engine, { result, sql, type, axes }, controller.signal).then(
      (loaded) => {
        if (!controller.signal.aborted) setDraw({ state: 'drawn', loaded });
      },
      (err: unknown) => {
        // A cancel from the Jobs panel is not this effect's own abort: say so and offer a retry.
        if (!controller.signal.aborted) setDraw({ state: 'failed', message: isCancelled(err) ? 'Preparing the chart was cancelled.' : describeError(err) });
      },
    );
    return () => controller.abort();
  }, [engine, result, sql, type, axes, problem, attempt]);

  const figure = draw.state === 'drawn' ? draw.loaded.figure : null;
  useEffect(() => {
    const element = plot.current;
    if (!element || !figure) return;
    let cancelled = false;
    const { data, layout } = toPlotly(figure, title);
    element.dataset.rendered = 'false';
    drawPlot(element, data, layout, CONFIG, () => cancelled).then(
      (drawn) => {
        if (drawn && !cancelled) element.dataset.rendered = 'true';
      },
      (err: unknown) => setDraw({ state: 'failed', message: `The charting library did not load: ${describeError(err)}` }),
    );
    return () => {
      cancelled = true;
    };
  }, [figure, title]);

  // Nothing to show (missing axis or an error): clear the old plot rather than leave it misleading.
  const cleared = draw.state === 'idle' || draw.state === 'failed';
  useEffect(() => {
    const element = plot.current;
    if (!element || !cleared) return;
    element.dataset.rendered = 'false';
    void loadPlotly().then((Plotly) => Plotly.purge(element));
  }, [cleared]);

  useEffect(() => {
    const element = plot.current;
    if (!visible || !element || element.dataset.rendered !== 'true') return;
    void loadPlotly().then((Plotly) => Plotly.Plots.resize(element));
  }, [visible]);

  // Free Plotly's listeners when the builder goes away.
  useEffect(() => {
    const element = plot.current;
    return () => {
      if (element) void loadPlotly().then((Plotly) => Plotly.purge(element));
    };
  }, []);

  const changeType = (next: ChartType): void => {
    setType(next);
    setAxes((current) => axesAfterTypeChange(next, result.columns, current, touched, uniqueColumns));
  };

  const save = (): void => {
    const id = chartId ?? newId('chart');
    setSaved({ id, sql });
    const trimmed = title.trim();
    onSave({ id, sql, type, x: axes.x, y: axes.y, color: axes.color, ...(trimmed ? { title: trimmed } : {}) });
    setSavedAt(new Date().toLocaleTimeString());
  };

  const axisPickers = useMemo(
    () =>
      CHART_AXES[type].map((axis) => {
        const options = columnsFor(axis, result.columns);
        const value = axes[axis.role];
        return (
          <label key={axis.role} className="chart-field">
            <span>{axis.label}</span>
            <select
              data-testid={`chart-${axis.role}`}
              value={value ?? ''}
              onChange={(event) => {
                setTouched((roles) => new Set([...roles, axis.role]));
                setAxes({ ...axes, [axis.role]: event.target.value === '' ? null : event.target.value });
              }}
              disabled={options.length === 0 && axis.required}
            >
              {(!axis.required || value === null) && <option value="">{axis.required ? '(choose)' : axis.emptyLabel ?? 'none'}</option>}
              {options.map((column) => (
                <option key={column.name} value={column.name}>
                  {column.name} · {column.type}
                </option>
              ))}
            </select>
          </label>
        );
      }),
    [type, axes, result.columns],
  );

  return (
    <div className="chart-builder">
      <div className="chart-controls" role="group" aria-label="Chart settings">
        <label className="chart-field">
          <span>Chart</span>
          <select data-testid="chart-type" value={type} onChange={(event) => changeType(event.target.value as ChartType)}>
            {CHART_TYPES.map((t) => (
              <option key={t} value={t}>
                {CHART_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        {axisPickers}
        <label className="chart-field chart-title-field">
          <span>Title</span>
          <input type="text" value={title} placeholder="optional" onChange={(event) => setTitle(event.target.value)} />
        </label>
        <button type="button" className="btn" data-testid="chart-save" onClick={save} disabled={problem !== null} title={problem ?? 'Keep this chart in the workspace'}>
          {chartId ? 'Update saved chart' : 'Save chart'}
        </button>
        {savedAt && <span className="chart-saved muted">Saved {savedAt}</span>}
      </div>
      <div className="chart-status" aria-live="polite">
        {problem && <span className="muted">{problem}</span>}
        {draw.state === 'loading' && <span className="muted">Preparing the chart…</span>}
        {draw.state === 'failed' && (
          <span className="chart-error" role="alert" data-testid="chart-failed">
            {draw.message}{' '}
            <button type="button" className="btn btn-small" onClick={() => setAttempt((n) => n + 1)} data-testid="chart-retry">
              Try again
            </button>
          </span>
        )}
        {draw.state === 'drawn' && (
          <span className="muted">
            {draw.loaded.pointsDrawn.toLocaleString('en-US')} {(type === 'bar' ? 'bar' : type === 'heatmap' ? 'cell' : 'row') + (draw.loaded.pointsDrawn === 1 ? '' : 's')} drawn
            {draw.loaded.note ? ` · ${draw.loaded.note}` : ''}
          </span>
        )}
      </div>
      <div
        ref={plot}
        className="chart-plot"
        data-testid="chart-plot"
        data-state={draw.state}
        aria-label={title || `${CHART_TYPE_LABELS[type]} chart`}
        role="img"
      />
    </div>
  );
}
