/**
 * DuckDB's orders (byte-wise text, NaN above every number) and the word-at-a-time kernels that
 * turn typed arrays into row bitsets, 32 rows per word.
 */
import type { ComparisonOp } from './ast';
import type { Bits } from './bitsets';

/** Compares two strings by Unicode code point (= UTF-8 byte order, as DuckDB does). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // UTF-16 order differs from code point order only for surrogates vs U+E000..U+FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** DuckDB's number order: NaN equals NaN and is above every other number. */
export function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  return an && bn ? 0 : an ? 1 : -1;
}

/** Which comparison outcomes make `op` true: bit 0 less, bit 1 equal, bit 2 greater. */
export const OUTCOMES: Readonly<Record<ComparisonOp, number>> = { '<': 0b001, '<=': 0b011, '=': 0b010, '!=': 0b101, '>=': 0b110, '>': 0b100 };

export function holds(op: ComparisonOp, sign: number): boolean {
  return ((OUTCOMES[op] >> (sign + 1)) & 1) === 1;
}

/*
 * Number kernels: `out` gets, per 32 rows, the bits where `values[i] op v` holds (v finite), built
 * with shifts and no branches. NaN sorts above every number, so `>` is written !(x <= v) and `>=`
 * !(x < v), which NaN satisfies; the other operators are false (or, for !=, true) for NaN as they
 * should be. Bits of rows without a value are garbage: callers mask them with the validity bitset.
 */
export function numberKernel(values: Float64Array, rows: number, op: ComparisonOp, v: number, out: Bits): void {
  const words = out.length;
  for (let w = 0; w < words; w++) {
    const base = w << 5;
    const last = Math.min(32, rows - base) - 1;
    let bits = 0;
    switch (op) {
      case '<':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((values[base + j] as number) < v);
        break;
      case '<=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((values[base + j] as number) <= v);
        break;
      case '>':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +!((values[base + j] as number) <= v);
        break;
      case '>=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +!((values[base + j] as number) < v);
        break;
      case '=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((values[base + j] as number) === v);
        break;
      case '!=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((values[base + j] as number) !== v);
        break;
    }
    out[w] = bits;
  }
}

/** Bits where low <= values[i] <= high (NaN is above every number, so never inside). */
export function betweenKernel(values: Float64Array, rows: number, low: number, high: number, out: Bits): void {
  const words = out.length;
  for (let w = 0; w < words; w++) {
    const base = w << 5;
    let bits = 0;
    for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
      const x = values[base + j] as number;
      bits = (bits << 1) | (+!(x < low) & +(x <= high));
    }
    out[w] = bits;
  }
}

/** ORs into `out` the bits where values[i] equals any of `list` (-0 equals 0). */
export function inKernel(values: Float64Array, rows: number, list: readonly number[], out: Bits): void {
  const words = out.length;
  if (list.length > 8) {
    const set = new Set(list); // SameValueZero: 0 finds -0, as in DuckDB
    for (let w = 0; w < words; w++) {
      const base = w << 5;
      let bits = 0;
      for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) bits = (bits << 1) | +set.has(values[base + j] as number);
      out[w] = bits;
    }
    return;
  }
  out.fill(0);
  // Up to four values per pass (a short list repeats its first value).
  for (let from = 0; from < list.length; from += 4) {
    const [a, b, c, d] = [0, 1, 2, 3].map((k) => (list[from + k] ?? list[from]) as number) as [number, number, number, number];
    for (let w = 0; w < words; w++) {
      const base = w << 5;
      let bits = 0;
      for (let j = Math.min(32, rows - base) - 1; j >= 0; j--) {
        const x = values[base + j] as number;
        bits = (bits << 1) | +(x === a) | +(x === b) | +(x === c) | +(x === d);
      }
      out[w] = (out[w] as number) | bits;
    }
  }
}

/** Bits where `xs[i] op ys[i]` holds, for columns without NaN (plain JS comparisons are then DuckDB's). */
export function columnsKernel(xs: Float64Array, ys: Float64Array, rows: number, op: ComparisonOp, out: Bits): void {
  const words = out.length;
  for (let w = 0; w < words; w++) {
    const base = w << 5;
    const last = Math.min(32, rows - base) - 1;
    let bits = 0;
    switch (op) {
      case '<':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) < (ys[base + j] as number));
        break;
      case '<=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) <= (ys[base + j] as number));
        break;
      case '>':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) > (ys[base + j] as number));
        break;
      case '>=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) >= (ys[base + j] as number));
        break;
      case '=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) === (ys[base + j] as number));
        break;
      case '!=':
        for (let j = last; j >= 0; j--) bits = (bits << 1) | +((xs[base + j] as number) !== (ys[base + j] as number));
        break;
    }
    out[w] = bits;
  }
}
