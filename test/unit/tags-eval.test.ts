import { Bool, Dictionary, Int32, LargeUtf8, Table, Utf8, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/protocol/errors';
import { checkRuleAgainstSchema, evaluateRule, evaluateRuleThreeValued } from '../../workers/tags/evaluate';
import { parseRule } from '../../workers/tags/parser';
import type { TagSetInput } from '../../workers/tags/tag';
import { ruleToDuckdbSql } from '../../workers/tags/to-sql';
import type { RuleExpr } from '../../workers/tags/ast';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { failure } from '../helpers/engine';

let engine: NodeEngine;
let data: Table;

const TABLE = `
CREATE TABLE t AS SELECT * FROM (VALUES
  (1, 5,    1.5::DOUBLE,         1.25::DECIMAL(9,2),   'UK',                'UK'::e,  TRUE,  DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00',   7,    TIMESTAMPTZ '2024-01-01 00:00:00+00'),
  (2, -2,   'NaN'::DOUBLE,       NULL,                 'FR',                NULL,     FALSE, DATE '2024-02-29', TIMESTAMP '2024-01-01 12:30:00',   5,    NULL),
  (3, NULL, NULL,                -3.00::DECIMAL(9,2),  NULL,                'DE'::e,  NULL,  NULL,              NULL,                              NULL, NULL),
  (4, 0,    '-0.0'::DOUBLE,      0.10::DECIMAL(9,2),   'it''s',             'FR'::e,  TRUE,  DATE '2023-12-31', TIMESTAMP '2023-12-31 23:59:59.5', 2,    NULL),
  (5, 10,   'inf'::DOUBLE,       2.50::DECIMAL(9,2),   'a\\b',              'UK'::e,  FALSE, DATE '2024-01-02', TIMESTAMP '2024-01-02 00:00:00',   0,    NULL),
  (6, 3,    0.1::DOUBLE,         100.00::DECIMAL(9,2), 'uk' || chr(10) || 'x', NULL,  TRUE,  DATE '2024-01-01', TIMESTAMP '2024-01-01 06:00:00',   NULL, NULL)
) v(id, n, d, dec, s, e, b, dt, ts, "order count", tz)`;

beforeAll(async () => {
  engine = await createInProcessEngine();
  await engine.client.run('sql.run', { sql: "CREATE TYPE e AS ENUM ('UK', 'FR', 'DE')" });
  await engine.client.run('sql.run', { sql: TABLE.replace('a\\\\b', 'a\\b') });
  // ENUMs read as VARCHAR: DuckDB-WASM's Arrow output loses their dictionaries (tested below).
  const r = await engine.client.run('sql.run', { sql: 'SELECT * REPLACE (CAST(e AS VARCHAR) AS e) FROM t ORDER BY id' });
  data = tableFromIPC(r.preview);
});
afterAll(async () => {
  await engine.close();
});

/**
 * Checks rules against the row ids (1-based) where each must fire, in JS and in DuckDB (one query
 * for all the rules of a test).
 */
async function expectRows(cases: Array<[string, number[]]>): Promise<void> {
  const asts = cases.map(([text]) => parseRule(text));
  const select = asts.map((ast, k) => `${ruleToDuckdbSql(ast)} AS r${k}`).join(', ');
  const r = await engine.client.run('sql.run', { sql: `SELECT ${select} FROM t ORDER BY id` });
  const sql = tableFromIPC(r.preview);
  cases.forEach(([text, expected], k) => {
    const js = Array.from(evaluateRule(asts[k] as RuleExpr, data)).flatMap((v, i) => (v ? [i + 1] : []));
    const column = sql.getChild(`r${k}`);
    const fromSql = Array.from({ length: sql.numRows }, (_, i) => i + 1).filter((id) => column?.get(id - 1) === true);
    expect(js, `JS for ${text}`).toEqual(expected);
    expect(fromSql, `DuckDB for ${text}`).toEqual(expected);
  });
}

describe('evaluateRule on a hand-made table (JS and DuckDB agree)', () => {
  it('compares numbers with three-valued logic', async () => {
    await expectRows([
      ['n > 2', [1, 5, 6]],
      ['NOT n > 2', [2, 4]],
      ['n > NULL', []],
      ['n > 2 OR s = \'FR\'', [1, 2, 5, 6]],
      ['n IS NULL OR n < 0', [2, 3]],
      ['3 <= n', [1, 5, 6]],
      ['"order count" >= 2 AND NOT "order count" = 5', [1, 4]],
    ]);
  });

  it('handles IN and NOT IN with NULLs in the list', async () => {
    await expectRows([
      ['n IN (5, NULL)', [1]],
      ['n NOT IN (5, NULL)', []],
      ['n NOT IN (5, 0)', [2, 5, 6]],
      ['NOT n IN (5, 0)', [2, 5, 6]],
    ]);
  });

  it('handles BETWEEN inclusively, and NOT BETWEEN', async () => {
    await expectRows([
      ['n BETWEEN 0 AND 5', [1, 4, 6]],
      ['n NOT BETWEEN 0 AND 5', [2, 5]],
      ['n BETWEEN NULL AND 5', []],
      ['n NOT BETWEEN NULL AND 5', [5]],
    ]);
  });

  it('orders doubles as DuckDB does: NaN equals NaN and is above infinity, -0 equals 0', async () => {
    await expectRows([
      ['d > 1', [1, 2, 5]],
      ['d = d', [1, 2, 4, 5, 6]],
      ['d = 0', [4]],
      ['d IN (0.1, 0)', [4, 6]],
      ['d > n', [2, 5]],
    ]);
  });

  it('compares decimals as doubles', async () => {
    await expectRows([
      ['dec >= 1.25', [1, 5, 6]],
      ['dec = 0.1', [4]],
      ['dec BETWEEN -3 AND 1', [3, 4]],
    ]);
  });

  it('compares text byte for byte, with LIKE and MATCHES', async () => {
    await expectRows([
      ["s = 'it''s'", [4]],
      ["s < 'G'", [2]],
      ["s LIKE '%x'", [6]],
      ["s LIKE 'a\\b'", [5]],
      ["s NOT LIKE 'U%'", [2, 4, 5, 6]],
      ["s LIKE 'uk_x'", [6]],
      ["s LIKE 'uk'", []],
      ["s MATCHES 'k.x'", []],
      ["s MATCHES 'k\\nx'", [6]],
      ["s MATCHES '^[A-Z]+$'", [1, 2]],
      ["s NOT MATCHES 'U'", [2, 4, 5, 6]],
      ["s MATCHES '\\\\'", [5]],
    ]);
  });

  it('refuses an ENUM column whose dictionary DuckDB-WASM dropped, instead of guessing', async () => {
    const r = await engine.client.run('sql.run', { sql: 'SELECT e FROM t ORDER BY id' });
    const raw = tableFromIPC(r.preview);
    const dictionary = raw.getChild('e')?.data[0]?.dictionary;
    if (dictionary && dictionary.length > 0) {
      // A fixed DuckDB-WASM keeps the dictionary: then the evaluator must read it.
      expect(Array.from(evaluateRule(parseRule("e = 'UK'"), raw))).toEqual([1, 0, 0, 0, 1, 0]);
    } else {
      expect(() => evaluateRule(parseRule("e = 'UK'"), raw)).toThrow(/cast it to VARCHAR/);
    }
  });

  it('reads ENUM columns as text', async () => {
    await expectRows([
      ["e = 'UK'", [1, 5]],
      ["e IN ('DE', 'FR')", [3, 4]],
      ["e = s", [1]],
    ]);
  });

  it('treats a boolean column as a condition', async () => {
    await expectRows([
      ['b', [1, 4, 6]],
      ['NOT b', [2, 5]],
      ['b = FALSE', [2, 5]],
      ['b IS NULL', [3]],
      ['b OR TRUE', [1, 2, 3, 4, 5, 6]],
      ['b AND FALSE', []],
    ]);
  });

  it("compares dates and timestamps with quoted literals as DuckDB casts them", async () => {
    await expectRows([
      ["dt >= '2024-01-01'", [1, 2, 5, 6]],
      ["dt IN ('2024-01-01', '2024-02-29')", [1, 2, 6]],
      ["ts > '2024-01-01'", [2, 5, 6]],
      ["ts BETWEEN '2023-12-31 23:59:59.5' AND '2024-01-01'", [1, 4]],
      ["ts >= '2024-01-01T06:00'", [2, 5, 6]],
      ['ts > dt', [4, 6]],
      ['tz IS NOT NULL', [1]],
    ]);
  });

  it('gives three-valued results per node', () => {
    expect(Array.from(evaluateRuleThreeValued(parseRule('n > 2'), data))).toEqual([1, 0, 2, 0, 1, 1]);
    expect(Array.from(evaluateRuleThreeValued(parseRule('n > 2 AND b'), data))).toEqual([1, 0, 2, 0, 0, 1]);
    expect(Array.from(evaluateRuleThreeValued(parseRule('n IS NULL'), data))).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it('reads Arrow layouts DuckDB does not produce: dictionaries, large strings, sliced chunks', () => {
    const dict = vectorFromArray(['x', null, 'y', 'x'], new Dictionary(new Utf8(), new Int32()));
    const large = vectorFromArray(['a', 'bb', null, 'a'], new LargeUtf8());
    const flags = vectorFromArray([true, null, false, true], new Bool());
    const table = new Table({ dict, large, flags }).slice(1);
    expect(Array.from(evaluateRule(parseRule("dict = 'x' OR large = 'bb'"), table))).toEqual([1, 0, 1]);
    expect(Array.from(evaluateRule(parseRule("dict = 'y' OR large = 'a'"), table))).toEqual([0, 1, 1]);
    expect(Array.from(evaluateRule(parseRule('NOT flags'), table))).toEqual([0, 1, 0]);
  });

  it('rejects type mismatches with errors that name the column', () => {
    const bad: Array<[string, RegExp]> = [
      ['s > 5', /"s" is a text column; compare it with a quoted string such as 'UK', not the number 5/],
      ["n = 'x'", /"n" is a numeric column; compare it with a number, not the string 'x'/],
      ['n', /"n" is a numeric column; on its own a column must be boolean/],
      ["n LIKE 'a'", /"n" is a numeric column; LIKE works on text columns only/],
      ["dt > '2024-13-01'", /"dt" is a date column; '2024-13-01' is not a valid date/],
      ["dt > '2024-01-01 10:00'", /not a valid date/],
      ["tz > '2024-01-01'", /"tz" cannot be used in a comparison: timestamps with a time zone/],
      ['s = n', /"s" is a text column and "n" is a numeric column; they cannot be compared/],
      ["s MATCHES '(?=a)'", /lookarounds/],
      ['b = 1', /"b" is a boolean column; compare it with TRUE or FALSE, not the number 1/],
    ];
    for (const [text, message] of bad) {
      let caught: unknown;
      try {
        evaluateRule(parseRule(text), data);
      } catch (err) {
        caught = err;
      }
      expect(caught, text).toBeInstanceOf(EngineError);
      expect((caught as EngineError).code).toBe('BAD_INPUT');
      expect((caught as EngineError).message, text).toMatch(message);
    }
  });

  it('checks a rule against a schema without data: unknown columns with position and suggestion', () => {
    const schema = [
      { name: 'orders_90d', type: 'BIGINT' },
      { name: 'Country', type: 'VARCHAR' },
      { name: 'is_reseller', type: 'BOOLEAN' },
      { name: 'price', type: 'DECIMAL(10,2)' },
      { name: 'tags', type: 'VARCHAR[]' },
    ];
    const text = "orders_90d > 1 AND\n  country = 'UK'";
    let caught: EngineError | undefined;
    try {
      checkRuleAgainstSchema(parseRule(text), schema, text);
    } catch (err) {
      caught = err as EngineError;
    }
    expect(caught?.message).toBe('There is no column named "country" (line 2, column 3). Did you mean "Country"?');
    expect(caught?.detail).toMatchObject({ column: 'country', suggestion: 'Country', position: { line: 2, column: 3, offset: 21 }, length: 7 });
    expect(() => checkRuleAgainstSchema(parseRule('ordrs_90d > 1'), schema)).toThrow(/Did you mean "orders_90d"/);
    expect(() => checkRuleAgainstSchema(parseRule('zzz > 1'), schema)).toThrow(/^There is no column named "zzz"\.$/);
    expect(() => checkRuleAgainstSchema(parseRule("price > 1 AND NOT is_reseller AND Country IN ('UK')"), schema)).not.toThrow();
    expect(() => checkRuleAgainstSchema(parseRule('tags IS NULL'), schema)).not.toThrow();
    expect(() => checkRuleAgainstSchema(parseRule("tags = 'x'"), schema)).toThrow(/"tags" cannot be used in a comparison/);
  });
});

describe('rules.check and tags.evaluate jobs', () => {
  it('counts matching rows as the user types, and reports problems with positions', async () => {
    const ok = await engine.client.run('rules.check', { text: 'n >= 2 and b', source: { table: 't' } });
    expect(ok).toMatchObject({ ok: true, canonical: 'n >= 2 AND b', count: 2, rows: 6, errors: [] });
    expect(ok.ast).toEqual(parseRule('n >= 2 AND b'));

    const syntax = await engine.client.run('rules.check', { text: 'n >= ', source: { table: 't' } });
    expect(syntax).toMatchObject({ ok: false, count: null, rows: 6, ast: null });
    expect(syntax.errors[0]).toMatchObject({ message: "expected a value after '>=' at line 1, column 6", position: { line: 1, column: 6, offset: 5 } });

    const unknown = await engine.client.run('rules.check', { text: 'm > 1', source: { table: 't' } });
    expect(unknown.errors[0]).toMatchObject({ column: 'm', suggestion: 'n', position: { line: 1, column: 1, offset: 0 } });
    expect(unknown.canonical).toBe('m > 1');

    const mismatch = await engine.client.run('rules.check', { text: "n = 'x'", source: { sql: 'SELECT * FROM t WHERE id > 2' } });
    expect(mismatch.errors[0]?.message).toMatch(/"n" is a numeric column/);
    expect(mismatch.rows).toBe(4);

    const err = await failure(engine.client.run('rules.check', { text: 'n > 1', source: { table: 'nope' } }));
    expect(err.code).toBe('NOT_FOUND');
  });

  it('evaluates a tag set: counts per rule tag, skipped model tags, an output table of booleans', async () => {
    const tagSet: TagSetInput = {
      tags: [
        { id: 'big', name: 'Big n', group: 'basic', definition: { kind: 'rule', text: 'n > 2', ast: parseRule('n > 2') } },
        { id: 'uk', name: 'uk', group: 'preference', definition: { kind: 'rule', text: "e = 'UK' OR s = 'FR'", ast: parseRule("e = 'UK' OR s = 'FR'") } },
        { id: 'churn', name: 'Churn risk', group: 'predictive', definition: { kind: 'model', modelRef: 'model-1', threshold: 0.5 } },
      ],
    };
    const bySql = await engine.client.run('tags.evaluate', { tagSet, source: { table: 't' } });
    expect(bySql.rows).toBe(6);
    expect(bySql.tags).toEqual([
      { id: 'big', name: 'Big n', count: 3, coverage: 0.5 },
      { id: 'uk', name: 'uk', count: 3, coverage: 0.5 },
    ]);
    expect(bySql.skipped.map((s) => s.id)).toEqual(['churn']);
    const byJs = await engine.client.run('tags.evaluate', { tagSet, source: { table: 't' }, via: 'js' });
    expect(byJs.tags).toEqual(bySql.tags);

    const written = await engine.client.run('tags.evaluate', { tagSet, source: { table: 't' }, output: 't_tags' });
    expect(written.output).toBe('t_tags');
    expect(written.tags).toEqual(bySql.tags);
    const r = await engine.client.run('sql.run', { sql: 'SELECT id, "Big n", uk FROM t_tags ORDER BY id' });
    const rows = tableFromIPC(r.preview).toArray().map((row: { toJSON(): Record<string, unknown> }) => row.toJSON());
    expect(rows.map((row) => [row.id, row['Big n'], row.uk])).toEqual([
      [1, true, true], [2, false, true], [3, false, false], [4, false, false], [5, true, true], [6, true, false],
    ]);

    const badRule: TagSetInput = { tags: [{ id: 'x', name: 'x', group: 'basic', definition: { kind: 'rule', text: 's > 1', ast: parseRule('s > 1') } }] };
    expect((await failure(engine.client.run('tags.evaluate', { tagSet: badRule, source: { table: 't' } }))).message).toMatch(/^Tag "x": "s" is a text column/);
    const clash: TagSetInput = { tags: [{ id: 'x', name: 'N', group: 'basic', definition: { kind: 'rule', text: 'b', ast: parseRule('b') } }] };
    expect((await failure(engine.client.run('tags.evaluate', { tagSet: clash, source: { table: 't' }, output: 'o' }))).message).toMatch(/same name as the column "n"/);
  });
});
