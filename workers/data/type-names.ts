/**
 * DuckDB type names as the engine's jobs classify them, in one place. A list or array (BIGINT[],
 * DOUBLE[3], TIMESTAMP[]) is not of its element's kind: a numeric or date job cannot read it.
 */

export function isListTypeName(type: string): boolean {
  return type.trim().endsWith(']');
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL)/i;

/** Integers, floats and decimals (DECIMAL(18,3) too). */
export function isNumericTypeName(type: string): boolean {
  return !isListTypeName(type) && NUMERIC.test(type.trim());
}

/** DATE and every TIMESTAMP type (with time zone, _S, _MS, _NS). */
export function isTemporalTypeName(type: string): boolean {
  return !isListTypeName(type) && /^(DATE|TIMESTAMP)/i.test(type.trim());
}
