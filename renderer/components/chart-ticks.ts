/**
 * Axis ticks for the small SVG charts (profile-card histograms), as pure functions tested in Node:
 * numbers on 1-2-5 steps, counts as whole numbers, dates on calendar boundaries labelled as ISO
 * dates ("2011", "2011-07", "2011-07-15", "09:30" with the day beside it).
 */

export interface Tick {
  value: number;
  label: string;
  /** A second line under the label: the day of time ticks, where it starts or changes. */
  context?: string;
}

/** 1, 2 or 5 times a power of ten, the smallest not under `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  // Compared with a little slack so that 0.3 / 3 = 0.09999… picks 0.1, not 0.2.
  const nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10;
  return nice * power;
}

/** Decimals needed to print multiples of `step` exactly (0.25 → 2, 5 → 0). */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  for (let decimals = 0; decimals < 12; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return decimals;
  }
  return 12;
}

const SUFFIXES: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/**
 * A tick value as short text: thousands and up with k, M, B, T (with the decimals the step needs,
 * so neighbouring ticks never read the same), other values with the step's decimals.
 */
export function formatTickNumber(value: number, step: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  for (const [unit, suffix] of SUFFIXES) {
    if (magnitude < unit) continue;
    const decimals = stepDecimals(step / unit);
    // 12,345.2 stays whole: "12.3452k" reads worse than the number itself.
    if (decimals <= 2) return `${trimZeros((value / unit).toFixed(decimals))}${suffix}`;
    break;
  }
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: 0, maximumFractionDigits: stepDecimals(step) }).format(value);
}

/** "1.50" → "1.5", "2.0" → "2": multiples of a step printed with the step's decimals. */
function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Multiples of `step` within [min, max], computed as integers times the step (no drift). */
function multiplesWithin(min: number, max: number, step: number): number[] {
  const decimals = stepDecimals(step);
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const values: number[] = [];
  for (let k = first; k <= last; k++) values.push(Number((k * step).toFixed(decimals)));
  return values;
}

/**
 * At most `maxTicks` (and at least 2 where the range allows) evenly spaced round numbers within
 * [min, max]. A range of one value gets that value as its only tick.
 */
export function numericTicks(min: number, max: number, maxTicks: number): Tick[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max <= min) return [{ value: min, label: formatTickNumber(min, niceStep(Math.abs(min) / 10 || 1)) }];
  const limit = Math.max(2, Math.floor(maxTicks));
  let step = niceStep((max - min) / limit);
  let values = multiplesWithin(min, max, step);
  // The estimate can land one over the limit; the next nice step always fits.
  while (values.length > limit) {
    step = niceStep(step * 1.5);
    values = multiplesWithin(min, max, step);
  }
  return values.map((value) => ({ value, label: formatTickNumber(value, step) }));
}

/**
 * The count axis of a histogram: whole-number ticks from 0 to a round top at or above `maxCount`,
 * which is also the axis maximum (so the tallest bar ends under the top gridline).
 */
export function countTicks(maxCount: number, maxTicks: number): { ticks: Tick[]; top: number } {
  const limit = Math.max(1, Math.floor(maxTicks));
  if (!(maxCount > 0)) return { ticks: [{ value: 0, label: '0' }, { value: 1, label: '1' }], top: 1 };
  let step = Math.max(1, niceStep(maxCount / limit));
  while (Math.ceil(maxCount / step - 1e-9) > limit) step = niceStep(step * 1.5);
  const top = Math.ceil(maxCount / step - 1e-9) * step;
  const ticks = multiplesWithin(0, top, step).map((value) => ({ value, label: formatTickNumber(value, step) }));
  return { ticks, top };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type DateUnit = 'millisecond' | 'day' | 'month' | 'year';

interface DateInterval {
  unit: DateUnit;
  /** Milliseconds for fixed intervals, days, months or years for calendar ones. */
  count: number;
  /** About how long it is, to pick the interval before stepping through the calendar. */
  approxMs: number;
}

const DATE_INTERVALS: DateInterval[] = [
  ...[1, 2, 5, 10, 15, 30].map((s) => ({ unit: 'millisecond' as const, count: s * SECOND, approxMs: s * SECOND })),
  ...[1, 2, 5, 10, 15, 30].map((m) => ({ unit: 'millisecond' as const, count: m * MINUTE, approxMs: m * MINUTE })),
  ...[1, 2, 3, 6, 12].map((h) => ({ unit: 'millisecond' as const, count: h * HOUR, approxMs: h * HOUR })),
  ...[1, 2, 7, 14].map((d) => ({ unit: 'day' as const, count: d, approxMs: d * DAY })),
  ...[1, 2, 3, 6].map((m) => ({ unit: 'month' as const, count: m, approxMs: m * 30.44 * DAY })),
  ...[1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000].map((y) => ({ unit: 'year' as const, count: y, approxMs: y * 365.25 * DAY })),
];

/** Calendar boundaries of `interval` within [min, max] (epoch milliseconds, UTC). */
function dateBoundaries(min: number, max: number, interval: DateInterval): number[] {
  const values: number[] = [];
  if (interval.unit === 'millisecond' || interval.unit === 'day') {
    // Days count from the epoch (1970-01-01), so 7-day ticks land on the same weekday throughout.
    const step = interval.unit === 'day' ? interval.count * DAY : interval.count;
    for (let t = Math.ceil(min / step) * step; t <= max; t += step) values.push(t);
    return values;
  }
  const start = new Date(min);
  let year = start.getUTCFullYear();
  let month = interval.unit === 'year' ? 0 : start.getUTCMonth();
  if (interval.unit === 'year') year = Math.floor(year / interval.count) * interval.count;
  else month = Math.floor(month / interval.count) * interval.count;
  for (;;) {
    const t = Date.UTC(year, month, 1);
    if (t > max) break;
    if (t >= min) values.push(t);
    if (interval.unit === 'year') year += interval.count;
    else month += interval.count;
  }
  return values;
}

function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

function dateLabel(t: number, interval: DateInterval): Pick<Tick, 'label' | 'context'> {
  const iso = new Date(t).toISOString();
  if (interval.unit === 'year') return { label: iso.slice(0, 4) };
  if (interval.unit === 'month') return { label: iso.slice(0, 7) };
  if (interval.unit === 'day') return { label: iso.slice(0, 10) };
  return { label: interval.count < MINUTE ? iso.slice(11, 19) : iso.slice(11, 16), context: iso.slice(0, 10) };
}

/**
 * Date ticks within [min, max] (epoch milliseconds, UTC): the shortest calendar interval (seconds
 * up to millennia) that gives at most `maxTicks` ticks, on its boundaries (whole hours, days, the
 * first of a month, January 1st). Time ticks carry their day as context on the first tick and
 * where the day changes. A range of one instant gets that day as its only tick.
 */
export function dateTicks(min: number, max: number, maxTicks: number): Tick[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max <= min) return [{ value: min, label: isoDay(min) }];
  const limit = Math.max(2, Math.floor(maxTicks));
  const span = max - min;
  for (const interval of DATE_INTERVALS) {
    // Skip intervals that certainly give too many ticks before walking the calendar.
    if (span / interval.approxMs > limit + 1) continue;
    const values = dateBoundaries(min, max, interval);
    if (values.length > limit) continue;
    if (values.length === 0) continue;
    let previousDay = '';
    return values.map((value) => {
      const { label, context } = dateLabel(value, interval);
      const day = context ?? '';
      const tick: Tick = context !== undefined && day !== previousDay ? { value, label, context } : { value, label };
      previousDay = day;
      return tick;
    });
  }
  return [{ value: min, label: isoDay(min) }];
}
