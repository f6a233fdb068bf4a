/**
 * What a profile card shows, built from a column profile by pure functions (tested in Node):
 * histogram bins with dates on date axes, labelled top-value bars, distinct counts that say
 * whether they are exact.
 */
import { isZonedTimestamp, type ColumnProfile } from '../../../workers/api';
import type { HistogramChart } from '../../components/mini-histogram';
import { formatCount, formatValue } from '../../format';

export type { HistogramChart };

/** Longest top-value label drawn in full; longer ones end in "…" with the full text as the title. */
export const TOP_LABEL_MAX = 28;
export const TOP_VALUES_SHOWN = 8;

/** Epoch seconds (UTC) as an ISO date, or date and time when the column has times. */
export function isoFromEpochSeconds(seconds: number, withTime: boolean): string {
  const iso = new Date(Math.round(seconds * 1000)).toISOString();
  return withTime ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(0, 10);
}

function rowsText(count: number): string {
  return `${formatCount(count)} ${count === 1 ? 'row' : 'rows'}`;
}

/** A bin edge with about three significant digits of the bin width: neighbouring edges read apart. */
function edgeText(value: number, width: number): string {
  const decimals = Math.min(8, Math.max(0, 2 - Math.floor(Math.log10(width))));
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: decimals }).format(value);
}

/**
 * The histogram as bins on a number or date axis. Temporal bins arrive in epoch seconds; they
 * become milliseconds on a date axis, so the axis reads dates, not "1.3B".
 */
export function histogramChart(profile: ColumnProfile): HistogramChart | null {
  const bins = profile.histogram;
  if (!bins || bins.length === 0) return null;
  if (profile.valueType === 'date' || profile.valueType === 'timestamp') {
    const withTime = profile.valueType === 'timestamp';
    return {
      axis: profile.valueType,
      bins: bins.map((bin) => ({
        lo: bin.lo * 1000,
        hi: bin.hi * 1000,
        count: bin.count,
        loText: isoFromEpochSeconds(bin.lo, withTime),
        hiText: isoFromEpochSeconds(bin.hi, withTime),
        title: `${isoFromEpochSeconds(bin.lo, withTime)} – ${isoFromEpochSeconds(bin.hi, withTime)}: ${rowsText(bin.count)}`,
      })),
    };
  }
  return {
    axis: 'number',
    bins: bins.map((bin) => {
      const width = bin.hi - bin.lo;
      const loText = width > 0 ? edgeText(bin.lo, width) : formatValue(bin.lo);
      const hiText = width > 0 ? edgeText(bin.hi, width) : formatValue(bin.hi);
      return { lo: bin.lo, hi: bin.hi, count: bin.count, loText, hiText, title: `${width > 0 ? `${loText} – ${hiText}` : loText}: ${rowsText(bin.count)}` };
    }),
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

/**
 * The line under a TIMESTAMPTZ column's figures: its min/max, samples and histogram are instants
 * shown in UTC (the profile computes them without ICU, the same on every driver and machine).
 */
export function zoneNote(profile: Pick<ColumnProfile, 'type'>): string | null {
  return isZonedTimestamp(profile.type) ? 'Times shown in UTC' : null;
}

/**
 * The line under a FLOAT/DOUBLE column's figures when it holds NaN or ±infinity: how many, and
 * that the statistics leave them out. The engine's words, the same as `assay profile` prints.
 */
export { nonFiniteNote } from '../../../workers/api';

/** Min/max as shown: numbers rounded for reading, dates and text as they are. */
export function rangeLabel(profile: ColumnProfile, value: string | number | null): string {
  if (value === null) return '—';
  if (profile.valueType === 'timestamp' && typeof value === 'string') return value.replace(/\.0+$/, '');
  return formatValue(value);
}
