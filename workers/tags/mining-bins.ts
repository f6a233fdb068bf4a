/**
 * Columns as bin codes for rule mining (quantile cuts for numbers, the most frequent levels for
 * text, false/true for booleans, 0 for NULL), conjunctions over those codes (BinRule) and the row
 * helpers the search and the driver share.
 */
import type { Table } from 'apache-arrow';

export type FeatureKind = 'numeric' | 'category' | 'boolean';

/** One column as bin codes: 0 is NULL; numbers 1..B by quantile cut; text 1..L levels, L+1 other; booleans 1 false, 2 true. */
export interface BinnedFeature {
  column: string;
  kind: FeatureKind;
  codes: Uint8Array;
  nCodes: number;
  /** numeric: bin b (1-based) holds values in (cuts[b-2], cuts[b-1]]; the last bin is above the last cut. */
  cuts: Float64Array;
  /** category: code k is levels[k-1]; code levels.length + 1 is every other value. */
  levels: string[];
  /** The column has NULLs (otherwise masks never mention code 0). */
  hasNull: boolean;
}

/** A conjunction: for each constrained feature, the set of codes it allows. */
export interface BinRule {
  masks: Map<number, Uint8Array>;
}

export function ruleKey(rule: BinRule): string {
  return [...rule.masks.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([f, m]) => `${f}:${Array.from(m).join('')}`)
    .join('|');
}

export function fullMask(n: number): Uint8Array {
  return new Uint8Array(n).fill(1);
}

export function withMask(rule: BinRule, f: number, mask: Uint8Array): BinRule {
  const masks = new Map(rule.masks);
  masks.set(f, mask);
  return { masks };
}

export function filterRows(rows: Uint32Array, features: BinnedFeature[], rule: BinRule): Uint32Array {
  let out = rows;
  for (const [f, mask] of rule.masks) {
    const codes = (features[f] as BinnedFeature).codes;
    const next = new Uint32Array(out.length);
    let k = 0;
    for (let j = 0; j < out.length; j++) {
      const r = out[j] as number;
      if (mask[codes[r] as number]) next[k++] = r;
    }
    out = next.subarray(0, k);
  }
  return out;
}

export function sampleIndices(rows: Uint32Array, max: number, rng: () => number): Uint32Array {
  if (rows.length <= max) return rows;
  const copy = Uint32Array.from(rows);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rng() * (copy.length - i));
    const t = copy[i] as number;
    copy[i] = copy[j] as number;
    copy[j] = t;
  }
  return copy.subarray(0, max).sort();
}

export function binNumeric(column: string, values: Float64Array, fitRows: Uint32Array, maxBins: number): BinnedFeature {
  const seen: number[] = [];
  for (let j = 0; j < fitRows.length; j++) {
    const v = values[fitRows[j] as number] as number;
    if (!Number.isNaN(v)) seen.push(v);
  }
  const sorted = Float64Array.from(seen).sort();
  // Quantiles of the rows, plus quantiles of the distinct values: a column that is mostly one value
  // (PageValues is 0 on 78% of rows) still gets thresholds across its tail.
  const candidates: number[] = [];
  if (sorted.length > 0) {
    for (let k = 1; k < maxBins; k++) candidates.push(sorted[Math.floor((k / maxBins) * (sorted.length - 1))] as number);
    const distinct: number[] = [];
    for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i] as number);
    const extra = Math.max(1, Math.floor(maxBins / 2));
    for (let k = 1; k < extra; k++) candidates.push(distinct[Math.floor((k / extra) * (distinct.length - 1))] as number);
  }
  candidates.sort((a, b) => a - b);
  const cuts: number[] = [];
  const max = sorted.length > 0 ? (sorted[sorted.length - 1] as number) : 0;
  for (const c of candidates) if (c < max && (cuts.length === 0 || c > (cuts[cuts.length - 1] as number))) cuts.push(c);
  const cutArr = Float64Array.from(cuts);
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    let lo = 0;
    let hi = cutArr.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= (cutArr[mid] as number)) hi = mid;
      else lo = mid + 1;
    }
    codes[i] = lo + 1;
  }
  return { column, kind: 'numeric', codes, nCodes: cutArr.length + 2, cuts: cutArr, levels: [], hasNull: codes.includes(0) };
}

export function binCategory(column: string, table: Table, fitRows: Uint32Array, maxLevels: number): BinnedFeature {
  const vector = table.getChild(column);
  const n = table.numRows;
  const strings: Array<string | null> = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = vector?.get(i);
    strings[i] = v === null || v === undefined ? null : String(v);
  }
  const counts = new Map<string, number>();
  for (let j = 0; j < fitRows.length; j++) {
    const s = strings[fitRows[j] as number];
    if (s !== null && s !== undefined) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const levels = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, Math.min(maxLevels, 250)).map(([s]) => s);
  const index = new Map(levels.map((s, k) => [s, k + 1]));
  const other = levels.length + 1;
  const codes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    if (s === null || s === undefined) continue;
    codes[i] = index.get(s) ?? other;
  }
  return { column, kind: 'category', codes, nCodes: levels.length + 2, cuts: new Float64Array(0), levels, hasNull: codes.includes(0) };
}

export function binBoolean(column: string, table: Table): BinnedFeature {
  const vector = table.getChild(column);
  const n = table.numRows;
  const codes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = vector?.get(i);
    if (v === null || v === undefined) continue;
    codes[i] = v ? 2 : 1;
  }
  return { column, kind: 'boolean', codes, nCodes: 3, cuts: new Float64Array(0), levels: [], hasNull: codes.includes(0) };
}

export function countPositives(rows: Uint32Array, labels: Uint8Array): number {
  let s = 0;
  for (let j = 0; j < rows.length; j++) s += labels[rows[j] as number] as number;
  return s;
}
