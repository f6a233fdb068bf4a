import type * as PlotlyTypes from 'plotly.js-dist-min';
import plotlyScriptUrl from 'plotly.js-dist-min/plotly.min.js?url';

export type PlotlyModule = typeof PlotlyTypes;

declare global {
  interface Window {
    Plotly?: PlotlyModule;
  }
}

let plotly: Promise<PlotlyModule> | null = null;

/**
 * Plotly is a 4.7 MB prebuilt script: load it on the first chart, not at start-up, and as the
 * file it ships as (bundling it again only slows the build). It sets `window.Plotly`.
 */
export function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= new Promise<PlotlyModule>((resolve, reject) => {
    if (window.Plotly) {
      resolve(window.Plotly);
      return;
    }
    const script = document.createElement('script');
    script.src = plotlyScriptUrl;
    script.async = true;
    script.addEventListener('load', () => (window.Plotly ? resolve(window.Plotly) : reject(new Error('Plotly did not load.'))));
    script.addEventListener('error', () => {
      plotly = null;
      reject(new Error('The charting library could not be loaded.'));
    });
    document.head.append(script);
  });
  return plotly;
}
