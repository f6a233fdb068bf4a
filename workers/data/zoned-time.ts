/**
 * TIMESTAMPTZ (DuckDB names it "TIMESTAMP WITH TIME ZONE") read in UTC with functions DuckDB has
 * without ICU. duckdb-wasm has no ICU: epoch(), CAST(… AS DATE), date_trunc and TIMESTAMP
 * arithmetic on a TIMESTAMPTZ fail there. Native DuckDB has ICU, and there `CAST(x AS TIMESTAMP)`
 * gives the wall clock of the session's time zone. epoch_us and make_timestamp(BIGINT) are
 * ICU-free and zone-free, so these forms give the same answers on both drivers.
 */

export function isZonedTimestamp(type: string): boolean {
  const t = type.trim().toUpperCase();
  return t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ';
}

/**
 * A TIMESTAMPTZ value as the TIMESTAMP of its UTC wall clock. ±infinity has no epoch: it is cast
 * instead (the same on both drivers). `expr` appears more than once: pass a column or an aggregate.
 */
export function utcWallClock(expr: string): string {
  return `CASE WHEN isfinite(${expr}) THEN make_timestamp(epoch_us(${expr})) ELSE CAST(${expr} AS TIMESTAMP) END`;
}

/** A DATE or TIMESTAMP-like value as TIMESTAMP; a TIMESTAMPTZ as its UTC wall clock. */
export function asTimestamp(type: string, expr: string): string {
  return isZonedTimestamp(type) ? utcWallClock(expr) : `CAST(${expr} AS TIMESTAMP)`;
}

/** A DATE or TIMESTAMP-like value as DATE; a TIMESTAMPTZ as its UTC day. */
export function asDate(type: string, expr: string): string {
  return `CAST(${isZonedTimestamp(type) ? utcWallClock(expr) : expr} AS DATE)`;
}

/**
 * A temporal value as text. TIMESTAMPTZ reads as DuckDB without ICU prints it, in UTC
 * ("2021-03-04 05:06:07+00"), whatever the driver and the machine's time zone.
 */
export function temporalText(type: string, expr: string): string {
  if (!isZonedTimestamp(type)) return `CAST(${expr} AS VARCHAR)`;
  return `CASE WHEN isfinite(${expr}) THEN CAST(make_timestamp(epoch_us(${expr})) AS VARCHAR) || '+00' ELSE CAST(${expr} AS VARCHAR) END`;
}

/** A temporal value in epoch seconds (DOUBLE), for ranges and histogram bins. */
export function epochSeconds(type: string, expr: string): string {
  return `epoch(${isZonedTimestamp(type) ? utcWallClock(expr) : expr})`;
}
