/**
 * The rule language's parser: text -> RuleExpr (see ast.ts), with exact error positions.
 *
 * Grammar (keywords case-insensitive; NOT binds tighter than AND, AND tighter than OR):
 *   rule      := or
 *   or        := and ((OR | '||') and)*
 *   and       := not ((AND | '&&') not)*
 *   not       := (NOT | '!') not | primary
 *   primary   := '(' rule ')' | TRUE | FALSE | literal op column | predicate
 *   predicate := column ( op operand | [NOT] IN '(' literal, ... ')' | [NOT] BETWEEN literal AND literal
 *              | IS [NOT] NULL | [NOT] LIKE string | [NOT] (MATCHES | RLIKE | REGEXP) string
 *              | [NOT] CONTAINS (WORD | PHRASE) string )?
 *   op        := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
 * A column alone is a condition on a boolean column. Identifiers are bare ([A-Za-z_][A-Za-z0-9_]*),
 * "double quoted" or `backquoted` (the quote doubled inside); strings are 'single quoted' with ''
 * for a quote, backslash being an ordinary character. `3 < x` is read as `x > 3`.
 * CONTAINS, WORD and PHRASE are keywords only in that position (columns may still be called so).
 */
import { EngineError, type SqlPosition } from '../protocol/errors';
import type { ColumnRef, ComparisonOp, Operand, RuleExpr, RuleLiteral } from './ast';
import { textArgumentProblem } from './text-match';

/** Words that cannot be bare column names (quote them: "and"). */
export const RULE_KEYWORDS: ReadonlySet<string> = new Set([
  'and', 'or', 'not', 'in', 'between', 'is', 'null', 'like', 'matches', 'rlike', 'regexp', 'true', 'false',
]);

const BARE_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A bare identifier the parser reads as a column name (not a keyword, no awkward characters). */
export function isBareIdentifier(name: string): boolean {
  return BARE_IDENT.test(name) && !RULE_KEYWORDS.has(name.toLowerCase());
}

/** A syntax error in a rule, pointing at the offending token (offset 0-based; line, column 1-based). */
export class RuleSyntaxError extends EngineError {
  readonly position: SqlPosition;

  constructor(message: string, position: SqlPosition, length: number) {
    super('BAD_INPUT', `${message} at line ${position.line}, column ${position.column}`, { position, length, reason: message });
    this.name = 'RuleSyntaxError';
    this.position = position;
  }
}

type TokenKind = 'ident' | 'keyword' | 'number' | 'string' | 'op' | 'punct' | 'end';

interface Token {
  kind: TokenKind;
  /** Keyword: lower-case word; ident: the name; op/punct: the symbol; number/string: the source text. */
  text: string;
  value?: number | string;
  offset: number;
  end: number;
  /** An identifier written with quotes (so it can be a keyword or hold any character). */
  quoted?: boolean;
}

/** 1-based line and column of an offset (columns count UTF-16 code units, as editors do). */
export function positionAt(text: string, offset: number): SqlPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1, offset };
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the rule';
    case 'keyword':
      return token.text.toUpperCase();
    case 'string':
      return `the string ${token.text.length > 30 ? `${token.text.slice(0, 27)}...` : token.text}`;
    case 'number':
      return `the number ${token.text}`;
    case 'ident':
      return `the column ${token.quoted ? token.text : `'${token.text}'`}`;
    default:
      return `'${token.text}'`;
  }
}

const OPS = ['==', '!=', '<>', '<=', '>=', '&&', '||', '=', '<', '>', '!', '-', '+'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const fail = (message: string, offset: number, length = 1): never => {
    throw new RuleSyntaxError(message, positionAt(text, offset), length);
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const start = i;
    if (ch === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) fail('unterminated string (a closing \' is missing)', start, text.length - start);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      tokens.push({ kind: 'string', text: text.slice(start, i), value, offset: start, end: i });
      continue;
    }
    if (ch === '"' || ch === '`') {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) fail(`unterminated quoted column name (a closing ${ch} is missing)`, start, text.length - start);
        if (text[i] === ch) {
          if (text[i + 1] === ch) {
            value += ch;
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += text[i];
        i += 1;
      }
      if (value.length === 0) fail('a quoted column name is empty', start, i - start);
      tokens.push({ kind: 'ident', text: value, offset: start, end: i, quoted: true });
      continue;
    }
    if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i)) as RegExpExecArray;
      i += m[0].length;
      if (/[A-Za-z0-9_."`']/.test(text[i] ?? '')) fail(`unexpected '${text[i] as string}' right after the number ${m[0]}`, i);
      const value = Number(m[0]);
      if (!Number.isFinite(value)) fail(`the number ${m[0]} is too large`, start, m[0].length);
      tokens.push({ kind: 'number', text: m[0], value, offset: start, end: i });
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i)) as RegExpExecArray;
      i += m[0].length;
      const lower = m[0].toLowerCase();
      if (RULE_KEYWORDS.has(lower)) tokens.push({ kind: 'keyword', text: lower, offset: start, end: i });
      else tokens.push({ kind: 'ident', text: m[0], offset: start, end: i, quoted: false });
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',') {
      i += 1;
      tokens.push({ kind: 'punct', text: ch, offset: start, end: i });
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      i += op.length;
      tokens.push({ kind: 'op', text: op, offset: start, end: i });
      continue;
    }
    const cp = text.codePointAt(i) as number;
    const shown = String.fromCodePoint(cp);
    fail(/[^\x20-\x7e]/.test(shown) ? `unexpected character '${shown}' (quote column names that hold it: "...")` : `unexpected character '${shown}'`, i, shown.length);
  }
  tokens.push({ kind: 'end', text: '', offset: text.length, end: text.length });
  return tokens;
}

const COMPARISONS: Record<string, ComparisonOp> = { '=': '=', '==': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const MIRRORED: Record<ComparisonOp, ComparisonOp> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.pos += 1;
    return t;
  }

  private isKeyword(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'keyword' && t.text === word;
  }

  private isSymbol(symbol: string): boolean {
    const t = this.peek();
    return (t.kind === 'op' || t.kind === 'punct') && t.text === symbol;
  }

  private fail(message: string, token: Token): never {
    throw new RuleSyntaxError(message, positionAt(this.text, token.offset), Math.max(1, token.end - token.offset));
  }

  parseRule(): RuleExpr {
    if (this.peek().kind === 'end') this.fail('the rule is empty', this.peek());
    const expr = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'end') {
      if (t.kind === 'punct' && t.text === ')') this.fail("unexpected ')' without a matching '('", t);
      this.fail(`expected AND, OR or the end of the rule, found ${describe(t)}`, t);
    }
    return expr;
  }

  private parseOr(): RuleExpr {
    const args = [this.parseAnd()];
    while (this.isKeyword('or') || this.isSymbol('||')) {
      const op = this.next();
      args.push(this.parseAnd(op));
    }
    return join('or', args);
  }

  private parseAnd(after?: Token): RuleExpr {
    const args = [this.parseNot(after)];
    while (this.isKeyword('and') || this.isSymbol('&&')) {
      const op = this.next();
      args.push(this.parseNot(op));
    }
    return join('and', args);
  }

  private parseNot(after?: Token): RuleExpr {
    if (this.isKeyword('not') || this.isSymbol('!')) {
      const op = this.next();
      return { type: 'not', arg: this.parseNot(op) };
    }
    return this.parsePrimary(after);
  }

  private parsePrimary(after?: Token): RuleExpr {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      const inner = this.parseOr();
      const close = this.peek();
      if (!(close.kind === 'punct' && close.text === ')')) {
        const open = positionAt(this.text, t.offset);
        this.fail(`expected ')' to close the '(' at line ${open.line}, column ${open.column}, found ${describe(close)}`, close);
      }
      this.next();
      return inner;
    }
    if (t.kind === 'keyword' && (t.text === 'true' || t.text === 'false')) {
      if (this.isComparisonAt(1)) return this.parseMirrored();
      this.next();
      return { type: 'literal', value: t.text === 'true' };
    }
    if (t.kind === 'ident') return this.parsePredicate();
    if (t.kind === 'number' || t.kind === 'string' || (t.kind === 'op' && t.text === '-') || (t.kind === 'keyword' && t.text === 'null')) {
      if (this.isComparisonAfterLiteral()) return this.parseMirrored();
      this.fail(`expected a condition, found ${describe(t)} (a value must be compared with a column)`, t);
    }
    if (t.kind === 'keyword') this.fail(`expected a condition, found the keyword ${t.text.toUpperCase()} (quote it to use it as a column name: "${t.text}")`, t);
    this.fail(after ? `expected a condition after ${describe(after)}, found ${describe(t)}` : `expected a condition, found ${describe(t)}`, t);
  }

  private isComparisonAt(ahead: number): boolean {
    const t = this.peek(ahead);
    return t.kind === 'op' && t.text in COMPARISONS;
  }

  private isComparisonAfterLiteral(): boolean {
    return this.isComparisonAt(this.peek().kind === 'op' ? 2 : 1);
  }

  /** `3 < x` and friends: a literal on the left, turned around into `x > 3`. */
  private parseMirrored(): RuleExpr {
    const literal = this.parseLiteral(undefined);
    const opToken = this.next();
    const op = COMPARISONS[opToken.text] as ComparisonOp;
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(`expected a column after '${opToken.text}', found ${describe(t)} (one side of a comparison must be a column)`, t);
    return { type: 'compare', op: MIRRORED[op], left: this.parseColumn(), right: literal };
  }

  private parseColumn(): ColumnRef {
    const t = this.next();
    return { kind: 'column', name: t.text };
  }

  /** An unquoted identifier that reads as the given contextual keyword (CONTAINS, WORD, PHRASE). */
  private isContextual(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && !t.quoted && t.text.toLowerCase() === word;
  }

  /** `[NOT] CONTAINS (WORD | PHRASE) 'text'` after a column; the caller saw CONTAINS (after NOT when negated). */
  private parseContains(column: ColumnRef, negated: boolean): RuleExpr {
    const contains = this.next();
    const modeToken = this.peek();
    const mode = this.isContextual('word') ? 'word' : this.isContextual('phrase') ? 'phrase' : null;
    if (mode === null) this.fail(`expected WORD or PHRASE after CONTAINS, found ${describe(modeToken)}`, modeToken);
    this.next();
    const t = this.peek();
    if (t.kind !== 'string') this.fail(`expected a quoted ${mode === 'word' ? 'word' : 'phrase'} after CONTAINS ${(mode as string).toUpperCase()}, found ${describe(t)}`, t);
    const problem = textArgumentProblem(mode as 'word' | 'phrase', t.value as string);
    if (problem) this.fail(problem, t);
    this.next();
    void contains;
    return { type: 'contains', column, mode: mode as 'word' | 'phrase', text: t.value as string, negated };
  }

  private parsePredicate(): RuleExpr {
    const column = this.parseColumn();
    if (this.isContextual('contains')) return this.parseContains(column, false);
    if (this.isKeyword('not') && this.isContextual('contains', 1)) {
      this.next();
      return this.parseContains(column, true);
    }
    const t = this.peek();
    if (t.kind === 'op' && t.text in COMPARISONS) {
      this.next();
      return { type: 'compare', op: COMPARISONS[t.text] as ComparisonOp, left: column, right: this.parseOperand(t) };
    }
    if (t.kind === 'keyword') {
      let negated = false;
      let opToken = t;
      if (t.text === 'not' && ['in', 'between', 'like', 'matches', 'rlike', 'regexp'].some((w) => this.isKeyword(w, 1))) {
        negated = true;
        this.next();
        opToken = this.peek();
      }
      switch (opToken.text) {
        case 'in':
          this.next();
          return { type: 'in', column, values: this.parseList(opToken), negated };
        case 'between': {
          this.next();
          const low = this.parseLiteral(opToken);
          if (!this.isKeyword('and')) this.fail(`expected AND after the lower bound of BETWEEN, found ${describe(this.peek())}`, this.peek());
          const and = this.next();
          const high = this.parseLiteral(and);
          return { type: 'between', column, low, high, negated };
        }
        case 'like':
          this.next();
          return { type: 'like', column, pattern: this.parsePattern(opToken), negated };
        case 'matches':
        case 'rlike':
        case 'regexp':
          this.next();
          return { type: 'regex', column, pattern: this.parsePattern(opToken), negated };
        case 'is': {
          this.next();
          const not = this.isKeyword('not');
          if (not) this.next();
          if (!this.isKeyword('null')) this.fail(`expected NULL after IS${not ? ' NOT' : ''}, found ${describe(this.peek())}`, this.peek());
          this.next();
          return { type: 'isNull', column, negated: not };
        }
        default:
          break;
      }
    }
    return { type: 'column', column };
  }

  private parseOperand(after: Token): Operand {
    const t = this.peek();
    if (t.kind === 'ident') return this.parseColumn();
    return this.parseLiteral(after);
  }

  private parseLiteral(after: Token | undefined): RuleLiteral {
    const t = this.peek();
    const where = after ? ` after ${describe(after)}` : '';
    if (t.kind === 'number') {
      this.next();
      return { kind: 'number', value: normalizeZero(t.value as number) };
    }
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      this.next();
      const n = this.peek();
      if (n.kind !== 'number') this.fail(`expected a number after '${t.text}', found ${describe(n)}`, n);
      this.next();
      return { kind: 'number', value: normalizeZero(t.text === '-' ? -(n.value as number) : (n.value as number)) };
    }
    if (t.kind === 'string') {
      this.next();
      return { kind: 'string', value: t.value as string };
    }
    if (t.kind === 'keyword' && (t.text === 'true' || t.text === 'false')) {
      this.next();
      return { kind: 'boolean', value: t.text === 'true' };
    }
    if (t.kind === 'keyword' && t.text === 'null') {
      this.next();
      return { kind: 'null' };
    }
    if (t.kind === 'ident') this.fail(`expected a value${where}, found ${describe(t)} (only values are allowed here)`, t);
    return this.fail(`expected a value${where}`, t);
  }

  private parseList(after: Token): RuleLiteral[] {
    const open = this.peek();
    if (!(open.kind === 'punct' && open.text === '(')) this.fail(`expected '(' after ${describe(after)}, found ${describe(open)}`, open);
    this.next();
    const values: RuleLiteral[] = [];
    let previous: Token = open;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'punct' && t.text === ')') {
        if (values.length === 0) this.fail('expected at least one value in the IN list', t);
        this.fail(`expected a value after ',', found ')'`, t);
      }
      values.push(this.parseLiteral(previous));
      const sep = this.peek();
      if (sep.kind === 'punct' && sep.text === ',') {
        previous = this.next();
        continue;
      }
      if (sep.kind === 'punct' && sep.text === ')') {
        this.next();
        return values;
      }
      this.fail(`expected ',' or ')' in the IN list, found ${describe(sep)}`, sep);
    }
  }

  private parsePattern(after: Token): string {
    const t = this.peek();
    if (t.kind !== 'string') this.fail(`expected a quoted pattern after ${describe(after)}, found ${describe(t)}`, t);
    this.next();
    return t.value as string;
  }
}

function normalizeZero(n: number): number {
  return n === 0 ? 0 : n;
}

/** Builds an AND/OR node, flattening nested nodes of the same kind (the canonical form). */
function join(type: 'and' | 'or', args: RuleExpr[]): RuleExpr {
  if (args.length === 1) return args[0] as RuleExpr;
  const flat: RuleExpr[] = [];
  for (const a of args) {
    if (a.type === type) flat.push(...a.args);
    else flat.push(a);
  }
  return { type, args: flat };
}

/** Parses rule text into its syntax tree; throws RuleSyntaxError with the exact position. */
export function parseRule(text: string): RuleExpr {
  if (typeof text !== 'string') throw new EngineError('BAD_INPUT', 'A rule must be text.');
  return new Parser(text, tokenize(text)).parseRule();
}

/** Where a column name first appears in rule text (bare or quoted), with its length; undefined if absent. */
export function findColumnInText(text: string, name: string): { position: SqlPosition; length: number } | undefined {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch {
    return undefined;
  }
  const t = tokens.find((tok) => tok.kind === 'ident' && tok.text === name);
  return t ? { position: positionAt(text, t.offset), length: t.end - t.offset } : undefined;
}
