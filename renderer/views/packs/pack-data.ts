/**
 * Pure helpers of the Packs view: how metrics, gates, diff lines and file names are shown.
 * Kept out of the component so they can be unit-tested without a DOM.
 */
import { gateSummary, type MetricDelta, type PackTag, type PackTagMetrics, type SqlDialect } from '../../../workers/api';

export const DIALECTS: ReadonlyArray<{ id: SqlDialect; label: string }> = [
  { id: 'spark', label: 'Spark SQL' },
  { id: 'hive', label: 'Hive' },
  { id: 'flink', label: 'Flink SQL' },
  { id: 'trino', label: 'Trino' },
  { id: 'duckdb', label: 'DuckDB' },
];

export const SHOWN_METRICS = ['coverage', 'precision', 'recall', 'f1', 'lift'] as const;
export type ShownMetric = (typeof SHOWN_METRICS)[number];

export const METRIC_LABELS: Record<ShownMetric, string> = { coverage: 'Coverage', precision: 'Precision', recall: 'Recall', f1: 'F1', lift: 'Lift' };

function percent(value: number): string {
  const p = value * 100;
  const digits = Math.abs(p) >= 10 || p === 0 ? 1 : 2;
  return `${p.toFixed(digits)}%`;
}

function plain(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}

/** One metric's value as text: shares as percentages, lift as a factor. */
export function formatMetricValue(metric: string, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (metric === 'support' || metric === 'rows') return Math.round(value).toLocaleString('en-US');
  if (metric === 'lift') return `${plain(value)}×`;
  return percent(value);
}

/** A metric with its 95% interval, e.g. "12.5% (9.8–15.7%)". Null when the pack did not record it. */
export function formatInterval(metric: ShownMetric, metrics: PackTagMetrics | null): string | null {
  const m = metrics?.[metric];
  if (!m) return null;
  if (metric === 'lift') return `${plain(m.value)}× (${plain(m.low)}–${plain(m.high)})`;
  return `${percent(m.value)} (${percent(m.low).replace('%', '')}–${percent(m.high)})`;
}

/** The metrics a pack records for any of its tags, in display order (coverage always first). */
export function recordedMetrics(tags: readonly PackTag[]): ShownMetric[] {
  return SHOWN_METRICS.filter((m) => m === 'coverage' || tags.some((t) => t.metrics?.[m] !== undefined));
}

export interface GateBadge {
  /** partial: the gates that could be evaluated passed, others could not be (e.g. precision without a label). */
  tone: 'pass' | 'fail' | 'partial' | 'none';
  label: string;
  /** The gate outcome's reasons, the gates checked, and those not evaluated with why. */
  detail: string;
}

function describeGate(gate: PackTag['gates'][number]): string {
  const parts: string[] = [];
  if (gate.min !== undefined) parts.push(`${gate.metric} ≥ ${formatMetricValue(gate.metric, gate.min)}`);
  if (gate.max !== undefined) parts.push(`${gate.metric} ≤ ${formatMetricValue(gate.metric, gate.max)}`);
  return parts.join(', ');
}

/** The gate badge of a tag: passed, failed (with the reasons), partly evaluated, or no gates — never "passed" for a gate that was not evaluated. */
export function gateBadge(tag: PackTag): GateBadge {
  const summary = gateSummary(tag);
  const notEvaluated = summary.notEvaluated.length > 0 ? `Not evaluated: ${summary.notEvaluated.join('; ')}` : '';
  const passed = summary.evaluatedGates.map(describeGate).join('; ');
  switch (summary.state) {
    case 'none':
      return { tone: 'none', label: 'no gates', detail: 'No gates recorded.' };
    case 'unchecked':
      return { tone: 'none', label: 'gates not checked', detail: `Not checked: ${tag.gates.map(describeGate).join('; ')}` };
    case 'failed':
      return { tone: 'fail', label: 'gates failed', detail: [summary.reasons.join('; ') || 'Failed.', notEvaluated].filter(Boolean).join('. ') };
    case 'partial':
      return { tone: 'partial', label: passed ? 'evaluated gates passed' : 'no gate evaluated', detail: [passed ? `Passed: ${passed}` : '', notEvaluated].filter(Boolean).join('. ') };
    case 'passed':
      return { tone: 'pass', label: 'gates passed', detail: passed || 'Passed.' };
  }
}

/** A golden row's or mismatch's identity: its key value, or in a pack without a key its row number. */
export function rowIdentity(key: string | number, keyless: boolean): string {
  return keyless ? `row ${key}` : `key ${String(key)}`;
}

/** The Entity key choices of the build form, from the engine's check of the table (pack.keys). */
export function keyChoiceText(keys: { candidates: Array<{ name: string; idLike: boolean }>; reason?: string } | null): { automatic: string; note: string | null } {
  if (keys === null) return { automatic: '(checking which columns are unique…)', note: null };
  const idLike = keys.candidates.find((c) => c.idLike);
  if (idLike) return { automatic: `automatic: ${idLike.name}`, note: null };
  if (keys.candidates.length === 0) {
    return { automatic: 'none: tag rows', note: `No column can be the key: ${keys.reason ?? 'none is unique'}. The pack will tag rows: each output row keeps its columns.` };
  }
  return { automatic: 'none: tag rows', note: 'No id-like column: pick a unique column as the key, or let the pack tag rows (each output row keeps its columns).' };
}

/** What a tag computes, in one line: the rule's text, the model's threshold, the segment. */
export function tagDefinitionText(tag: PackTag): string {
  if (tag.kind === 'rule') return tag.rule.text;
  if (tag.kind === 'model') return `XGBoost model, fires where the prediction ≥ ${tag.model.threshold}`;
  return `segment ${tag.segment.index + 1} of ${tag.segment.centroids.length} (nearest centroid)`;
}

export type DiffLineTone = 'removed' | 'added' | 'kept';

/** Splits a condition-level diff line (`- x`, `+ x`, `  x`) into its tone and text. */
export function diffLine(line: string): { tone: DiffLineTone; text: string } {
  if (line.startsWith('- ')) return { tone: 'removed', text: line.slice(2) };
  if (line.startsWith('+ ')) return { tone: 'added', text: line.slice(2) };
  return { tone: 'kept', text: line.startsWith('  ') ? line.slice(2) : line };
}

/** A metric delta as "12.0% → 14.0% (+2.0 pts)"; support as counts; lift as a factor. */
export function formatDelta(delta: MetricDelta): string {
  const from = formatMetricValue(delta.metric, delta.old);
  const to = formatMetricValue(delta.metric, delta.new);
  if (delta.delta === null) return `${from} → ${to}`;
  const sign = delta.delta > 0 ? '+' : delta.delta < 0 ? '−' : '±';
  const size = Math.abs(delta.delta);
  let change: string;
  if (delta.metric === 'support' || delta.metric === 'rows') change = `${sign}${Math.round(size).toLocaleString('en-US')}`;
  else if (delta.metric === 'lift') change = `${sign}${plain(size)}`;
  else change = `${sign}${(size * 100).toFixed(1)} pts`;
  return `${from} → ${to} (${change})`;
}

/** A Jaccard index as text (1 means the same entities). */
export function formatJaccard(value: number | null): string {
  return value === null ? '—' : value.toFixed(3);
}

/** "sha256:abcdef012345…" shortened for headers; the full hash stays in the title. */
export function shortHash(hash: string): string {
  const hex = hash.startsWith('sha256:') ? hash.slice(7) : hash;
  return `sha256:${hex.slice(0, 12)}…`;
}

/** A file name for a pack or its report: "name-1.2.0.json". */
export function packFileName(name: string, version: string, extension: 'json' | 'html' | 'sql'): string {
  const clean = (part: string): string => part.trim().replace(/[\\/:*?"<>|\s]+/g, '_').replace(/^_+|_+$/g, '');
  const base = [clean(name) || 'pack', clean(version)].filter(Boolean).join('-');
  return `${base}.${extension}`;
}

/** The table an applied pack writes to by default: "<name>_tags", as a plain identifier. */
export function applyTableName(packName: string): string {
  const base = packName.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'pack';
  return `${/^[0-9]/.test(base) ? `p_${base}` : base}_tags`;
}

/** The next minor version (1.2.3 -> 1.3.0): the default for a build on top of a parent. */
export function nextVersion(version: string): string {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!match) return '1.0.0';
  return `${match[1]}.${Number(match[2]) + 1}.0`;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** Problems with the build form, in words; empty when it can be sent. */
export function buildFormProblems(form: { name: string; version: string; table: string; hasTags: boolean }): string[] {
  const problems: string[] = [];
  if (!form.hasTags) problems.push('Choose a tag set with at least one tag.');
  if (!form.table) problems.push('Choose the table to measure the tags on.');
  if (!form.name.trim()) problems.push('Give the pack a name.');
  if (!SEMVER.test(form.version.trim())) problems.push('The version must be a semantic version such as 1.0.0.');
  return problems;
}

/** Reads a tags.json file's text as JSON (the engine checks the tag set itself). */
export function parseJsonFile(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`The ${what} is not valid JSON (${err instanceof Error ? err.message : String(err)}).`);
  }
}

/** The number of tags in a tag-set-like value, 0 when it is not one. */
export function tagCount(tagSet: unknown): number {
  if (!tagSet || typeof tagSet !== 'object') return 0;
  const tags = (tagSet as { tags?: unknown }).tags;
  return Array.isArray(tags) ? tags.length : 0;
}

/** A golden row cell as text (NULL shown as such). */
export function cellText(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  return String(value);
}

/** The pack (and other version, for a comparison) a long job was started for. */
export interface JobSubject {
  packText: string;
  otherText?: string;
}

/**
 * Whether a job's result still belongs on screen: a check or comparison finished after another pack
 * (or other version) was opened is about the old one and must not show as the new one's verdict.
 */
export function resultStillFits(started: JobSubject, now: { packText: string | null; otherText?: string | null }): boolean {
  if (now.packText !== started.packText) return false;
  return started.otherText === undefined || now.otherText === started.otherText;
}

/** SQL exported for one pack text: every dialect's SQL, or why it could not be generated. */
export interface ExportedSql {
  text: string;
  byDialect: Partial<Record<SqlDialect, string>>;
  error: string | null;
}

/**
 * The SQL to show and copy for the pack on screen: SQL exported for another pack text (the one
 * before, still in state while the new export runs) is never shown or copied; it reads as pending.
 */
export function sqlOnScreen(sql: ExportedSql | null, packText: string, dialect: SqlDialect): { text: string | null; error: string | null; pending: boolean } {
  if (!sql || sql.text !== packText) return { text: null, error: null, pending: true };
  return { text: sql.byDialect[dialect] ?? null, error: sql.error, pending: false };
}
