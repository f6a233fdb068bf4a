/**
 * Property test of the rule language: random rule ASTs over random tables (NULLs, NaN, infinities,
 * hostile column names, strings with quotes/backslashes/unicode/newlines/tabs/control characters,
 * LIKE patterns, regexes, CONTAINS WORD/PHRASE over accents, CJK, case folds and punctuation) give the same rows in the JS evaluator and as DuckDB SQL, and
 * print/parse round-trips. The same rules packed: the pack's DuckDB query gives the same rows,
 * and every dialect's printed pack keeps each rule's SQL token for token and parses.
 */
import fc from 'fast-check';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleExpr, RuleLiteral } from '../../workers/tags/ast';
import { evaluateRule } from '../../workers/tags/evaluate';
import { parseRule } from '../../workers/tags/parser';
import { printRule } from '../../workers/tags/printer';
import { textArgumentProblem } from '../../workers/tags/text-match';
import { duckdbNumber, ruleToDuckdbSql } from '../../workers/tags/to-sql';
import { quoteIdent, quoteLiteral } from '../../workers/data/sql-text';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { DIALECTS } from '../../workers/packs/dialects/dialect';
import { packToSql } from '../../workers/packs/dialects/pack-sql';
import { ruleSql } from '../../workers/packs/dialects/rule-sql';
import { finalizePack } from '../../workers/packs/io';
import { SQL_DIALECTS, type RulePack, type SqlDialect } from '../../workers/packs/schema';
import { grammarCompatible, grammarErrors } from '../helpers/packs';

type Kind = 'int' | 'double' | 'decimal' | 'text' | 'bool' | 'date' | 'timestamp';
const KINDS: Kind[] = ['int', 'double', 'decimal', 'text', 'text', 'bool', 'date', 'timestamp'];
const SQL_TYPE: Record<Kind, string> = { int: 'INTEGER', double: 'DOUBLE', decimal: 'DECIMAL(9,2)', text: 'VARCHAR', bool: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP' };
const ROW_ID = '__row_id__';

interface Column {
  name: string;
  kind: Kind;
}

// Values are drawn from small pools so that equality, IN and LIKE actually hit.
/** Text that tests the word definition: case folds (Σσς, K/Kelvin sign, ſ), Turkish i, CJK, marks, other digits. */
const WORD_ATOMS = ['Σ', 'ς', 'σ', 'K', '\u212A', 'ſ', 's', 'İ', 'i', '马克', '杯', 'カ', 'e\u0301', '\u0661', '-', '·', '、'];
const TEXT_ATOMS = ['a', 'b', 'A', 'ab', "'", '"', '\\', '%', '_', 'é', '😀', '\n', '\r', '\t', '\u0001', '\u001f', ' ', '\uFFFD', 'and', 'NULL', ...WORD_ATOMS];
const textValue = fc.array(fc.constantFrom(...TEXT_ATOMS), { maxLength: 3 }).map((p) => p.join(''));
const intValue = fc.integer({ min: -3, max: 3 });
const doubleValue = fc.oneof(fc.constantFrom(0, 0.5, -0.5, 0.1, 0.2, 1e-7, 1.5, 2, -3, 1e21, Number.NaN, Infinity, -Infinity), fc.double({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }));
const decimalValue = fc.integer({ min: -300, max: 300 }).map((c) => c / 100);
const dateText = fc.integer({ min: 0, max: 4 }).map((d) => new Date(Date.UTC(2024, 1, 27 + d)).toISOString().slice(0, 10));
const timestampText = fc.tuple(dateText, fc.constantFrom('', ' 00:00:00', ' 06:30', ' 12:00:00', ' 23:59:59.5', 'T06:30:00')).map(([d, t]) => d + t);

function valueArb(kind: Kind): fc.Arbitrary<unknown> {
  const base: fc.Arbitrary<unknown> =
    kind === 'int' ? intValue : kind === 'double' ? doubleValue : kind === 'decimal' ? decimalValue : kind === 'text' ? textValue : kind === 'bool' ? fc.boolean() : kind === 'date' ? dateText : timestampText.map((s) => s.replace('T', ' '));
  return fc.option(base, { freq: 4, nil: null });
}

function sqlValue(kind: Kind, v: unknown): string {
  if (v === null) return 'NULL';
  switch (kind) {
    case 'int':
      return String(v);
    case 'double': {
      const n = v as number;
      return Number.isNaN(n) ? "'NaN'::DOUBLE" : n === Infinity ? "'inf'::DOUBLE" : n === -Infinity ? "'-inf'::DOUBLE" : `${duckdbNumber(n)}::DOUBLE`;
    }
    case 'decimal':
      return `${(v as number).toFixed(2)}::DECIMAL(9,2)`;
    case 'text':
      return quoteLiteral(v as string);
    case 'bool':
      return v ? 'TRUE' : 'FALSE';
    case 'date':
      return `DATE ${quoteLiteral(v as string)}`;
    case 'timestamp':
      return `TIMESTAMP ${quoteLiteral(v as string)}`;
  }
}

/** Column names people should not have, but do. Unique ignoring case (DuckDB ignores it). */
const HOSTILE_NAMES = ['and', 'Or', 'NULL', 'not', 'between', 'select', 'order count', 'we"ird', "it's", '`tick`', 'ünïcode', '日本', 'x y', '1abc', 'a-b', 'matches', 'TRUE', ' lead', 'tab\tname', 'new\nline', 'ctl\u0001x', 'cr\r\n ', 'back\\slash', '))', 'is_reseller', 'x'];
const nameArb = fc.oneof(
  fc.constantFrom(...HOSTILE_NAMES),
  fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }).filter((s) => ![...s].some((c) => c.charCodeAt(0) < 0x20) && s.trim().length > 0),
);
const columnsArb: fc.Arbitrary<Column[]> = fc
  .uniqueArray(nameArb, { minLength: 3, maxLength: 6, selector: (s) => s.toLowerCase() })
  .filter((names) => !names.some((n) => n.startsWith('__')))
  .chain((names) => fc.tuple(...names.map((name) => fc.constantFrom(...KINDS).map((kind) => ({ name, kind })))));

function literalArb(kind: Kind): fc.Arbitrary<RuleLiteral> {
  const lit: fc.Arbitrary<RuleLiteral> =
    kind === 'int' || kind === 'decimal'
      ? fc.oneof(intValue, decimalValue, fc.constantFrom(0.1, -0.5, 2.5, 1e21)).map((value) => ({ kind: 'number', value }))
      : kind === 'double'
        ? fc.oneof(doubleValue.filter(Number.isFinite), intValue).map((value) => ({ kind: 'number', value: value === 0 ? 0 : value }))
        : kind === 'text'
          ? textValue.map((value) => ({ kind: 'string', value }))
          : kind === 'bool'
            ? fc.boolean().map((value) => ({ kind: 'boolean', value }))
            : (kind === 'date' ? dateText : timestampText).map((value) => ({ kind: 'string', value }));
  return fc.oneof({ weight: 8, arbitrary: lit }, { weight: 1, arbitrary: fc.constant<RuleLiteral>({ kind: 'null' }) });
}

const LIKE_ATOMS = ['%', '_', 'a', 'b', "'", '\\', 'é', '😀', '\n', '%a', 'b%'];
const REGEXES = ['a', '^a', 'a$', '.', '^.$', '[ab]+', '\\d', 'a|b', "'", '\\\\', 'é', '(a|b){2}', '\\s', '\\w+', '[^a]', '', '^$', 'A', '\\.', '^(?:ab)*$', 'a.b', '[\\n]', '😀',
  '(?i)a', '(?i)^ab$', '(?i)[a-c]+', '(?i)[^a]', '(?i)σ', '(?i)\\x41', '(?i)k', '(?i)S', '(?i)[-k]', '(?i)É'];
/** Arguments of CONTAINS WORD / PHRASE (those with no word, or several for WORD, are left out). */
const CONTAINS_ARGS = ['a', 'A', 'ab', 'b', 'and', 'null', 'é', 'σ', 'Σ', 'k', 'S', 'i', '马', '杯', 'カ', 'e\u0301', '\u0661', 'a b', 'b, a', 'ab a', '马克', '克杯', 'a 马', "a'b"];

const numeric = (k: Kind): boolean => k === 'int' || k === 'double' || k === 'decimal';
const temporal = (k: Kind): boolean => k === 'date' || k === 'timestamp';
const comparable = (a: Kind, b: Kind): boolean => (numeric(a) && numeric(b)) || (temporal(a) && temporal(b)) || a === b;

function leafArb(columns: Column[]): fc.Arbitrary<RuleExpr> {
  const ref = (c: Column) => ({ kind: 'column' as const, name: c.name });
  const perColumn = columns.map((c) => {
    const options: Array<fc.Arbitrary<RuleExpr>> = [
      fc.boolean().map((negated) => ({ type: 'isNull', column: ref(c), negated })),
      fc.tuple(fc.constantFrom('=', '!=', '<', '<=', '>', '>=' as const), literalArb(c.kind)).map(([op, right]) => ({ type: 'compare', op, left: ref(c), right })),
      fc.tuple(fc.array(literalArb(c.kind), { minLength: 1, maxLength: 3 }), fc.boolean()).map(([values, negated]) => ({ type: 'in', column: ref(c), values, negated })),
      fc.tuple(literalArb(c.kind), literalArb(c.kind), fc.boolean()).map(([low, high, negated]) => ({ type: 'between', column: ref(c), low, high, negated })),
    ];
    const partners = columns.filter((o) => o !== c && comparable(c.kind, o.kind));
    if (partners.length > 0) {
      options.push(fc.tuple(fc.constantFrom('=', '!=', '<', '<=', '>', '>=' as const), fc.constantFrom(...partners)).map(([op, o]) => ({ type: 'compare', op, left: ref(c), right: ref(o) })));
    }
    if (c.kind === 'text') {
      options.push(fc.tuple(fc.array(fc.constantFrom(...LIKE_ATOMS), { maxLength: 3 }), fc.boolean()).map(([p, negated]) => ({ type: 'like', column: ref(c), pattern: p.join(''), negated })));
      options.push(fc.tuple(fc.constantFrom(...REGEXES), fc.boolean()).map(([pattern, negated]) => ({ type: 'regex', column: ref(c), pattern, negated })));
      options.push(
        fc
          .tuple(fc.constantFrom('word' as const, 'phrase' as const), fc.constantFrom(...CONTAINS_ARGS), fc.boolean())
          .filter(([mode, text]) => textArgumentProblem(mode, text) === null)
          .map(([mode, text, negated]) => ({ type: 'contains', column: ref(c), mode, text, negated })),
      );
    }
    if (c.kind === 'bool') options.push(fc.constant({ type: 'column', column: ref(c) }));
    return fc.oneof(...options);
  });
  return fc.oneof({ weight: 12, arbitrary: fc.oneof(...perColumn) }, { weight: 1, arbitrary: fc.boolean().map((value): RuleExpr => ({ type: 'literal', value })) });
}

/** AND/OR nodes flattened, as the parser builds them (the canonical form). */
function group(type: 'and' | 'or', args: RuleExpr[]): RuleExpr {
  return { type, args: args.flatMap((a) => (a.type === type ? a.args : [a])) };
}

function ruleArb(columns: Column[]): fc.Arbitrary<RuleExpr> {
  const leaf = leafArb(columns);
  const { rule } = fc.letrec<{ rule: RuleExpr }>((tie) => ({
    rule: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(fc.constantFrom('and' as const, 'or' as const), fc.array(tie('rule'), { minLength: 2, maxLength: 3 })).map(([t, args]) => group(t, args)),
      tie('rule').map((arg): RuleExpr => ({ type: 'not', arg })),
    ),
  }));
  return rule;
}

interface Case {
  columns: Column[];
  rows: unknown[][];
  rules: RuleExpr[];
}

const caseArb: fc.Arbitrary<Case> = columnsArb.chain((columns) =>
  fc.record({
    columns: fc.constant(columns),
    rows: fc.array(fc.tuple(...columns.map((c) => valueArb(c.kind))), { maxLength: 12 }),
    rules: fc.array(ruleArb(columns), { minLength: 1, maxLength: 10 }),
  }),
);

let engine: NodeEngine;

beforeAll(async () => {
  engine = await createInProcessEngine();
});
afterAll(async () => {
  await engine.close();
});

async function query(sql: string): Promise<Table> {
  const r = await engine.client.run('sql.run', { sql, preview: 1000 });
  if (r.resultId) await engine.client.run('sql.release', { resultId: r.resultId });
  return tableFromIPC(r.preview);
}

/** Loads the case's table and returns it with one extra column per rule: its DuckDB result. */
async function loadAndRun(c: Case): Promise<Table> {
  const defs = [`${quoteIdent(ROW_ID)} INTEGER`, ...c.columns.map((col) => `${quoteIdent(col.name)} ${SQL_TYPE[col.kind]}`)];
  const statements = [`CREATE OR REPLACE TABLE prop (${defs.join(', ')})`];
  if (c.rows.length > 0) {
    const values = c.rows.map((row, i) => `(${[String(i), ...row.map((v, k) => sqlValue((c.columns[k] as Column).kind, v))].join(', ')})`);
    statements.push(`INSERT INTO prop VALUES ${values.join(', ')}`);
  }
  const results = c.rules.map((r, k) => `${ruleToDuckdbSql(r)} AS ${quoteIdent(`__r${k}__`)}`);
  statements.push(`SELECT *, ${results.join(', ')} FROM prop ORDER BY ${quoteIdent(ROW_ID)}`);
  return query(statements.join(';\n'));
}

describe('rule language: JS evaluator vs DuckDB SQL', () => {
  it('agree on every row of random tables, and print/parse round-trips', async () => {
    let compared = 0;
    let tagged = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const data = await loadAndRun(c);
        c.rules.forEach((rule, k) => {
          const text = printRule(rule);
          expect(parseRule(text), text).toEqual(rule);
          expect(printRule(parseRule(text))).toBe(text);
          const js = evaluateRule(rule, data);
          const sqlColumn = data.getChild(`__r${k}__`);
          const fromSql = Array.from({ length: c.rows.length }, (_, i) => (sqlColumn?.get(i) === true ? 1 : 0));
          expect(Array.from(js), `${text}\n${ruleToDuckdbSql(rule)}`).toEqual(fromSql);
          compared += js.length;
          tagged += js.reduce((s, v) => s + v, 0);
        });
      }),
      { numRuns: 120, seed: 20261124 },
    );
    // The generators must exercise both outcomes, or the comparison proves little.
    expect(compared).toBeGreaterThan(1000);
    expect(tagged).toBeGreaterThan(compared * 0.1);
    expect(tagged).toBeLessThan(compared * 0.9);
  }, 60_000);
});

/** The case's rules as a pack over the property table (tags r0, r1, ... keyed by the row id). */
async function caseAsPack(c: Case): Promise<RulePack> {
  return finalizePack({
    schema: 'assay.rulepack/2',
    name: 'property',
    version: '1.0.0',
    created: { at: '2026-12-01T00:00:00.000Z', by: '' },
    asOf: '2026-12-01',
    entity: { table: 'prop', key: ROW_ID },
    tags: c.rules.map((rule, k) => ({ kind: 'rule' as const, name: `r${k}`, rule: { text: printRule(rule), ast: rule } })),
  });
}

describe('rule language: packed rules in every dialect', () => {
  it('DuckDB pack SQL gives the evaluator\'s rows; every dialect keeps each rule token for token and parses', async () => {
    const printed: Record<Exclude<SqlDialect, 'duckdb'>, string[]> = { spark: [], hive: [], flink: [], trino: [] };
    let compared = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const data = await loadAndRun(c);
        const pack = await caseAsPack(c);
        const tagged = await query(`SELECT * FROM (${packToSql(pack, 'duckdb', { header: false })}) ORDER BY ${quoteIdent(ROW_ID)}`);
        c.rules.forEach((rule, k) => {
          const js = Array.from(evaluateRule(rule, data));
          const column = tagged.getChild(`r${k}`);
          expect(Array.from({ length: c.rows.length }, (_, i) => (column?.get(i) === true ? 1 : 0)), printRule(rule)).toEqual(js);
          compared += js.length;
        });
        for (const dialect of SQL_DIALECTS) {
          const d = DIALECTS[dialect];
          const sql = packToSql(pack, dialect);
          // Indentation never reaches into a token: each rule's SQL and each identifier appear exactly as printed alone.
          c.rules.forEach((rule) => expect(sql, dialect).toContain(`COALESCE(${ruleSql(rule, d)}, FALSE)`));
          for (const col of c.columns) if (c.rules.some((r) => ruleSql(r, d).includes(d.ident(col.name)))) expect(sql).toContain(d.ident(col.name));
          // The header is comments only: no line of it may start anything but a comment.
          expect(sql.split('\n').filter((line, i, lines) => i < lines.findIndex((l) => !l.startsWith('-- ')) && !line.startsWith('-- '))).toEqual([]);
          if (dialect !== 'duckdb' && runs % 5 === 0) printed[dialect].push(grammarCompatible(dialect, sql));
        }
        runs++;
      }),
      { numRuns: 60, seed: 20261204 },
    );
    expect(compared).toBeGreaterThan(300);
    // One grammar per child process, all at once: each takes ~2.5 s just to load.
    const dialects = Object.keys(printed) as Array<Exclude<SqlDialect, 'duckdb'>>;
    const errors = await Promise.all(dialects.map((dialect) => grammarErrors(dialect, printed[dialect])));
    dialects.forEach((dialect, k) => printed[dialect].forEach((sql, i) => expect(errors[k]?.[i], `${dialect}\n${sql}`).toEqual([])));
  }, 180_000);
});
