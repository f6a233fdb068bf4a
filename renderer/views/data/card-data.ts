/**
 * What a profile card shows, built from a column profile by pure functions (tested in Node):
 * histogram traces with dates on date axes, labelled top-value bars, distinct counts that say
 * whether they are exact.
 */
import type { Data, Layout } from 'plotly.js';
import type { ColumnProfile } from '../../../workers/api';
import { formatCount, formatValue } from '../../format';

const ACCENT = '#2563eb';
/** Longest top-value label drawn in full; longer ones end in "…" with the full text as the title. */
export const TOP_LABEL_MAX = 28;
export const TOP_VALUES_SHOWN = 8;

export interface HistogramChart {
  data: Data[];
  layout: Partial<Layout>;
}

/** Epoch seconds (UTC) as an ISO date, or date and time when the column has times. */
export function isoFromEpochSeconds(seconds: number, withTime: boolean): string {
  const iso = new Date(Math.round(seconds * 1000)).toISOString();
  return withTime ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(0, 10);
}

/**
 * The histogram as a bar trace. Temporal bins arrive in epoch seconds; they are drawn on a date
 * axis (bar centres as ISO text, widths in milliseconds) so the axis reads dates, not "1.3B".
 */
export function histogramChart(profile: ColumnProfile): HistogramChart | null {
  const bins = profile.histogram;
  if (!bins || bins.length === 0) return null;
  const counts = bins.map((bin) => bin.count);
  if (profile.valueType === 'date' || profile.valueType === 'timestamp') {
    const withTime = profile.valueType === 'timestamp';
    return {
      data: [
        {
          type: 'bar',
          x: bins.map((bin) => isoFromEpochSeconds((bin.lo + bin.hi) / 2, true)),
          y: counts,
          width: bins.map((bin) => Math.max((bin.hi - bin.lo) * 1000, 1)),
          customdata: bins.map((bin) => `${isoFromEpochSeconds(bin.lo, withTime)} – ${isoFromEpochSeconds(bin.hi, withTime)}`),
          marker: { color: ACCENT },
          hovertemplate: '%{customdata}<br>%{y} rows<extra></extra>',
        },
      ],
      layout: { xaxis: { type: 'date', automargin: true }, yaxis: { automargin: true } },
    };
  }
  return {
    data: [
      {
        type: 'bar',
        x: bins.map((bin) => (bin.lo + bin.hi) / 2),
        y: counts,
        width: bins.map((bin) => Math.max(bin.hi - bin.lo, Number.EPSILON)),
        marker: { color: ACCENT },
        hovertemplate: '%{x}<br>%{y} rows<extra></extra>',
      },
    ],
    layout: { xaxis: { type: 'linear', automargin: true }, yaxis: { automargin: true } },
  };
}

export interface TopValueBar {
  /** The category as drawn (truncated with "…" past TOP_LABEL_MAX characters). */
  label: string;
  /** The full category text, for the tooltip. */
  title: string;
  isNull: boolean;
  count: number;
  /** Share of all rows. */
  share: number;
  /** Bar length relative to the most frequent value (0–1]. */
  width: number;
}

/** The most frequent values of a text or boolean column, each with its label. */
export function topValueBars(profile: ColumnProfile, limit = TOP_VALUES_SHOWN): TopValueBar[] {
  const top = (profile.topK ?? []).slice(0, limit);
  const most = Math.max(1, ...top.map((entry) => entry.count));
  return top.map((entry) => {
    const text = entry.value ?? '(null)';
    return {
      label: text.length > TOP_LABEL_MAX ? `${text.slice(0, TOP_LABEL_MAX - 1)}…` : text,
      title: `${text}: ${formatCount(entry.count)} rows`,
      isNull: entry.value === null,
      count: entry.count,
      share: profile.rowCount > 0 ? entry.count / profile.rowCount : 0,
      width: entry.count / most,
    };
  });
}

/** The distinct count as shown: exact counts plainly, estimates with "≈". */
export function distinctLabel(profile: ColumnProfile): { text: string; title: string } {
  // Values of other types (TIME, BLOB, lists, structs) are not counted: say so, not "0".
  if (profile.kind === 'other') return { text: '—', title: 'distinct values are not counted for this type' };
  if (profile.distinctExact) return { text: formatCount(profile.distinct), title: 'exact count of distinct non-null values' };
  return { text: `≈${formatCount(profile.distinct)}`, title: 'HyperLogLog estimate of distinct non-null values (can be off by 20%)' };
}

/** Min/max as shown: numbers rounded for reading, dates and text as they are. */
export function rangeLabel(profile: ColumnProfile, value: string | number | null): string {
  if (value === null) return '—';
  if (profile.valueType === 'timestamp' && typeof value === 'string') return value.replace(/\.0+$/, '');
  return formatValue(value);
}
