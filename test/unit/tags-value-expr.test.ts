/**
 * The one value-expression parser (workers/tags/value-expr.ts) that tags' GMV and pack feature steps
 * share: the trees `assay.rulepack/2` packs recorded before the merge come out the same (and load under
 * the pack schema), both quoting styles and a leading '+' still parse, and errors point at the text.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../workers/protocol/errors';
import { mapValueColumns, parseValueExpr, printValueExpr, valueColumns, valueExprSchema, type ValueExpr } from '../../workers/tags/value-expr';

/** The tree a pack records: columns as the table spells them, no parse positions. */
const recorded = (text: string): ValueExpr => mapValueColumns(parseValueExpr(text), (name) => name);

const col = (name: string): ValueExpr => ({ type: 'column', name });

describe('one value-expression parser for tags and packs', () => {
  it('gives the trees packs already record (written by the former feature-step parser), and they load unchanged', () => {
    // Copied from what the former workers/segments/value-expr.ts produced for these texts.
    const before: Array<[string, string]> = [
      ['"Quantity" * "UnitPrice"', '{"type":"binary","op":"*","left":{"type":"column","name":"Quantity"},"right":{"type":"column","name":"UnitPrice"}}'],
      ['q / (1 + r) - -s * +t', '{"type":"binary","op":"-","left":{"type":"binary","op":"/","left":{"type":"column","name":"q"},"right":{"type":"binary","op":"+","left":{"type":"number","value":1},"right":{"type":"column","name":"r"}}},"right":{"type":"binary","op":"*","left":{"type":"negate","arg":{"type":"column","name":"s"}},"right":{"type":"column","name":"t"}}}'],
      ['`x y` + 1', '{"type":"binary","op":"+","left":{"type":"column","name":"x y"},"right":{"type":"number","value":1}}'],
      ['"a""b" - 3.5e2', '{"type":"binary","op":"-","left":{"type":"column","name":"a\\"b"},"right":{"type":"number","value":350}}'],
      ['+-2', '{"type":"negate","arg":{"type":"number","value":2}}'],
    ];
    for (const [text, json] of before) {
      expect(JSON.stringify(recorded(text))).toBe(json);
      expect(JSON.stringify(valueExprSchema.parse(JSON.parse(json)))).toBe(json);
    }
  });

  it('reads both quoting styles, a leading "+" and Unicode names', () => {
    expect(recorded('`Unit Price` * "Quantity"')).toEqual(recorded('"Unit Price" * `Quantity`'));
    expect(recorded('`a``b`')).toEqual(col('a`b'));
    expect(recorded('+ +qty')).toEqual(col('qty'));
    expect(printValueExpr(parseValueExpr('+a - +b'))).toBe('a - b');
    expect(valueColumns(parseValueExpr('Menge * Stückpreis + Menge'))).toEqual(['Menge', 'Stückpreis']);
    expect(printValueExpr(parseValueExpr('Stückpreis * 2'))).toBe('"Stückpreis" * 2');
  });

  it('keeps parse positions out of the recorded tree (the pack schema refuses them)', () => {
    const parsed = parseValueExpr('qty * price');
    expect(parsed).toEqual({ type: 'binary', op: '*', left: { type: 'column', name: 'qty', at: 0 }, right: { type: 'column', name: 'price', at: 6 } });
    expect(valueExprSchema.safeParse(parsed).success).toBe(false);
    expect(valueExprSchema.safeParse(recorded('qty * price')).success).toBe(true);
  });

  it('refuses a number too large to be a number, pointing at it', () => {
    expect(() => parseValueExpr('qty * 1e999')).toThrow('Value expression "qty * 1e999", at character 7: the number 1e999 is too large.');
  });

  it('names line and column in a text of several lines', () => {
    let caught: unknown;
    try {
      parseValueExpr('qty\n  * sum(price)');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EngineError);
    expect((caught as EngineError).message).toBe('Value expression "qty\\n  * sum(price)", at line 2, column 5: functions such as sum(...) are not part of value expressions.');
    expect((caught as EngineError).detail?.position).toEqual({ line: 2, column: 5, offset: 8 });
  });
});
