/**
 * Dates and times as DuckDB prints them, from the stored integers of their Arrow columns: Arrow JS
 * gives DATE and TIMESTAMP values as epoch milliseconds (a double: microseconds and nanoseconds
 * rounded, 'infinity' a TypeError). Shared by `assay query` and the app's result grid, so both
 * show what `--out x.csv` writes. Pure: no DOM, no Node.
 */
import { DataType, DateUnit, TimeUnit, type Data, type Field, type Vector } from 'apache-arrow';

/** DuckDB's ±infinity: int64 max and -max for timestamps, int32 max and -max for dates. */
const TIMESTAMP_INFINITY = 9223372036854775807n;
const DATE_INFINITY = 2147483647;

const pad = (n: number | bigint, width = 2): string => String(n).padStart(width, '0');
const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** Year, month and day of a count of days since 1970-01-01, proleptic Gregorian (H. Hinnant's civil_from_days). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** A DATE as DuckDB prints it: 2024-01-10; year 0 and before as "0001-03-15 (BC)". */
export function dateText(days: number): string {
  if (days >= DATE_INFINITY) return 'infinity';
  if (days <= -DATE_INFINITY) return '-infinity';
  const { year, month, day } = civilFromDays(days);
  return `${pad(year > 0 ? year : 1 - year, 4)}-${pad(month)}-${pad(day)}${year > 0 ? '' : ' (BC)'}`;
}

/** `HH:MM:SS[.fraction]` of `units` since midnight (`perSecond` units a second); trailing zeros dropped, as DuckDB does. */
export function timeOfDayText(units: bigint, perSecond: bigint): string {
  const seconds = units / perSecond;
  const fraction = units % perSecond;
  let text = `${pad(seconds / 3600n)}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}`;
  if (fraction !== 0n) text += `.${pad(fraction, String(perSecond).length - 1).replace(/0+$/, '')}`;
  return text;
}

/**
 * A TIMESTAMP as DuckDB prints it ("2024-01-10 10:00:00.123456"). A TIMESTAMPTZ is an instant:
 * shown in UTC with "+00", as DuckDB without ICU (and the profile, see data/zoned-time.ts) prints it.
 */
export function timestampText(value: bigint, perSecond: bigint, zoned: boolean): string {
  if (value >= TIMESTAMP_INFINITY) return 'infinity';
  if (value <= -TIMESTAMP_INFINITY) return '-infinity';
  const seconds = floorDiv(value, perSecond);
  const fraction = value - seconds * perSecond;
  const days = floorDiv(seconds, 86_400n);
  const time = timeOfDayText((seconds - days * 86_400n) * perSecond + fraction, perSecond);
  // DuckDB puts the era after the date: "0045-03-15 (BC) 01:02:03".
  return `${dateText(Number(days))} ${time}${zoned ? '+00' : ''}`;
}

const UNITS_PER_SECOND: Record<number, bigint> = { [TimeUnit.SECOND]: 1n, [TimeUnit.MILLISECOND]: 1_000n, [TimeUnit.MICROSECOND]: 1_000_000n, [TimeUnit.NANOSECOND]: 1_000_000_000n };

/** The stored integer of each cell of a column (null for NULL), chunk after chunk. */
function storedIntegers(vector: Vector): Array<bigint | null> {
  const out: Array<bigint | null> = [];
  for (const chunk of vector.data as Array<Data<DataType>>) {
    const values = chunk.values as ArrayLike<number | bigint>;
    for (let i = 0; i < chunk.length; i++) out.push(chunk.getValid(i) ? BigInt(values[i] ?? 0) : null);
  }
  return out;
}

/** The display texts of a date, timestamp or time column (null for NULL), or null for any other type. */
export function temporalColumnTexts(field: Field, vector: Vector): Array<string | null> | null {
  const type = field.type as DataType & { unit?: number; timezone?: string | null };
  let text: ((v: bigint) => string) | null = null;
  if (DataType.isDate(type)) text = type.unit === DateUnit.DAY ? (v) => dateText(Number(v)) : (v) => dateText(Number(floorDiv(v, 86_400_000n)));
  else if (DataType.isTimestamp(type)) {
    const perSecond = UNITS_PER_SECOND[type.unit ?? TimeUnit.MICROSECOND] ?? 1_000_000n;
    text = (v) => timestampText(v, perSecond, Boolean(type.timezone));
  } else if (DataType.isTime(type)) {
    const perSecond = UNITS_PER_SECOND[type.unit ?? TimeUnit.MICROSECOND] ?? 1_000_000n;
    text = (v) => timeOfDayText(v, perSecond);
  }
  if (!text) return null;
  const format = text;
  return storedIntegers(vector).map((v) => (v === null ? null : format(v)));
}
