/**
 * What each chart type needs: which axes it uses, which column kinds fit each axis, and the
 * default columns picked for a result.
 */
import type { ColumnInfo } from '../../../workers/api';
import type { ChartType } from '../sql/types';

export type ChartColumnKind = 'numeric' | 'temporal' | 'boolean' | 'categorical' | 'other';

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL(\(.*\))?|NUMERIC(\(.*\))?|INT[1248]|U?INT(8|16|32|64)|FLOAT(16|32|64)|DECIMAL\[.*\])$/i;
const TEMPORAL = /^(DATE|TIME|TIMESTAMP.*|TIME WITH TIME ZONE|DATE(32|64)<.*>|TIMESTAMP<.*>|TIME(32|64)<.*>)$/i;
const BOOLEAN = /^(BOOLEAN|BOOL)$/i;
const CATEGORICAL = /^(VARCHAR|TEXT|STRING|UUID|ENUM.*|UTF8|LARGEUTF8|DICTIONARY<.*>)$/i;

/** Classifies a DuckDB type name (BIGINT, DECIMAL(18,3)...) or an Arrow one (Int64, Utf8...). */
export function columnKind(type: string): ChartColumnKind {
  const t = type.trim();
  // A list or array (BIGINT[], TIMESTAMP[]) is not its element: no axis reads it.
  if (t.endsWith(']')) return 'other';
  if (NUMERIC.test(t)) return 'numeric';
  if (TEMPORAL.test(t)) return 'temporal';
  if (BOOLEAN.test(t)) return 'boolean';
  if (CATEGORICAL.test(t)) return 'categorical';
  return 'other';
}

export type AxisRole = 'x' | 'y' | 'color';

export interface AxisSpec {
  role: AxisRole;
  label: string;
  required: boolean;
  kinds: readonly ChartColumnKind[];
  /** Shown for an optional axis left empty. */
  emptyLabel?: string;
}

const ANY: readonly ChartColumnKind[] = ['numeric', 'temporal', 'boolean', 'categorical', 'other'];
const GROUPS: readonly ChartColumnKind[] = ['categorical', 'boolean', 'temporal', 'numeric'];

export const CHART_AXES: Record<ChartType, readonly AxisSpec[]> = {
  histogram: [
    { role: 'x', label: 'Value', required: true, kinds: ['numeric', 'temporal'] },
    { role: 'color', label: 'Split by', required: false, kinds: GROUPS, emptyLabel: 'none' },
  ],
  bar: [
    { role: 'x', label: 'Category', required: true, kinds: ANY },
    { role: 'y', label: 'Sum of', required: false, kinds: ['numeric'], emptyLabel: 'count of rows' },
    { role: 'color', label: 'Split by', required: false, kinds: GROUPS, emptyLabel: 'none' },
  ],
  line: [
    { role: 'x', label: 'X', required: true, kinds: ['temporal', 'numeric', 'categorical', 'boolean'] },
    { role: 'y', label: 'Y', required: true, kinds: ['numeric'] },
    { role: 'color', label: 'Split by', required: false, kinds: GROUPS, emptyLabel: 'none' },
  ],
  scatter: [
    { role: 'x', label: 'X', required: true, kinds: ['numeric', 'temporal'] },
    { role: 'y', label: 'Y', required: true, kinds: ['numeric', 'temporal'] },
    { role: 'color', label: 'Color by', required: false, kinds: GROUPS, emptyLabel: 'none' },
  ],
  box: [
    { role: 'y', label: 'Value', required: true, kinds: ['numeric'] },
    { role: 'x', label: 'Group by', required: false, kinds: ['categorical', 'boolean'], emptyLabel: 'none' },
  ],
  heatmap: [
    { role: 'x', label: 'X', required: true, kinds: ANY },
    { role: 'y', label: 'Y', required: true, kinds: ANY },
  ],
};

export const CHART_TYPE_LABELS: Record<ChartType, string> = {
  histogram: 'Histogram',
  bar: 'Bar',
  line: 'Line',
  scatter: 'Scatter',
  box: 'Box',
  heatmap: 'Heatmap',
};

export interface AxisChoice {
  x: string | null;
  y: string | null;
  color: string | null;
}

/** Columns that fit an axis. */
export function columnsFor(axis: AxisSpec, columns: readonly ColumnInfo[]): ColumnInfo[] {
  return columns.filter((c) => axis.kinds.includes(columnKind(c.type)));
}

function firstOf(columns: readonly ColumnInfo[], kinds: readonly ChartColumnKind[], exclude: ReadonlyArray<string | null> = []): string | null {
  for (const kind of kinds) {
    const found = columns.find((c) => columnKind(c.type) === kind && !exclude.includes(c.name));
    if (found) return found.name;
  }
  return null;
}

/**
 * Sensible starting columns for a chart type, by column kind. `uniqueColumns` names columns known
 * to hold no repeated value (an already aggregated result, e.g. GROUP BY month): a bar chart over
 * such a column plots the first numeric column instead of counting rows (which would all be 1).
 */
export function defaultAxes(type: ChartType, columns: readonly ColumnInfo[], uniqueColumns: ReadonlySet<string> = new Set()): AxisChoice {
  switch (type) {
    case 'histogram':
      return { x: firstOf(columns, ['numeric', 'temporal']), y: null, color: null };
    case 'bar': {
      const x = firstOf(columns, ['categorical', 'boolean', 'temporal', 'numeric', 'other']);
      const y = x !== null && uniqueColumns.has(x) ? firstOf(columns, ['numeric'], [x]) : null;
      return { x, y, color: null };
    }
    case 'line': {
      const x = firstOf(columns, ['temporal', 'numeric', 'categorical']);
      return { x, y: firstOf(columns, ['numeric'], [x]), color: null };
    }
    case 'scatter': {
      const x = firstOf(columns, ['numeric', 'temporal']);
      return { x, y: firstOf(columns, ['numeric'], [x]), color: null };
    }
    case 'box':
      return { x: firstOf(columns, ['categorical', 'boolean']), y: firstOf(columns, ['numeric']), color: null };
    case 'heatmap': {
      const x = firstOf(columns, ['categorical', 'boolean', 'temporal', 'numeric']);
      return { x, y: firstOf(columns, ['categorical', 'boolean', 'temporal', 'numeric'], [x]), color: null };
    }
  }
}

/**
 * Keeps the user's choices that still fit the new type (or new columns) and fills the rest with
 * defaults; axes the type does not use become null.
 */
export function reconcileAxes(type: ChartType, columns: readonly ColumnInfo[], current: AxisChoice, uniqueColumns?: ReadonlySet<string>): AxisChoice {
  const defaults = defaultAxes(type, columns, uniqueColumns);
  const out: AxisChoice = { x: null, y: null, color: null };
  const axes = CHART_AXES[type];
  // First keep every choice that still fits, then fill the gaps without reusing a kept column.
  for (const axis of axes) {
    const chosen = current[axis.role];
    if (chosen !== null && columnsFor(axis, columns).some((c) => c.name === chosen)) out[axis.role] = chosen;
  }
  for (const axis of axes) {
    if (out[axis.role] !== null || (current[axis.role] === null && !axis.required)) continue;
    const used = axes.map((a) => out[a.role]).filter((name): name is string => name !== null);
    const preferred = defaults[axis.role];
    if (preferred !== null && !used.includes(preferred)) out[axis.role] = preferred;
    else if (axis.required) out[axis.role] = columnsFor(axis, columns).find((c) => !used.includes(c.name))?.name ?? preferred;
  }
  return out;
}

/**
 * Axes after the user switches chart type: columns they picked by hand (`touched`) stay when they
 * fit the new type; every other axis takes the new type's default, without repeating a kept column.
 */
export function axesAfterTypeChange(type: ChartType, columns: readonly ColumnInfo[], current: AxisChoice, touched: ReadonlySet<AxisRole>, uniqueColumns?: ReadonlySet<string>): AxisChoice {
  const start = defaultAxes(type, columns, uniqueColumns);
  const kept = [...touched].map((role) => current[role]).filter((name): name is string => name !== null);
  for (const role of ['x', 'y', 'color'] as const) {
    if (touched.has(role)) start[role] = current[role];
    else if (start[role] !== null && kept.includes(start[role] as string)) start[role] = null;
  }
  return reconcileAxes(type, columns, start, uniqueColumns);
}

/** Why the chart cannot be drawn yet, or null when every required axis has a column. */
export function missingAxis(type: ChartType, choice: AxisChoice, columns: readonly ColumnInfo[]): string | null {
  for (const axis of CHART_AXES[type]) {
    if (axis.required && choice[axis.role] === null) {
      const fitting = columnsFor(axis, columns);
      return fitting.length === 0
        ? `A ${type} chart needs a ${axis.kinds.slice(0, 2).join(' or ')} column for "${axis.label}", and this result has none.`
        : `Pick a column for "${axis.label}".`;
    }
  }
  return null;
}
