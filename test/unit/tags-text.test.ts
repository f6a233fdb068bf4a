/**
 * Text predicates of the rule language: CONTAINS WORD / PHRASE and case-insensitive MATCHES '(?i)...'.
 * The word definition (text-match.ts) is checked three ways: by examples, by a property that ties the
 * one regex every engine runs to the tokenizer the keyword miner counts with, and row by row in JS and
 * DuckDB on hostile text (CJK, accents, case folds, quotes, newlines, 10k characters, empty text).
 */
import fc from 'fast-check';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleExpr } from '../../workers/tags/ast';
import { checkRuleAgainstSchema, evaluateRule } from '../../workers/tags/evaluate';
import { RuleSyntaxError, parseRule } from '../../workers/tags/parser';
import { printRule } from '../../workers/tags/printer';
import { RegexSubsetError, compileRegex, translateRegex } from '../../workers/tags/regex';
import { parseTag, ruleDefinition } from '../../workers/tags/tag';
import { ruleToDuckdbSql } from '../../workers/tags/to-sql';
import { caselessRegex, compileTextMatch, foldWord, textMatchPattern, tokenizeWords } from '../../workers/tags/text-match';
import { DIALECTS } from '../../workers/packs/dialects/dialect';
import { ruleSql } from '../../workers/packs/dialects/rule-sql';
import { SQL_DIALECTS } from '../../workers/packs/schema';
import { quoteLiteral } from '../../workers/data/sql-text';
import { createInProcessEngine, type NodeEngine } from '../../workers/node/engine-node';
import { EngineError } from '../../workers/protocol/errors';

const col = (name: string) => ({ kind: 'column' as const, name });

function syntaxError(text: string): RuleSyntaxError {
  try {
    parseRule(text);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleSyntaxError);
    return err as RuleSyntaxError;
  }
  throw new Error(`"${text}" parsed, but it should not`);
}

describe('CONTAINS WORD / PHRASE: syntax', () => {
  it('parses, prints canonically and round-trips, NOT included', () => {
    const ast = parseRule(`Description contains word 'Mug' and not Description NOT CONTAINS phrase 'tea  cup'`);
    expect(ast).toEqual({
      type: 'and',
      args: [
        { type: 'contains', column: col('Description'), mode: 'word', text: 'Mug', negated: false },
        { type: 'not', arg: { type: 'contains', column: col('Description'), mode: 'phrase', text: 'tea  cup', negated: true } },
      ],
    });
    const text = printRule(ast);
    expect(text).toBe(`Description CONTAINS WORD 'Mug' AND NOT Description NOT CONTAINS PHRASE 'tea  cup'`);
    expect(parseRule(text)).toEqual(ast);
  });

  it('keeps contains, word and phrase usable as column names', () => {
    expect(parseRule(`contains CONTAINS WORD 'x' AND word AND "phrase" = 'p'`)).toEqual({
      type: 'and',
      args: [
        { type: 'contains', column: col('contains'), mode: 'word', text: 'x', negated: false },
        { type: 'column', column: col('word') },
        { type: 'compare', op: '=', left: col('phrase'), right: { kind: 'string', value: 'p' } },
      ],
    });
    // A quoted "word" is a column, never the keyword.
    expect(syntaxError(`d CONTAINS "word" 'x'`).message).toMatch(/expected WORD or PHRASE after CONTAINS, found the column word at line 1, column 12/);
  });

  it('explains bad arguments with their position', () => {
    expect(syntaxError(`d CONTAINS 'mug'`).message).toBe("expected WORD or PHRASE after CONTAINS, found the string 'mug' at line 1, column 12");
    expect(syntaxError(`d CONTAINS WORD mug`).message).toMatch(/expected a quoted word after CONTAINS WORD, found the column 'mug' at line 1, column 17/);
    expect(syntaxError(`d CONTAINS WORD 'tea cup'`).message).toMatch(/CONTAINS WORD takes one word, but 'tea cup' is 2 words .*use CONTAINS PHRASE at line 1, column 17/);
    expect(syntaxError(`d CONTAINS PHRASE '  '`).message).toMatch(/has no letters or digits/);
    expect(syntaxError(`d CONTAINS PHRASE ''`).message).toMatch(/has no letters or digits/);
    expect(syntaxError(`d CONTAINS WORD '!?'`).message).toMatch(/has no letters or digits/);
    expect(syntaxError(`d NOT CONTAINS`).message).toMatch(/expected WORD or PHRASE after CONTAINS, found the end of the rule/);
  });

  it('refuses a text predicate on a non-text column and a bad argument that came as JSON', () => {
    const columns = [{ name: 'price', type: 'DOUBLE' }, { name: 'd', type: 'VARCHAR' }];
    expect(() => checkRuleAgainstSchema(parseRule(`price CONTAINS WORD '3'`), columns)).toThrow(/"price" is a numeric column; CONTAINS WORD works on text columns only/);
    const bad: RuleExpr = { type: 'contains', column: col('d'), mode: 'word', text: 'a b', negated: false };
    expect(() => checkRuleAgainstSchema(bad, columns)).toThrow(/CONTAINS WORD takes one word/);
    expect(() => parseTag({ id: 't', name: 't', group: 'g', definition: { kind: 'rule', text: `d CONTAINS WORD 'a b'`, ast: bad } })).toThrow(EngineError);
    // A hand-written rule needs no AST: the text is parsed.
    expect(ruleDefinition(`d CONTAINS PHRASE 'a b'`).ast).toEqual({ type: 'contains', column: col('d'), mode: 'phrase', text: 'a b', negated: false });
  });
});

describe('the word definition', () => {
  it('splits on everything but letters, marks and digits; CJK characters are words; case is folded', () => {
    expect(tokenizeWords('Hello, WORLD!  café-au-lait 12.5cm')).toEqual(['hello', 'world', 'café', 'au', 'lait', '12', '5cm']);
    expect(tokenizeWords('马克杯 Mug杯 カップ')).toEqual(['马', '克', '杯', 'mug', '杯', 'カ', 'ッ', 'プ']);
    expect(tokenizeWords('ΟΔΟΣ οδος')).toEqual(['οδοσ', 'οδοσ']);
    expect(tokenizeWords('e\u0301t\u00e9')).toEqual(['e\u0301t\u00e9']);
    expect(tokenizeWords('İzmir ıi I')).toEqual(['İzmir', 'ıi', 'i']);
    expect(tokenizeWords('Straße STRASSE ẞ')).toEqual(['straße', 'strasse', 'ß']);
    expect(tokenizeWords('')).toEqual([]);
    expect(tokenizeWords(' \t\n😀 -- ')).toEqual([]);
    expect(tokenizeWords('한국어 단어')).toEqual(['한국어', '단어']);
    expect(foldWord('KELVIN\u212A')).toBe('kelvink');
  });

  it('the one regex every engine runs finds exactly the consecutive words (property)', () => {
    const atoms = ['a', 'A', 'b', 'ab', 'Σ', 'ς', 'σ', '\u212A', 'k', 'ſ', 's', 'İ', 'i', 'ı', '马', '克', 'カ', 'e\u0301', '\u0661', '1', ' ', '-', '·', '、', '\n', "'", '😀', '_', '.'];
    const text = fc.array(fc.constantFrom(...atoms), { maxLength: 8 }).map((p) => p.join(''));
    fc.assert(
      fc.property(text, text, fc.constantFrom('word' as const, 'phrase' as const), (haystack, needle, mode) => {
        const want = tokenizeWords(needle);
        fc.pre(want.length > 0 && (mode === 'phrase' || want.length === 1));
        const have = tokenizeWords(haystack);
        const expected = have.some((_, s) => want.every((w, k) => have[s + k] === w));
        expect(compileTextMatch(mode, needle).test(haystack), `${mode} ${JSON.stringify(needle)} in ${JSON.stringify(haystack)}`).toBe(expected);
      }),
      { numRuns: 1500, seed: 20261204 },
    );
  });

  it('writes every cased letter as its fold class and the boundaries without flags', () => {
    expect(textMatchPattern('word', 'Mug')).toMatch(/^\(\?:\^\|\[\^\\p\{L\}\\p\{M\}\\p\{N\}\]\|\[.+\]\)\[Mm\]\[Uu\]\[Gg\]\(\?:\$\|/u);
    expect(textMatchPattern('word', '杯')).toBe('杯');
    expect(textMatchPattern('phrase', '马克')).toBe('马[^\\p{L}\\p{M}\\p{N}]*克');
    expect(() => textMatchPattern('word', 'a b')).toThrow(/use CONTAINS PHRASE/);
  });
});

describe('case-insensitive MATCHES', () => {
  it('accepts a leading (?i) and widens letters, classes and ranges to their fold classes', () => {
    expect(caselessRegex('ab')).toBe('[Aa][Bb]');
    expect(caselessRegex('[a-c]x')).toBe('[ABCa-c][Xx]');
    expect(caselessRegex('[^k]')).toBe('[^K\u212Ak]');
    expect(caselessRegex('[-s]')).toBe('[S\u017F\\-s]');
    expect(caselessRegex('\\x41\\d{2,3}\\.(?:σ)')).toBe('[Aa]\\d{2,3}\\.(?:[Σςσ])');
    const re = compileRegex('(?i)^tea cup$');
    expect(['TEA CUP', 'Tea Cup', 'tea cup'].every((s) => re.test(s))).toBe(true);
    expect(re.test('tea  cup')).toBe(false);
    expect(compileRegex('(?i)[^a]').test('A')).toBe(false);
  });

  it('still refuses flags anywhere else, and checks the rest of the pattern', () => {
    expect(() => translateRegex('a(?i)b')).toThrow(RegexSubsetError);
    expect(() => translateRegex('(?s)a')).toThrow(/inline flags other than a leading \(\?i\)/);
    expect(() => translateRegex('(?i)(?=a)')).toThrow(/lookarounds/);
    expect(() => translateRegex('(?i)[[:alpha:]]')).toThrow(/POSIX/);
  });
});

describe('text predicates row by row: JS and DuckDB agree', () => {
  let engine: NodeEngine;
  let data: Table;
  const long = `${'x'.repeat(9_990)} mug`;
  const TEXTS: Array<string | null> = [
    'White ceramic MUG',
    'mugs and jugs',
    'Tea cup, saucer',
    'tea-cup',
    'TEA\nCUP',
    '马克杯',
    'Mug杯',
    "it's a 'mug'",
    '',
    '   ',
    null,
    long,
    'ΟΔΟΣ',
    'smug mug\u0301',
    'Straße',
  ];

  beforeAll(async () => {
    engine = await createInProcessEngine();
    const values = TEXTS.map((t, i) => `(${i + 1}, ${t === null ? 'NULL' : quoteLiteral(t)})`).join(', ');
    const r = await engine.client.run('sql.run', { sql: `CREATE TABLE txt AS SELECT * FROM (VALUES ${values}) v(id, d); SELECT * FROM txt ORDER BY id` });
    data = tableFromIPC(r.preview);
  });
  afterAll(async () => {
    await engine.close();
  });

  async function expectRows(cases: Array<[string, number[]]>): Promise<void> {
    const asts = cases.map(([text]) => parseRule(text));
    const r = await engine.client.run('sql.run', { sql: `SELECT ${asts.map((a, k) => `${ruleToDuckdbSql(a)} AS r${k}`).join(', ')} FROM txt ORDER BY id` });
    const sql = tableFromIPC(r.preview);
    cases.forEach(([text, expected], k) => {
      const js = Array.from(evaluateRule(asts[k] as RuleExpr, data)).flatMap((v, i) => (v ? [i + 1] : []));
      const column = sql.getChild(`r${k}`);
      const fromSql = Array.from({ length: sql.numRows }, (_, i) => i + 1).filter((id) => column?.get(id - 1) === true);
      expect(js, `JS for ${text}`).toEqual(expected);
      expect(fromSql, `DuckDB for ${text}`).toEqual(expected);
    });
  }

  it('matches whole words and phrases ignoring case; NULL, empty and blank text never match', async () => {
    await expectRows([
      [`d CONTAINS WORD 'mug'`, [1, 7, 8, 12]],
      [`d NOT CONTAINS WORD 'mug'`, [2, 3, 4, 5, 6, 9, 10, 13, 14, 15]],
      [`d CONTAINS PHRASE 'TEA CUP'`, [3, 4, 5]],
      [`d CONTAINS WORD '杯'`, [6, 7]],
      [`d CONTAINS PHRASE '克 杯'`, [6]],
      [`d CONTAINS WORD 'οδος'`, [13]],
      [`d CONTAINS WORD 'smug'`, [14]],
      [`d CONTAINS WORD 'straße' OR d CONTAINS WORD 'STRASSE'`, [15]],
      [`d MATCHES '(?i)^white'`, [1]],
      [`d MATCHES '(?i)[m]ug$'`, [1, 12]],
      [`NOT d MATCHES '(?i)mug'`, [3, 4, 5, 6, 9, 10, 13, 15]],
    ]);
  });

  it('every dialect prints the same flag-free pattern', () => {
    const ast = parseRule(`d CONTAINS PHRASE 'tea cup' AND d MATCHES '(?i)a'`);
    const pattern = textMatchPattern('phrase', 'tea cup');
    for (const dialect of SQL_DIALECTS) {
      const sql = ruleSql(ast, DIALECTS[dialect]);
      expect(sql, dialect).toContain(DIALECTS[dialect].regex(DIALECTS[dialect].ident('d'), pattern));
      expect(sql, dialect).toContain(DIALECTS[dialect].regex(DIALECTS[dialect].ident('d'), '[Aa]'));
      expect(sql, dialect).not.toContain('(?i)');
    }
  });
});
