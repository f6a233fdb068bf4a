/**
 * The regex subset of `MATCHES`, which means the same in the JS evaluator, in RE2 (DuckDB's
 * regexp_matches) and, as far as possible, in Java (Spark/Hive/Flink/Trino `RLIKE`).
 *
 * Supported: literal characters; `.` (any character but a newline); classes `[a-z0-9_]`, `[^...]`
 * with ranges and escapes; `\d \D \w \W \s \S` (ASCII, as RE2 defines them: `\s` is [\t\n\f\r ]);
 * `\b \B`; anchors `^ $` (start and end of the whole text); groups `( )`, `(?: )`; alternation `|`;
 * quantifiers `* + ? {n} {n,} {n,m}` (m <= 1000), optionally lazy (`*?`); escapes `\n \t \r \f \v
 * \xHH` and a backslash before any ASCII punctuation for the character itself.
 *
 * Rejected, because the engines disagree or one of them lacks it: lookarounds `(?= (?! (?<= (?<!`,
 * backreferences `\1` `\k<..>`, named groups, inline flags other than a leading `(?i)`, possessive quantifiers, POSIX
 * classes `[[:alpha:]]`, class set operations `[a&&b]`, `[` inside a class, `]` first in a class,
 * a `{` that is not a repetition, Unicode classes `\p{..}`, and other letter escapes (`\A \z \Q`).
 *
 * The match is a search (partial match), case-sensitive, over Unicode code points. A pattern that
 * starts with `(?i)` ignores case: every cased letter is widened to the class of letters with the
 * same fold before any engine sees it (text-match.ts caselessRegex), so no engine's own case
 * rules are involved.
 */
import { EngineError } from '../protocol/errors';
import { CASELESS_PREFIX, caselessRegex } from './text-match';

/** A pattern outside the supported subset; `index` is the offset of the construct in the pattern. */
export class RegexSubsetError extends EngineError {
  constructor(
    readonly reason: string,
    readonly index: number,
    pattern: string,
  ) {
    super('BAD_INPUT', `The regular expression '${pattern}' is not supported: ${reason} (at character ${index + 1}).`, { reason, index });
    this.name = 'RegexSubsetError';
  }
}

const SYNTAX_CHARS = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);
const RE2_SPACE = '\\t\\n\\f\\r ';
const MAX_REPEAT = 1000;

function isAsciiPunctuation(c: string): boolean {
  return /^[!-/:-@[-`{-~]$/.test(c);
}

/** The JS escape for a literal character outside a class (u-mode accepts only syntax escapes). */
function literalOutside(c: string): string {
  return SYNTAX_CHARS.has(c) ? `\\${c}` : c;
}

/** The JS escape for a literal character inside a class. */
function literalInside(c: string): string {
  return c === '\\' || c === ']' || c === '[' || c === '-' || c === '^' ? `\\${c}` : c;
}

/**
 * Checks a MATCHES pattern against the supported subset and returns the equivalent JS RegExp
 * source (to compile with the 'u' flag). Throws RegexSubsetError naming the construct.
 */
export function translateRegex(pattern: string): string {
  if (pattern.startsWith(CASELESS_PREFIX)) {
    // Checked as written (errors point into the user's text), then run widened.
    translateSubset(pattern.slice(CASELESS_PREFIX.length));
    return translateSubset(caselessRegex(pattern.slice(CASELESS_PREFIX.length)));
  }
  return translateSubset(pattern);
}

function translateSubset(pattern: string): string {
  const chars = Array.from(pattern);
  // Offsets in UTF-16 units, for error positions.
  const offsets: number[] = [];
  let acc = 0;
  for (const c of chars) {
    offsets.push(acc);
    acc += c.length;
  }
  offsets.push(acc);
  const fail = (reason: string, at: number): never => {
    throw new RegexSubsetError(reason, offsets[Math.min(at, chars.length)] as number, pattern);
  };

  let out = '';
  let i = 0;
  let depth = 0;
  /** The last emitted piece can take a quantifier. */
  let quantifiable = false;
  /** The last emitted piece was a quantifier (a second one is an error in RE2 and JS). */
  let quantified = false;

  const escapeOutside = (): string => {
    const c = chars[i + 1];
    if (c === undefined) fail('a trailing backslash escapes nothing', i);
    const e = c as string;
    i += 2;
    if ('dDwW'.includes(e)) return `\\${e}`;
    if (e === 's') return `[${RE2_SPACE}]`;
    if (e === 'S') return `[^${RE2_SPACE}]`;
    if ('ntrfv'.includes(e)) return `\\${e}`;
    if (e === 'x') return `\\x${hexPair()}`;
    if (isAsciiPunctuation(e)) return literalOutside(e);
    if (/[0-9]/.test(e)) return fail(`backreferences and octal escapes like \\${e} are not supported`, i - 2);
    if (e === 'p' || e === 'P') return fail(`Unicode classes \\${e}{...} are not supported`, i - 2);
    return fail(`the escape \\${e} is not supported`, i - 2);
  };

  const hexPair = (): string => {
    const h = chars.slice(i, i + 2).join('');
    if (!/^[0-9A-Fa-f]{2}$/.test(h)) fail('\\x must be followed by two hex digits', i - 2);
    i += 2;
    return h;
  };

  const parseClass = (): string => {
    const start = i;
    i += 1;
    let body = '';
    if (chars[i] === '^') {
      body += '^';
      i += 1;
    }
    if (chars[i] === ']') fail("']' first in a class means different things in different engines; write \\]", i);
    let first = true;
    for (;;) {
      const c = chars[i];
      if (c === undefined) return fail("the class '[' is not closed", start);
      if (c === ']') {
        i += 1;
        if (first) fail('an empty class matches nothing', start);
        return `[${body}]`;
      }
      first = false;
      if (c === '[') {
        if (chars[i + 1] === ':') fail('POSIX classes like [:alpha:] are not supported', i);
        fail("'[' inside a class means different things in different engines; write \\[", i);
      }
      if (c === '&' && chars[i + 1] === '&') fail("'&&' inside a class is an intersection in Java; write \\&\\&", i);
      const lo = classAtom();
      if (chars[i] === '-' && chars[i + 1] !== ']' && chars[i + 1] !== undefined) {
        const dash = i;
        i += 1;
        const hi = classAtom();
        if (lo.cp === null || hi.cp === null) fail('a range needs a single character at each end', dash);
        if ((lo.cp as number) > (hi.cp as number)) fail('the range is reversed (its start is after its end)', dash);
        body += `${lo.text}-${hi.text}`;
      } else {
        body += lo.text;
      }
    }
  };

  /** One class member: its JS text and code point (null for \d-like sets). */
  const classAtom = (): { text: string; cp: number | null } => {
    const c = chars[i] as string;
    if (c !== '\\') {
      i += 1;
      return { text: literalInside(c), cp: c.codePointAt(0) as number };
    }
    const e = chars[i + 1];
    if (e === undefined) return fail('a trailing backslash escapes nothing', i);
    i += 2;
    if ('dDwW'.includes(e)) return { text: `\\${e}`, cp: null };
    if (e === 's') return { text: RE2_SPACE, cp: null };
    const controls: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11 };
    if (e in controls) return { text: `\\${e}`, cp: controls[e] as number };
    if (e === 'x') {
      const h = hexPair();
      return { text: `\\x${h}`, cp: parseInt(h, 16) };
    }
    if (isAsciiPunctuation(e)) return { text: literalInside(e), cp: e.codePointAt(0) as number };
    return fail(`the escape \\${e} is not supported inside a class`, i - 2);
  };

  while (i < chars.length) {
    const c = chars[i] as string;
    const at = i;
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let q: string;
      if (c === '{') {
        const rest = chars.slice(i).join('');
        const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(rest);
        if (!m) fail("'{' must start a repetition like {2} or {1,3}; write \\{ for the character", at);
        const mm = m as RegExpExecArray;
        const n = Number(mm[1]);
        const hi = mm[3] === undefined ? n : mm[3] === '' ? null : Number(mm[3]);
        if (n > MAX_REPEAT || (hi !== null && hi > MAX_REPEAT)) fail(`repetition counts above ${MAX_REPEAT} are not supported`, at);
        if (hi !== null && hi < n) fail('the repetition {n,m} has m below n', at);
        q = mm[0];
        i += Array.from(mm[0]).length;
      } else {
        q = c;
        i += 1;
      }
      if (quantified) fail('a quantifier cannot follow another quantifier', at);
      if (!quantifiable) fail(`'${c}' has nothing to repeat`, at);
      if (chars[i] === '?') {
        q += '?';
        i += 1;
      }
      if (chars[i] === '+') fail('possessive quantifiers are not supported', i);
      out += q;
      quantified = true;
      quantifiable = false;
      continue;
    }
    quantified = false;
    if (c === '\\') {
      const e = chars[i + 1];
      if (e === 'b' || e === 'B') {
        out += `\\${e}`;
        i += 2;
        quantifiable = false;
        continue;
      }
      out += escapeOutside();
      quantifiable = true;
    } else if (c === '.') {
      out += '[^\\n]';
      i += 1;
      quantifiable = true;
    } else if (c === '^' || c === '$') {
      out += c;
      i += 1;
      quantifiable = false;
    } else if (c === '[') {
      out += parseClass();
      quantifiable = true;
    } else if (c === '(') {
      if (chars[i + 1] === '?') {
        if (chars[i + 2] === ':') {
          out += '(?:';
          i += 3;
        } else if (chars[i + 2] === '=' || chars[i + 2] === '!' || (chars[i + 2] === '<' && (chars[i + 3] === '=' || chars[i + 3] === '!'))) {
          fail('lookarounds like (?= and (?! are not supported', at);
        } else if (chars[i + 2] === 'P' || chars[i + 2] === '<') {
          fail('named groups are not supported; use ( ) or (?: )', at);
        } else {
          fail(at === 0 && chars[i + 2] === 'i' ? 'the flag (?i) must be the whole prefix of the pattern: (?i)abc' : 'inline flags other than a leading (?i) are not supported', at);
        }
      } else {
        out += '(';
        i += 1;
      }
      depth += 1;
      quantifiable = false;
    } else if (c === ')') {
      if (depth === 0) fail("')' has no matching '('", at);
      depth -= 1;
      out += ')';
      i += 1;
      quantifiable = true;
    } else if (c === '|') {
      out += '|';
      i += 1;
      quantifiable = false;
    } else if (c === ']' || c === '}') {
      out += `\\${c}`;
      i += 1;
      quantifiable = true;
    } else {
      out += literalOutside(c);
      i += 1;
      quantifiable = true;
    }
  }
  if (depth > 0) fail("a '(' is not closed", chars.length);
  return out;
}

/** The pattern as a JS RegExp with the same meaning as RE2's partial match. */
export function compileRegex(pattern: string): RegExp {
  return new RegExp(translateRegex(pattern), 'u');
}

/** A LIKE pattern as an anchored JS RegExp: `%` any run, `_` one character, no escape character. */
export function compileLike(pattern: string): RegExp {
  let src = '';
  for (const c of pattern) {
    if (c === '%') src += '[\\s\\S]*';
    else if (c === '_') src += '[\\s\\S]';
    else src += SYNTAX_CHARS.has(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${src}$`, 'u');
}
