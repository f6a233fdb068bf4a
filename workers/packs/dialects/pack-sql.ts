import { identityColumns, type RulePack, type SqlDialect, type TagMetrics } from '../schema';
import { DIALECTS, type Dialect } from './dialect';
import { loadTagModel, modelDecisionSql, modelFeatureSql, segmentDecisionSql, segmentDistanceSql, segmentScaledSql, treeSql } from './model-sql';
import { ctrTagSql, isCtrTag } from './ctr-tag-sql';
import { gateSummary } from '../gates';
import { indentSql } from './indent';
import { ruleSql } from './rule-sql';
import { featureStepCtes, type EventSource } from './feature-sql';

export interface PackSqlOptions {
  /** Flink's sink table (default "sink"). */
  sink?: string;
  /** Leave out the header comment (e.g. to run the query). */
  header?: boolean;
  /** Read the entity features from this relation (SQL text) instead (golden rows, another table). */
  source?: string;
  /** The production table holding the entity features, as name parts (`db`, `users`), quoted for the dialect. */
  table?: string[];
  /** Source columns carried through to the output after the tags (e.g. a label for metrics). */
  passThrough?: string[];
  /**
   * The production table the pack reads first, with an optional partition predicate: the raw
   * events when the pack carries its feature step, otherwise the entity table.
   */
  from?: EventSource;
}

/** Comment text on one line: a newline in a name must not end the comment. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must go
const commentText = (text: string): string => text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function metricsText(metrics: TagMetrics | null): string {
  if (metrics === null) return 'no metrics';
  const parts = [`coverage ${pct(metrics.coverage.value)} [${pct(metrics.coverage.low)}, ${pct(metrics.coverage.high)}]`];
  for (const name of ['precision', 'recall', 'f1'] as const) {
    const m = metrics[name];
    if (m) parts.push(`${name} ${m.value.toFixed(3)} [${m.low.toFixed(3)}, ${m.high.toFixed(3)}]`);
  }
  if (metrics.lift) parts.push(`lift ${metrics.lift.value.toFixed(2)}`);
  return `${parts.join(', ')}; in-sample: measured on the ${metrics.rows} rows of the build data`;
}

/** The feature step in words, for the header. */
function featureStepLines(pack: RulePack, asOfNote: string | null): string[] {
  const step = pack.features;
  if (step === null) return ['features: read from the entity table as it is (the pack records no feature step)'];
  const parts = [`template ${step.template}`, `key ${step.key}`, `time ${step.time} (${step.timeKind}${step.utcOffsetHours !== 0 ? `, ${step.utcOffsetHours > 0 ? '+' : ''}${step.utcOffsetHours} h` : ''})`];
  if (step.order) parts.push(`order ${step.order}`);
  if (step.value) parts.push(`value ${step.value.text}`);
  if (step.eventType) parts.push(`event type ${step.eventType}`);
  if (step.category) parts.push(`category ${step.category} (top ${step.categories.length} on the build data)`);
  if (step.session) parts.push(`session ${step.session}`);
  return [
    `features: computed here from the raw events of "${step.table}": ${parts.join(', ')}`,
    `cleaning filter: ${step.where ? step.where.text : 'none'}; only events before as_of count (a parameter, not the day the job runs)`,
    ...(asOfNote ? [asOfNote] : []),
    'times are read as UTC: run with the session time zone UTC',
  ];
}

export function packHeader(pack: RulePack, dialect: SqlDialect, asOfNote: string | null = null): string {
  const drafts = pack.tags.filter((t) => t.status === 'draft');
  const packGates = gateSummary({ gates: pack.gates, gateOutcome: pack.gateOutcome, metrics: null });
  const lines = [
    `Assay rule pack "${pack.name}" version ${pack.version}`,
    `content hash ${pack.contentHash}`,
    `schema ${pack.schema}; target ${dialect}; as of ${pack.asOf}`,
    `null policy ${pack.nullPolicy}: a tag fires only where its rule is TRUE (NULL counts as false)`,
    pack.entity.key === null
      ? `entity table "${pack.entity.table}", no key column: one output row per input row, with its columns`
      : `entity table "${pack.entity.table}", key "${pack.entity.key}"`,
    ...featureStepLines(pack, asOfNote),
    `pack gates: ${packGates.state === 'none' ? 'no gates' : packGates.text}`,
    ...(drafts.length > 0 ? [`DRAFT tags (not validated, not approved): ${drafts.map((t) => t.id).join(', ')}`] : []),
    `tags (${pack.tags.length}; output column = tag id, display name in quotes):`,
    ...pack.tags.map((t) => {
      const gates = gateSummary(t);
      const fitted = t.kind === 'segment' ? ' (the rows the segmentation was fitted on)' : '';
      return `  ${t.id} "${t.name}" [${t.kind}${t.status === 'draft' ? ', DRAFT' : `, ${t.status}`}]: ${metricsText(t.metrics)}${fitted}; ${gates.state === 'failed' ? gates.text.replace('gates failed', 'gates FAILED') : gates.text}`;
    }),
  ];
  return lines.map((l) => `-- ${commentText(l)}`).join('\n');
}

/**
 * One query computing every tag of the pack per entity: the key, a boolean column per tag
 * (never NULL) and `tags`, the array of the names that fired, in pack order.
 */
export function packToSql(pack: RulePack, dialectName: SqlDialect, options: PackSqlOptions = {}): string {
  const d: Dialect = DIALECTS[dialectName];
  const q = d.ident;
  const featureSql = pack.featureSql === null ? null : (pack.featureSql.byDialect[dialectName] ?? pack.featureSql.duckdb);
  // With a recorded feature step (and no features relation given), the script starts from the raw events.
  const steps =
    pack.features !== null && options.source === undefined && options.table === undefined
      ? featureStepCtes(pack.features, d, options.from ?? { table: [pack.features.table] })
      : null;
  const fromEntity = (table: string[]): string => `SELECT * FROM ${table.map(q).join('.')}${options.from?.where ? ` WHERE COALESCE(${ruleSql(options.from.where, d)}, FALSE)` : ''}`;
  let source =
    options.source !== undefined
      ? `SELECT * FROM ${options.source}`
      : steps !== null
        ? 'SELECT * FROM assay_features'
        : options.table !== undefined
          ? fromEntity(options.table)
          : options.from !== undefined
            ? fromEntity(options.from.table)
            : featureSql === null
              ? `SELECT * FROM ${q(pack.entity.table)}`
              : featureSql.trim().replace(/;\s*$/, '');

  // Model and segment tags need intermediate columns: features first, then tree leaves and distances.
  const featureCols: string[] = [];
  const stepCols: string[] = [];
  const decisions = new Map<number, string>();
  pack.tags.forEach((tag, i) => {
    if (tag.kind === 'model' && isCtrTag(tag)) {
      const ctr = ctrTagSql(tag, d, i);
      featureCols.push(...ctr.featureCols);
      stepCols.push(...ctr.stepCols);
      decisions.set(i, ctr.decision);
    } else if (tag.kind === 'model') {
      const loaded = loadTagModel(tag);
      const f = (j: number): string => q(`__assay_m${i}_f${j}`);
      loaded.encoding.features.forEach((spec, j) => featureCols.push(`${modelFeatureSql(spec, d, tag.name)} AS ${f(j)}`));
      const trees = loaded.model.trees.map((tree, k) => {
        stepCols.push(`${treeSql(tree, f, d)} AS ${q(`__assay_m${i}_t${k}`)}`);
        return q(`__assay_m${i}_t${k}`);
      });
      decisions.set(i, modelDecisionSql(loaded, trees, tag.model.threshold, d));
    } else if (tag.kind === 'segment') {
      const z = segmentScaledSql(tag, d).map((sql, j) => {
        featureCols.push(`${sql} AS ${q(`__assay_s${i}_z${j}`)}`);
        return q(`__assay_s${i}_z${j}`);
      });
      const dist = segmentDistanceSql(tag, z).map((sql, k) => {
        stepCols.push(`${sql} AS ${q(`__assay_s${i}_d${k}`)}`);
        return q(`__assay_s${i}_d${k}`);
      });
      decisions.set(i, segmentDecisionSql(tag, dist));
    }
  });
  // Line breaks inside string literals and quoted identifiers belong to the token: never indented.
  const indent = (sql: string): string => indentSql(sql, d);
  if (featureCols.length > 0) {
    source = `SELECT assay_s0.*,\n  ${featureCols.join(',\n  ')}\nFROM (\n  ${indent(source)}\n) AS assay_s0`;
    source = `SELECT assay_s1.*,\n  ${stepCols.map(indent).join(',\n  ')}\nFROM (\n  ${indent(source)}\n) AS assay_s1`;
  }

  // Output columns are the tag ids (stable, [a-z0-9_]); display names stay in the header.
  const tagCol = (id: string): string => q(id);
  const tagged = pack.tags.map((tag, i) => {
    const condition = tag.kind === 'rule' ? ruleSql(tag.rule.ast, d) : (decisions.get(i) as string);
    return `COALESCE(${condition}, FALSE) AS ${tagCol(tag.id)}`;
  });
  // The key, or in a pack without one every entity column: each output row names its input row.
  const key = identityColumns(pack.entity).map(q).join(',\n  ');
  const extra = (options.passThrough ?? []).map((c) => `,\n  ${q(c)}`).join('');
  const inner = `SELECT ${key},\n  ${tagged.join(',\n  ')}${extra}\nFROM (\n  ${indent(source)}\n) AS assay_entities`;
  const fired = d.firedNames(pack.tags.map((t) => ({ condition: tagCol(t.id), name: t.id })));
  const select = `SELECT ${key},\n  ${pack.tags.map((t) => tagCol(t.id)).join(',\n  ')},\n  ${fired} AS ${q('tags')}${extra}\nFROM (\n  ${indent(inner)}\n) AS assay_tagged`;
  const query = steps === null ? select : `WITH ${steps.ctes.join(',\n')}\n${select}`;
  const statement = d.statement(query, options.sink ?? 'sink');
  return options.header === false ? statement : `${packHeader(pack, dialectName, steps?.asOfNote ?? null)}\n${statement}`;
}
