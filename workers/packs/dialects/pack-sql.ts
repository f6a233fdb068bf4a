import { identityColumns, type RulePack, type SqlDialect, type TagMetrics } from '../schema';
import { DIALECTS, type Dialect } from './dialect';
import { loadTagModel, modelDecisionSql, modelFeatureSql, segmentDecisionSql, segmentDistanceSql, segmentScaledSql, treeSql } from './model-sql';
import { gateSummary } from '../gates';
import { indentSql } from './indent';
import { ruleSql } from './rule-sql';

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
  return `${parts.join(', ')} on ${metrics.rows} rows of the build data`;
}

export function packHeader(pack: RulePack, dialect: SqlDialect): string {
  const lines = [
    `Assay rule pack "${pack.name}" version ${pack.version}`,
    `content hash ${pack.contentHash}`,
    `schema ${pack.schema}; target ${dialect}; as of ${pack.asOf}`,
    `null policy ${pack.nullPolicy}: a tag fires only where its rule is TRUE (NULL counts as false)`,
    pack.entity.key === null
      ? `entity table "${pack.entity.table}", no key column: one output row per input row, with its columns`
      : `entity table "${pack.entity.table}", key "${pack.entity.key}"`,
    `tags (${pack.tags.length}):`,
    ...pack.tags.map((t) => {
      const gates = gateSummary(t);
      return `  ${t.name} [${t.kind}]: ${metricsText(t.metrics)}; ${gates.state === 'failed' ? gates.text.replace('gates failed', 'gates FAILED') : gates.text}`;
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
  let source =
    options.source !== undefined
      ? `SELECT * FROM ${options.source}`
      : options.table !== undefined
        ? `SELECT * FROM ${options.table.map(q).join('.')}`
        : featureSql === null
          ? `SELECT * FROM ${q(pack.entity.table)}`
          : featureSql.trim().replace(/;\s*$/, '');

  // Model and segment tags need intermediate columns: features first, then tree leaves and distances.
  const featureCols: string[] = [];
  const stepCols: string[] = [];
  const decisions = new Map<number, string>();
  pack.tags.forEach((tag, i) => {
    if (tag.kind === 'model') {
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

  const tagCol = (name: string): string => q(name);
  const tagged = pack.tags.map((tag, i) => {
    const condition = tag.kind === 'rule' ? ruleSql(tag.rule.ast, d) : (decisions.get(i) as string);
    return `COALESCE(${condition}, FALSE) AS ${tagCol(tag.name)}`;
  });
  // The key, or in a pack without one every entity column: each output row names its input row.
  const key = identityColumns(pack.entity).map(q).join(',\n  ');
  const extra = (options.passThrough ?? []).map((c) => `,\n  ${q(c)}`).join('');
  const inner = `SELECT ${key},\n  ${tagged.join(',\n  ')}${extra}\nFROM (\n  ${indent(source)}\n) AS assay_entities`;
  const fired = d.firedNames(pack.tags.map((t) => ({ condition: tagCol(t.name), name: t.name })));
  const select = `SELECT ${key},\n  ${pack.tags.map((t) => tagCol(t.name)).join(',\n  ')},\n  ${fired} AS ${q('tags')}${extra}\nFROM (\n  ${indent(inner)}\n) AS assay_tagged`;
  const statement = d.statement(select, options.sink ?? 'sink');
  return options.header === false ? statement : `${packHeader(pack, dialectName)}\n${statement}`;
}
