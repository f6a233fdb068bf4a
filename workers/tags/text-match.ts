/**
 * Words in text, defined once so that the JS evaluator, DuckDB and every pack dialect (Spark, Hive,
 * Flink, Trino) agree on `col CONTAINS WORD 'x'`, `col CONTAINS PHRASE 'a b'` and on
 * case-insensitive `MATCHES '(?i)...'`.
 *
 * Definition of a word (token):
 *  - A word character is a Unicode letter, combining mark or digit (general categories L, M, N).
 *  - A CJK character is a word character in one of these ranges: Hiragana and Katakana (U+3040-U+30FF, U+31F0-U+31FF, half-width
 *    U+FF66-U+FF9D), CJK ideographs (U+3400-U+4DBF, U+4E00-U+9FFF, U+F900-U+FAFF,
 *    U+20000-U+3134F). Each CJK character is a word on its own (Hangul is not CJK here: Korean
 *    puts spaces between words).
 *  - Words are the maximal runs of non-CJK word characters, and every single CJK character.
 *    Everything else (spaces, punctuation, symbols, emoji, control characters) separates words.
 *  - Words compare case-insensitively: two characters are equal when they have the same fold
 *    (below), so `Mug`, `MUG` and `mug` are one word, as are `Σ`, `σ` and `ς`. The Turkish `İ` and
 *    `ı` fold only to themselves. There is no Unicode normalisation: `é` written as one code
 *    point and as `e` + U+0301 are different words (both are kept whole, since marks are word
 *    characters).
 *  - `CONTAINS WORD 'w'`: w is exactly one word, and it is one of the text's words.
 *    `CONTAINS PHRASE 'a b'`: the phrase's words appear in the text as consecutive words
 *    (whatever separates them). NULL text gives NULL (so the rule is false there).
 *
 * How every engine runs it: the predicate becomes one regular expression, searched in the text,
 * with no flags and no engine-specific classes: each cased letter is written as the class of all
 * letters with the same fold (`[mM]`), boundaries as `(?:^|[^\p{L}\p{M}\p{N}]|[CJK])`, and CJK
 * ranges as literal characters. RE2 (DuckDB), Java (Spark, Hive, Flink), Joni (Trino) and JS
 * (`u` flag) read that pattern alike (up to the Unicode version of their \p tables).
 *
 * Case-insensitive MATCHES: a pattern that starts with `(?i)` is the rest of the pattern with
 * every cased letter (outside and inside classes, ranges included) widened to its fold class, so
 * again no engine's own notion of case is involved. `\d \w \s \b` stay ASCII as in MATCHES.
 */
import { EngineError } from '../protocol/errors';

/** Code point ranges of characters that are words on their own (see the definition above). */
export const CJK_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x3040, 0x30ff],
  [0x31f0, 0x31ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xf900, 0xfaff],
  [0xff66, 0xff9d],
  [0x20000, 0x3134f],
];

export function isCjk(cp: number): boolean {
  for (const [lo, hi] of CJK_RANGES) if (cp >= lo && cp <= hi) return true;
  return false;
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
const SEPARATOR_CLASS = '[^\\p{L}\\p{M}\\p{N}]';
const CJK_CLASS = `[${CJK_RANGES.map(([lo, hi]) => `${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`).join('')}]`;

/** Characters that fold only to themselves (Turkish dotted and dotless i). */
const FOLD_SELF = new Set([0x130, 0x131]);

/** A string's code point when it is exactly one, else null. */
function single(text: string): number | null {
  const cp = text.codePointAt(0);
  return cp !== undefined && String.fromCodePoint(cp) === text ? cp : null;
}

/** The fold of one code point: its lower case after upper-casing, where both are single code points. */
function foldOf(cp: number): number {
  if (FOLD_SELF.has(cp)) return cp;
  const up = single(String.fromCodePoint(cp).toUpperCase());
  const base = up !== null && !FOLD_SELF.has(up) ? up : cp;
  const low = single(String.fromCodePoint(base).toLowerCase());
  return low !== null && !FOLD_SELF.has(low) ? low : base;
}

let foldClasses: Map<number, number[]> | null = null;

/** Every cased code point -> all code points with the same fold (itself included), built once. */
function classes(): Map<number, number[]> {
  if (foldClasses) return foldClasses;
  const byFold = new Map<number, number[]>();
  for (let cp = 0; cp <= 0x1ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    if (s.toLowerCase() === s && s.toUpperCase() === s) continue;
    const key = foldOf(cp);
    let members = byFold.get(key);
    if (!members) byFold.set(key, (members = []));
    members.push(cp);
  }
  const out = new Map<number, number[]>();
  for (const [key, members] of byFold) {
    if (!members.includes(key)) members.push(key);
    members.sort((a, b) => a - b);
    if (members.length > 1) for (const m of members) out.set(m, members);
  }
  foldClasses = out;
  return out;
}

/** The characters a code point equals ignoring case (just itself when it has no case). */
export function foldClass(cp: number): readonly number[] {
  return classes().get(cp) ?? [cp];
}

/** A word in its canonical form: every character replaced by its fold. */
export function foldWord(word: string): string {
  // ASCII letters fold to their lower case (K, k and the Kelvin sign share the fold k).
  if (ASCII_ONLY.test(word)) return word.toLowerCase();
  let out = '';
  for (const c of word) {
    const cp = c.codePointAt(0) as number;
    const members = classes().get(cp);
    out += members ? String.fromCodePoint(foldOf(cp)) : c;
  }
  return out;
}

// eslint-disable-next-line no-control-regex -- every ASCII character, controls included
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * The words of a text, in order, each folded (see the definition at the top). Empty for NULL,
 * empty or separator-only text. ASCII text takes a fast path (no regex per character).
 */
export function tokenizeWords(text: string): string[] {
  const words: string[] = [];
  const n = text.length;
  let start = -1;
  let fold = false;
  const close = (end: number): void => {
    const w = text.slice(start, end);
    words.push(fold ? foldWord(w) : w);
    start = -1;
    fold = false;
  };
  for (let i = 0; i < n; i++) {
    const u = text.charCodeAt(i);
    if (u < 0x80) {
      const lower = (u >= 97 && u <= 122) || (u >= 48 && u <= 57);
      if (lower || (u >= 65 && u <= 90)) {
        if (start < 0) start = i;
        if (!lower) fold = true;
      } else if (start >= 0) close(i);
      continue;
    }
    let cp = u;
    let width = 1;
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < n) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = ((u - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    const ch = width === 1 ? (text[i] as string) : text.slice(i, i + 2);
    const wordChar = WORD_CHAR.test(ch);
    if (wordChar && !(cp >= 0x3040 && isCjk(cp))) {
      if (start < 0) start = i;
      fold = true;
    } else {
      if (start >= 0) close(i);
      if (wordChar) words.push(foldWord(ch));
    }
    i += width - 1;
  }
  if (start >= 0) close(n);
  return words;
}

export type TextMatchMode = 'word' | 'phrase';

/** Why a CONTAINS argument cannot be used, or null when it can. */
export function textArgumentProblem(mode: TextMatchMode, text: string): string | null {
  const words = tokenizeWords(text);
  if (words.length === 0) return `'${text.length > 30 ? `${text.slice(0, 27)}...` : text}' has no letters or digits, so it holds no word to look for`;
  if (mode === 'word' && words.length > 1) return `CONTAINS WORD takes one word, but '${text.length > 30 ? `${text.slice(0, 27)}...` : text}' is ${words.length} words (${words.slice(0, 4).join(' | ')}${words.length > 4 ? ' | ...' : ''}); use CONTAINS PHRASE`;
  return null;
}

/** One character of a word as a pattern piece: the class of its fold when it has case. */
function charPattern(cp: number): string {
  const members = foldClass(cp);
  if (members.length === 1) return String.fromCodePoint(cp);
  return `[${members.map((m) => String.fromCodePoint(m)).join('')}]`;
}

/**
 * The regular expression (a search) that is TRUE exactly where a text holds the word or phrase,
 * in the flag-free syntax RE2, Java, Joni and JS (with `u`) share. Throws BAD_INPUT for an argument
 * without words, or a WORD argument of several words.
 */
export function textMatchPattern(mode: TextMatchMode, text: string): string {
  const problem = textArgumentProblem(mode, text);
  if (problem) throw new EngineError('BAD_INPUT', `${problem[0]?.toUpperCase()}${problem.slice(1)}.`);
  const words = tokenizeWords(text);
  const firstCp = (w: string): number => w.codePointAt(0) as number;
  const lastCp = (w: string): number => [...w].pop()?.codePointAt(0) as number;
  const edge = `(?:^|${SEPARATOR_CLASS}|${CJK_CLASS})`;
  const endEdge = `(?:$|${SEPARATOR_CLASS}|${CJK_CLASS})`;
  let out = isCjk(firstCp(words[0] as string)) ? '' : edge;
  words.forEach((w, k) => {
    if (k > 0) {
      const cjkJoin = isCjk(lastCp(words[k - 1] as string)) || isCjk(firstCp(w));
      out += `${SEPARATOR_CLASS}${cjkJoin ? '*' : '+'}`;
    }
    for (const c of w) out += charPattern(c.codePointAt(0) as number);
  });
  if (!isCjk(lastCp(words[words.length - 1] as string))) out += endEdge;
  return out;
}

/** The JS RegExp of a text predicate (the same pattern every SQL dialect runs). */
export function compileTextMatch(mode: TextMatchMode, text: string): RegExp {
  return new RegExp(textMatchPattern(mode, text), 'u');
}

/** The prefix that makes a MATCHES pattern case-insensitive. */
export const CASELESS_PREFIX = '(?i)';

/**
 * A MATCHES pattern of the supported subset (regex.ts) with every cased letter widened to its
 * fold class, so it matches ignoring case with no engine flag. The input must already have passed
 * the subset check (escapes, classes and ranges are read as that check reads them).
 */
export function caselessRegex(pattern: string): string {
  const chars = Array.from(pattern);
  let out = '';
  let i = 0;
  const cpAt = (k: number): number => (chars[k] as string).codePointAt(0) as number;
  /** One class member or escape starting at i: its source text and code point (null for sets like \d). */
  const atom = (): { text: string; cp: number | null } => {
    const c = chars[i] as string;
    if (c !== '\\') {
      i += 1;
      return { text: c, cp: c.codePointAt(0) as number };
    }
    const e = chars[i + 1] as string;
    if (e === 'x') {
      const hex = chars.slice(i + 2, i + 4).join('');
      i += 4;
      return { text: `\\x${hex}`, cp: parseInt(hex, 16) };
    }
    i += 2;
    const controls: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11 };
    if (e in controls) return { text: `\\${e}`, cp: controls[e] as number };
    return { text: `\\${e}`, cp: /[A-Za-z]/.test(e) ? null : (e.codePointAt(0) as number) };
  };
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === '[') {
      i += 1;
      let head = '[';
      if (chars[i] === '^') {
        head += '^';
        i += 1;
      }
      let body = '';
      const extra = new Set<number>();
      const addFold = (lo: number, hi: number): void => {
        for (let cp = lo; cp <= hi; cp++) for (const m of foldClass(cp)) if (m < lo || m > hi) extra.add(m);
      };
      while (i < chars.length && chars[i] !== ']') {
        const lo = atom();
        if (chars[i] === '-' && chars[i + 1] !== ']' && chars[i + 1] !== undefined) {
          i += 1;
          const hi = atom();
          body += `${lo.text}-${hi.text}`;
          if (lo.cp !== null && hi.cp !== null) addFold(lo.cp, hi.cp);
        } else {
          // A leading '-' would join the added letters into a range: escape it.
          body += lo.text === '-' && body === '' ? '\\-' : lo.text;
          if (lo.cp !== null) addFold(lo.cp, lo.cp);
        }
      }
      i += 1;
      const added = [...extra].filter((m) => !(m >= 0xd800 && m <= 0xdfff)).sort((a, b) => a - b).map((m) => String.fromCodePoint(m)).join('');
      out += `${head}${added}${body}]`;
      continue;
    }
    if (c === '\\') {
      const start = i;
      const a = atom();
      const fromHex = a.text.startsWith('\\x');
      out += fromHex && a.cp !== null && foldClass(a.cp).length > 1 ? charPattern(a.cp) : chars.slice(start, i).join('');
      continue;
    }
    if (c === '(' && chars[i + 1] === '?') {
      // Only (?: reaches here (the subset check refused the rest).
      out += '(?:';
      i += 3;
      continue;
    }
    if (c === '{') {
      // A repetition {n}, {n,}, {n,m}: digits only, copied as is.
      const close = chars.indexOf('}', i);
      out += chars.slice(i, close + 1).join('');
      i = close + 1;
      continue;
    }
    out += foldClass(cpAt(i)).length > 1 ? charPattern(cpAt(i)) : c;
    i += 1;
  }
  return out;
}

/** A MATCHES pattern as every engine runs it: `(?i)` patterns widened by caselessRegex. */
export function portableRegex(pattern: string): string {
  return pattern.startsWith(CASELESS_PREFIX) ? caselessRegex(pattern.slice(CASELESS_PREFIX.length)) : pattern;
}
