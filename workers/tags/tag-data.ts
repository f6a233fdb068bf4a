/**
 * Reading the rows a tag is mined or measured on: the source relation, the columns rules read,
 * the binary target (label column + positive value, or a segment column + segment id) and an
 * optional time column, as one Arrow table plus typed arrays.
 */
import type { Table } from 'apache-arrow';
import type { DataSourceRef } from '../data/types';
import { vectorToFloat64 } from '../data/arrow-values';
import type { DataEngine } from '../data/engine';
import { describeLabelValues, findLabelValue } from '../data/label-values';
import { describeRelation as describeDataRelation, plainRows, resolveRelation as resolveDataRelation } from '../data/relation';
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import { asTimestamp } from '../data/zoned-time';
import { sourceKind, type SourceKind } from '../gbdt/encoding';
import { EngineError } from '../protocol/errors';

export interface ColumnDesc {
  name: string;
  type: string;
  kind: SourceKind;
}

/** The SQL relation for a source: a quoted table name or a parenthesised query. */
export function resolveRelation(engine: DataEngine, source: DataSourceRef | undefined): Promise<string> {
  return resolveDataRelation(engine, source, 'for the rows to tag');
}

/** The relation's columns with their types and what rules can do with them. */
export async function describeRelation(engine: DataEngine, relation: string, signal?: AbortSignal): Promise<ColumnDesc[]> {
  return (await describeDataRelation(engine, relation, signal)).map((c) => ({ ...c, kind: sourceKind(c.type) }));
}

export interface TargetSpec {
  /** The label column (or a segment-membership column). */
  target: string;
  /** The value that counts as positive (a label value or a segment id); `true` for a boolean target when absent. */
  positive?: string;
}

export interface ResolvedTarget {
  column: ColumnDesc;
  positive: string;
  /** SQL producing 1 for positive rows and 0 otherwise. */
  expression: string;
}

/** Checks the target and its positive value; fails in plain words on a missing column, NULL labels or a single class. */
export async function resolveTarget(engine: DataEngine, relation: string, columns: ColumnDesc[], spec: TargetSpec, signal?: AbortSignal): Promise<ResolvedTarget> {
  if (typeof spec.target !== 'string' || !spec.target) throw new EngineError('BAD_INPUT', 'Choose a target column.');
  const column = columns.find((c) => c.name === spec.target);
  if (!column) throw new EngineError('BAD_INPUT', `The target "${spec.target}" is not a column of the data (columns: ${columns.slice(0, 8).map((c) => c.name).join(', ')}${columns.length > 8 ? ', ...' : ''}).`);
  const col = quoteIdent(column.name);
  const stats = plainRows(await engine.driver.query(`SELECT count(*) AS n, count(${col}) AS nn FROM ${relation}`, signal))[0] ?? {};
  const total = Number(stats.n);
  if (total === 0) throw new EngineError('BAD_INPUT', 'The data has 0 rows; there is nothing to mine or measure.');
  const missing = total - Number(stats.nn);
  if (missing > 0) throw new EngineError('BAD_INPUT', `${missing.toLocaleString('en-US')} ${missing === 1 ? 'row has' : 'rows have'} no value in the target "${column.name}". Filter them out first (WHERE "${column.name}" IS NOT NULL).`);
  let positive = spec.positive;
  if (positive === undefined || positive === '') {
    if (column.kind !== 'boolean') throw new EngineError('BAD_INPUT', `Name the positive value of "${column.name}" (the label value or segment id that the tag should find).`);
    positive = 'true';
  }
  const values = plainRows(await engine.driver.query(`SELECT CAST(${col} AS VARCHAR) AS v, count(*) AS n FROM ${relation} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 21`, signal)).map((r) => ({ v: String(r.v), n: Number(r.n) }));
  // The value as the file writes it: "yes" names true on a yes/no column DuckDB read as BOOLEAN.
  const booleanColumn = column.kind === 'boolean';
  const found = values.length <= 20 ? findLabelValue(positive, values.map((x) => x.v), booleanColumn) : values.some((x) => x.v === positive) ? { read: positive, named: positive } : undefined;
  if (!found && values.length <= 20) throw new EngineError('BAD_INPUT', `The positive value "${positive}" does not occur in "${column.name}" (its values are ${describeLabelValues(values.map((x) => x.v), booleanColumn)}).`);
  const read = found?.read ?? positive;
  if (!found) {
    const count = Number(plainRows(await engine.driver.query(`SELECT count(*) AS n FROM ${relation} WHERE CAST(${col} AS VARCHAR) = ${quoteLiteral(read)}`, signal))[0]?.n ?? 0);
    if (count === 0) throw new EngineError('BAD_INPUT', `The positive value "${positive}" does not occur in "${column.name}".`);
  }
  if (values.length === 1) throw new EngineError('BAD_INPUT', `The target "${column.name}" has a single class (every row is ${values[0]?.v}); rules need both positive and negative rows.`);
  return { column, positive: found?.named ?? positive, expression: `CASE WHEN CAST(${col} AS VARCHAR) = ${quoteLiteral(read)} THEN 1 ELSE 0 END` };
}

/** The select-list item that reads a column for rules: numbers as DOUBLE, booleans and text as they are. */
export function ruleColumnSelect(c: ColumnDesc): string {
  const q = quoteIdent(c.name);
  if (c.kind === 'numeric' && !/^(DOUBLE|FLOAT|REAL|INTEGER|SMALLINT|TINYINT)$/i.test(c.type)) return `CAST(${q} AS DOUBLE) AS ${q}`;
  // ENUMs as VARCHAR: DuckDB-WASM's Arrow output can lose their dictionaries.
  if (/^ENUM\b/i.test(c.type)) return `CAST(${q} AS VARCHAR) AS ${q}`;
  return q;
}

export const LABEL_COLUMN = '__assay_label';
export const TIME_COLUMN = '__assay_time';
export const KEY_COLUMN = '__assay_key';

export interface TagFrame {
  table: Table;
  rows: number;
  /** 0/1 per row, or null without a target. */
  labels: Uint8Array | null;
  /** Epoch seconds (or the number itself) per row, NaN when missing; null without a time column. */
  times: Float64Array | null;
  /** A readable key per row for evidence (the key column's value, or the 0-based row number). */
  keyOf(row: number): string;
}

export interface FrameRequest {
  columns: ColumnDesc[];
  target?: ResolvedTarget;
  timeColumn?: ColumnDesc;
  keyColumn?: ColumnDesc;
}


export async function loadFrame(engine: DataEngine, relation: string, request: FrameRequest, signal?: AbortSignal): Promise<TagFrame> {
  const items = request.columns.map(ruleColumnSelect);
  if (request.target) items.push(`CAST(${request.target.expression} AS TINYINT) AS ${quoteIdent(LABEL_COLUMN)}`);
  if (request.timeColumn) {
    const q = quoteIdent(request.timeColumn.name);
    const kind = request.timeColumn.kind;
    // asTimestamp: a TIMESTAMPTZ as its UTC wall clock on both drivers (no ICU, no session time zone).
    if (kind === 'date' || kind === 'timestamp') items.push(`CAST(epoch(${asTimestamp(request.timeColumn.type, q)}) AS DOUBLE) AS ${quoteIdent(TIME_COLUMN)}`);
    else if (kind === 'numeric') items.push(`CAST(${q} AS DOUBLE) AS ${quoteIdent(TIME_COLUMN)}`);
    else throw new EngineError('BAD_INPUT', `The time column "${request.timeColumn.name}" is ${request.timeColumn.type}; use a date, timestamp or number column.`);
  }
  if (request.keyColumn) items.push(`CAST(${quoteIdent(request.keyColumn.name)} AS VARCHAR) AS ${quoteIdent(KEY_COLUMN)}`);
  if (items.length === 0) items.push('1 AS "__assay_one"');
  const table = await engine.driver.query(`SELECT ${items.join(', ')} FROM ${relation}`, signal);
  const n = table.numRows;
  let labels: Uint8Array | null = null;
  if (request.target) {
    const raw = vectorToFloat64(table.getChild(LABEL_COLUMN), n);
    labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) labels[i] = raw[i] === 1 ? 1 : 0;
  }
  const times = request.timeColumn ? vectorToFloat64(table.getChild(TIME_COLUMN), n) : null;
  const keyVector = request.keyColumn ? table.getChild(KEY_COLUMN) : null;
  return {
    table,
    rows: n,
    labels,
    times,
    keyOf: (row) => (keyVector ? String(keyVector.get(row) ?? 'NULL') : String(row)),
  };
}

export function findColumn(columns: ColumnDesc[], name: string | undefined, role: string): ColumnDesc | undefined {
  if (name === undefined || name === '') return undefined;
  const c = columns.find((x) => x.name === name);
  if (!c) throw new EngineError('BAD_INPUT', `The ${role} "${name}" is not a column of the data.`);
  return c;
}
