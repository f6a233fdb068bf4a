/**
 * Plotly figures of the Models view, built from engine results already shaped by model-data.ts.
 * Pure (types only from Plotly) so the shapes can be checked in unit tests.
 */
import type { Data, Layout, PlotData } from 'plotly.js';
import type { BinaryEvaluation } from '../../../workers/api';
import type { BeeswarmRow, CurveSeries, WaterfallStep } from './model-data';

export interface Figure {
  data: Data[];
  layout: Partial<Layout>;
}

const ACCENT = '#2563eb';
const ORANGE = '#ea580c';
const GREY = '#9ca3af';

const axis = (title: string, extra: Partial<Layout['xaxis']> = {}): Partial<Layout['xaxis']> => ({ title: { text: title }, automargin: true, zeroline: false, ...extra });
const unitAxis = (title: string): Partial<Layout['xaxis']> => axis(title, { range: [0, 1.02] });
const diagonal = (name: string): Data => ({ type: 'scatter', mode: 'lines', x: [0, 1], y: [0, 1], name, line: { color: GREY, dash: 'dash', width: 1 }, hoverinfo: 'skip' });

/**
 * `bestRound` (1-based): marks where the saved model ends when early stopping kept an earlier
 * round. `step` names the x axis: boosting rounds, or epochs for the CTR kinds.
 */
export function learningCurveFigure(series: readonly CurveSeries[], totalRounds: number | null, bestRound: number | null = null, step: 'round' | 'epoch' = 'round'): Figure {
  const data: Data[] = series.map((s) => ({
    type: 'scatter',
    mode: s.rounds.length > 60 ? 'lines' : 'lines+markers',
    name: s.name,
    x: s.rounds,
    y: s.values,
    line: { color: s.set === 'valid' ? ORANGE : ACCENT, width: 2 },
    marker: { size: 4 },
    hovertemplate: `${step} %{x}<br>${s.name} %{y:.5f}<extra></extra>`,
  }));
  const metric = series[0]?.name.split(' ').slice(1).join(' ') ?? '';
  return {
    data,
    layout: {
      xaxis: axis(step, totalRounds ? { range: [0, totalRounds + 1] } : {}),
      yaxis: axis(metric),
      legend: { orientation: 'h', y: 1.12 },
      ...(bestRound !== null
        ? {
            shapes: [{ type: 'line', xref: 'x', yref: 'paper', x0: bestRound, x1: bestRound, y0: 0, y1: 1, line: { color: GREY, dash: 'dash', width: 1 } }],
            annotations: [{ x: bestRound, xref: 'x', y: 1, yref: 'paper', text: `best ${step === 'round' ? 'iteration' : 'epoch'} (${step} ${bestRound}): the saved model`, showarrow: false, xanchor: 'left', yanchor: 'top', font: { size: 11, color: GREY } }],
          }
        : {}),
    },
  };
}

export function rocFigure(evaluation: BinaryEvaluation): Figure {
  return {
    data: [
      { type: 'scatter', mode: 'lines', x: evaluation.roc.x, y: evaluation.roc.y, name: `ROC (AUC ${evaluation.auc.toFixed(3)})`, line: { color: ACCENT, width: 2 }, hovertemplate: 'FPR %{x:.3f}<br>TPR %{y:.3f}<extra></extra>' },
      diagonal('chance'),
    ],
    layout: { xaxis: unitAxis('false positive rate'), yaxis: unitAxis('true positive rate'), legend: { x: 0.45, y: 0.08 } },
  };
}

/** Two (or more) models' ROC curves on one chart, each named with its AUC. */
export function rocComparisonFigure(models: ReadonlyArray<{ name: string; evaluation: BinaryEvaluation }>): Figure {
  const colours = [ACCENT, ORANGE, '#16a34a', '#9333ea'];
  return {
    data: [
      ...models.map((m, i): Data => ({ type: 'scatter', mode: 'lines', x: m.evaluation.roc.x, y: m.evaluation.roc.y, name: `${m.name} (AUC ${m.evaluation.auc.toFixed(3)})`, line: { color: colours[i % colours.length], width: 2 }, hovertemplate: `${m.name}<br>FPR %{x:.3f}<br>TPR %{y:.3f}<extra></extra>` })),
      diagonal('chance'),
    ],
    layout: { xaxis: unitAxis('false positive rate'), yaxis: unitAxis('true positive rate'), legend: { x: 0.35, y: 0.08 } },
  };
}

export function prFigure(evaluation: BinaryEvaluation): Figure {
  const baseRate = evaluation.rows > 0 ? evaluation.positives / evaluation.rows : 0;
  return {
    data: [
      { type: 'scatter', mode: 'lines', x: evaluation.pr.x, y: evaluation.pr.y, name: 'precision–recall', line: { color: ACCENT, width: 2 }, hovertemplate: 'recall %{x:.3f}<br>precision %{y:.3f}<extra></extra>' },
      { type: 'scatter', mode: 'lines', x: [0, 1], y: [baseRate, baseRate], name: `base rate ${(baseRate * 100).toFixed(1)}%`, line: { color: GREY, dash: 'dash', width: 1 }, hoverinfo: 'skip' },
    ],
    layout: { xaxis: unitAxis('recall'), yaxis: unitAxis('precision'), legend: { x: 0.02, y: 0.08 } },
  };
}

/** Cumulative gain (left axis) and lift (right axis) against the share of rows targeted. */
export function gainLiftFigure(evaluation: BinaryEvaluation): Figure {
  return {
    data: [
      { type: 'scatter', mode: 'lines', x: evaluation.gain.x, y: evaluation.gain.y, name: 'gain (share of positives found)', line: { color: ACCENT, width: 2 }, hovertemplate: 'top %{x:.1%}<br>%{y:.1%} of positives<extra></extra>' },
      diagonal('random targeting'),
      { type: 'scatter', mode: 'lines', x: evaluation.lift.x, y: evaluation.lift.y, name: 'lift', yaxis: 'y2', line: { color: ORANGE, width: 2 }, hovertemplate: 'top %{x:.1%}<br>lift %{y:.2f}×<extra></extra>' },
    ],
    layout: {
      xaxis: unitAxis('share of rows targeted (highest scores first)'),
      yaxis: unitAxis('share of positives'),
      yaxis2: { title: { text: 'lift' }, overlaying: 'y', side: 'right', rangemode: 'tozero', automargin: true, showgrid: false },
      legend: { orientation: 'h', y: -0.3 },
    },
  };
}

export function calibrationFigure(evaluation: BinaryEvaluation): Figure {
  const { calibration } = evaluation;
  const largest = Math.max(1, ...calibration.count);
  return {
    data: [
      diagonal('perfectly calibrated'),
      {
        type: 'scatter',
        mode: 'lines+markers',
        x: calibration.x,
        y: calibration.y,
        name: 'observed rate',
        line: { color: ACCENT, width: 2 },
        marker: { size: calibration.count.map((c) => 6 + 14 * Math.sqrt(c / largest)), color: ACCENT },
        customdata: calibration.count,
        hovertemplate: 'predicted %{x:.3f}<br>observed %{y:.3f}<br>%{customdata} rows<extra></extra>',
      },
    ],
    layout: { xaxis: unitAxis('mean predicted probability'), yaxis: unitAxis('observed positive rate'), legend: { x: 0.02, y: 0.98 } },
  };
}

export function importanceFigure(bars: ReadonlyArray<{ feature: string; value: number }>, kind: string): Figure {
  const reversed = [...bars].reverse();
  return {
    data: [{ type: 'bar', orientation: 'h', x: reversed.map((b) => b.value), y: reversed.map((b) => b.feature), marker: { color: ACCENT }, hovertemplate: `%{y}<br>${kind} %{x:.4g}<extra></extra>` }],
    layout: { xaxis: axis(kind === 'weight' ? 'number of splits' : `total ${kind}`), yaxis: { automargin: true }, height: Math.max(220, 40 + bars.length * 20) },
  };
}

/**
 * Dots the beeswarm draws at most, over all lanes: each is an SVG element, and 4,500 (300 rows × 15
 * features) took 0.2–0.5 s of one task to draw in the app (3,000: 0.12–0.23 s on a busy 2-core
 * machine). The rows are a random sample, so the first ones of each lane are a random subset of it.
 */
export const BEESWARM_MAX_DOTS = 2_000;

export function beeswarmFigure(rows: readonly BeeswarmRow[]): Figure {
  const data: Data[] = [];
  const perLane = Math.max(50, Math.floor(BEESWARM_MAX_DOTS / Math.max(1, rows.length)));
  rows.forEach((row, i) => {
    // Missing values are grey; present ones run from blue (low) to red (high).
    const present = row.colour.map((c) => c !== null);
    const pick = <T,>(list: readonly T[], keep: boolean): T[] => list.filter((_, k) => k < perLane && present[k] === keep);
    data.push({
      type: 'scatter',
      mode: 'markers',
      x: pick(row.shap, true),
      y: pick(row.lane, true),
      text: pick(row.value, true).map((v) => `${row.feature} = ${v}`),
      name: row.feature,
      marker: {
        size: 5,
        opacity: 0.8,
        color: pick(row.colour, true) as number[],
        cmin: 0,
        cmax: 1,
        colorscale: [[0, '#2563eb'], [0.5, '#a78bfa'], [1, '#dc2626']],
        ...(i === 0 ? { showscale: true, colorbar: { title: { text: 'feature value' }, tickvals: [0, 1], ticktext: ['low', 'high'], thickness: 10, len: 0.6 } } : {}),
      },
      hovertemplate: '%{text}<br>SHAP %{x:.4f}<extra></extra>',
      showlegend: false,
    });
    if (present.some((p) => !p)) {
      data.push({
        type: 'scatter',
        mode: 'markers',
        x: pick(row.shap, false),
        y: pick(row.lane, false),
        name: `${row.feature} missing`,
        marker: { size: 5, opacity: 0.6, color: GREY },
        hovertemplate: `${row.feature} missing<br>SHAP %{x:.4f}<extra></extra>`,
        showlegend: false,
      });
    }
  });
  const lanes = rows.map((row, rank) => rows.length - 1 - rank);
  return {
    data,
    layout: {
      xaxis: axis('SHAP value (effect on the margin)', { zeroline: true, zerolinecolor: GREY }),
      yaxis: { tickvals: lanes, ticktext: rows.map((r) => r.feature), automargin: true, range: [-0.7, rows.length - 0.3], showgrid: false },
      height: Math.max(260, 60 + rows.length * 28),
    },
  };
}

export function dependenceFigure(feature: string, points: { x: number[]; y: number[] }): Figure {
  return {
    data: [{ type: 'scatter', mode: 'markers', x: points.x, y: points.y, marker: { size: 5, color: ACCENT, opacity: 0.6 }, hovertemplate: `${feature} %{x}<br>SHAP %{y:.4f}<extra></extra>` }],
    layout: { xaxis: axis(feature), yaxis: axis(`SHAP value of ${feature}`, { zeroline: true, zerolinecolor: GREY }) },
  };
}

const INCREASING = '#dc2626';
const DECREASING = '#2563eb';
const TOTAL = '#374151';
/** Bars fill this share of their category slot (Plotly's default bargap is 0.2). */
const BAR_SPAN = 0.8;

/**
 * One row's SHAP waterfall, drawn as floating bars (`base`): the bundled Plotly has no `waterfall`
 * trace. The bias and the margin stand on zero; each contribution starts where the previous step
 * ended. Connector lines join one step's end to the next step's start, as a waterfall draws them.
 */
export function waterfallFigure(steps: readonly WaterfallStep[]): Figure {
  let running = 0;
  const base: number[] = [];
  const ends: number[] = [];
  for (const step of steps) {
    const start = step.measure === 'relative' ? running : 0;
    running = step.measure === 'relative' ? running + step.value : step.value;
    base.push(start);
    ends.push(running);
  }
  const colour = (step: WaterfallStep): string => (step.measure !== 'relative' ? TOTAL : step.value >= 0 ? INCREASING : DECREASING);
  const signed = (value: number, digits: number): string => (value > 0 ? `+${value.toFixed(digits)}` : value.toFixed(digits));
  const connectors = ends.slice(0, -1).map((end, index) => ({
    type: 'line' as const,
    xref: 'x' as const,
    yref: 'y' as const,
    x0: end,
    x1: end,
    y0: index + BAR_SPAN / 2,
    y1: index + 1 - BAR_SPAN / 2,
    line: { color: GREY, width: 1 },
  }));
  // `base` is a bar attribute the Plotly typings leave out.
  const bars: Partial<PlotData> & { base: number[] } = {
    type: 'bar',
    orientation: 'h',
    y: steps.map((s) => s.label),
    base,
    x: steps.map((s) => s.value),
    marker: { color: steps.map(colour) },
    text: steps.map((s) => (s.measure === 'relative' ? signed(s.value, 3) : s.value.toFixed(3))),
    textposition: 'auto',
    customdata: steps.map((s, i) => (s.measure === 'relative' ? `${signed(s.value, 4)} → ${ends[i]!.toFixed(4)}` : s.value.toFixed(4))),
    hovertemplate: '%{y}<br>%{customdata}<extra></extra>',
  };
  return {
    data: [bars],
    layout: {
      yaxis: { autorange: 'reversed', automargin: true },
      xaxis: axis('margin (log-odds for binary models)'),
      bargap: 1 - BAR_SPAN,
      shapes: connectors,
      showlegend: false,
      height: Math.max(260, 60 + steps.length * 26),
    },
  };
}
