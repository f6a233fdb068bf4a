import type * as PlotlyTypes from 'plotly.js';
import type { Config, Data, Layout } from 'plotly.js';
import plotlyScriptUrl from 'plotly.js-cartesian-dist-min/plotly-cartesian.min.js?url';
import { fixedMargins, type MeasureText } from './plot-margins';

export type PlotlyModule = typeof PlotlyTypes;

/**
 * Plotly's cartesian bundle (1.3 MB, against 4.7 MB for the full one): bar, box, contour, heatmap,
 * histogram, histogram2d, image, pie, scatter and violin traces. No WebGL traces (Assay's CSP forbids
 * the code generation they need anyway) and no waterfall (drawn as floating bars). Also inlined in
 * the rule-pack HTML report.
 */
export { plotlyScriptUrl };

declare global {
  interface Window {
    Plotly?: PlotlyModule;
  }
}

let plotlyScript: Promise<PlotlyModule> | null = null;

/**
 * Plotly is a 1.3 MB prebuilt script: load it on the first chart (or when idle, see `preloadPlotlyWhenIdle`), not at start-up, and as the
 * file it ships as (bundling it again only slows the build). It sets `window.Plotly`.
 */
function loadPlotlyScript(): Promise<PlotlyModule> {
  plotlyScript ??= new Promise<PlotlyModule>((resolve, reject) => {
    if (window.Plotly) {
      resolve(window.Plotly);
      return;
    }
    const script = document.createElement('script');
    script.src = plotlyScriptUrl;
    script.async = true;
    script.addEventListener('load', () => (window.Plotly ? resolve(window.Plotly) : reject(new Error('Plotly did not load.'))));
    script.addEventListener('error', () => {
      plotlyScript = null;
      reject(new Error('The charting library could not be loaded.'));
    });
    document.head.append(script);
  });
  return plotlyScript;
}

/** The first screen's own work (catalog, first profile) comes first; Plotly waits this long after it. */
const PRELOAD_DELAY_MS = 2_000;
/** How long the preload waits for an idle period before it runs anyway. */
const PRELOAD_IDLE_TIMEOUT_MS = 5_000;
/** User Timing mark set when the idle preload starts loading Plotly (tests and the UI bench look for it). */
export const PLOTLY_PRELOAD_MARK = 'assay: plotly preload';
let preloadScheduled = false;

/**
 * Once the app has started, loads and evaluates Plotly in an idle period, so the first chart a user
 * asks for finds it ready instead of freezing on the script (a 0.2–0.3 s task). Only once; nothing
 * to do when a chart has already loaded it. A failed preload is left for that first chart to retry.
 */
export function preloadPlotlyWhenIdle(): void {
  if (preloadScheduled || plotlyScript || window.Plotly) return;
  preloadScheduled = true;
  const preload = (): void => {
    if (plotlyScript || window.Plotly) return;
    performance.mark(PLOTLY_PRELOAD_MARK);
    loadPlotlyScript().catch(() => undefined);
  };
  setTimeout(() => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(preload, { timeout: PRELOAD_IDLE_TIMEOUT_MS });
    else preload();
  }, PRELOAD_DELAY_MS);
}

/**
 * Chart work waits for its turn: one caller per task, with the event loop (input, paint) between.
 * Without this, every chart of a result resolves in the same microtask checkpoint and their draws
 * add up to one long task (six charts of a model: ~0.6 s with the UI frozen).
 */
const turns: Array<() => void> = [];
let pumping = false;

function pump(): void {
  const next = turns.shift();
  if (!next) {
    pumping = false;
    return;
  }
  next();
  // The caller's synchronous work (a Plotly draw) runs in this task's microtasks; the next turn
  // is a new task.
  setTimeout(pump, 0);
}

/** Resolves in a task of its own, after the turns asked for earlier. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    turns.push(resolve);
    if (!pumping) {
      pumping = true;
      setTimeout(pump, 0);
    }
  });
}

/**
 * Plotly, once loaded, in a task of the caller's own (see `nextTurn`): the first chart is not drawn
 * in the task that ran Plotly's script, and charts drawn together are drawn one per task.
 */
export async function loadPlotly(): Promise<PlotlyModule> {
  const Plotly = await loadPlotlyScript();
  await nextTurn();
  return Plotly;
}

let measureContext: CanvasRenderingContext2D | null | undefined;

/** Text width in CSS pixels, from a canvas (no layout); a rough estimate where there is no canvas. */
const measureText: MeasureText = (text, fontSize, fontFamily) => {
  if (measureContext === undefined) measureContext = document.createElement('canvas').getContext('2d');
  if (!measureContext) return text.length * fontSize * 0.6;
  measureContext.font = `${fontSize}px ${fontFamily}`;
  return measureContext.measureText(text).width;
};

/**
 * Draws (or redraws in place) a figure in its own turn. Axes that ask for `automargin` get margins
 * measured here from their labels instead: Plotly's automargin draws the whole chart, measures
 * the labels in the DOM and then draws it all again, which doubled the cost of every chart.
 */
export async function drawPlot(
  element: HTMLElement,
  data: Data[],
  layout: Partial<Layout>,
  config: Partial<Config>,
  /** True when the figure is no longer wanted (replaced, unmounted) by the time its turn comes. */
  stale: () => boolean = () => false,
): Promise<boolean> {
  const Plotly = await loadPlotly();
  if (stale()) return false;
  const started = performance.now();
  const drawing = Plotly.react(element, data, fixedMargins(data, layout, { measure: measureText, width: element.clientWidth, height: element.clientHeight }), config);
  // The synchronous part of the draw, as a User Timing entry: `npm run bench -- --only ui` lists the slowest.
  performance.measure(`plot ${element.dataset.testid ?? element.getAttribute('aria-label') ?? ''}`.trim(), { start: started, end: performance.now() });
  await drawing;
  return true;
}
