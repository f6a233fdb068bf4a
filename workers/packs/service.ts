import type { Table } from 'apache-arrow';
import type { DataEngine } from '../data/engine';
import { quoteIdent, quoteLiteral } from '../data/sql-text';
import { asDate, temporalText } from '../data/zoned-time';
import { loadTagModel } from './dialects/model-sql';
import { ctrTagColumns, isCtrTag } from './dialects/ctr-tag-sql';
import { packToSql } from './dialects/pack-sql';
import { ruleColumns } from '../tags/ast';
import { chooseTags, noTagApplies, splitByColumns, tagReadsColumns, type LeftOutTag } from '../tags/applicability';
import { parseTagSet, type Tag } from '../tags/tag';
import { resolveTarget, describeRelation } from '../tags/tag-data';
import { checkGates, checkGateSpec, coverageOnly, DEFAULT_GATES, tagMetrics, type Gate as ValidationGate, type Estimate, type TagMetrics as ValidationTagMetrics } from '../tags/validation';
import { EngineError, throwIfAborted } from '../protocol/errors';
import { finalizePack, readPack } from './io';
import { checkRuleTypes, type ColumnFill } from './type-check';
import { checkKeyColumn, isIdLike, keyCandidates, numberedRows, ROW } from './entity-key';
import { describeGate, NO_LABEL, NO_VALUE, needsLabel, needsValue } from './gates';
import { prepareValue, VALUE_COLUMN, type ValueSpec } from '../tags/value-data';
import { valueStats } from '../tags/value-stats';
import { driftValueSpec, toValueMetrics, valueDrift, valueGateFigures } from './value-metrics';
import { assignTagIds, safeTagId } from './tag-ids';
import { recordedFeatureStep } from '../segments/feature-registry';
import { featuresFromEvents, tableRole } from './source';
import { PACK_SCHEMA, identityColumns, type GateOutcome, type GoldenRow, type IntervalMetric, type PackTag, type RulePack, type RulePackInput, type SourceFile, type TagMetrics } from './schema';
import { isTemporalTypeName } from '../data/type-names';

/** Rows of an Arrow table as plain objects (BigInt kept). */
function plainRows(table: Table): Array<Record<string, unknown>> {
  return table.toArray().map((r) => (r as { toJSON(): Record<string, unknown> }).toJSON());
}

/** Every source column a tag reads. */
export function tagColumns(tag: PackTag): string[] {
  if (tag.kind === 'rule') return ruleColumns(tag.rule.ast);
  if (tag.kind === 'segment') return [...new Set(tag.segment.preprocessor.columns.map((c) => c.column))];
  if (isCtrTag(tag)) return ctrTagColumns(tag);
  return [...new Set(loadTagModel(tag).encoding.features.map((f) => f.column))];
}

export interface TargetParam {
  column: string;
  positive?: string;
}

export interface BuildParams {
  /** The tag set (assay.tagset/1) as parsed JSON. */
  tagSet: unknown;
  /** The loaded table holding one row of features per entity. */
  table: string;
  /**
   * The entity key column, checked to be unique and never NULL. When absent: a unique, non-NULL
   * column with an id-like name, or else none (the pack tags rows; see entity-key.ts).
   */
  key?: string;
  name: string;
  version: string;
  /** The previous version's pack JSON text. */
  parent?: string;
  createdBy?: string;
  /**
   * YYYY-MM-DD. When absent: the feature step's as_of (a table built by features.build), else the
   * day after the latest date in the table's date/time columns; the build date only when it has none.
   */
  asOf?: string;
  /** A label to measure precision, recall, F1 and lift against; coverage only without it. */
  target?: TargetParam;
  /** The data files (names, sizes, SHA-256), filled in by whoever read them. */
  sources?: Array<{ name: string; bytes: number; sha256: string }>;
  /** Only these tags (names or ids); all when absent. Tags reading columns the table lacks are left out either way (see notes.leftOut). */
  tags?: string[];
  /** Golden rows to keep (default 20). */
  goldenRows?: number;
  /** Fixed creation time (tests, reproducible builds). */
  createdAt?: string;
  /** A value (GMV) to measure every tag by (share, lift, means: metrics.value); see workers/tags/value-data.ts. */
  value?: ValueSpec;
  /** Per-tag gates added to the defaults (precision >= 0.80, coverage >= 1%), e.g. { metric: 'valueLift', min: 1.2 }. */
  gates?: ValidationGate[];
  /** How messages name the data (the file it was read from, as the user gave it); the quoted table name when absent. */
  dataName?: string;
}

function interval(e: Estimate): IntervalMetric | undefined {
  return e.value === null || e.low === null || e.high === null ? undefined : { value: e.value, low: e.low, high: e.high };
}

/**
 * Turns the tag set's tags into pack tags (rule tags, and model and segment tags that embed their
 * model): the chosen ones (`only`; all when absent) that the table has every column for. The
 * others come back as left out, with the columns they need (a set may mix tags of other tables).
 */
function packTagsFromTagSet(input: unknown, table: string, columns: ReadonlyArray<{ name: string }>, only?: readonly string[]): { tags: Array<Extract<RulePackInput['tags'][number], object>>; leftOut: LeftOutTag[] } {
  const set = parseTagSet(input);
  if (set.tags.length === 0) throw new EngineError('BAD_INPUT', 'The tag set has no tags; a pack needs at least one.');
  const chosen = chooseTags(set, only);
  const converted = chosen.map((tag) => ({ tag, packTag: packTagFromTag(tag) }));
  const columnsOf = (x: (typeof converted)[number]): string[] | null => {
    if (x.packTag.kind !== 'model') return tagReadsColumns(x.tag);
    try {
      return tagColumns(x.packTag as PackTag);
    } catch {
      return null; // a model that does not load is reported when the pack is checked
    }
  };
  const { applicable, leftOut } = splitByColumns(converted, (x) => ({ id: x.tag.id, name: x.tag.name, columns: columnsOf(x), madeOn: x.tag.entity?.table }), columns.map((c) => c.name), table);
  if (applicable.length === 0) throw noTagApplies(leftOut, table);
  // Two tag set ids that give one output column (e.g. "a-b" and "a.b") are refused, naming both.
  return { tags: assignTagIds(applicable.map((x) => x.packTag)), leftOut };
}

function packTagFromTag(tag: Tag): Extract<RulePackInput['tags'][number], object> {
  // The output column comes from the tag set's id, never the display name: renaming keeps the schema.
  const common = { id: safeTagId(tag.id), name: tag.name, group: tag.group, description: tag.description, owner: tag.owner, status: tag.status };
  const def = tag.definition;
  if (def.kind === 'rule') return { ...common, kind: 'rule' as const, rule: { text: def.text, ast: def.ast } };
  if (def.kind === 'model') {
    if (def.modelJson === undefined) throw new EngineError('BAD_INPUT', `Tag "${tag.name}" refers to the saved model "${def.modelRef}"; export the tag set with the model embedded (modelJson) to pack it.`);
    return { ...common, kind: 'model' as const, model: { xgboostJson: JSON.stringify(def.modelJson), threshold: def.threshold } };
  }
  if (def.segmentation === undefined || typeof def.segmentId !== 'number') {
    throw new EngineError('BAD_INPUT', `Tag "${tag.name}" is a segment tag referring to "${def.segmentRef}"; packing segment tags needs the segmentation's preprocessing and centroids, which this tag set does not carry.`);
  }
  const { preprocessor, centroids } = def.segmentation;
  return { ...common, kind: 'segment' as const, segment: { preprocessor, centroids, index: def.segmentId } };
}

/** Runs the pack's DuckDB query over a relation and returns the boolean columns per tag (and pass-through columns). */
async function runPack(engine: DataEngine, pack: RulePack, source: string | undefined, passThrough: string[], signal?: AbortSignal): Promise<Table> {
  return engine.driver.query(packToSql(pack, 'duckdb', { header: false, source, passThrough }), signal);
}

function flags(table: Table, column: string): Uint8Array {
  const vector = table.getChild(column);
  const out = new Uint8Array(table.numRows);
  if (!vector) return out;
  for (let i = 0; i < table.numRows; i++) out[i] = vector.get(i) === true ? 1 : 0;
  return out;
}

const LABEL = '__assay_pack_label';

/** Measures every tag on a relation: coverage, and with a target precision/recall/F1/lift (95% intervals). */
export async function measurePack(engine: DataEngine, pack: RulePack, relation: string, target: TargetParam | undefined, signal?: AbortSignal, value?: ValueSpec): Promise<Map<string, TagMetrics>> {
  let source = relation;
  const passThrough: string[] = [];
  // The value (GMV) column rides along through the pack's query: one value per tagged row.
  const valued = value ? await prepareValue(engine, relation, await describeRelation(engine, relation, signal), value, signal) : null;
  if (valued) {
    source = valued.relation;
    passThrough.push(VALUE_COLUMN);
  }
  if (target) {
    const columns = await describeRelation(engine, relation, signal);
    const resolved = await resolveTarget(engine, relation, columns, { target: target.column, positive: target.positive }, signal);
    source = `(SELECT *, ${resolved.expression} AS ${quoteIdent(LABEL)} FROM ${source})`;
    passThrough.push(LABEL);
  }
  const table = await runPack(engine, pack, source, passThrough, signal);
  let labels: Uint8Array | null = null;
  if (target) {
    const vector = table.getChild(LABEL);
    labels = Uint8Array.from({ length: table.numRows }, (_, i) => (Number(vector?.get(i)) === 1 ? 1 : 0));
  }
  const values = valued ? valued.read(table) : null;
  const out = new Map<string, TagMetrics>();
  for (const tag of pack.tags) {
    const fires = flags(table, tag.id);
    const m = labels ? tagMetrics(fires, labels) : coverageOnly(fires);
    const coverage = interval(m.coverage) ?? { value: 0, low: 0, high: 0 };
    const metrics: TagMetrics = { rows: m.rows, support: m.support, coverage };
    if (labels) {
      const full = m as ValidationTagMetrics;
      for (const name of ['precision', 'recall', 'f1', 'lift'] as const) {
        const v = interval(full[name]);
        if (v) metrics[name] = v;
      }
    }
    if (values) metrics.value = toValueMetrics(valueStats(values.values, fires), values.summary);
    out.set(tag.name, metrics);
  }
  return out;
}

/** Where a pack's metrics come from: every row of the table it was built on (not a holdout). */
const BUILD_DATA = 'the build data';

/** Gates in the pack's form applied to recorded metrics (validation.ts semantics); label gates without a label are recorded as not evaluated. */
function gateOutcome(metrics: TagMetrics, gates: ValidationGate[], hasTarget: boolean): GateOutcome {
  const est = (v: IntervalMetric | undefined): Estimate => (v ? { value: v.value, low: v.low, high: v.high } : { value: null, low: null, high: null });
  const valued = valueGateFigures(metrics.value);
  const usable = (hasTarget ? gates : gates.filter((g) => !needsLabel(g))).filter((g) => valued !== null || !needsValue(g));
  const notEvaluated = [...(hasTarget ? [] : gates.filter(needsLabel).map((g) => `${describeGate(g)} (${NO_LABEL})`)), ...(valued ? [] : gates.filter(needsValue).map((g) => `${describeGate(g)} (${NO_VALUE})`))];
  const outcome = !hasTarget
    ? checkGates({ rows: metrics.rows, support: metrics.support, coverage: est(metrics.coverage) }, usable, BUILD_DATA, valued)
    : checkGates(
        {
          rows: metrics.rows,
          support: metrics.support,
          positives: 0,
          tp: 0,
          fp: 0,
          fn: 0,
          tn: 0,
          baseRate: null,
          coverage: est(metrics.coverage),
          precision: est(metrics.precision),
          recall: est(metrics.recall),
          f1: est(metrics.f1),
          lift: est(metrics.lift),
        },
        usable,
        BUILD_DATA,
        valued,
      );
  return notEvaluated.length > 0 ? { ...outcome, notEvaluated } : outcome;
}

function jsonCell(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  return String(value);
}

const JSON_NATIVE = /^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|REAL|VARCHAR)$/i;

/** The entity of a new pack: the named key (checked), an id-like unique column, or no key (rows are tagged). */
async function chooseEntity(engine: DataEngine, relation: string, table: string, where: string, columns: Array<{ name: string; type: string }>, key: string | undefined, signal?: AbortSignal): Promise<RulePack['entity']> {
  if (key !== undefined && key !== '') {
    if (!columns.some((c) => c.name === key)) throw new EngineError('BAD_INPUT', `The key column "${key}" is not in ${where}.`);
    await checkKeyColumn(engine, relation, where, key, signal);
    return { table, key };
  }
  // Only an id-like name is taken unasked: another unique column may be unique by chance.
  const found = (await keyCandidates(engine, relation, columns.filter((c) => isIdLike(c.name)), signal)).candidates[0];
  return found ? { table, key: found.name } : { table, key: null, columns: columns.map((c) => c.name) };
}

/** A few rows (some where each tag fires, some where none does) with the tags they must get. */
async function pickGoldenRows(engine: DataEngine, pack: RulePack, relation: string, limit: number, signal?: AbortSignal): Promise<RulePack['golden']> {
  const key = pack.entity.key;
  const all = await describeRelation(engine, relation, signal);
  const needed = new Set([...(key === null ? [] : [key]), ...pack.tags.flatMap(tagColumns)]);
  const columns = all.filter((c) => needed.has(c.name)).map((c) => ({ name: c.name, type: c.type }));
  if (limit <= 0) return { columns, rows: [] };
  const numbered = numberedRows(relation, all);
  const flagsSql = [quoteIdent(ROW), ...pack.tags.map((t) => quoteIdent(t.id))].join(', ');
  const tagged = await engine.driver.query(
    `SELECT ${flagsSql} FROM (${packToSql(pack, 'duckdb', { header: false, source: numbered, passThrough: [ROW] })}) ORDER BY ${quoteIdent(ROW)} LIMIT 100000`,
    signal,
  );
  const rowNumbers = tagged.getChild(ROW);
  const chosen: number[] = [];
  const perTag = Math.max(1, Math.floor(limit / (pack.tags.length + 1)));
  const fired = pack.tags.map((t) => flags(tagged, t.id));
  for (const f of fired) {
    let taken = 0;
    for (let i = 0; i < f.length && taken < perTag && chosen.length < limit; i++) {
      if (f[i] === 1 && !chosen.includes(i)) {
        chosen.push(i);
        taken++;
      }
    }
  }
  for (let i = 0; i < tagged.numRows && chosen.length < limit; i++) if (!chosen.includes(i) && fired.every((f) => f[i] === 0)) chosen.push(i);
  for (let i = 0; i < tagged.numRows && chosen.length < limit; i++) if (!chosen.includes(i)) chosen.push(i);
  chosen.sort((a, b) => a - b);
  if (chosen.length === 0) return { columns, rows: [] };
  const expectedByRow = new Map<number, string[]>();
  for (const i of chosen) expectedByRow.set(Number(rowNumbers?.get(i)), pack.tags.filter((_, t) => fired[t]?.[i] === 1).map((t) => t.id));
  // A TIMESTAMPTZ prints in UTC: CAST AS VARCHAR follows the session time zone on native DuckDB,
  // which would make the same build's golden rows (and content hash) differ between machines.
  const select = columns.map((c) => (JSON_NATIVE.test(c.type) ? quoteIdent(c.name) : `${temporalText(c.type, quoteIdent(c.name))} AS ${quoteIdent(c.name)}`));
  const values = plainRows(
    await engine.driver.query(`SELECT ${[quoteIdent(ROW), ...select].join(', ')} FROM ${numbered} WHERE ${quoteIdent(ROW)} IN (${[...expectedByRow.keys()].join(', ')}) ORDER BY ${quoteIdent(ROW)}`, signal),
  );
  const rows: GoldenRow[] = values.map((v) => {
    const row = Number(v[ROW]);
    const k = key === null ? row : jsonCell(v[key]);
    return {
      key: k === null || typeof k === 'boolean' ? String(k) : k,
      values: Object.fromEntries(columns.map((c) => [c.name, jsonCell(v[c.name])])),
      expected: expectedByRow.get(row) ?? [],
    };
  });
  return { columns, rows };
}

/** Builds a pack from a tag set and a loaded table: metrics, gates, provenance, golden rows, hash. */
/** The day after the latest value of the relation's DATE/TIMESTAMP columns (the data's snapshot), or null when it has none. */
async function snapshotDate(engine: DataEngine, relation: string, columns: Array<{ name: string; type: string }>, signal?: AbortSignal): Promise<string | null> {
  const temporal = columns.filter((c) => isTemporalTypeName(c.type));
  if (temporal.length === 0) return null;
  // asDate: a TIMESTAMPTZ's UTC day (a plain cast fails without ICU and follows the session time zone with it).
  const latest = temporal.map((c) => `max(${asDate(c.type, quoteIdent(c.name))})`).join(', ');
  const sql = `SELECT strftime(${temporal.length === 1 ? latest : `greatest(${latest})`} + 1, '%Y-%m-%d') AS snapshot FROM ${relation}`;
  const value = (await engine.driver.query(sql, signal)).getChild('snapshot')?.get(0) as string | null | undefined;
  return value ?? null;
}

/**
 * The label the chosen tags were mined against, when the build gives none: every tag measured
 * against a target names the same one, and the table has that column.
 */
function minedTarget(tagSet: unknown, packTags: ReadonlyArray<{ id: string }>, columns: ReadonlyArray<{ name: string }>): TargetParam | undefined {
  const ids = new Set(packTags.map((t) => t.id));
  const targets = parseTagSet(tagSet).tags.filter((t) => ids.has(safeTagId(t.id))).flatMap((t) => (t.metrics?.target ? [t.metrics.target] : []));
  const first = targets[0];
  if (!first || targets.some((t) => t.column !== first.column || t.positive !== first.positive)) return undefined;
  return columns.some((c) => c.name === first.column) ? { column: first.column, positive: first.positive } : undefined;
}

export async function buildPack(engine: DataEngine, params: BuildParams, progress: (fraction: number, phase: string) => void, signal?: AbortSignal, notes?: { leftOut: LeftOutTag[]; target?: TargetParam & { from: 'given' | 'mined tags' } }): Promise<RulePack> {
  parseTagSet(params.tagSet); // a bad tag set is reported before the table is looked up
  const names = await engine.tableNames();
  const table = names.find((n) => n === params.table);
  if (!table) throw new EngineError('NOT_FOUND', `There is no table named "${params.table}".`);
  const relation = quoteIdent(table);
  const where = params.dataName ?? `"${table}"`;
  const columns = await describeRelation(engine, relation, signal);
  const { tags, leftOut } = packTagsFromTagSet(params.tagSet, table, columns, params.tags);
  if (notes) notes.leftOut = leftOut;
  const createdAt = params.createdAt ?? new Date().toISOString();
  // Mined tags know their label: measure precision against it rather than report "not evaluated".
  const target = params.target ?? minedTarget(params.tagSet, tags, columns);
  if (notes && target) notes.target = { ...target, from: params.target ? 'given' : 'mined tags' };
  // A table features.build made from a recorded step (and not changed since) carries that step.
  const recorded = await recordedFeatureStep(engine, table, signal);
  const features = recorded && recorded.columns.join('\u0001') === columns.map((c) => c.name).join('\u0001') ? recorded : null;
  if (features && params.asOf !== undefined && params.asOf !== features.asOf) {
    throw new EngineError('BAD_INPUT', `"${table}" was built from events before ${features.asOf}; the pack's as-of date must be that day (got ${params.asOf}). Rebuild the features with the as-of date you want.`);
  }
  const asOf = params.asOf ?? features?.asOf ?? (await snapshotDate(engine, relation, columns, signal)) ?? createdAt.slice(0, 10);
  const entity = await chooseEntity(engine, relation, table, where, columns, params.key, signal);
  let parent: RulePack['parent'] = null;
  if (params.parent !== undefined) {
    const old = (await readPack(params.parent)).pack;
    parent = { version: old.version, contentHash: old.contentHash };
  }
  const rowCount = Number((await engine.driver.query(`SELECT count(*) AS n FROM ${relation}`, signal)).getChild('n')?.get(0) ?? 0);
  const sources: SourceFile[] = (params.sources ?? []).map((s) => ({ ...s, rows: rowCount, columns: columns.map((c) => ({ name: c.name, type: c.type })) }));
  const draftInput: Omit<RulePackInput, 'contentHash'> = {
    schema: PACK_SCHEMA,
    name: params.name,
    version: params.version,
    parent,
    created: { at: createdAt, by: params.createdBy ?? '' },
    asOf,
    entity,
    features,
    tags,
    provenance: { sources },
  };
  let pack = await finalizePack(draftInput);
  progress(0.2, 'checking tags against the data');
  for (const tag of pack.tags) {
    const missing = tagColumns(tag).filter((c) => !columns.some((x) => x.name === c));
    if (missing.length > 0) throw new EngineError('BAD_INPUT', `Tag "${tag.name}" reads ${missing.map((m) => `"${m}"`).join(', ')}, not in ${where}.`);
  }
  await checkRuleTypes(pack, columns, where, columnFill(engine, relation, columns, signal));
  throwIfAborted(signal);
  progress(0.4, 'measuring tags');
  const metrics = await measurePack(engine, pack, relation, target, signal, params.value);
  const gates = [...(DEFAULT_GATES.perTag ?? []), ...(params.gates ? (checkGateSpec({ perTag: params.gates }).perTag ?? []) : [])];
  const measured = pack.tags.map((t) => {
    const m = metrics.get(t.name) as TagMetrics;
    return { ...t, metrics: m, gates: gates.map((g) => ({ ...g })), gateOutcome: gateOutcome(m, gates, target !== undefined) };
  });
  progress(0.7, 'choosing golden rows');
  pack = await finalizePack({ ...pack, tags: measured, contentHash: undefined } as Omit<RulePackInput, 'contentHash'>);
  const golden = await pickGoldenRows(engine, pack, relation, params.goldenRows ?? 20, signal);
  progress(1, 'done');
  const { contentHash: _hash, ...rest } = pack;
  return finalizePack({ ...rest, golden });
}

export interface GoldenCheck {
  rows: number;
  mismatches: Array<{ key: string | number; expected: string[]; got: string[] }>;
}

function sqlCell(value: string | number | boolean | null, type: string): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (typeof value === 'string') return `CAST(${quoteLiteral(value)} AS ${type})`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return `CAST(${Number.isSafeInteger(value) ? String(value) : value.toExponential()} AS ${type})`;
}

const GOLDEN_ROW = '__assay_golden_row';

/**
 * Runs the pack's DuckDB query on its golden rows and compares the tags with the expected ones.
 * Rows are matched by their place in the golden set, not by key, so a repeated key cannot mix
 * them up; entity columns a keyless pack passes through but the rules do not read are NULL here.
 */
export async function checkGoldenRows(engine: DataEngine, pack: RulePack, signal?: AbortSignal): Promise<GoldenCheck> {
  const { columns, rows } = pack.golden;
  if (rows.length === 0) return { rows: 0, mismatches: [] };
  const name = `__assay_golden_${Math.floor(Math.random() * 1e9)}`;
  const present = new Set(columns.map((c) => c.name));
  const filler = identityColumns(pack.entity).filter((c) => !present.has(c));
  const defs = [`${quoteIdent(GOLDEN_ROW)} INTEGER`, ...columns.map((c) => `${quoteIdent(c.name)} ${c.type}`), ...filler.map((c) => `${quoteIdent(c)} VARCHAR`)].join(', ');
  const values = rows.map((r, i) => `(${[String(i), ...columns.map((c) => sqlCell(r.values[c.name] ?? null, c.type)), ...filler.map(() => 'NULL')].join(', ')})`).join(', ');
  await engine.driver.query(`CREATE TEMP TABLE ${quoteIdent(name)} (${defs})`, signal);
  try {
    await engine.driver.query(`INSERT INTO ${quoteIdent(name)} VALUES ${values}`, signal);
    const out = await runPack(engine, pack, quoteIdent(name), [GOLDEN_ROW], signal);
    const order = out.getChild(GOLDEN_ROW);
    const got = new Map<number, string[]>();
    for (let i = 0; i < out.numRows; i++) got.set(Number(order?.get(i)), pack.tags.filter((t) => out.getChild(t.id)?.get(i) === true).map((t) => t.id));
    const mismatches = rows.flatMap((r, i) => {
      const actual = got.get(i) ?? [];
      return actual.join('\u0001') === r.expected.join('\u0001') ? [] : [{ key: r.key, expected: r.expected, got: actual }];
    });
    return { rows: rows.length, mismatches };
  } finally {
    await engine.driver.query(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
  }
}

export interface MetricDrift {
  tag: string;
  metric: string;
  recorded: number;
  measured: number;
  /** The measured value lies outside the recorded 95% interval. */
  outside: boolean;
}

/** Counts for a type conflict's message: the relation's rows and the column's values (named as in the data, any case). */
export function columnFill(engine: DataEngine, relation: string, columns: ReadonlyArray<{ name: string }>, signal?: AbortSignal): (column: string) => Promise<ColumnFill> {
  return async (column) => {
    const name = columns.find((c) => c.name === column)?.name ?? columns.find((c) => c.name.toLowerCase() === column.toLowerCase())?.name ?? column;
    const row = plainRows(await engine.driver.query(`SELECT count(*) AS n, count(${quoteIdent(name)}) AS v FROM ${relation}`, signal))[0] ?? {};
    return { rows: Number(row.n ?? 0), values: Number(row.v ?? 0) };
  };
}

/**
 * Refuses a table lacking a column the pack reads or outputs (the entity key or columns, a tag's
 * inputs), before DuckDB fails on the query with a Binder Error; `whose` names the pack.
 */
export function checkPackColumns(pack: RulePack, columns: ReadonlyArray<{ name: string }>, where: string, whose = 'the pack'): void {
  const have = new Set(columns.map((c) => c.name.toLowerCase()));
  const identity = identityColumns(pack.entity);
  const readers = new Map<string, string[]>();
  for (const tag of pack.tags) for (const column of tagColumns(tag)) readers.set(column, [...(readers.get(column) ?? []), tag.name]);
  const problems: string[] = [];
  for (const column of identity) {
    if (!have.has(column.toLowerCase())) problems.push(`"${column}" (${pack.entity.key === null ? 'an entity column' : 'the entity key'})`);
  }
  for (const [column, tags] of readers) {
    if (!have.has(column.toLowerCase()) && !identity.includes(column)) problems.push(`"${column}" (read by ${tags.map((t) => `"${t}"`).join(', ')})`);
  }
  if (problems.length > 0) {
    throw new EngineError('BAD_INPUT', `${where} lacks column${problems.length > 1 ? 's' : ''} ${problems.join(', ')} that ${whose} needs; its columns are ${columns.map((c) => `"${c.name}"`).join(', ')}.`);
  }
}

/**
 * Re-measures the pack on a table and compares with the recorded metrics. `where` names the data
 * in messages (the file it was read from); the quoted table name when absent.
 */
export async function metricDrift(engine: DataEngine, pack: RulePack, table: string, target: TargetParam | undefined, signal?: AbortSignal, where = `"${table}"`): Promise<MetricDrift[]> {
  const described = await describeRelation(engine, quoteIdent(table), signal);
  // A pack that carries its feature step re-measures on raw events too: features first, then tags.
  if (tableRole(pack, described, where) === 'events') {
    return metricDriftOn(engine, pack, featuresFromEvents(pack, table), target, signal);
  }
  checkPackColumns(pack, described, where);
  await checkRuleTypes(pack, described, where, columnFill(engine, quoteIdent(table), described, signal));
  return metricDriftOn(engine, pack, quoteIdent(table), target, signal);
}

async function metricDriftOn(engine: DataEngine, pack: RulePack, relation: string, target: TargetParam | undefined, signal?: AbortSignal): Promise<MetricDrift[]> {
  const measured = await measurePack(engine, pack, relation, target, signal, await driftValueSpec(engine, pack, relation, signal));
  const out: MetricDrift[] = [];
  for (const tag of pack.tags) {
    const now = measured.get(tag.name);
    if (!tag.metrics || !now) continue;
    for (const metric of ['coverage', 'precision', 'recall', 'f1', 'lift'] as const) {
      const was = tag.metrics[metric];
      const is = now[metric];
      if (!was || !is) continue;
      // Interval ends carry floating-point noise (a Wilson bound of 2e-19 for a coverage of 0).
      const slack = 1e-9 * Math.max(1, Math.abs(was.value));
      out.push({ tag: tag.name, metric, recorded: was.value, measured: is.value, outside: is.value < was.low - slack || is.value > was.high + slack });
    }
    out.push(...valueDrift(tag.name, tag.metrics.value, now.value));
  }
  return out;
}

export interface ApplyResult {
  table: string;
  rowCount: number;
  /** Entities per tag, by tag id (the output column). */
  counts: Record<string, number>;
}

/** Computes every tag per entity into a new DuckDB table (in-app apply). */
export async function applyPack(engine: DataEngine, pack: RulePack, into: string, source: string | undefined, signal?: AbortSignal): Promise<ApplyResult> {
  let relation = source === undefined ? undefined : quoteIdent(source);
  // With the pack's feature step, a table of raw events is turned into features first.
  if (source !== undefined && tableRole(pack, await describeRelation(engine, quoteIdent(source), signal), `"${source}"`) === 'events') relation = featuresFromEvents(pack, source);
  await engine.driver.query(`CREATE OR REPLACE TABLE ${quoteIdent(into)} AS ${packToSql(pack, 'duckdb', { header: false, source: relation })}`, signal);
  const counts = pack.tags.map((t) => `count(*) FILTER (WHERE ${quoteIdent(t.id)}) AS ${quoteIdent(t.id)}`).join(', ');
  const row = plainRows(await engine.driver.query(`SELECT count(*) AS ${quoteIdent('__rows')}, ${counts} FROM ${quoteIdent(into)}`, signal))[0] ?? {};
  return { table: into, rowCount: Number(row.__rows ?? 0), counts: Object.fromEntries(pack.tags.map((t) => [t.id, Number(row[t.id] ?? 0)])) };
}
