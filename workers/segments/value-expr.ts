/**
 * The feature builder's value expression (e.g. `"Quantity" * "UnitPrice"`) in the one form every
 * pack dialect can print: columns, numbers, + - * / and parentheses. The app runs the text as
 * DuckDB SQL; a pack records this tree so that Spark, Hive, Flink and Trino compute the same value.
 */
import { z } from 'zod';
import { EngineError } from '../protocol/errors';
import { positionAt } from '../tags/parser';

export type ValueExpr =
  | { type: 'column'; name: string }
  | { type: 'number'; value: number }
  | { type: 'negate'; arg: ValueExpr }
  | { type: 'binary'; op: '+' | '-' | '*' | '/'; left: ValueExpr; right: ValueExpr };

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const valueExprSchema: z.ZodType<ValueExpr> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('column'), name: z.string().min(1) }).strict(),
    z.object({ type: z.literal('number'), value: finite }).strict(),
    z.object({ type: z.literal('negate'), arg: valueExprSchema }).strict(),
    z.object({ type: z.literal('binary'), op: z.enum(['+', '-', '*', '/']), left: valueExprSchema, right: valueExprSchema }).strict(),
  ]),
);

interface Token {
  kind: 'ident' | 'number' | 'op' | 'end';
  text: string;
  offset: number;
}

const SUBSET = 'a pack can carry only columns, numbers, + - * / and parentheses';

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const fail = (message: string, offset: number): never => {
    const at = positionAt(text, offset);
    throw new EngineError('BAD_INPUT', `The value expression ${JSON.stringify(text)}: ${message} at line ${at.line}, column ${at.column} (${SUBSET}).`);
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === '`') {
      let name = '';
      i++;
      for (;;) {
        if (i >= text.length) fail(`a closing ${ch} is missing`, start);
        if (text[i] === ch) {
          if (text[i + 1] === ch) {
            name += ch;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        name += text[i];
        i++;
      }
      if (name === '') fail('a quoted column name is empty', start);
      tokens.push({ kind: 'ident', text: name, offset: start });
    } else if (/[A-Za-z_]/.test(ch)) {
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) i++;
      const word = text.slice(start, i);
      if (text[i] === '(') fail(`the function ${word}() is not supported`, start);
      tokens.push({ kind: 'ident', text: word, offset: start });
    } else if (/[0-9.]/.test(ch)) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail(`"${ch}" is not a number`, start);
      i += (m as RegExpExecArray)[0].length;
      tokens.push({ kind: 'number', text: (m as RegExpExecArray)[0], offset: start });
    } else if ('+-*/()'.includes(ch)) {
      i++;
      tokens.push({ kind: 'op', text: ch, offset: start });
    } else {
      fail(`"${ch}" is not supported`, start);
    }
  }
  tokens.push({ kind: 'end', text: '', offset: text.length });
  return tokens;
}

/** Parses a value expression; a clear BAD_INPUT error naming what is outside the portable subset. */
export function parseValueExpr(text: string): ValueExpr {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const fail = (message: string): never => {
    const at = positionAt(text, peek().offset);
    throw new EngineError('BAD_INPUT', `The value expression ${JSON.stringify(text)}: ${message} at line ${at.line}, column ${at.column} (${SUBSET}).`);
  };
  const factor = (): ValueExpr => {
    const t = peek();
    if (t.kind === 'op' && t.text === '-') {
      pos++;
      return { type: 'negate', arg: factor() };
    }
    if (t.kind === 'op' && t.text === '+') {
      pos++;
      return factor();
    }
    if (t.kind === 'op' && t.text === '(') {
      pos++;
      const inner = sum();
      if (peek().text !== ')') fail('a closing ")" is missing');
      pos++;
      return inner;
    }
    if (t.kind === 'number') {
      pos++;
      return { type: 'number', value: Number(t.text) };
    }
    if (t.kind === 'ident') {
      pos++;
      return { type: 'column', name: t.text };
    }
    return fail(t.kind === 'end' ? 'it ends too early' : `"${t.text}" is not expected here`);
  };
  const product = (): ValueExpr => {
    let left = factor();
    while (peek().kind === 'op' && (peek().text === '*' || peek().text === '/')) {
      const op = peek().text as '*' | '/';
      pos++;
      left = { type: 'binary', op, left, right: factor() };
    }
    return left;
  };
  const sum = (): ValueExpr => {
    let left = product();
    while (peek().kind === 'op' && (peek().text === '+' || peek().text === '-')) {
      const op = peek().text as '+' | '-';
      pos++;
      left = { type: 'binary', op, left, right: product() };
    }
    return left;
  };
  const expr = sum();
  if (peek().kind !== 'end') fail(`"${peek().text}" is not expected here`);
  return expr;
}

/** Every column a value expression reads. */
export function valueColumns(expr: ValueExpr): string[] {
  if (expr.type === 'column') return [expr.name];
  if (expr.type === 'number') return [];
  if (expr.type === 'negate') return valueColumns(expr.arg);
  return [...new Set([...valueColumns(expr.left), ...valueColumns(expr.right)])];
}

/** A value expression with its columns renamed (e.g. to the table's spelling of each name). */
export function mapValueColumns(expr: ValueExpr, rename: (name: string) => string): ValueExpr {
  if (expr.type === 'column') return { type: 'column', name: rename(expr.name) };
  if (expr.type === 'number') return expr;
  if (expr.type === 'negate') return { type: 'negate', arg: mapValueColumns(expr.arg, rename) };
  return { ...expr, left: mapValueColumns(expr.left, rename), right: mapValueColumns(expr.right, rename) };
}
