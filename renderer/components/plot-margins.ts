/**
 * Margins for a Plotly figure measured from its axis labels, so Plotly's `automargin` (draw, measure
 * in the DOM, draw again) is not needed. Pure: the text measure is passed in.
 */
import type { Data, Layout, LayoutAxis } from 'plotly.js';

/** Width in CSS pixels of `text` in the given font. */
export type MeasureText = (text: string, fontSize: number, fontFamily: string) => number;

interface Margins {
  l: number;
  r: number;
  t: number;
  b: number;
}

/** Plotly's own defaults, used where the layout sets none. */
const PLOTLY_MARGINS: Margins = { l: 80, r: 80, t: 100, b: 80 };
const PLOTLY_FONT = { size: 12, family: '"Open Sans", verdana, arial, sans-serif' };
/** Tick length, label padding and a little air between the labels and the edge. */
const TICK_SPACE = 12;
/** Longest numeric tick label assumed when the data gives no better idea ("−0.25", "12.5k"). */
const NUMERIC_LABEL = '−0.000';

type AxisName = 'xaxis' | 'yaxis';

/** Plotly's SI-style short form of a tick value ("12.5k", "0.25", "−3"), as wide as the real labels. */
export function shortNumber(value: number): string {
  const abs = Math.abs(value);
  const sign = value < 0 ? '−' : '';
  const units: Array<[number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [size, suffix] of units) if (abs >= size) return `${sign}${Number((abs / size).toPrecision(3))}${suffix}`;
  return `${sign}${Number(abs.toPrecision(2))}`;
}

/** The labels an axis will show: its tick texts, the categories of its traces, or numbers from its range. */
function axisLabels(letter: 'x' | 'y', axis: Partial<LayoutAxis>, data: readonly Data[]): string[] {
  if (Array.isArray(axis.ticktext) && axis.ticktext.length > 0) return axis.ticktext.map(String);
  const categories = new Set<string>();
  let min = Infinity;
  let max = -Infinity;
  for (const trace of data) {
    const record = trace as Record<string, unknown>;
    // Only traces on the primary axes ("x", "y") are measured; others keep Plotly's automargin.
    const onAxis = record[`${letter}axis`];
    if (onAxis !== undefined && onAxis !== letter) continue;
    const values = record[letter];
    if (!Array.isArray(values) && !ArrayBuffer.isView(values)) continue;
    const list = values as ArrayLike<unknown>;
    for (let i = 0; i < list.length; i++) {
      const value = list[i];
      if (typeof value === 'number') {
        if (Number.isFinite(value)) {
          if (value < min) min = value;
          if (value > max) max = value;
        }
      } else if (typeof value === 'string' && categories.size < 500) categories.add(value);
    }
  }
  if (Array.isArray(axis.range)) for (const value of axis.range) if (typeof value === 'number') [min, max] = [Math.min(min, value), Math.max(max, value)];
  const labels = [...categories];
  if (Number.isFinite(min)) labels.push(shortNumber(min), shortNumber(max), shortNumber((min + max) / 2));
  return labels.length > 0 ? labels : [NUMERIC_LABEL];
}

function titleText(axis: Partial<LayoutAxis>): string {
  const title = axis.title as string | { text?: string } | undefined;
  return typeof title === 'string' ? title : (title?.text ?? '');
}

/**
 * The layout with `automargin` turned off on the primary x and y axes and the margins set from the
 * widest label (and a rotated x axis's height), each margin never below what the layout asked for.
 * `width` is the chart's width in pixels (for deciding whether x labels must be rotated).
 */
export function fixedMargins(data: readonly Data[], layout: Partial<Layout>, options: { measure: MeasureText; width: number; height?: number }): Partial<Layout> {
  const axes = (['xaxis', 'yaxis'] as const).filter((name) => (layout[name] as Partial<LayoutAxis> | undefined)?.automargin === true);
  const fontSize = layout.font?.size ?? PLOTLY_FONT.size;
  const fontFamily = layout.font?.family ?? PLOTLY_FONT.family;
  const margin: Margins = { ...PLOTLY_MARGINS, ...(layout.margin as Partial<Margins> | undefined) };
  const asked = { ...margin };
  const next: Partial<Layout> = { ...layout };
  for (const name of axes as AxisName[]) {
    const axis = { ...(layout[name] as Partial<LayoutAxis>), automargin: false };
    const size = axis.tickfont?.size ?? fontSize;
    const family = axis.tickfont?.family ?? fontFamily;
    const labels = axisLabels(name === 'xaxis' ? 'x' : 'y', axis, data);
    const widest = Math.max(...labels.map((label) => options.measure(label, size, family)));
    const title = titleText(axis) ? (axis.title as { font?: { size?: number } } | undefined)?.font?.size ?? fontSize + 2 : 0;
    const titleSpace = title > 0 ? title * 1.4 + 6 : 0;
    if (name === 'yaxis') {
      const need = Math.ceil(widest + TICK_SPACE + titleSpace);
      if (axis.side === 'right') margin.r = Math.max(margin.r, need);
      else margin.l = Math.max(margin.l, need);
    } else {
      let angle = typeof axis.tickangle === 'number' ? axis.tickangle : null;
      if (angle === null) {
        // Plotly turns labels that would overlap by 30° or 90°; decide here, with the same space.
        const plotWidth = Math.max(50, options.width - margin.l - margin.r);
        const spacing = plotWidth / Math.max(1, Math.min(labels.length, 12));
        // At 30° neighbours clear each other when the spacing exceeds the label height / sin(30°).
        angle = widest + 6 <= spacing ? 0 : size * 1.2 * 2 <= spacing ? -30 : -90;
        if (angle !== 0) axis.tickangle = angle;
      }
      const radians = (Math.abs(angle) * Math.PI) / 180;
      const height = widest * Math.sin(radians) + size * 1.2 * Math.cos(radians);
      const need = Math.ceil(height + TICK_SPACE + titleSpace);
      if (axis.side === 'top') margin.t = Math.max(margin.t, need);
      else margin.b = Math.max(margin.b, need);
    }
    next[name] = axis;
  }
  // Legends and colour bars outside the plot push the margins too (Plotly's autoexpand, another
  // full draw when they do not fit): make room for them here. Plotly still expands a margin that
  // turns out too small, so an estimate on the small side costs a draw, never a clipped label.
  const height = typeof layout.height === 'number' ? layout.height : (options.height ?? 450);
  roomForLegend(data, layout, margin, { measure: options.measure, fontSize, fontFamily, width: options.width, height });
  roomForColourBars(data, margin, { measure: options.measure, fontSize, fontFamily, width: options.width });
  const changed = axes.length > 0 || (Object.keys(margin) as Array<keyof Margins>).some((side) => margin[side] !== asked[side]);
  if (!changed) return layout;
  next.margin = { ...(layout.margin ?? {}), ...margin };
  return next;
}

interface TextOptions {
  measure: MeasureText;
  fontSize: number;
  fontFamily: string;
  width: number;
}

/** Symbol and gaps of one legend item beside its text (Plotly: 40 px item width + padding). */
const LEGEND_ITEM = 46;
const SLACK = 6;

function roomForLegend(data: readonly Data[], layout: Partial<Layout>, margin: Margins, options: TextOptions & { height: number }): void {
  const items = data.map((trace, i) => ({ trace: trace as Record<string, unknown>, i })).filter(({ trace }) => trace.showlegend !== false);
  const shown = layout.showlegend ?? items.length > 1;
  if (!shown || items.length === 0) return;
  const legend = (layout.legend ?? {}) as { orientation?: string; x?: number; y?: number; font?: { size?: number } };
  const size = legend.font?.size ?? options.fontSize;
  const widths = items.map(({ trace, i }) => options.measure(typeof trace.name === 'string' ? trace.name : `trace ${i}`, size, options.fontFamily) + LEGEND_ITEM);
  const rowHeight = size * 1.3 + 8;
  if (legend.orientation === 'h') {
    const y = legend.y ?? -0.1;
    if (y > 0 && y <= 1) return;
    // Items wrap into rows over the chart's width.
    let rows = 1;
    let used = 0;
    for (const w of widths) {
      if (used > 0 && used + w > options.width) {
        rows += 1;
        used = 0;
      }
      used += w;
    }
    const legendHeight = rows * rowHeight + 6;
    const gap = Math.abs(y > 1 ? y - 1 : y);
    if (y > 1) margin.t = Math.max(margin.t, Math.ceil((gap * (options.height - margin.b) + legendHeight) / (1 + gap)) + SLACK);
    // Below the plot, its top `gap` plot heights under the plot's bottom edge.
    else margin.b = Math.max(margin.b, Math.ceil((gap * (options.height - margin.t) + legendHeight) / (1 + gap)) + SLACK);
    return;
  }
  const x = legend.x ?? 1.02;
  if (x <= 1) return;
  const plotWidth = Math.max(50, options.width - margin.l - margin.r);
  margin.r = Math.max(margin.r, Math.ceil((x - 1) * plotWidth + Math.max(...widths) + SLACK));
}

function roomForColourBars(data: readonly Data[], margin: Margins, options: TextOptions): void {
  for (const trace of data as ReadonlyArray<Record<string, unknown>>) {
    const marker = (trace.marker ?? {}) as { showscale?: boolean; colorbar?: ColourBar };
    const heatmap = trace.type === 'heatmap' && trace.showscale !== false;
    if (!(marker.showscale === true || heatmap)) continue;
    const bar: ColourBar = (heatmap ? trace.colorbar : marker.colorbar) ?? {};
    const ticks = Array.isArray(bar.ticktext) ? bar.ticktext.map(String) : [NUMERIC_LABEL];
    const tickWidth = Math.max(...ticks.map((t) => options.measure(t, options.fontSize, options.fontFamily)));
    const title = typeof bar.title === 'string' ? bar.title : (bar.title?.text ?? '');
    const titleWidth = title ? options.measure(title, options.fontSize, options.fontFamily) : 0;
    const width = Math.max((bar.thickness ?? 30) + 6 + tickWidth, titleWidth) + 20;
    const plotWidth = Math.max(50, options.width - margin.l - margin.r);
    margin.r = Math.max(margin.r, Math.ceil(((bar.x ?? 1.02) - 1) * plotWidth + width + SLACK));
  }
}

interface ColourBar {
  x?: number;
  thickness?: number;
  ticktext?: unknown[];
  title?: string | { text?: string };
}
