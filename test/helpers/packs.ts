import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { expect } from 'vitest';
import type { EngineClient } from '../../workers/api';
import { quoteIdent, quoteLiteral } from '../../workers/data/sql-text';
import { TreeBuilder, type BoostedModel } from '../../workers/gbdt/model';
import { toXgboostJson } from '../../workers/gbdt/xgboost-json';
import { finalizePack } from '../../workers/packs/io';
import type { RulePack, RulePackDraft, SqlDialect } from '../../workers/packs/schema';
import type { RuleExpr, RuleLiteral } from '../../workers/tags/ast';
import { parseRule } from '../../workers/tags/parser';
import { compileLike, compileRegex } from '../../workers/tags/regex';
import { compileTextMatch } from '../../workers/tags/text-match';
import { repoRoot } from './paths';

/** Grammar errors of each SQL text, from dt-sql-parser in a child process (see validate-sql.ts). */
export async function grammarErrors(dialect: Exclude<SqlDialect, 'duckdb'>, sql: string[]): Promise<string[][]> {
  // Asynchronous, so the test worker stays responsive while the grammar runs.
  const child = promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'helpers', 'validate-sql.ts')], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 << 20 });
  child.child.stdin?.end(JSON.stringify({ dialect, sql }));
  const { stdout } = await child;
  return JSON.parse(stdout) as string[][];
}

/**
 * dt-sql-parser 4.5's Flink grammar lacks Flink's array value constructor `ARRAY[a, b]` (it only
 * knows subscripts), so for the grammar check alone the one constructor we emit is spelled as a
 * call; everything else is checked as generated.
 */
export function grammarCompatible(dialect: SqlDialect, sql: string): string {
  if (dialect !== 'flink') return sql;
  expect(sql).toContain('ARRAY_REMOVE(ARRAY[');
  return sql.replace('ARRAY_REMOVE(ARRAY[', 'ARRAY_REMOVE(ARRAY(').replace(/\n {2}\], CAST\(NULL AS STRING\)\)/, '\n  ), CAST(NULL AS STRING))');
}

/** Column names that break naive quoting in one dialect or another. */
export const COL = {
  spend: 'spend 90d',
  weird: 'we"ird',
  tick: 'back`tick',
  flag: "it's",
  reserved: 'select',
  country: 'Country',
  slash: 'x\\y',
  key: 'user id',
} as const;

export type Cell = number | string | boolean | null;
export type Row = Record<string, Cell>;

export const SAMPLE_COLUMNS: Array<{ name: string; type: string }> = [
  { name: COL.key, type: 'VARCHAR' },
  { name: COL.spend, type: 'DOUBLE' },
  { name: COL.weird, type: 'VARCHAR' },
  { name: COL.tick, type: 'INTEGER' },
  { name: COL.flag, type: 'BOOLEAN' },
  { name: COL.reserved, type: 'VARCHAR' },
  { name: COL.country, type: 'VARCHAR' },
  { name: COL.slash, type: 'DOUBLE' },
];

const WEIRD_VALUES: Array<string | null> = ["O'Brien \\ \"q\"", 'a%xb', 'a\\%_bz', 'plain', "back\\slash\\", '', null, 'abc%', 'tab\there', "it's"];
const RESERVED_VALUES: Array<string | null> = ["it's7", 'its7', 'x\\d', "it's", null, 'AB12', 'zz', "it's123"];

/** Deterministic sample rows with NULLs sprinkled in every column. */
export function sampleRows(n = 64): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    rows.push({
      [COL.key]: `u'${i}"`,
      [COL.spend]: i % 7 === 3 ? null : ((i * 37) % 101) * 10.25 - 0.1,
      [COL.weird]: WEIRD_VALUES[i % WEIRD_VALUES.length] ?? null,
      [COL.tick]: i % 5 === 4 ? null : (i * 3) % 6,
      [COL.flag]: i % 6 === 5 ? null : i % 2 === 0,
      [COL.reserved]: RESERVED_VALUES[i % RESERVED_VALUES.length] ?? null,
      [COL.country]: i % 9 === 8 ? null : (['UK', 'FR', 'DE', 'uk'][i % 4] as string),
      [COL.slash]: i % 11 === 10 ? null : ((i * 13) % 17) / 4 - 2 + (i % 3 === 0 ? 0.1 : 0),
    });
  }
  // Values that sit on the model's split thresholds: compared as doubles they go left, compared
  // in float32 (as XGBoost does) right. SQL without FLOAT casts would disagree on these rows.
  const onSplits: Array<[number, number]> = [
    [510.1, -0.35],
    [300.14999, 0.1],
    [820.4, 1.1],
    [300.15, -0.35],
  ];
  onSplits.forEach(([spend, xy], j) => {
    const row = rows[1 + j * 2];
    if (row) {
      row[COL.spend] = spend;
      row[COL.slash] = xy;
    }
  });
  return rows;
}

function sqlValue(value: Cell): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return quoteLiteral(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return value.toExponential();
}

/** SQL that creates a DuckDB table holding the rows, typed as the columns say. */
export function createTableSql(table: string, columns: Array<{ name: string; type: string }>, rows: Row[]): string {
  const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  const values = rows.map((r) => `(${columns.map((c) => `CAST(${sqlValue(r[c.name] ?? null)} AS ${c.type})`).join(', ')})`).join(',\n');
  return `CREATE OR REPLACE TABLE ${quoteIdent(table)} (${defs}); INSERT INTO ${quoteIdent(table)} VALUES ${values};`;
}

/** Runs SQL and returns its rows as plain objects. */
export async function queryRows(client: EngineClient, sql: string): Promise<Array<Record<string, unknown>>> {
  const result = await client.run('sql.run', { sql, preview: 100_000 });
  if (result.resultId) await client.run('sql.release', { resultId: result.resultId });
  return tableFromIPC(result.preview).toArray().map((r) => (r as { toJSON(): Record<string, unknown> }).toJSON());
}

export const SAMPLE_RULES: Record<string, string> = {
  'high "value"': `"spend 90d" > 500.5 AND "Country" IN ('UK', 'FR')`,
  "it's `odd`": `NOT "back\`tick" >= 3`,
  'back\\slash': `"we""ird" IS NULL OR "we""ird" LIKE 'a\\%_b%'`,
  regex_tag: `"select" MATCHES 'it''s\\d+$'`,
  quote_eq: `"we""ird" = 'O''Brien \\ "q"'`,
  not_between: `"x\\y" NOT BETWEEN -1.5 AND 2.25`,
  flag_only: `"it's"`,
  not_in_null: `"Country" NOT IN ('UK', NULL)`,
  col_vs_col: `"spend 90d" > "x\\y" OR "x\\y" >= 0.1`,
  has_backslash: `"we""ird" LIKE '%\\%' AND NOT "we""ird" LIKE 'a%'`,
  not_or: `NOT ("Country" = 'DE' OR "it's")`,
  eq_null: `"Country" = NULL OR "spend 90d" BETWEEN 100 AND NULL`,
};

export function baseInput(name: string, tags: RulePackDraft['tags']): RulePackDraft {
  return {
    schema: 'assay.rulepack/2',
    name,
    version: '1.0.0',
    created: { at: '2026-11-20T10:00:00.000Z', by: 'analyst@example.com' },
    asOf: '2026-11-20',
    entity: { table: 'users "main"', key: COL.key },
    tags,
  };
}

export async function sampleRulePack(): Promise<RulePack> {
  return finalizePack(
    baseInput(
      'hostile "sample"\npack',
      Object.entries(SAMPLE_RULES).map(([name, text]) => ({ kind: 'rule' as const, name, rule: { text, ast: parseRule(text) } })),
    ),
  );
}

/**
 * XGBoost JSON of a one-split binary:logistic model on `feature` (threshold 450.25, missing goes
 * left), with the given Assay attributes (an `assay_encoding` for a numeric column by default).
 */
export function oneSplitModelJson(feature: string, attributes?: Record<string, string>): string {
  const b = new TreeBuilder();
  const root = b.addNode(2147483647, 10, 0);
  const l = b.addNode(root, 5, -0.6);
  const r = b.addNode(root, 5, 0.8);
  b.left[root] = l;
  b.right[root] = r;
  b.feature[root] = 0;
  b.threshold[root] = 450.25;
  b.defaultLeft[root] = 1;
  const model = { objective: 'binary:logistic' as const, numClass: 0, baseScore: 0.4, numFeature: 1, featureNames: [feature], trees: [b.freeze()], treeInfo: [0], bestIteration: null };
  const encoding = { version: 1, features: [{ name: feature, column: feature, kind: 'numeric' }], columns: [{ name: feature, type: 'DOUBLE' }] };
  return toXgboostJson(model, attributes ?? { assay_encoding: JSON.stringify(encoding) });
}

/** A small binary:logistic model on spend and the backslash column, with awkward float thresholds. */
export function sampleModel(): BoostedModel {
  const tree = (f1: number, t1: number, f2: number, t2: number, leaves: number[], defaults: number[]): ReturnType<TreeBuilder['freeze']> => {
    const b = new TreeBuilder();
    const root = b.addNode(2147483647, 10, 0);
    const l = b.addNode(root, 5, 0);
    const r = b.addNode(root, 5, 0);
    const ll = b.addNode(l, 2, leaves[0] as number);
    const lr = b.addNode(l, 3, leaves[1] as number);
    b.left[root] = l;
    b.right[root] = r;
    b.feature[root] = f1;
    b.threshold[root] = t1;
    b.defaultLeft[root] = defaults[0] as number;
    b.left[l] = ll;
    b.right[l] = lr;
    b.feature[l] = f2;
    b.threshold[l] = t2;
    b.defaultLeft[l] = defaults[1] as number;
    b.threshold[r] = leaves[2] as number;
    return b.freeze();
  };
  return {
    objective: 'binary:logistic',
    numClass: 0,
    baseScore: 0.3,
    numFeature: 2,
    featureNames: ['spend', 'xy'],
    trees: [
      tree(0, 300.15, 1, 0.1, [-0.4, 0.12345679, 0.5], [1, 0]),
      tree(1, -0.35, 0, 510.1, [0.2, -0.1, 0.33333334], [0, 1]),
      tree(0, 820.4, 1, 1.1, [-0.05, 0.0625, 0.3], [0, 0]),
    ],
    treeInfo: [0, 0, 0],
    bestIteration: null,
  };
}

export async function sampleMixedPack(): Promise<RulePack> {
  const model = sampleModel();
  const encoding = {
    version: 1,
    features: [
      { name: 'spend', column: COL.spend, kind: 'numeric' },
      { name: 'xy', column: COL.slash, kind: 'numeric' },
    ],
    columns: [],
  };
  const ruleText = SAMPLE_RULES['high "value"'] as string;
  return finalizePack(
    baseInput('mixed', [
      { kind: 'rule', name: 'high "value"', rule: { text: ruleText, ast: parseRule(ruleText) } },
      { kind: 'model', name: 'likely buyer', model: { xgboostJson: toXgboostJson(model, { assay_encoding: JSON.stringify(encoding) }), threshold: 0.42 } },
      {
        kind: 'segment',
        name: 'segment 1',
        segment: {
          preprocessor: {
            version: 1,
            options: { scaling: 'standard', impute: 'median', log1p: 'auto', skewThreshold: 1, maxLevels: 12 },
            columns: [
              { column: COL.spend, kind: 'numeric', impute: 480.5, log1p: true, center: 5.9, scale: 0.9, constant: false, skewness: 1.4 },
              { column: COL.slash, kind: 'numeric', impute: 0.1, log1p: false, center: 0.1, scale: 1.3, constant: false, skewness: 0.2 },
              { column: COL.country, kind: 'onehot', levels: ['UK', 'FR', 'DE'], impute: 'UK' },
            ],
            features: [COL.spend, COL.slash, `${COL.country}=UK`, `${COL.country}=FR`, `${COL.country}=DE`],
          },
          centroids: [
            [-1, -1, 1, 0, 0],
            [0.8, 0.5, 0, 1, 0],
            [0.2, 1.2, 0.3, 0.3, 0.4],
          ],
          index: 1,
        },
      },
    ]),
  );
}

// ---- A JS reference of the null policy (SQL three-valued logic), independent of the SQL code ----

type Tri = boolean | null;

function literalValue(l: RuleLiteral): Cell {
  return l.kind === 'null' ? null : l.value;
}

function cmp(a: Cell, op: string, b: Cell): Tri {
  if (a === null || b === null) return null;
  const x = typeof a === 'boolean' ? Number(a) : a;
  const y = typeof b === 'boolean' ? Number(b) : b;
  switch (op) {
    case '=':
      return x === y;
    case '!=':
      return x !== y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    default:
      return x >= y;
  }
}

const and3 = (vals: Tri[]): Tri => (vals.includes(false) ? false : vals.includes(null) ? null : true);
const or3 = (vals: Tri[]): Tri => (vals.includes(true) ? true : vals.includes(null) ? null : false);
const not3 = (v: Tri): Tri => (v === null ? null : !v);

export function referenceEval(e: RuleExpr, row: Row): Tri {
  switch (e.type) {
    case 'and':
      return and3(e.args.map((a) => referenceEval(a, row)));
    case 'or':
      return or3(e.args.map((a) => referenceEval(a, row)));
    case 'not':
      return not3(referenceEval(e.arg, row));
    case 'compare':
      return cmp(row[e.left.name] ?? null, e.op, e.right.kind === 'column' ? (row[e.right.name] ?? null) : literalValue(e.right));
    case 'in': {
      const x = row[e.column.name] ?? null;
      const r = or3(e.values.map((v) => cmp(x, '=', literalValue(v))));
      return e.negated ? not3(r) : r;
    }
    case 'between': {
      const x = row[e.column.name] ?? null;
      const r = and3([cmp(x, '>=', literalValue(e.low)), cmp(x, '<=', literalValue(e.high))]);
      return e.negated ? not3(r) : r;
    }
    case 'isNull': {
      const isNull = (row[e.column.name] ?? null) === null;
      return e.negated ? !isNull : isNull;
    }
    case 'like':
    case 'regex':
    case 'contains': {
      const x = row[e.column.name] ?? null;
      if (x === null) return null;
      const m = e.type === 'like' ? compileLike(e.pattern).test(String(x)) : e.type === 'regex' ? compileRegex(e.pattern).test(String(x)) : compileTextMatch(e.mode, e.text).test(String(x));
      return e.negated ? !m : m;
    }
    case 'column': {
      const x = row[e.column.name] ?? null;
      return x === null ? null : Boolean(x);
    }
    case 'literal':
      return e.value;
  }
}
