import { describe, expect, it } from 'vitest';
import type { RuleExpr } from '../../workers/tags/ast';
import { EngineError } from '../../workers/protocol/errors';
import { RuleSyntaxError, parseRule } from '../../workers/tags/parser';
import { printIdentifier, printRule } from '../../workers/tags/printer';
import { RegexSubsetError, translateRegex } from '../../workers/tags/regex';
import { parseTag, parseTagSet, parseTagSetJson, redefineTag, ruleDefinition, transitionTag } from '../../workers/tags/tag';
import { ruleToDuckdbSql } from '../../workers/tags/to-sql';
import { compareCodePoints } from '../../workers/tags/evaluate';

const col = (name: string) => ({ kind: 'column' as const, name });
const num = (value: number) => ({ kind: 'number' as const, value });
const str = (value: string) => ({ kind: 'string' as const, value });

function syntaxError(text: string): RuleSyntaxError {
  try {
    parseRule(text);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleSyntaxError);
    return err as RuleSyntaxError;
  }
  throw new Error(`"${text}" parsed, but it should not`);
}

describe('parseRule', () => {
  it('reads the example rule from the issue', () => {
    const ast = parseRule(`orders_90d >= 3 and spend_90d > 500 and country in ('UK', 'FR') and not is_reseller`);
    expect(ast).toEqual({
      type: 'and',
      args: [
        { type: 'compare', op: '>=', left: col('orders_90d'), right: num(3) },
        { type: 'compare', op: '>', left: col('spend_90d'), right: num(500) },
        { type: 'in', column: col('country'), values: [str('UK'), str('FR')], negated: false },
        { type: 'not', arg: { type: 'column', column: col('is_reseller') } },
      ],
    });
    expect(printRule(ast)).toBe(`orders_90d >= 3 AND spend_90d > 500 AND country IN ('UK', 'FR') AND NOT is_reseller`);
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    const ast = parseRule('a OR b AND NOT c OR d');
    expect(ast).toEqual({
      type: 'or',
      args: [
        { type: 'column', column: col('a') },
        { type: 'and', args: [{ type: 'column', column: col('b') }, { type: 'not', arg: { type: 'column', column: col('c') } }] },
        { type: 'column', column: col('d') },
      ],
    });
    expect(printRule(parseRule('(a OR b) AND c'))).toBe('(a OR b) AND c');
    expect(printRule(parseRule('a OR (b AND c)'))).toBe('a OR b AND c');
    expect(printRule(parseRule('NOT (a AND b)'))).toBe('NOT (a AND b)');
    expect(printRule(parseRule('NOT x > 5'))).toBe('NOT x > 5');
    expect(parseRule('NOT x > 5')).toEqual({ type: 'not', arg: { type: 'compare', op: '>', left: col('x'), right: num(5) } });
    // Nested groups of the same kind flatten (the canonical form).
    expect(parseRule('a AND (b AND (c))')).toEqual({ type: 'and', args: ['a', 'b', 'c'].map((n) => ({ type: 'column', column: col(n) })) });
  });

  it('reads every operator and its synonyms, keywords in any case', () => {
    const cases: Array<[string, string]> = [
      ['x == 1', 'x = 1'],
      ['x <> 1', 'x != 1'],
      ['x != 1 && y || !z', 'x != 1 AND y OR NOT z'],
      ['x not in (1, null, -2.5)', 'x NOT IN (1, NULL, -2.5)'],
      ['x Between 1E3 and .5', 'x BETWEEN 1000 AND 0.5'],
      ['x not between -1 AND +2', 'x NOT BETWEEN -1 AND 2'],
      ['x is null or y IS NOT NULL', 'x IS NULL OR y IS NOT NULL'],
      ["s like 'a%' and s not like '_b'", "s LIKE 'a%' AND s NOT LIKE '_b'"],
      ["s rlike '^a' or s regexp 'b' or s not matches 'c'", "s MATCHES '^a' OR s MATCHES 'b' OR s NOT MATCHES 'c'"],
      ['true or false', 'TRUE OR FALSE'],
      ['flag = TRUE', 'flag = TRUE'],
      ['a >= b', 'a >= b'],
      ['3 < x', 'x > 3'],
      ["'UK' = country", "country = 'UK'"],
      ['-1 >= x', 'x <= -1'],
      ['x > 1.5e-7 AND y < 2e21', 'x > 1.5e-7 AND y < 2e+21'],
      ['x = -0', 'x = 0'],
    ];
    for (const [text, canonical] of cases) {
      expect(printRule(parseRule(text)), text).toBe(canonical);
      expect(printRule(parseRule(canonical)), canonical).toBe(canonical);
    }
  });

  it('reads strings with doubled quotes and backslashes as ordinary characters', () => {
    expect(parseRule(`s = 'it''s \\n \\'`)).toEqual({ type: 'compare', op: '=', left: col('s'), right: str("it's \\n \\") });
    expect(printRule(parseRule(`s = 'it''s'`))).toBe(`s = 'it''s'`);
    expect(parseRule(`s = ''`)).toEqual({ type: 'compare', op: '=', left: col('s'), right: str('') });
    expect(parseRule("s = 'two\nlines'")).toEqual({ type: 'compare', op: '=', left: col('s'), right: str('two\nlines') });
  });

  it('quotes hostile identifiers, and reads them back', () => {
    const names = ['order count', 'we"ird', "it's", '`tick`', 'and', 'NULL', 'Between', '日本', 'ünï', '1abc', 'a-b', ' lead', 'x.y', '😀', '"', '""'];
    for (const name of names) {
      const ast: RuleExpr = { type: 'compare', op: '>', left: col(name), right: col(name) };
      const text = printRule(ast);
      expect(parseRule(text), text).toEqual(ast);
    }
    expect(printIdentifier('plain_name1')).toBe('plain_name1');
    expect(printIdentifier('and')).toBe('"and"');
    expect(printIdentifier('we"ird')).toBe('"we""ird"');
    expect(parseRule('"order count" > 2')).toEqual({ type: 'compare', op: '>', left: col('order count'), right: num(2) });
    expect(parseRule('`we``ird` IS NULL')).toEqual({ type: 'isNull', column: col('we`ird'), negated: false });
    expect(parseRule('"and" AND "or"')).toEqual({ type: 'and', args: [{ type: 'column', column: col('and') }, { type: 'column', column: col('or') }] });
    expect(parseRule('Country = 1')).toEqual({ type: 'compare', op: '=', left: col('Country'), right: num(1) });
  });

  it('gives exact positions and plain messages for errors', () => {
    const e1 = syntaxError('orders_90d >= ');
    expect(e1.message).toBe("expected a value after '>=' at line 1, column 15");
    expect(e1.position).toEqual({ line: 1, column: 15, offset: 14 });
    expect(e1.code).toBe('BAD_INPUT');
    expect(e1).toBeInstanceOf(EngineError);
    expect(e1.detail?.position).toEqual({ line: 1, column: 15, offset: 14 });

    const e2 = syntaxError('a > 1 AND\n  b >= AND c');
    expect(e2.message).toBe("expected a value after '>=' at line 2, column 8");
    expect(e2.position).toEqual({ line: 2, column: 8, offset: 17 });

    expect(syntaxError('(a > 1').position.offset).toBe(6);
    expect(syntaxError('(a > 1').message).toMatch(/expected '\)' to close the '\(' at line 1, column 1/);
    expect(syntaxError('a > 1)').message).toBe("unexpected ')' without a matching '(' at line 1, column 6");
    expect(syntaxError("s = 'abc").message).toBe("unterminated string (a closing ' is missing) at line 1, column 5");
    expect(syntaxError('"abc = 1').position.offset).toBe(0);
    expect(syntaxError('a > 1 b').message).toBe("expected AND, OR or the end of the rule, found the column 'b' at line 1, column 7");
    expect(syntaxError('and > 1').message).toMatch(/^expected a condition, found the keyword AND \(quote it to use it as a column name: "and"\) at line 1, column 1$/);
    expect(syntaxError('x IN ()').message).toBe('expected at least one value in the IN list at line 1, column 7');
    expect(syntaxError('x IN (1,)').message).toBe("expected a value after ',', found ')' at line 1, column 9");
    expect(syntaxError('x BETWEEN 1 OR 2').message).toBe('expected AND after the lower bound of BETWEEN, found OR at line 1, column 13');
    expect(syntaxError('x IS 5').message).toBe('expected NULL after IS, found the number 5 at line 1, column 6');
    expect(syntaxError('x LIKE y').message).toBe("expected a quoted pattern after LIKE, found the column 'y' at line 1, column 8");
    expect(syntaxError('x > 1 # y').message).toBe("unexpected character '#' at line 1, column 7");
    expect(syntaxError('größe > 1').position.column).toBe(3);
    expect(syntaxError('x > 12abc').message).toBe("unexpected 'a' right after the number 12 at line 1, column 7");
    expect(syntaxError('x > 1e999').message).toBe('the number 1e999 is too large at line 1, column 5');
    expect(syntaxError('   ').message).toBe('the rule is empty at line 1, column 4');
    expect(syntaxError('x > 1 AND').message).toBe('expected a condition after AND, found the end of the rule at line 1, column 10');
    expect(syntaxError('5').message).toMatch(/^expected a condition, found the number 5/);
  });

  it('keeps the error as data when it crosses the job protocol', () => {
    const data = syntaxError('x >=').toData();
    expect(data).toMatchObject({ code: 'BAD_INPUT', detail: { position: { line: 1, column: 5, offset: 4 }, length: 1 } });
  });
});

describe('printRule', () => {
  it('is stable: print(parse(print(ast))) equals print(ast)', () => {
    const texts = [
      'a AND (b OR c) AND NOT (d OR e)',
      'NOT NOT a',
      "x NOT IN ('a''b', NULL) OR y BETWEEN -1 AND 1e-9",
      '(a OR b) AND (c OR d)',
      'NOT (a AND b) OR c',
      'TRUE',
    ];
    for (const t of texts) {
      const once = printRule(parseRule(t));
      expect(printRule(parseRule(once))).toBe(once);
    }
  });

  it('keeps non-canonical nesting visible with parentheses', () => {
    const nested: RuleExpr = { type: 'and', args: [{ type: 'column', column: col('a') }, { type: 'and', args: [{ type: 'column', column: col('b') }, { type: 'column', column: col('c') }] }] };
    expect(printRule(nested)).toBe('a AND (b AND c)');
  });
});

describe('regex subset and SQL', () => {
  it('translates the supported subset and rejects constructs the engines disagree on', () => {
    expect(translateRegex('^a.b$')).toBe('^a[^\\n]b$');
    expect(translateRegex('\\s+')).toBe('[\\t\\n\\f\\r ]+');
    expect(translateRegex('[a-z\\-]{2,3}?')).toBe('[a-z\\-]{2,3}?');
    const rejects: Array<[string, RegExp]> = [
      ['a(?=b)', /lookarounds/],
      ['(?<!a)b', /lookarounds/],
      ['(a)\\1', /backreferences/],
      ['a(?i)bc', /inline flags/],
      ['(?P<x>a)', /named groups/],
      ['a**', /quantifier cannot follow/],
      ['a++', /possessive|quantifier cannot follow/],
      ['[[:alpha:]]', /POSIX/],
      ['[a&&b]', /intersection/],
      ['\\pL', /Unicode classes/],
      ['a{2', /repetition/],
      ['*a', /nothing to repeat/],
      ['(ab', /not closed/],
      ['\\A', /escape \\A/],
    ];
    for (const [pattern, reason] of rejects) {
      expect(() => translateRegex(pattern), pattern).toThrow(RegexSubsetError);
      expect(() => translateRegex(pattern), pattern).toThrow(reason);
    }
  });

  it('compiles to DuckDB SQL with quoting by construction', () => {
    expect(ruleToDuckdbSql(parseRule(`"we""ird" = 'it''s' AND x > 0.1 AND n < 9007199254740993`))).toBe(
      `COALESCE((("we""ird" = 'it''s') AND ("x" > 1e-1) AND ("n" < 9.007199254740992e+15)), FALSE)`,
    );
    expect(ruleToDuckdbSql(parseRule(`s NOT MATCHES '\\d' OR s LIKE '%'`))).toBe(`COALESCE(((NOT regexp_matches("s", '\\d')) OR ("s" LIKE '%')), FALSE)`);
    expect(() => ruleToDuckdbSql(parseRule(`s MATCHES '(?=a)'`))).toThrow(/lookarounds/);
  });
});

describe('tag model', () => {
  const rule = (text: string) => ({ kind: 'rule' as const, text, ast: parseRule(text) });
  const tag = (over: Record<string, unknown> = {}) => ({ id: 'high-value', name: 'High value', group: 'behaviour', definition: rule('spend_90d > 500'), ...over });

  it('fills defaults and validates a tag set', () => {
    const set = parseTagSet({ tags: [tag()] });
    expect(set).toMatchObject({ schema: 'assay.tagset/1', version: 1, taxonomy: ['basic', 'behaviour', 'preference', 'predictive'] });
    expect(set.tags[0]).toMatchObject({ status: 'draft', owner: '', description: '' });
    expect(parseTagSetJson(JSON.stringify({ taxonomy: ['mine'], tags: [tag({ group: 'mine', definition: { kind: 'segment', segmentRef: 'seg-1', segmentId: 2 } })] })).tags).toHaveLength(1);
  });

  it('explains what is wrong in plain words', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ tags: [tag({ group: 'nope' })] }, /tags\[0\] "High value": the group "nope" is not in the taxonomy/],
      [{ tags: [tag(), tag({ name: 'high VALUE', id: 'other' })] }, /the name "high VALUE" is already used by "High value"/],
      [{ tags: [tag(), tag({ name: 'Other' })] }, /the id "high-value" is used by another tag/],
      [{ tags: [tag({ definition: { kind: 'rule', text: 'x >', ast: parseRule('x > 1') } })] }, /the rule text does not parse: expected a value after '>'/],
      [{ tags: [tag({ definition: { kind: 'rule', text: 'x > 2', ast: parseRule('x > 1') } })] }, /the rule text and its AST disagree/],
      [{ tags: [tag({ definition: { kind: 'model', threshold: 0.5 } })] }, /a model tag needs a modelRef or an embedded modelJson/],
      [{ tags: [tag({ status: 'done' })] }, /^tag set\.tags\[0\]\.status: /],
      [{ tags: [tag({ name: 'a\nb' })] }, /control characters/],
      [{ schema: 'assay.tagset/9', tags: [] }, /written by a newer Assay \(schema "assay\.tagset\/9"; this version reads "assay\.tagset\/1"\): update Assay/],
      [{ schema: 'assay.tagset', tags: [] }, /expected "assay\.tagset\/1"/],
    ];
    for (const [input, message] of bad) {
      expect(() => parseTagSet(input)).toThrow(message);
    }
    expect(() => parseTagSetJson('{"tags": [')).toThrow(/not valid JSON/);
  });

  it('allows only the review transitions, and an edit voids approval', () => {
    const draft = parseTag(tag());
    const validated = transitionTag(draft, 'validated');
    const approved = transitionTag(validated, 'approved');
    expect(approved.status).toBe('approved');
    expect(() => transitionTag(draft, 'approved')).toThrow(/is draft; it cannot become approved \(allowed: validated\)/);
    expect(redefineTag(approved, ruleDefinition('spend_90d > 400')).status).toBe('draft');
    expect(() => redefineTag(approved, { kind: 'rule', text: 'x > 2', ast: parseRule('x > 1') })).toThrow(/disagree/);
  });
});

describe('text order', () => {
  it('compares by code point (UTF-8 byte order, as DuckDB), not by UTF-16 unit', () => {
    expect(compareCodePoints('\uFFFD', '😀')).toBe(-1);
    expect('\uFFFD' < '😀').toBe(false);
    expect(compareCodePoints('a', 'ab')).toBe(-1);
    expect(compareCodePoints('b', 'ab')).toBe(1);
    expect(compareCodePoints('é', 'é')).toBe(0);
  });
});
