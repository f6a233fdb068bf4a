/** A metric with a fixed number of decimals ('—' for NaN or infinity). */
export const fixed = (value: number, digits = 4): string => (Number.isFinite(value) ? value.toFixed(digits) : '—');
/** A share as a percentage with one decimal ('—' for NaN or infinity). */
export const percent = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : '—');
