/**
 * Where a small histogram's bars, ticks and labels go for a given size, as a pure function (tested
 * in Node), so that `MiniChart` only draws the result in SVG: no charting library on first start.
 */
import { countTicks, dateTicks, numericTicks, type Tick } from './chart-ticks';

/** The histogram's x axis: numbers, or dates (epoch milliseconds, UTC) read as days or as times. */
export type HistogramAxis = 'number' | 'date' | 'timestamp';

export interface HistogramBin {
  /** Bin edges on the axis: numbers as they are, dates in epoch milliseconds. */
  lo: number;
  hi: number;
  count: number;
  /** The edges as a reader sees them (ISO dates, numbers to the bin's precision). */
  loText: string;
  hiText: string;
  /** The tooltip: the bin's range and its row count. */
  title: string;
}

export interface HistogramChart {
  axis: HistogramAxis;
  bins: HistogramBin[];
}

/** Rough width of one character of the 10 px axis font, to keep labels from running together. */
const CHAR_WIDTH = 6;
const LABEL_GAP = 10;
const TOP = 6;
const RIGHT = 8;
const X_LABEL_LINE = 12;
/** Fraction of each bin left empty between bars (Plotly's bargap was 0.05). */
const BAR_GAP = 0.05;

export interface BarBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Full-height hit area, so a bin of few rows still shows its tooltip. */
  hitX: number;
  hitWidth: number;
  title: string;
}

export interface PlacedTick extends Tick {
  /** Pixel position along its axis (x for the x axis, y for counts). */
  at: number;
}

export interface HistogramLayout {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  bars: BarBox[];
  xTicks: PlacedTick[];
  yTicks: PlacedTick[];
}

const labelWidth = (text: string): number => text.length * CHAR_WIDTH;

/** The x domain: first bin's start to last bin's end, widened around a single value. */
function xDomain(chart: HistogramChart): [number, number] {
  const lo = Math.min(...chart.bins.map((bin) => bin.lo));
  const hi = Math.max(...chart.bins.map((bin) => bin.hi));
  if (hi > lo) return [lo, hi];
  const half = chart.axis === 'number' ? Math.max(Math.abs(lo) * 0.1, 0.5) : 12 * 60 * 60 * 1000;
  return [lo - half, hi + half];
}

/** As many x ticks as fit side by side without their labels touching. */
function fittingXTicks(chart: HistogramChart, min: number, max: number, plotWidth: number): Tick[] {
  const ticksFor = (maxTicks: number): Tick[] => (chart.axis === 'number' ? numericTicks(min, max, maxTicks) : dateTicks(min, max, maxTicks));
  for (let maxTicks = Math.max(2, Math.floor(plotWidth / 30)); maxTicks >= 2; maxTicks--) {
    const ticks = ticksFor(maxTicks);
    const widest = Math.max(0, ...ticks.map((tick) => Math.max(labelWidth(tick.label), labelWidth(tick.context ?? ''))));
    if (ticks.length * (widest + LABEL_GAP) <= plotWidth || ticks.length <= 1) return ticks;
  }
  // Even two labels do not fit: show the first only.
  return ticksFor(2).slice(0, 1);
}

/** Lays out a histogram in `width` × `height` pixels (axis labels included). */
export function layoutHistogram(chart: HistogramChart, width: number, height: number): HistogramLayout {
  if (chart.bins.length === 0) return { width, height, plot: { left: 0, top: 0, right: width, bottom: height }, bars: [], xTicks: [], yTicks: [] };
  const maxCount = Math.max(0, ...chart.bins.map((bin) => bin.count));
  const [min, max] = xDomain(chart);
  const bottomGuess = height - X_LABEL_LINE - 8;
  const counts = countTicks(maxCount, Math.max(1, Math.floor((bottomGuess - TOP) / 28)));
  const left = Math.max(...counts.ticks.map((tick) => labelWidth(tick.label))) + 8;
  const plotWidth = Math.max(1, width - left - RIGHT);
  const rawXTicks = fittingXTicks(chart, min, max, plotWidth);
  const twoLines = rawXTicks.some((tick) => tick.context !== undefined);
  const bottom = height - 8 - X_LABEL_LINE * (twoLines ? 2 : 1);
  const plot = { left, top: TOP, right: left + plotWidth, bottom: Math.max(TOP + 1, bottom) };
  const plotHeight = plot.bottom - plot.top;

  const xAt = (value: number): number => plot.left + ((value - min) / (max - min)) * plotWidth;
  const yAt = (count: number): number => plot.bottom - (count / counts.top) * plotHeight;

  const bars = chart.bins.map((bin): BarBox => {
    let x0 = xAt(bin.lo);
    let x1 = xAt(bin.hi);
    // A single-value bin is drawn as a narrow bar around its value.
    if (x1 - x0 < 1) {
      const centre = (x0 + x1) / 2;
      const half = Math.max(0.5, bin.hi > bin.lo ? 0.5 : plotWidth * 0.05);
      x0 = centre - half;
      x1 = centre + half;
    }
    const inset = ((x1 - x0) * BAR_GAP) / 2;
    const y = yAt(bin.count);
    return {
      x: x0 + inset,
      y,
      width: Math.max(1, x1 - x0 - 2 * inset),
      height: plot.bottom - y,
      hitX: x0,
      hitWidth: x1 - x0,
      title: bin.title,
    };
  });

  // Labels are centred on their tick but kept inside the chart.
  const xTicks = rawXTicks.map((tick): PlacedTick => ({ ...tick, at: xAt(tick.value) }));
  const yTicks = counts.ticks.map((tick): PlacedTick => ({ ...tick, at: yAt(tick.value) }));
  return { width, height, plot, bars, xTicks, yTicks };
}

/** Where a tick's label is centred: on its tick, or moved inward so the whole label shows. */
export function labelCentre(tick: PlacedTick, width: number): number {
  const half = Math.max(labelWidth(tick.label), labelWidth(tick.context ?? '')) / 2;
  return Math.min(Math.max(tick.at, half + 1), width - half - 1);
}

/** The chart in words, for screen readers: its range and where most rows are. */
export function histogramSummary(chart: HistogramChart, column: string): string {
  const first = chart.bins[0];
  const last = chart.bins[chart.bins.length - 1];
  if (!first || !last) return `Histogram of ${column}: no values`;
  const fullest = chart.bins.reduce((best, bin) => (bin.count > best.count ? bin : best), first);
  const bins = `${chart.bins.length} ${chart.bins.length === 1 ? 'bin' : 'bins'}`;
  return `Histogram of ${column}: ${bins} from ${first.loText} to ${last.hiText}; most rows in ${fullest.title}`;
}
