/**
 * The value (GMV) options shared by `assay tags eval` and `assay pack build`: `--value EXPR`
 * (per row of the data), or with `--value-data FILE --value-key COL` summed per entity over the
 * rows of another file; `--gate-value-lift X` adds a gate on GMV lift. Parsing, opening the value
 * file and printing the figures live here so each command adds a few lines.
 */
import type { EngineClient } from '../api';
import type { ValueSpec, ValueStats, ValueSummary } from '../tags/mining-types';
import { UsageError, openFiles, parseNumberOption, requireFile, type Io } from './common';
import { renderTextTable } from './format-table';

export const VALUE_OPTIONS = {
  value: { type: 'string' },
  'value-data': { type: 'string' },
  'value-key': { type: 'string' },
  'gate-value-lift': { type: 'string' },
} as const;

export const VALUE_HELP = `  --value EXPR          A value (GMV) to judge each tag by, e.g. 'Quantity * UnitPrice' or
                        monetary: numeric columns, numbers, + - * / and parentheses. Reports
                        per tag the GMV share of the tagged entities, GMV lift (share ÷
                        coverage), mean value per entity and its difference to the rest, with
                        95% intervals (analytic: delta method). NULL values count as 0; net
                        value may be negative (refunds), with a warning when the total is ≤ 0
  --value-data FILE     Sum --value over the rows of FILE per entity (event rows), joined to
                        the data by --value-key, which must be on one row of the data per
                        entity; entities without rows in FILE have value 0
  --value-key COL       The column naming the entity in both files (with --value-data)
  --gate-value-lift X   A gate: each tag's GMV lift must be at least X (needs --value); tags
                        eval exits 1 when a tag fails it, pack build records it with the others`;

export interface ValueOptions {
  expression: string;
  dataFile?: string;
  key?: string;
  minLift?: number;
}

/** The value options of a parsed command line; usage errors for a half-given combination. */
export function valueOptions(values: Record<string, unknown>, help: string): ValueOptions | undefined {
  const expression = values.value;
  const dataFile = values['value-data'];
  const key = values['value-key'];
  const minLift = parseNumberOption('gate-value-lift', values['gate-value-lift'], (v) => v >= 0, 'a number ≥ 0');
  if (expression === undefined) {
    if (dataFile !== undefined || key !== undefined || minLift !== undefined) throw new UsageError(`--value-data, --value-key and --gate-value-lift need --value EXPR.\n\n${help}`);
    return undefined;
  }
  if (typeof expression !== 'string' || expression.trim() === '') throw new UsageError(`--value needs an expression, e.g. 'Quantity * UnitPrice'.\n\n${help}`);
  if ((dataFile === undefined) !== (key === undefined)) throw new UsageError(`--value-data and --value-key go together: the file of event rows and the column naming the entity in both files.\n\n${help}`);
  if (typeof dataFile === 'string') requireFile(dataFile);
  return { expression, ...(typeof dataFile === 'string' ? { dataFile, key: key as string } : {}), ...(minLift !== undefined ? { minLift } : {}) };
}

/** Opens the value file (when there is one) and returns the job's value parameter. */
export async function openValueSpec(client: EngineClient, options: ValueOptions, io: Io): Promise<ValueSpec> {
  if (options.dataFile === undefined) return { expression: options.expression };
  const [table] = (await openFiles(client, [options.dataFile], io)) as [string];
  return { expression: options.expression, source: { table }, key: options.key as string };
}

function money(v: number | null): string {
  if (v === null) return '-';
  const abs = Math.abs(v);
  return v.toLocaleString('en-US', { maximumFractionDigits: abs >= 100 ? 0 : abs >= 1 ? 2 : 4 });
}

function ci(e: { value: number | null; low: number | null; high: number | null }, f: (v: number) => string): string {
  if (e.value === null) return '-';
  return e.low !== null && e.high !== null ? `${f(e.value)} [${f(e.low)}, ${f(e.high)}]` : f(e.value);
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
const ratio = (v: number): string => v.toFixed(2);
/** Amounts with the decimals the figure itself needs, its interval ends alike. */
const amountLike = (e: { value: number | null }): ((v: number) => string) => {
  const abs = Math.abs(e.value ?? 0);
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : 4;
  return (v) => v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
};

/** One row of the value table: tagged entities, coverage, GMV share, GMV lift, mean value, difference to the rest. */
export function valueCells(s: ValueStats): string[] {
  return [s.tagged.toLocaleString('en-US'), ci(s.coverage, pct), ci(s.share, pct), ci(s.lift, ratio), ci(s.meanTagged, amountLike(s.meanTagged)), ci(s.difference, amountLike(s.difference))];
}

export const VALUE_HEADERS = ['tagged', 'coverage [95% CI]', 'GMV share [95% CI]', 'GMV lift [95% CI]', 'mean value [95% CI]', 'vs rest [95% CI]'];

/** The value section of a report: what the value was, a table per tag, warnings once each. */
export function valueReport(summary: ValueSummary, rows: Array<{ name: string; value: ValueStats | undefined }>): string[] {
  const how = summary.per === 'row' ? 'per row' : `summed per ${summary.key ?? 'entity'} over the value data`;
  const lines = ['', `Value: ${summary.expression} (${how}); ${summary.entities.toLocaleString('en-US')} ${summary.per === 'row' ? 'rows' : 'entities'}, total ${money(summary.total)}. Intervals: 95%, analytic (delta method).`];
  const measured = rows.filter((r): r is { name: string; value: ValueStats } => r.value !== undefined);
  lines.push(renderTextTable(['tag', ...VALUE_HEADERS], measured.map((r) => [r.name, ...valueCells(r.value)]), 60));
  const notes = [...summary.warnings];
  for (const r of measured) for (const w of r.value.warnings) if (!/total (net )?value/.test(w)) notes.push(`${r.name}: ${w}`);
  for (const note of notes) lines.push(`note: ${note}`);
  return lines;
}

/** `assay labels eval`'s JSON for the value of every label (figures with their 95% intervals). */
export function labelValueJson(v: ValueSummary & { labels: Array<{ label: string; stats: ValueStats }> }): Record<string, unknown> {
  return {
    expression: v.expression,
    per: v.per,
    ...(v.key !== undefined ? { key: v.key } : {}),
    entities: v.entities,
    total: v.total,
    interval: 'analytic (delta method), 95%',
    labels: v.labels.map(({ label, stats }) => ({ label, entities: stats.tagged, coverage: stats.coverage, share: stats.share, lift: stats.lift, meanTagged: stats.meanTagged, difference: stats.difference })),
  };
}
