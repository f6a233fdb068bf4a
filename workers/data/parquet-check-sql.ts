/**
 * The value check of parquet-check.ts, done by DuckDB on the table it has just filled from the
 * file (native DuckDB reads Parquet itself): one multi-threaded GROUP BY gives each row group's
 * row count, null counts and min/max, compared here with the footer exactly as
 * checkRowGroupValues compares a decoded group. It checks the values that were actually loaded,
 * and spares decoding the file a second time in parquet-wasm (~4 s of a 10M-row load).
 *
 * Row groups are contiguous row ranges whose sizes the footer gives; a table filled by one
 * `INSERT ... SELECT * FROM read_parquet(...)` with preserve_insertion_order on keeps the file's
 * row order, so `rowid` says which group a row came from. The table's own statistics are those of
 * the loaded values, so DuckDB's optimiser cannot answer from the footer's (it could on a
 * read_parquet scan: count(x) becomes count(*) where the footer says "no nulls").
 */
import { type Schema, Type } from 'apache-arrow';
import { rowsOf, toNumber } from './arrow-values';
import { decodeStat, outsideRange, rangeMessage, storesParquetValues, type Bound, type ParquetFacts, type TimestampUnit } from './parquet-check';
import { quoteIdent } from './sql-text';

/** How a column's min/max are read back so they compare with its footer statistics. */
type RangeKind = 'int' | 'float' | 'timestamp' | 'date';

interface ColumnPlan {
  name: string;
  range: RangeKind | null;
  unit: TimestampUnit | null;
}

export interface SqlValueCheck {
  sql: string;
  /** The first problem, as `[row group index, problem]`, or null when every group agrees with its footer. */
  verdict(result: Parameters<typeof rowsOf>[0]): [number, string] | null;
}

/**
 * The SQL expression giving a row's group index from its rowid: a division when every group but
 * the last has the same size (most writers), else a binary search over the group starts.
 */
export function groupIndexSql(rowCounts: number[]): string {
  const groups = rowCounts.length;
  const first = rowCounts[0] ?? 0;
  if (first > 0 && rowCounts.slice(0, -1).every((n) => n === first)) return `LEAST(rowid // ${first}, ${groups - 1})`;
  const starts: number[] = [];
  let at = 0;
  for (const n of rowCounts) {
    starts.push(at);
    at += n;
  }
  // Rows past the footer's total fall in the last group, whose count then disagrees.
  const search = (lo: number, hi: number): string => {
    if (lo >= hi) return String(lo);
    const mid = (lo + hi + 1) >> 1;
    return `CASE WHEN rowid < ${starts[mid]} THEN ${search(lo, mid - 1)} ELSE ${search(mid, hi)} END`;
  };
  return search(0, groups - 1);
}

/** A footer bound in microseconds, rounded outward: DuckDB keeps microseconds (nanoseconds are rounded). */
function toMicros(value: Bound, unit: TimestampUnit, round: 'down' | 'up'): bigint {
  const v = BigInt(value);
  if (unit === 'us') return v;
  if (unit === 'ms') return v * 1000n;
  const q = v / 1000n;
  const r = v % 1000n;
  if (r === 0n) return q;
  if (round === 'down') return v < 0n ? q - 1n : q;
  return v < 0n ? q : q + 1n;
}

/** Microseconds shown in the footer's unit, so the message reads like the decoded check's. */
function fromMicros(value: bigint, unit: TimestampUnit): bigint {
  return unit === 'us' ? value : unit === 'ms' ? value / 1000n : value * 1000n;
}

/**
 * Plans the check of `table` (just filled from the file, columns typed from `schema`, the file's
 * Arrow schema) against the footer, or returns null where it could not compare everything that
 * checkRowGroupValues would: then the caller decodes and checks in JS as before.
 */
export function planSqlValueCheck(table: string, schema: Schema, facts: ParquetFacts): SqlValueCheck | null {
  const fields = new Map(schema.fields.map((f) => [f.name, f]));
  // A column named rowid hides DuckDB's row id.
  if (schema.fields.some((f) => f.name.toLowerCase() === 'rowid')) return null;
  const plans = new Map<string, ColumnPlan>();
  for (const group of facts.rowGroups) {
    for (const chunk of group.chunks) {
      if (chunk.column === null || plans.has(chunk.column)) continue;
      const field = fields.get(chunk.column);
      if (!field) continue;
      const plan: ColumnPlan = { name: chunk.column, range: null, unit: null };
      if (storesParquetValues(field.type, chunk.physicalType, chunk.unsigned)) {
        switch (field.type.typeId) {
          case Type.Int:
            plan.range = 'int';
            break;
          case Type.Float:
            plan.range = 'float';
            break;
          case Type.Timestamp:
            // The decoded check compares the raw numbers; here the unit must come from the footer.
            if (chunk.timestampUnit === null) return null;
            plan.range = 'timestamp';
            plan.unit = chunk.timestampUnit;
            break;
          case Type.Date:
            if (!chunk.date) return null;
            plan.range = 'date';
            break;
          default:
            return null;
        }
      }
      plans.set(chunk.column, plan);
    }
  }

  const columns = [...plans.values()];
  const select: string[] = [`${groupIndexSql(facts.rowGroups.map((g) => g.numRows))} AS g`, 'count(*) AS n'];
  columns.forEach((c, i) => {
    const q = quoteIdent(c.name);
    select.push(`count(${q}) AS k${i}`);
    if (c.range === 'int') select.push(`min(${q}) AS lo${i}`, `max(${q}) AS hi${i}`);
    // NaN sorts above every number in DuckDB; the decoded check skips it.
    else if (c.range === 'float') select.push(`min(${q}) FILTER (WHERE NOT isnan(${q})) AS lo${i}`, `max(${q}) FILTER (WHERE NOT isnan(${q})) AS hi${i}`);
    else if (c.range === 'timestamp') select.push(`epoch_us(min(${q})) AS lo${i}`, `epoch_us(max(${q})) AS hi${i}`);
    else if (c.range === 'date') select.push(`min(${q}) - DATE '1970-01-01' AS lo${i}`, `max(${q}) - DATE '1970-01-01' AS hi${i}`);
  });
  const index = new Map(columns.map((c, i) => [c.name, i]));
  const sql = `SELECT ${select.join(', ')} FROM ${quoteIdent(table)} GROUP BY 1 ORDER BY 1`;

  const verdict = (result: Parameters<typeof rowsOf>[0]): [number, string] | null => {
    const byGroup = new Map<number, Record<string, unknown>>();
    for (const row of rowsOf(result)) byGroup.set(toNumber(row.g), row);
    for (let g = 0; g < facts.rowGroups.length; g++) {
      const group = facts.rowGroups[g] as ParquetFacts['rowGroups'][number];
      const row = byGroup.get(g);
      const rows = row ? toNumber(row.n) : 0;
      if (rows !== group.numRows) return [g, `it holds ${rows} rows where its footer says ${group.numRows}`];
      for (const chunk of group.chunks) {
        const i = chunk.column === null ? undefined : index.get(chunk.column);
        const plan = i === undefined ? undefined : columns[i];
        if (i === undefined || !plan || chunk.column === null) continue;
        const nulls = rows - (row ? toNumber(row[`k${i}`]) : 0);
        if (chunk.nullCount !== null && nulls !== chunk.nullCount) {
          return [g, `column "${chunk.column}" has ${nulls} missing values where its footer says ${chunk.nullCount}`];
        }
        if (!plan.range || !chunk.min || !chunk.max || !row) continue;
        const lo = decodeStat(chunk.min, chunk.physicalType, chunk.unsigned);
        const hi = decodeStat(chunk.max, chunk.physicalType, chunk.unsigned);
        const min = row[`lo${i}`];
        const max = row[`hi${i}`];
        if (lo === null || hi === null || min === null || max === null || min === undefined || max === undefined) continue;
        if (typeof min !== 'number' && typeof min !== 'bigint') continue;
        if (typeof max !== 'number' && typeof max !== 'bigint') continue;
        let problem: string | null;
        if (plan.range === 'timestamp' && plan.unit) {
          const unit = plan.unit;
          const [minUs, maxUs] = [BigInt(min), BigInt(max)];
          const inside = minUs >= toMicros(lo, unit, 'down') && maxUs <= toMicros(hi, unit, 'up');
          problem = inside ? null : rangeMessage(chunk.column, fromMicros(minUs, unit), fromMicros(maxUs, unit), lo, hi);
        } else {
          problem = outsideRange(chunk.column, min, max, lo, hi);
        }
        if (problem) return [g, problem];
      }
    }
    return null;
  };
  return { sql, verdict };
}
